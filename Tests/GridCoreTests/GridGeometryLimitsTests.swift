import GridCore
import Testing

/// Values a user can type must give errors, never traps (issue 13): huge or non-finite extents and cell sizes, and
/// features far outside the grid.
@Suite struct GridGeometryLimitsTests {
    @Test func hugeShapesThrowInsteadOfTrapping() {
        let e = GridExtent(minX: 0, minY: 0, maxX: 1000, maxY: 1000)
        // 1e10 cells per side: beyond GDAL's 2^31 per side, and the Int product would overflow the byte count.
        #expect(throws: GridError.tooManyCells(rows: 1e10, cols: 1e10)) { try GridGeometry(gdalExtent: e, dx: 1e-7, dy: 1e-7) }
        #expect(throws: GridError.self) { try GridGeometry(covering: e, cellSize: 1e-300) }   // inf cells
        #expect(throws: GridError.self) { try GridGeometry(gdalExtent: GridExtent(minX: 0, minY: 0, maxX: .infinity, maxY: 10), dx: 1, dy: 1) }
        #expect(throws: GridError.self) { try GridGeometry(gdalExtent: GridExtent(minX: .nan, minY: 0, maxX: 1, maxY: 10), dx: 1, dy: 1) }
        #expect(throws: GridError.self) { try GridGeometry(minX: 0, maxY: 0, dx: 1, dy: 1, rows: Int.max / 2, cols: 4) }
        #expect(throws: GridError.self) { try GridGeometry(minX: .infinity, maxY: 0, dx: 1, dy: 1, rows: 2, cols: 2) }
        #expect(throws: GridError.self) { try GridGeometry(geoTransform: [.nan, 1, 0, 0, 0, -1], rows: 2, cols: 2) }
        #expect(throws: GridError.invalidCellSize(0, 1)) { try GridGeometry(gdalExtent: e, dx: 0, dy: 1) }
        // The message says how large.
        #expect("\(GridError.tooManyCells(rows: 1e9, cols: 2e18))".contains("1000000000 rows × 2e+18 columns"))
        // Still exact for ordinary grids.
        #expect((try? GridGeometry(gdalExtent: e, dx: 2.5, dy: 2.5))?.cellCount == 400 * 400)
    }

    @Test func farAwayQueriesDoNotTrap() throws {
        let g = try GridGeometry(minX: 0, maxY: 10, dx: 1, dy: 1, rows: 10, cols: 10)
        #expect(g.cell(containing: SIMD2(1e300, 5)) == nil)
        #expect(g.cell(containing: SIMD2(5, -1e300)) == nil)
        #expect(g.cell(containing: SIMD2(.nan, 5)) == nil)
        #expect(g.window(covering: GridExtent(minX: -1e300, minY: -1e300, maxX: 1e300, maxY: 1e300)) == GridWindow(rowOffset: 0, colOffset: 0, rows: 10, cols: 10))
        #expect(g.window(covering: GridExtent(minX: .nan, minY: 0, maxX: .infinity, maxY: 5)).cols == 10)
        let far = try GridGeometry(minX: 1e300, maxY: 10, dx: 1, dy: 1, rows: 2, cols: 2)
        #expect((try? g.window(of: far)) == nil || (try? g.window(of: far))!.isEmpty)
    }

    /// Polygons and lines with coordinates far outside the grid burn what lies inside and never trap.
    @Test func farAwayFeaturesBurnSafely() throws {
        let geo = try GridGeometry(minX: 0, maxY: 10, dx: 1, dy: 1, rows: 10, cols: 10)
        var g = Grid<UInt8>(geometry: geo)
        // A huge triangle whose corner is inside: covers the cells right of x = 5 in this grid.
        let tri: [[SIMD2<Double>]] = [[SIMD2(5, -1e300), SIMD2(1e300, -1e300), SIMD2(1e300, 1e300), SIMD2(5, 1e300)]]
        Rasterizer.burnCentre(polygon: tri, value: 1, into: &g)
        #expect(MapAlgebra.count(g) == 50)
        // A horizontal edge on a scanline running far to the left (the right-to-left tie rule).
        let flat: [[SIMD2<Double>]] = [[SIMD2(1e300, 9.5), SIMD2(-1e300, 9.5), SIMD2(-1e300, 20), SIMD2(1e300, 20)]]
        var h = Grid<UInt8>(geometry: geo)
        Rasterizer.burnCentre(polygon: flat, value: 1, into: &h)
        #expect(MapAlgebra.count(h) <= 10)
        var f = Grid<Float>(geometry: geo)
        Rasterizer.burnCoverage(multiPolygon: [tri], value: Float(1), into: &f)
        #expect(abs(MapAlgebra.sum(f) - 50) < 1e-3)
        // Lines a million cells long: cut to the grid first, lengths exact.
        var l = Grid<Float>(geometry: geo)
        Rasterizer.burnLineLength(lines: [[SIMD2(-1e6, 5.5), SIMD2(1e6, 5.5)], [SIMD2(2.5, 1e6), SIMD2(2.5, -1e6)]], into: &l)
        #expect(abs(MapAlgebra.sum(l) - 20) < 1e-6)
        var c = Grid<UInt8>(geometry: geo)
        Rasterizer.burnLineCells(lines: [[SIMD2(-1e6, 5.5), SIMD2(1e6, 5.5)]], values: [UInt8(1)], into: &c)
        #expect(MapAlgebra.count(c) == 10)
        // 1e300: beyond Double's resolution at the grid's scale; whatever burns, the call returns (no trap, no hang).
        var h2 = Grid<Float>(geometry: geo)
        Rasterizer.burnLineLength(lines: [[SIMD2(-1e300, 5.5), SIMD2(1e300, 5.5)], [SIMD2(2.5, 1e300), SIMD2(2.5, -1e300)]], into: &h2)
        #expect(MapAlgebra.sum(h2).isFinite && MapAlgebra.sum(h2) <= 20 + 1e-6)
        var c2 = Grid<UInt8>(geometry: geo)
        Rasterizer.burnLineCells(lines: [[SIMD2(-1e300, 5.5), SIMD2(1e300, 5.5)]], values: [UInt8(1)], into: &c2)
        #expect(MapAlgebra.count(c2) <= 10)
    }
}
