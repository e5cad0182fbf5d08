import CityModel
import Foundation
import GeoBridge
@testable import Pipeline
import Testing

/// Each ingest step alone: read, reproject (with the coordinate checks), validate, classify, residents, write.
@Suite struct IngestStepsTests {
    /// Buildings in EPSG:32635 with fields that map to nothing (Chinese names, a real, an int) and fields whose names
    /// collide with canonical ones (`id`, `height_m`, `fid`).
    func writeAttributeCity(_ dir: String) throws -> String {
        try writeGeoJSON(dir + "/b.geojson", epsg: 32635, features: [
            (["fid_": "a", "h": 12.0, "名称": "青山湖小区1栋", "地址": "南昌市青山湖区1号", "层高": 3.1, "id": 7, "height_m": "tall", "fid": 1],
             polygonJSON([rect(388000, 6672000, 10, 20)])),
            (["fid_": "b", "h": -1.0, "名称": "坏楼", "地址": "无", "层高": 2.9, "id": 8, "height_m": "x", "fid": 2],
             polygonJSON([rect(388020, 6672000, 10, 10)])),                       // rejected: absurd height
            (["fid_": "c", "h": 9.0, "名称": "八一广场商场", "地址": NSNull(), "层高": NSNull(), "id": 9, "height_m": NSNull(), "fid": 3],
             polygonJSON([rect(388040, 6672000, 10, 10)])),
        ])
        try writeGeoJSON(dir + "/r.geojson", epsg: 32635, features: [
            (["cls": "residential", "路面": "沥青"], ["type": "MultiLineString", "coordinates": [[[388000.0, 6671990.0], [388100.0, 6671990.0]], [[388100.0, 6671980.0], [388200.0, 6671980.0]]]]),
        ])
        let yaml = "city: t\nyear: 2026\nlayers:\n  buildings: {source: b.geojson, height: h, id: fid_}\n  roads: {source: r.geojson, highway: cls}\ntiles: {attributes: [名称, 地址]}\n"
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        return dir + "/city.yaml"
    }

    // MARK: 1. read

