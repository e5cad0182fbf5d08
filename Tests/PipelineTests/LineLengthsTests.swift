import CityModel
import Foundation
import GeoBridge
@testable import Indicators
import Testing
import TestSupport

/// The pure-Swift length of lines inside an area (the road and pipe densities' numerator) against hand-computed values
/// and against the GEOS reference (mean of the lengths inside the area grown and shrunk by 1 cm).
@Suite struct LineLengthsTests {
    static func ring(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [Vec2] {
        [Vec2(x, y), Vec2(x + w, y), Vec2(x + w, y + h), Vec2(x, y + h)]
    }
    static func line(_ p: [(Double, Double)]) -> LineString { LineString(p.map { Vec2($0.0, $0.1) }) }

    @Test func handCases() {
        let square = MultiPolygon([Polygon([Self.ring(0, 0, 100, 100)])])
        var ll = LineLengths(square)
        // Across the square: 100 m inside (the 1 cm at each crossing counts half inside and half outside: 100 net).
        #expect(abs(ll.length([Self.line([(-50, 50), (150, 50)])]) - 100) < 1e-9)
        // Along the bottom edge: half of its 100 m, plus half of the 1 cm it runs past each end inside the band.
        #expect(abs(ll.length([Self.line([(0, 0), (100, 0)])]) - 50) < 1e-9)
        #expect(abs(ll.length([Self.line([(-10, 0), (110, 0)])]) - 50.01) < 1e-9)
        // Wholly outside, and wholly inside far from the edges.
        #expect(ll.length([Self.line([(200, 0), (300, 50)])]) == 0)
        #expect(abs(ll.length([Self.line([(10, 10), (20, 10), (20, 30)])]) - 30) < 1e-9)
        // Two pipes on one centreline are two pipes.
        #expect(abs(ll.length([Self.line([(10, 10), (20, 10)]), Self.line([(10, 10), (20, 10)])]) - 20) < 1e-9)
        // A diagonal through two corners: √2·100 inside, the ends within 1 cm of two edges count half.
        let diag = ll.length([Self.line([(-1, -1), (101, 101)])])
        let r = 0.01, d = 2.0.squareRoot()
        // Near the corner (0,0) the diagonal is within r of an edge from r before the corner (the corner's disc) to r·√2
        // after it (the edges' bands), likewise at (100,100): far inside 100√2 − 2r√2, half of 2(r + r√2) near.
        #expect(abs(diag - (100 * d - r * d + r)) < 1e-9)

        // A hole 40..60: a street along the hole's bottom edge (y = 40) from x 0 to 100.
        // Far inside: [0.01, 39.99] and [60.01, 99.99] (79.96 m); within 1 cm of an edge: [0, 0.01], [39.99, 60.01]
        // and [99.99, 100] (20.04 m, half counted): 89.98.
        let holed = MultiPolygon([Polygon([Self.ring(0, 0, 100, 100), Self.ring(40, 40, 20, 20)])])
        var lh = LineLengths(holed)
        #expect(abs(lh.length([Self.line([(0, 40), (100, 40)])]) - 89.98) < 1e-9)
        // Through the hole: 100 − 20.
        #expect(abs(lh.length([Self.line([(50, -5), (50, 105)])]) - 80) < 1e-9)
        var empty = LineLengths(MultiPolygon([]))
        #expect(empty.length([Self.line([(0, 0), (1, 1)])]) == 0)
    }

    /// Random areas (blobs with holes, some split in two) and random streets, many drawn along the areas' own edges or
    /// a few millimetres off them: equal to the GEOS reference within 1 mm in all (the buffers' arc segments).
    @Test func matchesGEOSOnRandomAreas() throws {
        var rng = SplitMix64(seed: 20261203)
        let ops = GEOSGeometryOps()
        for _ in 0..<12 {
            func blob(_ cx: Double, _ cy: Double, _ r0: Double, _ n: Int) -> [Vec2] {
                (0..<n).map { i in
                    let a = Double(i) / Double(n) * 2 * .pi
                    let r = r0 * Double.random(in: 0.6...1.0, using: &rng)
                    return Vec2(cx + r * cos(a), cy + r * sin(a))
                }
            }
            var polys = [Polygon([blob(0, 0, 300, Int.random(in: 12...60, using: &rng)), blob(20, 10, 60, 9)])]
            if Bool.random(using: &rng) { polys.append(Polygon([blob(700, 0, 200, 17)])) }
            let area = MultiPolygon(polys)
            var lines: [LineString] = []
            for _ in 0..<40 {
                let n = Int.random(in: 2...6, using: &rng)
                lines.append(LineString((0..<n).map { _ in Vec2(Double.random(in: -400...900, using: &rng), Double.random(in: -400...400, using: &rng)) }))
            }
            // Streets along edges: a run of a ring's vertices, exactly on it or offset by a few mm (inside the band).
            for p in polys {
                for ring in p.rings {
                    let s = Int.random(in: 0..<ring.count, using: &rng), n = Int.random(in: 2...5, using: &rng)
                    let off = [0.0, 0.004, -0.006, 0.03][Int.random(in: 0..<4, using: &rng)]
                    lines.append(LineString((0..<n).map { ring[(s + $0) % ring.count] + Vec2(off, off) }))
                }
            }
            var ll = LineLengths(area)
            let mine = ll.length(lines)
            let geos = try ops.lengthInside(lines, area)
            let tol = 1e-3  // measured: ≤ 5e-5 m over ~20 km of lines
            #expect(abs(mine - geos) < tol, "swift \(mine) geos \(geos)")
            // Line by line, the same.
            for l in lines.prefix(10) {
                var one = LineLengths(area)
                let a = one.length([l]), b = try ops.lengthInside([l], area)
                #expect(abs(a - b) < 1e-3, "line \(l.points): swift \(a) geos \(b)")
            }
        }
    }
}

/// `CoveredCells.filled`: the union of the kept buffers with the covered cells filled in equals the union of all
/// buffers, on random clusters of footprints with gaps, courtyards and open land between them (GEOS twin).
@Suite struct CoveredFillTests {
    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func filledEqualsTheUnionOfAllBuffers(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let ops = GEOSGeometryOps()
        let r = 50.0
        let q = BBox(minX: 1000.3183, minY: 2000.3183, maxX: 2000.3183, maxY: 3000.3183)
        // Clusters of 8–20 m squares around a few centres: dense inside (their buffers deep in the union), sparse at
        // the edges, with open land between the clusters (holes and bays of the union).
        var fps: [MultiPolygon] = []
        for _ in 0..<6 {
            let cx = Double.random(in: 900...2100, using: &rng), cy = Double.random(in: 1900...3100, using: &rng)
            let spread = Double.random(in: 60...260, using: &rng)
            for _ in 0..<Int.random(in: 20...120, using: &rng) {
                let x = cx + Double.random(in: -spread...spread, using: &rng), y = cy + Double.random(in: -spread...spread, using: &rng)
                let s = Double.random(in: 8...20, using: &rng)
                fps.append(MultiPolygon([Polygon([[Vec2(x, y), Vec2(x + s, y), Vec2(x + s, y + s), Vec2(x, y + s)]])]))
            }
        }
        let w = q.expanded(by: r + 1)
        let core = CoveredCells(extent: q.expanded(by: 2 * r + 1), reach: r - CoveredCells.sag(r), points: fps.flatMap(\.polygons).flatMap(\.rings).flatMap { $0 })
        let kept = fps.filter { !core.covers($0.bbox.expanded(by: r)) }
        #expect(kept.count < fps.count)   // some buffers are left out, or the test shows nothing
        let u = try ops.bufferUnion(kept.map { .multiPolygon($0) }, distance: r, clippedTo: w)
        let mine = try core.filled(u, in: w, ops)
        let all = try ops.bufferUnion(fps.map { .multiPolygon($0) }, distance: r, clippedTo: w)
        #expect(abs(mine.area - all.area) <= 1e-6 * all.area, "filled \(mine.area) all \(all.area)")
        let diff = try ops.difference(mine, all).area + ops.difference(all, mine).area
        #expect(diff <= 1e-6 * all.area, "symmetric difference \(diff) m²")
        // The closing after it: the same as with the cells' rectangles in the union (the form this replaces), and
        // within 2e-5 of the closing of all buffers (GEOS nodes a union of all buffers differently; measured 1e-5).
        let old = try ops.intersection(try ops.union([try ops.bufferUnion(kept.map { .multiPolygon($0) }, distance: r)]
                                                     + core.rectangles.map { TileLattice.rectangle($0) }), TileLattice.rectangle(w))
        let cm = try ops.bufferUnion([.multiPolygon(mine)], distance: -r).area
        let co = try ops.bufferUnion([.multiPolygon(old)], distance: -r).area, ca = try ops.bufferUnion([.multiPolygon(all)], distance: -r).area
        #expect(abs(cm - co) <= 1e-9 * co, "closing \(cm) with rectangles \(co)")
        #expect(abs(cm - ca) <= 2e-5 * ca, "closing \(cm) of all buffers \(ca)")
        #expect(cm > 0.2 * q.width * q.height)
    }
}
