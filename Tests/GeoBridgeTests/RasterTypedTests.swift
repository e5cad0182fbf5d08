import Foundation
import GeoBridge
import GridCore
import Testing

/// The typed raster writer: Grid<T> in, the same cells, type, scale/offset, no-data and creation options out.
@Suite struct RasterTypedTests {
    @Test func uint16DecimetresRoundTrip() throws {
        let dir = tempDir()
        let geo = try GridGeometry(minX: 388000, maxY: 6653000, dx: 10, dy: 10, rows: 700, cols: 900)
        var g = Grid<UInt16>(geometry: geo, noData: 65535)
        g.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = UInt16(i % 7000) } }
        g[3, 4] = 65535
        for format in RasterWriteOptions.Format.allCases {
            let path = dir + "/d-\(format.rawValue).tif"
            try RasterIO.write(g, to: path, options: RasterWriteOptions(format: format, crs: "EPSG:32635", scale: 0.1, offset: 0, unit: "m", description: "distance"))
            let (r, info) = try RasterIO.read(UInt16.self, path: path)
            #expect(r.values == g.values && r.geometry == geo && r.noData == 65535)
            #expect(info.dataType == "UInt16" && info.scale == 0.1 && info.offset == 0 && info.unit == "m" && info.noData == 65535)
            #expect(info.structure["COMPRESSION"] == "DEFLATE" && info.structure["PREDICTOR"] == "2")
            #expect((info.structure["LAYOUT"] == "COG") == (format == .cog))
            #expect(info.overviews == (format == .cog ? 1 : 0))   // 900 → 450 ≤ 512: one level, as the COG driver makes
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(ProcessInfo.processInfo.processIdentifier).tif"))
        }
    }

    @Test func floatAndByteWithCreationOptions() throws {
        let dir = tempDir()
        let geo = try GridGeometry(minX: 0, maxY: 100, dx: 1, dy: 1, rows: 100, cols: 130)
        var f = Grid<Float>(geometry: geo, noData: -1)
        f.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = Float(i) * 0.25 } }
        try RasterIO.write(f, to: dir + "/f.tif", options: RasterWriteOptions(format: .gtiff, creationOptions: [("COMPRESS", "ZSTD"), ("NUM_THREADS", "1")]))
        let (rf, fi) = try RasterIO.read(Float.self, path: dir + "/f.tif")
        #expect(rf.values == f.values && fi.noData == -1 && fi.structure["COMPRESSION"] == "ZSTD" && fi.structure["PREDICTOR"] == "3")
        let m = Grid<UInt8>(geometry: geo, repeating: 1)
        #expect(throws: GeoBridgeError.self) {
            try RasterIO.write(m, to: dir + "/m.tif", options: RasterWriteOptions(creationOptions: [("COMPRESS", "NOPE")]))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.tif"))
        try RasterIO.write(m, to: dir + "/m.tif", options: RasterWriteOptions(creationOptions: [("PREDICTOR", "2")]))   // mapped to STANDARD for COG
        let mi = try RasterIO.readBand(path: dir + "/m.tif")
        #expect(mi.dataType == "Byte" && mi.values.allSatisfy { $0 == 1 } && mi.structure["PREDICTOR"] == "2")
    }
}
