import CGDAL
import CPROJ
import CityModel
import Foundation
import GridCore

/// What to sample from a DEM (`layers.dem` of the config).
public struct DEMRequest: Sendable, Equatable {
    /// Any raster GDAL opens.
    public var path: String
    /// 1-based band.
    public var band: Int = 1
    public var statistic: GroundStatistic = .min
    /// CRS override (authority code, WKT, PROJ string) when the file has none or a wrong one. A compound CRS
    /// (e.g. `EPSG:4326+5773`) says the heights are orthometric in its vertical datum.
    public var crs: String?
    /// A PROJ geoid grid (e.g. `us_nga_egm96_15.tif`): the heights are orthometric above it (overrides a compound CRS's datum).
    public var geoid: String?
    public init(path: String, band: Int = 1, statistic: GroundStatistic = .min, crs: String? = nil, geoid: String? = nil) {
        self.path = path; self.band = band; self.statistic = statistic; self.crs = crs; self.geoid = geoid
    }
}

/// Why a DEM cannot be used.
public enum DEMError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, message: String)
    case noBand(path: String, band: Int, bands: Int)
    case noCRS(path: String)
    case badCRS(String, message: String)
    case rotated(path: String)
    case noGeoTransform(path: String)
    /// The band's unit is not metres (heights in feet would be taken as metres).
    case unit(path: String, unit: String)
    /// The DEM's cells are so fine under the footprints that their spans would exceed the memory budget.
    case tooFine(path: String, spans: Int)
    /// Orthometric heights need a geoid grid that PROJ cannot find: the grids (short names) and where to get them.
    case missingGrid(grids: [String], urls: [String], vertical: String)
    /// PROJ knows no grid-based transformation from the DEM's vertical datum to ellipsoidal heights.
    case noVerticalTransformation(vertical: String)
    case read(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let m): return "cannot open the DEM \(p): \(m)"
        case .noBand(let p, let b, let n): return "\(p) has \(n) band\(n == 1 ? "" : "s"), no band \(b)"
        case .noCRS(let p): return "\(p) has no CRS: give layers.dem.crs"
        case .badCRS(let c, let m): return "cannot use the CRS '\(c)': \(m)"
        case .rotated(let p): return "\(p) has a rotated or south-up geotransform (only north-up DEMs are supported: gdalwarp it first)"
        case .missingGrid(let g, let u, let v):
            let list = zip(g, u).map { $0.1.isEmpty ? $0.0 : "\($0.0) (\($0.1))" }.joined(separator: ", ")
            return "the DEM's heights are orthometric (\(v)); converting them to ellipsoidal heights needs the PROJ grid \(list), which is not installed: "
                + "put it in PROJ's data folder (projsync --file \(g.first ?? "<grid>"), or Debian's proj-data) or in PROJ_DATA, or name an installed grid with layers.dem.geoid"
        case .noVerticalTransformation(let v):
            return "PROJ knows no geoid-grid transformation from the DEM's vertical datum (\(v)) to ellipsoidal heights: name a geoid grid with layers.dem.geoid"
        case .read(let p, let m): return "cannot read the DEM \(p): \(m)"
        case .unit(let p, let u): return "\(p): the band's unit is '\(u)', not metres: convert it first (gdal_translate -scale, or gdal_calc)"
        case .noGeoTransform(let p): return "\(p) has no (valid) geotransform: it is not georeferenced"
        case .tooFine(let p, let n):
            return "\(p): the footprints cover more than \(n) DEM rows in all (cells much finer than the buildings): resample it first, e.g. gdalwarp -tr 1 1"
        }
    }
}

/// The ground sampled for each footprint.
public struct DEMSamples: Sendable {
    /// Ground above the ellipsoid (m) per footprint; nil where the DEM has no valid cell under it (outside, no-data).
    public var ground: [Double?]
    /// Footprints holding no cell centre, sampled at the cell under their representative point.
    public var subCell = 0
    /// Footprints without a valid DEM cell (outside the DEM or only no-data).
    public var missing = 0
    /// The DEM's cell count read (the window under the footprints).
    public var cellsRead = 0
    /// How heights were made ellipsoidal ("as stored", or the PROJ operation / grid used).
    public var vertical = "ellipsoidal as stored"
    public var width = 0, height = 0
}

