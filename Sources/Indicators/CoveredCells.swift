import CityModel
import GridCore

/// Cells (5 m) certainly inside the union of buffers of some features, found on a grid, so that the features whose
/// whole buffer lies in them need not be buffered (in dense districts most of them): the union of the cells (as
/// rectangles) and the remaining buffers equals the union of all buffers.
///
/// Given points that lie on the features (footprint vertices, samples along lines) and a `reach` such that every point
/// within `reach` of a feature lies in its buffer polygon, a cell is marked when its centre lies within
/// `reach − 2 × half-diagonal` of a cell holding such a point (exact distance transform, `DistanceTransform.within`):
/// every point of the marked cell is then within `reach` of a feature. So the marked cells lie in the union of all
/// buffers, every buffer they cover adds nothing to it, and their rectangles' edges lie inside the union and vanish
/// in it: the union's boundary, and so its area, is the one of the buffers alone (up to GEOS' noding).
struct CoveredCells {
    static let cell = 5.0
    let x0: Double, y0: Double, cols: Int, rows: Int
    /// Summed-area table of the marked cells, (rows + 1) × (cols + 1), rows counted from the bottom (y0 upwards).
    private var sat: [Int32] = []
    /// Marked cells merged into rectangles (runs of a row, extended upwards over rows with the same run). Computed on
    /// demand from the summed-area table: the passes use `covers`, `meets` and `filled`, not the rectangles.
    var rectangles: [BBox] {
        if sat.isEmpty { return [] }
        let c = Self.cell, w = cols + 1
        func marked(_ r: Int, _ cc: Int) -> Bool { sat[(r + 1) * w + cc + 1] - sat[r * w + cc + 1] - sat[(r + 1) * w + cc] + sat[r * w + cc] != 0 }
        var open: [SIMD2<Int>: Int] = [:]     // run (first, last column) → its rectangle, for the runs of the row below
        var rects: [BBox] = []
        for r in 0..<rows {
            var next: [SIMD2<Int>: Int] = [:]
            var k = 0
            while k < cols {
                if !marked(r, k) { k += 1; continue }
                var j = k
                while j + 1 < cols && marked(r, j + 1) { j += 1 }
                let key = SIMD2(k, j), yTop = y0 + Double(r + 1) * c
                if let i = open[key] { rects[i].maxY = yTop; next[key] = i } else {
                    rects.append(BBox(minX: x0 + Double(k) * c, minY: y0 + Double(r) * c, maxX: x0 + Double(j + 1) * c, maxY: yTop))
                    next[key] = rects.count - 1
                }
                k = j + 1
            }
            open = next
        }
        return rects
    }

    /// How far inside the true distance a GEOS buffer with 8 segments per quadrant may lie: d × (1 − cos 5.625°)
    /// (0.24 m at 50 m), plus 1 cm.
    static func sag(_ d: Double) -> Double { d * (1 - 0.995184726672196886) + 0.01 }   // cos(π/32)

    /// At most this many cells (4,096²; a 1 km tile with its halo has ~60,000): beyond it (one huge tile) nothing is
    /// marked and every feature is buffered.
    static let maxCells = 1 << 24

    init(extent tile: BBox, reach: Double, points: some Sequence<Vec2>) {
        let c = Self.cell
        // Only the part of the extent within reach of a point can hold marked cells.
        let pb = BBox(points: points).expanded(by: Swift.max(0, reach) + c)
        let e = BBox(minX: Swift.max(tile.minX, pb.minX), minY: Swift.max(tile.minY, pb.minY),
                     maxX: Swift.min(tile.maxX, pb.maxX), maxY: Swift.min(tile.maxY, pb.maxY))
        guard !pb.isEmpty, e.maxX > e.minX, e.maxY > e.minY,
              (e.maxX - e.minX) / c * ((e.maxY - e.minY) / c) < Double(Self.maxCells) else {
            x0 = 0; y0 = 0; cols = 0; rows = 0; return
        }
        x0 = (e.minX / c).rounded(.down) * c; y0 = (e.minY / c).rounded(.down) * c
        cols = Swift.max(0, Int(((e.maxX - x0) / c).rounded(.up))); rows = Swift.max(0, Int(((e.maxY - y0) / c).rounded(.up)))
        let within = reach - c * 2.0.squareRoot()
        guard within > 0, cols > 0, rows > 0,
              let geo = try? GridGeometry(minX: x0, maxY: y0 + Double(rows) * c, dx: c, dy: c, rows: rows, cols: cols) else { return }
        var src = Grid<UInt8>(geometry: geo)
        var any = false
        let (x0, y0, rows, cols) = (self.x0, self.y0, self.rows, self.cols)
        src.withUnsafeMutableBufferPointer { s in
            for v in points {
                let cx = ((v.x - x0) / c).rounded(.down), ry = ((v.y - y0) / c).rounded(.down)
                if cx >= 0 && cx < Double(cols) && ry >= 0 && ry < Double(rows) { s[(rows - 1 - Int(ry)) * cols + Int(cx)] = 1; any = true }
            }
        }
        if !any { return }
        let m = DistanceTransform.within(sources: src, distance: within)
        let w = cols + 1
        var t = [Int32](repeating: 0, count: (rows + 1) * w)
        m.withUnsafeBufferPointer { mk in
            for r in 0..<rows {
                let row = mk.baseAddress! + (rows - 1 - r) * cols
                var acc: Int32 = 0
                for cc in 0..<cols {
                    acc += row[cc] != 0 ? 1 : 0
                    t[(r + 1) * w + cc + 1] = t[r * w + cc + 1] + acc
                }
            }
        }
        sat = t
    }

