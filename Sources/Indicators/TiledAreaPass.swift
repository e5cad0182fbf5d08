import CityModel
import Dispatch

/// The tiled overlay pass behind the area indicators (see `PreparedLayers`): one pass over the tiles of the built-up
/// area computes, per scope, the built-up, green, permeable, pipe-covered and pipe-gap areas, the road and pipe lengths
/// inside the built-up area and the over-dense built-up area.
enum TiledAreaPass {
    struct Output {
        var areas: [ScopeAreas]
        var builtUp: MultiPolygon
        var zoneBuiltUp: [MultiPolygon]
        var gaps: [Double: MultiPolygon]
        var green: MultiPolygon
        /// Seconds per part of the pass, summed over the workers' tiles (CPU seconds, not wall).
        var timings: [String: Double]
    }

    struct TileOut: Sendable {
        var areas: [ScopeAreas]
        var builtUp: [Polygon] = []
        var zoneBuiltUp: [(Int, [Polygon])] = []
        var gaps: [Double: [Polygon]] = [:]
        var green: [Polygon] = []
        var timings: [String: Double] = [:]
    }

    /// Pieces of `pieces` (indices `idx`) inside the square `q`: a piece whose box lies in the tile is kept as is (the
    /// derived built-up area is already cut on the same lattice), the others are intersected with the tile.
    static func clip(_ polys: [Polygon], _ boxes: [BBox], _ idx: [Int32], _ q: BBox, _ square: MultiPolygon, _ ops: GeometryOps) throws -> MultiPolygon {
        var inside: [Polygon] = [], crossing: [Polygon] = []
        let qq = q.expanded(by: 1e-6)
        for i in idx {
            let b = boxes[Int(i)]
            // A piece that only touches the tile (a neighbour tile's piece of the derived built-up area, along the
            // shared edge) has nothing inside it: left out, so a tile's result never depends on its neighbours' pieces
            // (a part of a partitioned city holds only its own tiles' pieces).
            let o = clipBox(b, q)
            if o.maxX - o.minX <= 1e-6 || o.maxY - o.minY <= 1e-6 { continue }
            if b.minX >= qq.minX && b.maxX <= qq.maxX && b.minY >= qq.minY && b.maxY <= qq.maxY { inside.append(polys[Int(i)]) } else { crossing.append(polys[Int(i)]) }
        }
        if !crossing.isEmpty { inside += try ops.intersection(MultiPolygon(crossing), square).polygons }
        return MultiPolygon(inside)
    }

    /// The part of box `b` inside box `q` (an inverted box when they do not meet).
    static func clipBox(_ b: BBox, _ q: BBox) -> BBox {
        BBox(minX: Swift.max(b.minX, q.minX), minY: Swift.max(b.minY, q.minY), maxX: Swift.min(b.maxX, q.maxX), maxY: Swift.min(b.maxY, q.maxY))
    }

    static func run(_ i: IndicatorInputs, zoneBuildings: [[Int]], pipeDistances: Set<Double>, dense: [String: Double]) throws -> Output {
        aggregate(try tiles(i, zoneBuildings: zoneBuildings, pipeDistances: pipeDistances, dense: dense, only: nil),
                  scopes: 1 + i.base.zones.count, pipeDistances: pipeDistances)
    }

