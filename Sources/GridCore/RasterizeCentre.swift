/// Centre-sampling polygon rasterization that reproduces gdal_rasterize's default (not all-touched) output.
///
/// A cell is burned when its centre is inside the polygon by the even-odd rule, with GDAL's exact tie rules
/// (GDAL 3.6 alg/llrasterize.cpp `GDALdllImageFilledPolygon`, alg/gdalrasterize.cpp):
/// - world → pixel with the inverse geotransform `px = −minX/dx + x·(1/dx)`, `py = −maxY/(−dy) + y·(1/(−dy))`;
/// - rings are first made clockwise in world coordinates (as `GDALCollectRingsFromGeometry` does);
/// - for row `y` the scanline is `y + 0.5`; an edge counts when `y1 ≤ y+0.5 < y2` (half-open in y), its crossing is
///   `(dy−y1)·(x2−x1)/(y2−y1) + x1` and is rounded to `floor(x + 0.5)`; sorted crossings pair up into spans
///   `[a, b−1]`, i.e. a cell is in when its centre x is in [a−0.5, b−0.5) after rounding;
/// - a horizontal edge lying exactly on a scanline is filled separately when it runs right-to-left in pixel order;
/// - parts of a multipolygon are rasterized one by one (GDAL's replace mode), spans within a row are merged so `add`
///   counts each cell once per polygon.
/// A polygon with a non-finite coordinate burns nothing. Complexity O(E·R + S log S) for E edges spanning R rows, S crossings; no per-cell work outside the spans.
public enum Rasterizer {}

extension Rasterizer {
    /// Calls `body(row, columns)` for each maximal run of cells of `geometry` whose centres are inside `polygon`
    /// (rings: ring 0 exterior, then holes; open; any orientation). Rows ascend; runs within a row ascend and are disjoint.
    public static func centreSpans(polygon: [[SIMD2<Double>]], geometry: GridGeometry,
                                   _ body: (_ row: Int, _ columns: Range<Int>) -> Void) {
        var scratch = CentreScratch()
        scratch.spans(polygon: polygon, geometry: geometry, body)
    }

    /// Burns `value` into the cells of `grid` whose centres are inside `polygon` (gdal_rasterize's default rule).
    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCentre<E: GridScalar>(polygon: [[SIMD2<Double>]], value: E, mode: BurnMode = .set,
                                                 into grid: inout Grid<E>) {
        var scratch = CentreScratch()
        burnCentre(polygon, value, mode, &grid, &scratch)
    }

    /// Burns `value` for each part of a multipolygon.
    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCentre<E: GridScalar>(multiPolygon: [[[SIMD2<Double>]]], value: E, mode: BurnMode = .set,
                                                 into grid: inout Grid<E>) {
        var scratch = CentreScratch()
        for p in multiPolygon { burnCentre(p, value, mode, &grid, &scratch) }
    }

    /// Burns many polygons, `values[i]` for `polygons[i]` (e.g. an attribute; or all 1 with `.add` for a count).
    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCentre<E: GridScalar>(polygons: [[[SIMD2<Double>]]], values: [E], mode: BurnMode = .set,
                                                 into grid: inout Grid<E>) {
        precondition(values.count == polygons.count, "one value per polygon")
        var scratch = CentreScratch()
        for (p, v) in zip(polygons, values) { burnCentre(p, v, mode, &grid, &scratch) }
    }

    /// Burns many multipolygons, `values[i]` for every part of `multiPolygons[i]` (buffers reused across features).
    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    public static func burnCentre<E: GridScalar>(multiPolygons: [[[[SIMD2<Double>]]]], values: [E], mode: BurnMode = .set,
                                                 into grid: inout Grid<E>) {
        precondition(values.count == multiPolygons.count, "one value per multipolygon")
        var scratch = CentreScratch()
        for (m, v) in zip(multiPolygons, values) { for p in m { burnCentre(p, v, mode, &grid, &scratch) } }
    }

    /// A UInt8 mask (1 inside, 0 outside) of the polygons' centre-sampled cells.
    public static func centreMask(polygons: [[[SIMD2<Double>]]], geometry: GridGeometry) -> Grid<UInt8> {
        var g = Grid<UInt8>(geometry: geometry)
        var scratch = CentreScratch()
        for p in polygons { burnCentre(p, 1, .set, &g, &scratch) }
        return g
    }

    @_specialize(where E == UInt8)
    @_specialize(where E == UInt16)
    @_specialize(where E == Int32)
    @_specialize(where E == Float)
    @_specialize(where E == Double)
    static func burnCentre<E: GridScalar>(_ polygon: [[SIMD2<Double>]], _ value: E, _ mode: BurnMode,
                                          _ grid: inout Grid<E>, _ scratch: inout CentreScratch) {
        let geometry = grid.geometry
        let cols = geometry.cols
        grid.withUnsafeMutableBufferPointer { buf in
            scratch.spans(polygon: polygon, geometry: geometry) { row, span in
                let base = row * cols
                switch mode {
                case .set:
                    for i in (base + span.lowerBound)..<(base + span.upperBound) { buf[i] = value }
                case .add, .max:
                    for i in (base + span.lowerBound)..<(base + span.upperBound) { buf[i] = mode.combine(buf[i], value) }
                }
            }
        }
    }
}

/// Reusable buffers of the centre rasterizer (pixel coordinates, crossings, spans).
@usableFromInline
struct CentreScratch {
    @usableFromInline init() {}
    var px: [Double] = []
    var py: [Double] = []
    var partStart: [Int] = []
    /// Crossings and span ends keyed by row: (row << 32) | (x + bias), sorted.
    var keys: [Int] = []
    var horizontal: [(row: Int, a: Int, b: Int)] = []
    var spansInRow: [(Int, Int)] = []

