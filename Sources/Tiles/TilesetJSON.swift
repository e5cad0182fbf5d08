import CityModel
import Foundation

/// Builds tileset.json (3D Tiles 1.1) from the quadtree plan and the written contents: bottom-up regions (content ∪
/// children), geometric errors (rule in `TilesetWriter`), per-content-tile transforms relative to the nearest
/// transformed ancestor, and a content-free, transform-free root. O(tiles).
struct TilesetJSON {
    let plan: QuadtreePlan
    let info: [TileInfo?]
    let extents: [Float]
    let options: TilesetOptions

    private struct Node { var region: GeodeticRegion; var ge: Double; var maxExtent: Double }

    func encode(summary: inout TilesetSummary) -> String {
        var nodes = [Node](repeating: Node(region: .empty, ge: 0, maxExtent: 0), count: plan.tiles.count)
        // Children always have larger indices than their parent (pre-order), so a reverse sweep is bottom-up.
        for i in plan.tiles.indices.reversed() {
            let t = plan.tiles[i]
            var region = info[i]?.region ?? .empty
            var below = 0.0, childGE = 0.0
            for c in t.children {
                region = region.union(nodes[c].region)
                below = max(below, nodes[c].maxExtent)
                childGE = max(childGE, nodes[c].ge)
            }
            // Capped at lodErrorPerSide × the cell side (see TilesetWriter: bounded triangles in view).
            let cap = options.lodErrorPerSide * plan.rootSide / Double(1 << min(t.level, 60))
            let ge: Double
            if t.children.isEmpty {
                ge = 0
            } else if options.lod == .blocks {
                // Blocks: the block diagonal (the farthest a merged wall can be from a building's), capped as above.
                let blockDiag = 2.0.squareRoot() * plan.rootSide / Double(1 << min(t.level, 60)) / Double(BlockLOD.blocksPerSide)
                ge = max(min(options.geometricErrorScale * blockDiag, cap), 1.25 * childGE, 1e-3)
            } else {
                ge = max(min(max(options.geometricErrorScale * below, 1), cap), 1.25 * childGE)
            }
            nodes[i] = Node(region: region, ge: ge, maxExtent: max(below, Double(t.contentExtent)))
        }
        var j = JSONText()
        j.raw("{\"asset\":{\"version\":\"1.1\",\"generator\":\"CIMBase Tiles\"}")
        guard plan.root >= 0 else {
            // No building: an empty root tile (a valid tileset with nothing to draw).
            j.raw(",\"geometricError\":0,\"root\":{\"boundingVolume\":{\"region\":[0,0,0,0,0,0]},\"geometricError\":0,\"refine\":\"ADD\"}}")
            summary.tiles = 1
            return j.s
        }
        let top = nodes[plan.root]
        // The content-free root: drawn alone it shows nothing, so its error is at least half the city's horizontal
        // diagonal, and the top tiles' landmark content loads as soon as the tileset is in view.
        let r = top.region
        let halfDiag = r.isEmpty ? 0 : 0.5 * (pow((r.north - r.south) * WGS84.a, 2)
                                              + pow((r.east - r.west) * WGS84.a * cos((r.north + r.south) / 2), 2)).squareRoot()
        let rootGE = max(options.geometricErrorScale * top.maxExtent, 1.25 * top.ge, halfDiag, 1)
        j.raw(",\"geometricError\":"); j.number(2 * rootGE)
        j.raw(",\"root\":{\"boundingVolume\":{\"region\":"); j.numbers(top.region.array)
        j.raw("},\"geometricError\":"); j.number(rootGE)
        j.raw(options.lod == .blocks ? ",\"refine\":\"REPLACE\",\"children\":[" : ",\"refine\":\"ADD\",\"children\":[")
        var count = 1, depth = 0
        func tile(_ i: Int, parentWorld: RigidTransform) {
            let t = plan.tiles[i]
            count += 1
            depth = max(depth, t.level + 1)
            j.raw("{\"boundingVolume\":{\"region\":"); j.numbers(nodes[i].region.array)
            j.raw("},\"geometricError\":"); j.number(nodes[i].ge)
            var world = parentWorld
            if let inf = info[i] {
                let rel = parentWorld.inverse.composed(with: inf.frame)
                j.raw(",\"transform\":"); j.numbers(rel.columnMajor)
                world = inf.frame
                j.raw(",\"content\":{\"uri\":"); j.string(inf.uri); j.raw("}")
            }
            if !t.children.isEmpty {
                j.raw(",\"children\":[")
                for (k, c) in t.children.enumerated() {
                    if k > 0 { j.raw(",") }
                    tile(c, parentWorld: world)
                }
                j.raw("]")
            }
            j.raw("}")
        }
        tile(plan.root, parentWorld: .identity)
        j.raw("]}}")
        summary.tiles = count
        summary.depth = depth
        summary.rootRegion = top.region.array
        return j.s
    }
}