/// Samples a DEM under building footprints: the footprints are transformed to the DEM's CRS (when it differs), their
/// cells found with the centre rule (GridCore `FootprintSampling`), and the raster read in horizontal strips of at
/// most ~1 M cells over the footprints' column window, strips in parallel, each worker with its own GDAL handle.
/// Memory: the spans (a few per footprint) plus one strip per core.
public enum DEMSampler {
    /// Band count and size of a raster (for config checks).
    public static func describe(path: String) throws -> (width: Int, height: Int, bands: Int) {
        GDALEnvironment.ensure()
        GDALEnvironment.resetError()
        guard let ds = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw DEMError.cannotOpen(path: path, message: CPLGetLastErrorMsg().map { String(cString: $0) } ?? "not a raster")
        }
        defer { GDALClose(ds) }
        return (Int(GDALGetRasterXSize(ds)), Int(GDALGetRasterYSize(ds)), Int(GDALGetRasterCount(ds)))
    }

    /// The ground under each footprint (given in `workingCRS`), made ellipsoidal per `request`. `maxSpans` caps the
    /// row spans held (16 bytes each; the default 40 M is 640 MB, e.g. 1M buildings of 40 rows).
    public static func sample(footprints: [MultiPolygon], workingCRS: String, request: DEMRequest, maxSpans: Int = 40_000_000) throws -> DEMSamples {
        let path = request.path
        let (w, h, bands) = try describe(path: path)
        guard request.band >= 1, request.band <= bands else { throw DEMError.noBand(path: path, band: request.band, bands: bands) }
        // Metadata of the band.
        guard let ds = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
            throw DEMError.cannotOpen(path: path, message: "cannot reopen")
        }
        var gt = [Double](repeating: 0, count: 6)
        let hasGT = GDALGetGeoTransform(ds, &gt) == CE_None
        let band = GDALGetRasterBand(ds, Int32(request.band))
        var hasND: Int32 = 0, hasS: Int32 = 0, hasO: Int32 = 0
        let nd = GDALGetRasterNoDataValue(band, &hasND)
        let scale = GDALGetRasterScale(band, &hasS), off = GDALGetRasterOffset(band, &hasO)
        var blockX: Int32 = 0, blockY: Int32 = 0
        GDALGetBlockSize(band, &blockX, &blockY)
        let fileSRS: SpatialReference? = GDALGetSpatialRef(ds).map { SpatialReference(cloning: $0) }
        let unit = GDALGetRasterUnitType(band).map { String(cString: $0) } ?? ""
        GDALClose(ds)
        guard ["", "m", "metre", "meter", "metres", "meters"].contains(unit.lowercased()) else { throw DEMError.unit(path: path, unit: unit) }
        guard hasGT else { throw DEMError.noGeoTransform(path: path) }
        let geometry: GridGeometry
        do { geometry = try GridGeometry(geoTransform: gt, rows: h, cols: w) } catch GridError.rotatedGeoTransform {
            throw DEMError.rotated(path: path)
        } catch { throw DEMError.noGeoTransform(path: path) }

        // CRSs: the DEM's (override or file), its horizontal part, and whether it carries a vertical datum.
        let demSRS: SpatialReference
        if let c = request.crs {
            do { demSRS = try SpatialReference(c) } catch { throw DEMError.badCRS(c, message: "\(error)") }
        } else if let s = fileSRS { demSRS = s } else { throw DEMError.noCRS(path: path) }
        let compound = OSRIsCompound(demSRS.handle) != 0
        let demWKT = demSRS.wkt
        let horizontal: SpatialReference
        if compound {
            horizontal = SpatialReference(cloning: demSRS.handle)
            guard OSRStripVertical(horizontal.handle) == OGRERR_NONE else { throw DEMError.badCRS(request.crs ?? "of \(path)", message: "cannot take its horizontal part") }
        } else { horizontal = demSRS }
        let horizontalWKT = horizontal.wkt
        let working: SpatialReference
        do { working = try SpatialReference(workingCRS) } catch { throw DEMError.badCRS(workingCRS, message: "\(error)") }
        let same = OSRIsSame(working.handle, horizontal.handle) != 0

        // Vertical: set up (and fail on a missing grid) before the work.
        let shift: VerticalShift? = try request.geoid.map { try VerticalShift(geoid: $0, horizontalWKT: horizontalWKT) }
            ?? (compound ? try VerticalShift(compoundWKT: demWKT, name: demSRS.name) : nil)

        // Footprints → DEM coordinates, then spans; in parallel chunks, each with its own PROJ transformer.
        let n = footprints.count
        let proto: ProjTransformer? = same ? nil : try ProjTransformer(from: workingCRS, to: horizontalWKT)
        let chunks = Swift.max(1, Swift.min(64, n / 2000))
        var chunkSpans = [[FootprintSpan]](repeating: [], count: chunks)
        var chunkSub = [Int](repeating: 0, count: chunks)
        var points = [SIMD2<Double>](repeating: SIMD2(.nan, .nan), count: n)
        var protoClones: [ProjTransformer?] = []
        for _ in 0..<chunks { protoClones.append(try proto?.clone()) }
        let statistic = request.statistic
        // Memory budget of the spans (16 bytes each): a DEM far finer than the buildings is refused, not loaded.
        let spanBudget = Swift.max(1, maxSpans / chunks)
        chunkSpans.withUnsafeMutableBufferPointer { spansB in
            chunkSub.withUnsafeMutableBufferPointer { subB in
                points.withUnsafeMutableBufferPointer { ptsB in
                    let box = UncheckedSendable((spansB, subB, ptsB, protoClones))
                    Parallel.forEach(chunks) { k in
                        let (spansB, subB, ptsB, clones) = box.value
                        let tr = clones[k]
                        var out: [FootprintSpan] = []
                        var sub = 0
                        var xs: [Double] = [], ys: [Double] = []
                        for i in (n * k / chunks)..<(n * (k + 1) / chunks) {
                            let fp = footprints[i]
                            let rep = fp.largest?.centroid ?? fp.centroid
                            var parts = fp.polygons.map { $0.rings }
                            var p = rep
                            if let tr {
                                xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true)
                                xs.append(rep.x); ys.append(rep.y)
                                for part in parts { for ring in part { for q in ring { xs.append(q.x); ys.append(q.y) } } }
                                xs.withUnsafeMutableBufferPointer { xb in ys.withUnsafeMutableBufferPointer { yb in _ = tr.transformAllowingFailures(xb, yb) } }
                                p = SIMD2(xs[0], ys[0])
                                var j = 1
                                for a in parts.indices { for b in parts[a].indices { for c in parts[a][b].indices { parts[a][b][c] = SIMD2(xs[j], ys[j]); j += 1 } } }
                            }
                            ptsB[i] = p
                            if FootprintSampling.spans(item: Int32(i), parts: parts, point: p, geometry: geometry, statistic: statistic, into: &out) { sub += 1 }
                            if out.count > spanBudget { out = []; sub = -1; break }
                        }
                        spansB[k] = out; subB[k] = sub
                    }
                }
            }
        }
        if chunkSub.contains(-1) { throw DEMError.tooFine(path: path, spans: maxSpans) }
        var spans = chunkSpans.flatMap { $0 }
        chunkSpans = []
        var result = DEMSamples(ground: [Double?](repeating: nil, count: n))
        result.subCell = chunkSub.reduce(0, +)
        result.width = w; result.height = h
        if !spans.isEmpty {
            // Strips: rows [s·rows, (s+1)·rows) over the spans' column window.
            var c0 = Int32.max, c1 = Int32.min
            for s in spans { c0 = Swift.min(c0, s.c0); c1 = Swift.max(c1, s.c1) }
            let col0 = Int(c0), width = Int(c1 - c0)
            let by = Swift.max(1, Int(blockY))
            var stripRows = Swift.max(1, 1_000_000 / Swift.max(width, 1))
            if stripRows > by { stripRows = stripRows / by * by }
            spans.sort { a, b in
                let sa = Int(a.row) / stripRows, sb = Int(b.row) / stripRows
                return sa != sb ? sa < sb : a.item != b.item ? a.item < b.item : a.row < b.row
            }
            // Groups of spans per strip.
            var groups: [(strip: Int, range: Range<Int>)] = []
            var i = 0
            while i < spans.count {
                let s = Int(spans[i].row) / stripRows
                var j = i
                while j < spans.count && Int(spans[j].row) / stripRows == s { j += 1 }
                groups.append((s, i..<j)); i = j
            }
            var partials = [[(item: Int32, acc: SampleAccumulator)]](repeating: [], count: groups.count)
            var errors = [String?](repeating: nil, count: groups.count)
            var cells = [Int](repeating: 0, count: groups.count)
            let workers = Swift.max(1, Swift.min(groups.count, ProcessInfo.processInfo.activeProcessorCount))
            let ndv: Double? = hasND != 0 ? nd : nil
            let sc = hasS != 0 ? scale : 1, of = hasO != 0 ? off : 0
            let bandIndex = Int32(request.band)
            spans.withUnsafeBufferPointer { spansB in
                partials.withUnsafeMutableBufferPointer { partB in
                    errors.withUnsafeMutableBufferPointer { errB in
                        cells.withUnsafeMutableBufferPointer { cellB in
                            let box = UncheckedSendable((spansB, partB, errB, cellB, groups))
                            Parallel.forEach(workers) { wk in
                                let (spansB, partB, errB, cellB, groups) = box.value
                                GDALEnvironment.resetError()
                                guard let ds = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
                                    errB[wk] = "cannot open \(path)"; return
                                }
                                defer { GDALClose(ds) }
                                let band = GDALGetRasterBand(ds, bandIndex)
                                var buf = [Double]()
                                var g = wk
                                while g < groups.count {
                                    let (strip, range) = groups[g]
                                    var lo = Int.max, hi = Int.min
                                    for k in range { lo = Swift.min(lo, Int(spansB[k].row)); hi = Swift.max(hi, Int(spansB[k].row)) }
                                    let r0 = lo, rows = hi - lo + 1
                                    _ = strip
                                    buf = [Double](repeating: 0, count: rows * width)
                                    let err = buf.withUnsafeMutableBytes { b in
                                        GDALRasterIO(band, GF_Read, Int32(col0), Int32(r0), Int32(width), Int32(rows), b.baseAddress, Int32(width), Int32(rows), GDT_Float64, 0, 0)
                                    }
                                    if err != CE_None {
                                        errB[g] = CPLGetLastErrorMsg().map { String(cString: $0) } ?? "GDALRasterIO failed"; return
                                    }
                                    cellB[g] = rows * width
                                    var out: [(item: Int32, acc: SampleAccumulator)] = []
                                    buf.withUnsafeBufferPointer { sb in
                                        FootprintSampling.accumulate(spans: UnsafeBufferPointer(rebasing: spansB[range]), strip: sb, rowOffset: r0, colOffset: col0, width: width,
                                                                     noData: ndv, scale: sc, offset: of, into: &out)
                                    }
                                    partB[g] = out
                                    g += workers
                                }
                            }
                        }
                    }
                }
            }
            if let e = errors.compactMap({ $0 }).first { throw DEMError.read(path: path, message: e) }
            result.cellsRead = cells.reduce(0, +)
            var acc = [SampleAccumulator](repeating: SampleAccumulator(), count: n)
            for p in partials { for (item, a) in p { acc[Int(item)].merge(a) } }
            for k in 0..<n { result.ground[k] = acc[k].value(statistic) }
        }
        if let shift {
            let idx = (0..<n).filter { result.ground[$0] != nil }
            var pts = idx.map { SIMD3(points[$0].x, points[$0].y, result.ground[$0]!) }
            try shift.apply(&pts)
            for (k, i) in idx.enumerated() { result.ground[i] = pts[k].z }
            result.vertical = shift.summary
        }
        result.missing = result.ground.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        return result
    }
}

