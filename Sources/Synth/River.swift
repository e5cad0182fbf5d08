import CityModel

/// The river: a band around a smooth west–east centreline y = c(x) (two sines), crossed only at bridges.
///
/// The water is |y − c(x)| < width/2; the bank roads run at |y − c(x)| = width/2 + bankOffset (`bank(±1, x)`).
/// Everything between the two bank roads is the "river zone": only bridges enter it. Crossings of straight links
/// with a bank curve are found by sampling and bisection (60 halvings: exact to the last bit of the parameter).
struct River: Sendable {
    let x0: Double          // west end (city minX)
    let x1: Double          // east end
    let yc: Double          // mean centreline
    let a1: Double, l1: Double, p1: Double
    let a2: Double, l2: Double, p2: Double
    let width: Double
    let bankOffset: Double

    /// Centreline y at x.
    @inline(__always) func centre(_ x: Double) -> Double {
        let t = x - x0
        return yc + a1 * sinApprox(2 * Double.pi * t / l1 + p1) + a2 * sinApprox(2 * Double.pi * t / l2 + p2)
    }
    /// Bank road curve: side +1 north, −1 south.
    @inline(__always) func bank(_ side: Double, _ x: Double) -> Double { centre(x) + side * (width / 2 + bankOffset) }
    /// Signed offset of p from the centreline (positive north).
    @inline(__always) func offset(_ p: Vec2) -> Double { p.y - centre(p.x) }
    /// Inside the river zone (between the bank roads), widened by `margin`.
    @inline(__always) func inZone(_ p: Vec2, margin: Double = 0) -> Bool { abs(offset(p)) < width / 2 + bankOffset + margin }
    @inline(__always) func inWater(_ p: Vec2) -> Bool { abs(offset(p)) < width / 2 }

    /// True when the points are all on one side of the river and at least `margin` outside the river zone.
    func clear(_ pts: [Vec2], margin: Double) -> Bool {
        var sign = 0.0
        for p in pts {
            let o = offset(p)
            if abs(o) < width / 2 + bankOffset + margin { return false }
            let s: Double = o > 0 ? 1 : -1
            if sign == 0 { sign = s } else if s != sign { return false }
        }
        return true
    }

    /// Parameters t in (0, 1) where segment a→b crosses either bank curve, ascending, with the crossing points and bank side.
    func bankCrossings(_ a: Vec2, _ b: Vec2) -> [(t: Double, p: Vec2, side: Double)] {
        // Quick reject: both ends far on the same side.
        let oa = offset(a), ob = offset(b), reach = width / 2 + bankOffset
        let len = simdLength(b - a)
        if (oa > reach + len && ob > reach + len) || (oa < -reach - len && ob < -reach - len) { return [] }
        var out: [(t: Double, p: Vec2, side: Double)] = []
        let n = 16
        for side in [-1.0, 1.0] {
            func h(_ t: Double) -> Double { let p = a + t * (b - a); return p.y - bank(side, p.x) }
            var tPrev = 0.0, hPrev = h(0)
            for k in 1...n {
                let t = Double(k) / Double(n)
                let hv = h(t)
                if (hPrev < 0) != (hv < 0) {
                    var lo = tPrev, hi = t, hlo = hPrev
                    for _ in 0..<60 {
                        let mid = (lo + hi) / 2
                        let hm = h(mid)
                        if (hm < 0) == (hlo < 0) { lo = mid; hlo = hm } else { hi = mid }
                    }
                    let tc = (lo + hi) / 2
                    if tc > 1e-9 && tc < 1 - 1e-9 { out.append((tc, a + tc * (b - a), side)) }
                }
                tPrev = t; hPrev = hv
            }
        }
        out.sort { $0.t < $1.t }
        return out
    }

    /// The water polygon over [x0, x1], sampled every `step` metres (exterior counter-clockwise).
    func waterPolygon(step: Double = 20) -> Polygon {
        let n = max(2, Int(((x1 - x0) / step).rounded(.up)))
        var south: [Vec2] = [], north: [Vec2] = []
        south.reserveCapacity(n + 1); north.reserveCapacity(n + 1)
        for k in 0...n {
            let x = k == n ? x1 : x0 + Double(k) * (x1 - x0) / Double(n)
            let c = centre(x)
            south.append(Vec2(x, c - width / 2)); north.append(Vec2(x, c + width / 2))
        }
        return Polygon(exterior: south + north.reversed())
    }

    /// A strip between offsets `lo` and `hi` (same sign) over [xa, xb]: riverside green.
    func strip(from xa: Double, to xb: Double, lo: Double, hi: Double, step: Double = 20) -> Polygon {
        let n = max(2, Int(((xb - xa) / step).rounded(.up)))
        var inner: [Vec2] = [], outer: [Vec2] = []
        for k in 0...n {
            let x = k == n ? xb : xa + Double(k) * (xb - xa) / Double(n)
            let c = centre(x)
            inner.append(Vec2(x, c + lo)); outer.append(Vec2(x, c + hi))
        }
        let ring = inner + outer.reversed()
        return Polygon(exterior: signedArea(ring) > 0 ? ring : ring.reversed())
    }
}

/// sin, reduced to [−π, π] first; `Foundation`-free and bit-reproducible across runs on this platform.
@inline(__always) func sinApprox(_ x: Double) -> Double {
    // Reduction then the standard library's polynomial-free path is unavailable without Foundation; use a
    // 13th-order Taylor on [−π/2, π/2] after symmetry (|error| < 1e-9 over the range, ample for geometry).
    var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if r > Double.pi { r -= 2 * Double.pi } else if r < -Double.pi { r += 2 * Double.pi }
    if r > Double.pi / 2 { r = Double.pi - r } else if r < -Double.pi / 2 { r = -Double.pi - r }
    let r2 = r * r
    var s = 1.0 / 6227020800.0
    s = s * r2 - 1.0 / 39916800.0
    s = s * r2 + 1.0 / 362880.0
    s = s * r2 - 1.0 / 5040.0
    s = s * r2 + 1.0 / 120.0
    s = s * r2 - 1.0 / 6.0
    s = s * r2 + 1.0
    return r * s
}
@inline(__always) func cosApprox(_ x: Double) -> Double { sinApprox(x + Double.pi / 2) }
