import CityModel
import Foundation
import GeoBridge
import GridCore

/// Grids in and out of GeoTIFF (through GeoBridge), and the `cimbase grid` tools: rasterize, distance, zonal.
public enum GridIO {
    /// Writes a Float32 grid as a Cloud-Optimized GeoTIFF; +∞ and NaN cells become `noData`.
    /// (Kept for the pipeline's grid writers; new code uses `RasterIO.write(_:to:options:)` with the narrowest type,
    /// or `writeDecimetres` / `writePercent` below.)
    public static func write(_ g: Grid<Float>, crs: String?, to path: String, noData: Float = -1, description: String? = nil) throws {
        var out = g
        out.withUnsafeMutableBufferPointer { b in for i in b.indices where !b[i].isFinite { b[i] = noData } }
        try RasterIO.write(out, to: path, options: RasterWriteOptions(crs: crs, noData: Double(noData), description: description))
    }

    /// Writes a byte grid (masks, classes) as a COG.
    public static func write(_ g: Grid<UInt8>, crs: String?, to path: String, noData: UInt8? = nil, description: String? = nil) throws {
        try RasterIO.write(g, to: path, options: RasterWriteOptions(crs: crs, noData: noData.map(Double.init), description: description))
    }

    /// Writes distances in metres as UInt16 decimetres (scale 0.1, unit m; no-data 65535 for +∞, NaN and the grid's own
    /// no-data, e.g. −1; distances beyond 6553.4 m are clamped to it) as a COG: half the bytes of Float32, and QGIS
    /// shows metres.
    public static func writeDecimetres(_ g: Grid<Float>, crs: String?, to path: String, description: String? = nil) throws {
        try RasterIO.write(Quantize.toUInt16(g, scale: 0.1, noData: .max), to: path,
                           options: RasterWriteOptions(crs: crs, noData: 65535, scale: 0.1, offset: 0, unit: "m", description: description))
    }

    /// Writes fractions 0…1 as UInt8 percent (scale 0.01; no-data 255 for non-finite cells and the grid's no-data) as a COG.
    public static func writePercent(_ g: Grid<Float>, crs: String?, to path: String, description: String? = nil) throws {
        try RasterIO.write(Quantize.toUInt8(g, scale: 0.01, noData: .max), to: path,
                           options: RasterWriteOptions(crs: crs, noData: 255, scale: 0.01, offset: 0, description: description))
    }

    /// Reads band 1 as Float32 in real units (the band's scale and offset applied). Unscaled files keep their stored
    /// no-data value; in scaled files no-data cells become `noDataAs` (NaN unless given), which is the grid's `noData`.
    public static func read(_ path: String, noDataAs: Float? = nil) throws -> (Grid<Float>, crsWKT: String) {
        var (g, info) = try RasterIO.read(Float.self, path: path)
        let scaled = info.scale != 1 || info.offset != 0
        if scaled || noDataAs != nil {
            let s = Float(info.scale), o = Float(info.offset), nd = g.noData, out = noDataAs ?? (scaled ? .nan : nd ?? .nan)
            g.withUnsafeMutableBufferPointer { b in
                for i in b.indices {
                    if let nd, b[i] == nd || (nd.isNaN && b[i].isNaN) { b[i] = out } else if scaled { b[i] = b[i] * s + o }
                }
            }
            if nd != nil { g.noData = out }
        }
        return (g, info.crsWKT)
    }
}

/// Real values → stored integers: stored = round((real − offset) / scale), clamped to the type's range without its
/// no-data value; non-finite cells (and cells equal to `from`'s no-data) become `noData`. O(cells).
public enum Quantize {
    public static func toUInt8(_ g: Grid<Float>, scale: Double, offset: Double = 0, noData: UInt8?) -> Grid<UInt8> { convert(g, scale, offset, noData) }
    public static func toUInt16(_ g: Grid<Float>, scale: Double, offset: Double = 0, noData: UInt16?) -> Grid<UInt16> { convert(g, scale, offset, noData) }

    static func convert<T: RasterPixel & FixedWidthInteger>(_ g: Grid<Float>, _ scale: Double, _ offset: Double, _ noData: T?) -> Grid<T> {
        var out = Grid<T>(geometry: g.geometry, noData: noData)
        let inv = 1 / scale
        // The largest stored value that is not no-data (no-data is usually the type's max or min).
        let hi = Double(noData == T.max ? T.max - 1 : T.max), lo = Double(noData == T.min ? T.min + 1 : T.min)
        let src = g.noData
        out.withUnsafeMutableBufferPointer { o in
            g.withUnsafeBufferPointer { v in
                for i in v.indices {
                    let x = v[i]
                    if !x.isFinite || (src != nil && x == src!) { o[i] = noData ?? 0; continue }
                    let q = ((Double(x) - offset) * inv).rounded()
                    o[i] = T(Swift.min(hi, Swift.max(lo, q)))
                }
            }
        }
        return out
    }
}