    /// Fills px/py with the rings in pixel coordinates, each made clockwise in world coordinates like GDAL.
    mutating func load(_ polygon: [[SIMD2<Double>]], _ g: GridGeometry) {
        px.removeAll(keepingCapacity: true); py.removeAll(keepingCapacity: true); partStart.removeAll(keepingCapacity: true)
        // GDALInvGeoTransform for a north-up geotransform, then GDALGenImgProjTransform's affine step.
        let gt0 = g.minX, gt1 = g.dx, gt3 = g.maxY, gt5 = -g.dy
        let i0 = -gt0 / gt1, i1 = 1.0 / gt1, i3 = -gt3 / gt5, i5 = 1.0 / gt5
        for ring in polygon where ring.count >= 2 {
            partStart.append(px.count)
            let clockwise = Rings.doubleSignedArea(ring) < 0
            if clockwise {
                for p in ring { px.append(i0 + p.x * i1); py.append(i3 + p.y * i5) }
            } else {
                for p in ring.reversed() { px.append(i0 + p.x * i1); py.append(i3 + p.y * i5) }
            }
        }
        partStart.append(px.count)
    }

    @usableFromInline mutating func spans(polygon: [[SIMD2<Double>]], geometry g: GridGeometry, _ body: (Int, Range<Int>) -> Void) {
        guard g.rows > 0, g.cols > 0, Rings.allFinite(polygon) else { return }
        load(polygon, g)
        keys.removeAll(keepingCapacity: true); horizontal.removeAll(keepingCapacity: true)
        let rows = g.rows, maxx = g.cols - 1
        let bias = 1 << 31
        for part in 0..<(partStart.count - 1) {
            let s = partStart[part], e = partStart[part + 1]
            for i in s..<e {
                let ind1 = i == s ? e - 1 : i - 1, ind2 = i
                var dy1 = py[ind1], dy2 = py[ind2]
                var dx1: Double, dx2: Double
                if dy1 < dy2 {
                    dx1 = px[ind1]; dx2 = px[ind2]
                } else if dy1 > dy2 {
                    swap(&dy1, &dy2); dx2 = px[ind1]; dx1 = px[ind2]
                } else {
                    // Horizontal: filled only when exactly on a scanline and running right-to-left.
                    guard dy1.isFinite, px[ind1] > px[ind2] else { continue }
                    let yy = dy1 - 0.5
                    guard yy == yy.rounded(.down), yy >= 0, yy < Double(rows) else { continue }
                    let lim = Double(maxx) + 2
                    let a = Int(Swift.max(-1, Swift.min(lim, (px[ind2] + 0.5).rounded(.down))))
                    let b = Int(Swift.max(-1, Swift.min(lim, (px[ind1] + 0.5).rounded(.down))))
                    if a > maxx || b <= 0 { continue }
                    horizontal.append((Int(yy), a, b))
                    continue
                }
                guard dy1.isFinite, dy2.isFinite, dx1.isFinite, dx2.isFinite else { continue }
                // Rows y with dy1 <= y + 0.5 < dy2, clamped to the raster.
                var y = Swift.max(0, Int(Swift.max(-1, -floorFast(0.5 - dy1))) - 1)
                let yEnd = Swift.min(rows - 1, Int(Swift.min(Double(rows), -floorFast(0.5 - dy2))))
                while y <= yEnd {
                    let dy = Double(y) + 0.5
                    if dy >= dy2 { break }
                    if dy >= dy1 {
                        let intersect = (dy - dy1) * (dx2 - dx1) / (dy2 - dy1) + dx1
                        let xi = floorFast(intersect + 0.5)
                        let xc = Int(Swift.max(-1e9, Swift.min(1e9, xi)))
                        keys.append((y << 32) | (xc + bias))
                    }
                    y += 1
                }
            }
        }
        if keys.isEmpty && horizontal.isEmpty { return }
        keys.sort()
        horizontal.sort { ($0.row, $0.a) < ($1.row, $1.a) }
        var k = 0, h = 0
        while k < keys.count || h < horizontal.count {
            let row = Swift.min(k < keys.count ? keys[k] >> 32 : Int.max, h < horizontal.count ? horizontal[h].row : Int.max)
            spansInRow.removeAll(keepingCapacity: true)
            var j = k
            while j < keys.count && keys[j] >> 32 == row { j += 1 }
            // Pairs of crossings within the row.
            var i = k
            while i + 1 < j {
                let a = (keys[i] & 0xFFFF_FFFF) - bias, b = (keys[i + 1] & 0xFFFF_FFFF) - bias
                if a <= maxx && b > 0 { spansInRow.append((a, b)) }
                i += 2
            }
            k = j
            while h < horizontal.count && horizontal[h].row == row {
                spansInRow.append((horizontal[h].a, horizontal[h].b)); h += 1
            }
            spansInRow.sort { $0.0 < $1.0 }
            // Merge overlapping / touching runs, clamp to the raster, emit.
            var curA = 0, curB = -1, open = false
            for (a0, b0) in spansInRow {
                let a = Swift.max(0, a0), b = Swift.min(maxx + 1, b0)
                if b <= a { continue }
                if open && a <= curB { curB = Swift.max(curB, b); continue }
                if open { body(row, curA..<curB) }
                curA = a; curB = b; open = true
            }
            if open { body(row, curA..<curB) }
        }
    }
}
