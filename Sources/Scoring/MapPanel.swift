import Foundation

/// A small map for the report, supplied by the caller: polygons in projected coordinates and/or a raster grid,
/// drawn as inline SVG (north up, equal x/y scale).
public struct MapPanel: Sendable {
    /// Chinese title.
    public var titleZh: String
    /// English title.
    public var titleEn: String
    /// Polygons drawn over the raster, in order.
    public var polygons: [MapPolygon]
    /// Optional background raster; nil = polygons only.
    public var raster: MapRaster?
    /// Legend entries (fill class → label); empty = none.
    public var legend: [MapLegendEntry]
    /// Curves drawn under the map (e.g. the plan's "sites → coverage"); empty = none.
    public var curves: [MapCurve] = []

    /// A panel with titles and any of polygons, raster and legend.
    public init(titleZh: String, titleEn: String, polygons: [MapPolygon] = [], raster: MapRaster? = nil,
                legend: [MapLegendEntry] = []) {
        self.titleZh = titleZh; self.titleEn = titleEn; self.polygons = polygons; self.raster = raster; self.legend = legend
    }
}

/// A polygon: rings (ring 0 exterior, others holes; open or closed) in projected coordinates, and a fill class.
public struct MapPolygon: Sendable {
    /// Rings in projected coordinates (metres of the working CRS): ring 0 exterior, others holes.
    public var rings: [[SIMD2<Double>]]
    /// Fill class.
    public var fill: MapFill
    /// A polygon with the given fill.
    public init(rings: [[SIMD2<Double>]], fill: MapFill) { self.rings = rings; self.fill = fill }
}

/// Fill styles of map polygons (inline CSS classes of the report).
public enum MapFill: String, Sendable, CaseIterable {
    /// Served / covered area (green).
    case covered
    /// Gap, not served (red).
    case gap
    /// Zone or boundary outline (no fill).
    case outline
    /// Green space.
    case green
    /// Water.
    case water
    /// Buildings (grey).
    case building
    /// Neutral fill (light blue).
    case neutral
}

/// One legend line.
public struct MapLegendEntry: Sendable {
    /// Fill class shown as the swatch.
    public var fill: MapFill
    /// Chinese label.
    public var labelZh: String
    /// English label.
    public var labelEn: String
    /// A legend line.
    public init(fill: MapFill, labelZh: String, labelEn: String) { self.fill = fill; self.labelZh = labelZh; self.labelEn = labelEn }
}

/// A small raster for a map panel: row-major values, row 0 at the top (north), georeferenced by its extent.
public struct MapRaster: Sendable {
    /// Colour ramps: `coverage` red (low) → yellow → green (high), `sequential` light → dark blue.
    public enum Ramp: String, Sendable { case coverage, sequential }
    /// How to embed: SVG rectangles (runs of equal colour merged per row), an embedded PNG, or `auto`
    /// (rectangles up to 5,000 cells, else PNG).
    public enum Encoding: String, Sendable { case auto, rects, png }

    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// Row-major cell values, `width × height`, row 0 north.
    public var values: [Float]
    /// Extent of the raster in projected coordinates (metres of the working CRS).
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    /// Cells equal to this (or NaN) are transparent.
    public var nodata: Float?
    /// Values mapped to the ends of the ramp; nil = data min…max.
    public var valueRange: ClosedRange<Float>?
    /// Colour ramp.
    public var ramp: Ramp
    /// How the raster is embedded.
    public var encoding: Encoding

    /// A raster from `Float` values; precondition `values.count == width × height`.
    public init(width: Int, height: Int, values: [Float], minX: Double, minY: Double, maxX: Double, maxY: Double,
                nodata: Float? = nil, valueRange: ClosedRange<Float>? = nil, ramp: Ramp = .coverage,
                encoding: Encoding = .auto) {
        precondition(values.count == width * height, "MapRaster: values.count must be width·height")
        self.width = width; self.height = height; self.values = values
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
        self.nodata = nodata; self.valueRange = valueRange; self.ramp = ramp; self.encoding = encoding
    }

    /// A raster from bytes (e.g. a 0/1 coverage mask or 0–255 classes).
    public init(width: Int, height: Int, bytes: [UInt8], minX: Double, minY: Double, maxX: Double, maxY: Double,
                nodata: UInt8? = nil, valueRange: ClosedRange<Float>? = nil, ramp: Ramp = .coverage,
                encoding: Encoding = .auto) {
        self.init(width: width, height: height, values: bytes.map { Float($0) }, minX: minX, minY: minY, maxX: maxX,
                  maxY: maxY, nodata: nodata.map { Float($0) }, valueRange: valueRange, ramp: ramp, encoding: encoding)
    }

    /// Number of colour classes values are quantised to.
    static let classes = 8

    /// Quantised class per cell (−1 = transparent). O(cells).
    func classify() -> [Int] {
        let valid = values.filter { !$0.isNaN && $0 != nodata }
        let lo = valueRange?.lowerBound ?? valid.min() ?? 0
        let hi = valueRange?.upperBound ?? valid.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        return values.map { v in
            if v.isNaN || v == nodata { return -1 }
            let t = min(max((v - lo) / span, 0), 1)
            return min(Int(t * Float(Self.classes)), Self.classes - 1)
        }
    }

    /// RGB of a class.
    func color(ofClass k: Int) -> (UInt8, UInt8, UInt8) {
        let t = Double(k) / Double(Self.classes - 1)
        switch ramp {
        case .coverage:
            // red (215,48,39) → yellow (254,224,139) → green (26,152,80)
            if t < 0.5 { return lerp((215, 48, 39), (254, 224, 139), t * 2) }
            return lerp((254, 224, 139), (26, 152, 80), (t - 0.5) * 2)
        case .sequential:
            return lerp((222, 235, 247), (8, 69, 148), t)
        }
    }

    private func lerp(_ a: (Double, Double, Double), _ b: (Double, Double, Double), _ t: Double) -> (UInt8, UInt8, UInt8) {
        (UInt8((a.0 + (b.0 - a.0) * t).rounded()), UInt8((a.1 + (b.1 - a.1) * t).rounded()),
         UInt8((a.2 + (b.2 - a.2) * t).rounded()))
    }
}
