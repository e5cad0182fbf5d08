import CityModel
import Foundation

/// Web Mercator (EPSG:3857) tile arithmetic of the web outputs: the XYZ scheme of MapLibre, GDAL's MVT driver and
/// gdal2tiles' `--xyz` (tile (0, 0) at the north-west corner, 256-pixel tiles).
public enum WebTiling {
    /// Half the side of the Web Mercator square (m): π × 6378137.
    public static let originShift = Double.pi * 6_378_137.0

    /// Side of one tile at zoom `z` (m, in projected units).
    public static func tileSize(_ z: Int) -> Double { 2 * originShift / Double(1 << z) }

    /// Tile columns and rows (inclusive ranges) a Web Mercator box covers at zoom `z`.
    public static func tileRange(_ b: BBox, zoom z: Int) -> (x: ClosedRange<Int>, y: ClosedRange<Int>) {
        let n = 1 << z, s = tileSize(z)
        func clamp(_ v: Int) -> Int { min(max(v, 0), n - 1) }
        let x0 = clamp(Int(((b.minX + originShift) / s).rounded(.down))), x1 = clamp(Int(((b.maxX + originShift) / s).rounded(.down)))
        let y0 = clamp(Int(((originShift - b.maxY) / s).rounded(.down))), y1 = clamp(Int(((originShift - b.minY) / s).rounded(.down)))
        return (x0...max(x0, x1), y0...max(y0, y1))
    }

    /// The Web Mercator box of tile (z, x, y).
    public static func tileBounds(z: Int, x: Int, y: Int) -> BBox {
        let s = tileSize(z)
        return BBox(minX: -originShift + Double(x) * s, minY: originShift - Double(y + 1) * s,
                    maxX: -originShift + Double(x + 1) * s, maxY: originShift - Double(y) * s)
    }

    /// Zoom levels for data covering `extent` (EPSG:3857) at latitude `lat` (degrees): the lowest is two levels
    /// below the one that shows the whole extent in at most 2 × 2 tiles (tile side ≥ the extent's side), so the city
    /// can be seen whole in its surroundings; the highest is the first whose vector tile grid (4096 units a tile) is
    /// finer than `precisionM` metres on the ground (Web Mercator scale is 1/cos(lat)), at least two above the lowest
    /// and at most 18. Clients overzoom beyond it.
    public static func vectorZooms(extent: BBox, latitude lat: Double, precisionM: Double = 1.0) -> ClosedRange<Int> {
        let side = max(extent.width, extent.height, 1)
        let fit = Int(log2(2 * originShift / side).rounded(.down))
        let lo = min(max(fit - 2, 0), 16)
        let groundPerUnit = { (z: Int) in tileSize(z) / 4096 * cos(lat * .pi / 180) }
        var hi = lo
        while hi < 18 && groundPerUnit(hi) > precisionM { hi += 1 }
        return lo...min(max(lo + 2, hi), 18)
    }

    /// Walk pieces a tile may average at the walk layer's lowest zoom.
    public static let walkPiecesPerTile = 16_384

    /// The lowest zoom of the walk layer: three below the highest, raised while its `pieces` would average more than
    /// `walkPiecesPerTile` over the tiles covering `extent` (EPSG:3857) — a million-building city's 320k pieces in
    /// 9 tiles at z11 are a blur at that scale and a quarter of the vector tiles' time; never above the highest.
    public static func walkMinZoom(zooms: ClosedRange<Int>, pieces: Int, extent: BBox) -> Int {
        var z = max(zooms.lowerBound, zooms.upperBound - 3)
        while z < zooms.upperBound {
            let r = tileRange(extent, zoom: z)
            if pieces <= walkPiecesPerTile * r.x.count * r.y.count { break }
            z += 1
        }
        return z
    }

    /// The highest zoom at which a raster of `cellM`-metre cells is worth tiling: the first whose 256-pixel tiles have
    /// pixels no larger than a cell on the ground, but capped so the covered tile block at that zoom holds at most
    /// `maxPixels` pixels (memory of one warp), and never below `minZoom`.
    public static func rasterMaxZoom(extent: BBox, latitude lat: Double, cellM: Double, minZoom: Int, maxPixels: Int = 48_000_000) -> Int {
        var z = minZoom
        while z < 18 && tileSize(z) / 256 * cos(lat * .pi / 180) > cellM { z += 1 }
        while z > minZoom {
            let r = tileRange(extent, zoom: z)
            if r.x.count * r.y.count * 65_536 <= maxPixels { break }
            z -= 1
        }
        return z
    }
}

