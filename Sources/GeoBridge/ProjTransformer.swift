import CPROJ

/// A coordinate operation between two CRSs through PROJ, with its own PROJ context (one per worker) and a log handler
/// that captures PROJ's messages, so errors carry the real reason rather than "Unknown error (code 2)".
/// Axis order is normalised for visualisation: x = easting / longitude, y = northing / latitude.
public final class ProjTransformer {
    private let ctx: OpaquePointer
    private let pj: OpaquePointer
    private let log: LogBox
    public let source: String
    public let target: String

    final class LogBox { var messages: [String] = [] }

    /// A new PROJ context whose error messages are collected in the returned box.
    private static func context() throws -> (OpaquePointer, LogBox) {
        guard let c = proj_context_create() else { throw GeoBridgeError.proj(function: "proj_context_create", code: 0, message: "cannot create context") }
        let box = LogBox()
        proj_log_func(c, Unmanaged.passUnretained(box).toOpaque()) { user, level, msg in
            guard let user, let msg else { return }
            Unmanaged<LogBox>.fromOpaque(user).takeUnretainedValue().messages.append(String(cString: msg))
        }
        proj_log_level(c, PJ_LOG_ERROR)
        return (c, box)
    }

    /// - Parameters: source and target: anything PROJ understands (`EPSG:4326`, WKT, PROJ strings).
    public init(from source: String, to target: String) throws {
        self.source = source; self.target = target
        let (c, box) = try Self.context()
        func failure(_ f: String) -> GeoBridgeError {
            let e = proj_context_errno(c)
            var m = box.messages.joined(separator: "; ")
            if m.isEmpty { m = proj_context_errno_string(c, e).map { String(cString: $0) } ?? "unknown error" }
            return .proj(function: f, code: e, message: m)
        }
        guard let raw = proj_create_crs_to_crs(c, source, target, nil) else {
            let err = failure("proj_create_crs_to_crs")
            proj_context_destroy(c)
            throw err
        }
        guard let norm = proj_normalize_for_visualization(c, raw) else {
            let err = failure("proj_normalize_for_visualization")
            proj_destroy(raw); proj_context_destroy(c)
            throw err
        }
        proj_destroy(raw)
        ctx = c; pj = norm; log = box
    }

    private init(ctx: OpaquePointer, pj: OpaquePointer, log: LogBox, source: String, target: String) {
        self.ctx = ctx; self.pj = pj; self.log = log; self.source = source; self.target = target
    }

    /// An independent copy with its own PROJ context, for another thread: much cheaper than `init`, which searches
    /// PROJ's database for the best operation (tens of milliseconds).
    public func clone() throws -> ProjTransformer {
        let (c, box) = try Self.context()
        guard let p = proj_clone(c, pj) else {
            proj_context_destroy(c)
            throw GeoBridgeError.proj(function: "proj_clone", code: 0, message: "cannot copy the transformation \(source) → \(target)")
        }
        return ProjTransformer(ctx: c, pj: p, log: box, source: source, target: target)
    }

    deinit { proj_destroy(pj); proj_context_destroy(ctx) }

    /// Transforms points in place (2D). Throws when any point cannot be transformed, naming the first one.
    public func transform(_ xs: inout [Double], _ ys: inout [Double]) throws {
        precondition(xs.count == ys.count)
        let n = xs.count
        if n == 0 { return }
        log.messages.removeAll()
        proj_errno_reset(pj)
        let stride = MemoryLayout<Double>.stride
        _ = xs.withUnsafeMutableBufferPointer { xb in
            ys.withUnsafeMutableBufferPointer { yb in
                proj_trans_generic(pj, PJ_FWD, xb.baseAddress, stride, n, yb.baseAddress, stride, n, nil, 0, 0, nil, 0, 0)
            }
        }
        if let bad = (0..<n).first(where: { !xs[$0].isFinite || !ys[$0].isFinite }) {
            let e = proj_errno(pj)
            var m = log.messages.joined(separator: "; ")
            if m.isEmpty { m = proj_context_errno_string(ctx, e).map { String(cString: $0) } ?? "point outside the CRS's domain" }
            throw GeoBridgeError.proj(function: "proj_trans_generic", code: e, message: "\(m) (point #\(bad))")
        }
    }

    /// Transforms points in place (2D) without throwing: a point that cannot be transformed becomes (inf, inf), so
    /// the caller can reject exactly the features it belongs to. Returns PROJ's last message (empty when none).
    @discardableResult
    public func transformAllowingFailures(_ xs: UnsafeMutableBufferPointer<Double>, _ ys: UnsafeMutableBufferPointer<Double>) -> String {
        precondition(xs.count == ys.count)
        let n = xs.count
        if n == 0 { return "" }
        log.messages.removeAll()
        proj_errno_reset(pj)
        let stride = MemoryLayout<Double>.stride
        _ = proj_trans_generic(pj, PJ_FWD, xs.baseAddress, stride, n, ys.baseAddress, stride, n, nil, 0, 0, nil, 0, 0)
        var failed = false
        for i in 0..<n where !xs[i].isFinite || !ys[i].isFinite { xs[i] = .infinity; ys[i] = .infinity; failed = true }
        guard failed else { return "" }
        let e = proj_errno(pj)
        let m = log.messages.last ?? proj_context_errno_string(ctx, e).map { String(cString: $0) } ?? ""
        return m.isEmpty ? "point outside the CRS's domain" : m
    }

    /// Transforms 3D points in place (x, y, z).
    public func transform(_ pts: inout [SIMD3<Double>]) throws {
        let n = pts.count
        if n == 0 { return }
        log.messages.removeAll()
        proj_errno_reset(pj)
        let stride = MemoryLayout<SIMD3<Double>>.stride
        pts.withUnsafeMutableBytes { b in
            let base = b.baseAddress!.assumingMemoryBound(to: Double.self)
            _ = proj_trans_generic(pj, PJ_FWD, base, stride, n, base + 1, stride, n, base + 2, stride, n, nil, 0, 0)
        }
        if let bad = pts.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            let e = proj_errno(pj)
            let m = log.messages.isEmpty ? (proj_context_errno_string(ctx, e).map { String(cString: $0) } ?? "transform failed") : log.messages.joined(separator: "; ")
            throw GeoBridgeError.proj(function: "proj_trans_generic", code: e, message: "\(m) (point #\(bad))")
        }
    }

    /// Transforms one point.
    public func transform(_ p: SIMD2<Double>) throws -> SIMD2<Double> {
        var x = [p.x], y = [p.y]
        try transform(&x, &y)
        return SIMD2(x[0], y[0])
    }
}
