import CityModel

/// The synthetic city's terrain: rolling hills cut by a valley along the river (issue 15, item 2).
///
/// elevation(p) = 45 − 0.0005·(x − x0) + s(d)·(8 + hills(p)), where d is the distance from the river's centreline
/// (|y − c(x)|), s a smooth ramp from 0 on the water (d ≤ width/2) to 1 at d ≥ width/2 + 700 m, and hills two
/// products of sines (wavelengths 3.3–4.1 km, amplitude 12 m) plus a diagonal ripple (1.7 km, 6 m), phases from the
/// seed. So the river is flat across and falls 0.5 m per km eastward, and the banks rise into hills up to ~75 m.
/// Heights are metres above the ellipsoid (the DEM has no vertical datum: no geoid conversion).
public struct SynthTerrain: Sendable {
    let river: River
    let p1: Double, p2: Double, p3: Double

    init(layout: CityLayout) {
        river = layout.river
        var rng = SplitMix64(seed: layout.seed ^ 0x7e77a1_5eed)
        p1 = rng.unit() * 2 * Double.pi
        p2 = rng.unit() * 2 * Double.pi
        p3 = rng.unit() * 2 * Double.pi
    }

    /// Ground elevation (m above the ellipsoid) at `p` (EPSG:4548 metres).
    public func elevation(_ p: Vec2) -> Double {
        let d = abs(river.offset(p))
        let inner = river.width / 2, ramp = 700.0
        let t = Swift.min(1, Swift.max(0, (d - inner) / ramp))
        let s = t * t * (3 - 2 * t)
        let x = p.x - river.x0, y = p.y
        let hills = 12 * sinApprox(2 * Double.pi * x / 4100 + p1) * cosApprox(2 * Double.pi * y / 3300 + p2)
            + 6 * sinApprox(2 * Double.pi * (x + y) / 1700 + p3) + 12
        return 45 - 0.0005 * x + s * (8 + hills)
    }
}

/// A north-up grid of elevations (cell centres), ready to be written as a GeoTIFF.
public struct SynthDEM: Sendable {
    public var minX: Double, maxY: Double, cell: Double
    public var cols: Int, rows: Int
    /// Row-major from the north-west corner, Float32 metres.
    public var values: [Float]
    /// GDAL's geotransform.
    public var geoTransform: [Double] { [minX, cell, 0, maxY, 0, -cell] }
}

extension SynthCity {
    /// The terrain model of this city.
    public var terrain: SynthTerrain { SynthTerrain(layout: layout) }

    /// The DEM: the study area plus `margin` metres, at `cell` metres (default 10 m: 3.3 k × 3.3 k cells, 44 MB, for
    /// the 1M city), each cell the elevation at its centre.
    public func dem(cell: Double = 10, margin: Double = 100) -> SynthDEM {
        let e = extent
        let minX = ((e.minX - margin) / cell).rounded(.down) * cell, maxY = ((e.maxY + margin) / cell).rounded(.up) * cell
        let maxX = ((e.maxX + margin) / cell).rounded(.up) * cell, minY = ((e.minY - margin) / cell).rounded(.down) * cell
        let cols = Int(((maxX - minX) / cell).rounded()), rows = Int(((maxY - minY) / cell).rounded())
        let t = terrain
        var v = [Float](repeating: 0, count: cols * rows)
        for r in 0..<rows {
            let y = maxY - (Double(r) + 0.5) * cell
            for c in 0..<cols { v[r * cols + c] = Float(t.elevation(Vec2(minX + (Double(c) + 0.5) * cell, y))) }
        }
        return SynthDEM(minX: minX, maxY: maxY, cell: cell, cols: cols, rows: rows, values: v)
    }
}
