/// Line rasterization: the cells a polyline passes through (supercover / all-touched) and its exact length per cell.
///
/// Each segment is cut at every vertical and horizontal cell boundary it crosses (merging the two monotone sequences of
/// crossing parameters, as in Amanatides & Woo 1987's voxel traversal); each piece lies in one half-open cell
/// [c, c+1) × [r, r+1) (pixel space, y down), found from the piece's midpoint, and adds its world length there.
/// A segment running exactly along a cell boundary belongs to the cell below / right of it. Supercover = cells with a
/// piece plus the cells holding each vertex. Complexity O(cells crossed) per segment.
extension Rasterizer {
    /// Calls `body(row, col, length)` for each piece of `line` inside a cell of `geometry` (length in world units;
    /// a cell may be reported more than once when the line revisits it).
    public static func linePieces(_ line: [SIMD2<Double>], geometry g: GridGeometry,
                                  _ body: (_ row: Int, _ col: Int, _ length: Double) -> Void) {
        guard line.count >= 2 else { return }
        for i in 1..<line.count { segmentPieces(line[i - 1], line[i], g, body) }
    }

    /// Adds the length (world units) of each line inside each cell to `grid` (e.g. metres of pipe per cell).
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnLineLength<E: GridScalar & BinaryFloatingPoint>(lines: [[SIMD2<Double>]], into grid: inout Grid<E>) {
        let g = grid.geometry
        grid.withUnsafeMutableBufferPointer { buf in
            for line in lines {
                linePieces(line, geometry: g) { r, c, len in
                    let i = r * g.cols + c
                    buf[i] += E(len)
                }
            }
        }
    }

    /// Burns `value` into every cell a line passes through (supercover, like gdal_rasterize -at for lines but exact).
    /// With `.add` each line adds `value` once per cell it touches, so overlapping lines count.
    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnLineCells<E: GridScalar>(lines: [[SIMD2<Double>]], values: [E], mode: BurnMode = .set,
                                                    into grid: inout Grid<E>) {
        precondition(lines.count == values.count, "one value per line")
        let g = grid.geometry
        var touched: [Int] = []
        grid.withUnsafeMutableBufferPointer { buf in
            for (line, v) in zip(lines, values) {
                touched.removeAll(keepingCapacity: true)
                lineCells(line, g) { touched.append($0) }
                touched.sort()
                var last = -1
                for i in touched where i != last { buf[i] = mode.combine(buf[i], v); last = i }
            }
        }
    }

    /// A UInt8 mask (1 where any line passes) of the lines' supercover cells.
    public static func lineMask(lines: [[SIMD2<Double>]], geometry: GridGeometry) -> Grid<UInt8> {
        var g = Grid<UInt8>(geometry: geometry)
        burnLineCells(lines: lines, values: [UInt8](repeating: 1, count: lines.count), into: &g)
        return g
    }

    /// Linear indices of the supercover cells of one line (with repeats).
    @usableFromInline static func lineCells(_ line: [SIMD2<Double>], _ g: GridGeometry, _ body: (Int) -> Void) {
        for p in line { if let c = g.cell(containing: p) { body(c.row * g.cols + c.col) } }
        linePieces(line, geometry: g) { r, c, _ in body(r * g.cols + c) }
    }

    static func segmentPieces(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ g: GridGeometry,
                              _ body: (Int, Int, Double) -> Void) {
        var pa = g.pixel(a), pb = g.pixel(b)
        var worldLen = ((b - a) * (b - a)).sum().squareRoot()
        guard worldLen > 0, worldLen.isFinite, pa.x.isFinite, pa.y.isFinite, pb.x.isFinite, pb.y.isFinite else { return }
        // A segment far longer than the grid is first cut to the grid's box: the crossing steps 1/|d| of the whole
        // segment would otherwise vanish next to the parameter (1e300 m lines would loop forever).
        let span = 4 * Double(g.cols + g.rows) + 16
        if abs(pb.x - pa.x) > span || abs(pb.y - pa.y) > span {
            let d = pb - pa
            var t0 = 0.0, t1 = 1.0
            for (p, q) in [(-d.x, pa.x + 1), (d.x, Double(g.cols) + 1 - pa.x), (-d.y, pa.y + 1), (d.y, Double(g.rows) + 1 - pa.y)] {
                if p == 0 { if q < 0 { return }; continue }
                let r = q / p
                if p < 0 { t0 = Swift.max(t0, r) } else { t1 = Swift.min(t1, r) }
            }
            guard t1 > t0 else { return }
            let ca = pa + d * t0, cb = pa + d * t1
            worldLen *= (t1 - t0); pa = ca; pb = cb
            guard worldLen > 0, abs(pb.x - pa.x) <= span, abs(pb.y - pa.y) <= span else { return }
        }
        let d = pb - pa
        // Clip the parameter range to the grid [0, cols] × [0, rows] (Liang–Barsky).
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-d.x, pa.x), (d.x, Double(g.cols) - pa.x), (-d.y, pa.y), (d.y, Double(g.rows) - pa.y)] {
            if p == 0 { if q < 0 { return } ; continue }
            let r = q / p
            if p < 0 { t0 = Swift.max(t0, r) } else { t1 = Swift.min(t1, r) }
        }
        guard t1 > t0 else { return }
        // Boundary crossings in x and y as increasing parameter sequences.
        func crossings(_ p0: Double, _ dp: Double) -> (next: Double, step: Double) {
            if dp == 0 { return (.infinity, .infinity) }
            let start = p0 + dp * t0
            let k = dp > 0 ? start.rounded(.down) + 1 : start.rounded(.up) - 1
            return ((k - p0) / dp, 1 / abs(dp))
        }
        var (tx, sx) = crossings(pa.x, d.x)
        var (ty, sy) = crossings(pa.y, d.y)
        var t = t0
        while t < t1 {
            let tn = Swift.min(t1, Swift.min(tx, ty))
            if tn > t {
                let tm = (t + tn) * 0.5
                let mx = pa.x + d.x * tm, my = pa.y + d.y * tm
                if mx >= 0, my >= 0, mx < Double(g.cols), my < Double(g.rows) {
                    body(Int(my.rounded(.down)), Int(mx.rounded(.down)), (tn - t) * worldLen)
                }
            }
            t = tn
            while tx <= t { tx += sx }
            while ty <= t { ty += sy }
        }
    }
}
