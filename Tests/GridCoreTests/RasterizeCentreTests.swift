/// Centre-sampling rasterization: cell-for-cell equality with gdal_rasterize (committed fixture) and a brute-force twin.
import Testing
@testable import GridCore

@Suite struct RasterizeCentreTests {
    @Test func matchesGDALRasterizeFixture() throws {
        #expect(gdalRasterizeCases.count >= 10)
        for c in gdalRasterizeCases {
            let rows = c.expected.count, cols = c.expected[0].count
            let g = try GridGeometry(geoTransform: c.geoTransform, rows: rows, cols: cols)
            let parts = c.parts.map { rings in
                rings.map { flat in stride(from: 0, to: flat.count, by: 2).map { SIMD2(flat[$0], flat[$0 + 1]) } }
            }
            var grid = Grid<UInt8>(geometry: g)
            Rasterizer.burnCentre(multiPolygon: parts, value: 1, into: &grid)
            var mismatches = 0
            for r in 0..<rows {
                let exp = Array(c.expected[r].utf8)
                for col in 0..<cols where grid[r, col] != (exp[col] == UInt8(ascii: "1") ? 1 : 0) { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(c.name): \(mismatches) cells differ from gdal_rasterize")
        }
    }

    @Test func matchesBruteForcePointInPolygon() {
        var rng = SplitMix64(seed: 42)
        for t in 0..<200 {
            let d = [1.0, 0.5, 2.0, 0.3][t % 4]
            let g = geom(1000.123, 5000.77, d, 40, 37)
            let c = SIMD2(g.minX + Double.random(in: 0...Double(g.cols) * d, using: &rng),
                          g.maxY - Double.random(in: 0...Double(g.rows) * d, using: &rng))
            let poly = randomPolygon(center: c, radius: Double.random(in: 1...30, using: &rng) * d, holes: t % 4, rng: &rng)
            var grid = Grid<UInt8>(geometry: g)
            Rasterizer.burnCentre(polygon: poly, value: 1, into: &grid)
            var bad = 0
            for r in 0..<g.rows { for col in 0..<g.cols {
                let inside = insideEvenOdd(g.cellCentre(row: r, col: col), poly)
                if (grid[r, col] == 1) != inside { bad += 1 }
            } }
            #expect(bad == 0, "case \(t): \(bad) cells differ from point-in-polygon")
        }
    }

    @Test func addModeCountsOverlaps() {
        let g = geom(0, 10, 1, 10, 10)
        let sq = [[SIMD2(1.0, 1.0), SIMD2(6, 1), SIMD2(6, 6), SIMD2(1, 6)]]
        let sq2 = [[SIMD2(4.0, 4.0), SIMD2(9, 4), SIMD2(9, 9), SIMD2(4, 9)]]
        var grid = Grid<Int32>(geometry: g)
        Rasterizer.burnCentre(polygons: [sq, sq2], values: [1, 1], mode: .add, into: &grid)
        #expect(grid[5, 4] == 2)   // centre (4.5, 4.5): in both
        #expect(grid[8, 1] == 1)   // centre (1.5, 1.5)
        #expect(grid[0, 0] == 0)
        #expect(grid.values.reduce(0, +) == 50)
        var mx = Grid<Float>(geometry: g)
        Rasterizer.burnCentre(polygons: [sq, sq2], values: [3, 2], mode: .max, into: &mx)
        #expect(mx[5, 4] == 3 && mx[1, 8] == 2)
    }

    @Test func emptyAndOutside() {
        let g = geom(0, 10, 1, 10, 10)
        var grid = Grid<UInt8>(geometry: g)
        Rasterizer.burnCentre(polygon: [], value: 1, into: &grid)
        Rasterizer.burnCentre(polygon: [[SIMD2(20.0, 20), SIMD2(30, 20), SIMD2(30, 30)]], value: 1, into: &grid)
        Rasterizer.burnCentre(polygon: [[SIMD2(1.0, 1), SIMD2(2, 2)]], value: 1, into: &grid)
        #expect(grid.values.allSatisfy { $0 == 0 })
        // A polygon larger than the grid fills it.
        Rasterizer.burnCentre(polygon: [[SIMD2(-5.0, -5), SIMD2(15, -5), SIMD2(15, 15), SIMD2(-5, 15)]], value: 1, into: &grid)
        #expect(grid.values.allSatisfy { $0 == 1 })
    }
}
