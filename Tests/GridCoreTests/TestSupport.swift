/// Test helpers: a seeded SplitMix64 generator, random simple polygons with holes, brute-force geometry twins.
import GridCore

/// A star-shaped (hence simple) ring around `c` with radii in [rMin, rMax], `n` vertices, random orientation.
func starRing(_ c: SIMD2<Double>, rMin: Double, rMax: Double, n: Int, rng: inout SplitMix64) -> [SIMD2<Double>] {
    // Evenly spread angles with ±30 % jitter keep the ring star-shaped and its edges away from the centre.
    let gap = 2 * Double.pi / Double(n)
    let angles = (0..<n).map { Double($0) * gap + Double.random(in: -0.3...0.3, using: &rng) * gap }
    var ring = angles.map { a -> SIMD2<Double> in
        let r = Double.random(in: rMin...rMax, using: &rng)
        return c + SIMD2(r * cos(a), r * sin(a))
    }
    if Bool.random(using: &rng) { ring.reverse() }
    return ring
}

/// A random polygon: star exterior around `c`, plus up to `holes` small square-ish holes inside the inner radius.
func randomPolygon(center c: SIMD2<Double>, radius: Double, holes: Int, rng: inout SplitMix64) -> [[SIMD2<Double>]] {
    var rings = [starRing(c, rMin: radius * 0.55, rMax: radius, n: Int.random(in: 8...16, using: &rng), rng: &rng)]
    // Holes: disjoint small stars placed on a circle of radius 0.3·radius.
    for h in 0..<holes {
        let a = Double(h) * 2 * .pi / Double(max(holes, 1))
        let hc = c + SIMD2(cos(a), sin(a)) * radius * 0.25
        rings.append(starRing(hc, rMin: radius * 0.04, rMax: radius * 0.1, n: Int.random(in: 3...8, using: &rng), rng: &rng))
    }
    return rings
}

func ringArea(_ r: [SIMD2<Double>]) -> Double {
    guard let o = r.first else { return 0 }
    var s = 0.0  // relative to the first point: large projected coordinates would cancel catastrophically
    for i in 0..<r.count { let p = r[i] - o, q = r[(i + 1) % r.count] - o; s += p.x * q.y - q.x * p.y }
    return abs(s) / 2
}

func polygonArea(_ rings: [[SIMD2<Double>]]) -> Double {
    guard let e = rings.first else { return 0 }
    return ringArea(e) - rings.dropFirst().reduce(0) { $0 + ringArea($1) }
}

/// Even-odd point in polygon (crossing number) over all rings.
func insideEvenOdd(_ p: SIMD2<Double>, _ rings: [[SIMD2<Double>]]) -> Bool {
    var inside = false
    for r in rings {
        var j = r.count - 1
        for i in 0..<r.count {
            let a = r[i], b = r[j]
            if (a.y > p.y) != (b.y > p.y) {
                let x = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                if p.x < x { inside.toggle() }
            }
            j = i
        }
    }
    return inside
}

func cos(_ x: Double) -> Double { _cos(x) }
func sin(_ x: Double) -> Double { _sin(x) }
/// sin/cos without Foundation: Taylor series after range reduction (ample precision for test geometry).
private func _sin(_ x0: Double) -> Double {
    var x = x0.truncatingRemainder(dividingBy: 2 * .pi)
    if x > .pi { x -= 2 * .pi } else if x < -.pi { x += 2 * .pi }
    var term = x, sum = x
    for k in 1..<20 { term *= -x * x / Double((2 * k) * (2 * k + 1)); sum += term }
    return sum
}
private func _cos(_ x: Double) -> Double { _sin(x + .pi / 2) }

func geom(_ minX: Double, _ maxY: Double, _ d: Double, _ rows: Int, _ cols: Int) -> GridGeometry {
    try! GridGeometry(minX: minX, maxY: maxY, dx: d, dy: d, rows: rows, cols: cols)
}
