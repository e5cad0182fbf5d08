import Planning
import Testing
import TestSupport

/// The per-rank coverage numerators equal the coverage indicator's ordered sum (`num += w` over the covered origins in
/// origin order) bit for bit, on both paths: exact sums (integer weights) and eight ranks per pass (fractional ones).
@Suite struct CoverageCurveTests {
    /// The indicator's sum, rank by rank (O(origins × ranks)).
    static func naive(_ w: [Double], _ first: [Int32], ranks: Int) -> (num: [Double], den: Double) {
        var den = 0.0
        for x in w { den += x }
        let num = (0 ..< ranks).map { r -> Double in
            var s = 0.0
            for k in w.indices where first[k] <= Int32(r) { s += w[k] }
            return s
        }
        return (num, den)
    }

    static func instance(seed: UInt64, n: Int, ranks: Int, integer: Bool) -> ([Double], [Int32]) {
        var rng = SplitMix64(seed: seed)
        let w = (0 ..< n).map { _ -> Double in
            let x = rng.unit()
            if x < 0.05 { return 0 }
            return integer ? Double(Int(rng.unit() * 400)) : rng.unit() * 437.3 + 1e-3 * rng.unit()
        }
        let first = (0 ..< n).map { _ -> Int32 in
            let u = rng.unit()
            if u < 0.2 { return -1 }
            if u < 0.4 { return CoverageCurve.never }
            return Int32(rng.unit() * Double(ranks))
        }
        return (w, first)
    }

    @Test(arguments: [(1, 37, false), (2, 8, false), (3, 1, false), (4, 53, true), (5, 19, true)] as [(UInt64, Int, Bool)])
    func equalsTheOrderedSumBitForBit(seed: UInt64, ranks: Int, integer: Bool) {
        let (w, first) = Self.instance(seed: seed, n: 5_000, ranks: ranks, integer: integer)
        let got = CoverageCurve.numerators(weights: w, firstRank: first, ranks: ranks)
        let want = Self.naive(w, first, ranks: ranks)
        #expect(got.exact == integer)
        #expect(got.den.bitPattern == want.den.bitPattern)
        #expect(got.num.map(\.bitPattern) == want.num.map(\.bitPattern))
        // The shares as PlanStage reports them.
        for r in 0 ..< ranks { #expect(got.num[r] / got.den * 100 == want.num[r] / want.den * 100) }
    }

    /// Fractional weights whose order matters: a different summation order gives other bits, the curve does not.
    @Test func orderSensitiveWeights() {
        let w: [Double] = [1e16, 1, 1, 1, 1, 0.1, 0.2, 0.3]
        let first: [Int32] = [0, 1, 1, 2, 2, 3, 3, 3]
        let got = CoverageCurve.numerators(weights: w, firstRank: first, ranks: 4)
        #expect(!got.exact)
        #expect(got.num.map(\.bitPattern) == Self.naive(w, first, ranks: 4).num.map(\.bitPattern))
        #expect(CoverageCurve.exactlySummable([1, 2, 0.5, 0.25], total: 3.75))
        #expect(CoverageCurve.exactlySummable([0.1], total: 0.1))            // one addition: exact
        #expect(!CoverageCurve.exactlySummable([0.1, 0.2, 0.3], total: 0.6000000000000001))
        #expect(!CoverageCurve.exactlySummable([4e15, 4e15, 4e15], total: 1.2e16))
    }
}
