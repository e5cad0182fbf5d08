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
            let geos = try ops.lengthsInside([lines], [area])[0][0]
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
