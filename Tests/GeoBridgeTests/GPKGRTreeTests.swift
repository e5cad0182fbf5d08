import CityModel
import Foundation
import GeoBridge
import TestSupport
import Testing

/// The bulk-loaded spatial index of GeoPackageWriter against GDAL's own one-feature-at-a-time index (its twin:
/// the same features written with `SPATIAL_INDEX=YES`, which GDAL fills at close through SQLite's R*Tree insert).
@Suite struct GPKGRTreeTests {
    /// Random polygons (some without geometry), in projected coordinates with fractions, both signs of x.
    func table(_ n: Int, seed: UInt64) -> FeatureTable {
        var rng = SplitMix64(seed: seed)
        var t = FeatureTable(name: "things", geometryType: "MultiPolygon", fields: [FieldDef("id", .integer64, "")])
        for i in 0..<n {
            if i % 97 == 13 { t.append(nil, [.int(Int64(i))]); continue }
            let x = rng.range(-30_000, 600_000), y = rng.range(3_300_000, 3_420_000)
            let w = rng.range(0.01, rng.unit() < 0.05 ? 5_000 : 40), h = rng.range(0.01, 40)
            let ring = [Vec2(x, y), Vec2(x + w, y), Vec2(x + w, y + h), Vec2(x, y + h)]
            t.append(.polygon(Polygon([ring])), [.int(Int64(i))])
        }
        return t
    }

    func write(_ t: FeatureTable, _ path: String, gdalIndex: Bool) throws {
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32650", layerOptions: gdalIndex ? ["SPATIAL_INDEX": "YES"] : [:])
        try w.write(table: t)
        try w.commit()
    }

    @Test(arguments: [0, 1, 40, 51, 52, 3_000, 9_000])
    func sameIndexAsGDAL(n: Int) throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = table(n, seed: UInt64(n) + 5)
        try write(t, dir + "/bulk.gpkg", gdalIndex: false)
        try write(t, dir + "/gdal.gpkg", gdalIndex: true)
        let bulk = try VectorDataset(path: dir + "/bulk.gpkg"), gdal = try VectorDataset(path: dir + "/gdal.gpkg")
        #expect(try bulk.query("SELECT rtreecheck('rtree_things_geom')") == [[.string("ok")]])
        let all = "SELECT id, minx, maxx, miny, maxy FROM rtree_things_geom ORDER BY id"
        let entries = try bulk.query(all)
        #expect(entries.count == n - (0..<n).filter { $0 % 97 == 13 }.count)
        #expect(entries == (try gdal.query(all)), "same ids and float boxes as GDAL's index")
        // Window queries walk the tree: the node boxes must hold their children.
        var rng = SplitMix64(seed: 99)
        for _ in 0..<60 {
            let x = rng.range(-40_000, 610_000), y = rng.range(3_290_000, 3_430_000), s = rng.range(10, 60_000)
            let q = "SELECT id FROM rtree_things_geom WHERE maxx >= \(x) AND minx <= \(x + s) AND maxy >= \(y) AND miny <= \(y + s) ORDER BY id"
            let brute = entries.filter { e in
                e[2].real! >= x && e[1].real! <= x + s && e[4].real! >= y && e[3].real! <= y + s
            }.map { $0[0] }
            #expect(try bulk.query(q).map { $0[0] } == brute)
        }
        let meta = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'table') AND name LIKE 'rtree%' ORDER BY name"
        #expect(try bulk.query(meta) == (try gdal.query(meta)), "same virtual table and triggers as GDAL writes")
        let ext = "SELECT * FROM gpkg_extensions ORDER BY table_name"
        #expect(try bulk.query(ext) == (try gdal.query(ext)))
        // GDAL sees the index (a spatial filter is answered from it) and the layer's features.
        #expect(try bulk.layer("things").featureCount == n)
        try bulk.close(); try gdal.close()
    }
}
