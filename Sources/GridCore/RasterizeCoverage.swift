/// Exact cell coverage fractions of polygons: the share of each cell's area inside the polygon.
///
/// The same quantity exactextract computes (Baston 2022, "exactextract"), obtained here by signed-area accumulation
/// (the trapezoid decomposition used by font rasterizers such as font-rs / stb_truetype v2): every edge, clipped to
/// the window's columns and walked row by row and cell by cell, adds the exact area between itself and the window's
/// right side to an accumulation buffer; a prefix sum along each row then gives each cell's covered area. Rings are
/// signed (exterior +, holes −) whatever their input orientation, so a valid polygon with holes gets exact fractions
/// and Σ fraction × cell area equals the polygon's area (to rounding) when it lies inside the grid. A polygon with a
/// non-finite coordinate covers nothing.
/// Complexity O(C + W·H) for C cells crossed by edges and the W×H bounding window; memory one W×H Double buffer.

/// Coverage fractions of one polygon over a window of a grid.
public struct CoverageFractions: Sendable {
    /// The cells of the grid the fractions refer to (the polygon's bounding box clamped to the grid).
    public let window: GridWindow
    /// `window.rows × window.cols` fractions in [0, 1], row-major.
    public let fractions: [Double]

    /// Fraction of grid cell (row, col) covered (0 outside the window).
    public func fraction(row: Int, col: Int) -> Double {
        let r = row - window.rowOffset, c = col - window.colOffset
        guard r >= 0, r < window.rows, c >= 0, c < window.cols else { return 0 }
        return fractions[r * window.cols + c]
    }

    /// Calls `body(row, col, fraction)` for each cell with fraction > 0, in row-major order (grid coordinates).
    public func forEachCovered(_ body: (_ row: Int, _ col: Int, _ fraction: Double) -> Void) {
        for r in 0..<window.rows {
            for c in 0..<window.cols {
                let f = fractions[r * window.cols + c]
                if f > 0 { body(window.rowOffset + r, window.colOffset + c, f) }
            }
        }
    }

    /// Σ fractions (covered area in cell units).
    public var total: Double { fractions.reduce(0, +) }
}

extension Rasterizer {
    /// Exact coverage fractions of `polygon` (ring 0 exterior, others holes; open; any orientation) on `geometry`.
    public static func coverage(polygon: [[SIMD2<Double>]], geometry: GridGeometry) -> CoverageFractions {
        var acc = CoverageAccumulator()
        return acc.coverage(rings: [polygon], geometry: geometry)
    }

    /// Exact coverage fractions of a multipolygon (parts assumed disjoint, as in a valid multipolygon).
    public static func coverage(multiPolygon: [[[SIMD2<Double>]]], geometry: GridGeometry) -> CoverageFractions {
        var acc = CoverageAccumulator()
        return acc.coverage(rings: multiPolygon, geometry: geometry)
    }

    /// Burns `value × fraction` of each polygon into `grid` (`.set` replaces covered cells, `.add` sums — e.g. covered
    /// area in cell units with value 1 —, `.max` keeps the larger).
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCoverage<E: GridScalar & BinaryFloatingPoint>(polygons: [[[SIMD2<Double>]]], values: [E],
                                                                       mode: BurnMode = .add, into grid: inout Grid<E>) {
        precondition(values.count == polygons.count, "one value per polygon")
        var acc = CoverageAccumulator()
        let g = grid.geometry
        grid.withUnsafeMutableBufferPointer { buf in
            for (p, v) in zip(polygons, values) {
                acc.accumulate(parts: [p], geometry: g) { row, col, f in
                    let i = row * g.cols + col
                    buf[i] = mode.combine(buf[i], v * E(f))
                }
            }
        }
    }

    /// Burns `values[i] × fraction` of each multipolygon `multiPolygons[i]` (parts of one feature assumed disjoint).
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    // Same loop as burnCoverage(polygons:) on purpose: forwarding would allocate a wrapped copy of every polygon ([p]) in the hot path.
    public static func burnCoverage<E: GridScalar & BinaryFloatingPoint>(multiPolygons: [[[[SIMD2<Double>]]]], values: [E],
                                                                       mode: BurnMode = .add, into grid: inout Grid<E>) {
        precondition(values.count == multiPolygons.count, "one value per multipolygon")
        var acc = CoverageAccumulator()
        let g = grid.geometry
        grid.withUnsafeMutableBufferPointer { buf in
            for (m, v) in zip(multiPolygons, values) {
                acc.accumulate(parts: m, geometry: g) { row, col, f in
                    let i = row * g.cols + col
                    buf[i] = mode.combine(buf[i], v * E(f))
                }
            }
        }
    }

