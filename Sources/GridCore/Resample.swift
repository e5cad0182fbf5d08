/// Area-weighted resampling that preserves totals: a count grid (e.g. population per cell) moved onto another grid.
///
/// Each source cell's value is spread over the target cells it overlaps in proportion to the overlap area over the
/// source cell's area, so Σ target = Σ source for the part of the source inside the target extent (conservative
/// remapping; Jones 1999 first-order). Both grids are north-up and axis-aligned, so an overlap is the product of a
/// column overlap and a row overlap, precomputed per source column and row. Time O(source cells × overlaps per cell);
/// memory: the output plus one Double accumulation grid.
public enum Resample {
    /// `source` (any cell size / offset / extent) redistributed onto `target` by overlap area; no-data cells count as 0.
    public static func areaWeighted(_ source: Grid<Float>, to target: GridGeometry) -> Grid<Float> {
        let s = source.geometry
        // For each source column: (target column, share of the source column's width).
        func overlaps(sCount: Int, sStart: Double, sStep: Double, tCount: Int, tStart: Double, tStep: Double) -> [[(Int, Double)]] {
            (0..<sCount).map { i in
                let a = sStart + Double(i) * sStep, b = a + sStep
                let lo = (a - tStart) / tStep, hi = (b - tStart) / tStep
                var out: [(Int, Double)] = []
                var j = Swift.max(0, Int(lo.rounded(.down)))
                let jEnd = Swift.min(tCount - 1, Int(hi.rounded(.up)) - 1)
                while j <= jEnd {
                    let ta = tStart + Double(j) * tStep, tb = ta + tStep
                    let w = Swift.min(b, tb) - Swift.max(a, ta)
                    if w > 0 { out.append((j, w / sStep)) }
                    j += 1
                }
                return out
            }
        }
        let ox = overlaps(sCount: s.cols, sStart: s.minX, sStep: s.dx, tCount: target.cols, tStart: target.minX, tStep: target.dx)
        // Rows run downward from maxY: measure as distance below the target's top edge.
        let oy = overlaps(sCount: s.rows, sStart: target.maxY - s.maxY, sStep: s.dy, tCount: target.rows, tStart: 0, tStep: target.dy)
        var acc = [Double](repeating: 0, count: target.cellCount)
        source.withUnsafeBufferPointer { v in
            for r in 0..<s.rows where !oy[r].isEmpty {
                for c in 0..<s.cols where !ox[c].isEmpty {
                    let x = v[r * s.cols + c]
                    if x == 0 || source.isNoData(x) || x != x { continue }
                    let d = Double(x)
                    for (tr, wy) in oy[r] {
                        let base = tr * target.cols, dy = d * wy
                        for (tc, wx) in ox[c] { acc[base + tc] += dy * wx }
                    }
                }
            }
        }
        var out = Grid<Float>(geometry: target)
        out.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] = Float(acc[i]) } }
        return out
    }
}
