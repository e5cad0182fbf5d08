@testable import WalkNetwork

/// SplitMix64 (Steele et al. 2014): small seeded RNG for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func P(_ x: Double, _ y: Double) -> SIMD2<Double> { SIMD2(x, y) }

func dist(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { let d = a - b; return (d * d).sum().squareRoot() }

/// Full grid of `n × n` intersections at spacing `s`: one line per row and per column through every intersection.
func gridLines(n: Int, s: Double) -> [WalkLine] {
    var lines: [WalkLine] = []
    for j in 0 ..< n { lines.append(WalkLine(id: Int64(j), points: (0 ..< n).map { P(Double($0) * s, Double(j) * s) })) }
    for i in 0 ..< n { lines.append(WalkLine(id: Int64(1000 + i), points: (0 ..< n).map { P(Double(i) * s, Double($0) * s) })) }
    return lines
}
