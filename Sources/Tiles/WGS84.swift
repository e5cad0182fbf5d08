import Foundation
import CityModel

/// WGS84 ellipsoid constants and exact geodetic ⇄ ECEF (EPSG:4979 ⇄ EPSG:4978) conversions, in pure Swift.
///
/// Geodetic → ECEF is the closed form N(φ)·(cos φ cos λ, cos φ sin λ, (1−e²) sin φ) + h·up; ECEF → geodetic uses
/// Heikkinen's closed-form solution (M. Heikkinen, "Geschlossene Formeln zur Berechnung räumlicher geodätischer
/// Koordinaten aus rechtwinkligen Koordinaten", Z. Vermess. 107, 1982), accurate to well below a millimetre for
/// any point near the Earth's surface. O(1) per point. Reference: NIMA TR8350.2 (WGS84 definition).
public enum WGS84 {
    /// Semi-major axis a (m).
    public static let a = 6_378_137.0
    /// Flattening f.
    public static let f = 1.0 / 298.257_223_563
    /// Semi-minor axis b = a(1 − f) (m).
    public static let b = a * (1 - f)
    /// First eccentricity squared e² = f(2 − f).
    public static let e2 = f * (2 - f)
    /// Second eccentricity squared e′² = e² / (1 − e²).
    public static let ep2 = e2 / (1 - e2)

    /// ECEF (m) of a geodetic position: longitude and latitude in radians, height above the ellipsoid in metres.
    @inlinable
    public static func toECEF(lon: Double, lat: Double, h: Double) -> SIMD3<Double> {
        let sl = sin(lat), cl = cos(lat)
        let n = a / (1 - e2 * sl * sl).squareRoot()
        return SIMD3((n + h) * cl * cos(lon), (n + h) * cl * sin(lon), (n * (1 - e2) + h) * sl)
    }

    /// Geodetic (longitude rad, latitude rad, height above ellipsoid m) of an ECEF point (Heikkinen 1982).
    public static func toGeodetic(_ p: SIMD3<Double>) -> (lon: Double, lat: Double, h: Double) {
        let x = p.x, y = p.y, z = p.z
        let a2 = a * a, b2 = b * b
        let r2 = x * x + y * y
        let r = r2.squareRoot()
        if r < 1e-9 {   // on the polar axis
            let h = abs(z) - b
            return (0, z >= 0 ? .pi / 2 : -.pi / 2, h)
        }
        let z2 = z * z
        let F = 54 * b2 * z2
        let G = r2 + (1 - e2) * z2 - e2 * (a2 - b2)
        let c = e2 * e2 * F * r2 / (G * G * G)
        let s = cbrt(1 + c + (c * c + 2 * c).squareRoot())
        let k = s + 1 + 1 / s
        let P = F / (3 * k * k * G * G)
        let Q = (1 + 2 * e2 * e2 * P).squareRoot()
        let r0 = -(P * e2 * r) / (1 + Q) + max(0, a2 / 2 * (1 + 1 / Q) - P * (1 - e2) * z2 / (Q * (1 + Q)) - P * r2 / 2).squareRoot()
        let t = r - e2 * r0
        let U = (t * t + z2).squareRoot()
        let V = (t * t + (1 - e2) * z2).squareRoot()
        let z0 = b2 * z / (a * V)
        let h = U * (1 - b2 / (a * V))
        let lat = atan2(z + ep2 * z0, r)
        let lon = atan2(y, x)
        return (lon, lat, h)
    }

    /// The local east-north-up frame at a geodetic position: rotation columns (east, north, up) and origin at the
    /// position itself. O(1).
    public static func enuFrame(lon: Double, lat: Double, h: Double) -> RigidTransform {
        let sl = sin(lon), cl = cos(lon), sp = sin(lat), cp = cos(lat)
        let e = SIMD3(-sl, cl, 0)
        let n = SIMD3(-sp * cl, -sp * sl, cp)
        let u = SIMD3(cp * cl, cp * sl, sp)
        return RigidTransform(x: e, y: n, z: u, origin: toECEF(lon: lon, lat: lat, h: h))
    }
}
