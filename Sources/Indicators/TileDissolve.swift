import CityModel

/// Joins polygons that a tiled pass clipped to lattice tiles back into whole areas (the built-up area and the pipe gaps
/// as a planner sees them in QGIS: one polygon per area, no tile seams).
///
/// Only pieces that touch a tile edge can continue in a neighbouring tile; the others are already whole and pass
/// through untouched. Touching pieces are grouped with their neighbours across the seam (pieces of adjacent tiles whose
/// boxes meet, transitively), and each group is unioned once, groups in parallel, one GeometryOps per worker.
/// Complexity: O(n) to find the groups, plus one union per group (n log n in its vertices).
public enum TileDissolve {
    /// The pieces of `pieces` (each inside one tile of `lattice`) dissolved across tile edges.
    public static func dissolve(_ pieces: MultiPolygon, lattice: TileLattice, ops: GeometryOps) throws -> MultiPolygon {
        let polys = pieces.polygons.filter { !$0.exterior.isEmpty }
        if polys.count < 2 { return MultiPolygon(polys) }
        let tol = 1e-6 * Swift.max(1, lattice.size)
        var whole: [Polygon] = []
        var seam: [Int] = []              // indices into polys
        var boxes: [BBox] = []
        var tileOf: [SIMD2<Int>] = []
        for (i, p) in polys.enumerated() {
            let b = p.bbox
            let c = b.center
            let col = lattice.column(c.x), row = lattice.row(c.y)
            let t = lattice.box(col, row)
            let touches = b.minX - t.minX <= tol || t.maxX - b.maxX <= tol || b.minY - t.minY <= tol || t.maxY - b.maxY <= tol
            if touches { seam.append(i); boxes.append(b); tileOf.append(SIMD2(col, row)) } else { whole.append(p) }
        }
        // Union-find over seam pieces: a piece joins the pieces of the 8 neighbouring tiles whose boxes meet its own.
        var parent = Array(0 ..< seam.count)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var byTile: [SIMD2<Int>: [Int]] = [:]
        for k in seam.indices { byTile[tileOf[k], default: []].append(k) }
        for k in seam.indices {
            let b = boxes[k].expanded(by: tol)
            for dr in -1 ... 1 { for dc in -1 ... 1 where dr != 0 || dc != 0 {
                for m in byTile[tileOf[k] &+ SIMD2(dc, dr)] ?? [] where m > k && b.intersects(boxes[m]) {
                    let a = find(k), z = find(m)
                    if a != z { parent[a] = z }
                }
            } }
        }
        var groups: [Int: [Int]] = [:]
        for k in seam.indices { groups[find(k), default: []].append(k) }
        let lists = groups.values.sorted { $0[0] < $1[0] }.map { $0.map { seam[$0] } }
        var single: [Polygon] = []
        var multi: [[Polygon]] = []
        for l in lists { if l.count == 1 { single.append(polys[l[0]]) } else { multi.append(l.map { polys[$0] }) } }
        let groupsToMerge = multi
        let merged = try forEachTile(groupsToMerge.count, ops: ops) { g, o in
            try o.union(groupsToMerge[g].map { MultiPolygon([$0]) }).polygons
        }
        return MultiPolygon(whole + single + merged.flatMap { $0 })
    }
}
