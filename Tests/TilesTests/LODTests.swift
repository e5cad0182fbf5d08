import CityModel
import Foundation
import Testing
@testable import Tiles

private struct Node { var box: (lo: SIMD3<Double>, hi: SIMD3<Double>); var ge: Double; var tris: Int; var level: Int; var kids: [Int] }

/// A CesiumJS-style traversal (refine ADD, no frustum culling, so an upper bound): a visited tile draws its content
/// and visits its children when geometricError · K / distance > 16 px, K = screen height / (2 tan(fov/2)).
@Test func trianglesInViewAreBoundedAtEveryZoom() throws {
    var rng = SplitMix64(seed: 4)
    let b: [Building] = (0..<6000).map { i in
        let x = rng.range(-2000, 2000), y = rng.range(-2000, 2000)
        return Building(id: Int64(i), sourceId: "", footprint: MultiPolygon([Polygon([rect(x, y, rng.range(6, 25), rng.range(6, 25))])]),
                        heightM: rng.range(3, i % 100 == 0 ? 150 : 30), heightSource: .measured)
    }
    var o = TilesetOptions(); o.maxBuildingsPerTile = 80; o.coarseBuildingsPerParent = 10
    try withTempDir { dir in
        let s = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 10, latDeg: 45), to: dir)
        #expect(s.depth >= 4)
        let nodes = try parseTree(dir).nodes   // the content-free root sits above quadtree level 0
        let K = 1080 / (2 * tan(Double.pi / 6))
        let cK = o.lodErrorPerSide * K / 16
        #expect(abs(cK - 2) < 1e-9)
        // The bound: refined level-L tiles ≤ π(cK + √2 + m)², m = largest building extent / cell side.
        let side0 = 4000.0, maxExtent = 160.0
        var worstTris = 0
        for _ in 0..<400 {
            let cam = SIMD3(rng.range(-3000, 3000), rng.range(-3000, 3000), exp(rng.range(log(20), log(40_000))))
            var refinedPerLevel: [Int: Int] = [:], tris = 0
            var stack = [0]
            while let i = stack.popLast() {
                let n = nodes[i]
                tris += n.tris
                let q = pointwiseMax(n.box.lo, pointwiseMin(cam, n.box.hi))
                let d = max(((cam - q) * (cam - q)).sum().squareRoot(), 1e-9)
                if n.ge * K / d > 16 {
                    refinedPerLevel[n.level, default: 0] += 1
                    stack += n.kids
                }
            }
            for (level, count) in refinedPerLevel where level >= 0 {
                let side = side0 / Double(1 << level)
                let bound = Double.pi * pow(cK + 2.0.squareRoot() + maxExtent / side, 2)
                #expect(Double(count) <= bound, "level \(level): \(count) tiles refined, bound \(bound)")
            }
            worstTris = max(worstTris, tris)
        }
        // Far away the whole city is the root's children only; close up, far less than the city.
        #expect(worstTris < s.triangles)
    }
}

/// The tileset of `dir` as boxes in a local east-north-up frame (metres) around the root region's centre.
private func parseTree(_ dir: URL) throws -> (nodes: [Node], json: [[String: Any]]) {
    let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
    let root = ts["root"] as! [String: Any]
    let r0 = (root["boundingVolume"] as! [String: Any])["region"] as! [Double]
    let lon0 = (r0[0] + r0[2]) / 2, lat0 = (r0[1] + r0[3]) / 2, R = 6_378_137.0
    var nodes: [Node] = [], json: [[String: Any]] = []
    func add(_ t: [String: Any], level: Int) -> Int {
        let r = (t["boundingVolume"] as! [String: Any])["region"] as! [Double]
        let lo = SIMD3((r[0] - lon0) * R * cos(lat0), (r[1] - lat0) * R, r[4]), hi = SIMD3((r[2] - lon0) * R * cos(lat0), (r[3] - lat0) * R, r[5])
        var tris = 0
        if let c = t["content"] as? [String: Any], let u = c["uri"] as? String {
            let g = ParsedGLB([UInt8](try! Data(contentsOf: dir.appendingPathComponent(u))), codec: nil)
            for p in (g.json["meshes"] as! [[String: Any]])[0]["primitives"] as! [[String: Any]] {
                tris += (g.accessors[p["indices"] as! Int]["count"] as! Int) / 3
            }
        }
        let me = nodes.count
        nodes.append(Node(box: (lo, hi), ge: t["geometricError"] as! Double, tris: tris, level: level, kids: []))
        json.append(t)
        let kids = (t["children"] as? [[String: Any]] ?? []).map { add($0, level: level + 1) }
        nodes[me].kids = kids
        return me
    }
    _ = add(root, level: -1)
    return (nodes, json)
}

