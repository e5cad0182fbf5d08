import TestSupport
import CityModel

/// Brute-force geometry predicates for the tests (independent of the generator's code).
enum Check {
    /// Orientation of c relative to a→b: > 0 left, < 0 right, 0 collinear.
    static func orient(_ a: Vec2, _ b: Vec2, _ c: Vec2) -> Double {
        (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
    }
    static func onSegment(_ a: Vec2, _ b: Vec2, _ p: Vec2) -> Bool {
        min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
    }
    /// Closed segments ab and cd share a point (proper crossing, touching or collinear overlap).
    static func segmentsIntersect(_ a: Vec2, _ b: Vec2, _ c: Vec2, _ d: Vec2) -> Bool {
        let d1 = orient(c, d, a), d2 = orient(c, d, b), d3 = orient(a, b, c), d4 = orient(a, b, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSegment(c, d, a) { return true }
        if d2 == 0 && onSegment(c, d, b) { return true }
        if d3 == 0 && onSegment(a, b, c) { return true }
        if d4 == 0 && onSegment(a, b, d) { return true }
        return false
    }
    /// Edges of all rings of a polygon as (ring, index, a, b).
    static func edges(_ p: Polygon) -> [(Int, Int, Vec2, Vec2)] {
        var out: [(Int, Int, Vec2, Vec2)] = []
        for (r, ring) in p.rings.enumerated() where ring.count >= 2 {
            for k in 0..<ring.count { out.append((r, k, ring[k], ring[(k + 1) % ring.count])) }
        }
        return out
    }
    /// A valid simple polygon in the OGC sense as far as these shapes need: every ring has ≥ 3 distinct vertices and
    /// non-zero area, no two edges meet except consecutive edges of one ring at their shared vertex, every hole lies
    /// inside the exterior and outside the other holes, exterior counter-clockwise and holes clockwise.
    static func validSimplePolygon(_ p: Polygon) -> Bool {
        guard let ext = p.rings.first, ext.count >= 3 else { return false }
        for r in p.rings {
            if r.count < 3 || abs(signedArea(r)) < 1e-6 { return false }
            for k in 0..<r.count where r[k] == r[(k + 1) % r.count] { return false }
        }
        if signedArea(ext) <= 0 { return false }
        for h in p.rings.dropFirst() where signedArea(h) >= 0 { return false }
        let es = edges(p)
        for x in 0..<es.count {
            for y in (x + 1)..<es.count {
                let (r1, k1, a, b) = es[x], (r2, k2, c, d) = es[y]
                if r1 == r2 {
                    let n = p.rings[r1].count
                    if k2 == k1 + 1 || (k1 == 0 && k2 == n - 1) { continue }   // adjacent edges share a vertex
                }
                if segmentsIntersect(a, b, c, d) { return false }
            }
        }
        let exterior = Polygon(exterior: ext)
        for (hi, h) in p.rings.dropFirst().enumerated() {
            for v in h where !exterior.contains(v) { return false }
            for (hj, g) in p.rings.dropFirst().enumerated() where hj != hi {
                if Polygon(exterior: g).contains(h[0]) { return false }
            }
        }
        return true
    }
    /// Two polygons share any point (edge contact or containment).
    static func polygonsTouch(_ p: Polygon, _ q: Polygon) -> Bool {
        let ep = edges(p), eq = edges(q)
        for (_, _, a, b) in ep { for (_, _, c, d) in eq where segmentsIntersect(a, b, c, d) { return true } }
        if let v = q.exterior.first, p.contains(v) { return true }
        if let v = p.exterior.first, q.contains(v) { return true }
        return false
    }
}

/// The tests' own random inputs: TestSupport's SplitMix64 (named apart from the generator's `Synth.SplitMix64`).
typealias TestRNG = TestSupport.SplitMix64
