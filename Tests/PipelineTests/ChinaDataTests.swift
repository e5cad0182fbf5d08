import CityModel
import Foundation
import GeoBridge
@testable import Pipeline
import Testing

@Suite struct ChinaCoordsTests {
    /// Published pairs: wandergis/coordtransform README (Tiananmen, 116.404 39.915).
    @Test func publishedPairs() {
        let p = Vec2(116.404, 39.915)
        let gcj = ChinaCoords.wgs84ToGCJ02(p)
        #expect(abs(gcj.x - 116.41024449916938) < 1e-12 && abs(gcj.y - 39.91640428150164) < 1e-12)
        let bd = ChinaCoords.gcj02ToBD09(p)
        #expect(abs(bd.x - 116.41036949371029) < 1e-12 && abs(bd.y - 39.92133699351021) < 1e-12)
        let bdApprox = ChinaCoords.bd09ToGCJ02Approx(p)
        #expect(abs(bdApprox.x - 116.39762729119315) < 1e-12 && abs(bdApprox.y - 39.90865673957631) < 1e-12)
        let wbd = ChinaCoords.wgs84ToBD09(p)
        #expect(abs(wbd.x - 116.41662724378733) < 1e-12 && abs(wbd.y - 39.922699552216216) < 1e-12)
        // Inverse of the published GCJ value comes back to the WGS 84 truth within 1 cm (≈ 1e-7°).
        let back = ChinaCoords.gcj02ToWGS84(Vec2(116.41024449916938, 39.91640428150164))
        #expect(abs(back.x - 116.404) < 1e-7 && abs(back.y - 39.915) < 1e-7)
    }

    @Test func outsideChinaUnchanged() {
        let helsinki = Vec2(24.94, 60.17)
        #expect(ChinaCoords.wgs84ToGCJ02(helsinki) == helsinki)
        #expect(ChinaCoords.gcj02ToWGS84(helsinki) == helsinki)
        #expect(ChinaCoords.bd09ToWGS84(helsinki) == helsinki)
    }

    /// Round trip on random points across China: forward(inverse(x)) reproduces x within 1 cm.
    @Test func roundTripAcrossChina() throws {
        var rng = SplitMix64(seed: 9)
        let utm = try ProjTransformer(from: "EPSG:4326", to: "EPSG:3857")
        for _ in 0..<2000 {
            let w = Vec2(Double.random(in: 75...134, using: &rng), Double.random(in: 19...53, using: &rng))
            let g = ChinaCoords.wgs84ToGCJ02(w)
            let w2 = ChinaCoords.gcj02ToWGS84(g)
            // metres via a conformal projection, scaled by cos(lat)
            let a = try utm.transform(w), b = try utm.transform(w2)
            #expect(simdLength(a - b) * cos(w.y * .pi / 180) < 0.01)
            let bd = ChinaCoords.wgs84ToBD09(w)
            let w3 = ChinaCoords.bd09ToWGS84(bd)
            let c = try utm.transform(w3)
            #expect(simdLength(a - c) * cos(w.y * .pi / 180) < 0.01)
            // The offset itself is real: hundreds of metres.
            #expect(simdLength(a - (try utm.transform(g))) * cos(w.y * .pi / 180) > 20)
        }
    }
}

@Suite struct ChinaIngestTests {
    /// A GBK shapefile written by the test, with its .cpg removed and the DBF's code-page byte cleared (as old tools leave them).
    func writeGBKShapefile(_ dir: String, epsg: String?, easting: Double) throws -> String {
        let path = dir + "/建筑.shp"
        var t = FeatureTable(name: "建筑", geometryType: "Polygon",
                             fields: [FieldDef("层数", .integer, ""), FieldDef("用途", .string, ""), FieldDef("名称", .string, "")])
        t.append(.polygon(Polygon([[Vec2(easting, 3174000), Vec2(easting + 20, 3174000), Vec2(easting + 20, 3174030), Vec2(easting, 3174030)]])),
                 [.int(6), .string("住宅"), .string("青山湖小区1栋")])
        t.append(.polygon(Polygon([[Vec2(easting + 50, 3174000), Vec2(easting + 80, 3174000), Vec2(easting + 80, 3174020), Vec2(easting + 50, 3174020)]])),
                 [.int(3), .string("商业"), .string("八一广场商场")])
        let w = try GeoPackageWriter(path: path, crs: epsg, driver: "ESRI Shapefile", layerOptions: ["ENCODING": "CP936"])
        try w.write(table: t); try w.commit()
        try? FileManager.default.removeItem(atPath: dir + "/建筑.cpg")
        // Clear the language driver id (byte 29) so nothing in the file says GBK.
        let dbf = URL(fileURLWithPath: dir + "/建筑.dbf")
        var d = try Data(contentsOf: dbf)
        d[29] = 0
        try d.write(to: dbf)
        #expect(String(data: d.suffix(from: 32 + 32 * 3 + 1), encoding: .utf8) == nil, "the attribute bytes really are GBK")
        return path
    }

