import CityModel

/// One line of the arterial grid, gently curved: a coordinate as a function of the other,
/// c(s) = base + amp·sin(2π(s − origin)/lambda + phase). North–south lines give x(y), west–east lines y(x).
/// Slopes stay below 0.1 (|amp|·2π/lambda), and lattice lines are kept at least 8° off the axes, so every lattice line
/// crosses each grid line at most once (the crossing functions are monotone; see `Sector.clip`). The outer lines
/// (the study-area square) are straight (amp = 0).
struct BoundaryCurve: Sendable {
    let base: Double, amp: Double, lambda: Double, phase: Double, origin: Double
    @inline(__always) func at(_ s: Double) -> Double {
        amp == 0 ? base : base + amp * sinApprox(2 * Double.pi * (s - origin) / lambda + phase)
    }
}

extension CityLayout {
    /// Spacing of the sample vertices that draw a curved arterial (and the zone outlines along it).
    static let curveStep = 25.0

    /// Grid node where north–south line k meets west–east line m (fixed-point iteration; contraction ≤ 0.01).
    func gridNode(_ k: Int, _ m: Int) -> Vec2 {
        let v = vCurves[k], h = hCurves[m]
        var y = ys[m]
        for _ in 0..<40 { y = h.at(v.at(y)) }
        let x = v.at(y)
        return Vec2(x, h.at(x))
    }

    /// Where the bank road on `side` (±1) meets north–south line k (fixed-point iteration).
    func bankNode(_ k: Int, _ side: Double) -> Vec2 {
        let v = vCurves[k]
        var y = river.bank(side, xs[k])
        for _ in 0..<60 { y = river.bank(side, v.at(y)) }
        let x = v.at(y)
        return Vec2(x, river.bank(side, x))
    }

    /// Vertices of north–south line k from grid node (k, m0) to (k, m1): the nodes and the curve samples between them.
    func verticalChain(_ k: Int, _ m0: Int, _ m1: Int) -> [Vec2] {
        var out: [Vec2] = []
        for m in m0..<m1 {
            let a = gridNode(k, m), b = gridNode(k, m + 1)
            out.append(a)
            if vCurves[k].amp != 0 {
                var n = Int(((a.y - extent.minY) / CityLayout.curveStep).rounded(.down)) + 1
                while true {
                    let y = extent.minY + Double(n) * CityLayout.curveStep
                    if y >= b.y - 1 { break }
                    if y > a.y + 1 { out.append(Vec2(vCurves[k].at(y), y)) }
                    n += 1
                }
            }
        }
        out.append(gridNode(k, m1))
        return out
    }

    /// Vertices of west–east line m from grid node (k0, m) to (k1, m).
    func horizontalChain(_ m: Int, _ k0: Int, _ k1: Int) -> [Vec2] {
        var out: [Vec2] = []
        for k in k0..<k1 {
            let a = gridNode(k, m), b = gridNode(k + 1, m)
            out.append(a)
            if hCurves[m].amp != 0 {
                var n = Int(((a.x - extent.minX) / CityLayout.curveStep).rounded(.down)) + 1
                while true {
                    let x = extent.minX + Double(n) * CityLayout.curveStep
                    if x >= b.x - 1 { break }
                    if x > a.x + 1 { out.append(Vec2(x, hCurves[m].at(x))) }
                    n += 1
                }
            }
        }
        out.append(gridNode(k1, m))
        return out
    }

    /// Outline of the block of sectors columns c0...c1, rows r0...r1 (counter-clockwise): sub-districts and districts.
    /// Neighbouring outlines share their vertices exactly, so the zones tile the study area.
    func zoneRing(cols c: ClosedRange<Int>, rows r: ClosedRange<Int>) -> [Vec2] {
        let south = horizontalChain(r.lowerBound, c.lowerBound, c.upperBound + 1)
        let east = verticalChain(c.upperBound + 1, r.lowerBound, r.upperBound + 1)
        let north = horizontalChain(r.upperBound + 1, c.lowerBound, c.upperBound + 1)
        let west = verticalChain(c.lowerBound, r.lowerBound, r.upperBound + 1)
        return Array(south.dropLast()) + Array(east.dropLast()) + Array(north.reversed().dropLast()) + Array(west.reversed().dropLast())
    }
}
