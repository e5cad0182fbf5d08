/// Zonal statistics against a scalar reference; resampling preserves totals; grid geometry transforms and windows.
import Testing
@testable import GridCore

@Suite struct ZonalResampleTests {
    @Test func zoneGridEqualsScalarReference() {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<10 {
            let g = geom(0, 40, 1, 40, 53)
            var z = Grid<Int32>(geometry: g), v = Grid<Float>(geometry: g, noData: -9999), m = Grid<UInt8>(geometry: g)
            for r in 0..<g.rows { for c in 0..<g.cols {
                z[r, c] = Int32.random(in: -1...6, using: &rng)
                v[r, c] = Int.random(in: 0..<12, using: &rng) == 0 ? -9999 : Float(Int.random(in: 0...400, using: &rng)) / 8
                m[r, c] = UInt8.random(in: 0...1, using: &rng)
            } }
            let stats = ZonalStatistics.byZoneGrid(zones: z, values: v, mask: m)
            for id in Int32(0)...6 {
                var n = 0, s = 0.0, lo = Double.infinity, hi = -Double.infinity, cells = 0, cov = 0, covSum = 0.0
                for r in 0..<g.rows { for c in 0..<g.cols where z[r, c] == id {
                    cells += 1; if m[r, c] == 1 { cov += 1 }
                    if v[r, c] != -9999 { n += 1; let x = Double(v[r, c]); s += x; lo = min(lo, x); hi = max(hi, x); if m[r, c] == 1 { covSum += x } }
                } }
                let st = stats[id]
                #expect(st?.count == n && st?.sum == s && st?.min == lo && st?.max == hi && st?.coveredSum == covSum)
                #expect(st?.coveredShare == Double(cov) / Double(cells))
                #expect(st?.mean == s / Double(n))
            }
            #expect(stats[-1] == nil)
        }
    }

    @Test func polygonZonesWeightByCoverage() {
        let g = geom(0, 4, 1, 4, 4)
        var v = Grid<Float>(geometry: g)
        for r in 0..<4 { for c in 0..<4 { v[r, c] = Float(r * 4 + c) } }
        // Square (0.5,0.5)-(2.5,2.5): quarter cells at corners, halves on edges, a full centre cell (row 2, col 1).
        let sq: [[SIMD2<Double>]] = [[SIMD2(0.5, 0.5), SIMD2(2.5, 0.5), SIMD2(2.5, 2.5), SIMD2(0.5, 2.5)]]
        var m = Grid<UInt8>(geometry: g)
        m[2, 1] = 1
        let st = ZonalStatistics.byPolygons([[sq]], values: v, mask: m)[0]
        var ref = 0.0, w = 0.0
        for r in 1...3 { for c in 0...2 {
            let fx = c == 1 ? 1.0 : 0.5, fy = r == 2 ? 1.0 : 0.5
            ref += fx * fy * Double(r * 4 + c); w += fx * fy
        } }
        #expect(abs(st.sum - ref) < 1e-12 && abs(st.weight - 4) < 1e-12 && abs(w - 4) < 1e-12)
        #expect(st.count == 9 && st.min == 4 && st.max == 14)
        #expect(abs(st.coveredShare! - 0.25) < 1e-12)
        #expect(abs(st.coveredSum - 9) < 1e-12)
    }

