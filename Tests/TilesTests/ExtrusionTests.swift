import CityModel
import Foundation
import Testing
@testable import Tiles

/// Extrudes one building alone in its tile (frame at its centre, so Float32 positions are accurate to ~1e-6 m) and
/// returns deduplicated mesh data: positions, normals (per corner), triangles.
private func extrude(_ b: Building, lon: Double = 120.6, lat: Double = 31.3) throws -> (pos: [SIMD3<Double>], nrm: [SIMD3<Double>], tris: [Int]) {
    var o = TilesetOptions(); o.minimumHeightM = 0
    let builder = TileContentBuilder(buildings: [b], metadata: BuildingMetadata(columns: []), options: o,
                                     projector: TestTangentProjector(lonDeg: lon, latDeg: lat))
    let r = try builder.build(ids: [0])
    let g = ParsedGLB(r.glb)
    #expect(g.problems.isEmpty, "\(g.problems)")
    var pos: [SIMD3<Double>] = [], nrm: [SIMD3<Double>] = [], tris: [Int] = []
    let prims = ((g.json["meshes"] as? [[String: Any]])?.first?["primitives"] as? [[String: Any]]) ?? []
    for p in prims {
        let at = p["attributes"] as! [String: Int]
        let P = g.read(at["POSITION"]!), N = g.read(at["NORMAL"]!), I = g.read(p["indices"] as! Int)
        let base = pos.count
        for k in stride(from: 0, to: P.count, by: 3) {
            pos.append(SIMD3(P[k], P[k + 1], P[k + 2])); nrm.append(SIMD3(N[k], N[k + 1], N[k + 2]))
        }
        tris += I.map { base + Int($0) }
    }
    return (pos, nrm, tris)
}

private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Signed volume by the divergence theorem, Σ p0·(p1×p2)/6, relative to the mesh's mean point.
private func volume(_ m: (pos: [SIMD3<Double>], nrm: [SIMD3<Double>], tris: [Int])) -> Double {
    let c = m.pos.reduce(SIMD3<Double>.zero, +) / Double(max(1, m.pos.count))
    var v = 0.0
    for k in stride(from: 0, to: m.tris.count, by: 3) {
        let a = m.pos[m.tris[k]] - c, b = m.pos[m.tris[k + 1]] - c, d = m.pos[m.tris[k + 2]] - c
        v += (a * cross(b, d)).sum() / 6
    }
    return v
}

/// Every triangle's winding normal agrees with its three vertex normals, which are unit length.
private func normalsAgree(_ m: (pos: [SIMD3<Double>], nrm: [SIMD3<Double>], tris: [Int])) -> Bool {
    for k in stride(from: 0, to: m.tris.count, by: 3) {
        let i = m.tris[k], j = m.tris[k + 1], l = m.tris[k + 2]
        let g = cross(m.pos[j] - m.pos[i], m.pos[l] - m.pos[i])
        let gl = (g * g).sum().squareRoot()
        if gl < 1e-12 { return false }   // degenerate
        for v in [i, j, l] {
            let n = m.nrm[v]
            if abs((n * n).sum().squareRoot() - 1) > 1e-5 { return false }
            if (n * g).sum() / gl < 0.999 { return false }   // flat faces: the normal equals the face normal
        }
    }
    return true
}

/// Euler characteristic V − E + F of the mesh with coincident positions merged; also whether every directed edge
/// has exactly one opposite twin (a closed, consistently oriented 2-manifold).
private func topology(_ m: (pos: [SIMD3<Double>], nrm: [SIMD3<Double>], tris: [Int])) -> (euler: Int, closed: Bool) {
    var id: [SIMD3<Double>: Int] = [:]
    let v = m.pos.map { p -> Int in if let k = id[p] { return k }; id[p] = id.count; return id.count - 1 }
    var directed: [SIMD2<Int>: Int] = [:]
    for k in stride(from: 0, to: m.tris.count, by: 3) {
        for e in 0..<3 {
            let a = v[m.tris[k + e]], b = v[m.tris[k + (e + 1) % 3]]
            directed[SIMD2(a, b), default: 0] += 1
        }
    }
    var closed = true
    for (e, c) in directed where c != 1 || directed[SIMD2(e.y, e.x)] != 1 { closed = false }
    let edges = directed.count / 2
    return (id.count - edges + m.tris.count / 3, closed)
}

@Test func boxVolumeNormalsAndEuler() throws {
    let b = Building(id: 1, sourceId: "b", footprint: MultiPolygon([Polygon([rect(100, 200, 12, 8)])]), heightM: 15, heightSource: .measured)
    let m = try extrude(b)
    #expect(m.tris.count / 3 == 12)
    #expect(m.pos.count == 24)   // roof 4 + floor 4 + 4 walls × 4: hard edges
    #expect(abs(volume(m) - 12 * 8 * 15) / (12 * 8 * 15) < 1e-6)
    #expect(normalsAgree(m))
    let t = topology(m)
    #expect(t.closed)
    #expect(t.euler == 2)
}

