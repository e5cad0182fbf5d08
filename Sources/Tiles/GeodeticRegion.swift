import Foundation
/// A 3D Tiles `region` bounding volume: [west, south, east, north] in radians (EPSG:4979) and [minimum, maximum] height
/// above the WGS84 ellipsoid in metres. 3D Tiles 1.1 §"Bounding volumes — Region". Union and growth are O(1).
/// Tiles that cross the antimeridian are not handled (west > east never produced).
public struct GeodeticRegion: Sendable, Equatable {
    public var west: Double, south: Double, east: Double, north: Double, minH: Double, maxH: Double
    public init(west: Double, south: Double, east: Double, north: Double, minH: Double, maxH: Double) {
        self.west = west; self.south = south; self.east = east; self.north = north; self.minH = minH; self.maxH = maxH
    }
    /// The empty region (the identity of `union`).
    public static let empty = GeodeticRegion(west: .infinity, south: .infinity, east: -.infinity, north: -.infinity,
                                             minH: .infinity, maxH: -.infinity)
    public var isEmpty: Bool { !(west <= east && south <= north && minH <= maxH) }
    /// Grows the region to contain a geodetic point.
    @inlinable public mutating func expand(lon: Double, lat: Double, h: Double) {
        if lon < west { west = lon }; if lon > east { east = lon }
        if lat < south { south = lat }; if lat > north { north = lat }
        if h < minH { minH = h }; if h > maxH { maxH = h }
    }
    public func union(_ o: GeodeticRegion) -> GeodeticRegion {
        if o.isEmpty { return self }
        if isEmpty { return o }
        return GeodeticRegion(west: min(west, o.west), south: min(south, o.south), east: max(east, o.east),
                              north: max(north, o.north), minH: min(minH, o.minH), maxH: max(maxH, o.maxH))
    }
    /// Grown by `m` metres in every direction (horizontal metres converted with the WGS84 radii, conservatively).
    public func padded(metres m: Double) -> GeodeticRegion {
        if isEmpty { return self }
        let dLat = m / (WGS84.a * (1 - WGS84.e2))   // the meridian radius of curvature is ≥ a(1 − e²)
        let maxAbsLat = min(max(abs(south), abs(north)) + dLat, 1.5)
        let dLon = m / (WGS84.b * cos(maxAbsLat))   // the parallel's radius is N·cos φ ≥ a·cos φ
        return GeodeticRegion(west: max(west - dLon, -.pi), south: max(south - dLat, -.pi / 2), east: min(east + dLon, .pi),
                              north: min(north + dLat, .pi / 2), minH: minH - m, maxH: maxH + m)
    }
    /// `[west, south, east, north, minH, maxH]`.
    public var array: [Double] { [west, south, east, north, minH, maxH] }
}
