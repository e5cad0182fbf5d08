/// Distance transform: exact equality with a brute-force minimum on random inputs, max distance and within masks.
import Testing
@testable import GridCore

@Suite struct DistanceTransformTests {
    func brute(_ s: Grid<UInt8>, _ r: Int, _ c: Int) -> Double {
        let g = s.geometry
        var best = Double.infinity
        for i in 0..<g.rows { for j in 0..<g.cols where s[i, j] != 0 {
            let a = Double(i - r) * g.dy, b = Double(j - c) * g.dx
            best = min(best, a * a + b * b)
        } }
        return best
    }

    func randomSources(_ g: GridGeometry, density: Double, _ rng: inout SplitMix64) -> Grid<UInt8> {
        var s = Grid<UInt8>(geometry: g)
        for r in 0..<g.rows { for c in 0..<g.cols where Double.random(in: 0..<1, using: &rng) < density { s[r, c] = 1 } }
        return s
    }

    @Test func equalsBruteForceExactly() throws {
        var rng = SplitMix64(seed: 2024)
        for t in 0..<60 {
            let (dx, dy): (Double, Double) = [(1, 1), (2, 3), (5, 5), (1, 4)][t % 4]
            let g = try GridGeometry(minX: 0, maxY: 100, dx: dx, dy: dy, rows: Int.random(in: 1...40, using: &rng),
                                     cols: Int.random(in: 1...40, using: &rng))
            let s = randomSources(g, density: [0.002, 0.02, 0.2, 0.0][t % 4 == 3 && t % 8 == 3 ? 3 : t % 3], &rng)
            let maxD: Double? = t % 2 == 0 ? nil : Double.random(in: 0...30, using: &rng)
            let d = s.distanceTransform(maxDistance: maxD)
            for r in 0..<g.rows { for c in 0..<g.cols {
                let b = brute(s, r, c)
                let exp: Float = (b <= (maxD.map { $0 * $0 } ?? .infinity)) ? Float(b.squareRoot()) : .infinity
                #expect(d[r, c] == exp, "case \(t) (\(r),\(c)): \(d[r, c]) vs \(exp)")
            } }
        }
    }

    @Test func bandedPassEqualsBruteForce() throws {
        // The fused banded pass (used for a finite max distance on tall grids) called directly with small bands, so
        // bands shorter than, equal to and longer than the look-behind/ahead all occur, against a brute-force minimum.
        var rng = SplitMix64(seed: 77)
        for t in 0..<48 {
            let (dx, dy): (Double, Double) = [(1, 1), (2, 3), (5, 5), (1, 4), (0.5, 0.25), (0.7, 0.3)][t % 6]
            let g = try GridGeometry(minX: 0, maxY: 100, dx: dx, dy: dy, rows: Int.random(in: 1...45, using: &rng),
                                     cols: Int.random(in: 1...30, using: &rng))
            let s = randomSources(g, density: [0.003, 0.03, 0.25][t % 3], &rng)
            let maxD = Double.random(in: 0...(t % 4 == 0 ? 40 : 8), using: &rng)
            let band = Int.random(in: 1...12, using: &rng)
            let integral = dx == dx.rounded() && dy == dy.rounded()
            var d = Grid<Float>(geometry: g, repeating: -7)
            d.withUnsafeMutableBufferPointer { o in
                s.withUnsafeBufferPointer { DistanceTransform.bandedPass($0, o, g, maxDistance: maxD, bandRows: band, integral: integral) }
            }
            let ref = s.distanceTransform()   // serial column pass, no max distance
            for r in 0..<g.rows { for c in 0..<g.cols {
                let b = brute(s, r, c)
                if integral {
                    let exp: Float = b <= maxD * maxD ? Float(b.squareRoot()) : .infinity
                    #expect(d[r, c] == exp, "case \(t) band \(band) (\(r),\(c)): \(d[r, c]) vs \(exp)")
                } else {
                    let exp: Float = b <= maxD * maxD ? ref[r, c] : .infinity
                    #expect(d[r, c] == exp, "case \(t) band \(band) (\(r),\(c)): \(d[r, c]) vs \(exp)")
                }
            } }
        }
        // The public entry point takes the banded pass on a grid tall enough for it, and agrees with brute force.
        let g = try GridGeometry(minX: 0, maxY: 300, dx: 1, dy: 1, rows: 300, cols: 20)
        #expect(DistanceTransform.bandRows(g, 5) == 32 && DistanceTransform.bandRows(g, nil) == nil && DistanceTransform.bandRows(g, 100) == nil)
        let s = randomSources(g, density: 0.01, &rng)
        let d = s.distanceTransform(maxDistance: 5)
        for r in 0..<g.rows { for c in 0..<g.cols {
            let b = brute(s, r, c)
            #expect(d[r, c] == (b <= 25 ? Float(b.squareRoot()) : .infinity))
        } }
    }