    /// The pass's result per tile, in tile order, for the selected tiles (all: nil) of the built-up area's extent.
    static func tiles(_ i: IndicatorInputs, zoneBuildings: [[Int]], pipeDistances: Set<Double>, dense: [String: Double],
                      only: TileSelection?) throws -> [(TileKey, TileOut)] {
        let base = i.base
        let nScopes = 1 + base.zones.count
        let bu = i.builtUp.polygons
        let buBoxes = bu.map(\.bbox)
        let extent = buBoxes.reduce(BBox.empty) { $0.union($1) }
        let tiles = TileBins(lattice: i.lattice, extent: extent)
        let buBins = tiles.bin(buBoxes, halo: 0)
        let zones = base.zones.map(\.area)
        let zoneBins = tiles.bin(zones.map(\.bbox), halo: 0)
        let green = base.green.map(\.area)
        let greenBins = tiles.bin(green.map(\.bbox), halo: 0)
        let water = base.water.map(\.area)
        let waterBins = tiles.bin(water.map(\.bbox), halo: 0)
        let drains = base.pipes.filter { $0.kind.isDrainage }.map(\.line)
        let maxD = pipeDistances.max() ?? 0
        let drainBins = tiles.bin(drains.map(\.bbox), halo: maxD + 1)
        let roads = base.roads.filter(\.drivable).map(\.line)
        let roadBins = tiles.bin(roads.map(\.bbox), halo: 0)
        let hasGreen = !green.isEmpty, hasPermeable = !green.isEmpty || !water.isEmpty
        let gapD = i.params(PipeGapArea().spec)["distance_m"]!

        // Over-dense cells per scope: residents at footprint centroids on a lattice of `cell_m` (multiples of the cell).
        let cell = dense["cell_m"]!, limit = dense["density_per_km2"]!
        let denseCells = denseCellBoxes(base, zoneBuildings: zoneBuildings, cell: cell, limit: limit)
        let denseBins = denseCells.map { tiles.bin($0, halo: 0) }

        let todo = tiles.selected(only)
        let results = try forEachTile(todo.count, ops: i.ops) { n, ops -> TileOut in
            let t = todo[n]
            var out = TileOut(areas: [ScopeAreas](repeating: ScopeAreas(), count: nScopes))
            if buBins[t].isEmpty { return out }
            var t0 = DispatchTime.now().uptimeNanoseconds
            func lap(_ k: String) {
                let t1 = DispatchTime.now().uptimeNanoseconds
                out.timings[k, default: 0] += Double(t1 - t0) / 1e9
                t0 = t1
            }
            let q = tiles.box(t), square = tiles.square(t)
            let b = try clip(bu, buBoxes, buBins[t], q, square, ops)
            if b.polygons.isEmpty { return out }
            out.builtUp = b.polygons
            // Scopes in this tile: the city, then the zones whose box meets it (built-up ∩ zone).
            var scopeB: [(Int, MultiPolygon)] = [(0, b)]
            // Zones that hold the tile's whole built-up piece (zones larger than tiles mostly do): their tile values are the
            // city's, no overlay needed.
            var whole = Set<Int>()
            let bArea = b.area
            for z in zoneBins[t] {
                let bz = try ops.intersection(b, zones[Int(z)])
                if bz.polygons.isEmpty { continue }
                scopeB.append((Int(z) + 1, bz))
                if bz.area >= bArea * (1 - 1e-12) { whole.insert(Int(z) + 1) }
                out.zoneBuiltUp.append((Int(z), bz.polygons))
            }
            for (s, bs) in scopeB { out.areas[s].builtUp = bs.area }
            lap("built-up ∩ tile, zones")

            @discardableResult
            func coverArea(_ layer: MultiPolygon, _ set: (inout ScopeAreas, Double) -> Void) throws -> [Polygon] {
                if layer.polygons.isEmpty { return [] }
                let inB = try ops.intersection(layer, b)
                if inB.polygons.isEmpty { return [] }
                set(&out.areas[0], inB.area)
                let cityArea = inB.area
                for (s, bs) in scopeB.dropFirst() { set(&out.areas[s], whole.contains(s) ? cityArea : try ops.intersection(inB, bs).area) }
                return inB.polygons
            }
            if hasGreen, !greenBins[t].isEmpty {
                out.green = try coverArea(try ops.union(greenBins[t].map { green[Int($0)] })) { $0.green = $1 }
                lap("green_cov")
            }
            if hasPermeable, !(greenBins[t].isEmpty && waterBins[t].isEmpty) {
                let parts = greenBins[t].map { green[Int($0)] } + waterBins[t].map { water[Int($0)] }
                try coverArea(try ops.union(parts)) { $0.permeable = $1 }
                lap("permeable_share")
            }
            for d in pipeDistances.sorted() {
                let near = drainBins[t].filter { drains[Int($0)].bbox.intersects(q.expanded(by: d + 1)) }
                // Each buffer clipped to the tile before the union: the union then only nodes what lies in the tile.
                // Pipes whose buffer, within the tile, lies in cells certainly covered by the buffers are left out; the
                // cells (clipped to the tile) join the union instead (see `CoveredCells`; the union is unchanged).
                let core = CoveredCells(extent: q.expanded(by: d + 1), reach: d - CoveredCells.sag(d),
                                        points: near.lazy.flatMap { CoveredCells.samples(drains[Int($0)], step: CoveredCells.cell / 2) })
                let kept = near.filter { !core.covers(clipBox(drains[Int($0)].bbox.expanded(by: d), q)) }
                let u = try ops.bufferUnion(kept.map { .lineString(drains[Int($0)]) }, distance: d, clippedTo: q)
                let buf = try core.filled(u, in: q, ops)
                for s in 0..<scopeB.count { out.areas[scopeB[s].0].pipeCovered[d] = 0; out.areas[scopeB[s].0].pipeGap[d] = scopeB[s].1.area }
                if !buf.polygons.isEmpty {
                    let cov = try ops.intersection(buf, b)
                    out.areas[0].pipeCovered[d] = cov.area
                    for (s, bs) in scopeB.dropFirst() { out.areas[s].pipeCovered[d] = whole.contains(s) ? cov.area : try ops.intersection(cov, bs).area }
                    let gap = try ops.difference(b, buf)
                    out.areas[0].pipeGap[d] = gap.area
                    for (s, bs) in scopeB.dropFirst() { out.areas[s].pipeGap[d] = whole.contains(s) ? gap.area : try ops.intersection(gap, bs).area }
                    if d == gapD { out.gaps[d] = gap.polygons }
                } else if d == gapD {
                    out.gaps[d] = b.polygons
                }
                lap("pipe_cov, pipe_gap_area")
            }
            // Road and pipe lengths (with GEOS: `LineLengths`, the 1 cm edge-band rule on an edge grid in pure Swift, one
            // grid per scope serving both sets).
            let roadLs = roadBins[t].map { roads[Int($0)] }
            let pipeLs = drains.isEmpty ? [] : drainBins[t].filter { drains[Int($0)].bbox.intersects(q) }.map { drains[Int($0)] }
            if !roadLs.isEmpty || !pipeLs.isEmpty {
                let own = scopeB.filter { $0.0 == 0 || !whole.contains($0.0) }
                let lens = try ops.lengthsInside([roadLs, pipeLs], own.map(\.1))
                for (s, _) in scopeB {
                    let k = own.firstIndex { $0.0 == s } ?? 0      // a zone holding the tile's whole built-up: the city's
                    out.areas[s].roadLength = lens[k][0]
                    if !pipeLs.isEmpty { out.areas[s].pipeLength = lens[k][1] }
                }
                lap("road_density, pipe_density")
            }
            for (s, bs) in scopeB where s < denseBins.count && !denseBins[s][t].isEmpty {
                let cells = try ops.union(denseBins[s][t].map { TileLattice.rectangle(denseCells[s][Int($0)]) })
                out.areas[s].dense = try ops.intersection(cells, bs).area
            }
            lap("dense_land_share")
            return out
        }
        return zip(todo, results).map { (tiles.key($0.0), $0.1) }
    }

