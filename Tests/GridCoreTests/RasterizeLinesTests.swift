/// Line rasterization: supercover cells and length per cell against goldens and a brute-force clipping twin.
import Testing
@testable import GridCore

@Suite struct RasterizeLinesTests {
    @Test func diagonalGolden() {
        let g = geom(0, 3, 1, 3, 3)
        var len = Grid<Double>(geometry: g)
        Rasterizer.burnLineLength(lines: [[SIMD2(0.0, 0), SIMD2(3, 3)]], into: &len)
        for r in 0..<3 { for c in 0..<3 {
            let exp = (r + c == 2) ? 2.0.squareRoot() : 0
            #expect(abs(len[r, c] - exp) < 1e-12)
        } }
        let mask = Rasterizer.lineMask(lines: [[SIMD2(0.2, 0.5), SIMD2(2.7, 1.5)]], geometry: g)
        // y 0.5→1.5 over x 0.2→2.7 crosses y=1 at x=1.45: cells (row 2, col 0), (2,1), (1,1), (1,2).
        #expect(mask.values == [0, 0, 0, 0, 1, 1, 1, 1, 0])
    }

    @Test func alongBoundaryGoesBelowRight() {
        let g = geom(0, 3, 1, 3, 3)
        var len = Grid<Double>(geometry: g)
        Rasterizer.burnLineLength(lines: [[SIMD2(0.5, 2.0), SIMD2(2.5, 2.0)]], into: &len)  // on the row 0 / row 1 boundary
        #expect(abs(len[1, 0] - 0.5) < 1e-12 && abs(len[1, 1] - 1) < 1e-12 && abs(len[1, 2] - 0.5) < 1e-12)
        #expect(len[0, 1] == 0)
    }

    @Test func lengthsMatchClippingAndSum() {
        var rng = SplitMix64(seed: 5)
        for t in 0..<100 {
            let d = [1.0, 0.7, 3.0][t % 3]
            let g = geom(500.3, 900.1, d, 17, 23)
            let n = Int.random(in: 2...6, using: &rng)
            let line = (0..<n).map { _ in SIMD2(g.minX + Double.random(in: -2...25, using: &rng) * d,
                                                g.maxY - Double.random(in: -2...19, using: &rng) * d) }
            var len = Grid<Double>(geometry: g)
            Rasterizer.burnLineLength(lines: [line], into: &len)
            let mask = Rasterizer.lineMask(lines: [line], geometry: g)
            var total = 0.0
            for r in 0..<g.rows { for c in 0..<g.cols {
                let e = g.cellExtent(row: r, col: c)
                var ref = 0.0
                for i in 1..<line.count { ref += clippedLength(line[i - 1], line[i], e) }
                total += ref
                #expect(abs(len[r, c] - ref) < 1e-9 * d, "case \(t) cell (\(r),\(c)): \(len[r, c]) vs \(ref)")
                if ref > 1e-9 * d { #expect(mask[r, c] == 1) }
            } }
            #expect(abs(len.values.reduce(0, +) - total) < 1e-8 * d)
        }
    }
}

/// Length of segment a→b inside the closed rectangle e (Liang–Barsky).
func clippedLength(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ e: GridExtent) -> Double {
    let d = b - a
    var t0 = 0.0, t1 = 1.0
    for (p, q) in [(-d.x, a.x - e.minX), (d.x, e.maxX - a.x), (-d.y, a.y - e.minY), (d.y, e.maxY - a.y)] {
        if p == 0 { if q < 0 { return 0 }; continue }
        let r = q / p
        if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
    }
    return t1 > t0 ? (t1 - t0) * (d * d).sum().squareRoot() : 0
}