/// Hand-computed block: two buildings of 100 m² (10 m high) and 300 m² (30 m) in one block give a block feature of
/// height (100·10 + 300·30)/400 = 25 m, 2 buildings, 400 m² of footprints, max 30 m, drawn as one micro-cell (the
/// cell side 1590 m / 64); the leaves keep the buildings themselves, and refinement is REPLACE.
@Test func blockLODGoldenValues() throws {
    func bld(_ id: Int64, _ r: [Vec2], _ h: Double, _ use: BuildingUse) -> Building {
        Building(id: id, sourceId: "b\(id)", footprint: MultiPolygon([Polygon([r])]), heightM: h, heightSource: .measured, use: use, residents: 2)
    }
    let b = [bld(1, rect(0, 0, 10, 10), 10, .commercial), bld(2, rect(12, 0, 10, 30), 30, .residential),
             bld(3, rect(1590, 1590, 10, 10), 10, .public), bld(4, rect(1570, 1590, 10, 10), 20, .public)]
    var o = TilesetOptions(); o.maxBuildingsPerTile = 2; o.lod = .blocks
    try withTempDir { dir in
        let s = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 10, latDeg: 45), to: dir)
        #expect(s.buildings == 4 && s.blocks == 2 && s.contentTiles == 3)
        let (nodes, json) = try parseTree(dir)
        #expect(json[0]["refine"] as? String == "REPLACE")
        let top = json[1]
        let uri = (top["content"] as! [String: Any])["uri"] as! String
        let g = ParsedGLB([UInt8](try Data(contentsOf: dir.appendingPathComponent(uri))), codec: nil)
        #expect(g.propertyTable["class"] as? String == "block")
        let names = try #require(g.strings("block"))
        let k = try #require(names.firstIndex(of: "0/0/0/0_0")), k2 = try #require(names.firstIndex(of: "0/0/0/15_15"))
        #expect(g.numbers("height_m", "FLOAT32")![k] == 25)
        #expect(g.numbers("buildings", "INT32")![k] == 2)
        #expect(g.numbers("footprint_area_m2", "FLOAT64")![k] == 400)
        #expect(g.numbers("max_height_m", "FLOAT32")![k] == 30)
        #expect(g.numbers("residents", "FLOAT32")![k] == 4)
        #expect(g.strings("use")![k] == "residential")   // 300 m² residential against 100 m² commercial
        #expect(abs(g.numbers("block_area_m2", "FLOAT64")![k] - pow(1590.0 / 64, 2)) < 1e-6)
        #expect(g.numbers("height_m", "FLOAT32")![k2] == 15)
        #expect(g.numbers("level", "INT32")! == [0, 0])
        // One micro-cell each: a box of 12 triangles (4 walls, roof, floor).
        #expect(nodes[1].tris == 24)
        // Geometric error: min(block diagonal, cap) = min(1590·√2/16, 1590·2/58.46).
        #expect(abs(nodes[1].ge - min(1590 * 2.0.squareRoot() / 16, 1590 * o.lodErrorPerSide)) < 1e-6)
        for kid in nodes[1].kids {
            #expect(nodes[kid].ge == 0)
            let u = (json[kid]["content"] as! [String: Any])["uri"] as! String
            let lg = ParsedGLB([UInt8](try Data(contentsOf: dir.appendingPathComponent(u))), codec: nil)
            #expect(lg.propertyTable["class"] as? String == "building")
        }
    }
}

/// The triangle bound of block LOD on a built tileset (CesiumJS-style traversal, refine REPLACE, every visited tile's
/// content counted as loaded, no frustum culling so an upper bound): level-(L−1) tiles refined ≤ π(cK + √2 + m)²
/// (cK = 2), so the triangles loaded at level L ≤ 4π(cK + √2 + m)² × (most triangles of a level-L tile), whatever the
/// camera; parents hold ≤ 16² blocks × 8 rectangles × 12 triangles.
@Test func blockLODTrianglesInViewAreBoundedPerLevel() throws {
    var rng = SplitMix64(seed: 9)
    let b: [Building] = (0..<8000).map { i in
        let x = rng.range(-2000, 2000), y = rng.range(-2000, 2000)
        return Building(id: Int64(i), sourceId: "", footprint: MultiPolygon([Polygon([rect(x, y, rng.range(6, 25), rng.range(6, 25))])]),
                        heightM: rng.range(3, 60), heightSource: .measured)
    }
    var o = TilesetOptions(); o.maxBuildingsPerTile = 100; o.lod = .blocks
    try withTempDir { dir in
        let s = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 10, latDeg: 45), to: dir)
        #expect(s.depth >= 4 && s.buildings == 8000 && s.blocks > 0)
        let (nodes, _) = try parseTree(dir)
        var maxTris: [Int: Int] = [:]
        for n in nodes {
            maxTris[n.level] = max(maxTris[n.level, default: 0], n.tris)
            if !n.kids.isEmpty && n.level >= 0 { #expect(n.tris <= 16 * 16 * 8 * 12) }
        }
        let K = 1080 / (2 * tan(Double.pi / 6)), cK = o.lodErrorPerSide * K / 16
        let side0 = nodes.reduce(0.0) { max($0, $1.box.hi.x - $1.box.lo.x) }, maxExtent = 30.0
        var worst = 0, farTris = Int.max
        for _ in 0..<400 {
            let cam = SIMD3(rng.range(-3000, 3000), rng.range(-3000, 3000), exp(rng.range(log(20), log(60_000))))
            var loaded: [Int: Int] = [:], stack = [0], total = 0
            while let i = stack.popLast() {
                let n = nodes[i]
                loaded[n.level, default: 0] += n.tris; total += n.tris
                let q = pointwiseMax(n.box.lo, pointwiseMin(cam, n.box.hi))
                let d = max(((cam - q) * (cam - q)).sum().squareRoot(), 1e-9)
                if n.ge * K / d > 16 { stack += n.kids }
            }
            for (level, tris) in loaded where level >= 1 {
                let parentSide = side0 / Double(1 << (level - 1))
                let bound = 4 * Double.pi * pow(cK + 2.0.squareRoot() + maxExtent / parentSide, 2) * Double(maxTris[level]!)
                #expect(Double(tris) <= bound, "level \(level): \(tris) triangles, bound \(bound)")
            }
            worst = max(worst, total)
            if cam.z > 30_000 { farTris = min(farTris, total) }
        }
        #expect(worst < s.triangles)
        // From far away only the top tile's blocks: a few thousand triangles for 8,000 buildings.
        #expect(farTris <= nodes[1].tris)
    }
}
