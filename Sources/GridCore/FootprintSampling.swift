/// Sampling a raster under polygons (building footprints on a DEM): which cells each polygon covers, as row spans,
/// and the statistic of their values, read strip by strip so a large raster is never held whole.
///
/// Cell rule: a cell belongs to a footprint when its centre is inside it (even-odd over all rings of all parts),
/// exactly gdal_rasterize's default rule (`Rasterizer.centreSpans`). A footprint that holds no cell centre (smaller
/// than a cell, or a sliver) is sampled at the one cell that contains its representative point (the centroid of its
/// largest part); the same cell is used by the `centroid` statistic.

/// Which value of the cells under a footprint is its ground.
public enum GroundStatistic: String, Sendable, CaseIterable {
    /// The lowest cell (the default: a building's base is where its lowest side meets the ground).
    case min
    /// The mean of the cells.
    case mean
    /// The highest cell.
    case max
    /// The cell under the representative point (centroid of the largest part) only.
    case centroid
}

/// Cells `c0..<c1` of raster row `row` under footprint `item`.
public struct FootprintSpan: Sendable, Equatable {
    public var item: Int32
    public var row: Int32
    public var c0: Int32
    public var c1: Int32
    public init(item: Int32, row: Int32, c0: Int32, c1: Int32) { self.item = item; self.row = row; self.c0 = c0; self.c1 = c1 }
}

/// Running minimum, maximum, sum and count of valid cell values.
public struct SampleAccumulator: Sendable, Equatable {
    public var min = Double.infinity
    public var max = -Double.infinity
    public var sum = 0.0
    public var count = 0
    public init() {}
    @inline(__always) public mutating func add(_ v: Double) {
        if v < min { min = v }
        if v > max { max = v }
        sum += v; count += 1
    }
    public mutating func merge(_ o: SampleAccumulator) {
        if o.min < min { min = o.min }
        if o.max > max { max = o.max }
        sum += o.sum; count += o.count
    }
    /// The statistic, nil when no valid cell was seen.
    public func value(_ s: GroundStatistic) -> Double? {
        guard count > 0 else { return nil }
        switch s {
        case .min, .centroid: return min
        case .max: return max
        case .mean: return sum / Double(count)
        }
    }
}

public enum FootprintSampling {
    /// The cell (row, col) containing `p`, nil outside the grid or for a non-finite point.
    public static func cell(of p: SIMD2<Double>, in g: GridGeometry) -> (row: Int, col: Int)? {
        guard p.x.isFinite, p.y.isFinite else { return nil }
        let c = ((p.x - g.minX) / g.dx).rounded(.down), r = ((g.maxY - p.y) / g.dy).rounded(.down)
        guard c >= 0, r >= 0, c < Double(g.cols), r < Double(g.rows) else { return nil }
        return (Int(r), Int(c))
    }

    /// Appends the spans of footprint `item` (parts, each ring 0 exterior then holes, in the grid's coordinates) to
    /// `out`. With `.centroid`, or when no cell centre is inside, the one cell under `point` is used (when it is on
    /// the grid). Returns true when that fallback cell (on the grid) was used because the footprint holds no cell centre.
    @discardableResult
    public static func spans(item: Int32, parts: [[[SIMD2<Double>]]], point: SIMD2<Double>, geometry g: GridGeometry,
                             statistic: GroundStatistic, into out: inout [FootprintSpan]) -> Bool {
        let start = out.count
        if statistic != .centroid {
            for part in parts {
                Rasterizer.centreSpans(polygon: part, geometry: g) { row, cols in
                    out.append(FootprintSpan(item: item, row: Int32(row), c0: Int32(cols.lowerBound), c1: Int32(cols.upperBound)))
                }
            }
        }
        guard out.count == start, let (r, c) = cell(of: point, in: g) else { return false }
        out.append(FootprintSpan(item: item, row: Int32(r), c0: Int32(c), c1: Int32(c + 1)))
        return statistic != .centroid
    }

    /// Accumulates the valid values under `spans` (all with rows in `rowOffset ..< rowOffset + rows` of the strip,
    /// grouped by item) from a strip of stored values (row-major, `width` columns starting at raster column
    /// `colOffset`). A value is valid when finite and not `noData`; the real value is stored × scale + offset.
    /// Appends one (item, accumulator) per item group to `out`.
    public static func accumulate(spans: UnsafeBufferPointer<FootprintSpan>, strip: UnsafeBufferPointer<Double>, rowOffset: Int, colOffset: Int,
                                  width: Int, noData: Double?, scale: Double, offset: Double,
                                  into out: inout [(item: Int32, acc: SampleAccumulator)]) {
        var i = spans.startIndex
        let nd = noData ?? .nan, hasND = noData != nil
        while i < spans.endIndex {
            let item = spans[i].item
            var acc = SampleAccumulator()
            while i < spans.endIndex && spans[i].item == item {
                let s = spans[i]
                let base = (Int(s.row) - rowOffset) * width - colOffset
                for c in Int(s.c0)..<Int(s.c1) {
                    let v = strip[base + c]
                    if !v.isFinite || (hasND && v == nd) { continue }
                    acc.add(v * scale + offset)
                }
                i += 1
            }
            out.append((item, acc))
        }
    }
}
