/// Seeded random maximal-covering instances in the plane, for the brute-force twin (PlanningTests) and the integer
/// program cross-check (scripts/check_plan_optimum.py reads them through `cimbase-bench plan-instances`).
public enum RandomInstances {
    /// SplitMix64 (Steele, Lea & Flood 2014): the same seed gives the same instances on every platform. Its own copy
    /// (as TestSupport's and Synth's): Planning is a pure product module that can use neither the test-support module
    /// nor, for ten lines, the synthetic-city generator.
    public struct Generator: RandomNumberGenerator, Sendable {
        var state: UInt64
        /// A generator started at `seed`.
        public init(seed: UInt64) { state = seed }
        /// The next 64 random bits.
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// One instance: `points` demand points (integer weights 1…50) and `candidates` sites uniform in a 1 km square; a
    /// site covers the points within `radius` m; points within `radius` of one of `existing` facilities are already
    /// covered (their weight is in `baseCovered`, they are not demand points).
    public static func planar(seed: UInt64, points: Int, candidates: Int, existing: Int, radius: Double) -> CoverageProblem {
        var g = Generator(seed: seed)
        func pt() -> SIMD2<Double> { SIMD2(g.unit() * 1000, g.unit() * 1000) }
        let pts = (0 ..< points).map { _ in pt() }
        let w = (0 ..< points).map { _ in Double(1 + Int(g.unit() * 50)) }
        let ex = (0 ..< existing).map { _ in pt() }
        let cands = (0 ..< candidates).map { _ in pt() }
        let r2 = radius * radius
        var demand: [Int] = [], base = 0.0
        for i in 0 ..< points {
            if ex.contains(where: { let d = $0 - pts[i]; return (d * d).sum() <= r2 }) { base += w[i] } else { demand.append(i) }
        }
        let sets: [[Int32]] = cands.map { c in
            demand.indices.filter { let d = pts[demand[$0]] - c; return (d * d).sum() <= r2 }.map { Int32($0) }
        }
        return CoverageProblem(weights: demand.map { w[$0] }, sets: sets, positions: cands, baseCovered: base,
                               totalWeight: w.reduce(0, +))
    }

    /// The instance set of the cross-checks: `count` instances from `seed`, 20…300 points, 8…`maxCandidates`
    /// candidates, 0…3 existing facilities, radius 120…260 m, and k = 2…6 sites.
    public static func suite(seed: UInt64, count: Int, maxCandidates: Int = 40) -> [(problem: CoverageProblem, k: Int)] {
        var g = Generator(seed: seed)
        return (0 ..< count).map { _ in
            let s = g.next()
            let pts = 20 + Int(g.unit() * 281)
            let nc = 8 + Int(g.unit() * Double(max(1, maxCandidates - 7)))
            let ex = Int(g.unit() * 4)
            let r = 120 + g.unit() * 140
            let k = 2 + Int(g.unit() * 5)
            return (planar(seed: s, points: pts, candidates: min(nc, maxCandidates), existing: ex, radius: r), k)
        }
    }

    /// A capacity for an instance: `factor` × the demand weight per site (Σ weights / k), rounded, at least 1.
    public static func capacity(_ p: CoverageProblem, k: Int, factor: Double) -> Double {
        max(1, (factor * p.weights.reduce(0, +) / Double(max(1, k))).rounded())
    }

    /// Instances and Swift results as JSON for the integer-program script: per instance the weights, the rows, k,
    /// the base and total weights, and the greedy + swap objective and sites.
    /// `options(n, problem, k)`: the options of instance n.
    public static func json(_ suite: [(problem: CoverageProblem, k: Int)], options: (Int, CoverageProblem, Int) -> PlanOptions) -> String {
        func num(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }
        var out = "{\"instances\": [\n"
        for (n, (p, k)) in suite.enumerated() {
            let o = options(n, p, k)
            let s = MaximalCovering.solve(p, o)
            let rows = (0 ..< p.candidateCount).map { "[" + p.row($0).map { String($0) }.joined(separator: ",") + "]" }
            out += "{\"k\": \(k), \"base_covered\": \(num(p.baseCovered)), \"total_weight\": \(num(p.totalWeight)),"
            out += " \"capacity\": " + (o.capacity.map(num) ?? "null") + ","
            out += " \"weights\": [" + p.weights.map(num).joined(separator: ",") + "],"
            out += " \"rows\": [" + rows.joined(separator: ",") + "],"
            out += " \"swift_objective\": \(num(s.objective)), \"swift_sites\": [" + s.sites.map { String($0) }.joined(separator: ",") + "],"
            out += " \"swift_swaps\": \(s.swaps)}"
            out += n + 1 < suite.count ? ",\n" : "\n"
        }
        return out + "]}\n"
    }
}