    @Test func readKeepsUnmappedFieldsWithSourceNameAndType() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeAttributeCity(dir))
        let s = try IngestRead.read(config: cfg, progress: Progress(quiet: true))
        #expect(s.raw["buildings"]?.count == 3)
        #expect(s.raw["buildings"]?.map(\.row) == [0, 1, 2])
        let o = s.origins[s.raw["buildings"]![0].origin]
        let cols = Dictionary(uniqueKeysWithValues: o.extra.columns.map { ($0.sourceName, $0) })
        #expect(Set(cols.keys) == ["名称", "地址", "层高", "id", "height_m", "fid"])   // fid_ and h are mapped
        #expect(cols["名称"]?.name == "名称" && cols["名称"]?.type == .string)
        #expect(cols["层高"]?.type == .real && cols["层高"]?.value(0) == .real(3.1))
        #expect(cols["id"]?.name == "src_id" && cols["id"]?.value(2) == .int(9))
        #expect(cols["height_m"]?.name == "src_height_m")
        #expect(cols["fid"]?.name == "src_fid")
        #expect(cols["地址"]?.value(2) == .null && cols["地址"]?.value(0) == .string("南昌市青山湖区1号"))
    }

    @Test func collidingNamesGetPrefix() {
        // Case-insensitive, as SQLite compares column names; a prefixed name that is taken gets a second prefix.
        #expect(SourceFieldNames.names(["名称", "ID", "use", "src_use", "geom"], canonical: "buildings") == ["名称", "src_ID", "src_use", "src_src_use", "src_geom"])
        #expect(SourceFieldNames.names(["name", "category"], canonical: "facilities") == ["src_name", "src_category"])
        #expect(SourceFieldNames.names(["name"], canonical: "buildings") == ["name"])   // buildings have no name field
    }

    // MARK: 2. reproject and coordinate checks

    /// Helsinki buildings in longitude/latitude with three absurd features: x = 1e300, null island, latitude 95.
    func writeLonLatCity(_ dir: String) throws -> CityConfig {
        var feats: [(props: [String: Any], geometry: [String: Any]?)] = []
        for i in 0..<20 {
            let x = 24.94 + Double(i) * 0.001, y = 60.17
            feats.append((["n": "ok\(i)"], polygonJSON([[(x, y), (x + 0.0002, y), (x + 0.0002, y + 0.0001), (x, y + 0.0001)]])))
        }
        feats.append((["n": "huge"], polygonJSON([[(1e300, 60.17), (24.95, 60.17), (24.95, 60.171)]])))
        feats.append((["n": "island"], polygonJSON([[(0, 0), (0.0002, 0), (0.0002, 0.0001), (0, 0.0001)]])))
        feats.append((["n": "pole"], polygonJSON([[(24.94, 95), (24.95, 95), (24.95, 95.001)]])))
        try writeGeoJSON(dir + "/b.geojson", epsg: 4326, features: feats)
        return try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  buildings: {source: b.geojson, id: n}\n", file: dir + "/c.yaml", baseDirectory: dir)
    }

    @Test func absurdCoordinatesAreRejectedFeatureByFeature() throws {
        let dir = tempDir()
        let cfg = try writeLonLatCity(dir)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:32635")            // from the plausible features only
        #expect(base.buildings.count == 20)
        #expect(r.counts["buildings"]?.rejected == 3)
        let reasons = Dictionary(uniqueKeysWithValues: base.rejects.map { ($0.sourceId, $0.reason) })
        #expect(reasons["huge"]?.hasPrefix("cannot reproject from EPSG:4326 to EPSG:32635") == true, "\(reasons["huge"] ?? "")")
        #expect(reasons["island"]?.hasPrefix("coordinates outside the area of use of EPSG:32635") == true, "\(reasons["island"] ?? "")")
        #expect(reasons["pole"]?.hasPrefix("cannot reproject") == true || reasons["pole"]?.hasPrefix("coordinates outside") == true, "\(reasons["pole"] ?? "")")
        #expect(base.rejects.allSatisfy { $0.geometry == nil })
        // Every extent comes from the accepted features: 20 buildings 0.001° apart ≈ 1.1 km wide (the row is turned
        // by the grid convergence, 1.8° here, so it spans about 40 m of northing).
        let bb = base.bbox
        #expect(bb.width < 1_200 && bb.height < 100)
        // And the file is written.
        try Ingest.run(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true))
        let ds = try VectorDataset(path: dir + "/out/base.gpkg")
        #expect(try ds.layer("rejects").featureCount == 3)
        let e = try ds.layer("buildings").extent()
        #expect(e.width < 1_200)
    }

    @Test func sourceInTheWorkingCRSIsCheckedToo() throws {
        let dir = tempDir()
        try writeGeoJSON(dir + "/b.geojson", epsg: 32635, features: [
            (["n": "a"], polygonJSON([rect(388000, 6672000, 10, 10)])),
            (["n": "far"], polygonJSON([[(1e300, 6672000), (388010, 6672000), (388010, 6672010)]])),
        ])
        let cfg = try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  buildings: {source: b.geojson, id: n}\n", file: dir + "/c.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:32635")
        #expect(base.buildings.map(\.sourceId) == ["a"])
        #expect(base.rejects.first?.reason.hasPrefix("coordinates outside the area of use of EPSG:32635 (WGS 84 / UTM zone 35N: 24°E–30°E, 0°N–84°N, widened by 3°)") == true,
                "\(base.rejects.first?.reason ?? "")")
    }

    @Test func centreIsTheMedianOfPlausiblePoints() throws {
        let dir = tempDir()
        let cfg = try writeLonLatCity(dir)
        let s = try IngestRead.read(config: cfg, progress: Progress(quiet: true))
        let c = try #require(try Reprojection.centreLonLat(s))
        // Median of the first vertices 24.940…24.959 and the island's 0 (inside EPSG:4326's area of use, so it counts;
        // 1e300 and latitude 95 do not): the 11th of 21 sorted values, 24.949; latitude 60.17.
        #expect(abs(c.x - 24.949) < 1e-9 && abs(c.y - 60.17) < 1e-9)
    }

    /// Brute-force twin: every reprojected vertex equals PROJ's own transform of that vertex, on all cores.
    @Test func reprojectionMatchesPointByPointPROJ() throws {
        var rng = SplitMix64(seed: 5)
        let origin = SourceOrigin(file: "f", layer: "l", crs: "EPSG:4326")
        var feats: [RawFeature] = []
        for i in 0..<6_000 {
            let x = Double.random(in: 24...30, using: &rng), y = Double.random(in: 59...61, using: &rng)
            let ring = [Vec2(x, y), Vec2(x + 0.001, y), Vec2(x + 0.001, y + 0.0005)]
            feats.append(RawFeature(sourceId: "\(i)", attrs: [:], geometry: i % 2 == 0 ? .polygon(Polygon([ring])) : .lineString(LineString(ring)), origin: 0))
        }
        let original = feats
        let p = try Reprojection(crs: "EPSG:32635", origins: [origin])
        let errors = p.reproject(&feats)
        #expect(errors.allSatisfy { $0 == nil })
        let t = try ProjTransformer(from: "EPSG:4326", to: "EPSG:32635")
        for i in Swift.stride(from: 0, to: feats.count, by: 97) {
            let a = original[i].geometry!.allPoints, b = feats[i].geometry!.allPoints
            #expect(a.count == b.count)
            for k in a.indices { #expect(simdLength(try t.transform(a[k]) - b[k]) < 1e-6) }
        }
    }

    // MARK: 3. validate

    /// Brute-force twin against GEOS: a ring the fast test calls simple is valid for GEOS (random rings of 3–12 points,
    /// many of them self-intersecting).
    @Test func clearlySimpleRingsAreValidForGEOS() throws {
        var rng = SplitMix64(seed: 17)
        let g = GEOSContext()
        var simple = 0, checked = 0
        for _ in 0..<3_000 {
            let n = Int.random(in: 3...12, using: &rng)
            var ring: [Vec2] = []
            let star = Bool.random(using: &rng)
            for k in 0..<n {
                if star {
                    let a = 2 * Double.pi * Double(k) / Double(n), r = Double.random(in: 1...10, using: &rng)
                    ring.append(Vec2(388_000 + r * cos(a), 6_672_000 + r * sin(a)))
                } else {
                    ring.append(Vec2(388_000 + Double(Int.random(in: 0...6, using: &rng)), 6_672_000 + Double(Int.random(in: 0...6, using: &rng))))
                }
            }
            ring = GeometryValidator.cleanRing(ring)
            guard GeometryValidator.hasArea(ring) else { continue }
            checked += 1
            let fast = GeometryValidator.isClearlySimple(ring)
            let (valid, _) = try g.validity(try g.read(.polygon(Polygon([ring]))))
            if fast { simple += 1; #expect(valid, "fast path accepted an invalid ring \(ring)") }
        }
        #expect(simple > 500 && checked - simple > 300, "both kinds occur: \(simple) simple of \(checked)")
    }

    // MARK: 4. classify

    @Test func recordsKeepAttributesRowAlignedAndSplitLinesRepeatThem() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeAttributeCity(dir))
        var s = try IngestRead.read(config: cfg, progress: Progress(quiet: true))
        var rb = RecordBuilder(options: cfg.ingest, origins: s.origins, crs: "EPSG:32635")
        for layer in ["buildings", "roads"] {
            let feats = s.raw[layer]!
            rb.add(layer: layer, feats, coordinateErrors: feats.map { _ in nil })
        }
        s.raw = [:]
        #expect(rb.base.buildings.map(\.sourceId) == ["a", "c"])
        let t = try #require(rb.base.attributes["buildings"])
        #expect(t.count == 2)
        #expect(t.column("名称")?.value(0) == .string("青山湖小区1栋") && t.column("名称")?.value(1) == .string("八一广场商场"))
        #expect(t.column("src_id")?.value(1) == .int(9))
        #expect(t.column("地址")?.value(1) == .null)
        // One MultiLineString feature became two roads: both carry its attributes.
        #expect(rb.base.roads.count == 2)
        #expect(rb.base.attributes["roads"]?.column("路面")?.value(1) == .string("沥青"))
        #expect(rb.base.buildings.map(\.id) == [1, 2] && rb.base.roads.map(\.id) == [3, 4])
        #expect(rb.counts["buildings"]?.rejected == 1)
    }

    // MARK: 5. residents

    @Test func residentsFromAPopulationCellByFloorArea() {
        var b = BaseLayer()
        b.buildings = [
            Building(id: 1, sourceId: "r1", footprint: MultiPolygon([Polygon([rect(0, 0, 10, 10).map { Vec2($0.0, $0.1) }])]), heightM: 6, heightSource: .measured, use: .residential),
            Building(id: 2, sourceId: "r2", footprint: MultiPolygon([Polygon([rect(20, 0, 10, 10).map { Vec2($0.0, $0.1) }])]), heightM: 18, heightSource: .measured, use: .residential),
            Building(id: 3, sourceId: "c", footprint: MultiPolygon([Polygon([rect(40, 0, 10, 10).map { Vec2($0.0, $0.1) }])]), heightM: 9, heightSource: .measured, use: .commercial),
        ]
        b.population = [PopulationCell(id: 1, population: 80, area: MultiPolygon([Polygon([rect(-5, -5, 100, 20).map { Vec2($0.0, $0.1) }])]))]
        let (method, unassigned) = Residents.assign(&b, IngestOptions())
        #expect(method == "population layer (by residential floor area)" && unassigned == 0)
        // Floor areas 100 × 2 and 100 × 6: 80 residents split 1:3.
        #expect(b.buildings.map { $0.residents! } == [20, 60, 0])
    }

    // MARK: 6. write

    @Test func baseGeoPackageKeepsAttributesWithTypesAndChineseValues() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeAttributeCity(dir))
        try Ingest.run(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true))
        let ds = try VectorDataset(path: dir + "/out/base.gpkg")
        let fields = try ds.layer("buildings").fields
        // Kept fields follow the canonical ones in source order (GDAL lists these GeoJSON properties sorted).
        #expect(fields.map(\.name) == CanonicalLayer.buildings.fields.map(\.name) + ["src_fid", "src_height_m", "src_id", "名称", "地址", "层高"])
        let types = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.type) })
        #expect(types["名称"] == .string && types["层高"] == .real && types["src_id"] == .integer && types["src_height_m"] == .string)
        var names: [String] = []
        try ds.layer("buildings").forEach { f in names.append(f.value("名称").string ?? "") }
        #expect(names == ["青山湖小区1栋", "八一广场商场"])
        #expect(try ds.layer("roads").fields.map(\.name).last == "路面")
        // Read back: same columns, source names restored.
        let back = try BaseLayerIO.read(path: dir + "/out/base.gpkg")
        let t = try #require(back.attributes["buildings"])
        #expect(t.columns.map(\.sourceName) == ["fid", "height_m", "id", "名称", "地址", "层高"])
        #expect(t.column("层高")?.value(0) == .real(3.1) && t.column("地址")?.value(1) == .null)
    }

    @Test func gbkShapefileAttributesSurviveToBaseAndTiles() throws {
        let dir = tempDir()
        _ = try ChinaIngestTests().writeGBKShapefile(dir, epsg: "EPSG:4548", easting: 392_000)
        let yaml = "city: 南昌\nyear: 2026\nlayers:\n  buildings: {source: 建筑.shp}\ntiles: {attributes: [名称]}\n"
        let cfg = try CityConfig.parse(yaml, file: dir + "/city.yaml", baseDirectory: dir)
        let (base, _) = try Ingest.run(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true))
        #expect(base.attributes["buildings"]?.column("名称")?.value(0) == .string("青山湖小区1栋"))
        let back = try BaseLayerIO.read(path: dir + "/out/base.gpkg")
        #expect(back.attributes["buildings"]?.column("名称")?.value(1) == .string("八一广场商场"))
        let cols = try TilesStage.attributeColumns(cfg, back)
        #expect(cols.map(\.identifier) == ["u540du79f0"])
        _ = try TilesStage.run(config: cfg, base: back, extraColumns: [], outDir: dir + "/out", progress: Progress(quiet: true))
        let content = try FileManager.default.subpathsOfDirectory(atPath: dir + "/out/tiles/buildings").filter { $0.hasSuffix(".glb") }
        let glb = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/tiles/buildings/" + content[0]))
        #expect(glb.range(of: Data("\"u540du79f0\":{\"name\":\"名称\"".utf8)) != nil, "schema names the property")
        #expect(glb.range(of: Data("青山湖小区1栋".utf8)) != nil, "the value is in the property table")
    }

    @Test func unknownTilesAttributeIsAConfigError() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeAttributeCity(dir))
        var c2 = cfg
        c2.tilesAttributes = ["结构"]
        let (base, _) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(try TilesStage.attributeColumns(cfg, base).map(\.name) == ["名称", "地址"])
        do { _ = try TilesStage.attributeColumns(c2, base); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("tiles.attributes") && "\(error)".contains("'结构'") && "\(error)".contains("名称"))
        }
    }
}
