// # CityModel
//
// The pure-Swift data model every stage shares (no C imports, no I/O):
// - Geometry.swift: planar simple-features geometry (points, lines, polygons with holes) in the working metric CRS,
//   with areas (m²), lengths (m), centroids and point-in-polygon;
// - WKB.swift: ISO/OGC well-known binary, the format GeoBridge exchanges with GDAL and GEOS;
// - Records.swift: the canonical base-layer records (buildings, roads, facilities, green, water, pipes, population,
//   zones, rejects) and `BaseLayer`;
// - Schema.swift: the documented base.gpkg schema per layer (`CanonicalLayer`, the README's table);
// - FeatureTable.swift: format-independent attribute tables and the streaming `FeatureSink` writers implement;
// - FacilityCategory.swift: life-circle facility categories (GB 50180-2018) with their walking thresholds.

/// Planar geometry in a metric working CRS (metres), the shape every pure module exchanges.
///
/// Conventions: rings are stored *open* (the first point is not repeated at the end); ring 0 of a polygon is the
/// exterior, further rings are holes. Orientation is not assumed on input; `Polygon.normalized()` makes exteriors
/// counter-clockwise and holes clockwise (the OGC / GeoJSON right-hand rule).
public typealias Vec2 = SIMD2<Double>

/// An axis-aligned bounding box.
public struct BBox: Sendable, Equatable, Hashable, Codable {
    /// Bounds in CRS units (metres in the working CRS); min > max on either axis means empty.
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    /// A box from its bounds (not checked: pass min > max for an empty box).
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }
    /// The empty box (min > max), the identity of `union`.
    public static let empty = BBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
    /// True when the box holds no point (min > max on an axis, or a NaN bound).
    public var isEmpty: Bool { !(minX <= maxX && minY <= maxY) }
    /// Extent along x (0 when empty).
    public var width: Double { isEmpty ? 0 : maxX - minX }
    /// Extent along y (0 when empty).
    public var height: Double { isEmpty ? 0 : maxY - minY }
    /// Midpoint of the box (meaningless for an empty box).
    public var center: Vec2 { Vec2((minX + maxX) / 2, (minY + maxY) / 2) }
    /// The smallest box holding all `points` (`.empty` for none). O(n).
    public init<S: Sequence>(points: S) where S.Element == Vec2 {
        self = .empty
        for p in points { expand(p) }
    }
    /// Grows the box to include `p`.
    public mutating func expand(_ p: Vec2) {
        if p.x < minX { minX = p.x }; if p.x > maxX { maxX = p.x }
        if p.y < minY { minY = p.y }; if p.y > maxY { maxY = p.y }
    }
    /// The smallest box holding both boxes (`.empty` is the identity).
    public func union(_ o: BBox) -> BBox {
        BBox(minX: Swift.min(minX, o.minX), minY: Swift.min(minY, o.minY), maxX: Swift.max(maxX, o.maxX), maxY: Swift.max(maxY, o.maxY))
    }
    /// The box grown by `d` on every side (an empty box stays empty).
    public func expanded(by d: Double) -> BBox {
        isEmpty ? self : BBox(minX: minX - d, minY: minY - d, maxX: maxX + d, maxY: maxY + d)
    }
    /// True when the boxes overlap or touch (closed intervals).
    public func intersects(_ o: BBox) -> Bool {
        !(o.minX > maxX || o.maxX < minX || o.minY > maxY || o.maxY < minY)
    }
    /// True when `p` is inside or on the border.
    public func contains(_ p: Vec2) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }
}

/// A polyline.
public struct LineString: Sendable, Equatable, Codable {
    /// Vertices in order, in CRS units.
    public var points: [Vec2]
    /// A line through `points`.
    public init(_ points: [Vec2]) { self.points = points }
    /// Euclidean length in CRS units (metres in the working CRS). O(n).
    public var length: Double {
        var s = 0.0
        if points.count > 1 { for i in 1..<points.count { s += simdLength(points[i] - points[i - 1]) } }
        return s
    }
    /// Bounding box of the vertices. O(n).
    public var bbox: BBox { BBox(points: points) }
}

