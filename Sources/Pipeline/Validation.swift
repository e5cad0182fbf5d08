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
        if !g.allFinite { return "non-finite coordinate (NaN or infinity)" }
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
        // Most footprints are one small simple ring: proven valid here without the round trip through GEOS.
        if cleaned.count == 1, cleaned[0].rings.count == 1, Self.isClearlySimple(cleaned[0].exterior) {
            return .ok(MultiPolygon([cleaned[0].normalized()]), repaired: false)
        }
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

    /// True when the open ring (≥ 3 distinct points with area) is certainly simple: no two non-adjacent edges meet and
    /// no two adjacent edges fold back on each other, each decided with a margin of 1e-9 of the ring's size squared far
    /// above rounding. Such a ring is a valid polygon for GEOS too. Anything closer to degenerate, or a ring of more
    /// than 64 points, returns false and goes to GEOS. O(n²) for n ≤ 64.
    static func isClearlySimple(_ r: [Vec2]) -> Bool {
        let n = r.count
        guard n >= 3, n <= 64, hasArea(r) else { return false }
        let o = r[0]
        var scale = 0.0
        for p in r { scale = max(scale, abs(p.x - o.x), abs(p.y - o.y)) }
        let eps = 1e-9 * scale * scale
        @inline(__always) func orient(_ a: Vec2, _ b: Vec2, _ c: Vec2) -> Double {
            let u = b - a, v = c - a
            return u.x * v.y - u.y * v.x
        }
        return r.withUnsafeBufferPointer { q -> Bool in
            @inline(__always) func p(_ i: Int) -> Vec2 { q[i] - o }
            for i in 0..<n {
                let a = p(i), b = p((i + 1) % n)
                // Adjacent edge (b → c): must turn clearly, or go straight on (collinear, same direction).
                let c = p((i + 2) % n)
                let t = orient(a, b, c)
                if abs(t) <= eps {
                    let u = b - a, v = c - b
                    if (u * v).sum() <= 0 { return false }
                }
                let minX = min(a.x, b.x) - 1e-9 * scale, maxX = max(a.x, b.x) + 1e-9 * scale
                let minY = min(a.y, b.y) - 1e-9 * scale, maxY = max(a.y, b.y) + 1e-9 * scale
                var j = i + 2
                while j < n {
                    if i == 0 && j == n - 1 { break } // adjacent through the closing edge
                    let c = p(j), d = p((j + 1) % n)
                    j += 1
                    if max(c.x, d.x) < minX || min(c.x, d.x) > maxX || max(c.y, d.y) < minY || min(c.y, d.y) > maxY { continue }
                    let o1 = orient(a, b, c), o2 = orient(a, b, d)
                    if (o1 > eps && o2 > eps) || (o1 < -eps && o2 < -eps) { continue }
                    let o3 = orient(c, d, a), o4 = orient(c, d, b)
                    if (o3 > eps && o4 > eps) || (o3 < -eps && o4 < -eps) { continue }
                    return false
                }
            }
            return true
        }
    }

    /// Validates the polygons of many features on all cores (one validator, hence one GEOS context, per worker).
    /// `from`: only the features from this index on (`skip` and the result are for those).
    static func validateAll(_ feats: [RawFeature], from start: Int = 0, skip: [Bool], repair: Bool) -> [Outcome<MultiPolygon>?] {
        let n = feats.count - start
        let workers = n < 2_000 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        final class Box: @unchecked Sendable {
            var parts: [[Outcome<MultiPolygon>?]]
            let lock = NSLock()
            init(_ w: Int) { parts = Array(repeating: [], count: w) }
        }
        let box = Box(workers)
        let input = feats
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var v = GeometryValidator(repair: repair)
            let lo = n * w / workers, hi = n * (w + 1) / workers
            var local: [Outcome<MultiPolygon>?] = []
            local.reserveCapacity(hi - lo)
            for i in lo..<hi { local.append(skip[i] ? nil : v.polygonal(input[start + i].geometry, input[start + i])) }
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
    /// Mixes one 64-bit word (structure counts and coordinate bit patterns: no WKB is built for hashing).
    mutating func add(word w: UInt64) { value = (value ^ w) &* 0x100_0000_01b3; value ^= value >> 29 }
    mutating func add(points ps: [Vec2]) {
        add(word: UInt64(ps.count))
        for p in ps { add(word: p.x.bitPattern); add(word: p.y.bitPattern) }
    }
    /// Hash of a multipolygon's structure and coordinates (equal geometries, equal hashes).
    mutating func add(_ mp: MultiPolygon) {
        add(word: 6 << 32 | UInt64(mp.polygons.count))
        for p in mp.polygons { add(word: UInt64(p.rings.count)); for r in p.rings { add(points: r) } }
    }
    mutating func add(_ lines: [LineString]) {
        add(word: 5 << 32 | UInt64(lines.count))
        for l in lines { add(points: l.points) }
    }
    mutating func add(point p: Vec2) { add(word: 1 << 32); add(word: p.x.bitPattern); add(word: p.y.bitPattern) }
    var hex: String { let s = String(value, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
}
