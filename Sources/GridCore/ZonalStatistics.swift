/// Zonal statistics in one pass: per zone count, weight, sum, mean, min, max and covered share.
///
/// Zones come either as an Int32 zone-id grid (each cell weight 1) or as polygons with exact coverage fractions (each
/// cell weighted by the share of it inside the polygon, as exactextract's weighted statistics). Values are a Float grid
/// on the same cells; no-data values are left out of sum/mean/min/max but the cell still counts for the covered share.
/// An optional mask (UInt8, set = covered) gives the covered share of each zone's weight and the covered sum of values
/// (e.g. population within 500 m of a park). Time O(cells) for a zone grid (runs of equal ids hit a one-entry cache),
/// O(Σ polygon windows) for polygons; memory O(zones).

/// Statistics of one zone.
public struct ZoneStats: Sendable, Equatable {
    /// Cells in the zone with a valid value (for polygons: cells with coverage > 0 and a valid value).
    public var count: Int = 0
    /// Σ weights of cells with a valid value (cell count for a zone grid, Σ coverage fraction for a polygon).
    public var weight: Double = 0
    /// Σ weight × value.
    public var sum: Double = 0
    /// Smallest and largest valid value (of cells with weight > 0); ±∞ when the zone has none.
    public var min: Double = .infinity
    /// Largest valid value (of cells with weight > 0); −∞ when the zone has none.
    public var max: Double = -.infinity
    /// Σ weights of all zone cells (valid value or not) and of those where the mask is set.
    public var totalWeight: Double = 0
    /// Σ weights of the zone's cells where the mask is set (0 without a mask).
    public var coveredWeight: Double = 0
    /// Σ weight × value over cells where the mask is set.
    public var coveredSum: Double = 0

    /// Empty statistics (count 0, min +∞, max −∞).
    public init() {}
    /// sum / weight, nil for an empty zone.
    public var mean: Double? { weight > 0 ? sum / weight : nil }
    /// Share of the zone's weight (cells or area) where the mask is set, nil for an empty zone.
    public var coveredShare: Double? { totalWeight > 0 ? coveredWeight / totalWeight : nil }
    /// Share of the zone's value sum (e.g. population) where the mask is set, nil when the sum is 0.
    public var coveredValueShare: Double? { sum != 0 ? coveredSum / sum : nil }

    @inline(__always) mutating func add(_ w: Double, _ v: Float, valid: Bool, covered: Bool) {
        totalWeight += w
        if covered { coveredWeight += w }
        guard valid else { return }
        let d = Double(v)
        count += 1; weight += w; sum += w * d
        if covered { coveredSum += w * d }
        if d < min { min = d }
        if d > max { max = d }
    }
}

/// Zonal statistics by zone-id grid or by polygons with coverage fractions (see the notes above).
public enum ZonalStatistics {
    /// Statistics per zone id of `zones` (cells whose id is negative or the zone grid's no-data belong to no zone).
    public static func byZoneGrid(zones: Grid<Int32>, values: Grid<Float>, mask: Grid<UInt8>? = nil) -> [Int32: ZoneStats] {
        precondition(zones.rows == values.rows && zones.cols == values.cols, "zone and value grids differ in shape")
        if let m = mask { precondition(m.rows == values.rows && m.cols == values.cols, "mask differs in shape") }
        var index: [Int32: Int] = [:]
        var stats: [ZoneStats] = []
        var ids: [Int32] = []
        zones.withUnsafeBufferPointer { z in values.withUnsafeBufferPointer { v in
            let visit = { (m: UnsafeBufferPointer<UInt8>?) in
                var lastId: Int32 = -1, lastIdx = -1
                for i in 0..<z.count {
                    let id = z[i]
                    if id < 0 || zones.isNoData(id) { continue }
                    if id != lastId {
                        lastId = id
                        if let k = index[id] { lastIdx = k } else {
                            lastIdx = stats.count; index[id] = lastIdx; stats.append(ZoneStats()); ids.append(id)
                        }
                    }
                    let x = v[i]
                    stats[lastIdx].add(1, x, valid: !values.isNoData(x) && x == x, covered: m.map { $0[i] != 0 } ?? false)
                }
            }
            if let mask { mask.withUnsafeBufferPointer { visit($0) } } else { visit(nil) }
        } }
        var out: [Int32: ZoneStats] = [:]
        for (k, id) in ids.enumerated() { out[id] = stats[k] }
        return out
    }

    /// Statistics per polygon (ring 0 exterior, others holes), cells weighted by exact coverage fraction.
    /// `polygons[i]` is one zone given as its parts (a multipolygon; a plain polygon is `[rings]`).
    public static func byPolygons(_ polygons: [[[[SIMD2<Double>]]]], values: Grid<Float>, mask: Grid<UInt8>? = nil) -> [ZoneStats] {
        if let m = mask { precondition(m.rows == values.rows && m.cols == values.cols, "mask differs in shape") }
        var acc = CoverageAccumulator()
        let g = values.geometry
        var out = [ZoneStats](repeating: ZoneStats(), count: polygons.count)
        values.withUnsafeBufferPointer { v in
            let visit = { (m: UnsafeBufferPointer<UInt8>?) in
                for (k, parts) in polygons.enumerated() {
                    var s = ZoneStats()
                    acc.accumulate(parts: parts, geometry: g) { r, c, f in
                        let i = r * g.cols + c, x = v[i]
                        s.add(f, x, valid: !values.isNoData(x) && x == x, covered: m.map { $0[i] != 0 } ?? false)
                    }
                    out[k] = s
                }
            }
            if let mask { mask.withUnsafeBufferPointer { visit($0) } } else { visit(nil) }
        }
        return out
    }
}
