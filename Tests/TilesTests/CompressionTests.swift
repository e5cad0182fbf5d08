import CityModel
import Foundation
import GeoBridge
import Testing
@testable import Tiles

/// Random buildings (some with holes, some tall) around the origin of a tangent plane.
private func city(_ n: Int, seed: UInt64) -> [Building] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { i in
        let c = Vec2(rng.range(-400, 400), rng.range(-400, 400))
        var rings = [starRing(&rng, center: c, n: 5 + Int(rng.next() % 9), r0: 4, r1: 15)]
        if i % 6 == 0 { rings.append(Array(rect(c.x - 1, c.y - 1, 2, 2).reversed())) }
        return Building(id: Int64(i), sourceId: "b\(i)", footprint: MultiPolygon([Polygon(rings)]), heightM: rng.range(3, i % 50 == 0 ? 200 : 40),
                        heightSource: .measured, use: BuildingUse.allCases[i % 3], groundM: rng.range(-5, 30))
    }
}

/// One content of a tileset, decoded: per vertex the dequantized position (glTF y-up, tile frame), normal and
/// feature id; triangles as vertex triples; the quantization step (0 when not quantized).
private struct Decoded {
    var pos: [SIMD3<Double>] = [], nrm: [SIMD3<Double>] = [], fid: [Double] = [], tris: [[Int]] = []
    var step = 0.0
    var json: [String: Any] = [:]
    var metadataIds: [Double] = []
    var meshoptViews = 0
}

private func decode(_ url: URL) throws -> Decoded {
    let g = ParsedGLB([UInt8](try Data(contentsOf: url)))
    #expect(g.problems.isEmpty, "\(g.problems)")
    var d = Decoded()
    d.json = g.json; d.meshoptViews = g.meshoptViews
    d.metadataIds = g.numbers("id", "FLOAT64") ?? []
    let t = g.nodeTranslation, s = g.nodeScale
    d.step = s.x == 1 ? 0 : s.x
    for p in (g.json["meshes"] as! [[String: Any]])[0]["primitives"] as! [[String: Any]] {
        let at = p["attributes"] as! [String: Int]
        let P = g.read(at["POSITION"]!), N = g.read(at["NORMAL"]!), F = g.read(at["_FEATURE_ID_0"]!), I = g.read(p["indices"] as! Int)
        let base = d.pos.count
        for k in 0..<F.count {
            d.pos.append(t + s * SIMD3(P[3 * k], P[3 * k + 1], P[3 * k + 2]))
            d.nrm.append(SIMD3(N[3 * k], N[3 * k + 1], N[3 * k + 2]))
            d.fid.append(F[k])
        }
        for k in stride(from: 0, to: I.count, by: 3) { d.tris.append([base + Int(I[k]), base + Int(I[k + 1]), base + Int(I[k + 2])]) }
    }
    return d
}

/// The contents of a tileset in tree order (the plan, and so the order, does not depend on the compression).
private func contents(_ dir: URL) throws -> [URL] {
    let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
    var out: [URL] = []
    func walk(_ t: [String: Any]) {
        if let c = t["content"] as? [String: Any], let u = c["uri"] as? String { out.append(dir.appendingPathComponent(u)) }
        for ch in t["children"] as? [[String: Any]] ?? [] { walk(ch) }
    }
    walk(ts["root"] as! [String: Any])
    return out
}

private func write(_ b: [Building], _ c: TileCompression, _ dir: URL, bits: Int = 16) throws -> TilesetSummary {
    var o = TilesetOptions()
    o.compression = c; o.maxBuildingsPerTile = 150; o.coarseBuildingsPerParent = 20; o.positionBits = bits
    return try TilesetWriter(o, codec: MeshoptCodec()).write(buildings: b, projector: TestTangentProjector(lonDeg: 7.42, latDeg: 43.73), to: dir)
}

/// A triangle as its three vertices (position in quantized units, normal, feature id), rotated so the smallest vertex
/// comes first (index codecs may rotate a triangle; the winding is kept).
private func canonical(_ d: Decoded, _ t: [Int]) -> [Double] {
    let v = t.map { i -> [Double] in
        let q: SIMD3<Double> = d.step > 0 ? (d.pos[i] / d.step).rounded(.toNearestOrAwayFromZero) : d.pos[i]
        let n = d.nrm[i]
        let out: [Double] = [q.x, q.y, q.z, n.x, n.y, n.z, d.fid[i]]
        return out
    }
    var r = 0
    if v[1].lexicographicallyPrecedes(v[r]) { r = 1 }
    if v[2].lexicographicallyPrecedes(v[r]) { r = 2 }
    let a: [Double] = v[r], b: [Double] = v[(r + 1) % 3], c: [Double] = v[(r + 2) % 3]
    return a + b + c
}

