import Planning
import Testing
import TestSupport
import WalkNetwork

@Suite struct CoverageRowsTests {
    /// A jittered street grid with some one-way streets and stairs, random origins and candidates.
    static func city(seed: UInt64, n: Int = 12) -> (WalkGraph, EdgeSegmentIndex, [EdgePosition], [EdgePosition]) {
        var rng = SplitMix64(seed: seed)
        var xy: [SIMD2<Double>] = []
        for y in 0 ..< n { for x in 0 ..< n { xy.append(SIMD2(Double(x) * 80 + rng.range(-10, 10), Double(y) * 80 + rng.range(-10, 10))) } }
        var lines: [WalkLine] = []
        for y in 0 ..< n { for x in 0 ..< n {
            let v = y * n + x
            if x + 1 < n { lines.append(WalkLine(id: Int64(lines.count), points: [xy[v], xy[v + 1]], oneWay: rng.unit() < 0.1, costFactor: rng.unit() < 0.1 ? 1.5 : 1)) }
            if y + 1 < n && rng.unit() < 0.85 { lines.append(WalkLine(id: Int64(lines.count), points: [xy[v], xy[v + n]])) }
        } }
        let g = try! WalkGraph(lines: lines)
        let idx = EdgeSegmentIndex(graph: g)
        let span = Double(n - 1) * 80
        let o = idx.snap((0 ..< 400).map { _ in SIMD2(rng.range(0, span), rng.range(0, span)) }).positions
        let c = idx.snap((0 ..< 30).map { _ in SIMD2(rng.range(0, span), rng.range(0, span)) }).positions
        return (g, idx, o, c)
    }

    /// Each row equals what the walk engine gives when the candidate is the only facility: the same origins within
    /// the threshold (Float test, as the coverage indicator does) and the same Float costs.
    @Test(arguments: [1, 2, 3] as [UInt64]) func rowsMatchTheWalkEngine(seed: UInt64) {
        let (g, _, origins, cands) = Self.city(seed: seed)
        let engine = WalkAccessEngine(graph: g)
        for (t, cutoff) in [(300.0, 1000.0), (250.0, 250.0)] {
            let rows = CoverageRows.build(engine: engine, origins: origins, candidates: cands, threshold: t, cutoff: cutoff, threads: 2)
            for (c, pos) in cands.enumerated() {
                let d = engine.originDistances(categories: [FacilitySet(name: "x", positions: [pos], ids: [0])], origins: origins, cutoff: cutoff)[0].distances
                let want = d.indices.filter { Double(d[$0]) <= t }.sorted { d[$0] != d[$1] ? d[$0] < d[$1] : $0 < $1 }
                let got = rows.items[rows.start[c] ..< rows.start[c + 1]].map { Int($0) }
                #expect(got == want, "candidate \(c), threshold \(t)")
                #expect(Array(rows.cost[rows.start[c] ..< rows.start[c + 1]]) == want.map { d[$0] })
            }
            #expect(rows.items.count > 100)
        }
    }

    /// The multi-source distance with existing facilities plus chosen candidates is the minimum of the parts, so
    /// coverage predicted from the rows equals the engine's coverage with the sites added as facilities.
    @Test func predictedCoverageEqualsEngineCoverage() {
        let (g, _, origins, cands) = Self.city(seed: 9)
        let engine = WalkAccessEngine(graph: g)
        let existing = Array(cands.prefix(3)), pool = Array(cands.dropFirst(3))
        let t = 300.0, cutoff = 1000.0
        let base = engine.originDistances(categories: [FacilitySet(name: "e", positions: existing, ids: [1, 2, 3])], origins: origins, cutoff: cutoff)[0].distances
        let demand = origins.indices.filter { !(Double(base[$0]) <= t) }
        let rows = CoverageRows.build(engine: engine, origins: demand.map { origins[$0] }, candidates: pool, threshold: t, cutoff: cutoff)
        let w = (0 ..< origins.count).map { Double(1 + $0 % 7) }
        let covered0 = origins.indices.filter { Double(base[$0]) <= t }.reduce(0.0) { $0 + w[$1] }
        let p = CoverageProblem(weights: demand.map { w[$0] }, start: rows.start, items: rows.items, itemCost: rows.cost,
                                positions: pool.map { _ in SIMD2(0, 0) }, baseCovered: covered0, totalWeight: w.reduce(0, +))
        let s = MaximalCovering.solve(p, PlanOptions(maxSites: 4))
        #expect(s.sites.count == 4)
        let all = existing + s.sites.map { pool[$0] }
        let after = engine.originDistances(categories: [FacilitySet(name: "a", positions: all, ids: all.indices.map { Int64($0) })], origins: origins, cutoff: cutoff)[0].distances
        let coveredAfter = origins.indices.filter { Double(after[$0]) <= t }.reduce(0.0) { $0 + w[$1] }
        #expect(abs(coveredAfter - s.coveredAfter.last!) < 1e-9)
        #expect(coveredAfter > covered0)
    }
}
