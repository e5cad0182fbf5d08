import CityModel

/// A footprint polygon cleaned for extrusion: open rings without repeated, near-duplicate (< 1 mm) or near-collinear
/// (< 1 mm off the line of their neighbours) vertices, rings of fewer than three
/// distinct points or zero area dropped, the exterior counter-clockwise and holes clockwise, all rings concatenated.
///
/// O(n) per polygon (plus the triangulation done by `EarClipper`). A polygon whose exterior is dropped is skipped.
struct PreparedPolygon {
    /// All ring points, exterior first.
    var points: [Vec2]
    /// Start of each ring in `points`.
    var ringStarts: [Int]
    /// Counter-clockwise roof triangles (indices into `points`).
    var triangles: [UInt32]

    /// Cleans and triangulates every part of a footprint.
    static func prepare(_ mp: MultiPolygon, clipper: inout EarClipper) -> [PreparedPolygon] {
        var out: [PreparedPolygon] = []
        for poly in mp.polygons {
            var pts: [Vec2] = []
            var starts: [Int] = []
            for (k, ring) in poly.rings.enumerated() {
                var r = cleanRing(ring)
                if r.count < 3 { if k == 0 { break } else { continue } }
                let a = signedArea2(r)
                if a == 0 || !a.isFinite { if k == 0 { break } else { continue } }
                if (k == 0) != (a > 0) { r.reverse() }
                starts.append(pts.count)
                pts.append(contentsOf: r)
            }
            guard !starts.isEmpty, starts[0] == 0 else { continue }
            // Triangulate relative to the first point: with projected coordinates of 10⁶–10⁷ m the orientation
            // tests would otherwise lose about 6 digits.
            let o = pts[0]
            let tris = clipper.triangulate(points: pts.map { $0 - o }, ringStarts: starts)
            out.append(PreparedPolygon(points: pts, ringStarts: starts, triangles: tris))
        }
        return out
    }

    /// Points closer than this (m) are merged: a shorter wall would be a degenerate (zero-area) quad after Float32.
    static let mergeDistance = 1e-3
    @inline(__always) static func near(_ a: Vec2, _ b: Vec2) -> Bool {
        let d = a - b
        return d.x * d.x + d.y * d.y < mergeDistance * mergeDistance
    }

    /// Drops non-finite points, consecutive points closer than `mergeDistance`, a repeated closing point, and vertices
    /// closer than `mergeDistance` to the line through their neighbours. O(n²) worst case, O(n) typically.
    static func cleanRing(_ ring: [Vec2]) -> [Vec2] {
        var r: [Vec2] = []
        r.reserveCapacity(ring.count)
        for p in ring where p.x.isFinite && p.y.isFinite {
            if let l = r.last, near(l, p) { continue }
            r.append(p)
        }
        while r.count > 1, let f = r.first, let l = r.last, near(f, l) { r.removeLast() }
        // Drop vertices within mergeDistance of the line through their neighbours (near-collinear points and
        // zero-width spikes): they would give roof triangles that are degenerate once positions are Float32.
        var changed = true
        while changed && r.count >= 3 {
            changed = false
            var i = 0
            while i < r.count && r.count >= 3 {
                let n = r.count
                let a = r[(i + n - 1) % n], p = r[i], b = r[(i + 1) % n]
                let ab = b - a, ap = p - a
                let l2 = ab.x * ab.x + ab.y * ab.y
                let cr = ap.x * ab.y - ap.y * ab.x
                if l2 == 0 || cr * cr < mergeDistance * mergeDistance * l2 {
                    r.remove(at: i); changed = true
                } else { i += 1 }
            }
        }
        return r
    }

    /// Twice the signed area (positive for counter-clockwise), shoelace formula.
    static func signedArea2(_ r: [Vec2]) -> Double {
        var s = 0.0
        var j = r.count - 1
        for i in 0..<r.count { s += (r[j].x - r[i].x) * (r[j].y + r[i].y); j = i }
        return s
    }

    /// Triangles of the extruded solid: 2 × roof + 2 per ring edge.
    var solidTriangleCount: Int { 2 * triangles.count / 3 + 2 * points.count }
    /// Vertices of the extruded solid: roof and floor (n each) + 4 per wall quad.
    var solidVertexCount: Int { 2 * points.count + 4 * points.count }
}
