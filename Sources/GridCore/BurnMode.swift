/// How a rasterizer writes a value into a cell that may already hold one.
///
/// `set` replaces (gdal_rasterize's default), `add` accumulates (counts, sums of an attribute, `-add`), `max` keeps the
/// larger (e.g. the tallest building per cell). Each operation is O(1) per cell.
public enum BurnMode: Sendable, Hashable {
    case set
    case add
    case max
}

extension BurnMode {
    /// `old` combined with `v` under this mode; integer results are rounded and clamped to the type's range.
    @inlinable @inline(__always)
    func combine<E: GridScalar>(_ old: E, _ v: E) -> E {
        switch self {
        case .set: return v
        case .add:
            if E.self == Float.self || E.self == Double.self { return old + v }
            return E(fromDouble: old.doubleValue + v.doubleValue)
        case .max: return Swift.max(old, v)
        }
    }
}

/// Common helpers for polygon rings given as open `[SIMD2<Double>]` (ring 0 exterior, others holes).
enum Rings {
    /// Twice the signed area (shoelace) of an open ring: > 0 when counter-clockwise in world coordinates (y up).
    @inlinable static func doubleSignedArea(_ ring: [SIMD2<Double>]) -> Double {
        let n = ring.count
        guard n >= 3 else { return 0 }
        var s = 0.0
        var p = ring[n - 1]
        // Relative to the first point, to keep precision with large projected coordinates.
        let o = ring[0]
        p -= o
        for i in 0..<n {
            let q = ring[i] - o
            s += p.x * q.y - q.x * p.y
            p = q
        }
        return s
    }

    /// True when every coordinate of every ring is finite (polygons with NaN / ±∞ are skipped by the rasterizers).
    static func allFinite(_ rings: [[SIMD2<Double>]]) -> Bool {
        for r in rings { for p in r where !(p.x.isFinite && p.y.isFinite) { return false } }
        return true
    }

    /// Bounding box of all rings' points.
    static func extent(_ rings: [[SIMD2<Double>]]) -> GridExtent {
        var e = GridExtent(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
        for r in rings { e = e.union(GridExtent(points: r)) }
        return e
    }
}
