import CGDAL
import Foundation

/// Raster I/O through GDAL: GeoTIFF / Cloud-Optimized GeoTIFF output with CRS, no-data and overviews, and band reading.
public enum RasterIO {
    /// Pixel types we write.
    public enum PixelType: Sendable { case uint8, uint16, int32, float32, float64
        var gdal: GDALDataType {
            switch self {
            case .uint8: return GDT_Byte
            case .uint16: return GDT_UInt16
            case .int32: return GDT_Int32
            case .float32: return GDT_Float32
            case .float64: return GDT_Float64
            }
        }
    }

    /// Writes one band to `path` atomically (temp + rename).
    /// - Parameters:
    ///   - geoTransform: GDAL's six numbers (originX, pixelW, 0, originY, 0, −pixelH), north-up.
    ///   - cog: write a Cloud-Optimized GeoTIFF (tiled, DEFLATE, with overviews) instead of a plain tiled GeoTIFF.
    public static func writeBand<T>(path: String, width: Int, height: Int, geoTransform: [Double], crs: String?,
                                    noData: Double?, type: PixelType, pixels: UnsafeBufferPointer<T>,
                                    cog: Bool = true, description: String? = nil) throws {
        precondition(pixels.count == width * height, "pixel count \(pixels.count) != \(width)×\(height)")
        precondition(MemoryLayout<T>.size == bytes(type))
        GDALEnvironment.ensure()
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier).tif"
        let memTmp = cog ? path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-src.tif" : tmp
        defer { try? FileManager.default.removeItem(atPath: memTmp); try? FileManager.default.removeItem(atPath: tmp) }
        guard let gtiff = GDALGetDriverByName("GTiff") else { throw GDALEnvironment.lastError("GDALGetDriverByName") }
        GDALEnvironment.resetError()
        var opts = CStringList([("TILED", "YES"), ("COMPRESS", "DEFLATE")])
        if !cog { opts.set("PREDICTOR", type == .float32 || type == .float64 ? "3" : "2") }
        guard let ds = opts.with({ GDALCreate(gtiff, memTmp, Int32(width), Int32(height), 1, type.gdal, $0) }) else {
            throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create \(memTmp)")
        }
        var closed = false
        defer { if !closed { GDALClose(ds) } }
        var gt = geoTransform
        guard GDALSetGeoTransform(ds, &gt) == CE_None else { throw GDALEnvironment.lastError("GDALSetGeoTransform") }
        if let crs {
            let srs = try SpatialReference(crs)
            guard GDALSetSpatialRef(ds, srs.handle) == CE_None else { throw GDALEnvironment.lastError("GDALSetSpatialRef") }
        }
        let band = GDALGetRasterBand(ds, 1)
        if let nd = noData { GDALSetRasterNoDataValue(band, nd) }
        if let d = description { GDALSetDescription(band, d) }
        let err = GDALRasterIO(band, GF_Write, 0, 0, Int32(width), Int32(height), UnsafeMutableRawPointer(mutating: pixels.baseAddress),
                               Int32(width), Int32(height), type.gdal, 0, 0)
        guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO") }
        if cog {
            guard let cogDrv = GDALGetDriverByName("COG") else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "COG driver missing") }
            let resampling = (type == .uint8 || type == .uint16 || type == .int32) ? "NEAREST" : "AVERAGE"
            let copts = CStringList([("COMPRESS", "DEFLATE"), ("OVERVIEWS", "AUTO"), ("RESAMPLING", resampling), ("BLOCKSIZE", "256")])
            guard let out = copts.with({ GDALCreateCopy(cogDrv, tmp, ds, 0, $0, nil, nil) }) else {
                throw GDALEnvironment.lastError("GDALCreateCopy", fallback: "cannot write COG \(tmp)")
            }
            GDALClose(out)
        }
        GDALEnvironment.resetError()
        GDALClose(ds); closed = true
        if CPLGetLastErrorType() == CE_Failure { throw GDALEnvironment.lastError("GDALClose") }
        if rename(tmp, path) != 0 {
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func bytes(_ t: PixelType) -> Int {
        switch t { case .uint8: return 1; case .uint16: return 2; case .int32, .float32: return 4; case .float64: return 8 }
    }

    /// A raster band read into memory as Float64.
    public struct Band: Sendable {
        public var width: Int
        public var height: Int
        public var geoTransform: [Double]
        /// WKT of the raster's CRS ("" when none).
        public var crsWKT: String
        public var noData: Double?
        public var values: [Double]
    }

    /// Reads band `index` (1-based) of any raster GDAL opens.
    public static func readBand(path: String, index: Int = 1) throws -> Band {
        GDALEnvironment.ensure()
        GDALEnvironment.resetError()
        guard let ds = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot open raster \(path)")
        }
        defer { GDALClose(ds) }
        let w = Int(GDALGetRasterXSize(ds)), h = Int(GDALGetRasterYSize(ds))
        guard index >= 1, index <= Int(GDALGetRasterCount(ds)), let band = GDALGetRasterBand(ds, Int32(index)) else {
            throw GeoBridgeError.gdal(function: "GDALGetRasterBand", code: CPLE_AppDefined, message: "\(path) has no band \(index)")
        }
        var gt = [Double](repeating: 0, count: 6)
        if GDALGetGeoTransform(ds, &gt) != CE_None { gt = [0, 1, 0, 0, 0, -1] }
        var hasND: Int32 = 0
        let nd = GDALGetRasterNoDataValue(band, &hasND)
        var values = [Double](repeating: 0, count: w * h)
        let err = values.withUnsafeMutableBufferPointer {
            GDALRasterIO(band, GF_Read, 0, 0, Int32(w), Int32(h), $0.baseAddress, Int32(w), Int32(h), GDT_Float64, 0, 0)
        }
        guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO", fallback: "cannot read \(path)") }
        var wkt = ""
        if let srs = GDALGetSpatialRef(ds) { wkt = SpatialReference(cloning: srs).wkt }
        return Band(width: w, height: h, geoTransform: gt, crsWKT: wkt, noData: hasND != 0 ? nd : nil, values: values)
    }
}