    /// Points every `step` along a line (its vertices included): points on the line, for `init`'s `points`.
    static func samples(_ l: LineString, step: Double) -> [Vec2] {
        let p = l.points
        guard var a = p.first else { return [] }
        var out = [a]
        for b in p.dropFirst() {
            let dx = b.x - a.x, dy = b.y - a.y
            let n = Int(((dx * dx + dy * dy).squareRoot() / step).rounded(.up))
            if n > 1 { for k in 1..<n { let f = Double(k) / Double(n); out.append(Vec2(a.x + f * dx, a.y + f * dy)) } }
            out.append(b); a = b
        }
        return out
    }

    /// True when some marked cell meets `b` (the part of `b` on the grid).
    func meets(_ b: BBox) -> Bool {
        if sat.isEmpty || b.isEmpty { return false }
        let c = Self.cell
        let c0 = Swift.max(0, Int(((b.minX - x0) / c).rounded(.down))), c1 = Swift.min(cols - 1, Int(((b.maxX - x0) / c).rounded(.down)))
        let r0 = Swift.max(0, Int(((b.minY - y0) / c).rounded(.down))), r1 = Swift.min(rows - 1, Int(((b.maxY - y0) / c).rounded(.down)))
        if c0 > c1 || r0 > r1 { return false }
        let w = cols + 1
        return sat[(r1 + 1) * w + c1 + 1] - sat[r0 * w + c1 + 1] - sat[(r1 + 1) * w + c0] + sat[r0 * w + c0] > 0
    }

    /// The union of the buffers `u` of the features not left out, with the marked cells added, inside the box `w`:
    /// `(u ∪ cells) ∩ w`, without the cells' rectangles. Every point of the marked cells' boundary inside `w` lies
    /// strictly inside the buffer of a feature that was kept (a left-out feature's buffer lies in the cells), so a
    /// connected part of `w − u` never crosses that boundary: it lies in the cells, and is filled, or keeps ≥ 1 cm
    /// (the buffers' margin in `reach`) away from them, and stays empty. One point of each part tells which.
    /// `u` must lie in `w`; the cells must be exact inside `w` (made from every feature within reach of it).
    func filled(_ u: MultiPolygon, in w: BBox, _ ops: GeometryOps) throws -> MultiPolygon {
        if sat.isEmpty { return u }
        let rest = try ops.difference(TileLattice.rectangle(w), u)
        let outside = rest.polygons.filter { p in
            guard let v = p.rings.first?.first else { return true }
            return !meets(BBox(minX: v.x - 1e-3, minY: v.y - 1e-3, maxX: v.x + 1e-3, maxY: v.y + 1e-3))
        }
        if outside.count == rest.polygons.count { return u }
        return try ops.difference(TileLattice.rectangle(w), MultiPolygon(outside))
    }

    /// True when every cell meeting `b` is marked (false when `b` leaves the grid or is empty).
    func covers(_ b: BBox) -> Bool {
        if sat.isEmpty || b.isEmpty { return false }
        let c = Self.cell
        let c0 = Int(((b.minX - x0) / c).rounded(.down)), c1 = Int(((b.maxX - x0) / c).rounded(.down))
        let r0 = Int(((b.minY - y0) / c).rounded(.down)), r1 = Int(((b.maxY - y0) / c).rounded(.down))
        if c0 < 0 || r0 < 0 || c1 >= cols || r1 >= rows { return false }
        let w = cols + 1
        let n = sat[(r1 + 1) * w + c1 + 1] - sat[r0 * w + c1 + 1] - sat[(r1 + 1) * w + c0] + sat[r0 * w + c0]
        return Int(n) == (r1 - r0 + 1) * (c1 - c0 + 1)
    }
}