    @Test func gbkShapefileWithoutCPGIsReadWithWarning() throws {
        let dir = tempDir()
        _ = try writeGBKShapefile(dir, epsg: "EPSG:4548", easting: 392_000)
        let yaml = "city: 南昌\nyear: 2026\ncrs: auto\nlayers:\n  buildings: {source: 建筑.shp}\n"
        let cfg = try CityConfig.parse(yaml, file: dir + "/city.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:4548")  // auto in China: CGCS2000 3-degree GK, CM 117°E
        #expect(r.notes.contains { $0.hasPrefix("warning: ") && $0.contains("建筑.shp") && $0.contains("GB18030") })
        #expect(r.notes.contains { $0.contains("floors ← 层数") && $0.contains("use ← 用途") })
        #expect(base.buildings.count == 2)
        #expect(base.buildings[0].floors == 6 && base.buildings[0].use == .residential && base.buildings[0].heightSource == .floors)
        #expect(base.buildings[1].use == .commercial)
        // Chinese values survive to the base layer.
        let out = dir + "/out"
        try Ingest.run(config: cfg, outDir: out, progress: Progress(quiet: true))
        let back = try BaseLayerIO.read(path: out + "/base.gpkg")
        #expect(back.buildings.map(\.use) == [.residential, .commercial])

        // With `encoding:` given there is no warning.
        let cfg2 = try CityConfig.parse("city: 南昌\nyear: 2026\nlayers:\n  buildings: {source: 建筑.shp, encoding: GBK}\n", file: dir + "/c2.yaml", baseDirectory: dir)
        let (_, r2) = try Ingest.build(config: cfg2, progress: Progress(quiet: true))
        #expect(!r2.notes.contains { $0.hasPrefix("warning: ") })
    }

    @Test func zonePrefixedGaussKrugerWithoutPRJ() throws {
        let dir = tempDir()
        // Zone 39 (CM 117°E) with the zone number prefixed to the easting, and no .prj.
        _ = try writeGBKShapefile(dir, epsg: nil, easting: 39_392_000)
        #expect(!FileManager.default.fileExists(atPath: dir + "/建筑.prj"))
        let cfg = try CityConfig.parse("city: 南昌\nyear: 2026\nlayers:\n  buildings: {source: 建筑.shp, encoding: GBK}\n", file: dir + "/c.yaml", baseDirectory: dir)
        do { _ = try Ingest.build(config: cfg, progress: Progress(quiet: true)); Issue.record("expected a CRS error") } catch {
            let m = "\(error)"
            #expect(m.contains("建筑.shp") && m.contains("zone prefix 39") && m.contains("EPSG:4527"), "got \(m)")
        }
        // Setting the CRS it names works, and the working CRS drops the prefix (EPSG:4548, same zone).
        let ok = try CityConfig.parse("city: 南昌\nyear: 2026\nlayers:\n  buildings: {source: 建筑.shp, encoding: GBK, crs: EPSG:4527}\n", file: dir + "/c.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.build(config: ok, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:4548")
        let c = base.buildings[0].footprint.bbox
        #expect(abs(c.minX - 392_000) < 1e-6 && abs(c.minY - 3_174_000) < 1e-6)
    }

