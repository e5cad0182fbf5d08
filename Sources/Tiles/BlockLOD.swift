import CityModel

/// How parent tiles show the city zoomed out (`TilesetOptions.lod`).
public enum TileLOD: String, Sendable, CaseIterable {
    /// Parent tiles carry merged block footprints at the block's mean height (`BlockLOD`), refine REPLACE: the
    /// children replace them. All buildings are on leaves.
    case blocks
    /// Parent tiles carry their subtree's largest buildings (`coarseBuildingsPerParent`), refine ADD.
    case largest
}

/// The simplified city of one parent tile (`TileLOD.blocks`): its quadtree cell is cut into
/// `blocksPerSide` × `blocksPerSide` square blocks, each of `cellsPerBlock` × `cellsPerBlock` micro-cells.
///
/// 1. Every building of the subtree adds its footprint area (shoelace, holes subtracted) to the micro-cells under its
///    bounding box, in proportion to the overlap (clipped to the tile's cell), so a micro-cell's value is the built
///    area it holds (exact for axis-aligned rectangles).
/// 2. A building belongs to the block holding its anchor (bounding-box centre, clamped into the cell).
/// 3. A block with buildings is one feature: its footprint is the union of its micro-cells built up to at least
///    `coverThreshold` of their area (at least the most built-up micro-cell holding an anchor, so no block with
///    buildings vanishes), merged into rectangles (row runs, then identical runs of consecutive rows), extruded at the
///    area-weighted mean height of its buildings on their area-weighted mean ground; its use is the use with most
///    footprint area.
///
/// Size: ≤ blocksPerSide² features, each ≤ cellsPerBlock²/2 rectangles (a checkerboard) of 12 triangles, so ≤ 24,576
/// triangles a tile with the defaults; the simplification error is about a block side (cell side / 16), while the
/// geometric error such a tile gets is the cell side × `lodErrorPerSide` ≈ cell side / 29 (see `TilesetWriter`).
/// O(buildings of the subtree + micro-cells under their boxes). No GEOS: Tiles is pure Swift.
struct BlockLOD {
    static let blocksPerSide = 16
    static let cellsPerBlock = 4
    /// Built share of a micro-cell from which it is part of its block's footprint.
    static let coverThreshold = 0.2

    /// What a block feature says of its buildings (the `block` class, `BlockMetadata`).
    struct Stats: Equatable {
        var buildings: Int32 = 0
        var footprintAreaM2 = 0.0
        var blockAreaM2 = 0.0
        var maxHeightM: Float = 0
        var residents = 0.0
        var name = ""
    }

