/// Maps working-CRS coordinates to Earth-centred, Earth-fixed coordinates (EPSG:4978, metres).
///
/// Input points are (x, y) in the metric working CRS and z = height above the WGS84 ellipsoid (m); output is ECEF.
/// The Pipeline implements it with PROJ (working CRS + ellipsoidal height → EPSG:4978). `TilesetWriter` calls it from
/// several threads at once (one batch per tile), so implementations must be thread-safe (e.g. one PROJ context per
/// thread, or a lock). The output must have the input's count; throwing aborts the export.
public protocol ECEFProjector: Sendable {
    func toECEF(_ points: [SIMD3<Double>]) throws -> [SIMD3<Double>]
}

/// A working CRS that is a local tangent plane: ECEF = O + E·x + N·y + U·z, with O on the ellipsoid at (lon, lat)
/// and E, N, U the east-north-up unit vectors there. Exact by construction (no map projection), for tests, benchmarks
/// and synthetic cities; real data goes through PROJ. Here z is the height above the plane, which departs from the
/// ellipsoidal height by about d²/(2R) at distance d from the origin (8 cm at 1 km, 8 m at 10 km). O(1) per point.
public struct TangentPlaneProjector: ECEFProjector {
    public let frame: RigidTransform
    /// - Parameters: lonDeg, latDeg: the plane's origin (degrees).
    public init(lonDeg: Double, latDeg: Double) {
        frame = WGS84.enuFrame(lon: lonDeg * .pi / 180, lat: latDeg * .pi / 180, h: 0)
    }
    public func toECEF(_ points: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        points.map { frame.apply($0) }
    }
}
