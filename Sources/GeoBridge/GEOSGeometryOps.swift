import CityModel
import Indicators

/// The indicators' polygon overlay (union, buffer, intersection, difference, clipped length) done with GEOS: the
/// adapter behind `Indicators.GeometryOps`. One instance per thread (`fork()` for each worker of a tiled pass).
public final class GEOSGeometryOps: GeometryOps {
    let g = GEOSContext()
    public init() {}

    /// A new instance with its own GEOS context (a context serves one thread).
    public func fork() -> sending GeometryOps { GEOSGeometryOps() }

    private func geos(_ m: MultiPolygon) throws -> GEOSGeometry { try g.read(.multiPolygon(m)) }
    private func back(_ x: GEOSGeometry) throws -> MultiPolygon { try x.geometry().polygons }

    public func union(_ parts: [MultiPolygon]) throws -> MultiPolygon {
        let nonEmpty = parts.filter { !$0.polygons.isEmpty }
        if nonEmpty.isEmpty { return MultiPolygon([]) }
        return try back(try g.unaryUnion(try g.read(.multiPolygon(MultiPolygon(nonEmpty.flatMap(\.polygons))))))
    }

    public func bufferUnion(_ geometries: [Geometry], distance: Double) throws -> MultiPolygon {
        if geometries.isEmpty { return MultiPolygon([]) }
        if geometries.count == 1 { return try back(try g.buffer(try g.read(geometries[0]), distance, quadrantSegments: 8)) }
        // Buffer each part, then one cascaded union: much faster and more robust than buffering a whole collection
        // of crossing lines at once (which GEOS retries at reduced precision).
        let parts = try geometries.map { try g.buffer(try g.read($0), distance, quadrantSegments: 8) }
        return try back(try g.unaryUnion(parts))
    }

    public func bufferUnion(_ geometries: [Geometry], distance: Double, clippedTo box: BBox) throws -> MultiPolygon {
        if geometries.isEmpty { return MultiPolygon([]) }
        let parts = try geometries.map { try g.clipByRect(try g.buffer(try g.read($0), distance, quadrantSegments: 8), box) }
        return try back(try g.unaryUnion(parts))
    }

    public func intersection(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon {
        if a.polygons.isEmpty || b.polygons.isEmpty { return MultiPolygon([]) }
        return try back(try g.intersection(try geos(a), try geos(b)))
    }

    public func difference(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon {
        if a.polygons.isEmpty { return a }
        if b.polygons.isEmpty { return a }
        return try back(try g.difference(try geos(a), try geos(b)))
    }

    /// Lines within 1 cm of an area's boundary count half in it (see ``GEOSContext/lengthInside(_:_:edgeBand:)``).
    public static let edgeBand = 0.01

    public func lengthInside(_ lines: [LineString], _ area: MultiPolygon) throws -> Double {
        if lines.isEmpty || area.polygons.isEmpty { return 0 }
        // Line by line: a sewer and a storm drain drawn on the same centreline are two pipes (one MultiLineString
        // would dissolve them into one).
        return try g.lengthInside(try lines.map { try g.read(.lineString($0)) }, try geos(area), edgeBand: Self.edgeBand)
    }

    /// In pure Swift (`LineLengths`: the same edge-band measure as `lengthInside`, on an edge grid, without buffers or
    /// overlays; equal to it within the buffers' arc segments, `LineLengthsTests`). At 1M buildings the GEOS form took
    /// 65.5 CPU-s of the indicator stage.
    public func lengthsInside(_ sets: [[LineString]], _ areas: [MultiPolygon]) throws -> [[Double]] {
        LineLengths.lengthsInside(sets, areas)
    }

    public func areasInside(_ parts: [MultiPolygon], _ area: MultiPolygon) throws -> [Double] {
        if parts.isEmpty { return [] }
        if area.polygons.isEmpty { return [Double](repeating: 0, count: parts.count) }
        return try g.areasInside(try parts.map { try geos($0) }, try geos(area))
    }
}
