import CGDAL
import Foundation
import GridCore

/// A cell type GDAL can store: the GridCore scalars with their GDAL data type.
public protocol RasterPixel: GridScalar {
    static var rasterType: RasterIO.PixelType { get }
}
extension UInt8: RasterPixel { public static var rasterType: RasterIO.PixelType { .uint8 } }
extension UInt16: RasterPixel { public static var rasterType: RasterIO.PixelType { .uint16 } }
extension Int32: RasterPixel { public static var rasterType: RasterIO.PixelType { .int32 } }
extension Float: RasterPixel { public static var rasterType: RasterIO.PixelType { .float32 } }
extension Double: RasterPixel { public static var rasterType: RasterIO.PixelType { .float64 } }

/// How a raster is written: format, creation options, and the band metadata that makes stored integers real units.
public struct RasterWriteOptions: Sendable {
    /// Output format: a tiled GeoTIFF, or a Cloud-Optimized GeoTIFF (tiled, with overviews).
    public enum Format: String, Sendable, CaseIterable { case gtiff = "GTiff", cog = "COG" }
    public var format: Format
    /// CRS as anything `SpatialReference` takes (EPSG:n, WKT, PROJ string); nil writes none.
    public var crs: String?
    /// The band's no-data value, in stored units.
    public var noData: Double?
    /// GDAL band scale and offset: real value = stored × scale + offset (QGIS and GDAL show real values).
    public var scale: Double?
    public var offset: Double?
    /// The unit of the real values (GDAL band unit type, e.g. "m").
    public var unit: String?
    /// The band description.
    public var description: String?
    /// Creation options (`-co NAME=VALUE`), applied over the defaults of `RasterIO.defaultCreationOptions`.
    public var creationOptions: [(name: String, value: String)]

    public init(format: Format = .cog, crs: String? = nil, noData: Double? = nil, scale: Double? = nil, offset: Double? = nil,
                unit: String? = nil, description: String? = nil, creationOptions: [(name: String, value: String)] = []) {
        self.format = format; self.crs = crs; self.noData = noData; self.scale = scale; self.offset = offset
        self.unit = unit; self.description = description; self.creationOptions = creationOptions
    }
}

/// Raster I/O through GDAL: GeoTIFF / Cloud-Optimized GeoTIFF output with CRS, no-data, scale/offset and overviews,
/// compressed on all cores; and band reading.
public enum RasterIO {
    /// Pixel types we write.
    public enum PixelType: String, Sendable, CaseIterable { case uint8 = "Byte", uint16 = "UInt16", int32 = "Int32", float32 = "Float32", float64 = "Float64"
        var gdal: GDALDataType {
            switch self {
            case .uint8: return GDT_Byte
            case .uint16: return GDT_UInt16
            case .int32: return GDT_Int32
            case .float32: return GDT_Float32
            case .float64: return GDT_Float64
            }
        }
        /// Bytes per cell.
        public var size: Int {
            switch self { case .uint8: return 1; case .uint16: return 2; case .int32, .float32: return 4; case .float64: return 8 }
        }
        public var isInteger: Bool { self == .uint8 || self == .uint16 || self == .int32 }
        /// The GDAL name (`-ot`), case-insensitive; nil when not one we write.
        public init?(gdalName: String) {
            guard let t = PixelType.allCases.first(where: { $0.rawValue.lowercased() == gdalName.lowercased() }) else { return nil }
            self = t
        }
    }

    /// The creation options used unless overridden: DEFLATE with the predictor that suits the type (2 = horizontal
    /// differencing for UInt16/Int32, 3 = floating point, none for Byte masks), compression on all cores; GTiff: 256 × 256 tiles; COG: the COG
    /// driver's 512 × 512 tiles and overviews (nearest for integers, average for floats).
    public static func defaultCreationOptions(format: RasterWriteOptions.Format, type: PixelType) -> [(name: String, value: String)] {
        // Byte grids are masks and classes: long runs that horizontal differencing only breaks up (a 140M-cell
        // building mask: 13.8 MB and ~10 % more CPU with PREDICTOR=2, 12.7 MB without), so they get none.
        let predictor = type == .uint8 ? "1" : type.isInteger ? "2" : "3"
        var o: [(name: String, value: String)] = [("COMPRESS", "DEFLATE"), ("PREDICTOR", predictor), ("NUM_THREADS", "ALL_CPUS")]
        switch format {
        case .gtiff: o += [("TILED", "YES"), ("BLOCKXSIZE", "256"), ("BLOCKYSIZE", "256"), ("BIGTIFF", "IF_SAFER")]
        case .cog: o += [("OVERVIEWS", "AUTO"), ("RESAMPLING", type.isInteger ? "NEAREST" : "AVERAGE"), ("BIGTIFF", "IF_SAFER")]
        }
        return o
    }