    /// The block features (as `Building`s whose footprint is the merged block, `groundM` the mean ground minus
    /// `groundOffsetM`) and their statistics, parallel.
    static func make(ids: [Int32], buildings: [Building], cellMin: Vec2, side: Double, level: Int, x: Int, y: Int,
                     options: TilesetOptions) -> (blocks: [Building], stats: [Stats]) {
        let nb = blocksPerSide, m = cellsPerBlock, n = nb * m
        let step = side / Double(n)
        let cellArea = step * step
        var cover = [Double](repeating: 0, count: n * n)
        var anchorCell = [Bool](repeating: false, count: n * n)
        // Per block: Σ area, Σ area·height, Σ area·ground, count, max height, residents, area per use.
        var sumA = [Double](repeating: 0, count: nb * nb), sumAH = sumA, sumAG = sumA, res = sumA
        var count = [Int32](repeating: 0, count: nb * nb)
        var maxH = [Float](repeating: 0, count: nb * nb)
        let uses = BuildingUse.allCases
        var useArea = [Double](repeating: 0, count: nb * nb * uses.count)
        let useIndex = Dictionary(uniqueKeysWithValues: uses.enumerated().map { ($1, $0) })
        func clampCell(_ v: Double) -> Int { max(0, min(n - 1, Int(((v) / step).rounded(.down)))) }
        for i in ids {
            let b = buildings[Int(i)]
            let bb = b.footprint.bbox
            let area = abs(b.footprint.area)
            let a = area.isFinite && area > 0 ? area : 0
            let h = b.heightM.isFinite ? max(b.heightM, options.minimumHeightM) : options.minimumHeightM
            let g = (b.groundM.map { $0.isFinite ? $0 + options.groundOffsetM : options.defaultGroundHeightM }) ?? options.defaultGroundHeightM
            let ci = clampCell(bb.center.x - cellMin.x), cj = clampCell(bb.center.y - cellMin.y)
            anchorCell[cj * n + ci] = true
            let blk = (cj / m) * nb + ci / m
            // Weight by area, but a building of zero area still counts (weight 1e-9) so its block gets a height.
            let w = max(a, 1e-9)
            sumA[blk] += w; sumAH[blk] += w * h; sumAG[blk] += w * g
            count[blk] += 1; maxH[blk] = max(maxH[blk], Float(h))
            if let r = b.residents, r.isFinite { res[blk] += r }
            useArea[blk * uses.count + useIndex[b.use]!] += w
            guard a > 0 else { continue }
            let x0 = max(bb.minX - cellMin.x, 0), x1 = min(bb.maxX - cellMin.x, side)
            let y0 = max(bb.minY - cellMin.y, 0), y1 = min(bb.maxY - cellMin.y, side)
            let bw = bb.maxX - bb.minX, bh = bb.maxY - bb.minY
            if bw <= 0 || bh <= 0 || x1 <= x0 || y1 <= y0 {
                cover[cj * n + ci] += a; continue
            }
            let density = a / (bw * bh)
            for cy in clampCell(y0)...clampCell(y1) {
                let oy = min(y1, Double(cy + 1) * step) - max(y0, Double(cy) * step)
                guard oy > 0 else { continue }
                for cx in clampCell(x0)...clampCell(x1) {
                    let ox = min(x1, Double(cx + 1) * step) - max(x0, Double(cx) * step)
                    if ox > 0 { cover[cy * n + cx] += density * ox * oy }
                }
            }
        }
        var blocks: [Building] = [], stats: [Stats] = []
        for bj in 0..<nb {
            for bi in 0..<nb {
                let blk = bj * nb + bi
                guard count[blk] > 0 else { continue }
                var on = [Bool](repeating: false, count: m * m)
                var best = -1, bestCover = -1.0
                for j in 0..<m {
                    for i in 0..<m {
                        let c = (bj * m + j) * n + bi * m + i
                        if cover[c] >= coverThreshold * cellArea { on[j * m + i] = true }
                        if anchorCell[c] && cover[c] > bestCover { bestCover = cover[c]; best = j * m + i }
                    }
                }
                if !on.contains(true) && best >= 0 { on[best] = true }
                // Rectangles: runs per row, merged with the identical run of the row below.
                var rects: [(i0: Int, i1: Int, j0: Int, j1: Int)] = []
                var open: [Int: Int] = [:]   // run key i0*m+i1 → rect index still growing
                for j in 0..<m {
                    var next: [Int: Int] = [:]
                    var i = 0
                    while i < m {
                        guard on[j * m + i] else { i += 1; continue }
                        var e = i
                        while e + 1 < m && on[j * m + e + 1] { e += 1 }
                        let key = i * m + e
                        if let r = open[key] { rects[r].j1 = j; next[key] = r }
                        else { next[key] = rects.count; rects.append((i, e, j, j)) }
                        i = e + 1
                    }
                    open = next
                }
                let ox = cellMin.x + Double(bi * m) * step, oy = cellMin.y + Double(bj * m) * step
                var polys: [Polygon] = []
                var blockArea = 0.0
                for r in rects {
                    let x0 = ox + Double(r.i0) * step, x1 = ox + Double(r.i1 + 1) * step
                    let y0 = oy + Double(r.j0) * step, y1 = oy + Double(r.j1 + 1) * step
                    polys.append(Polygon([[Vec2(x0, y0), Vec2(x1, y0), Vec2(x1, y1), Vec2(x0, y1)]]))
                    blockArea += (x1 - x0) * (y1 - y0)
                }
                var use = BuildingUse.unknown, ua = -1.0
                for (k, u) in uses.enumerated() where useArea[blk * uses.count + k] > ua { ua = useArea[blk * uses.count + k]; use = u }
                let name = "\(level)/\(x)/\(y)/\(bi)_\(bj)"
                blocks.append(Building(id: Int64(blocks.count), sourceId: name, footprint: MultiPolygon(polys),
                                       heightM: sumAH[blk] / sumA[blk], heightSource: .measured, use: use,
                                       groundM: sumAG[blk] / sumA[blk] - options.groundOffsetM))
                var s = Stats()
                s.buildings = count[blk]; s.footprintAreaM2 = sumA[blk] > 1e-6 ? sumA[blk] : 0; s.blockAreaM2 = blockArea
                s.maxHeightM = maxH[blk]; s.residents = res[blk]; s.name = name
                stats.append(s)
            }
        }
        return (blocks, stats)
    }
}

