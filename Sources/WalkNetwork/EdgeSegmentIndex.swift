/// Uniform-grid spatial index over the straight segments of all edge geometries, with nearest-segment queries.
///
/// Each segment is listed in every cell it passes through (CSR: `cellStart`, `cellItems`). A query visits cells
/// ring by ring (Chebyshev rings around the query cell) and stops once the ring's lower-bound distance exceeds the best
/// candidate (or the snap limit). Cell size defaults to ½·√(extent area / segment count), i.e. about a quarter of a segment per cell.
///
/// Complexity: build O(S + C) for S segments and C cells (two counting passes); a query costs O(k) for the k segments in
/// the visited rings — O(1) expected for street data at the default cell size.
public struct EdgeSegmentIndex: Sendable {
    /// The graph whose edge segments are indexed (snap results refer to its edges).
    public let graph: WalkGraph
    /// Geometry index of each segment's first point (the segment runs to the next geometry point).
    let segPoint: [Int32]
    /// Edge of each segment.
    let segEdge: [Int32]
    /// Component of each segment's edge.
    let segComp: [Int32]
    let originX: Double, originY: Double, cell: Double
    let nx: Int, ny: Int
    let cellStart: [Int32]
    let cellItems: [Int32]

    /// Builds the index; `cellSize` in metres (nil: automatic). Complexity: O(S + C) for S segments and C cells.
    public init(graph: WalkGraph, cellSize: Double? = nil) {
        self.graph = graph
        var segPoint: [Int32] = [], segEdge: [Int32] = []
        segPoint.reserveCapacity(graph.geometry.count - graph.edgeCount)
        segEdge.reserveCapacity(graph.geometry.count - graph.edgeCount)
        var lo = SIMD2<Double>(repeating: .infinity), hi = SIMD2<Double>(repeating: -.infinity)
        for p in graph.geometry { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        for e in 0 ..< graph.edgeCount {
            for i in Int(graph.geometryStart[e]) ..< Int(graph.geometryStart[e + 1]) - 1 {
                segPoint.append(Int32(i)); segEdge.append(Int32(e))
            }
        }
        let ns = segPoint.count
        if ns == 0 { lo = .zero; hi = .zero }
        let ext = pointwiseMax(hi - lo, SIMD2(repeating: 1e-9))
        // Default: half the side of a square holding one segment on average (fewer candidates per query).
        var c = cellSize ?? 0.5 * ((ext.x * ext.y) / Double(max(ns, 1))).squareRoot()
        // Keep the cell count reasonable (≤ ~8 per segment, ≥ 1 mm cells).
        let maxCells = Double(8 * ns + 16)
        if !(c > 0) || (ext.x / c) * (ext.y / c) > maxCells { c = max(c, ((ext.x * ext.y) / maxCells).squareRoot()) }
        c = max(c, 1e-3, max(ext.x, ext.y) / 65_536)
        let nx = Int(ext.x / c) + 1, ny = Int(ext.y / c) + 1
        self.originX = lo.x; self.originY = lo.y; self.cell = c; self.nx = nx; self.ny = ny

        var start = [Int32](repeating: 0, count: nx * ny + 1)
        let geom = graph.geometry
        // Each segment is listed in the cells it passes through (column by column: the segment's y-range within each
        // column, widened by a hair), not its whole bounding box, so long diagonal segments stay cheap.
        @inline(__always) func forEachCell(_ s: Int, _ body: (Int) -> Void) {
            let a = geom[Int(segPoint[s])], b = geom[Int(segPoint[s]) + 1]
            let eps = c * 1e-9
            let xa = min(a.x, b.x), xb = max(a.x, b.x)
            let x0 = min(nx - 1, max(0, Int((xa - lo.x) / c))), x1 = min(nx - 1, max(0, Int((xb - lo.x) / c)))
            let dx = b.x - a.x
            for x in x0 ... x1 {
                var ylo: Double, yhi: Double
                if x0 == x1 || dx == 0 {
                    ylo = min(a.y, b.y); yhi = max(a.y, b.y)
                } else {
                    let cx0 = max(xa, lo.x + Double(x) * c) - eps, cx1 = min(xb, lo.x + Double(x + 1) * c) + eps
                    let ya = a.y + (b.y - a.y) * ((cx0 - a.x) / dx), yb = a.y + (b.y - a.y) * ((cx1 - a.x) / dx)
                    ylo = max(min(ya, yb), min(a.y, b.y)); yhi = min(max(ya, yb), max(a.y, b.y))
                }
                let y0 = min(ny - 1, max(0, Int((ylo - eps - lo.y) / c))), y1 = min(ny - 1, max(0, Int((yhi + eps - lo.y) / c)))
                if y0 > y1 { continue }
                for y in y0 ... y1 { body(y * nx + x) }
            }
        }
        for s in 0 ..< ns { forEachCell(s) { start[$0 + 1] += 1 } }
        for i in 0 ..< nx * ny { start[i + 1] += start[i] }
        var fill = start
        var items = [Int32](repeating: 0, count: Int(start[nx * ny]))
        for s in 0 ..< ns { forEachCell(s) { k in items[Int(fill[k])] = Int32(s); fill[k] += 1 } }
        self.segPoint = segPoint; self.segEdge = segEdge
        self.segComp = segEdge.map { graph.nodeComponent[Int(graph.edgeFrom[Int($0)])] }
        self.cellStart = start; self.cellItems = items
    }

    /// Nearest point on any edge within `maxDistance` and, when `wantComponent` ≥ 0 and the nearest edge is on another
    /// component, also the nearest within `maxDistance` on component `wantComponent`.
    /// Returns (segment, t along segment, squared distance) pairs; segment -1 when none.
    func nearest(_ p: SIMD2<Double>, maxDistance: Double, wantComponent: Int32)
        -> (all: (seg: Int32, t: Double, d2: Double), want: (seg: Int32, t: Double, d2: Double)) {
        withPointers { nearest(p, maxDistance: maxDistance, wantComponent: wantComponent, $0) }
    }

    /// Raw pointers to the index arrays (valid inside `withPointers`).
    struct Pointers {
        let cellStart: UnsafePointer<Int32>, cellItems: UnsafePointer<Int32>
        let segPoint: UnsafePointer<Int32>, segComp: UnsafePointer<Int32>
        let geom: UnsafePointer<SIMD2<Double>>
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        cellStart.withUnsafeBufferPointer { cs in
            cellItems.withUnsafeBufferPointer { ci in
                segPoint.withUnsafeBufferPointer { sp in
                    segComp.withUnsafeBufferPointer { sc in
                        graph.geometry.withUnsafeBufferPointer { g in
                            let dummy32 = UnsafePointer<Int32>(bitPattern: 16)!
                            return body(Pointers(cellStart: cs.baseAddress ?? dummy32, cellItems: ci.baseAddress ?? dummy32,
                                                 segPoint: sp.baseAddress ?? dummy32, segComp: sc.baseAddress ?? dummy32,
                                                 geom: g.baseAddress ?? UnsafePointer(bitPattern: 16)!))
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    func nearest(_ p: SIMD2<Double>, maxDistance: Double, wantComponent: Int32, _ ptr: Pointers)
        -> (all: (seg: Int32, t: Double, d2: Double), want: (seg: Int32, t: Double, d2: Double)) {
        var bestAll: (seg: Int32, t: Double, d2: Double) = (-1, 0, .infinity)
        var bestWant: (seg: Int32, t: Double, d2: Double) = (-1, 0, .infinity)
        guard !segPoint.isEmpty, p.x.isFinite, p.y.isFinite else { return (bestAll, bestWant) }
        let max2 = maxDistance * maxDistance
        let fx = (p.x - originX) / cell, fy = (p.y - originY) / cell
        // Cell coordinates of p on the infinite grid (clamped into a sane Int range).
        let cx = Int(max(-1e9, min(1e9, fx.rounded(.down)))), cy = Int(max(-1e9, min(1e9, fy.rounded(.down))))
        // Quick reject: farther than maxDistance from the grid's box.
        let dxOut = max(0, originX - p.x, p.x - (originX + Double(nx) * cell))
        let dyOut = max(0, originY - p.y, p.y - (originY + Double(ny) * cell))
        if dxOut * dxOut + dyOut * dyOut > max2 { return (bestAll, bestWant) }
        let geom = ptr.geom, segComp = ptr.segComp, segPoint = ptr.segPoint
        let cellStart = ptr.cellStart, cellItems = ptr.cellItems
        let maxRing = max(nx, ny) + abs(cx) + abs(cy) + 1
        var allIsWanted = true
        var r = 0
        while r <= maxRing {
            // Lower bound on the distance to any cell of ring r: distance from p to the border of the block of rings < r.
            if r > 0 {
                let bx0 = Double(cx - r + 1) * cell + originX, bx1 = Double(cx + r) * cell + originX
                let by0 = Double(cy - r + 1) * cell + originY, by1 = Double(cy + r) * cell + originY
                let bound = min(p.x - bx0, bx1 - p.x, p.y - by0, by1 - p.y)
                let b2 = bound > 0 ? bound * bound : 0
                if b2 > max2 { break }
                let needWant = wantComponent >= 0 && bestAll.seg >= 0 && !allIsWanted
                if b2 > bestAll.d2 && (!needWant || b2 > bestWant.d2) { break }
                if cx - r < 0 && cy - r < 0 && cx + r >= nx && cy + r >= ny { break }
            }
            let x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r
            let yLo = max(0, y0), yHi = min(ny - 1, y1), xLo = max(0, x0), xEnd = min(nx - 1, x1)
            if yLo > yHi || xLo > xEnd { r += 1; continue }
            for y in yLo ... yHi {
                let fullRow = y == y0 || y == y1
                var x = xLo
                while x <= xEnd {
                    if !fullRow && x != x0 && x != x1 {
                        // Jump to the right edge of the ring.
                        x = x1 > xEnd ? xEnd + 1 : x1
                        continue
                    }
                    let k = y * nx + x
                    var j = Int(cellStart[k])
                    let jEnd = Int(cellStart[k + 1])
                    while j < jEnd {
                        let s = cellItems[j]
                        j += 1
                        let i = Int(segPoint[Int(s)])
                        let a = geom[i], b = geom[i + 1]
                        let ab = b - a, ap = p - a
                        let l2 = (ab * ab).sum()
                        var t = l2 > 0 ? (ap * ab).sum() / l2 : 0
                        t = min(1, max(0, t))
                        let d = p - (a + ab * t)
                        let d2 = (d * d).sum()
                        if d2 > max2 || (d2 > bestAll.d2 && d2 > bestWant.d2) { continue }
                        if d2 < bestAll.d2 || (d2 == bestAll.d2 && s < bestAll.seg) {
                            bestAll = (s, t, d2)
                            allIsWanted = wantComponent < 0 || segComp[Int(s)] == wantComponent
                        }
                        if wantComponent >= 0 && segComp[Int(s)] == wantComponent
                            && (d2 < bestWant.d2 || (d2 == bestWant.d2 && s < bestWant.seg)) { bestWant = (s, t, d2) }
                    }
                    x += 1
                }
            }
            r += 1
        }
        return (bestAll, bestWant)
    }

    /// Converts a (segment, t) hit to an edge position.
    func position(seg: Int32, t: Double, d2: Double, status: SnapStatus) -> EdgePosition {
        let i = Int(segPoint[Int(seg)])
        let o0 = graph.geometryOffset[i], o1 = graph.geometryOffset[i + 1]
        return EdgePosition(edge: segEdge[Int(seg)], offset: o0 + (o1 - o0) * t, leg: d2.squareRoot(), status: status)
    }
}
