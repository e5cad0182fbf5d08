/// Map algebra: SIMD kernels equal their scalar twins on random grids (odd sizes hit the tails), no-data handling.
import Testing
@testable import GridCore

@Suite struct MapAlgebraTests {
    func randomGrids(_ rng: inout SplitMix64, rows: Int, cols: Int, noData: Float? = nil) -> (Grid<Float>, Grid<Float>, Grid<UInt8>) {
        let g = geom(0, Double(rows), 1, rows, cols)
        var a = Grid<Float>(geometry: g, noData: noData), b = Grid<Float>(geometry: g), m = Grid<UInt8>(geometry: g)
        for r in 0..<rows { for c in 0..<cols {
            a[r, c] = Float(Int.random(in: -50...200, using: &rng)) / 4
            if let nd = noData, Int.random(in: 0..<10, using: &rng) == 0 { a[r, c] = nd }
            b[r, c] = Float(Int.random(in: 0...8, using: &rng)) / 8
            m[r, c] = [0, 1, 0, 7][Int.random(in: 0..<4, using: &rng)]
        } }
        return (a, b, m)
    }

    @Test func kernelsEqualScalarTwins() {
        var rng = SplitMix64(seed: 1)
        for t in 0..<24 {
            let nd: Float? = [nil, -9999, .nan][t % 3]
            let (a, b, m) = randomGrids(&rng, rows: Int.random(in: 1...37, using: &rng), cols: Int.random(in: 1...131, using: &rng), noData: nd)
            // Values are multiples of 1/32 with small magnitude: Float and Double sums are exact, so equality is exact.
            #expect(MapAlgebra.sum(a) == MapAlgebra.Scalar.sum(a))
            #expect(MapAlgebra.maskedSum(a, mask: m) == MapAlgebra.Scalar.maskedSum(a, mask: m))
            #expect(MapAlgebra.weightedSum(a, weights: b) == MapAlgebra.Scalar.weightedSum(a, weights: b))
            #expect(MapAlgebra.count(m) == MapAlgebra.Scalar.count(m))
            for op in [MapAlgebra.Comparison.less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual] {
                let th = MapAlgebra.threshold(a, op, 10)
                #expect(th == MapAlgebra.Scalar.threshold(a, op, 10))
                #expect(MapAlgebra.count(a, op, 10) == MapAlgebra.Scalar.count(th))
            }
            let mm = MapAlgebra.minMax(a), sm = MapAlgebra.Scalar.minMax(a)
            #expect(mm?.min == sm?.min && mm?.max == sm?.max)
            #expect(MapAlgebra.and(m, th(b)) == MapAlgebra.Scalar.and(m, th(b)))
            let o = MapAlgebra.or(m, th(b)), n = MapAlgebra.not(m)
            for i in 0..<m.count {
                let r = i / m.cols, c = i % m.cols
                #expect(o[r, c] == ((m[r, c] != 0 || b[r, c] > 0.5) ? 1 : 0))
                #expect(n[r, c] == (m[r, c] != 0 ? 0 : 1))
            }
            if let mean = MapAlgebra.maskedMean(a, mask: m) {
                var s = 0.0, k = 0
                for i in 0..<a.count where m[i / a.cols, i % a.cols] != 0 && !a.isNoData(a[i / a.cols, i % a.cols]) { s += Double(a[i / a.cols, i % a.cols]); k += 1 }
                #expect(abs(mean - s / Double(k)) < 1e-12)
            }
        }
    }

    func th(_ b: Grid<Float>) -> Grid<UInt8> { MapAlgebra.threshold(b, .greater, 0.5) }

    @Test func minimumMaximumWithNoData() {
        let g = geom(0, 1, 1, 1, 20)
        var a = Grid<Float>(geometry: g, noData: -1), b = Grid<Float>(geometry: g, noData: -1)
        for c in 0..<20 { a[0, c] = Float(c); b[0, c] = Float(19 - c) }
        a[0, 3] = -1; b[0, 17] = -1
        let lo = MapAlgebra.minimum(a, b), hi = MapAlgebra.maximum(a, b)
        #expect(lo[0, 0] == 0 && lo[0, 19] == 0 && lo[0, 3] == 16 && lo[0, 17] == 17)
        #expect(hi[0, 0] == 19 && hi[0, 3] == 16 && hi[0, 17] == 17)
    }

    @Test func countSaturatedByteCountersAndWeightNoData() {
        // Every byte set (any non-zero value) over several 255-step flushes of the per-lane byte counters, plus a tail.
        let n = 255 * 64 * 3 + 77
        let g = geom(0, 1, 1, 1, n)
        var m = Grid<UInt8>(geometry: g, repeating: 200)
        #expect(MapAlgebra.count(m) == n)
        m[0, 5] = 0; m[0, n - 1] = 0
        #expect(MapAlgebra.count(m) == n - 2 && MapAlgebra.Scalar.count(m) == n - 2)
        // Weighted sum with a no-data value on the weights only (the values grid has none).
        var rng = SplitMix64(seed: 9)
        let (a, _, _) = randomGrids(&rng, rows: 13, cols: 97)
        var w = Grid<Float>(geometry: a.geometry, noData: -1)
        for r in 0..<13 { for c in 0..<97 { w[r, c] = (r * 97 + c) % 11 == 0 ? -1 : Float((r + c) % 8) / 8 } }
        #expect(MapAlgebra.weightedSum(a, weights: w) == MapAlgebra.Scalar.weightedSum(a, weights: w))
    }

    @Test func largeSumDoesNotStall() {
        // 2^24 + 1000 ones: a plain Float accumulator would stop at 16777216.
        let n = (1 << 24) + 1000
        let g = geom(0, 1, 1, 1, n)
        let a = Grid<Float>(geometry: g, repeating: 1)
        #expect(MapAlgebra.sum(a) == Double(n))
    }
}
