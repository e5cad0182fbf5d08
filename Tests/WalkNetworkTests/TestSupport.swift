@testable import WalkNetwork

func P(_ x: Double, _ y: Double) -> SIMD2<Double> { SIMD2(x, y) }

func dist(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { let d = a - b; return (d * d).sum().squareRoot() }

/// Full grid of `n × n` intersections at spacing `s`: one line per row and per column through every intersection.
func gridLines(n: Int, s: Double) -> [WalkLine] {
    var lines: [WalkLine] = []
    for j in 0 ..< n { lines.append(WalkLine(id: Int64(j), points: (0 ..< n).map { P(Double($0) * s, Double(j) * s) })) }
    for i in 0 ..< n { lines.append(WalkLine(id: Int64(1000 + i), points: (0 ..< n).map { P(Double(i) * s, Double($0) * s) })) }
    return lines
}