extension MultiPolygon {
    /// Rings as GridCore takes them.
    var gridRings: [[[SIMD2<Double>]]] { polygons.map(\.rings) }
}

/// The `cimbase grid` tools; options mirror gdal_rasterize / gdal_translate / gdal_proximity where they overlap.
/// Every option value is checked before any file is read: numbers finite and in range, the grid's size capped
/// (`maxGridBytes`) with an error that names the option, the size and the memory it would need.
public enum GridTools {
    /// The largest output grid a command builds in memory (8 GiB, the project's memory budget).
    public nonisolated(unsafe) static var maxGridBytes: Double = 8 * 1_073_741_824

    /// How to store the grid: -ot, -of, -co, and the band scale/offset (real = stored × scale + offset).
    public struct OutputOptions: Sendable {
        /// `-ot`; nil: the narrowest type that holds the values (see each command).
        public var type: RasterIO.PixelType?
        /// `-of GTiff|COG` (default COG).
        public var format: RasterWriteOptions.Format = .cog
        /// `-co NAME=VALUE`, over RasterIO's defaults (DEFLATE, predictor, NUM_THREADS=ALL_CPUS, 256² tiles).
        public var creationOptions: [(name: String, value: String)] = []
        /// `-a_scale`, `-a_offset`.
        public var scale: Double?
        public var offset: Double?
        /// `-a_nodata`, in stored units.
        public var noData: Double?
        public init() {}
    }

    public struct RasterizeOptions: Sendable {
        public var layer: String?
        public var where_: String?
        public var attribute: String?
        /// `-burn` (default 1), a real value.
        public var burn: Double = 1
        /// `-tr xres yres` or `-ts width height` (one of them).
        public var resolution: (Double, Double)?
        public var size: (Int, Int)?
        /// `-te xmin ymin xmax ymax` (default: the features' bounding box).
        public var extent: (Double, Double, Double, Double)?
        /// `-tap`: bounds snapped outward to multiples of -tr.
        public var targetAligned = false
        public var coverage = false
        public var lineLength = false
        /// `-init`: the value of cells no feature touches, a real value (default 0, or the no-data value when
        /// `-a_nodata` is given without `-init`, as gdal_rasterize does).
        public var initValue: Double?
        public var output = OutputOptions()
        public init(resolution: (Double, Double)) { self.resolution = resolution }
        public init() {}
        /// `-a_nodata` (kept as a shortcut for `output.noData`).
        public var noData: Double? { get { output.noData } set { output.noData = newValue } }
    }

    // MARK: argument checks (each error names the option)

    /// Parses option values as numbers: `count` of them, each finite (unless `allowNaN`) or an error naming `option`.
    public static func numbers(_ option: String, _ values: [String], count: Int) throws -> [Double] {
        let values = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard values.count == count else {
            throw PipelineError.usage("\(option) needs \(count) number\(count == 1 ? "" : "s") (got \(values.count): \(values.joined(separator: " ")))")
        }
        return try values.map { try number(option, $0) }
    }