    /// Sums the tiles' areas per scope and gathers their pieces, in the order given (tile order for a single run's).
    static func aggregate(_ results: [(TileKey, TileOut)], scopes nScopes: Int, pipeDistances: Set<Double>) -> Output {
        let zoneCount = nScopes - 1
        var areas = [ScopeAreas](repeating: ScopeAreas(), count: nScopes)
        for d in pipeDistances { for s in 0..<nScopes { areas[s].pipeCovered[d] = 0; areas[s].pipeGap[d] = 0 } }
        var timings: [String: Double] = [:]
        var builtUp: [Polygon] = [], greenPieces: [Polygon] = [], zoneBU = [[Polygon]](repeating: [], count: zoneCount), gaps: [Double: [Polygon]] = [:]
        for (_, r) in results {
            for s in 0..<nScopes { areas[s].add(r.areas[s]) }
            builtUp += r.builtUp
            greenPieces += r.green
            for (k, v) in r.timings { timings[k, default: 0] += v }
            for (z, p) in r.zoneBuiltUp { zoneBU[z] += p }
            for (d, p) in r.gaps { gaps[d, default: []] += p }
        }
        return Output(areas: areas, builtUp: MultiPolygon(builtUp), zoneBuiltUp: zoneBU.map { MultiPolygon($0) },
                      gaps: gaps.mapValues { MultiPolygon($0) }, green: MultiPolygon(greenPieces), timings: timings)
    }

