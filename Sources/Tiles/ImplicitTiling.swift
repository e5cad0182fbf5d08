import CityModel
import Foundation

/// Morton (Z-order) indices of a quadtree level: the bits of x on even positions, of y on odd ones
/// (3D Tiles 1.1 §"Implicit Tiling — Appendix A": interleaveBits(0b11, 0b00) = 0b0101). O(1) per call.
enum Morton {
    @inline(__always) private static func spread(_ v: UInt64) -> UInt64 {
        var x = v & 0xFFFF_FFFF
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x << 2)) & 0x3333_3333_3333_3333
        x = (x | (x << 1)) & 0x5555_5555_5555_5555
        return x
    }
    @inline(__always) private static func compact(_ v: UInt64) -> UInt64 {
        var x = v & 0x5555_5555_5555_5555
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF
        return x
    }
    static func index(x: Int, y: Int) -> Int { Int(spread(UInt64(x)) | (spread(UInt64(y)) << 1)) }
    static func coordinates(_ m: Int) -> (x: Int, y: Int) { (Int(compact(UInt64(m))), Int(compact(UInt64(m) >> 1))) }
    /// Tiles of a quadtree's levels 0 ..< `level` together, (4^level − 1) / 3: the offset of level `level` in a subtree's
    /// tile and content bitstreams.
    static func levelOffset(_ level: Int) -> Int { ((1 << (2 * level)) - 1) / 3 }
}

/// One binary subtree file of an implicit quadtree (3D Tiles 1.1 §"Subtree Binary Format"): the 24-byte header
/// (magic `subt`, version 1, JSON and binary chunk lengths), the JSON chunk padded with spaces to 8 bytes, and the
/// binary chunk (the internal buffer) with each availability bitstream at an 8-byte-aligned offset, padded with zeros.
/// Bitstreams are LSB-first (3D Metadata §"Booleans": tile i is bit i % 8 of byte i / 8); a stream whose bits are all
/// equal is written as `{"constant": 0|1}` instead. Bit order: level by level, each level in Morton order.
struct SubtreeFile: Equatable {
    /// `levels` (subtreeLevels) levels: (4^levels − 1) / 3 entries each.
    var tiles: [Bool]
    var content: [Bool]
    /// 4^levels entries: the roots of the child subtrees one level below the deepest level.
    var childSubtrees: [Bool]

    init(levels: Int) {
        tiles = [Bool](repeating: false, count: Morton.levelOffset(levels))
        content = tiles
        childSubtrees = [Bool](repeating: false, count: 1 << (2 * levels))
    }
    init(tiles: [Bool], content: [Bool], childSubtrees: [Bool]) {
        self.tiles = tiles; self.content = content; self.childSubtrees = childSubtrees
    }

    /// The file's bytes. `hasContent`: the implicit root has a content template (otherwise `contentAvailability` is
    /// omitted, as the specification requires).
    func encode(hasContent: Bool = true) -> [UInt8] {
        var bin: [UInt8] = []
        var views: [String] = []
        func availability(_ bits: [Bool]) -> String {
            let n = bits.reduce(0) { $0 + ($1 ? 1 : 0) }
            if n == 0 { return "{\"constant\":0}" }
            if n == bits.count { return "{\"constant\":1}" }
            while bin.count % 8 != 0 { bin.append(0) }
            let offset = bin.count
            var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
            for (i, b) in bits.enumerated() where b { bytes[i >> 3] |= 1 << UInt8(i & 7) }
            bin += bytes
            views.append("{\"buffer\":0,\"byteOffset\":\(offset),\"byteLength\":\(bytes.count)}")
            return "{\"bitstream\":\(views.count - 1),\"availableCount\":\(n)}"
        }
        let t = availability(tiles)
        let c = hasContent ? availability(content) : ""
        let s = availability(childSubtrees)
        while bin.count % 8 != 0 { bin.append(0) }
        var json = "{"
        if !views.isEmpty {
            json += "\"buffers\":[{\"byteLength\":\(bin.count)}],\"bufferViews\":[" + views.joined(separator: ",") + "],"
        }
        json += "\"tileAvailability\":" + t
        if hasContent { json += ",\"contentAvailability\":[" + c + "]" }
        json += ",\"childSubtreeAvailability\":" + s + "}"
        var j = Array(json.utf8)
        while j.count % 8 != 0 { j.append(0x20) }
        var out: [UInt8] = Array("subt".utf8)
        func u32(_ v: Int) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        func u64(_ v: Int) { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        u32(1); u64(j.count); u64(bin.count)
        return out + j + bin
    }
}

/// A uniform quadtree over a geodetic root region for implicit tiling: the level-L cells are the 2^L × 2^L equal
/// longitude × latitude parts of the root region, exactly the bounding volumes a 3D Tiles client derives.
///
/// Assignment (a loose quadtree): a building goes down towards the leaf-level cell holding its anchor (the centre of its
/// longitude/latitude box) as long as its whole box, grown by `margin(level)`, fits in that child cell; a building
/// crossing a child boundary stays in the deepest cell that contains it (so every tile's content lies inside the tile's
/// derived bounding volume, as 3D Tiles' spatial coherence requires). Leaves: as `QuadtreePlan`, a cell is split only
/// while its buildings exceed `maxBuildingsPerTile` or `maxTrianglesPerTile` (and it is above `maxLevel`), so the leaf
/// depth follows the building density; a parent additionally keeps the `coarseBuildingsPerParent` largest buildings
/// of what it passes down (refine ADD, `TileLOD.largest`). Cost O(n · depth) plus a sort per parent for the coarse
/// content.
struct ImplicitPlan {
    struct Tile {
        var level: Int, x: Int, y: Int
        var content: [Int32]
        var children: [Int] = []
        var contentExtent: Float = 0
    }
    private(set) var tiles: [Tile] = []
    /// (level, x, y) → index in `tiles`.
    private(set) var index: [Int: Int] = [:]
    /// Root region, radians.
    private(set) var west = 0.0, south = 0.0, dLon = 0.0, dLat = 0.0
    /// Side of the root cell in metres (about; cells are near squares).
    private(set) var sideM = 0.0
    /// Deepest level + 1 (0 without buildings).
    private(set) var availableLevels = 0
    /// Margins (radians of longitude and latitude) kept between a level's content and its cell border: covers the
    /// quantization of positions (`positionBits`) and Float32 rounding.
    private var marginLon: [Double] = [], marginLat: [Double] = []