/// A polygon: ring 0 is the exterior, the others are holes. Rings are open (no repeated closing point).
public struct Polygon: Sendable, Equatable, Codable {
    /// Open rings: `rings[0]` the exterior, the rest holes; any orientation (see ``normalized()``).
    public var rings: [[Vec2]]
    /// A polygon from its rings (exterior first), taken as given.
    public init(_ rings: [[Vec2]]) { self.rings = rings }
    /// A polygon from an exterior ring and optional holes (all open).
    public init(exterior: [Vec2], holes: [[Vec2]] = []) { self.rings = [exterior] + holes }
    /// The exterior ring (empty for a polygon without rings).
    public var exterior: [Vec2] { rings.first ?? [] }
    /// The interior rings.
    public var holes: ArraySlice<[Vec2]> { rings.dropFirst() }
    /// Area in CRS units² (m² in the working CRS): exterior minus holes, independent of ring orientation. O(n).
    public var area: Double {
        guard let e = rings.first else { return 0 }
        var a = abs(signedArea(e))
        for h in rings.dropFirst() { a -= abs(signedArea(h)) }
        return a
    }
    /// Bounding box of the exterior ring. O(n).
    public var bbox: BBox { BBox(points: exterior) }
    /// A copy with the exterior counter-clockwise and holes clockwise (OGC right-hand rule). O(n).
    public func normalized() -> Polygon {
        var out = rings
        for i in out.indices {
            let ccw = signedArea(out[i]) > 0
            if (i == 0) != ccw { out[i].reverse() }
        }
        return Polygon(out)
    }
    /// Area-weighted centroid of exterior minus holes; the exterior's vertex mean when the net area is ~0 (< 1e-12).
    /// O(n).
    public var centroid: Vec2 {
        var a = 0.0, c = Vec2.zero
        for (i, r) in rings.enumerated() {
            let (ra, rc) = ringMoment(r)
            // The exterior adds and holes subtract, whatever their orientation: each ring's area and moment are taken
            // with the sign of a counter-clockwise ring (holes used to be added when they were clockwise).
            let sign: Double = i == 0 ? 1 : -1
            a += sign * abs(ra); c += sign * (ra >= 0 ? rc : -rc)
        }
        if abs(a) < 1e-12 {
            let e = exterior
            return e.isEmpty ? .zero : e.reduce(.zero, +) / Double(e.count)
        }
        return c / a
    }
    /// Even-odd point-in-polygon test over all rings (boundary points may go either way). O(n) for n vertices.
    public func contains(_ p: Vec2) -> Bool {
        var inside = false
        for r in rings where r.count >= 3 {
            var j = r.count - 1
            for i in 0..<r.count {
                let a = r[i], b = r[j]
                if (a.y > p.y) != (b.y > p.y) {
                    let x = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                    if p.x < x { inside.toggle() }
                }
                j = i
            }
        }
        return inside
    }
    /// Total boundary length (exterior and holes, rings closed), CRS units. O(n).
    public var perimeter: Double {
        rings.reduce(0) { s, r in
            guard r.count > 1 else { return s }
            var l = simdLength(r[0] - r[r.count - 1])
            for i in 1..<r.count { l += simdLength(r[i] - r[i - 1]) }
            return s + l
        }
    }
}

/// A set of polygons.
public struct MultiPolygon: Sendable, Equatable, Codable {
    /// The parts, in order.
    public var polygons: [Polygon]
    /// A multipolygon of `polygons` (not checked for overlap).
    public init(_ polygons: [Polygon]) { self.polygons = polygons }
    /// Sum of the parts' areas (m² in the working CRS); overlapping parts count twice.
    public var area: Double { polygons.reduce(0) { $0 + $1.area } }
    /// Union of the parts' boxes (`.empty` for no parts).
    public var bbox: BBox { polygons.reduce(BBox.empty) { $0.union($1.bbox) } }
    /// True when some part contains `p` (even-odd per part). O(total vertices).
    public func contains(_ p: Vec2) -> Bool { polygons.contains { $0.contains(p) } }
    /// Area-weighted centroid of all parts (the first part's centroid when the total area is 0). O(n).
    public var centroid: Vec2 {
        var a = 0.0, c = Vec2.zero
        for p in polygons { let pa = p.area; a += pa; c += pa * p.centroid }
        if a <= 0 { return polygons.first?.centroid ?? .zero }
        return c / a
    }
    /// The part with the largest area, e.g. for labels; nil for no parts.
    public var largest: Polygon? { polygons.max { $0.area < $1.area } }
    /// Sum of the parts' boundary lengths, holes included.
    public var perimeter: Double { polygons.reduce(0) { $0 + $1.perimeter } }
}

/// Any 2D simple-features geometry.
public enum Geometry: Sendable, Equatable, Codable {
    /// A single point.
    case point(Vec2)
    /// Several points.
    case multiPoint([Vec2])
    /// One polyline.
    case lineString(LineString)
    /// Several polylines.
    case multiLineString([LineString])
    /// One polygon (with holes).
    case polygon(Polygon)
    /// Several polygons.
    case multiPolygon(MultiPolygon)