/// Orthometric → ellipsoidal heights through PROJ: either the best instantiable grid-based operation from a compound
/// CRS to WGS 84 (EPSG:4979), or a named geoid grid (`vgridshift`, after the horizontal CRS → EPSG:4326).
/// A missing grid is an error naming it (PROJ's `proj_coordoperation_get_grid_used`), never a silent ballpark
/// operation that leaves the heights unchanged.
final class VerticalShift {
    private let ctx: OpaquePointer
    private let op: OpaquePointer
    private let toLonLat: ProjTransformer?
    let summary: String

    deinit { proj_destroy(op); proj_context_destroy(ctx) }

    /// Heights in the vertical datum of `compoundWKT` → WGS 84 ellipsoidal.
    init(compoundWKT: String, name: String) throws {
        guard let c = proj_context_create() else { throw DEMError.badCRS(name, message: "cannot create a PROJ context") }
        proj_log_level(c, PJ_LOG_NONE)
        var chosen: OpaquePointer? = nil
        var missing: [String] = [], urls: [String] = []
        var opName = ""
        defer { if chosen == nil { proj_context_destroy(c) } }
        guard let src = proj_create(c, compoundWKT), let dst = proj_create(c, "EPSG:4979") else {
            throw DEMError.badCRS(name, message: "PROJ cannot read it")
        }
        defer { proj_destroy(src); proj_destroy(dst) }
        guard let f = proj_create_operation_factory_context(c, nil) else { throw DEMError.noVerticalTransformation(vertical: name) }
        defer { proj_operation_factory_context_destroy(f) }
        proj_operation_factory_context_set_grid_availability_use(c, f, PROJ_GRID_AVAILABILITY_IGNORED)
        proj_operation_factory_context_set_spatial_criterion(c, f, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION)
        if let list = proj_create_operations(c, src, dst, f) {
            defer { proj_list_destroy(list) }
            for k in 0..<proj_list_get_count(list) {
                guard let o = proj_list_get(c, list, k) else { continue }
                let grids = proj_coordoperation_get_grid_used_count(c, o)
                if grids > 0 && proj_coordoperation_is_instantiable(c, o) != 0 && chosen == nil {
                    chosen = o
                    opName = proj_get_name(o).map { String(cString: $0) } ?? "PROJ operation"
                    continue
                }
                if grids > 0 && chosen == nil {
                    for g in 0..<grids {
                        var short: UnsafePointer<CChar>? = nil, full: UnsafePointer<CChar>? = nil, pkg: UnsafePointer<CChar>? = nil
                        var url: UnsafePointer<CChar>? = nil
                        var direct: Int32 = 0, open: Int32 = 0, avail: Int32 = 0
                        if proj_coordoperation_get_grid_used(c, o, g, &short, &full, &pkg, &url, &direct, &open, &avail) != 0, avail == 0,
                           let s = short.map({ String(cString: $0) }), !missing.contains(s) {
                            missing.append(s); urls.append(url.map { String(cString: $0) } ?? "")
                        }
                    }
                }
                proj_destroy(o)
            }
        }
        guard let chosen else {
            if !missing.isEmpty { throw DEMError.missingGrid(grids: missing, urls: urls, vertical: name) }
            throw DEMError.noVerticalTransformation(vertical: name)
        }
        guard let norm = proj_normalize_for_visualization(c, chosen) else { proj_destroy(chosen); throw DEMError.noVerticalTransformation(vertical: name) }
        proj_destroy(chosen)
        ctx = c; op = norm; toLonLat = nil
        summary = "orthometric (\(name)) → ellipsoidal by \(opName)"
    }

