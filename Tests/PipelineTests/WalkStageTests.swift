import CityModel
import Foundation
@testable import Pipeline
import Testing

@Suite struct WalkStageTests {
    /// A plus-shaped street network (two 400 m streets crossing at (200, 200)), one kindergarten 10 m north of the
    /// east-west street at x = 50, and residential buildings whose centroids sit beside the north-south street.
    static func town() -> BaseLayer {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.roads = [
            Road(id: 1, sourceId: "ew", line: LineString([Vec2(0, 200), Vec2(200, 200), Vec2(400, 200)]), highway: "residential"),
            Road(id: 2, sourceId: "ns", line: LineString([Vec2(200, 0), Vec2(200, 200), Vec2(200, 400)]), highway: "residential"),
            Road(id: 3, sourceId: "mw", line: LineString([Vec2(0, 0), Vec2(0, 400)]), highway: "motorway", walkable: false),
        ]
        func bld(_ id: Int64, _ cx: Double, _ cy: Double, residents: Double) -> Building {
            Building(id: id, sourceId: "b\(id)", footprint: MultiPolygon([Polygon([[Vec2(cx - 5, cy - 5), Vec2(cx + 5, cy - 5), Vec2(cx + 5, cy + 5), Vec2(cx - 5, cy + 5)]])]),
                     heightM: 12, heightSource: .measured, floors: 4, use: .residential, residents: residents)
        }
        b.buildings = [
            bld(1, 220, 300, residents: 10),   // 20 m east of the N–S street at y = 300
            bld(2, 230, 50, residents: 30),    // 30 m east of it at y = 50
            bld(3, 900, 900, residents: 5),    // 700 m from any street: cannot snap
        ]
        b.facilities = [Facility(id: 9, sourceId: "k", category: "kindergarten", geometry: .point(Vec2(50, 210)))]
        return b
    }

    @Test func distancesAreLegPlusNetworkPlusLeg() throws {
        let dir = tempDir()
        let cfg = CityConfig(city: "t", year: 2026)
        let base = Self.town()
        let w = try #require(try WalkStage.run(config: cfg, base: base, outDir: dir, progress: Progress(quiet: true)))
        let d = w.access.distances["kindergarten"]!
        // Building 1: 20 (leg) + 100 (to the crossing) + 150 (west along E–W) + 10 (facility leg) = 280.
        #expect(abs(Double(d[0]) - 280) < 1e-3)
        // Building 2: 30 + 150 + 150 + 10 = 340.
        #expect(abs(Double(d[1]) - 340) < 1e-3)
        // Building 3 failed to snap (> 200 m): no distance, counted.
        #expect(d[2] == .infinity)
        #expect(w.unsnapped == 1)
        // Straight-line distances would be 191 m and 245 m: the network is longer.
        #expect(simdLength(Vec2(220, 300) - Vec2(50, 210)) < 200)
        // Required life-circle categories absent from the data are searched as unreachable, never dropped.
        #expect(w.access.distances["primary_school"]?.allSatisfy { $0 == .infinity } == true)

        // With a population layer, cell centres are origins too (rows of kind "cell"), not mixed into coverage.
        var withCells = base
        withCells.population = [PopulationCell(id: 77, population: 12, area: MultiPolygon([Polygon([[Vec2(190, 240), Vec2(230, 240), Vec2(230, 280), Vec2(190, 280)]])]))]
        let dir2 = tempDir("cells")
        let w2 = try #require(try WalkStage.run(config: cfg, base: withCells, outDir: dir2, progress: Progress(quiet: true)))
        #expect(w2.access.origins == w.access.origins)
        let ds = try VectorDataset(path: dir2 + "/walk.gpkg")
        var cellD: Double? = nil
        try ds.layer("access").forEach { f in if f.value("origin_kind").string == "cell" { cellD = f.value("d_kindergarten").real } }
        // Cell centre (210, 260): 10 m leg to the N–S street, 60 m south to the crossing, 150 m west, 10 m leg = 230.
        #expect(cellD.map { abs($0 - 230) < 1e-3 } == true)

        // walk.gpkg round trip gives the same access table.
        let back = try WalkStage.read(path: dir + "/walk.gpkg", base: base)
        #expect(back.access.origins == w.access.origins)
        #expect(back.access.distances["kindergarten"]! == d)
        #expect(back.access.thresholds["kindergarten"] == [300, 500, 1000])
        #expect(back.unsnapped == 1)
        #expect(FileManager.default.fileExists(atPath: dir + "/grids/walk_kindergarten.tif"))

        // Coverage: within 300 m only building 1 (10 of 45 residents).
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: MultiPolygon([Polygon([[Vec2(0, 0), Vec2(1000, 0), Vec2(1000, 1000), Vec2(0, 1000)]])]),
                                     builtUpSource: "test", ops: GEOSGeometryOps(), walk: w.access)
        let v = try IndicatorRunner.run(inputs).filter { $0.zoneID.isEmpty }
        let cov = try #require(v.first { $0.spec.id == "walk_cov.kindergarten.300" })
        #expect(abs(cov.value! - 100.0 * 10 / 45) < 1e-9)
        let cov5 = try #require(v.first { $0.spec.id == "walk_cov.kindergarten.500" })
        #expect(abs(cov5.value! - 100.0 * 40 / 45) < 1e-9)
    }
}

import Indicators
import GeoBridge
