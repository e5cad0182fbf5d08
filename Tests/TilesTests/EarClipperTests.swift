import CityModel
import Testing
@testable import Tiles

/// Checks a triangulation: indices valid, every triangle counter-clockwise with positive area, area sum = polygon area,
/// and every triangle's centroid inside the polygon (so no triangle covers a hole or the outside).
private func checkTriangulation(_ rings: [[Vec2]], file: String = #fileID, line: Int = #line) -> (count: Int, areaErr: Double) {
    var pts: [Vec2] = [], starts: [Int] = []
    for r in rings { starts.append(pts.count); pts += r }
    var ec = EarClipper()
    let t = ec.triangulate(points: pts, ringStarts: starts)
    let poly = Polygon(rings)
    #expect(t.count % 3 == 0)
    var sum = 0.0
    var k = 0
    while k + 2 < t.count {
        let a = pts[Int(t[k])], b = pts[Int(t[k + 1])], c = pts[Int(t[k + 2])]
        let ar = ((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)) / 2
        #expect(ar > 0, "triangle \(k / 3) not counter-clockwise: \(ar)")
        sum += ar
        let g = (a + b + c) / 3
        #expect(poly.contains(g), "triangle \(k / 3) centroid outside the polygon")
        k += 3
    }
    return (t.count / 3, abs(sum - poly.area) / poly.area)
}

@Test func squareGivesTwoTriangles() {
    let r = checkTriangulation([rect(0, 0, 10, 10)])
    #expect(r.count == 2)
    #expect(r.areaErr < 1e-12)
}

@Test func lShapeAndComb() {
    let l: [Vec2] = [Vec2(0, 0), Vec2(10, 0), Vec2(10, 4), Vec2(4, 4), Vec2(4, 10), Vec2(0, 10)]
    let r = checkTriangulation([l])
    #expect(r.count == 4)   // n − 2
    #expect(r.areaErr < 1e-12)
    // A comb: 20 teeth, many reflex vertices.
    var comb: [Vec2] = [Vec2(0, 0), Vec2(40, 0)]
    for i in stride(from: 19, through: 0, by: -1) {
        let x = Double(i) * 2
        comb += [Vec2(x + 2, 10), Vec2(x + 1.5, 10), Vec2(x + 1.5, 2), Vec2(x + 0.5, 2), Vec2(x + 0.5, 10)]
    }
    comb.append(Vec2(0, 10))
    let c = checkTriangulation([Polygon([comb]).normalized().exterior])
    #expect(c.areaErr < 1e-12)
}

@Test func squareWithHoleAndCollinearPoints() {
    let outer: [Vec2] = [Vec2(0, 0), Vec2(5, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)]   // one collinear point
    let hole = Array(rect(3, 3, 4, 4).reversed())
    let r = checkTriangulation([outer, hole])
    #expect(r.areaErr < 1e-12)
    #expect(r.count >= 8)
}

@Test func degenerateInputsGiveNoTriangles() {
    var ec = EarClipper()
    #expect(ec.triangulate(points: [], ringStarts: [0]).isEmpty)
    #expect(ec.triangulate(points: [Vec2(0, 0), Vec2(1, 1)], ringStarts: [0]).isEmpty)
    #expect(ec.triangulate(points: [Vec2(0, 0), Vec2(1, 1), Vec2(2, 2)], ringStarts: [0]).isEmpty)   // collinear
}

@Test func randomStarPolygonsWithHoles() {
    var rng = SplitMix64(seed: 42)
    var worst = 0.0
    for _ in 0..<300 {
        let outer = starRing(&rng, center: .zero, n: 5 + Int(rng.next() % 40), r0: 50, r1: 100)
        var rings = [outer]
        var centres: [Vec2] = []
        let holes = Int(rng.next() % 5)
        for _ in 0..<holes {
            let c = Vec2(rng.range(-30, 30), rng.range(-30, 30))
            if centres.contains(where: { simdLength($0 - c) < 17 }) { continue }
            centres.append(c)
            rings.append(Array(starRing(&rng, center: c, n: 3 + Int(rng.next() % 8), r0: 3, r1: 8).reversed()))
        }
        let r = checkTriangulation(rings)
        worst = max(worst, r.areaErr)
    }
    #expect(worst < 1e-9)
}

@Test func holeTouchingTheBridgeColumn() {
    // Two holes at the same x (equal leftmost coordinates) and a hole vertex level with an outer vertex.
    let outer = rect(0, 0, 20, 10)
    let h1 = Array(rect(5, 2, 2, 2).reversed()), h2 = Array(rect(5, 6, 2, 2).reversed()), h3 = Array(rect(12, 0.5, 3, 9).reversed())
    let r = checkTriangulation([outer, h1, h2, h3])
    #expect(r.areaErr < 1e-12)
}
