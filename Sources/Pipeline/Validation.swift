import CityModel
import Dispatch
import Foundation
import GeoBridge

/// Geometry checks of ingest. Reasons are short sentences that go to the `rejects` layer.
struct GeometryValidator {
    let geos = GEOSContext()
    let repair: Bool
    private(set) var repaired = 0

    init(repair: Bool) { self.repair = repair }

    enum Outcome<T> { case ok(T, repaired: Bool), reject(String) }

    /// Drops repeated consecutive points of an open ring.
    static func cleanRing(_ r: [Vec2]) -> [Vec2] {
        var out: [Vec2] = []
        out.reserveCapacity(r.count)
        for p in r where out.last != p { out.append(p) }
        while out.count > 1, out.first == out.last { out.removeLast() }
        return out
    }

    /// At least 3 distinct points, not all on one line (a bow-tie has zero signed area but is repairable).
    static func hasArea(_ r: [Vec2]) -> Bool {
        guard r.count >= 3 else { return false }
        let o = r[0]
        var scale = 0.0
        for p in r { scale = max(scale, abs(p.x - o.x), abs(p.y - o.y)) }
        guard scale > 0 else { return false }
        for i in 1..<(r.count - 1) {
            let a = r[i] - o, b = r[i + 1] - o
            if abs(a.x * b.y - a.y * b.x) > 1e-12 * scale * scale { return true }
        }
        return false
    }

    static func basicCheck(_ g: Geometry?, _ raw: RawFeature) -> String? {
        if let e = raw.attrs["__error"]?.string { return e }
        guard let g else { return "no geometry" }
        if g.isEmpty { return "empty geometry" }
        if !g.isFinite { return "non-finite coordinate (NaN or infinity)" }
        return nil
    }

    /// A valid (multi)polygon or the reason it cannot be used.
    mutating func polygonal(_ g: Geometry?, _ raw: RawFeature) -> Outcome<MultiPolygon> {
        if let r = Self.basicCheck(g, raw) { return .reject(r) }
        let mp = g!.polygons
        if mp.polygons.isEmpty { return .reject("wrong geometry type \(g!.typeName) (expected Polygon or MultiPolygon)") }
        var cleaned: [Polygon] = []
        for p in mp.polygons {
            let ext = Self.cleanRing(p.exterior)
            guard Self.hasArea(ext) else { continue }
            let holes = p.holes.map(Self.cleanRing).filter(Self.hasArea)
            cleaned.append(Polygon(exterior: ext, holes: holes))
        }
        if cleaned.isEmpty { return .reject("degenerate polygon (fewer than 3 distinct points or zero area)") }
        let candidate = MultiPolygon(cleaned)
        do {
            let gg = try geos.read(.multiPolygon(candidate))
            let (valid, reason) = try geos.validity(gg)
            if valid { return .ok(MultiPolygon(cleaned.map { $0.normalized() }), repaired: false) }
            guard repair else { return .reject("invalid polygon: \(reason)") }
            let fixed = try geos.makeValid(gg).geometry().polygons
            let area = fixed.area
            if fixed.polygons.isEmpty || !(area > 0) { return .reject("invalid polygon (\(reason)); MakeValid left no area") }
            repaired += 1
            return .ok(MultiPolygon(fixed.polygons.map { $0.normalized() }), repaired: true)
        } catch {
            return .reject("geometry error: \(error)")
        }
    }

    /// Validates the polygons of many features on all cores (one validator, hence one GEOS context, per worker).
    static func validateAll(_ feats: [RawFeature], skip: [Bool], repair: Bool) -> [Outcome<MultiPolygon>?] {
        let n = feats.count
        let workers = n < 2_000 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        final class Box: @unchecked Sendable {
            var parts: [[Outcome<MultiPolygon>?]]
            let lock = NSLock()
            init(_ w: Int) { parts = Array(repeating: [], count: w) }
        }
        let box = Box(workers)
        nonisolated(unsafe) let input = feats
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var v = GeometryValidator(repair: repair)
            let lo = n * w / workers, hi = n * (w + 1) / workers
            var local: [Outcome<MultiPolygon>?] = []
            local.reserveCapacity(hi - lo)
            for i in lo..<hi { local.append(skip[i] ? nil : v.polygonal(input[i].geometry, input[i])) }
            box.lock.lock(); box.parts[w] = local; box.lock.unlock()
        }
        return box.parts.flatMap { $0 }
    }

    /// Line parts with at least 2 distinct points, or the reason none is usable.
    func linear(_ g: Geometry?, _ raw: RawFeature) -> Outcome<[LineString]> {
        if let r = Self.basicCheck(g, raw) { return .reject(r) }
        var lines = g!.lines
        if lines.isEmpty { return .reject("wrong geometry type \(g!.typeName) (expected LineString)") }
        lines = lines.map { l in
            var out: [Vec2] = []
            for p in l.points where out.last != p { out.append(p) }
            return LineString(out)
        }.filter { $0.points.count >= 2 && $0.length > 0 }
        if lines.isEmpty { return .reject("degenerate line (fewer than 2 distinct points)") }
        return .ok(lines, repaired: false)
    }
}

/// FNV-1a 64 over bytes: stable across runs (duplicate detection, checksums, input hashes).
struct FNV64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ bytes: [UInt8]) { for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 } }
    mutating func add(_ s: String) { add(Array(s.utf8)); add([0]) }
    mutating func add(_ d: Double) { withUnsafeBytes(of: d.bitPattern.littleEndian) { add(Array($0)) } }
    static func hash(_ bytes: [UInt8]) -> UInt64 { var h = FNV64(); h.add(bytes); return h.value }
    var hex: String { let s = String(value, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
}
