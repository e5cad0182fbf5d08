import CityModel
import Foundation

/// GCJ-02 ("Mars coordinates", used by Amap/Tencent and Chinese web maps) and BD-09 (Baidu) to and from WGS 84.
///
/// Forward transforms are the published formulas (Krasovsky-ellipsoid offsets of GCJ-02; Baidu's BD-09 rotation and
/// shift on top of GCJ-02). Inverses are iterated until the forward transform reproduces the input within 1 cm
/// (about 1e-7 degrees). Points outside China are left unchanged, as the convention says.
public enum ChinaCoords {
    static let a = 6378245.0
    static let ee = 0.00669342162296594323
    static let xPi = Double.pi * 3000.0 / 180.0

    /// The convention's own "outside China" box.
    public static func outOfChina(_ p: Vec2) -> Bool {
        p.x < 72.004 || p.x > 137.8347 || p.y < 0.8293 || p.y > 55.8271
    }

    static func tLat(_ x: Double, _ y: Double) -> Double {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        r += (160.0 * sin(y / 12.0 * .pi) + 320 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        return r
    }

    static func tLon(_ x: Double, _ y: Double) -> Double {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        r += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        return r
    }

    /// WGS 84 → GCJ-02 (lon, lat in degrees).
    public static func wgs84ToGCJ02(_ p: Vec2) -> Vec2 {
        if outOfChina(p) { return p }
        var dLat = tLat(p.x - 105.0, p.y - 35.0)
        var dLon = tLon(p.x - 105.0, p.y - 35.0)
        let radLat = p.y / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - ee * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180.0) / (a / sqrtMagic * cos(radLat) * .pi)
        return Vec2(p.x + dLon, p.y + dLat)
    }

    /// GCJ-02 → BD-09.
    public static func gcj02ToBD09(_ p: Vec2) -> Vec2 {
        let z = (p.x * p.x + p.y * p.y).squareRoot() + 0.00002 * sin(p.y * xPi)
        let theta = atan2(p.y, p.x) + 0.000003 * cos(p.x * xPi)
        return Vec2(z * cos(theta) + 0.0065, z * sin(theta) + 0.006)
    }

    /// BD-09 → GCJ-02 (Baidu's published inverse).
    public static func bd09ToGCJ02Approx(_ p: Vec2) -> Vec2 {
        let x = p.x - 0.0065, y = p.y - 0.006
        let z = (x * x + y * y).squareRoot() - 0.00002 * sin(y * xPi)
        let theta = atan2(y, x) - 0.000003 * cos(x * xPi)
        return Vec2(z * cos(theta), z * sin(theta))
    }

    /// Inverts `forward` by fixed-point iteration from `guess` until forward(x) is within 1e-7° (≈1 cm) of `target`.
    static func invert(_ target: Vec2, guess: Vec2, _ forward: (Vec2) -> Vec2) -> Vec2 {
        var x = guess
        for _ in 0..<30 {
            let d = forward(x) - target
            if abs(d.x) < 1e-8 && abs(d.y) < 1e-8 { break }
            x -= d
        }
        return x
    }

    /// GCJ-02 → WGS 84, iterated to within 1 cm.
    public static func gcj02ToWGS84(_ p: Vec2) -> Vec2 {
        if outOfChina(p) { return p }
        let first = p - (wgs84ToGCJ02(p) - p)
        return invert(p, guess: first, wgs84ToGCJ02)
    }

    /// BD-09 → GCJ-02, iterated to within 1 cm.
    public static func bd09ToGCJ02(_ p: Vec2) -> Vec2 { invert(p, guess: bd09ToGCJ02Approx(p), gcj02ToBD09) }

    /// BD-09 → WGS 84.
    public static func bd09ToWGS84(_ p: Vec2) -> Vec2 {
        if outOfChina(p) { return p }
        return gcj02ToWGS84(bd09ToGCJ02(p))
    }

    /// WGS 84 → BD-09.
    public static func wgs84ToBD09(_ p: Vec2) -> Vec2 {
        if outOfChina(p) { return p }
        return gcj02ToBD09(wgs84ToGCJ02(p))
    }
}