    let boxes: [SIMD4<Double>]
    let extents: [Float]
    let triangleEstimates: [Int32]
    let options: TilesetOptions

    static func key(_ level: Int, _ x: Int, _ y: Int) -> Int { (level << 56) | (x << 28) | y }

    /// - Parameters:
    ///   - boxes: per building, (min lon, min lat, max lon, max lat) in radians of everything its content draws.
    ///   - heightRangeM: highest roof minus lowest floor (m), for the quantization margin.
    init(boxes: [SIMD4<Double>], extents: [Float], triangleEstimates: [Int32], ids: [Int32], heightRangeM: Double, options: TilesetOptions) {
        self.boxes = boxes; self.extents = extents; self.triangleEstimates = triangleEstimates; self.options = options
        guard !ids.isEmpty else { return }
        var lo = SIMD2<Double>(repeating: .infinity), hi = SIMD2<Double>(repeating: -.infinity)
        for i in ids {
            let b = boxes[Int(i)]
            lo = pointwiseMin(lo, SIMD2(b.x, b.y)); hi = pointwiseMax(hi, SIMD2(b.z, b.w))
        }
        let latC = (lo.y + hi.y) / 2, lonC = (lo.x + hi.x) / 2
        let s2 = sin(latC) * sin(latC)
        let nRad = WGS84.a / (1 - WGS84.e2 * s2).squareRoot()
        let rParallel = nRad * cos(latC), rMeridian = WGS84.a * (1 - WGS84.e2) / pow(1 - WGS84.e2 * s2, 1.5)
        // Margins from an upper bound of the root side (the raw extent, 5 % and 10 m more).
        let rawSide = max((hi.x - lo.x) * rParallel, (hi.y - lo.y) * rMeridian)
        let sideBound = rawSide * 1.05 + 10
        let maxAbsLat = min(max(abs(lo.y), abs(hi.y)) + 0.01, 1.5)
        let q = Double((1 << options.positionBits) - 1)
        for level in 0...max(options.maxLevel, 0) {
            let s = sideBound / Double(1 << min(level, 60))
            let step = options.compression == .none ? 0 : max(2.0.squareRoot() * s, heightRangeM + s * s / WGS84.b) / q
            let m = step + 0.02
            marginLon.append(m / (WGS84.b * cos(maxAbsLat)))
            marginLat.append(m / (WGS84.a * (1 - WGS84.e2)))
        }
        // The root margin plus 5 cm, so that a building at the root's border still fits the deeper levels' cells
        // (whose margins are at most the root's) despite rounding.
        let extraLon = 0.05 / (WGS84.b * cos(maxAbsLat)), extraLat = 0.05 / (WGS84.a * (1 - WGS84.e2))
        let needLon = hi.x - lo.x + 2 * (marginLon[0] + extraLon), needLat = hi.y - lo.y + 2 * (marginLat[0] + extraLat)
        let side = max(needLon * rParallel, needLat * rMeridian, 1)
        sideM = side
        dLon = max(side / rParallel, needLon); dLat = max(side / rMeridian, needLat)
        west = lonC - dLon / 2; south = latC - dLat / 2
        _ = split(ids, level: 0, x: 0, y: 0)
    }