    /// Burns `value × fraction` of one (multi)polygon given as its parts.
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCoverage<E: GridScalar & BinaryFloatingPoint>(multiPolygon: [[[SIMD2<Double>]]], value: E,
                                                                       mode: BurnMode = .add, into grid: inout Grid<E>) {
        var acc = CoverageAccumulator()
        let g = grid.geometry
        grid.withUnsafeMutableBufferPointer { buf in
            acc.accumulate(parts: multiPolygon, geometry: g) { row, col, f in
                let i = row * g.cols + col
                buf[i] = mode.combine(buf[i], value * E(f))
            }
        }
    }
}

/// The signed-area accumulation engine with a reusable buffer.
@usableFromInline
struct CoverageAccumulator {
    @usableFromInline init() {}
    var acc: [Double] = []
    var stride = 0
    var w = 0, h = 0

    mutating func coverage(rings parts: [[[SIMD2<Double>]]], geometry g: GridGeometry) -> CoverageFractions {
        var window = GridWindow(rowOffset: 0, colOffset: 0, rows: 0, cols: 0)
        var out: [Double] = []
        accumulateWindow(parts: parts, geometry: g) { win, buf, stride in
            window = win
            out = [Double](repeating: 0, count: win.rows * win.cols)
            for r in 0..<win.rows {
                var s = 0.0
                for c in 0..<win.cols {
                    s += buf[r * stride + c]
                    out[r * win.cols + c] = Swift.min(1, Swift.max(0, s))
                }
            }
        }
        return CoverageFractions(window: window, fractions: out)
    }

    /// Calls `body(row, col, fraction)` for covered cells (fraction > 0), grid coordinates.
    @usableFromInline mutating func accumulate(parts: [[[SIMD2<Double>]]], geometry g: GridGeometry,
                             _ body: (Int, Int, Double) -> Void) {
        accumulateWindow(parts: parts, geometry: g) { win, buf, stride in
            for r in 0..<win.rows {
                var s = 0.0
                for c in 0..<win.cols {
                    s += buf[r * stride + c]
                    if s > 1e-15 { body(win.rowOffset + r, win.colOffset + c, Swift.min(1, s)) }
                }
            }
        }
    }

