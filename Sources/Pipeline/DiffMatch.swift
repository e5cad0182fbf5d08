import CityModel
import Foundation

/// One feature of a layer being compared between two versions.
public struct DiffFeature: Sendable {
    /// The feature's id in its base layer.
    public var id: Int64
    /// The stable key (`source_id`), "" when the source had none.
    public var key: String
    public var geometry: Geometry
    public var bbox: BBox
    /// The compared attributes, in the layer's `DiffLayerSpec.attributes` order.
    public var values: [FieldValue]
    /// Floor area (buildings), for the summary.
    public var floorArea: Double
    /// Use (buildings) or category / kind, for the summary.
    public var group: String

    public init(id: Int64, key: String, geometry: Geometry, values: [FieldValue], floorArea: Double = 0, group: String = "") {
        self.id = id; self.key = key; self.geometry = geometry; self.bbox = geometry.bbox; self.values = values
        self.floorArea = floorArea; self.group = group
    }
}

/// How two versions of a feature are matched and compared.
public struct DiffMatchOptions: Sendable {
    /// Polygons not matched by key match when their footprint IoU (intersection ÷ union area) is at least this.
    public var iouThreshold = 0.5
    /// Geometry moves up to this (vertex distance, m) are survey noise, not a change; lines and points not matched
    /// by key match within it.
    public var toleranceM = 1.0
    /// Real-valued attributes (height) differing by at most this are equal.
    public var realTolerance = 0.1
    public init() {}
}

/// A matched pair and what changed.
public struct DiffPair: Sendable {
    public var old: Int
    public var new: Int
    /// Matched by key (else by geometry).
    public var byKey: Bool
    /// Largest vertex distance between the two geometries (m).
    public var shift: Double
    /// Names of what changed (`footprint`, `geometry`, or attribute names); empty: unchanged.
    public var changes: [String]
}

