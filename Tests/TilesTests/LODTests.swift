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
        let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
        let root = ts["root"] as! [String: Any]
        let r0 = (root["boundingVolume"] as! [String: Any])["region"] as! [Double]
        let lon0 = (r0[0] + r0[2]) / 2, lat0 = (r0[1] + r0[3]) / 2, R = 6_378_137.0
        var nodes: [Node] = []
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
            let kids = (t["children"] as? [[String: Any]] ?? []).map { add($0, level: level + 1) }
            nodes[me].kids = kids
            return me
        }
        _ = add(root, level: -1)   // the content-free root sits above quadtree level 0
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