    /// Command-line arguments of `cimbase grid …` rewritten so that negative numbers reach their option (the argument
    /// parser takes `-10` for an option name): `-te -10 -5 10 5` → `-te=-10,-5,10,5` (for -te, -tr, -ts, -values),
    /// `-burn -1` → `-burn=-1`. Other arguments, and every command but `grid`, are left as they are.
    public static func normaliseArguments(_ args: [String]) -> [String] {
        guard args.first == "grid" else { return args }
        let multi: Set<String> = ["-te", "-tr", "-ts", "-values", "--values"]
        func isNumber(_ s: String) -> Bool { Double(s) != nil && !s.isEmpty }
        var out: [String] = [], i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { out += args[i...]; break }
            if multi.contains(a) {
                var vals: [String] = []
                var j = i + 1
                while j < args.count, isNumber(args[j]) { vals.append(args[j]); j += 1 }
                if vals.contains(where: { $0.hasPrefix("-") }) { out.append(a + "=" + vals.joined(separator: ",")); i = j; continue }
            } else if a.hasPrefix("-"), !a.contains("="), i + 1 < args.count, args[i + 1].hasPrefix("-"), isNumber(args[i + 1]), !isNumber(a) {
                out.append(a + "=" + args[i + 1]); i += 2; continue
            }
            out.append(a); i += 1
        }
        return out
    }

    /// One finite number for `option`.
    public static func number(_ option: String, _ s: String, allowNaN: Bool = false) throws -> Double {
        guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else { throw PipelineError.usage("\(option): '\(s)' is not a number") }
        if allowNaN && d.isNaN { return d }
        guard d.isFinite else { throw PipelineError.usage("\(option): \(s) is not a finite number") }
        return d
    }

    /// A positive whole number (a cell count) for `option`.
    public static func count(_ option: String, _ s: String) throws -> Int {
        let d = try number(option, s)
        guard d >= 1, d == d.rounded(), d < 2_147_483_648 else { throw PipelineError.usage("\(option): \(s) must be a whole number from 1 to 2147483647") }
        return Int(d)
    }

    /// `-ot NAME`.
    public static func pixelType(_ s: String) throws -> RasterIO.PixelType {
        guard let t = RasterIO.PixelType(gdalName: s) else {
            throw PipelineError.usage("-ot: '\(s)' is not a supported type (\(RasterIO.PixelType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return t
    }

    /// `-of NAME`.
    public static func format(_ s: String) throws -> RasterWriteOptions.Format {
        guard let f = RasterWriteOptions.Format.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) else {
            throw PipelineError.usage("-of: '\(s)' is not a supported format (GTiff, COG)")
        }
        return f
    }

    /// `-co NAME=VALUE`.
    public static func creationOption(_ s: String) throws -> (name: String, value: String) {
        guard let eq = s.firstIndex(of: "="), eq != s.startIndex,
              s[..<eq].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw PipelineError.usage("-co: '\(s)' is not NAME=VALUE")
        }
        return (String(s[..<eq]).uppercased(), String(s[s.index(after: eq)...]))
    }

    /// The range of real values the stored type holds with this scale and offset, for error messages.
    static func realRange(_ t: RasterIO.PixelType, scale: Double, offset: Double) -> ClosedRange<Double> {
        let (lo, hi): (Double, Double)
        switch t {
        case .uint8: (lo, hi) = (0, 255)
        case .uint16: (lo, hi) = (0, 65535)
        case .int32: (lo, hi) = (Double(Int32.min), Double(Int32.max))
        case .float32: (lo, hi) = (-Double(Float.greatestFiniteMagnitude), Double(Float.greatestFiniteMagnitude))
        case .float64: (lo, hi) = (-Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude)
        }
        let a = lo * scale + offset, b = hi * scale + offset
        return Swift.min(a, b)...Swift.max(a, b)
    }

    /// The grid for an extent and -tr/-ts, with the size checked (before any allocation) against `maxGridBytes`.
    static func geometry(extent e: GridExtent, resolution: (Double, Double)?, size: (Int, Int)?, targetAligned: Bool,
                         bytesPerCell: Int, command: String) throws -> GridGeometry {
        guard e.minX.isFinite, e.minY.isFinite, e.maxX.isFinite, e.maxY.isFinite, e.maxX > e.minX, e.maxY > e.minY else {
            throw PipelineError.usage("\(command): -te needs finite xmin < xmax and ymin < ymax (got \(e))")
        }
        let dx: Double, dy: Double, opt: String
        if let (w, h) = size {
            guard w >= 1, h >= 1 else { throw PipelineError.usage("\(command): -ts needs two whole numbers ≥ 1 (got \(w) \(h))") }
            dx = e.width / Double(w); dy = e.height / Double(h); opt = "-ts \(w) \(h)"
        } else if let (x, y) = resolution {
            guard x.isFinite, y.isFinite, x > 0, y > 0 else { throw PipelineError.usage("\(command): -tr needs two finite numbers > 0 (got \(x) \(y))") }
            dx = x; dy = y; opt = "-tr \(x) \(y)"
        } else {
            throw PipelineError.usage("\(command): give the cell size (-tr xres yres) or the grid size (-ts width height)")
        }
        guard dx.isFinite, dy.isFinite, dx > 0, dy > 0 else {
            throw PipelineError.usage("\(command): \(opt) over the extent \(e) gives cells of \(dx) × \(dy), not a usable cell size")
        }
        let ee = targetAligned && size == nil ? GridGeometry.aligned(e, dx: dx, dy: dy) : e
        let cols = ((ee.maxX - ee.minX) / dx + 0.5).rounded(.down), rows = ((ee.maxY - ee.minY) / dy + 0.5).rounded(.down)
        let bytes = cols * rows * Double(bytesPerCell)
        let where_ = resolution != nil && size == nil ? "\(opt) over \(e)" : opt
        guard cols.isFinite, rows.isFinite, cols < 2_147_483_648, rows < 2_147_483_648, bytes <= maxGridBytes else {
            throw PipelineError.usage("\(command): \(where_) gives a grid of \(fmtCount(cols)) × \(fmtCount(rows)) cells, which would need \(fmtBytes(bytes)) (limit \(fmtBytes(maxGridBytes)), at most 2147483647 per side); use a larger -tr, a smaller -ts or -te")
        }
        guard cols >= 1, rows >= 1 else {
            throw PipelineError.usage("\(command): \(where_) gives a grid of \(Int(cols)) × \(Int(rows)) cells; use a smaller -tr")
        }
        do {
            return try GridGeometry(minX: ee.minX, maxY: ee.maxY, dx: dx, dy: dy, rows: Int(rows), cols: Int(cols))
        } catch { throw PipelineError.usage("\(command): \(error)") }
    }

    static func fmtCount(_ x: Double) -> String { x.isFinite && x < 1e12 ? String(Int64(x)) : String(format: "%.3g", x) }
    static func fmtBytes(_ b: Double) -> String {
        guard b.isFinite else { return "\(b) bytes" }
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = b, i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(Int(v)) bytes" : (v < 1e6 ? String(format: "%.1f %@", v, units[i]) : String(format: "%.3g %@", v, units[i]))
    }

    /// Checks values that do not depend on the data (called before reading any input).
    public static func validate(_ o: RasterizeOptions) throws {
        if o.resolution != nil && o.size != nil { throw PipelineError.usage("grid rasterize: -tr and -ts are exclusive") }
        if o.resolution == nil && o.size == nil { throw PipelineError.usage("grid rasterize: give -tr xres yres or -ts width height") }
        if let (x, y) = o.resolution, !(x.isFinite && y.isFinite && x > 0 && y > 0) {
            throw PipelineError.usage("grid rasterize: -tr needs two finite numbers > 0 (got \(x) \(y))")
        }
        if let e = o.extent {
            guard [e.0, e.1, e.2, e.3].allSatisfy(\.isFinite), e.0 < e.2, e.1 < e.3 else {
                throw PipelineError.usage("grid rasterize: -te needs finite xmin ymin xmax ymax with xmin < xmax and ymin < ymax (got \(e.0) \(e.1) \(e.2) \(e.3))")
            }
        }
        if o.targetAligned && o.resolution == nil { throw PipelineError.usage("grid rasterize: -tap needs -tr") }
        guard o.burn.isFinite else { throw PipelineError.usage("grid rasterize: -burn must be finite (got \(o.burn))") }
        if let i = o.initValue, !i.isFinite { throw PipelineError.usage("grid rasterize: -init must be finite (got \(i))") }
        if o.coverage && o.lineLength { throw PipelineError.usage("grid rasterize: --coverage and --length are exclusive") }
        try validate(o.output, command: "grid rasterize")
    }

    static func validate(_ o: OutputOptions, command: String) throws {
        if let s = o.scale, !(s.isFinite && s != 0) { throw PipelineError.usage("\(command): -a_scale must be finite and non-zero (got \(s))") }
        if let f = o.offset, !f.isFinite { throw PipelineError.usage("\(command): -a_offset must be finite (got \(f))") }
        if let nd = o.noData, let t = o.type {
            if t.isInteger {
                let r = realRange(t, scale: 1, offset: 0)
                guard nd.isFinite, nd == nd.rounded(), r.contains(nd) else {
                    throw PipelineError.usage("\(command): -a_nodata \(nd) is not a \(t.rawValue) value (whole numbers \(Int64(r.lowerBound))…\(Int64(r.upperBound)))")
                }
            } else if t == .float32, nd.isFinite, abs(nd) > Double(Float.greatestFiniteMagnitude) {
                throw PipelineError.usage("\(command): -a_nodata \(nd) does not fit Float32")
            }
        }
    }

    /// With CIMBASE_TIMINGS set, phase times go to stderr (`grid <phase> <seconds>`).
    static let timings = ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil
    static func phase<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard timings else { return try body() }
        let t0 = ContinuousClock.now
        defer {
            let d = ContinuousClock.now - t0
            FileHandle.standardError.write("grid \(name) \(String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))\n".data(using: .utf8)!)
        }
        return try body()
    }

    // MARK: reading features

    /// Reads features (geometry + optional value) from any OGR source.
    ///
    /// OGR reads on this thread, parsing only the geometry and the burned attribute (unless a `where` filter, which
    /// OGR may evaluate on the feature's own fields, is given); the WKB is decoded into CityModel geometries on all
    /// cores, a batch at a time.
    static func features(_ src: String, layer: String?, where_: String?, attribute: String?,
                         direct allowDirect: Bool = ProcessInfo.processInfo.environment["CIMBASE_GRID_OGR_READ"] == nil) throws -> ([(Geometry, Double)], String?) {
        let ds: VectorDataset
        do { ds = try VectorDataset(path: src) } catch { throw PipelineError.input(file: src, layer: layer, message: "\(error)") }
        let l: VectorLayer
        do { l = try ds.layer(layer) } catch { throw PipelineError.input(file: src, layer: layer, message: "\(error)") }
        let fields = l.fields
        if let a = attribute, !fields.contains(where: { $0.name == a }) {
            throw PipelineError.input(file: src, layer: l.name, message: "field '\(a)' not found; fields are: \(fields.map(\.name).joined(separator: ", "))")
        }
        if let w = where_ { do { try l.setAttributeFilter(w) } catch { throw PipelineError.input(file: src, layer: l.name, message: "\(error)") } }
        else { l.ignoreFields(except: attribute.map { [$0] } ?? []) }
        let crs = l.spatialReference.map { $0.authorityCode ?? $0.wkt }
        let ai = attribute.flatMap { a in fields.firstIndex { $0.name == a } }
        var out: [(Geometry, Double)] = []
        var blobs: [[UInt8]] = [], vals: [Double] = []
        let batch = 16_384
        blobs.reserveCapacity(batch); vals.reserveCapacity(batch)
        // Decodes one batch in parallel and appends the non-empty geometries in input order.
        func flush() throws {
            guard !blobs.isEmpty else { return }
            let n = blobs.count, chunks = n < 1_024 ? 1 : 8 * max(1, ProcessInfo.processInfo.activeProcessorCount)
            var decoded = [Result<Geometry, WKBError>?](repeating: nil, count: n)
            nonisolated(unsafe) let input = blobs
            decoded.withUnsafeMutableBufferPointer { db in
                nonisolated(unsafe) let d = db
                DispatchQueue.concurrentPerform(iterations: chunks) { w in
                    for i in (n * w / chunks)..<(n * (w + 1) / chunks) {
                        d[i] = Result { try WKB.decode(input[i]) }.mapError { $0 as? WKBError ?? .truncated(offset: 0) }
                    }
                }
            }
            for i in 0..<n {
                switch decoded[i]! {
                case .success(let g): if !g.isEmpty { out.append((g, vals[i])) }
                case .failure(let e): throw e
                }
            }
            blobs.removeAll(keepingCapacity: true); vals.removeAll(keepingCapacity: true)
        }
        do {
            // A GeoPackage without a -where: the blobs straight from SQLite (at 1M footprints 2.2 s through OGR's
            // features); otherwise OGR.
            var direct = false
            if where_ == nil && allowDirect {
                direct = try GeoPackageReader.forEach(path: src, table: l.name, attribute: attribute) { b, v in
                    blobs.append(b); vals.append(v)
                    if blobs.count == batch { try flush() }
                }
            }
            if !direct {
                try l.forEach { f in
                    guard let b = f.wkb() else { return }
                    blobs.append(b)
                    // A null attribute burns 0, as gdal_rasterize does (OGR_F_GetFieldAsDouble of a null field).
                    vals.append(ai.flatMap { f.value($0).real } ?? .nan)
                    if blobs.count == batch { try flush() }
                }
            }
            try flush()
        } catch { throw PipelineError.input(file: src, layer: l.name, message: "\(error)") }
        return (out, crs)
    }

    // MARK: rasterize

    /// `grid rasterize`: polygons (centre sampling as gdal_rasterize, or exact coverage fractions with `coverage`) or
    /// lines (cells passed through, or length per cell with `lineLength`) → a GeoTIFF or COG of the narrowest type:
    /// centre/line burns of whole numbers 0…255 → Byte, …65535 → UInt16, Int32 range → Int32, else Float32;
    /// coverage and length → Float32 (with an integer -ot: percent for Byte, 1/10000 for UInt16/Int32 unless
    /// -a_scale says otherwise). Returns the grid and the type written.
    @discardableResult
    public static func rasterize(src: String, dst: String, options o: RasterizeOptions) throws -> GridGeometry {
        try rasterizeReport(src: src, dst: dst, options: o).geometry
    }

    public static func rasterizeReport(src: String, dst: String, options o: RasterizeOptions) throws -> (geometry: GridGeometry, type: RasterIO.PixelType) {
        try validate(o)
        // The size check before reading features (with -te the extent is known; the worst type is 8 bytes).
        if let e = o.extent {
            _ = try geometry(extent: GridExtent(minX: e.0, minY: e.1, maxX: e.2, maxY: e.3), resolution: o.resolution, size: o.size,
                             targetAligned: o.targetAligned, bytesPerCell: o.output.type?.size ?? 1, command: "grid rasterize")
        }
        let (feats, crs) = try phase("read") { try features(src, layer: o.layer, where_: o.where_, attribute: o.attribute) }
        let ext: GridExtent
        if let e = o.extent { ext = GridExtent(minX: e.0, minY: e.1, maxX: e.2, maxY: e.3) } else {
            let bb = feats.reduce(BBox.empty) { $0.union($1.0.bbox) }
            guard !bb.isEmpty, bb.minX.isFinite, bb.minY.isFinite, bb.maxX.isFinite, bb.maxY.isFinite else {
                throw PipelineError.input(file: src, layer: o.layer, message: "no features with finite coordinates to rasterize (give -te)")
            }
            ext = GridExtent(minX: bb.minX, minY: bb.minY, maxX: bb.maxX, maxY: bb.maxY)
        }
        // Real values burned per feature: -burn, or the attribute (0 where it is null, as gdal_rasterize).
        let values = feats.map { o.attribute == nil ? o.burn : ($0.1.isNaN ? 0 : $0.1) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw PipelineError.input(file: src, layer: o.layer, message: "feature \(bad + 1): attribute \(o.attribute ?? "") is not finite")
        }
        let fractional = o.coverage || o.lineLength
        let scale = o.output.scale ?? 1, offset = o.output.offset ?? 0
        var type: RasterIO.PixelType
        if let t = o.output.type { type = t } else if fractional || o.output.scale != nil {
            type = .float32
        } else {
            var all = values; all.append(o.initValue ?? 0)
            if let nd = o.output.noData { all.append(nd) }
            type = narrowestType(all)
        }
        var storeScale = scale
        if fractional && type.isInteger && o.output.scale == nil { storeScale = type == .uint8 ? 0.01 : 0.0001 }
        let geo = try geometry(extent: ext, resolution: o.resolution, size: o.size, targetAligned: o.targetAligned,
                               bytesPerCell: fractional && type != .float32 ? type.size + 4 : type.size, command: "grid rasterize")
        // Values the stored type cannot hold are errors (not silent clamps).
        let range = realRange(type, scale: storeScale, offset: offset)
        if !fractional, let bad = values.first(where: { !range.contains($0) }) {
            throw PipelineError.usage("grid rasterize: the value \(bad) does not fit -ot \(type.rawValue)\(storeScale != 1 || offset != 0 ? " with scale \(storeScale), offset \(offset)" : "") (\(range.lowerBound)…\(range.upperBound))")
        }
        if o.coverage, let m = values.map({ abs($0) }).max(),
           (values.contains { $0 > 0 } && !range.contains(m)) || (values.contains { $0 < 0 } && !range.contains(-m)) {
            throw PipelineError.usage("grid rasterize: coverage × \(m) does not fit -ot \(type.rawValue) with scale \(storeScale) (\(range.lowerBound)…\(range.upperBound)); give -a_scale")
        }
        let initial = o.initValue ?? (fractional ? 0 : (o.output.noData.map { $0 * storeScale + offset } ?? 0))
        if !range.contains(initial) { throw PipelineError.usage("grid rasterize: -init \(initial) does not fit -ot \(type.rawValue)") }

        let (polys, lines, mps, ls, lineValues) = phase("prepare") { () -> ([Int], [Int], [[[[SIMD2<Double>]]]], [[SIMD2<Double>]], [Double]) in
        let polys = feats.indices.filter { !feats[$0].0.polygons.polygons.isEmpty }
        let lines = feats.indices.filter { !feats[$0].0.lines.isEmpty }
        let mps = polys.map { feats[$0].0.polygons.gridRings }
        let ls = lines.flatMap { feats[$0].0.lines.map(\.points) }
        let lineValues = lines.flatMap { i in feats[i].0.lines.map { _ in values[i] } }
        return (polys, lines, mps, ls, lineValues)
        }
        let write = RasterWriteOptions(format: o.output.format, crs: crs, noData: o.output.noData,
                                       scale: storeScale != 1 || offset != 0 ? storeScale : nil, offset: storeScale != 1 || offset != 0 ? offset : nil,
                                       creationOptions: o.output.creationOptions)
        if fractional {
            var g = Grid<Float>(geometry: geo, repeating: Float(initial))
            if o.coverage, !mps.isEmpty { Rasterizer.burnCoverage(multiPolygons: mps, values: polys.map { Float(values[$0]) }, mode: .add, into: &g) }
            if o.lineLength, !ls.isEmpty {
                if lineValues.contains(where: { $0 != 1 }) {
                    throw PipelineError.usage("grid rasterize: --length writes metres per cell; -burn / -a do not apply")
                }
                Rasterizer.burnLineLength(lines: ls, into: &g)
            }
            try writeReal(g, type: type, scale: storeScale, offset: offset, to: dst, options: write)
        } else {
            func burn<T: RasterPixel>(_: T.Type) throws {
                let stored = { (v: Double) in T(fromDouble: (v - offset) / storeScale) }
                var g = phase("allocate") { Grid<T>(geometry: geo, repeating: stored(initial)) }
                phase("burn") {
                    if !mps.isEmpty { Rasterizer.burnCentre(multiPolygons: mps, values: polys.map { stored(values[$0]) }, mode: .set, into: &g) }
                    if !ls.isEmpty { Rasterizer.burnLineCells(lines: ls, values: lineValues.map(stored), mode: .set, into: &g) }
                }
                try phase("write") { try RasterIO.write(g, to: dst, options: write) }
            }
            switch type {
            case .uint8: try burn(UInt8.self)
            case .uint16: try burn(UInt16.self)
            case .int32: try burn(Int32.self)
            case .float32: try burn(Float.self)
            case .float64: try burn(Double.self)
            }
        }
        return (geo, type)
    }

    /// The narrowest GDAL type holding every value exactly (whole numbers) or Float32 otherwise.
    static func narrowestType(_ values: [Double]) -> RasterIO.PixelType {
        guard values.allSatisfy({ $0 == $0.rounded() }), let lo = values.min(), let hi = values.max() else { return .float32 }
        if lo >= 0 && hi <= 255 { return .uint8 }
        if lo >= 0 && hi <= 65535 { return .uint16 }
        if lo >= Double(Int32.min) && hi <= Double(Int32.max) { return .int32 }
        return .float32
    }

    /// Writes a Float grid of real values as `type` (integers: stored = round((v − offset)/scale), clamped).
    static func writeReal(_ g: Grid<Float>, type: RasterIO.PixelType, scale: Double, offset: Double, to dst: String, options: RasterWriteOptions) throws {
        let nd = options.noData
        switch type {
        case .float32: try RasterIO.write(g, to: dst, options: options)
        case .float64: try RasterIO.write(g.map { Double($0) }, to: dst, options: options)
        case .uint8: try RasterIO.write(Quantize.convert(g, scale, offset, nd.map { UInt8($0) }), to: dst, options: options)
        case .uint16: try RasterIO.write(Quantize.convert(g, scale, offset, nd.map { UInt16($0) }), to: dst, options: options)
        case .int32: try RasterIO.write(Quantize.convert(g, scale, offset, nd.map { Int32($0) }), to: dst, options: options)
        }
    }

    // MARK: distance

    public struct DistanceOptions: Sendable {
        /// Stop at this distance (georeferenced units); cells beyond are no-data.
        public var maxDistance: Double?
        /// Source cell values (default: any value ≠ 0 and ≠ no-data).
        public var values: [Double] = []
        /// Write a 0/1 Byte mask of cells within this distance instead of distances.
        public var within: Double?
        public var output = OutputOptions()
        public init() {}
    }

    /// The largest distance UInt16 decimetres hold (65535 is no-data).
    public static let maxDecimetres = 6553.4

    /// `grid distance`: exact Euclidean distance from every cell to the nearest source cell. Default type: UInt16
    /// decimetres (scale 0.1, unit m, no-data 65535) when every distance fits (≤ 6553.4: the max distance, or the
    /// grid's diagonal), else Float32 (no-data −1). `within` gives a Byte 0/1 mask.
    @discardableResult
    public static func distance(src: String, dst: String, options o: DistanceOptions) throws -> RasterIO.PixelType {
        if let m = o.maxDistance, !(m.isFinite && m > 0) { throw PipelineError.usage("grid distance: -maxdist must be a finite number > 0 (got \(m))") }
        if let w = o.within, !(w.isFinite && w >= 0) { throw PipelineError.usage("grid distance: --within must be a finite number ≥ 0 (got \(w))") }
        if let v = o.values.first(where: { !$0.isFinite }) { throw PipelineError.usage("grid distance: -values must be finite (got \(v))") }
        try validate(o.output, command: "grid distance")
        let g: Grid<Float>, wkt: String
        do { (g, wkt) = try GridIO.read(src) } catch { throw PipelineError.input(file: src, layer: nil, message: "\(error)") }
        var sources = Grid<UInt8>(geometry: g.geometry, repeating: 0)
        let values = o.values.map { Float($0) }
        g.withUnsafeBufferPointer { v in
            sources.withUnsafeMutableBufferPointer { s in
                for i in v.indices {
                    let x = v[i]
                    if g.isNoData(x) { continue }
                    if values.isEmpty ? (x != 0 && !x.isNaN) : values.contains(x) { s[i] = 1 }
                }
            }
        }
        let crs = wkt.isEmpty ? nil : wkt
        var w = RasterWriteOptions(format: o.output.format, crs: crs, creationOptions: o.output.creationOptions)
        if let d = o.within {
            let t = o.output.type ?? .uint8
            guard t.isInteger || t == .float32 else { throw PipelineError.usage("grid distance: --within writes a mask: -ot Byte, UInt16, Int32 or Float32") }
            let m = DistanceTransform.within(sources: sources, distance: d)
            w.noData = o.output.noData
            switch t {
            case .uint8: try RasterIO.write(m, to: dst, options: w)
            case .uint16: try RasterIO.write(m.map { UInt16($0) }, to: dst, options: w)
            case .int32: try RasterIO.write(m.map { Int32($0) }, to: dst, options: w)
            default: try RasterIO.write(m.map { Float($0) }, to: dst, options: w)
            }
            return t
        }
        let geo = g.geometry
        let reach = o.maxDistance ?? (Double(geo.cols) * geo.dx * Double(geo.cols) * geo.dx + Double(geo.rows) * geo.dy * Double(geo.rows) * geo.dy).squareRoot()
        let type = o.output.type ?? (reach <= maxDecimetres ? .uint16 : .float32)
        var d = DistanceTransform.euclidean(sources: sources, maxDistance: o.maxDistance)
        w.unit = "m"
        if type.isInteger {
            let scale = o.output.scale ?? (type == .uint8 ? 1 : 0.1), offset = o.output.offset ?? 0
            let maxStored: Double = type == .uint8 ? 254 : type == .uint16 ? 65534 : Double(Int32.max - 1)
            if reach > maxStored * scale + offset {
                throw PipelineError.usage("grid distance: distances up to \(reach) do not fit -ot \(type.rawValue) at scale \(scale) (up to \(maxStored * scale + offset)); give -maxdist, -a_scale or -ot Float32")
            }
            w.noData = o.output.noData ?? (type == .int32 ? -1 : type == .uint8 ? 255 : 65535)
            w.scale = scale; w.offset = offset
            // +∞ (beyond max distance) → no-data.
            try writeReal(d, type: type, scale: scale, offset: offset, to: dst, options: w)
        } else {
            let nd = o.output.noData ?? -1
            d.withUnsafeMutableBufferPointer { b in for i in b.indices where !b[i].isFinite { b[i] = Float(nd) } }
            w.noData = nd; w.scale = o.output.scale; w.offset = o.output.offset
            if type == .float64 { try RasterIO.write(d.map { Double($0) }, to: dst, options: w) } else { try RasterIO.write(d, to: dst, options: w) }
        }
        return type
    }

    /// The pre-typed call (Float32 or UInt16 by the rule above).
    public static func distance(src: String, dst: String, maxDistance: Double?, values: [Double], within: Double?) throws {
        var o = DistanceOptions(); o.maxDistance = maxDistance; o.values = values; o.within = within
        try distance(src: src, dst: dst, options: o)
    }

    // MARK: zonal

    /// `grid zonal`: per polygon of `zones` (exact coverage fractions): count, sum, mean, min, max of `values` (in real
    /// units: the band's scale and offset applied) → CSV.
    public static func zonal(zones: String, layer: String?, idField: String?, values: String, csv: String) throws -> Int {
        let (g, wkt) = try GridIO.read(values)
        var (feats, zcrs) = try features(zones, layer: layer, where_: nil, attribute: nil)
        if let zcrs, !wkt.isEmpty {
            let t = try ProjTransformer(from: zcrs, to: wkt)
            feats = try feats.map { f in
                let pts = f.0.allPoints
                var xs = pts.map(\.x), ys = pts.map(\.y)
                try t.transform(&xs, &ys)
                var i = 0
                return (f.0.mapPoints { _ in defer { i += 1 }; return Vec2(xs[i], ys[i]) }, f.1)
            }
        }
        var ids: [String] = []
        if let idField {
            let ds = try VectorDataset(path: zones)
            try ds.layer(layer).forEach { f in if let g = try f.geometry(), !g.isEmpty { ids.append(f.value(idField).string ?? "") } }
        } else {
            ids = feats.indices.map { String($0 + 1) }
        }
        let stats = ZonalStatistics.byPolygons(feats.map { $0.0.polygons.gridRings }, values: g)
        // count = covered cells weighted by their coverage fraction (the covered area in cells).
        var text = "id,count,sum,mean,min,max\r\n"
        for (i, s) in stats.enumerated() {
            func f(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "" } ?? "" }
            text += "\(ids[i]),\(f(s.weight)),\(f(s.sum)),\(f(s.mean)),\(f(s.min)),\(f(s.max))\r\n"
        }
        let tmp = csv + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        guard rename(tmp, csv) == 0 else { throw PipelineError.output(path: csv, message: "cannot rename") }
        return stats.count
    }
}