    /// Bounding box of every coordinate (of polygons, the exterior rings; holes lie inside them). O(n).
    public var bbox: BBox {
        switch self {
        case .point(let p): return BBox(points: [p])
        case .multiPoint(let ps): return BBox(points: ps)
        case .lineString(let l): return l.bbox
        case .multiLineString(let ls): return ls.reduce(BBox.empty) { $0.union($1.bbox) }
        case .polygon(let p): return p.bbox
        case .multiPolygon(let m): return m.bbox
        }
    }
    /// Polygonal content as a multipolygon (empty for points and lines).
    public var polygons: MultiPolygon {
        switch self {
        case .polygon(let p): return MultiPolygon([p])
        case .multiPolygon(let m): return m
        default: return MultiPolygon([])
        }
    }
    /// Linear content as line strings (polygon boundaries are not included).
    public var lines: [LineString] {
        switch self {
        case .lineString(let l): return [l]
        case .multiLineString(let ls): return ls
        default: return []
        }
    }
    /// A representative point: the point itself, the vertex mean of points, the midpoint along a line (of the longest
    /// line for several), the area-weighted centroid of polygons (may lie outside a concave shape); .zero when empty.
    public var representativePoint: Vec2 {
        switch self {
        case .point(let p): return p
        case .multiPoint(let ps): return ps.isEmpty ? .zero : ps.reduce(.zero, +) / Double(ps.count)
        case .lineString(let l): return l.pointAt(fraction: 0.5)
        case .multiLineString(let ls): return ls.max { $0.length < $1.length }?.pointAt(fraction: 0.5) ?? .zero
        case .polygon(let p): return p.centroid
        case .multiPolygon(let m): return m.centroid
        }
    }
    /// Every coordinate, in order.
    public var allPoints: [Vec2] {
        switch self {
        case .point(let p): return [p]
        case .multiPoint(let ps): return ps
        case .lineString(let l): return l.points
        case .multiLineString(let ls): return ls.flatMap(\.points)
        case .polygon(let p): return p.rings.flatMap { $0 }
        case .multiPolygon(let m): return m.polygons.flatMap { $0.rings.flatMap { $0 } }
        }
    }
    /// Applies `f` to every coordinate (e.g. a reprojection already done in bulk).
    public func mapPoints(_ f: (Vec2) -> Vec2) -> Geometry {
        switch self {
        case .point(let p): return .point(f(p))
        case .multiPoint(let ps): return .multiPoint(ps.map(f))
        case .lineString(let l): return .lineString(LineString(l.points.map(f)))
        case .multiLineString(let ls): return .multiLineString(ls.map { LineString($0.points.map(f)) })
        case .polygon(let p): return .polygon(Polygon(p.rings.map { $0.map(f) }))
        case .multiPolygon(let m): return .multiPolygon(MultiPolygon(m.polygons.map { Polygon($0.rings.map { $0.map(f) }) }))
        }
    }
    /// Short type name as in OGC simple features.
    public var typeName: String {
        switch self {
        case .point: return "Point"
        case .multiPoint: return "MultiPoint"
        case .lineString: return "LineString"
        case .multiLineString: return "MultiLineString"
        case .polygon: return "Polygon"
        case .multiPolygon: return "MultiPolygon"
        }
    }
}

extension LineString {
    /// The point at a fraction (0…1, clamped) of the length along the line; the only point (or .zero) for fewer than
    /// two. O(n).
    public func pointAt(fraction f: Double) -> Vec2 {
        guard points.count > 1 else { return points.first ?? .zero }
        let target = length * Swift.min(Swift.max(f, 0), 1)
        var run = 0.0
        for i in 1..<points.count {
            let seg = simdLength(points[i] - points[i - 1])
            if run + seg >= target, seg > 0 {
                let t = (target - run) / seg
                return points[i - 1] + t * (points[i] - points[i - 1])
            }
            run += seg
        }
        return points[points.count - 1]
    }
}

/// Signed area of an open ring by the shoelace formula: positive when counter-clockwise.
@inlinable public func signedArea(_ r: [Vec2]) -> Double {
    guard r.count >= 3 else { return 0 }
    var s = 0.0
    var prev = r[r.count - 1]
    // Shift to the first vertex to limit cancellation with large projected coordinates.
    let o = r[0]
    prev -= o
    for p0 in r {
        let p = p0 - o
        s += prev.x * p.y - p.x * prev.y
        prev = p
    }
    return s / 2
}

/// Signed area and first moment (area × centroid) of an open ring.
func ringMoment(_ r: [Vec2]) -> (Double, Vec2) {
    guard r.count >= 3 else { return (0, .zero) }
    let o = r[0]
    var a = 0.0, c = Vec2.zero
    var prev = r[r.count - 1] - o
    for p0 in r {
        let p = p0 - o
        let cross = prev.x * p.y - p.x * prev.y
        a += cross
        c += (prev + p) * cross
        prev = p
    }
    a /= 2
    c /= 6
    return (a, c + a * o)
}

/// Euclidean length of a vector.
@inlinable public func simdLength(_ v: Vec2) -> Double { (v * v).sum().squareRoot() }