    @Test func missingCRSMessages() {
        #expect(SourceConventions.missingCRSMessage(BBox(minX: 115, minY: 28, maxX: 116, maxY: 29), key: "facilities").contains("EPSG:4490"))
        #expect(SourceConventions.missingCRSMessage(BBox(minX: 20_500_000, minY: 3_100_000, maxX: 20_600_000, maxY: 3_200_000), key: "roads").contains("EPSG:4498"))
        #expect(SourceConventions.missingCRSMessage(BBox(minX: 400_000, minY: 3_100_000, maxX: 410_000, maxY: 3_200_000), key: "roads").contains("no zone prefix"))
    }

    /// GCJ-02 facility points (as scraped from Amap) land within 1 m of their WGS 84 truth.
    @Test func gcj02FacilitiesLandOnTruth() throws {
        let dir = tempDir()
        let truth = [Vec2(115.8921, 28.6765), Vec2(115.9012, 28.6831), Vec2(115.8850, 28.6702)]
        var feats: [(props: [String: Any], geometry: [String: Any]?)] = []
        for (i, t) in truth.enumerated() {
            let g = ChinaCoords.wgs84ToGCJ02(t)
            feats.append((["kind": "幼儿园", "id": "k\(i)"], ["type": "Point", "coordinates": [g.x, g.y]]))
        }
        try writeGeoJSON(dir + "/pois.geojson", epsg: 4326, features: feats)
        let yaml = "city: 南昌\nyear: 2026\ncrs: EPSG:4548\nlayers:\n  facilities: {source: pois.geojson, category: kind, coords: gcj02}\n  roads: {source: pois.geojson, where: \"kind = 'none'\"}\n"
        let cfg = try CityConfig.parse(yaml, file: dir + "/c.yaml", baseDirectory: dir)
        let (base, _) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        let t = try ProjTransformer(from: "EPSG:4326", to: "EPSG:4548")
        #expect(base.facilities.count == 3)
        for (i, f) in base.facilities.enumerated() {
            #expect(f.category == "kindergarten")
            let d = simdLength(f.geometry.representativePoint - (try t.transform(truth[i])))
            #expect(d < 1.0, "facility \(i) is \(d) m from its truth")
        }
    }
}

@Suite struct WebMapIngestTests {
    /// Amap POIs (GCJ-02, typecode field) go through the preset; unmapped types are rejected, counted and listed.
    @Test func amapPOIsAreCategorisedAndUnknownTypesListed() throws {
        let dir = tempDir()
        let pts: [(String, String, String)] = [
            ("141204", "科教文化服务;学校;幼儿园", "红谷滩幼儿园"), ("141203", "科教文化服务;学校;小学", "育新学校"),
            ("090100", "医疗保健服务;综合医院;综合医院", "青山湖社区卫生服务中心"), ("050000", "餐饮服务;餐饮相关场所;餐饮相关", "瓦罐汤"),
            ("050000", "餐饮服务;餐饮相关场所;餐饮相关", "拌粉店"),
        ]
        var feats: [(props: [String: Any], geometry: [String: Any]?)] = []
        for (k, p) in pts.enumerated() {
            let g = ChinaCoords.wgs84ToGCJ02(Vec2(115.89 + Double(k) * 0.001, 28.68))
            feats.append((["typecode": p.0, "type": p.1, "name": p.2], ["type": "Point", "coordinates": [g.x, g.y]]))
        }
        try writeGeoJSON(dir + "/amap.geojson", epsg: 4326, features: feats)
        let yaml = "city: 南昌\nyear: 2026\ncrs: auto\nlayers:\n  facilities: {source: amap.geojson, coords: gcj02}\n  roads: {source: amap.geojson, where: \"name = 'x'\"}\n"
        let cfg = try CityConfig.parse(yaml, file: dir + "/c.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(base.facilities.map(\.category) == ["kindergarten", "primary_school", "health_center"])
        #expect(r.counts["facilities"]?.rejected == 2)
        #expect(base.rejects.allSatisfy { $0.reason.contains("050000") })
        #expect(r.notes.contains { $0.contains("2 web-map POIs of 1 unmapped types") && $0.contains("050000") })
        #expect(r.notes.contains { $0.contains("amap_typecode ← typecode") })
    }
}
