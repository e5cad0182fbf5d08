import Foundation
@testable import GeoBridge
import GridCore
import Testing
import TestSupport

/// The direct tiled GeoTIFF / COG writer against GDAL's own writer of the same grid: the same cells, overviews,
/// georeferencing, no-data, scale/offset/unit/description and structure metadata as GDAL reads them back, and a COG
/// that GDAL's validator accepts.
@Suite struct TiledTIFFWriterTests {
    /// Writes `g` with both writers and compares everything GDAL reads back.
    func compare<T: RasterPixel>(_ g: Grid<T>, _ options: RasterWriteOptions, _ dir: String, _ name: String,
                                 expectOverviews: Int? = nil) throws {
        let a = dir + "/\(name)-direct.tif", b = dir + "/\(name)-gdal.tif"
        #expect(TiledTIFFWriter.plan(format: options.format, type: T.rasterType, options: RasterIO.mergedOptions(options, T.rasterType)) != nil)
        try RasterIO.write(g, to: a, options: options, gdalWriter: false)
        try RasterIO.write(g, to: b, options: options, gdalWriter: true)
        let ra = try RasterIO.readBand(path: a), rb = try RasterIO.readBand(path: b)
        #expect(ra.width == rb.width && ra.height == rb.height && ra.geoTransform == rb.geoTransform, "\(name)")
        #expect(ra.crsWKT == rb.crsWKT && !ra.crsWKT.isEmpty == (options.crs != nil), "\(name)")
        #expect(ra.noData == rb.noData || (ra.noData?.isNaN == true && rb.noData?.isNaN == true), "\(name): \(String(describing: ra.noData)) vs \(String(describing: rb.noData))")
        #expect(ra.scale == rb.scale && ra.offset == rb.offset && ra.unit == rb.unit && ra.dataType == rb.dataType, "\(name)")
        #expect(zip(ra.values, rb.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } && ra.values.count == g.values.count, "\(name): cells differ")
        for k in ["COMPRESSION", "PREDICTOR", "LAYOUT", "INTERLEAVE"] {
            #expect(ra.structure[k] == rb.structure[k], "\(name): \(k) \(ra.structure[k] ?? "nil") vs \(rb.structure[k] ?? "nil")")
        }
        #expect(ra.overviews == rb.overviews, "\(name): overviews \(ra.overviews) vs \(rb.overviews)")
        if let e = expectOverviews { #expect(ra.overviews == e) }
        let oa = try RasterIO.readOverviews(path: a), ob = try RasterIO.readOverviews(path: b)
        for (x, y) in zip(oa, ob) {
            #expect(x.width == y.width && x.height == y.height && zip(x.values, y.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(name): overview differs")
        }
        // The description is band metadata GDAL keeps in the GDAL_METADATA tag: both files carry the same tags.
        let da = try Data(contentsOf: URL(fileURLWithPath: a)), db = try Data(contentsOf: URL(fileURLWithPath: b))
        if let d = options.description { #expect(da.range(of: Data(d.utf8)) != nil && db.range(of: Data(d.utf8)) != nil) }
        if options.format == .cog, FileManager.default.fileExists(atPath: "/usr/bin/python3") {
            let r = try runChildProcess("/usr/bin/python3", ["-c", "import sys\nfrom osgeo_utils.samples import validate_cloud_optimized_geotiff as v\nw, e, _ = v.validate(sys.argv[1], full_check=True)\nprint(w, e)\nsys.exit(1 if e else 0)", a])
            if !r.stderr.contains("No module named") { #expect(r.status == 0, "\(name): COG validator: \(r.stdout) \(r.stderr)") }
        }
    }

    static func geometry(_ rows: Int, _ cols: Int) throws -> GridGeometry {
        try GridGeometry(minX: 388_000, maxY: 6_653_000, dx: 2.5, dy: 2.5, rows: rows, cols: cols)
    }

    @Test func byteMaskWithOverviews() throws {
        let dir = tempDir()
        var rng = SplitMix64(seed: 7)
        var g = Grid<UInt8>(geometry: try Self.geometry(1100, 1300), repeating: 0)
        // Blocks of 1s (buildings) on 0: compressible, with edges in every tile and partial edge tiles.
        g.withUnsafeMutableBufferPointer { b in
            for _ in 0..<400 {
                let r = Int(rng.next() % 1090), c = Int(rng.next() % 1290), h = Int(rng.next() % 10) + 1, w = Int(rng.next() % 10) + 1
                for y in r..<(r + h) { for x in c..<(c + w) { b[y * 1300 + x] = 1 } }
            }
        }
        try compare(g, RasterWriteOptions(crs: "EPSG:4548"), dir, "mask", expectOverviews: 2)
        try compare(g, RasterWriteOptions(format: .gtiff, crs: "EPSG:4548"), dir, "mask-gtiff", expectOverviews: 0)
        try compare(g, RasterWriteOptions(crs: "EPSG:4548", creationOptions: [("BLOCKSIZE", "256"), ("LEVEL", "1"), ("NUM_THREADS", "1")]), dir, "mask-256")
        try compare(g, RasterWriteOptions(crs: "EPSG:4548", creationOptions: [("OVERVIEWS", "NONE"), ("BIGTIFF", "YES")]), dir, "mask-big", expectOverviews: 0)
        try compare(g, RasterWriteOptions(crs: nil, noData: 255, creationOptions: [("PREDICTOR", "2")]), dir, "mask-pred")
        // GDAL's LEVEL=6 is libdeflate's 7 (libtiff): the direct writer gives the same tile sizes then.
        let a = dir + "/l6-direct.tif", b = dir + "/l6-gdal.tif"
        try RasterIO.write(g, to: a, options: RasterWriteOptions(creationOptions: [("LEVEL", "6")]), gdalWriter: false)
        try RasterIO.write(g, to: b, options: RasterWriteOptions(creationOptions: [("LEVEL", "6")]), gdalWriter: true)
        let sa = try FileManager.default.attributesOfItem(atPath: a)[.size] as! Int, sb = try FileManager.default.attributesOfItem(atPath: b)[.size] as! Int
        #expect(Double(abs(sa - sb)) < 0.01 * Double(sb), "LEVEL=6: \(sa) vs \(sb) bytes")
    }

    @Test func integerTypesWithScaleNoDataAndPredictor() throws {
        let dir = tempDir()
        var rng = SplitMix64(seed: 11)
        var u = Grid<UInt16>(geometry: try Self.geometry(700, 1030), noData: 65535)
        u.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = i % 97 == 0 ? 65535 : UInt16((i / 1030 + i % 1030) % 3000 + Int(rng.next() % 5)) } }
        try compare(u, RasterWriteOptions(crs: "EPSG:32635", scale: 0.1, offset: 0, unit: "m", description: "walking distance"), dir, "u16", expectOverviews: 2)
        try compare(u, RasterWriteOptions(format: .gtiff, crs: "EPSG:32635", scale: 0.1, offset: 0, unit: "m"), dir, "u16-gtiff")
        var s = Grid<Int32>(geometry: try Self.geometry(600, 530), noData: -1)
        s.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = Int32(i % 600) - 300 + Int32(rng.next() % 3) } }
        try compare(s, RasterWriteOptions(crs: "EPSG:32635", offset: -5), dir, "i32")
    }

    @Test func floatsWithFloatingPointPredictor() throws {
        let dir = tempDir()
        var rng = SplitMix64(seed: 3)
        var f = Grid<Float>(geometry: try Self.geometry(800, 1100), noData: -1)
        f.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = i % 50 == 0 ? -1 : Float(i % 1100) * 0.37 + Float(rng.next() % 1000) / 1000 }
        }
        try compare(f, RasterWriteOptions(crs: "EPSG:4548"), dir, "f32", expectOverviews: 2)
        try compare(f, RasterWriteOptions(format: .gtiff, crs: "EPSG:4548"), dir, "f32-gtiff")
        try compare(f, RasterWriteOptions(crs: "EPSG:4548", creationOptions: [("PREDICTOR", "1")]), dir, "f32-nopred")
        var n = Grid<Float>(geometry: try Self.geometry(300, 520), noData: .nan)
        n.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = i % 7 == 0 ? .nan : Float(i) } }
        try compare(n, RasterWriteOptions(crs: "EPSG:4548"), dir, "f32-nan")
        var d = Grid<Double>(geometry: try Self.geometry(530, 700), noData: -9999)
        d.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = Double(i).squareRoot() * 1.5 } }
        try compare(d, RasterWriteOptions(crs: "EPSG:4548", description: "f64"), dir, "f64")
    }

    @Test func optionsLeftToGDAL() {
        let m: [(name: String, value: String)] = [("COMPRESS", "DEFLATE")]
        #expect(TiledTIFFWriter.plan(format: .cog, type: .uint8, options: m) != nil)
        #expect(TiledTIFFWriter.plan(format: .cog, type: .uint8, options: [("COMPRESS", "ZSTD")]) == nil)
        #expect(TiledTIFFWriter.plan(format: .gtiff, type: .uint8, options: [("TILED", "NO")]) == nil)
        #expect(TiledTIFFWriter.plan(format: .gtiff, type: .uint8, options: [("SPARSE_OK", "TRUE")]) == nil)
        #expect(TiledTIFFWriter.plan(format: .cog, type: .uint8, options: [("LEVEL", "6")])?.level == 7)
        #expect(TiledTIFFWriter.plan(format: .cog, type: .uint8, options: [("LEVEL", "5")])?.level == 5)
        #expect(TiledTIFFWriter.plan(format: .cog, type: .uint8, options: [])?.level == 6)
        #expect(TiledTIFFWriter.plan(format: .cog, type: .float32, options: [("PREDICTOR", "YES")])?.predictor == 3)
    }
}