    /// Heights above the geoid of grid `geoid` → ellipsoidal (h = H + N); coordinates in `horizontalWKT`.
    init(geoid: String, horizontalWKT: String) throws {
        guard let c = proj_context_create() else { throw DEMError.badCRS("geoid", message: "cannot create a PROJ context") }
        proj_log_level(c, PJ_LOG_NONE)
        let def = "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=vgridshift +grids=\(geoid) +multiplier=1 +step +proj=unitconvert +xy_in=rad +xy_out=deg"
        guard let o = proj_create(c, def) else {
            proj_context_destroy(c)
            throw DEMError.missingGrid(grids: [geoid], urls: [""], vertical: "geoid grid \(geoid)")
        }
        if proj_coordoperation_is_instantiable(c, o) == 0 {
            proj_destroy(o); proj_context_destroy(c)
            throw DEMError.missingGrid(grids: [geoid], urls: [""], vertical: "geoid grid \(geoid)")
        }
        ctx = c; op = o
        toLonLat = try ProjTransformer(from: horizontalWKT, to: "EPSG:4326")
        summary = "orthometric → ellipsoidal by the geoid grid \(geoid)"
    }

    /// Replaces z (orthometric) by the ellipsoidal height at (x, y) in the DEM's CRS.
    func apply(_ pts: inout [SIMD3<Double>]) throws {
        guard !pts.isEmpty else { return }
        var q = pts
        if let t = toLonLat {
            var xs = q.map(\.x), ys = q.map(\.y)
            try t.transform(&xs, &ys)
            for i in q.indices { q[i].x = xs[i]; q[i].y = ys[i] }
        }
        proj_errno_reset(op)
        let stride = MemoryLayout<SIMD3<Double>>.stride
        let n = q.count
        q.withUnsafeMutableBytes { b in
            let base = b.baseAddress!.assumingMemoryBound(to: Double.self)
            _ = proj_trans_generic(op, PJ_FWD, base, stride, n, base + 1, stride, n, base + 2, stride, n, nil, 0, 0)
        }
        if let bad = q.firstIndex(where: { !$0.z.isFinite }) {
            throw DEMError.read(path: "geoid", message: "cannot convert the height at (\(pts[bad].x), \(pts[bad].y)): outside the geoid grid?")
        }
        for i in pts.indices { pts[i].z = q[i].z }
    }
}