    /// Writes `grid` as one band to `path` atomically (temp + rename), with the grid's geotransform.
    /// The grid's own `noData` is used when `options.noData` is nil. O(cells); compression runs on all cores.
    public static func write<T: RasterPixel>(_ grid: Grid<T>, to path: String, options: RasterWriteOptions) throws {
        try write(grid, to: path, options: options, gdalWriter: false)
    }

    /// As `write`; `gdalWriter` makes GDAL write the file even where TiledTIFFWriter would (tests compare the two).
    static func write<T: RasterPixel>(_ grid: Grid<T>, to path: String, options: RasterWriteOptions, gdalWriter: Bool) throws {
        var o = options
        if o.noData == nil, let nd = grid.noData { o.noData = nd.doubleValue }
        try grid.withUnsafeBufferPointer { b in
            try writeRaw(path: path, width: grid.cols, height: grid.rows, geoTransform: grid.geometry.geoTransform,
                         type: T.rasterType, pixels: UnsafeRawPointer(b.baseAddress!), options: o, gdalWriter: gdalWriter)
        }
    }

    /// Every overview of band 1 as Float64 stored values, largest first (for tests).
    static func readOverviews(path: String) throws -> [(width: Int, height: Int, values: [Double])] {
        var out: [(width: Int, height: Int, values: [Double])] = []
        _ = try withBand(path: path, index: 1) { band, _ in
            for i in 0..<Int(GDALGetOverviewCount(band)) {
                guard let ob = GDALGetOverview(band, Int32(i)) else { continue }
                let w = Int(GDALGetRasterBandXSize(ob)), h = Int(GDALGetRasterBandYSize(ob))
                var v = [Double](repeating: 0, count: w * h)
                let err = v.withUnsafeMutableBufferPointer { GDALRasterIO(ob, GF_Read, 0, 0, Int32(w), Int32(h), $0.baseAddress, Int32(w), Int32(h), GDT_Float64, 0, 0) }
                guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO") }
                out.append((w, h, v))
            }
        }
        return out
    }

    /// Writes one band to `path` atomically (temp + rename). The pre-typed API, kept for callers that hold a buffer;
    /// `write(_:to:options:)` takes a `Grid` and adds scale/offset, format and creation options.
    /// - Parameters:
    ///   - geoTransform: GDAL's six numbers (originX, pixelW, 0, originY, 0, −pixelH), north-up.
    ///   - cog: write a Cloud-Optimized GeoTIFF (tiled, DEFLATE, with overviews) instead of a plain tiled GeoTIFF.
    public static func writeBand<T>(path: String, width: Int, height: Int, geoTransform: [Double], crs: String?,
                                    noData: Double?, type: PixelType, pixels: UnsafeBufferPointer<T>,
                                    cog: Bool = true, description: String? = nil) throws {
        guard pixels.count == width * height, MemoryLayout<T>.size == type.size, let base = pixels.baseAddress else {
            throw GeoBridgeError.gdal(function: "writeBand", code: CPLE_AppDefined,
                                      message: "\(pixels.count) pixels of \(MemoryLayout<T>.size) bytes do not make a \(width)×\(height) \(type.rawValue) band")
        }
        try writeRaw(path: path, width: width, height: height, geoTransform: geoTransform, type: type, pixels: UnsafeRawPointer(base),
                     options: RasterWriteOptions(format: cog ? .cog : .gtiff, crs: crs, noData: noData, description: description))
    }

    /// The merged creation options: defaults, then the caller's (a later NAME replaces an earlier one).
    static func creationOptions(_ o: RasterWriteOptions, _ type: PixelType) -> CStringList {
        var l = CStringList()
        for (k, v) in defaultCreationOptions(format: o.format, type: type) { l.set(k, v) }
        for (k, v) in o.creationOptions { l.set(k.uppercased(), v) }
        // The COG driver names predictors (GTiff's numbers are its aliases only for 2): map 1/2/3 for it.
        if o.format == .cog, let p = CSLFetchNameValue(l.list, "PREDICTOR").map({ String(cString: $0) }) {
            let named = ["1": "NO", "2": "STANDARD", "3": "FLOATING_POINT"][p]
            if let named { l.set("PREDICTOR", named) }
        }
        return l
    }

