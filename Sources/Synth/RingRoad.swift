import CityModel

/// The ring motorway (绕城高速): a wobbly ellipse around the centre, grade-separated (no junctions) and closed to walkers.
///
/// r(φ) = R·(1 + w·sin(3φ + ψ)) scaled by (ax, ay). `corridorClear` keeps buildings `margin` metres off it.
struct RingRoad: Sendable {
    let centre: Vec2
    let ax: Double, ay: Double
    let wobble: Double, phase: Double

    @inline(__always) func point(_ phi: Double) -> Vec2 {
        let f = 1 + wobble * sinApprox(3 * phi + phase)
        return centre + Vec2(ax * f * cosApprox(phi), ay * f * sinApprox(phi))
    }
    /// Normalised radius: < 1 inside the ring, > 1 outside (exact for the ellipse, close for the wobble).
    @inline(__always) func rho(_ p: Vec2) -> Double {
        let d = p - centre
        let phi = atan2Approx(d.y / ay, d.x / ax)
        let f = 1 + wobble * sinApprox(3 * phi + phase)
        let q = Vec2(d.x / ax, d.y / ay)
        return simdLength(q) / f
    }
    /// All points on one side of the ring and at least `margin` metres away from it.
    func clear(_ pts: [Vec2], margin: Double) -> Bool {
        let rmin = min(ax, ay) * (1 - wobble)
        var sign = 0.0
        for p in pts {
            let r = rho(p) - 1
            if abs(r) * rmin < margin { return false }
            let s: Double = r > 0 ? 1 : -1
            if sign == 0 { sign = s } else if s != sign { return false }
        }
        return true
    }
    /// The ring as `parts` polylines with about `step` metres between vertices; consecutive parts share end points.
    func arcs(parts: Int, step: Double) -> [[Vec2]] {
        let perimeter = 2 * Double.pi * max(ax, ay) * (1 + wobble)
        let perPart = max(4, Int((perimeter / Double(parts) / step).rounded(.up)))
        var out: [[Vec2]] = []
        for k in 0..<parts {
            var pts: [Vec2] = []
            for m in 0...perPart {
                let idx = k * perPart + m
                let phi = idx == parts * perPart ? 0 : 2 * Double.pi * Double(idx) / Double(parts * perPart)
                pts.append(point(phi))
            }
            out.append(pts)
        }
        return out
    }
}

/// atan2 without Foundation: octant reduction and a minimax-style series (|error| < 1e-7 rad, ample for zoning).
@inline(__always) func atan2Approx(_ y: Double, _ x: Double) -> Double {
    if x == 0 && y == 0 { return 0 }
    let ax = abs(x), ay = abs(y)
    let swap = ay > ax
    let z = swap ? ax / ay : ay / ax       // in [0, 1]
    // atan on [0,1] via argument halving: atan(z) = 2·atan(z / (1 + sqrt(1 + z²))).
    let h = z / (1 + (1 + z * z).squareRoot())
    let h2 = h * h
    // Same Horner shape as River's sine series on purpose: another series (atan, odd powers 1/k), each inline because Synth avoids Foundation.
    var s = -1.0 / 15
    s = s * h2 + 1.0 / 13
    s = s * h2 - 1.0 / 11
    s = s * h2 + 1.0 / 9
    s = s * h2 - 1.0 / 7
    s = s * h2 + 1.0 / 5
    s = s * h2 - 1.0 / 3
    s = s * h2 + 1
    var a = 2 * h * s
    if swap { a = Double.pi / 2 - a }
    if x < 0 { a = Double.pi - a }
    return y < 0 ? -a : a
}