    /// Accumulates all rings of `parts` into the buffer of the clamped bounding window and hands it to `body`
    /// (buffer entries are per-cell increments; a prefix sum along the row gives the covered area).
    mutating func accumulateWindow(parts: [[[SIMD2<Double>]]], geometry g: GridGeometry,
                                   _ body: (GridWindow, UnsafeBufferPointer<Double>, Int) -> Void) {
        var e = GridExtent(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
        for p in parts {
            guard Rings.allFinite(p) else { return }   // invalid input covers nothing
            if let ext = p.first { e = e.union(GridExtent(points: ext)) }
        }
        guard !e.isEmpty, e.minX.isFinite, e.maxX.isFinite, e.minY.isFinite, e.maxY.isFinite else { return }
        let win = g.window(covering: e)
        guard !win.isEmpty else { return }
        w = win.cols; h = win.rows; stride = w + 2
        let need = stride * h
        if acc.count < need { acc = [Double](repeating: 0, count: need) }
        let x0 = g.minX + Double(win.colOffset) * g.dx, y0 = g.maxY - Double(win.rowOffset) * g.dy
        let sx = 1 / g.dx, sy = 1 / g.dy
        for rings in parts {
            for (k, ring) in rings.enumerated() where ring.count >= 3 {
                let ccw = Rings.doubleSignedArea(ring) > 0
                // Exterior counts +, holes −. In pixel space (y down) a world-CCW ring walks down its west side.
                let sign: Double = (ccw == (k == 0)) ? 1 : -1
                var p = SIMD2((ring[ring.count - 1].x - x0) * sx, (y0 - ring[ring.count - 1].y) * sy)
                for q0 in ring {
                    let q = SIMD2((q0.x - x0) * sx, (y0 - q0.y) * sy)
                    clippedEdge(p, q, sign)
                    p = q
                }
            }
        }
        acc.withUnsafeBufferPointer { body(win, $0, stride) }
        // Reset only what was used.
        acc.withUnsafeMutableBufferPointer { b in
            for i in 0..<need { b[i] = 0 }
        }
    }

    /// Splits an edge at x = 0 and x = W and clamps x into [0, W] (area right of the edge inside the window is unchanged).
    @inline(__always) mutating func clippedEdge(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ sign: Double) {
        if a.y == b.y { return }
        let W = Double(w)
        if (a.x >= 0 && a.x <= W && b.x >= 0 && b.x <= W) { line(a, b, sign); return }
        // Parameters where x crosses 0 and W.
        var ts: [Double] = [0]
        let dxab = b.x - a.x
        if dxab != 0 {
            for bx in [0.0, W] {
                let t = (bx - a.x) / dxab
                if t > 0 && t < 1 { ts.append(t) }
            }
        }
        ts.append(1)
        ts.sort()
        var prev = a
        for i in 1..<ts.count {
            let t = ts[i]
            var cur = t == 1 ? b : SIMD2(a.x + dxab * t, a.y + (b.y - a.y) * t)
            if t < 1 { cur.x = (abs(cur.x) < abs(cur.x - W)) ? 0 : W }
            let pc = SIMD2(Swift.min(W, Swift.max(0, prev.x)), prev.y), cc = SIMD2(Swift.min(W, Swift.max(0, cur.x)), cur.y)
            line(pc, cc, sign)
            prev = cur
        }
    }

    /// Adds the signed area right of segment a→b (x already within [0, W]) to the buffer, row by row.
    @inline(__always) mutating func line(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ sign: Double) {
        if a.y == b.y { return }
        let dir: Double = a.y < b.y ? sign : -sign
        let (top, bot) = a.y < b.y ? (a, b) : (b, a)
        let H = Double(h)
        if bot.y <= 0 || top.y >= H { return }
        let dxdy = (bot.x - top.x) / (bot.y - top.y)
        let r0 = Int(Swift.max(0, floorFast(top.y)))
        let r1 = Int(Swift.min(H, -floorFast(-bot.y)))
        let stride = self.stride
        acc.withUnsafeMutableBufferPointer { buf in
            var r = r0
            while r < r1 {
                let ty0 = Swift.max(top.y, Double(r)), ty1 = Swift.min(bot.y, Double(r + 1))
                if ty1 > ty0 {
                    let xs = ty0 == top.y ? top.x : top.x + (ty0 - top.y) * dxdy
                    let xe = ty1 == bot.y ? bot.x : top.x + (ty1 - top.y) * dxdy
                    CoverageAccumulator.rowPiece(buf, r * stride, xs, xe, (ty1 - ty0) * dir)
                }
                r += 1
            }
        }
    }

    /// One row's piece of an edge from x = xs to x = xe carrying signed height d: split at column boundaries.
    @inline(__always) static func rowPiece(_ buf: UnsafeMutableBufferPointer<Double>, _ base: Int, _ xs: Double, _ xe: Double, _ d: Double) {
        let lo = Swift.min(xs, xe), hi = Swift.max(xs, xe)
        let i0 = Int(lo)   // lo ∈ [0, W]: truncation is the floor (no libm call on SSE2)
        if hi <= Double(i0 + 1) || hi - lo == 0 {
            // Within one column.
            let f = (lo + hi) * 0.5 - Double(i0)
            buf[base + i0] += d * (1 - f)
            buf[base + i0 + 1] += d * f
            return
        }
        let inv = d / (hi - lo)
        var x = lo, i = i0
        while x < hi {
            let nx = Swift.min(hi, Double(i + 1))
            let di = (nx - x) * inv
            let f = (x + nx) * 0.5 - Double(i)
            buf[base + i] += di * (1 - f)
            buf[base + i + 1] += di * f
            x = nx; i += 1
        }
    }
}