/// A colour scale of a raster layer: classes by upper bound (value ≤ bound → colour), transparent for no data.
public struct WebColorRamp: Sendable, Equatable {
    /// One class: values up to `upper` (inclusive) get `rgba`; `label` for the legend.
    public struct Step: Sendable, Equatable {
        public var upper: Double
        public var rgba: (UInt8, UInt8, UInt8, UInt8)
        public var label: String
        public init(_ upper: Double, _ rgba: (UInt8, UInt8, UInt8, UInt8), _ label: String) { self.upper = upper; self.rgba = rgba; self.label = label }
        public static func == (a: Step, b: Step) -> Bool {
            a.upper == b.upper && a.label == b.label && a.rgba.0 == b.rgba.0 && a.rgba.1 == b.rgba.1 && a.rgba.2 == b.rgba.2 && a.rgba.3 == b.rgba.3
        }
    }
    public var title: String
    public var steps: [Step]
    /// Values at or below this are transparent (e.g. 0 green cover), nil for none.
    public var transparentAtOrBelow: Double?

    /// The colour of one value (transparent for NaN, for values under `transparentAtOrBelow`; the last class for
    /// values above every bound).
    public func color(_ v: Float) -> (UInt8, UInt8, UInt8, UInt8) {
        if v.isNaN { return (0, 0, 0, 0) }
        let d = Double(v)
        if let t = transparentAtOrBelow, d <= t { return (0, 0, 0, 0) }
        for s in steps where d <= s.upper { return s.rgba }
        return steps.last?.rgba ?? (0, 0, 0, 0)
    }

    /// Colours a row-major value buffer into RGBA bytes.
    public func colorize(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        for i in values.indices {
            let c = color(values[i])
            out[4 * i] = c.0; out[4 * i + 1] = c.1; out[4 * i + 2] = c.2; out[4 * i + 3] = c.3
        }
        return out
    }

    static func hex(_ c: (UInt8, UInt8, UInt8, UInt8)) -> String { String(format: "#%02x%02x%02x", c.0, c.1, c.2) }

    /// The ramp for a grid of the run, by file name (`walk_<category>`, `green_cover`, `park_service`, `pipe_distance`,
    /// `built_up`); other grids get five quantile-free classes between `minValue` and `maxValue`.
    public static func forGrid(_ name: String, minValue: Double, maxValue: Double) -> WebColorRamp {
        let a: UInt8 = 200
        if name.hasPrefix("walk_") {
            let cat = String(name.dropFirst(5))
            return WebColorRamp(title: "步行距离 Walking distance to \(cat) (m)", steps: [
                Step(300, (26, 152, 80, a), "≤ 300 m"), Step(500, (145, 207, 96, a), "300–500 m"),
                Step(1000, (254, 224, 139, a), "500–1000 m"), Step(6553.3, (244, 109, 67, a), "> 1000 m"),
                Step(.infinity, (165, 0, 38, a), "beyond the search cutoff"),
            ], transparentAtOrBelow: nil)
        }
        switch name {
        case "green_cover":
            return WebColorRamp(title: "绿化覆盖 Green cover (share of cell)", steps: [
                Step(0.25, (199, 233, 192, a), "≤ 25 %"), Step(0.5, (116, 196, 118, a), "25–50 %"),
                Step(0.75, (35, 139, 69, a), "50–75 %"), Step(.infinity, (0, 90, 50, a), "> 75 %"),
            ], transparentAtOrBelow: 0)
        case "park_service":
            return WebColorRamp(title: "公园服务范围 Park service area", steps: [Step(.infinity, (49, 163, 84, 150), "within a park's service radius")], transparentAtOrBelow: 0)
        case "built_up":
            return WebColorRamp(title: "建成区 Built-up area", steps: [Step(.infinity, (120, 120, 120, 120), "built-up")], transparentAtOrBelow: 0)
        case "pipe_distance":
            return WebColorRamp(title: "距排水管网 Distance to a drainage pipe (m)", steps: [
                Step(50, (8, 81, 156, a), "≤ 50 m"), Step(100, (66, 146, 198, a), "50–100 m"),
                Step(300, (253, 174, 97, a), "100–300 m"), Step(.infinity, (215, 48, 39, a), "> 300 m"),
            ], transparentAtOrBelow: nil)
        default:
            let lo = minValue.isFinite ? minValue : 0, hi = maxValue.isFinite && maxValue > lo ? maxValue : lo + 1
            let colors: [(UInt8, UInt8, UInt8, UInt8)] = [(68, 1, 84, a), (59, 82, 139, a), (33, 145, 140, a), (94, 201, 98, a), (253, 231, 37, a)]
            let steps = (0..<5).map { i -> Step in
                let up = i == 4 ? Double.infinity : lo + (hi - lo) * Double(i + 1) / 5
                let from = lo + (hi - lo) * Double(i) / 5
                return Step(up, colors[i], String(format: "%.4g–%.4g", from, i == 4 ? hi : up))
            }
            return WebColorRamp(title: name, steps: steps, transparentAtOrBelow: nil)
        }
    }

    /// The legend as JSON-ready values.
    var legend: [[String: String]] { steps.map { ["color": Self.hex($0.rgba), "label": $0.label] } }
}