/// Matching two versions of a layer: by key where keys are stable (unique on both sides), the rest by geometry.
public enum DiffMatcher {
    /// Matches `old` to `new`. Keys that occur once on each side pair up; features without a usable key are matched
    /// greedily by `similarity` (higher is better, nil: not a match), considering pairs whose boxes, grown by
    /// `grow`, overlap. Returns the pairs (sorted by old index) and the unmatched old (removed) and new (added) indices.
    public static func match(old: [DiffFeature], new: [DiffFeature], grow: Double,
                             similarity: (DiffFeature, DiffFeature) throws -> Double?) rethrows -> (pairs: [(Int, Int, Bool)], removed: [Int], added: [Int]) {
        func counts(_ fs: [DiffFeature]) -> [String: Int] {
            var c: [String: Int] = [:]
            c.reserveCapacity(fs.count)
            for (i, f) in fs.enumerated() where !f.key.isEmpty { c[f.key] = c[f.key] == nil ? i : -1 }
            return c
        }
        let ko = counts(old), kn = counts(new)
        var newTaken = [Bool](repeating: false, count: new.count)
        var oldTaken = [Bool](repeating: false, count: old.count)
        var pairs: [(Int, Int, Bool)] = []
        pairs.reserveCapacity(min(old.count, new.count))
        for (k, i) in ko where i >= 0 {
            if let j = kn[k], j >= 0 { pairs.append((i, j, true)); oldTaken[i] = true; newTaken[j] = true }
        }
        // The rest by geometry: a uniform grid over the unmatched new features' boxes.
        let restNew = new.indices.filter { !newTaken[$0] }
        let restOld = old.indices.filter { !oldTaken[$0] }
        if !restNew.isEmpty && !restOld.isEmpty {
            var ext = BBox.empty
            for j in restNew { ext = ext.union(new[j].bbox) }
            let meanSide = restNew.reduce(0.0) { $0 + max(new[$1].bbox.width, new[$1].bbox.height) } / Double(restNew.count)
            let cell = max(meanSide * 2, grow * 2, 1)
            let nx = max(1, min(4096, Int((ext.width / cell).rounded(.up)) + 1)), ny = max(1, min(4096, Int((ext.height / cell).rounded(.up)) + 1))
            let cx = max(cell, ext.width / Double(nx - 1 == 0 ? 1 : nx - 1)), cy = max(cell, ext.height / Double(ny - 1 == 0 ? 1 : ny - 1))
            func range(_ b: BBox) -> (Int, Int, Int, Int) {
                let x0 = max(0, min(nx - 1, Int(((b.minX - grow - ext.minX) / cx).rounded(.down))))
                let x1 = max(0, min(nx - 1, Int(((b.maxX + grow - ext.minX) / cx).rounded(.down))))
                let y0 = max(0, min(ny - 1, Int(((b.minY - grow - ext.minY) / cy).rounded(.down))))
                let y1 = max(0, min(ny - 1, Int(((b.maxY + grow - ext.minY) / cy).rounded(.down))))
                return (x0, x1, y0, y1)
            }
            // Cell lists as one flat array (counting sort), no per-cell arrays.
            var start = [Int](repeating: 0, count: nx * ny + 1)
            for j in restNew { let (x0, x1, y0, y1) = range(new[j].bbox); for y in y0...y1 { for x in x0...x1 { start[y * nx + x + 1] += 1 } } }
            for c in 0..<(nx * ny) { start[c + 1] += start[c] }
            var fill = start
            var items = [Int](repeating: 0, count: start[nx * ny])
            for j in restNew { let (x0, x1, y0, y1) = range(new[j].bbox); for y in y0...y1 { for x in x0...x1 { items[fill[y * nx + x]] = j; fill[y * nx + x] += 1 } } }
            var cands: [(Double, Int, Int)] = []
            var seen = [Int](repeating: -1, count: new.count)
            for i in restOld {
                let b = old[i].bbox
                let (x0, x1, y0, y1) = range(b)
                for y in y0...y1 {
                    for x in x0...x1 {
                        for k in start[y * nx + x]..<start[y * nx + x + 1] {
                            let j = items[k]
                            if seen[j] == i { continue }
                            seen[j] = i
                            let nb = new[j].bbox
                            guard nb.minX <= b.maxX + grow, nb.maxX >= b.minX - grow, nb.minY <= b.maxY + grow, nb.maxY >= b.minY - grow else { continue }
                            if let s = try similarity(old[i], new[j]) { cands.append((s, i, j)) }
                        }
                    }
                }
            }
            cands.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1 != $1.1 ? $0.1 < $1.1 : $0.2 < $1.2) }
            for (_, i, j) in cands where !oldTaken[i] && !newTaken[j] {
                oldTaken[i] = true; newTaken[j] = true
                pairs.append((i, j, false))
            }
        }
        pairs.sort { $0.0 < $1.0 }
        return (pairs, old.indices.filter { !oldTaken[$0] }, new.indices.filter { !newTaken[$0] })
    }

    /// The largest distance from a vertex of either geometry to the other geometry's outline (segments; points for
    /// point geometries): a symmetric vertex Hausdorff distance. Equal geometries give 0; moving every vertex by at
    /// most d gives at most d.
    public static func vertexDistance(_ a: Geometry, _ b: Geometry) -> Double {
        let sa = segments(a), sb = segments(b)
        return max(directed(points(a), sb), directed(points(b), sa))
    }

    static func points(_ g: Geometry) -> [Vec2] { g.allPoints }

    /// Segments of the outline (rings closed); a point is a zero-length segment.
    static func segments(_ g: Geometry) -> [(Vec2, Vec2)] {
        var s: [(Vec2, Vec2)] = []
        switch g {
        case .point(let p): s.append((p, p))
        case .multiPoint(let ps): for p in ps { s.append((p, p)) }
        case .lineString(let l): for k in 0..<max(0, l.points.count - 1) { s.append((l.points[k], l.points[k + 1])) }
        case .multiLineString(let ls): for l in ls { for k in 0..<max(0, l.points.count - 1) { s.append((l.points[k], l.points[k + 1])) } }
        default:
            for p in g.polygons.polygons {
                for r in p.rings where !r.isEmpty {
                    for k in 0..<r.count { s.append((r[k], r[(k + 1) % r.count])) }
                }
            }
        }
        return s
    }

    static func directed(_ ps: [Vec2], _ segs: [(Vec2, Vec2)]) -> Double {
        if ps.isEmpty { return 0 }
        if segs.isEmpty { return .infinity }
        var worst = 0.0
        for p in ps {
            var best = Double.infinity
            for (a, b) in segs {
                let dx = b.x - a.x, dy = b.y - a.y
                let l2 = dx * dx + dy * dy
                var t = l2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2 : 0
                t = min(1, max(0, t))
                let ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y
                best = min(best, ex * ex + ey * ey)
            }
            worst = max(worst, best)
        }
        return worst.squareRoot()
    }

    /// What changed between two matched versions: `footprint` (polygons) or `geometry` when a vertex moved more than
    /// the tolerance, then every attribute of `names` whose value differs (reals beyond `realTolerance`).
    public static func changes(_ a: DiffFeature, _ b: DiffFeature, names: [String], polygonal: Bool, options: DiffMatchOptions) -> (shift: Double, changes: [String]) {
        let d = vertexDistance(a.geometry, b.geometry)
        var c: [String] = []
        if d > options.toleranceM { c.append(polygonal ? "footprint" : "geometry") }
        for (k, n) in names.enumerated() {
            let x = k < a.values.count ? a.values[k] : .null, y = k < b.values.count ? b.values[k] : .null
            switch (x, y) {
            case (.real(let p), .real(let q)): if abs(p - q) > options.realTolerance { c.append(n) }
            default: if x != y { c.append(n) }
            }
        }
        return (d, c)
    }
}
