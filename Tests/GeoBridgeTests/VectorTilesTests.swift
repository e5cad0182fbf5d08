import CityModel
import Foundation
import GeoBridge
import TestSupport
import Testing

/// The folder that `VectorTileWriter` extracts from its MBTiles (tiled once) against GDAL's own FORMAT=DIRECTORY
/// output of the same features (its twin): the same tile files byte for byte and the same metadata.json.
@Suite struct VectorTilesTests {
    func write(_ dir: String, mbtiles: String?) throws {
        var rng = SplitMix64(seed: 5)
        let w = try VectorTileWriter(directory: dir, mbtiles: mbtiles, crs: "EPSG:32650", minZoom: 11, maxZoom: 14, name: "t", description: "d \"q\"")
        try w.begin(VectorTileLayer(name: "zones", geometryType: "POLYGON", fields: [FieldDef("id", .integer64, ""), FieldDef("name", .string, "")],
                                    minZoom: 11, maxZoom: 14))
        for i in 0..<300 {
            let x = 440_000 + rng.range(0, 6000), y = 3_300_000 + rng.range(0, 6000), s = rng.range(20, 300)
            let ring = [Vec2(x, y), Vec2(x + s, y), Vec2(x + s, y + s), Vec2(x, y + s), Vec2(x, y)]
            try w.write(FeatureRow(geometry: .polygon(Polygon([ring])), values: [.int(Int64(i)), .string("区\(i)")]))
        }
        try w.begin(VectorTileLayer(name: "pts", geometryType: "POINT", fields: [FieldDef("k", .real, "")], minZoom: 12, maxZoom: 14))
        for _ in 0..<200 {
            try w.write(FeatureRow(geometry: .point(Vec2(440_000 + rng.range(0, 6000), 3_300_000 + rng.range(0, 6000))), values: [.real(rng.unit())]))
        }
        try w.commit()
    }

    @Test func folderFromMBTilesEqualsGDALFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try write(root + "/once", mbtiles: root + "/once.mbtiles")
        try write(root + "/gdal", mbtiles: nil)
        let fm = FileManager.default
        let files = try #require(fm.subpaths(atPath: root + "/gdal")).filter { $0.hasSuffix(".pbf") }.sorted()
        let ours = try #require(fm.subpaths(atPath: root + "/once")).filter { $0.hasSuffix(".pbf") }.sorted()
        #expect(files.count > 20)
        #expect(ours == files)
        for f in files {
            #expect(fm.contents(atPath: root + "/once/" + f) == fm.contents(atPath: root + "/gdal/" + f), "\(f)")
        }
        let a = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/once/metadata.json"))) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/gdal/metadata.json"))) as! NSDictionary
        #expect(a == b)
        #expect(fm.fileExists(atPath: root + "/once.mbtiles") && !fm.fileExists(atPath: root + "/gdal.mbtiles"))
    }
}
