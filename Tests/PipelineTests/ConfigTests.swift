import Foundation
@testable import Pipeline
import Testing

@Suite struct ConfigTests {
    @Test func parsesEveryKey() throws {
        let yaml = """
        city: 南昌 sample
        year: 2025
        crs: EPSG:4548
        layers:
          buildings:  {source: city.gpkg, layer: buildings, where: "floors > 0", height: height_m, floors: 层数, use: use, residents: pop, year_built: year}
          roads:      {source: city.gpkg, layer: roads}
          facilities:
            - {category: kindergarten, source: pois.shp, encoding: GBK, coords: gcj02}
            - {category: primary_school, source: schools.gpkg, layer: s}
          pipes:      {source: pipes.gpkg, kind: type}
          population: {source: pop.tif}
          zones:      {source: zones.gpkg, layer: districts, id: code, name: name}
        ingest: {floor_height_m: 3.2, m2_per_resident: 30}
        """
        let c = try CityConfig.parse(yaml, file: "/x/city.yaml", baseDirectory: "/x")
        #expect(c.city == "南昌 sample")
        #expect(c.year == 2025)
        #expect(c.crs == "EPSG:4548")
        #expect(c.layers["buildings"]?.fields["floors"] == "层数")
        #expect(c.layers["buildings"]?.where_ == "floors > 0")
        #expect(c.facilityList.count == 2)
        #expect(c.facilityList[0].fixedCategory == "kindergarten")
        #expect(c.facilityList[0].encoding == "GBK")
        #expect(c.facilityList[0].coords == "gcj02")
        #expect(c.layers["pipes"]?.fields["kind"] == "type")
        #expect(c.ingest.floorHeightM == 3.2)
        #expect(c.ingest.m2PerResident == 30)
        #expect(c.resolve("city.gpkg") == "/x/city.gpkg")
        #expect(c.resolve("PG:dbname=city") == "PG:dbname=city")
        #expect(c.resolve("/abs/a.gpkg") == "/abs/a.gpkg")
    }

    func error(_ yaml: String) -> String {
        do { _ = try CityConfig.parse(yaml, file: "city.yaml"); return "no error" } catch { return "\(error)" }
    }

    @Test func unknownKeyNamesKeyAndLine() {
        let e = error("city: a\nyear: 2026\nlayers:\n  buildings: {source: a.gpkg, hieght: h}\n")
        #expect(e.contains("city.yaml:4"))
        #expect(e.contains("layers.buildings.hieght"))
        let top = error("city: a\nyear: 2026\ncolour: red\n")
        #expect(top.contains("city.yaml:3") && top.contains("'colour'"))
        let layer = error("city: a\nyear: 2026\nlayers:\n  houses: {source: a.gpkg}\n")
        #expect(layer.contains("city.yaml:4") && layer.contains("layers.houses: unknown key 'houses'"))
    }

    @Test func typeAndRequiredErrors() {
        #expect(error("city: a\nyear: soon\nlayers: {roads: {source: r.gpkg}}\n").contains("city.yaml:2: year: must be an integer"))
        #expect(error("year: 2026\nlayers: {roads: {source: r.gpkg}}\n").contains("missing required key 'city'"))
        #expect(error("city: a\nyear: 2026\nlayers:\n  roads: {layer: r}\n").contains("layers.roads needs 'source'"))
        #expect(error("city: a\nyear: 2026\n").contains("no layers"))
        #expect(error("city: a\nyear: 2026\npreset: osm\n").contains("preset: osm needs"))
        #expect(error("city: a\nyear: 2026\nlayers:\n  roads: {source: r.gpkg, coords: mars}\n").contains("coords must be"))
        #expect(error("city: [a\n").contains("YAML syntax"))
    }

    @Test func loadMissingFile() {
        #expect(throws: PipelineError.self) { try CityConfig.load(path: "/nonexistent/city.yaml") }
    }

    @Test func shippedSampleParses() throws {
        let c = try CityConfig.load(path: Paths.helsinkiSample)
        #expect(c.preset == "osm")
        #expect(FileManager.default.fileExists(atPath: c.resolve(c.osm!)))
    }
}