@Test func clockwiseInputAndHoleTopology() throws {
    // Exterior given clockwise, hole counter-clockwise: orientation must not matter.
    let ext = Array(rect(-10, -10, 20, 20).reversed()), hole = rect(-4, -4, 8, 8)
    let b = Building(id: 2, sourceId: "c", footprint: MultiPolygon([Polygon([ext, hole])]), heightM: 9, heightSource: .default)
    let m = try extrude(b)
    #expect(abs(volume(m) - (400 - 64) * 9) / ((400 - 64) * 9) < 1e-6)
    #expect(normalsAgree(m))
    let t = topology(m)
    #expect(t.closed)
    #expect(t.euler == 0)   // a solid torus
}

@Test func randomFootprintVolumes() throws {
    var rng = SplitMix64(seed: 7)
    var worst = 0.0
    for i in 0..<60 {
        var polys: [Polygon] = []
        for p in 0..<(1 + Int(rng.next() % 3)) {
            let c = Vec2(Double(p) * 250 + rng.range(-5, 5), rng.range(-5, 5))
            var rings = [starRing(&rng, center: c, n: 4 + Int(rng.next() % 20), r0: 40, r1: 100)]
            if rng.unit() < 0.5 { rings.append(Array(starRing(&rng, center: c, n: 3 + Int(rng.next() % 6), r0: 5, r1: 20).reversed())) }
            polys.append(Polygon(rings))
        }
        let fp = MultiPolygon(polys)
        let h = rng.range(3, 150)
        let b = Building(id: Int64(i), sourceId: "r\(i)", footprint: fp, heightM: h, heightSource: .measured, groundM: rng.range(-20, 400))
        let m = try extrude(b, lon: rng.range(-179, 179), lat: rng.range(-80, 80))
        worst = max(worst, abs(volume(m) - fp.area * h) / (fp.area * h))
        #expect(normalsAgree(m))
        #expect(topology(m).closed)
    }
    #expect(worst < 1e-6)
}

@Test func utmSizedCoordinates() throws {
    // Footprints around (500 km, 3460 km), as in a UTM working CRS: triangulation and volume stay exact.
    var rng = SplitMix64(seed: 99)
    for i in 0..<20 {
        let c = Vec2(500_000 + rng.range(-1000, 1000), 3_460_000 + rng.range(-1000, 1000))
        let rings = [starRing(&rng, center: c, n: 6 + i, r0: 8, r1: 30), Array(starRing(&rng, center: c, n: 5, r0: 2, r1: 5).reversed())]
        let fp = MultiPolygon([Polygon(rings)])
        let b = Building(id: Int64(i), sourceId: "u", footprint: fp, heightM: 25, heightSource: .measured)
        let m = try extrude(b)
        #expect(abs(volume(m) - fp.area * 25) / (fp.area * 25) < 1e-6)
        #expect(normalsAgree(m))
        #expect(topology(m).closed)
    }
}

@Test func degenerateFootprintsAreSkippedNotFlipped() throws {
    // A ring with duplicate, near-duplicate and collinear points, plus a zero-area part.
    let ring: [Vec2] = [Vec2(0, 0), Vec2(0, 0), Vec2(5, 0), Vec2(10, 0), Vec2(10, 0.0000001), Vec2(10, 10), Vec2(0, 10), Vec2(0, 0)]
    let flat: [Vec2] = [Vec2(50, 0), Vec2(60, 0), Vec2(70, 0)]
    let b = Building(id: 3, sourceId: "d", footprint: MultiPolygon([Polygon([ring]), Polygon([flat])]), heightM: 4, heightSource: .measured)
    let m = try extrude(b)
    #expect(m.tris.count / 3 == 12)
    #expect(abs(volume(m) - 400) / 400 < 1e-6)
    #expect(normalsAgree(m))
}

@Test func roofIsUpInEcef() throws {
    // The roof normal, through the glTF y-up → z-up rotation and the tile frame, is the ellipsoid normal.
    let b = Building(id: 4, sourceId: "e", footprint: MultiPolygon([Polygon([rect(0, 0, 10, 10)])]), heightM: 10, heightSource: .measured)
    let builder = TileContentBuilder(buildings: [b], metadata: BuildingMetadata(columns: []), options: TilesetOptions(),
                                     projector: TestTangentProjector(lonDeg: 10, latDeg: 50))
    let r = try builder.build(ids: [0])
    let g = ParsedGLB(r.glb)
    let at = ((g.json["meshes"] as! [[String: Any]])[0]["primitives"] as! [[String: Any]])[0]["attributes"] as! [String: Int]
    let N = g.read(at["NORMAL"]!)
    // First vertex is a roof vertex; glTF (x, y, z) → tile-local z-up (x, −z, y).
    let local = SIMD3(N[0], -N[2], N[1])
    let world = r.frame.rotate(local)
    let up = SIMD3(cos(50 * Double.pi / 180) * cos(10 * Double.pi / 180), cos(50 * Double.pi / 180) * sin(10 * Double.pi / 180), sin(50 * Double.pi / 180))
    #expect((world * up).sum() > 0.999999)
}
