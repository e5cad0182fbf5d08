import CGDAL
import CityModel
import Foundation

/// Raster pieces of the web outputs: a band warped into Web Mercator, and RGBA PNG tiles.
public enum WebRaster {
    /// A band warped by GDALWarp into an EPSG:3857 window, as real values (stored × scale + offset); NaN = no data.
    public struct Warped: Sendable {
        public var width: Int, height: Int
        /// Row-major, top row first.
        public var values: [Float]
        /// The source band's scale, offset, no-data and unit.
        public var scale: Double, offset: Double, noData: Double?, unit: String
    }

    /// Warps band 1 of `path` into the Web Mercator window `window` (xmin, ymin, xmax, ymax in EPSG:3857 metres) at
    /// `width` × `height` pixels with GDAL resampling `resampling` (`near`, `average`, `max` …). No-data of the source
    /// and pixels outside it become NaN.
    public static func warpToWebMercator(path: String, window: BBox, width: Int, height: Int, resampling: String) throws -> Warped {
        GDALEnvironment.ensure()
        guard width > 0, height > 0, width <= 32_768, height <= 32_768 else {
            throw GeoBridgeError.gdal(function: "GDALWarp", code: CPLE_AppDefined, message: "\(path): warp size \(width) × \(height) out of range")
        }
        GDALEnvironment.resetError()
        guard let src = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot open raster \(path)")
        }
        defer { GDALClose(src) }
        guard let band = GDALGetRasterBand(src, 1) else { throw GDALEnvironment.lastError("GDALGetRasterBand", fallback: "\(path) has no band") }
        var hasND: Int32 = 0, hasS: Int32 = 0, hasO: Int32 = 0
        let nd = GDALGetRasterNoDataValue(band, &hasND)
        let scale = GDALGetRasterScale(band, &hasS), offset = GDALGetRasterOffset(band, &hasO)
        let unit = GDALGetRasterUnitType(band).map { String(cString: $0) } ?? ""
        var args = CStringList()
        for a in ["-of", "MEM", "-t_srs", "EPSG:3857", "-ot", "Float32", "-r", resampling, "-dstnodata", "nan",
                  "-te", "\(window.minX)", "\(window.minY)", "\(window.maxX)", "\(window.maxY)", "-ts", "\(width)", "\(height)",
                  "-wo", "NUM_THREADS=1"] { args.append(a) }
        if hasND != 0 { args.append("-srcnodata"); args.append("\(nd)") }
        guard let opts = args.with({ GDALWarpAppOptionsNew($0, nil) }) else { throw GDALEnvironment.lastError("GDALWarpAppOptionsNew") }
        defer { GDALWarpAppOptionsFree(opts) }
        var srcs: [GDALDatasetH?] = [src]
        var usage: Int32 = 0
        GDALEnvironment.resetError()
        guard let out = srcs.withUnsafeMutableBufferPointer({ GDALWarp("", nil, 1, $0.baseAddress, opts, &usage) }) else {
            throw GDALEnvironment.lastError("GDALWarp", fallback: "cannot warp \(path) to EPSG:3857")
        }
        defer { GDALClose(out) }
        var values = [Float](repeating: .nan, count: width * height)
        let err = values.withUnsafeMutableBufferPointer {
            GDALRasterIO(GDALGetRasterBand(out, 1), GF_Read, 0, 0, Int32(width), Int32(height), $0.baseAddress, Int32(width), Int32(height), GDT_Float32, 0, 0)
        }
        guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO", fallback: "cannot read the warped \(path)") }
        let s = Float(hasS != 0 ? scale : 1), o = Float(hasO != 0 ? offset : 0)
        if s != 1 || o != 0 { for i in values.indices where !values[i].isNaN { values[i] = values[i] * s + o } }
        return Warped(width: width, height: height, values: values, scale: Double(s), offset: Double(o), noData: hasND != 0 ? nd : nil, unit: unit)
    }

    /// Cell size (m, of the geotransform's x step), CRS WKT and the (approximate, from overviews) minimum and maximum
    /// real value of band 1 of `path`.
    public static func describe(path: String) throws -> (cell: Double, crsWKT: String, min: Double, max: Double) {
        GDALEnvironment.ensure()
        GDALEnvironment.resetError()
        guard let ds = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot open raster \(path)")
        }
        defer { GDALClose(ds) }
        var gt = [Double](repeating: 0, count: 6)
        guard GDALGetGeoTransform(ds, &gt) == CE_None, let band = GDALGetRasterBand(ds, 1) else {
            throw GeoBridgeError.gdal(function: "GDALGetGeoTransform", code: CPLE_AppDefined, message: "\(path) has no geotransform or band")
        }
        var mm = [Double](repeating: .nan, count: 2)
        _ = GDALComputeRasterMinMax(band, 1, &mm)
        var hasS: Int32 = 0, hasO: Int32 = 0
        let s = GDALGetRasterScale(band, &hasS), o = GDALGetRasterOffset(band, &hasO)
        let sc = hasS != 0 ? s : 1, of = hasO != 0 ? o : 0
        var wkt = ""
        if let srs = GDALGetSpatialRef(ds) { wkt = SpatialReference(cloning: srs).wkt }
        return (abs(gt[1]), wkt, mm[0] * sc + of, mm[1] * sc + of)
    }

    /// Writes an RGBA image (row-major, top row first, 4 bytes a pixel) as a deflate-compressed PNG with GDAL's PNG
    /// driver, atomically (temp file + rename).
    public static func writePNG(path: String, width: Int, height: Int, rgba: [UInt8]) throws {
        GDALEnvironment.ensure()
        guard rgba.count == width * height * 4, width > 0, height > 0 else {
            throw GeoBridgeError.gdal(function: "writePNG", code: CPLE_AppDefined, message: "\(path): RGBA buffer of \(rgba.count) bytes for \(width) × \(height)")
        }
        guard let mem = GDALGetDriverByName("MEM"), let png = GDALGetDriverByName("PNG") else {
            throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "GDAL has no MEM or PNG driver")
        }
        GDALEnvironment.resetError()
        guard let ds = GDALCreate(mem, "", Int32(width), Int32(height), 4, GDT_Byte, nil) else { throw GDALEnvironment.lastError("GDALCreate") }
        defer { GDALClose(ds) }
        var plane = [UInt8](repeating: 0, count: width * height)
        for b in 0..<4 {
            for i in 0..<(width * height) { plane[i] = rgba[i * 4 + b] }
            let band = GDALGetRasterBand(ds, Int32(b + 1))
            let err = plane.withUnsafeMutableBufferPointer { GDALRasterIO(band, GF_Write, 0, 0, Int32(width), Int32(height), $0.baseAddress, Int32(width), Int32(height), GDT_Byte, 0, 0) }
            guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO") }
            _ = GDALSetRasterColorInterpretation(band, [GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand][b])
        }
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier).png"
        // No .aux.xml side files next to the tiles.
        CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
        defer { CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nil) }
        GDALEnvironment.resetError()
        guard let out = GDALCreateCopy(png, tmp, ds, 0, nil, nil, nil) else {
            throw GDALEnvironment.lastError("GDALCreateCopy", fallback: "cannot write PNG \(tmp)")
        }
        GDALClose(out)
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension WebRaster {
    /// PNG bytes (ISO/IEC 15948) of an RGBA image (row-major, top row first, 4 bytes a pixel): colour type 6, filter 0
    /// on every row, one IDAT zlib stream from GDAL's deflate (CPLZLibDeflate), CRC-32 per chunk. In memory, no GDAL
    /// dataset: thread-safe, so tiles can be made on all cores. O(width × height).
    public static func encodePNG(width: Int, height: Int, rgba: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        guard rgba.count == width * height * 4, width > 0, height > 0 else {
            throw GeoBridgeError.gdal(function: "encodePNG", code: CPLE_AppDefined, message: "RGBA buffer of \(rgba.count) bytes for \(width) × \(height)")
        }
        var raw = [UInt8](repeating: 0, count: (width * 4 + 1) * height)
        rgba.withUnsafeBufferPointer { src in
            raw.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let o = y * (width * 4 + 1)
                    dst[o] = 0
                    UnsafeMutableRawPointer(dst.baseAddress! + o + 1).copyMemory(from: src.baseAddress! + y * width * 4, byteCount: width * 4)
                }
            }
        }
        var n = 0
        guard let p = raw.withUnsafeBytes({ CPLZLibDeflate($0.baseAddress, raw.count, level, nil, 0, &n) }) else {
            throw GeoBridgeError.gdal(function: "CPLZLibDeflate", code: 0, message: "cannot compress a PNG image")
        }
        defer { VSIFree(p) }
        let z = Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n))
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) {
            out += be32(UInt32(data.count))
            let body = Array(type.utf8) + data
            out += body
            out += be32(Gzip.crc32(body))
        }
        chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 6, 0, 0, 0])
        chunk("IDAT", z)
        chunk("IEND", [])
        return out
    }
}