    /// Longitude/latitude bounds of a cell, computed directly for its level as the specification's implementation note
    /// says (no progressive halving).
    func cell(_ level: Int, _ x: Int, _ y: Int) -> (west: Double, south: Double, east: Double, north: Double) {
        let n = Double(1 << min(level, 60))
        let sw = dLon / n, sh = dLat / n
        return (west + sw * Double(x), south + sh * Double(y), west + sw * Double(x + 1), south + sh * Double(y + 1))
    }

    /// Whether building `i` (its box grown by the level's margin) lies inside cell (level, x, y).
    func fits(_ i: Int32, _ level: Int, _ x: Int, _ y: Int) -> Bool {
        let c = cell(level, x, y), b = boxes[Int(i)]
        let ml = marginLon[min(level, marginLon.count - 1)], mt = marginLat[min(level, marginLat.count - 1)]
        return b.x - ml >= c.west && b.z + ml <= c.east && b.y - mt >= c.south && b.w + mt <= c.north
    }

    private mutating func split(_ ids: [Int32], level: Int, x: Int, y: Int) -> Int {
        let me = tiles.count
        index[Self.key(level, x, y)] = me
        availableLevels = max(availableLevels, level + 1)
        let tris = ids.reduce(0) { $0 + Int(triangleEstimates[Int($1)]) }
        func extent(_ v: [Int32]) -> Float { v.reduce(0) { max($0, extents[Int($1)]) } }
        if (ids.count <= options.maxBuildingsPerTile && tris <= options.maxTrianglesPerTile) || level >= options.maxLevel {
            tiles.append(Tile(level: level, x: x, y: y, content: ids, contentExtent: extent(ids)))
            return me
        }
        // Children by anchor; what does not fit its child cell stays here.
        var own: [Int32] = [], down: [Int32] = [], quadrant: [Int] = []
        let n = Double(1 << min(level + 1, 60))
        for i in ids {
            let b = boxes[Int(i)]
            let cx = min(max(Int((((b.x + b.z) / 2 - west) / dLon * n).rounded(.down)), 2 * x), 2 * x + 1)
            let cy = min(max(Int((((b.y + b.w) / 2 - south) / dLat * n).rounded(.down)), 2 * y), 2 * y + 1)
            if fits(i, level + 1, cx, cy) { down.append(i); quadrant.append((cx - 2 * x) + 2 * (cy - 2 * y)) } else { own.append(i) }
        }
        var keep = Set<Int32>()
        if options.coarseBuildingsPerParent > 0 && !down.isEmpty {
            let sorted = down.sorted { extents[Int($0)] != extents[Int($1)] ? extents[Int($0)] > extents[Int($1)] : $0 < $1 }
            var t = own.reduce(0) { $0 + Int(triangleEstimates[Int($1)]) }, k = 0
            while k < sorted.count && k < options.coarseBuildingsPerParent {
                let tk = Int(triangleEstimates[Int(sorted[k])])
                if t + tk > options.maxTrianglesPerTile && k > 0 { break }
                t += tk; keep.insert(sorted[k]); k += 1
            }
        }
        var q: [[Int32]] = [[], [], [], []]
        for (k, i) in down.enumerated() { if keep.contains(i) { own.append(i) } else { q[quadrant[k]].append(i) } }
        own.sort()
        tiles.append(Tile(level: level, x: x, y: y, content: own, contentExtent: extent(own)))
        var kids: [Int] = []
        for k in 0..<4 where !q[k].isEmpty {
            kids.append(split(q[k], level: level + 1, x: 2 * x + (k & 1), y: 2 * y + (k >> 1)))
            q[k] = []
        }
        tiles[me].children = kids
        return me
    }

    /// The subtree file rooted at (level, x, y) with `levels` levels.
    func subtree(level: Int, x: Int, y: Int, levels: Int) -> SubtreeFile {
        var f = SubtreeFile(levels: levels)
        for l in 0..<levels {
            let off = Morton.levelOffset(l)
            for m in 0..<(1 << (2 * l)) {
                let (lx, ly) = Morton.coordinates(m)
                if let t = index[Self.key(level + l, (x << l) + lx, (y << l) + ly)] {
                    f.tiles[off + m] = true
                    f.content[off + m] = !tiles[t].content.isEmpty
                }
            }
        }
        for m in 0..<(1 << (2 * levels)) {
            let (lx, ly) = Morton.coordinates(m)
            f.childSubtrees[m] = index[Self.key(level + levels, (x << levels) + lx, (y << levels) + ly)] != nil
        }
        return f
    }
}
