import CityModel

/// Partitions buildings into a quadtree of tiles before any mesh is built (ids only, so memory is O(buildings)).
///
/// Point quadtree over building anchor points (footprint bounding-box centres) in the working CRS, in a square root
/// cell: a cell whose buildings fit `maxBuildingsPerTile` and `maxTrianglesPerTile` is a leaf holding them all;
/// otherwise it keeps its `coarseBuildingsPerParent` largest buildings (by extent, within the triangle budget) as its
/// own content and splits the rest among its four quadrants (empty quadrants are dropped). Cells at `maxLevel` are
/// leaves whatever their size. Cost O(n log n · depth) (a sort by extent per level when coarse content is on).
/// Reference: R. A. Finkel, J. L. Bentley, "Quad trees", Acta Informatica 4 (1974); 3D Tiles 1.1 §"Refinement — ADD".
struct QuadtreePlan {
    struct Tile {
        var level: Int, x: Int, y: Int
        var content: [Int32]
        var children: [Int] = []
        /// Largest extent among this tile's own content.
        var contentExtent: Float = 0
    }
    private(set) var tiles: [Tile] = []
    /// Index of the root tile in `tiles`.
    private(set) var root = -1
    /// Side of the root's square cell (working-CRS metres); a level-L cell has side rootSide / 2^L.
    private(set) var rootSide = 0.0
    /// South-west corner of the root's cell (working CRS); a tile's cell starts at rootMin + (x, y) · rootSide / 2^L.
    private(set) var rootMin = Vec2.zero

    let anchors: [Vec2]
    let extents: [Float]
    let triangleEstimates: [Int32]
    let options: TilesetOptions

    init(anchors: [Vec2], extents: [Float], triangleEstimates: [Int32], ids: [Int32], options: TilesetOptions) {
        self.anchors = anchors; self.extents = extents; self.triangleEstimates = triangleEstimates; self.options = options
        guard !ids.isEmpty else { return }
        var bb = BBox.empty
        for i in ids { bb.expand(anchors[Int(i)]) }
        let side = max(bb.width, bb.height, 1e-6)
        rootSide = side
        rootMin = Vec2(bb.minX, bb.minY)
        root = split(ids, minX: bb.minX, minY: bb.minY, side: side, level: 0, x: 0, y: 0)
    }

    private mutating func split(_ ids: [Int32], minX: Double, minY: Double, side: Double, level: Int, x: Int, y: Int) -> Int {
        let tris = ids.reduce(0) { $0 + Int(triangleEstimates[Int($1)]) }
        let me = tiles.count
        if (ids.count <= options.maxBuildingsPerTile && tris <= options.maxTrianglesPerTile) || level >= options.maxLevel {
            tiles.append(Tile(level: level, x: x, y: y, content: ids, contentExtent: ids.reduce(0) { max($0, extents[Int($1)]) }))
            return me
        }
        tiles.append(Tile(level: level, x: x, y: y, content: []))
        var rest = ids
        if options.coarseBuildingsPerParent > 0 {
            rest.sort { extents[Int($0)] != extents[Int($1)] ? extents[Int($0)] > extents[Int($1)] : $0 < $1 }
            var k = 0, t = 0
            while k < rest.count && k < options.coarseBuildingsPerParent {
                let tk = Int(triangleEstimates[Int(rest[k])])
                if t + tk > options.maxTrianglesPerTile && k > 0 { break }
                t += tk; k += 1
            }
            tiles[me].content = Array(rest[0..<k])
            tiles[me].contentExtent = k > 0 ? extents[Int(rest[0])] : 0
            rest.removeFirst(k)
        }
        let h = side / 2, cx = minX + h, cy = minY + h
        var q: [[Int32]] = [[], [], [], []]
        for i in rest {
            let p = anchors[Int(i)]
            q[(p.x >= cx ? 1 : 0) + (p.y >= cy ? 2 : 0)].append(i)
        }
        rest = []
        var kids: [Int] = []
        for k in 0..<4 where !q[k].isEmpty {
            let dx = k & 1, dy = k >> 1
            kids.append(split(q[k], minX: minX + Double(dx) * h, minY: minY + Double(dy) * h, side: h,
                              level: level + 1, x: 2 * x + dx, y: 2 * y + dy))
            q[k] = []
        }
        tiles[me].children = kids
        return me
    }

    /// South-west corner and side of tile `i`'s cell.
    func cell(_ i: Int) -> (min: Vec2, side: Double) {
        let t = tiles[i], s = rootSide / Double(1 << min(t.level, 60))
        return (Vec2(rootMin.x + Double(t.x) * s, rootMin.y + Double(t.y) * s), s)
    }

    /// Every building id in tile `i` and its descendants.
    func subtreeIds(_ i: Int) -> [Int32] {
        var out: [Int32] = [], stack = [i]
        while let k = stack.popLast() { out += tiles[k].content; stack += tiles[k].children }
        return out
    }
}
