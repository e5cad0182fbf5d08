/// Exact coverage fractions: hand goldens, area conservation on random polygons with holes, brute-force clipping twin.
import Testing
@testable import GridCore

@Suite struct RasterizeCoverageTests {
    /// Triangle (0,0),(3,0),(0,3) on a 3×3 grid of unit cells (origin (0,3)): fractions by hand.
    @Test func triangleGolden() {
        let g = geom(0, 3, 1, 3, 3)
        let cov = Rasterizer.coverage(polygon: [[SIMD2(0.0, 0), SIMD2(3, 0), SIMD2(0, 3)]], geometry: g)
        // Row 2 (y 0..1): cells x 0..1, 1..2 full, 2..3 half. Row 1 (y 1..2): full, half, 0. Row 0: half, 0, 0.
        let expected: [[Double]] = [[0.5, 0, 0], [1, 0.5, 0], [1, 1, 0.5]]
        for r in 0..<3 { for c in 0..<3 { #expect(abs(cov.fraction(row: r, col: c) - expected[r][c]) < 1e-12) } }
        #expect(abs(cov.total - 4.5) < 1e-12)
    }

    /// A square offset by a quarter cell: corner cells 1/16, edge cells 1/4, the centre cell full.
    @Test func offsetSquareGolden() {
        let g = geom(0, 4, 1, 4, 4)
        let sq = [SIMD2(0.75, 0.75), SIMD2(0.75, 2.25), SIMD2(2.25, 2.25), SIMD2(2.25, 0.75)]  // clockwise
        let cov = Rasterizer.coverage(polygon: [sq], geometry: g)
        #expect(abs(cov.fraction(row: 3, col: 0) - 0.0625) < 1e-12)
        #expect(abs(cov.fraction(row: 2, col: 1) - 1.0) < 1e-12)
        #expect(abs(cov.fraction(row: 2, col: 0) - 0.25) < 1e-12)
        #expect(abs(cov.fraction(row: 1, col: 2) - 0.0625) < 1e-12)
        #expect(cov.fraction(row: 0, col: 0) == 0)
        #expect(abs(cov.total - 2.25) < 1e-12)
    }

    @Test func randomPolygonsWithHolesConserveArea() {
        var rng = SplitMix64(seed: 7)
        for t in 0..<300 {
            let d = [1.0, 0.37, 2.5, 10.0][t % 4]
            let g = geom(372000.5, 4842000.25, d, 64, 64)
            let c = SIMD2(g.minX + 32 * d, g.maxY - 32 * d)
            let poly = randomPolygon(center: c, radius: Double.random(in: 0.3...30, using: &rng) * d, holes: t % 5, rng: &rng)
            let cov = Rasterizer.coverage(polygon: poly, geometry: g)
            let area = polygonArea(poly)
            let got = cov.total * g.cellArea
            #expect(abs(got - area) <= 1e-9 * area, "case \(t): \(got) vs \(area)")
            #expect(cov.fractions.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    /// Each cell's fraction equals the area of polygon ∩ cell computed by Sutherland–Hodgman clipping of each ring.
    @Test func matchesPerCellClipping() {
        var rng = SplitMix64(seed: 99)
        for t in 0..<40 {
            let g = geom(10, 30, 1, 20, 20)
            let poly = randomPolygon(center: SIMD2(20, 20), radius: Double.random(in: 2...12, using: &rng), holes: t % 3, rng: &rng)
            let cov = Rasterizer.coverage(polygon: poly, geometry: g)
            var worst = 0.0
            for r in 0..<g.rows { for c in 0..<g.cols {
                let e = g.cellExtent(row: r, col: c)
                let a = ringArea(clip(poly[0], e)) - poly.dropFirst().reduce(0) { $0 + ringArea(clip($1, e)) }
                worst = max(worst, abs(a - cov.fraction(row: r, col: c)))
            } }
            #expect(worst < 1e-9, "case \(t): worst cell error \(worst)")
        }
    }

    @Test func partlyOutsideGridIsExactInside() {
        // A big square from (-5,-5) to (2.5, 2.5) over a 4×4 unit grid at origin (0,4).
        let g = geom(0, 4, 1, 4, 4)
        let cov = Rasterizer.coverage(polygon: [[SIMD2(-5.0, -5), SIMD2(2.5, -5), SIMD2(2.5, 2.5), SIMD2(-5, 2.5)]], geometry: g)
        #expect(abs(cov.fraction(row: 3, col: 0) - 1) < 1e-12)
        #expect(abs(cov.fraction(row: 1, col: 1) - 0.5) < 1e-12)
        #expect(abs(cov.fraction(row: 1, col: 2) - 0.25) < 1e-12)
        #expect(cov.fraction(row: 0, col: 3) == 0)
        #expect(abs(cov.total - 6.25) < 1e-12)
    }

    @Test func enclosingAndDegenerateInputs() {
        let g = geom(0, 4, 1, 4, 4)
        let big = Rasterizer.coverage(polygon: [[SIMD2(-100.0, -100), SIMD2(100, -100), SIMD2(100, 100), SIMD2(-100, 100)]], geometry: g)
        #expect(big.fractions.count == 16 && big.fractions.allSatisfy { abs($0 - 1) < 1e-12 })
        // A hole covering the grid leaves nothing.
        let holed = Rasterizer.coverage(polygon: [[SIMD2(-100.0, -100), SIMD2(100, -100), SIMD2(100, 100), SIMD2(-100, 100)],
                                                  [SIMD2(-50.0, -50), SIMD2(50, -50), SIMD2(50, 50), SIMD2(-50, 50)]], geometry: g)
        #expect(holed.fractions.allSatisfy { abs($0) < 1e-12 })
        // Degenerate rings and non-finite coordinates do not crash and cover nothing.
        #expect(Rasterizer.coverage(polygon: [], geometry: g).total == 0)
        #expect(Rasterizer.coverage(polygon: [[SIMD2(1.0, 1), SIMD2(2, 2)]], geometry: g).total == 0)
        #expect(Rasterizer.coverage(polygon: [[SIMD2(1.0, 1), SIMD2(.nan, 2), SIMD2(3, 1)]], geometry: g).total == 0)
        var grid = Grid<UInt8>(geometry: g)
        Rasterizer.burnCentre(polygon: [[SIMD2(1.0, 1), SIMD2(.nan, 2), SIMD2(3, 1)]], value: 1, into: &grid)
        Rasterizer.burnCentre(polygon: [[SIMD2(1.0, 1), SIMD2(.infinity, 2), SIMD2(3, 3)]], value: 1, into: &grid)
    }

    @Test func burnCoverageAddsAreas() {
        let g = geom(0, 4, 1, 4, 4)
        var grid = Grid<Double>(geometry: g)
        let tri = [[SIMD2(0.0, 0), SIMD2(3, 0), SIMD2(0, 3)]]
        Rasterizer.burnCoverage(polygons: [tri, tri], values: [1, 2], into: &grid)
        #expect(abs(grid.values.reduce(0, +) - 13.5) < 1e-12)
        #expect(abs(grid[3, 2] - 1.5) < 1e-12)
    }
}

/// Sutherland–Hodgman clip of a ring to an axis-aligned rectangle.
func clip(_ ring: [SIMD2<Double>], _ e: GridExtent) -> [SIMD2<Double>] {
    var pts = ring
    let planes: [(SIMD2<Double>) -> Double] = [{ $0.x - e.minX }, { e.maxX - $0.x }, { $0.y - e.minY }, { e.maxY - $0.y }]
    for f in planes {
        guard !pts.isEmpty else { break }
        var out: [SIMD2<Double>] = []
        for i in 0..<pts.count {
            let p = pts[i], q = pts[(i + 1) % pts.count]
            let fp = f(p), fq = f(q)
            if fp >= 0 { out.append(p) }
            if (fp >= 0) != (fq >= 0) { out.append(p + (q - p) * (fp / (fp - fq))) }
        }
        pts = out
    }
    return pts.count >= 3 ? pts : []
}