    @Test func nonIntegerCellSizeWithinRounding() throws {
        var rng = SplitMix64(seed: 3)
        let g = try GridGeometry(minX: 0, maxY: 10, dx: 0.7, dy: 0.3, rows: 30, cols: 25)
        let s = randomSources(g, density: 0.01, &rng)
        let d = s.distanceTransform()
        for r in 0..<g.rows { for c in 0..<g.cols {
            let b = Float(brute(s, r, c).squareRoot())
            #expect(abs(d[r, c] - b) <= 1e-6 * max(1, b))
        } }
    }

    @Test func withinMatchesBruteForce() {
        var rng = SplitMix64(seed: 11)
        for t in 0..<20 {
            let g = geom(0, 50, [1.0, 2.0][t % 2], 33, 29)
            let s = randomSources(g, density: 0.01, &rng)
            let D = Double.random(in: 0...12, using: &rng)
            let m = s.within(distance: D)
            for r in 0..<g.rows { for c in 0..<g.cols {
                #expect(m[r, c] == (brute(s, r, c) <= D * D ? 1 : 0))
            } }
        }
    }

    @Test func withinBoundaryAndFloatFallback() throws {
        // Distances landing exactly on the threshold with a cell size that is not a power of two.
        let g = try GridGeometry(minX: 0, maxY: 10, dx: 0.1, dy: 0.1, rows: 9, cols: 9)
        var s = Grid<UInt8>(geometry: g)
        s[4, 4] = 1
        for D in [0.3, 0.2, 0.1, 0.0, 0.29999, 0.4] {
            let m = s.within(distance: D)
            for r in 0..<9 { for c in 0..<9 {
                let a = Double(r - 4) * 0.1, b = Double(c - 4) * 0.1
                #expect(m[r, c] == (a * a + b * b <= D * D ? 1 : 0), "D \(D) (\(r),\(c))")
            } }
        }
        // A distance of more than 65 532 cells takes the Float column pass: everything is within.
        let big = geom(0, 3, 1, 3, 3)
        var one = Grid<UInt8>(geometry: big)
        one[0, 0] = 1
        #expect(one.within(distance: 1e6).values.allSatisfy { $0 == 1 })
        #expect(one.within(distance: 1.5).values == [1, 1, 0, 1, 1, 0, 0, 0, 0])
    }

    @Test func goldenSingleSource() {
        var s = Grid<UInt8>(geometry: geom(0, 5, 10, 5, 5))
        s[2, 2] = 1
        let d = s.distanceTransform()
        #expect(d[2, 2] == 0 && d[0, 2] == 20 && d[2, 4] == 20)
        #expect(d[0, 0] == Float((800.0).squareRoot()))
        let none = Grid<UInt8>(geometry: geom(0, 5, 1, 5, 5)).distanceTransform()
        #expect(none.values.allSatisfy { $0 == .infinity })
        #expect(s.within(distance: 10).values.reduce(0) { $0 + Int($1) } == 5)
        var reused = Grid<Float>(geometry: s.geometry, repeating: 7)
        DistanceTransform.euclidean(sources: s, maxDistance: 15, into: &reused)
        #expect(reused[2, 2] == 0 && reused[1, 2] == 10 && reused[0, 0] == .infinity && reused.noData == .infinity)
    }
}