@Test func quantizedPositionsAreTheUncompressedOnesWithinHalfAStep() throws {
    let b = city(700, seed: 21)
    try withTempDir { dir in
        let none = dir.appendingPathComponent("none"), quant = dir.appendingPathComponent("quantize")
        let sn = try write(b, .none, none), sq = try write(b, .quantize, quant, bits: 12)
        #expect(sn.contentTiles == sq.contentTiles && sn.triangles == sq.triangles && sn.vertices == sq.vertices)
        let cn = try contents(none), cq = try contents(quant)
        #expect(cn.count == cq.count && cn.count > 4)
        var worst = 0.0, worstNormal = 0.0
        for (a, c) in zip(cn, cq) {
            let dn = try decode(a), dq = try decode(c)
            // Same vertices in the same order (no codec: nothing reordered), same triangles, same feature ids.
            #expect(dn.pos.count == dq.pos.count && dn.tris == dq.tris && dn.fid == dq.fid && dn.metadataIds == dq.metadataIds)
            #expect(dq.step > 0 && dn.step == 0)
            let ext = dq.json["extensionsRequired"] as? [String]
            #expect(ext == ["KHR_mesh_quantization"])
            for (p, q) in zip(dn.pos, dq.pos) {
                // Within half a step per axis (plus Float32 rounding of the uncompressed value).
                let dv = p - q
                let e = max(abs(dv.x), abs(dv.y), abs(dv.z)) / dq.step
                worst = max(worst, e)
            }
            for (p, q) in zip(dn.nrm, dq.nrm) { let dv = p - q; worstNormal = max(worstNormal, abs(dv.x), abs(dv.y), abs(dv.z)) }
        }
        #expect(worst <= 0.5 + 1e-3, "worst position error \(worst) steps")
        #expect(worst > 0.1)   // the positions really were quantized
        #expect(worstNormal <= 0.5 / 127 + 1e-6)
    }
}

@Test func meshoptDecodesToTheQuantizedTriangles() throws {
    let b = city(700, seed: 22)
    try withTempDir { dir in
        let quant = dir.appendingPathComponent("quantize"), mo = dir.appendingPathComponent("meshopt")
        let sq = try write(b, .quantize, quant), sm = try write(b, .meshopt, mo)
        #expect(sq.triangles == sm.triangles)
        #expect(sm.bytes * 2 < sq.bytes)
        for (a, c) in zip(try contents(quant), try contents(mo)) {
            let dq = try decode(a), dm = try decode(c)
            #expect(dm.meshoptViews == 4 + 6 + 4)   // geometry; id, height_m, ground_m, floors, year_built, residents; 4 string offsets (source_id, ground_source, height_source, use)
            #expect(dm.json["extensionsRequired"] as? [String] == ["EXT_meshopt_compression", "KHR_mesh_quantization"])
            #expect(dq.step == dm.step && dq.metadataIds == dm.metadataIds)
            // The fallback buffer has no data and is flagged.
            let bufs = dm.json["buffers"] as! [[String: Any]]
            #expect(bufs.count == 2 && bufs[1]["uri"] == nil
                    && ((bufs[1]["extensions"] as? [String: Any])?["EXT_meshopt_compression"] as? [String: Any])?["fallback"] as? Bool == true)
            // The same triangles (as vertex values), whatever the order of triangles and vertices.
            let tq = dq.tris.map { canonical(dq, $0) }.sorted { $0.lexicographicallyPrecedes($1) }
            let tm = dm.tris.map { canonical(dm, $0) }.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(tq == tm)
            #expect(dm.pos.count <= dq.pos.count)
        }
    }
}

@Test func meshoptWithoutCodecIsAnError() throws {
    var o = TilesetOptions(); o.compression = .meshopt
    try withTempDir { dir in
        #expect(throws: TilesError.self) {
            _ = try TilesetWriter(o).write(buildings: city(3, seed: 1), projector: TestTangentProjector(lonDeg: 0, latDeg: 0), to: dir)
        }
        o.compression = .quantize; o.positionBits = 17
        #expect(throws: TilesError.self) {
            _ = try TilesetWriter(o).write(buildings: city(3, seed: 1), projector: TestTangentProjector(lonDeg: 0, latDeg: 0), to: dir)
        }
    }
}
