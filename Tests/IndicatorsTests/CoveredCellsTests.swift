import CityModel
@testable import Indicators
import Testing

/// `CoveredCells` against brute force: every point of every rectangle it returns lies within `reach` of a source
/// point, and `covers` agrees with a cell-by-cell check of the rectangles.
@Suite struct CoveredCellsTests {
    struct LCG { var s: UInt64; mutating func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) } }

    @Test(arguments: [1 as UInt64, 2, 3])
    func rectanglesLieWithinReach(seed: UInt64) {
        var r = LCG(s: seed)
        let extent = BBox(minX: 1000.3, minY: -200.7, maxX: 1300.3, maxY: 99.3)
        let pts = (0..<40).map { _ in Vec2(extent.minX + r.next() * 300, extent.minY + r.next() * 300) }
        let reach = 30.0
        let cc = CoveredCells(extent: extent, reach: reach, points: pts)
        #expect(!cc.rectangles.isEmpty)
        func dist(_ p: Vec2) -> Double { pts.map { (($0.x - p.x) * ($0.x - p.x) + ($0.y - p.y) * ($0.y - p.y)).squareRoot() }.min()! }
        var marked = 0.0
        for b in cc.rectangles {
            marked += (b.maxX - b.minX) * (b.maxY - b.minY)
            // Corners and a 1 m lattice of points of each rectangle (the farthest point of a cell from a source is a corner).
            var y = b.minY
            while y <= b.maxY + 1e-9 {
                var x = b.minX
                while x <= b.maxX + 1e-9 { #expect(dist(Vec2(x, y)) <= reach + 1e-9); x += 1 }
                y += 1
            }
        }
        // Not vacuous: the marked area is a fair share of the disks' union within the extent.
        #expect(marked > 0.2 * 300 * 300)
        // covers(): a box inside one rectangle is covered; a box reaching a point farther than reach is not.
        let b0 = cc.rectangles.max { ($0.maxX - $0.minX) * ($0.maxY - $0.minY) < ($1.maxX - $1.minX) * ($1.maxY - $1.minY) }!
        #expect(cc.covers(BBox(minX: b0.minX + 0.1, minY: b0.minY + 0.1, maxX: b0.maxX - 0.1, maxY: b0.maxY - 0.1)))
        #expect(!cc.covers(extent))
        #expect(!cc.covers(BBox(minX: extent.maxX + 10, minY: 0, maxX: extent.maxX + 20, maxY: 10)))
    }

    @Test func hugeExtentIsBoundedByThePoints() {
        // One 10,000 km tile (as the one-tile lattices of the overlay tests): the grid covers only the points' reach…
        let near = CoveredCells(extent: BBox(minX: -5e6, minY: -5e6, maxX: 5e6, maxY: 5e6), reach: 30, points: [Vec2(0, 0), Vec2(20, 0)])
        #expect(!near.rectangles.isEmpty && near.cols < 40)
        // …and beyond 4,096² cells nothing is marked (every feature is then buffered).
        let far = CoveredCells(extent: BBox(minX: -5e6, minY: -5e6, maxX: 5e6, maxY: 5e6), reach: 30, points: [Vec2(0, 0), Vec2(1e6, 1e6)])
        #expect(far.rectangles.isEmpty && !far.covers(BBox(minX: 0, minY: 0, maxX: 1, maxY: 1)))
    }

    @Test func samplesAreOnTheLineAndDense() {
        let l = LineString([Vec2(0, 0), Vec2(10, 0), Vec2(10, 7)])
        let s = CoveredCells.samples(l, step: 2.5)
        #expect(s.first == Vec2(0, 0) && s.last == Vec2(10, 7))
        for (a, b) in zip(s, s.dropFirst()) { #expect(((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot() <= 2.5 + 1e-12) }
        #expect(s.allSatisfy { $0.y == 0 || $0.x == 10 })
    }
}