    static func writeRaw(path: String, width: Int, height: Int, geoTransform: [Double], type: PixelType,
                         pixels: UnsafeRawPointer, options o: RasterWriteOptions, gdalWriter: Bool = false) throws {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw GeoBridgeError.gdal(function: "GDALCreate", code: CPLE_AppDefined,
                                      message: "a GeoTIFF needs 1 to \(Int32.max) columns and rows (got \(width) × \(height))")
        }
        GDALEnvironment.ensure()
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = path + ".tmp-\(pid).tif"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        guard let drv = GDALGetDriverByName(o.format.rawValue) else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "\(o.format.rawValue) driver missing") }
        GDALEnvironment.resetError()
        var opts = creationOptions(o, type)
        if GDALValidateCreationOptions(drv, opts.list) == 0 {
            let msg = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
            opts.free()
            throw GeoBridgeError.gdal(function: "GDALValidateCreationOptions", code: CPLE_IllegalArg,
                                      message: "-co: \(msg.isEmpty ? "invalid creation option for \(o.format.rawValue)" : msg)")
        }
        // Tiled DEFLATE output (the defaults) is written by TiledTIFFWriter: tiles compressed on all cores at
        // libdeflate's level 6; anything else by GDAL.
        let direct = !gdalWriter && CPLGetConfigOption("CIMBASE_GDAL_TIFF_WRITER", nil) == nil
            ? TiledTIFFWriter.plan(format: o.format, type: type, options: mergedOptions(o, type)) : nil
        if let direct, o.format == .gtiff {
            opts.free()
            let tags = try TiledTIFFWriter.georeferencingTags(geoTransform: geoTransform, type: type, options: o)
            try TiledTIFFWriter.write(path: tmp, type: type, levels: [.init(width: width, height: height, pixels: pixels)], plan: direct,
                                      georef: tags.main, overviewTags: [], fill: o.noData)
            try move(tmp, path)
            return
        }
        // The source: GDAL's MEM driver over our buffer (no copy) for COG; the GeoTIFF itself for GTiff.
        let src: GDALDatasetH
        switch o.format {
        case .cog:
            opts.free()
            guard let mem = GDALGetDriverByName("MEM"), let ds = GDALCreate(mem, "", Int32(width), Int32(height), 0, type.gdal, nil) else {
                throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create an in-memory raster")
            }
            src = ds
            let ptr = "0x" + String(UInt(bitPattern: pixels), radix: 16)
            var bo = CStringList([("DATAPOINTER", ptr), ("PIXELOFFSET", "\(type.size)"), ("LINEOFFSET", "\(type.size * width)")])
            let err = bo.with { GDALAddBand(ds, type.gdal, $0) }
            _ = bo
            guard err == CE_None else { GDALClose(ds); throw GDALEnvironment.lastError("GDALAddBand") }
        case .gtiff:
            guard let ds = opts.with({ GDALCreate(drv, tmp, Int32(width), Int32(height), 1, type.gdal, $0) }) else {
                throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create \(tmp)")
            }
            src = ds
        }
        var closed = false
        defer { if !closed { GDALClose(src) } }
        var gt = geoTransform
        guard GDALSetGeoTransform(src, &gt) == CE_None else { throw GDALEnvironment.lastError("GDALSetGeoTransform") }
        if let crs = o.crs {
            let srs = try SpatialReference(crs)
            guard GDALSetSpatialRef(src, srs.handle) == CE_None else { throw GDALEnvironment.lastError("GDALSetSpatialRef") }
        }
        let band = GDALGetRasterBand(src, 1)
        if let nd = o.noData { GDALSetRasterNoDataValue(band, nd) }
        if let s = o.scale { GDALSetRasterScale(band, s) }
        if let f = o.offset { GDALSetRasterOffset(band, f) }
        if let u = o.unit { GDALSetRasterUnitType(band, u) }
        if let d = o.description { GDALSetDescription(band, d) }
        switch o.format {
        case .gtiff:
            let err = GDALRasterIO(band, GF_Write, 0, 0, Int32(width), Int32(height), UnsafeMutableRawPointer(mutating: pixels),
                                   Int32(width), Int32(height), type.gdal, 0, 0)
            guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO") }
        case .cog:
            // Overviews built on the in-memory source (GDAL's own resampling, NUM_THREADS workers) are copied by
            // the COG driver as they are; without them it writes them to an LZW temporary file, reads them back
            // and compresses them again (about half of gdal_translate's time for a mask).
            let c0 = creationOptions(o, type)
            let ovr = CSLFetchNameValue(c0.list, "OVERVIEWS").map { String(cString: $0).uppercased() } ?? "AUTO"
            let resampling = CSLFetchNameValue(c0.list, "OVERVIEW_RESAMPLING").map { String(cString: $0) }
                ?? CSLFetchNameValue(c0.list, "RESAMPLING").map { String(cString: $0) } ?? (type.isInteger ? "NEAREST" : "AVERAGE")
            let block = CSLFetchNameValue(c0.list, "BLOCKSIZE").flatMap { Int(String(cString: $0)) } ?? 512
            let threads = CSLFetchNameValue(c0.list, "NUM_THREADS").map { String(cString: $0) }
            c0.free()
            if ovr == "AUTO" {
                var levels: [Int32] = []
                var f = 2
                while (width + f / 2 - 1) / (f / 2) > block || (height + f / 2 - 1) / (f / 2) > block { levels.append(Int32(f)); f *= 2 }
                if !levels.isEmpty {
                    // GDAL computes overview levels on GDAL_NUM_THREADS workers (≥ 3.2): the same as -co NUM_THREADS.
                    let previous = CPLGetThreadLocalConfigOption("GDAL_NUM_THREADS", nil).map { String(cString: $0) }
                    if let threads { CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", threads) }
                    defer { if threads != nil { CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", previous) } }
                    let err = GDALBuildOverviews(src, resampling, Int32(levels.count), &levels, 0, nil, nil, nil)
                    guard err == CE_None else { throw GDALEnvironment.lastError("GDALBuildOverviews") }
                }
            }
            if let direct, ovr == "AUTO" || ovr == "NONE" {
                // The overviews GDAL built on the MEM source, read out level by level.
                var levels: [TiledTIFFWriter.Level] = [.init(width: width, height: height, pixels: pixels)]
                var buffers: [UnsafeMutableRawPointer] = []
                defer { for b in buffers { b.deallocate() } }
                let count = ovr == "AUTO" ? Int(GDALGetOverviewCount(band)) : 0
                for i in 0..<count {
                    guard let ob = GDALGetOverview(band, Int32(i)) else { continue }
                    let w = Int(GDALGetRasterBandXSize(ob)), h = Int(GDALGetRasterBandYSize(ob))
                    let buf = UnsafeMutableRawPointer.allocate(byteCount: max(1, w * h * type.size), alignment: 64)
                    buffers.append(buf)
                    guard GDALRasterIO(ob, GF_Read, 0, 0, Int32(w), Int32(h), buf, Int32(w), Int32(h), type.gdal, 0, 0) == CE_None else {
                        throw GDALEnvironment.lastError("GDALRasterIO", fallback: "cannot read overview \(i + 1)")
                    }
                    levels.append(.init(width: w, height: h, pixels: UnsafeRawPointer(buf)))
                }
                let tags = try TiledTIFFWriter.georeferencingTags(geoTransform: geoTransform, type: type, options: o)
                try TiledTIFFWriter.write(path: tmp, type: type, levels: levels, plan: direct, georef: tags.main,
                                          overviewTags: tags.noData.map { [$0] } ?? [], fill: o.noData)
                GDALClose(src); closed = true
                try move(tmp, path)
                return
            }
            let copts = creationOptions(o, type)
            guard let out = copts.with({ GDALCreateCopy(drv, tmp, src, 0, $0, nil, nil) }) else {
                throw GDALEnvironment.lastError("GDALCreateCopy", fallback: "cannot write COG \(tmp)")
            }
            GDALEnvironment.resetError()
            GDALClose(out)
            if CPLGetLastErrorType() == CE_Failure { throw GDALEnvironment.lastError("GDALClose") }
        }
        GDALEnvironment.resetError()
        GDALClose(src); closed = true
        if CPLGetLastErrorType() == CE_Failure { throw GDALEnvironment.lastError("GDALClose") }
        try move(tmp, path)
    }

    private static func move(_ tmp: String, _ path: String) throws {
        if rename(tmp, path) != 0 {
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The creation options as pairs: the defaults, then the caller's (a later NAME replaces an earlier one).
    static func mergedOptions(_ o: RasterWriteOptions, _ type: PixelType) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for (k, v) in defaultCreationOptions(format: o.format, type: type) + o.creationOptions {
            let k = k.uppercased()
            if let i = out.firstIndex(where: { $0.name == k }) { out[i].value = v } else { out.append((k, v)) }
        }
        return out
    }

    /// A raster band read into memory as Float64.
    public struct Band: Sendable {
        public var width: Int
        public var height: Int
        public var geoTransform: [Double]
        /// WKT of the raster's CRS ("" when none).
        public var crsWKT: String
        /// No-data in stored units.
        public var noData: Double?
        /// Stored values (not scaled).
        public var values: [Double]
        /// GDAL band scale and offset (1 and 0 when the file has none): real = stored × scale + offset.
        public var scale: Double = 1
        public var offset: Double = 0
        /// The band's data type as GDAL names it (Byte, UInt16, Float32 …).
        public var dataType: String = ""
        /// The band's unit type ("" when none).
        public var unit: String = ""
        /// The dataset's IMAGE_STRUCTURE metadata (COMPRESSION, PREDICTOR, LAYOUT=COG …) and overview count.
        public var structure: [String: String] = [:]
        public var overviews: Int = 0
    }

    /// Reads band `index` (1-based) of any raster GDAL opens, as Float64 stored values.
    public static func readBand(path: String, index: Int = 1) throws -> Band {
        var values: [Double] = []
        var b = try withBand(path: path, index: index) { band, info in
            values = [Double](repeating: 0, count: info.width * info.height)
            try values.withUnsafeMutableBufferPointer { try readInto(band, info, path, GDT_Float64, UnsafeMutableRawPointer($0.baseAddress!)) }
        }
        b.values = values
        return b
    }

    /// Reads band `index` into a typed grid (GDAL converts from the file's type, rounding and clamping to `T`),
    /// stored values unscaled; `info` carries no-data, scale/offset, CRS and type (its `values` are empty).
    public static func read<T: RasterPixel>(_ type: T.Type, path: String, index: Int = 1) throws -> (grid: Grid<T>, info: Band) {
        var grid: Grid<T>?
        let b = try withBand(path: path, index: index) { band, info in
            let geo: GridGeometry
            do { geo = try GridGeometry(geoTransform: info.geoTransform, rows: info.height, cols: info.width) } catch {
                throw GeoBridgeError.gdal(function: "read", code: CPLE_AppDefined, message: "\(path): \(error)")
            }
            var g = Grid<T>(geometry: geo, noData: info.noData.map { T(fromDouble: $0) })
            try g.withUnsafeMutableBufferPointer { try readInto(band, info, path, T.rasterType.gdal, UnsafeMutableRawPointer($0.baseAddress!)) }
            grid = g
        }
        return (grid!, b)
    }

    private static func readInto(_ band: GDALRasterBandH, _ info: Band, _ path: String, _ t: GDALDataType, _ p: UnsafeMutableRawPointer) throws {
        let err = GDALRasterIO(band, GF_Read, 0, 0, Int32(info.width), Int32(info.height), p, Int32(info.width), Int32(info.height), t, 0, 0)
        guard err == CE_None else { throw GDALEnvironment.lastError("GDALRasterIO", fallback: "cannot read \(path)") }
    }

    /// Opens band `index` of `path`, reads its metadata and calls `body` with the band handle.
    private static func withBand(path: String, index: Int, _ body: (GDALRasterBandH, Band) throws -> Void) throws -> Band {
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
        var hasS: Int32 = 0, hasO: Int32 = 0
        let s = GDALGetRasterScale(band, &hasS), off = GDALGetRasterOffset(band, &hasO)
        var wkt = ""
        if let srs = GDALGetSpatialRef(ds) { wkt = SpatialReference(cloning: srs).wkt }
        let typeName = GDALGetDataTypeName(GDALGetRasterDataType(band)).map { String(cString: $0) } ?? ""
        var structure: [String: String] = [:]
        if var item = GDALGetMetadata(ds, "IMAGE_STRUCTURE") {
            while let c = item.pointee {
                let kv = String(cString: c)
                if let eq = kv.firstIndex(of: "=") { structure[String(kv[..<eq])] = String(kv[kv.index(after: eq)...]) }
                item += 1
            }
        }
        let unit = GDALGetRasterUnitType(band).map { String(cString: $0) } ?? ""
        let info = Band(width: w, height: h, geoTransform: gt, crsWKT: wkt, noData: hasND != 0 ? nd : nil, values: [],
                        scale: hasS != 0 ? s : 1, offset: hasO != 0 ? off : 0, dataType: typeName, unit: unit,
                        structure: structure, overviews: Int(GDALGetOverviewCount(band)))
        try body(band, info)
        return info
    }
}
