/// CityModel's geometry code against independent references: WKB written by hand and by GEOS, point-in-polygon and
/// area against GEOS on random polygons with holes.
import CityModel
import Foundation
import GeoBridge
import Testing

/// A star-shaped (hence simple) ring around `c`, counter-clockwise, radii in [r0, r1].
func starRing(_ rng: inout SplitMix64, _ c: Vec2, n: Int, r0: Double, r1: Double, clockwise: Bool = false) -> [Vec2] {
    let ring = (0 ..< n).map { i -> Vec2 in
        let a = 2 * Double.pi * Double(i) / Double(n)
        let r = rng.range(r0, r1)
        return c + Vec2(cos(a), sin(a)) * r
    }
    return clockwise ? ring.reversed() : ring
}

/// A random polygon: a star ring of radius 40–100 with up to three small star holes well inside it.
func randomPolygon(_ rng: inout SplitMix64) -> Polygon {
    let outer = starRing(&rng, .zero, n: 5 + Int(rng.next() % 30), r0: 40, r1: 100)
    var holes: [[Vec2]] = []
    let angles = [0.0, 2.1, 4.2]
    for k in 0 ..< Int(rng.next() % 4) {
        let c = Vec2(cos(angles[k]), sin(angles[k])) * 22
        holes.append(starRing(&rng, c, n: 3 + Int(rng.next() % 8), r0: 4, r1: 9, clockwise: true))
    }
    return Polygon(exterior: outer, holes: holes)
}

@Suite struct WKBTests {
    /// Bytes written by hand (the OGC layout) decode to the geometry they spell: a little-endian point, a big-endian
    /// line string, an ISO polygon Z (z dropped) and an EWKB point with SRID.
    @Test func handWrittenBytesDecode() throws {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func be32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
        func le64(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        func be64(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init) }
        #expect(try WKB.decode([1] + le32(1) + le64(3.5) + le64(-2)) == .point(Vec2(3.5, -2)))
        let line: [UInt8] = [0] + be32(2) + be32(2) + be64(0) + be64(1) + be64(10) + be64(11)
        #expect(try WKB.decode(line) == .lineString(LineString([Vec2(0, 1), Vec2(10, 11)])))
        var polyZ: [UInt8] = [1] + le32(1003) + le32(1) + le32(4)
        for (x, y) in [(0.0, 0.0), (4.0, 0.0), (0.0, 3.0), (0.0, 0.0)] { polyZ += le64(x) + le64(y) + le64(99) }
        let poly = try WKB.decode(polyZ)
        #expect(poly == .polygon(Polygon([[Vec2(0, 0), Vec2(4, 0), Vec2(0, 3)]])))   // closing point dropped
        #expect(abs(poly.polygons.area - 6) < 1e-12)
        let ewkb: [UInt8] = [1] + le32(0x2000_0001) + le32(4326) + le64(24.9) + le64(60.2)
        #expect(try WKB.decode(ewkb) == .point(Vec2(24.9, 60.2)))
        // Truncated input: an error naming the offset, never a crash.
        #expect(throws: WKBError.self) { try WKB.decode(Array(line.prefix(20))) }
        #expect(throws: WKBError.self) { try WKB.decode([1] + le32(6) + le32(1_000_000)) }
    }

    /// encode → decode is the identity on random geometries of every type; GEOS reads our bytes and writes back bytes
    /// that decode to the same geometry (the two agree on ring closing, order and types).
    @Test func roundTripsThroughOurselvesAndGEOS() throws {
        var rng = SplitMix64(seed: 2024)
        let geos = GEOSContext()
        for _ in 0 ..< 300 {
            let pts = (0 ..< 1 + Int(rng.next() % 6)).map { _ in Vec2(rng.range(-1e6, 1e6), rng.range(-1e6, 1e6)) }
            let cases: [Geometry] = [
                .point(pts[0]), .multiPoint(pts),
                .lineString(LineString(pts.count > 1 ? pts : pts + [pts[0] + Vec2(1, 1)])),
                .multiLineString([LineString([pts[0], pts[0] + Vec2(5, 0)]), LineString([pts[0], pts[0] + Vec2(0, 5)])]),
                .polygon(randomPolygon(&rng)),
                .multiPolygon(MultiPolygon([randomPolygon(&rng), Polygon(exterior: randomPolygon(&rng).exterior.map { $0 + Vec2(500, 0) })])),
            ]
            for g in cases {
                #expect(try WKB.decode(WKB.encode(g)) == g)
                let back = try geos.read(g).geometry()
                #expect(back == g, "GEOS round trip of \(g)")
            }
        }
    }
}

