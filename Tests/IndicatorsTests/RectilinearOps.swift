import CityModel
import Indicators

/// An exact, pure-Swift GeometryOps for axis-parallel geometry (rectilinear polygons, axis-parallel lines), so the
/// indicator formulas can be tested without GEOS. Buffers use the L∞ (square) metric, which keeps every result
/// rectilinear: buffer(rectangle, d) is the rectangle grown by d, buffer(segment, d) the segment's box grown by d.
///
/// Method: coordinate compression. The x and y coordinates of all inputs cut the plane into elementary cells; a cell is
/// inside a multipolygon when its centre is (no centre lies on an edge, since every edge is on a cut). Results are
/// unions of elementary cells, merged into horizontal runs; their areas are exact sums of rectangles.
final class RectilinearOps: GeometryOps {
    struct NotRectilinear: Error {}

    func fork() -> sending GeometryOps { RectilinearOps() }

    private static func coords(_ mps: [MultiPolygon]) -> ([Double], [Double]) {
        var xs: Set<Double> = [], ys: Set<Double> = []
        for m in mps { for p in m.polygons { for r in p.rings { for v in r { xs.insert(v.x); ys.insert(v.y) } } } }
        return (xs.sorted(), ys.sorted())
    }

    /// Cells of the compression of `mps` for which `keep(inside flags)` holds, as a multipolygon of horizontal runs.
    private static func combine(_ mps: [MultiPolygon], _ keep: ([Bool]) -> Bool) -> MultiPolygon {
        let (xs, ys) = coords(mps)
        if xs.count < 2 || ys.count < 2 { return MultiPolygon([]) }
        var out: [Polygon] = []
        for j in 0..<(ys.count - 1) {
            let cy = (ys[j] + ys[j + 1]) / 2
            var runStart: Int? = nil
            for i in 0...(xs.count - 1) {
                let inside: Bool
                if i < xs.count - 1 {
                    let c = Vec2((xs[i] + xs[i + 1]) / 2, cy)
                    inside = keep(mps.map { $0.contains(c) })
                } else { inside = false }
                if inside, runStart == nil { runStart = i }
                if !inside, let s = runStart {
                    out.append(rect(xs[s], ys[j], xs[i], ys[j + 1]))
                    runStart = nil
                }
            }
        }
        return MultiPolygon(out)
    }

    static func rect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Polygon {
        Polygon([[Vec2(x0, y0), Vec2(x1, y0), Vec2(x1, y1), Vec2(x0, y1), Vec2(x0, y0)]])
    }

    /// The elementary cells of a multipolygon (as rectangles), for dilation.
    private static func cells(_ m: MultiPolygon) -> [BBox] {
        combine([m]) { $0[0] }.polygons.map(\.bbox)
    }

    func union(_ parts: [MultiPolygon]) throws -> MultiPolygon {
        Self.combine(parts) { $0.contains(true) }
    }

    func intersection(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon { Self.combine([a, b]) { $0[0] && $0[1] } }
    func difference(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon { Self.combine([a, b]) { $0[0] && !$0[1] } }

    private static func grow(_ b: BBox, _ d: Double) -> MultiPolygon {
        MultiPolygon([rect(b.minX - d, b.minY - d, b.maxX + d, b.maxY + d)])
    }

    func bufferUnion(_ geometries: [Geometry], distance d: Double) throws -> MultiPolygon {
        if d >= 0 {
            var boxes: [BBox] = []
            for g in geometries {
                switch g {
                case .polygon(let p): boxes += Self.cells(MultiPolygon([p]))
                case .multiPolygon(let m): boxes += Self.cells(m)
                case .lineString(let l):
                    for k in 1..<l.points.count {
                        let a = l.points[k - 1], b = l.points[k]
                        guard a.x == b.x || a.y == b.y else { throw NotRectilinear() }
                        boxes.append(BBox(points: [a, b]))
                    }
                default: throw NotRectilinear()
                }
            }
            return try union(boxes.map { Self.grow($0, d) })
        }
        // Erosion: R minus the dilation of its complement (taken inside a frame wide enough that the frame's own
        // complement part reaches every point within |d| of R's outside).
        let r = try union(geometries.map(\.polygons))
        let frame = Self.grow(r.bbox, 2 * -d + 1)
        let outside = try difference(frame, r)
        let grown = try bufferUnion(outside.polygons.map { .polygon($0) }, distance: -d)
        return try difference(r, grown)
    }

    func lengthInside(_ lines: [LineString], _ area: MultiPolygon) throws -> Double {
        let (xs, ys) = Self.coords([area])
        var total = 0.0
        for l in lines {
            for k in 1..<l.points.count {
                let a = l.points[k - 1], b = l.points[k]
                guard a.x == b.x || a.y == b.y else { throw NotRectilinear() }
                // Cut the segment at the area's coordinates; keep the pieces whose midpoint is inside, and half of
                // those whose midpoint lies on the area's boundary (the protocol's rule for lines along an edge).
                var ts: [Double] = [0, 1]
                if a.x != b.x { for x in xs { let t = (x - a.x) / (b.x - a.x); if t > 0 && t < 1 { ts.append(t) } } }
                if a.y != b.y { for y in ys { let t = (y - a.y) / (b.y - a.y); if t > 0 && t < 1 { ts.append(t) } } }
                ts.sort()
                for m in 1..<ts.count where ts[m] > ts[m - 1] {
                    let mid = a + (b - a) * ((ts[m] + ts[m - 1]) / 2)
                    let piece = simdLength(b - a) * (ts[m] - ts[m - 1])
                    if Self.onBoundary(mid, area) { total += piece / 2 } else if area.contains(mid) { total += piece }
                }
            }
        }
        return total
    }

    /// True when p lies on a segment of one of the area's rings (exactly: the rings are axis-parallel).
    static func onBoundary(_ p: Vec2, _ area: MultiPolygon) -> Bool {
        for poly in area.polygons { for ring in poly.rings where ring.count >= 2 {
            for k in 0..<ring.count {
                let a = ring[k], b = ring[(k + 1) % ring.count]
                if a.x == b.x && p.x == a.x && p.y >= min(a.y, b.y) && p.y <= max(a.y, b.y) { return true }
                if a.y == b.y && p.y == a.y && p.x >= min(a.x, b.x) && p.x <= max(a.x, b.x) { return true }
            }
        } }
        return false
    }

    func areasInside(_ parts: [MultiPolygon], _ area: MultiPolygon) throws -> [Double] {
        try parts.map { try intersection($0, area).area }
    }
}