    @Test func resamplePreservesTotals() throws {
        var rng = SplitMix64(seed: 8)
        for t in 0..<20 {
            let sdx = [100.0, 30.0, 7.0, 250.0][t % 4]
            let s = try GridGeometry(minX: 1000 + Double.random(in: 0...50, using: &rng), maxY: 5000 - Double.random(in: 0...50, using: &rng),
                                     dx: sdx, dy: sdx * [1.0, 1.5][t % 2], rows: 9, cols: 11)
            var src = Grid<Float>(geometry: s)
            for r in 0..<s.rows { for c in 0..<s.cols { src[r, c] = Float(Int.random(in: 0...1000, using: &rng)) } }
            // Target covers the source with a different cell size and offset.
            let tdx = [10.0, 47.0, 200.0, 13.3][(t / 4) % 4]
            let target = try GridGeometry(covering: GridExtent(minX: s.minX - 33, minY: s.minY - 21, maxX: s.maxX + 17, maxY: s.maxY + 5),
                                          dx: tdx, dy: tdx, snap: false)
            let out = Resample.areaWeighted(src, to: target)
            let a = MapAlgebra.Scalar.sum(src), b = MapAlgebra.Scalar.sum(out)
            #expect(abs(a - b) <= 1e-5 * a, "case \(t): \(a) vs \(b)")
        }
        // Aligned identity: same grid gives the same values.
        let g = geom(0, 10, 1, 10, 10)
        var src = Grid<Float>(geometry: g)
        src[3, 4] = 7
        #expect(Resample.areaWeighted(src, to: g) == src)
        // Halving: a 2×2 m cell of 8 spreads 2 into each 1 m cell.
        let coarse = geom(0, 2, 2, 1, 1)
        let one = try Grid<Float>(geometry: coarse, values: [8])
        #expect(Resample.areaWeighted(one, to: geom(0, 2, 1, 2, 2)).values == [2, 2, 2, 2])
    }

    @Test func geometryTransformsAndWindows() throws {
        let g = try GridGeometry(minX: 100, maxY: 200, dx: 2, dy: 5, rows: 20, cols: 50)
        #expect(g.geoTransform == [100, 2, 0, 200, 0, -5])
        #expect(try GridGeometry(geoTransform: g.geoTransform, rows: 20, cols: 50) == g)
        #expect(g.cellCentre(row: 0, col: 0) == SIMD2(101, 197.5))
        #expect(g.cell(containing: SIMD2(101, 197.5))! == (0, 0))
        #expect(g.cell(containing: SIMD2(199.9, 100.1))! == (19, 49))
        #expect(g.cell(containing: SIMD2(200, 150)) == nil)
        let sub = g.cropped(to: GridExtent(minX: 111, minY: 150, maxX: 121, maxY: 171))
        #expect(sub.minX == 110 && sub.maxY == 175 && sub.cols == 6 && sub.rows == 5)
        #expect(try g.window(of: sub) == GridWindow(rowOffset: 5, colOffset: 5, rows: 5, cols: 6))
        #expect(throws: GridError.misaligned) { try g.window(of: GridGeometry(minX: 100.5, maxY: 200, dx: 2, dy: 5, rows: 1, cols: 1)) }
        let snapped = try GridGeometry(covering: GridExtent(minX: 3.2, minY: -1.5, maxX: 17.1, maxY: 9.9), cellSize: 5)
        #expect(snapped.minX == 0 && snapped.maxY == 10 && snapped.cols == 4 && snapped.rows == 3)
        #expect(throws: GridError.self) { try GridGeometry(minX: 0, maxY: 0, dx: 0, dy: 1, rows: 1, cols: 1) }
        let gd = try GridGeometry(gdalExtent: GridExtent(minX: 0.2, minY: 0, maxX: 10.6, maxY: 4.4), dx: 1, dy: 1)
        #expect(gd.cols == 10 && gd.rows == 4 && gd.minX == 0.2 && gd.maxY == 4.4)
        var grid = Grid<UInt16>(geometry: g, repeating: 3, noData: 0)
        grid[2, 3] = 9
        let copy = grid
        grid[2, 3] = 10
        #expect(copy[2, 3] == 9 && grid[2, 3] == 10)
        let crop = grid.cropped(to: GridWindow(rowOffset: 2, colOffset: 3, rows: 2, cols: 2))
        #expect(crop.values == [10, 3, 3, 3] && crop.geometry.minX == 106)
        grid.withUnsafeBufferPointer { p in #expect(Int(bitPattern: p.baseAddress!) % 64 == 0) }
    }
}