/// Something that writes the EXT_structural_metadata schema and one tile's property table.
protocol PropertyTableEncoder: Sendable {
    func schemaJSON() -> String
    func encodeTable(rows: [Int], buildings: [Building], grounds: [Double], bin: inout BinaryBuffer,
                     codec: (any MeshCodec)?, fallback: inout Int) -> String
}


/// The EXT_structural_metadata class `block` of `TileLOD.blocks` parent tiles: one feature per block (not per
/// building). Properties: `block` STRING (`level/x/y/i_j`: quadtree tile and block within it), `level` INT32 (quadtree
/// level of the tile), `buildings` INT32 (buildings of the block), `height_m` FLOAT32 (area-weighted mean height, the
/// extrusion), `max_height_m` FLOAT32, `ground_m` FLOAT64 (area-weighted mean ground used), `footprint_area_m2` FLOAT64
/// (Σ of the buildings' footprint areas), `block_area_m2` FLOAT64 (area of the drawn merged footprint), `use` STRING
/// (the use with most footprint area), `residents` FLOAT32 (Σ, 0 when none known). `height_m` and `use` have the
/// buildings' names, so a style by height or use colours blocks and buildings alike.
struct BlockMetadata: PropertyTableEncoder {
    let stats: [BlockLOD.Stats]
    let level: Int

    func schemaJSON() -> String {
        "{\"id\":\"cimbase_lod\",\"classes\":{\"block\":{\"name\":\"Block\",\"description\":\"A block of a CIMBase level of detail: merged footprints of its buildings at their area-weighted mean height\",\"properties\":{"
        + "\"block\":{\"type\":\"STRING\",\"description\":\"level/x/y/i_j: quadtree tile and block within it\"}"
        + ",\"level\":{\"type\":\"SCALAR\",\"componentType\":\"INT32\",\"required\":true}"
        + ",\"buildings\":{\"type\":\"SCALAR\",\"componentType\":\"INT32\",\"required\":true,\"description\":\"Buildings in the block\"}"
        + ",\"height_m\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\",\"required\":true,\"description\":\"Area-weighted mean height (m)\"}"
        + ",\"max_height_m\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\",\"required\":true}"
        + ",\"ground_m\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"required\":true,\"description\":\"Area-weighted mean ground above the WGS84 ellipsoid (m)\"}"
        + ",\"footprint_area_m2\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"required\":true,\"description\":\"Sum of the buildings' footprint areas\"}"
        + ",\"block_area_m2\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"required\":true,\"description\":\"Area of the merged footprint drawn\"}"
        + ",\"use\":{\"type\":\"STRING\",\"description\":\"Use with most footprint area\"}"
        + ",\"residents\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\",\"required\":true}"
        + "}}}}"
    }

    func encodeTable(rows: [Int], buildings: [Building], grounds: [Double], bin: inout BinaryBuffer,
                     codec: (any MeshCodec)?, fallback: inout Int) -> String {
        var cols = PropertyColumns(codec: codec)
        cols.strings("block", rows.map { stats[$0].name }, bin: &bin, fallback: &fallback)
        cols.numeric("level", rows.map { _ in Int32(clamping: level) }, bin: &bin, fallback: &fallback)
        cols.numeric("buildings", rows.map { stats[$0].buildings }, bin: &bin, fallback: &fallback)
        cols.numeric("height_m", rows.map { Float(buildings[$0].heightM) }, bin: &bin, fallback: &fallback)
        cols.numeric("max_height_m", rows.map { stats[$0].maxHeightM }, bin: &bin, fallback: &fallback)
        cols.numeric("ground_m", grounds, bin: &bin, fallback: &fallback)
        cols.numeric("footprint_area_m2", rows.map { stats[$0].footprintAreaM2 }, bin: &bin, fallback: &fallback)
        cols.numeric("block_area_m2", rows.map { stats[$0].blockAreaM2 }, bin: &bin, fallback: &fallback)
        cols.strings("use", rows.map { buildings[$0].use.rawValue }, bin: &bin, fallback: &fallback)
        cols.numeric("residents", rows.map { Float(stats[$0].residents) }, bin: &bin, fallback: &fallback)
        return cols.tableJSON(className: "block", count: rows.count)
    }
}