@Suite struct PolygonTests {
    /// Even-odd point-in-polygon and the shoelace area agree with GEOS on random polygons with holes.
    @Test func containsAndAreaMatchGEOS() throws {
        var rng = SplitMix64(seed: 77)
        let geos = GEOSContext()
        var inside = 0, total = 0
        for _ in 0 ..< 60 {
            let p = randomPolygon(&rng)
            let gp = try geos.read(.polygon(p))
            #expect(abs(p.area - (try geos.area(gp))) <= 1e-9 * p.area)
            #expect(abs(MultiPolygon([p]).area - p.area) < 1e-9)
            for _ in 0 ..< 200 {
                let q = Vec2(rng.range(-110, 110), rng.range(-110, 110))
                let want = try geos.intersects(try geos.read(.point(q)), gp)
                #expect(p.contains(q) == want, "point \(q)")
                inside += want ? 1 : 0; total += 1
            }
        }
        #expect(inside > total / 10 && inside < total * 9 / 10, "the sample mixes inside and outside points")
    }

    /// Hand goldens: a 4 × 3 rectangle with a 1 × 1 hole (clockwise): area 11, centroid by hand, perimeter 18.
    @Test func rectangleWithHoleGolden() {
        let p = Polygon(exterior: [Vec2(0, 0), Vec2(4, 0), Vec2(4, 3), Vec2(0, 3)],
                        holes: [[Vec2(1, 1), Vec2(1, 2), Vec2(2, 2), Vec2(2, 1)]])
        #expect(abs(p.area - 11) < 1e-12)
        #expect(abs(p.perimeter - 18) < 1e-12)
        // Centroid: (12·(2, 1.5) − 1·(1.5, 1.5)) / 11.
        #expect(simdLength(p.centroid - Vec2((24 - 1.5) / 11, (18 - 1.5) / 11)) < 1e-12)
        #expect(p.contains(Vec2(3, 1)) && !p.contains(Vec2(1.5, 1.5)) && !p.contains(Vec2(5, 1)))
        #expect(p.bbox == BBox(minX: 0, minY: 0, maxX: 4, maxY: 3))
        // Ring orientation does not matter: the same shape with a clockwise exterior and a counter-clockwise hole.
        let q = Polygon(exterior: p.exterior.reversed(), holes: [p.rings[1].reversed()])
        #expect(abs(q.area - 11) < 1e-12 && simdLength(q.centroid - p.centroid) < 1e-12)
    }
}

@Suite struct FieldValueTests {
    /// Attribute values convert without trapping, whatever a source holds (a GIS field of 1e20 used to crash `int`).
    @Test func integerConversionNeverTraps() {
        #expect(FieldValue.real(42.9).int == 42 && FieldValue.real(-42.9).int == -42)
        #expect(FieldValue.real(1e20).int == nil && FieldValue.real(-1e20).int == nil)
        #expect(FieldValue.real(.infinity).int == nil && FieldValue.real(.nan).int == nil)
        #expect(FieldValue.string(" 17 ").int == 17 && FieldValue.string("3.7").int == 3)
        #expect(FieldValue.string("1e20").int == nil && FieldValue.string("inf").int == nil && FieldValue.string("x").int == nil)
        #expect(FieldValue.string("9223372036854775807").int == Int64.max)
        #expect(FieldValue.null.int == nil)
    }
}