    /// Per scope (city, then zones), the boxes of the analysis cells (global lattice of `cell` metres) whose residents,
    /// placed at footprint centroids, exceed `limit` per km².
    static func denseCellBoxes(_ base: BaseLayer, zoneBuildings: [[Int]], cell: Double, limit: Double) -> [[BBox]] {
        let cellKm2 = cell * cell / 1e6
        func cells(_ idx: some Sequence<Int>) -> [BBox] {
            var residents: [SIMD2<Int>: Double] = [:]
            for b in idx {
                let r = base.buildings[b].residents ?? 0
                if r == 0 { continue }
                let c = base.buildings[b].footprint.centroid
                residents[SIMD2(Int((c.x / cell).rounded(.down)), Int((c.y / cell).rounded(.down))), default: 0] += r
            }
            return residents.filter { $0.value / cellKm2 > limit }.keys.sorted { ($0.y, $0.x) < ($1.y, $1.x) }.map {
                let x = Double($0.x) * cell, y = Double($0.y) * cell
                return BBox(minX: x, minY: y, maxX: x + cell, maxY: y + cell)
            }
        }
        return [cells(base.buildings.indices)] + zoneBuildings.map { cells($0) }
    }
}

/// Park service areas per tile, for the per-building served area of `park_service_cov`.
enum ParkService {
    struct Result { var served: [Double]; var area: MultiPolygon }

    /// For every residential building, its footprint area inside the service area S = ∪buffer(park part, small radius)
    /// for parts of the park union of small…large m², ∪ ∪buffer(part, large radius) for parts ≥ large m².
    ///
    /// Tiled: buildings go to the tile of their centroid; a tile builds S from the parks whose buffer reaches the box
    /// of its buildings, which is exactly the global S over that box, and measures its buildings against it (prepared
    /// geometry). With `wantArea`, also returns S clipped to each tile of the built-up extent (for the grid).
    static func servedArea(_ i: IndicatorInputs, parks: MultiPolygon, small: Double, smallRadius: Double, large: Double,
                           largeRadius: Double, wantArea: Bool = false) throws -> Result {
        let base = i.base
        var partsV: [Polygon] = [], radiusV: [Double] = []
        for p in parks.polygons {
            let a = p.area
            if a >= large { partsV.append(p); radiusV.append(largeRadius) } else if a >= small { partsV.append(p); radiusV.append(smallRadius) }
        }
        let parts = partsV, radius = radiusV
        let resi = base.buildings.indices.filter { base.buildings[$0].use.isResidential }
        var served = [Double](repeating: 0, count: base.buildings.count)
        if parts.isEmpty { return Result(served: served, area: MultiPolygon([])) }
        let fpBoxes = resi.map { base.buildings[$0].footprint.bbox }
        let extent = (wantArea ? i.builtUp.bbox : BBox.empty).union(fpBoxes.reduce(BBox.empty) { $0.union($1) })
        let tiles = TileBins(lattice: i.lattice, extent: extent)
        var byTileV = [[Int]](repeating: [], count: tiles.count)
        for (k, b) in resi.enumerated() { if let t = tiles.tile(of: base.buildings[b].footprint.centroid) { byTileV[t].append(k) } }
        let byTile = byTileV
        let parkBoxes = zip(parts, radius).map { $0.0.bbox.expanded(by: $0.1) }
        let wantBU = wantArea ? tiles.bin(i.builtUp.polygons.map(\.bbox), halo: 0) : []
        let results = try forEachTile(tiles.count, ops: i.ops) { t, ops -> ([(Int, Double)], [Polygon]) in
            let mine = byTile[t]
            let withArea = wantArea && !wantBU[t].isEmpty
            if mine.isEmpty && !withArea { return ([], []) }
            let q = tiles.box(t)
            let reach = mine.reduce(withArea ? q : BBox.empty) { $0.union(fpBoxes[$1]) }
            let near = parkBoxes.indices.filter { parkBoxes[$0].intersects(reach) }
            if near.isEmpty { return ([], []) }
            var groups: [MultiPolygon] = []
            for r in Set(near.map { radius[$0] }).sorted() {
                groups.append(try ops.bufferUnion(near.filter { radius[$0] == r }.map { .polygon(parts[$0]) }, distance: r))
            }
            let svc = groups.count == 1 ? groups[0] : try ops.union(groups)
            var out: [(Int, Double)] = []
            if !mine.isEmpty {
                let inside = try ops.areasInside(mine.map { base.buildings[resi[$0]].footprint }, svc)
                out = zip(mine, inside).map { (resi[$0.0], $0.1) }
            }
            return (out, withArea ? try ops.intersection(svc, tiles.square(t)).polygons : [])
        }
        var pieces: [Polygon] = []
        for (o, p) in results { for (b, a) in o { served[b] = a }; pieces += p }
        return Result(served: served, area: MultiPolygon(pieces))
    }
}
