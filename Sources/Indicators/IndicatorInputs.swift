import GridCore
import CityModel
import Dispatch
import Foundation
import Synchronization

/// Network distances from the walk (and drive) stage, per origin building.
public struct NetworkAccess: Sendable {
    /// Indices into `base.buildings` of the origins (residential buildings).
    public var origins: [Int]
    /// Category id → distance in metres per origin (`.infinity` when beyond the search cutoff, unreachable or unsnapped).
    public var distances: [String: [Float]]
    /// Category id → thresholds (m) to report coverage at.
    public var thresholds: [String: [Double]]
    /// Category id → threshold (m) required for a complete 15-minute life circle.
    public var lifeCircle: [String: Double]
    public init(origins: [Int], distances: [String: [Float]], thresholds: [String: [Double]], lifeCircle: [String: Double]) {
        self.origins = origins; self.distances = distances; self.thresholds = thresholds; self.lifeCircle = lifeCircle
    }
}

/// Everything the indicators read.
public struct IndicatorInputs {
    public var base: BaseLayer
    public var year: Int
    /// Built-up area (boundary layer, or derived: see `BuiltUpArea`). May be given as pieces (polygons touching along
    /// tile edges, as `BuiltUpArea.derive` returns it): only its area and its pieces are used, never its validity.
    public var builtUp: MultiPolygon
    /// How the built-up area was obtained (reported in params/notes).
    public var builtUpSource: String
    public var ops: GeometryOps
    /// Walk distances (residential buildings as origins), when the walk stage ran.
    public var walk: NetworkAccess?
    /// Drive distance from the nearest fire station per building (all buildings), when computed.
    public var fireDrive: [Float]?
    /// Parameter overrides: indicator id → parameter → value.
    public var overrides: [String: [String: Double]]
    public var floorHeight: Double
    /// Tiles of the area overlays.
    public var lattice: TileLattice

    public init(base: BaseLayer, year: Int, builtUp: MultiPolygon, builtUpSource: String, ops: GeometryOps,
                walk: NetworkAccess? = nil, fireDrive: [Float]? = nil, overrides: [String: [String: Double]] = [:], floorHeight: Double = 3,
                lattice: TileLattice = TileLattice()) {
        self.base = base; self.year = year; self.builtUp = builtUp; self.builtUpSource = builtUpSource; self.ops = ops
        self.walk = walk; self.fireDrive = fireDrive; self.overrides = overrides; self.floorHeight = floorHeight; self.lattice = lattice
    }

    /// A spec's parameters with the config's overrides applied.
    public func params(_ spec: IndicatorSpec) -> [String: Double] {
        var p = spec.params
        for (k, v) in overrides[spec.id] ?? [:] { p[k] = v }
        return p
    }
}

/// Areas and lengths of one scope (the city or a zone) inside its built-up area, summed over the tiles.
public struct ScopeAreas: Sendable, Equatable {
    /// Built-up area (m²).
    public var builtUp = 0.0
    /// ∪green ∩ built-up (m²).
    public var green = 0.0
    /// ∪(green ∪ water) ∩ built-up (m²).
    public var permeable = 0.0
    /// Pipe buffer distance (m) → ∪buffer(drainage pipes) ∩ built-up (m²).
    public var pipeCovered: [Double: Double] = [:]
    /// Pipe buffer distance (m) → built-up − ∪buffer (m²).
    public var pipeGap: [Double: Double] = [:]
    /// Drivable road length inside the built-up area (m).
    public var roadLength = 0.0
    /// Drainage pipe length inside the built-up area (m).
    public var pipeLength = 0.0
    /// Built-up area in over-dense analysis cells (m²).
    public var dense = 0.0
    public init() {}

    mutating func add(_ o: ScopeAreas) {
        builtUp += o.builtUp; green += o.green; permeable += o.permeable; roadLength += o.roadLength
        pipeLength += o.pipeLength; dense += o.dense
        for (k, v) in o.pipeCovered { pipeCovered[k, default: 0] += v }
        for (k, v) in o.pipeGap { pipeGap[k, default: 0] += v }
    }
}

/// Shared intermediate results, computed once per run: the tiled overlay pass (per-scope areas, built-up and gap
/// pieces), the park union and the per-building park service areas.
///
/// Every area overlay is done tile by tile (`TileLattice`, 1 km squares) on all cores, each worker with its own
/// GeometryOps, and no pass holds more than one tile's geometries per worker in the geometry engine. Inside a tile:
/// B = built-up ∩ tile; green, permeable cover and pipe buffers are unioned from the features near the tile (pipes within
/// the buffer distance + 1 m) and intersected with B; zones with B. The sums over tiles equal the whole-city overlay
/// (areas are additive over a partition), up to the floating-point noding of the extra cuts along tile edges.
public final class PreparedLayers {
    let inputs: IndicatorInputs
    /// Scope id ("" = city, then zone ids) → index into `areas`.
    let scopeIndex: [String: Int]
    /// Per scope, its areas (index 0 = city, k + 1 = zone k).
    public let areas: [ScopeAreas]
    /// The city's built-up area as pieces clipped to tiles.
    public let builtUpPieces: MultiPolygon
    /// ∪green ∩ built-up, as pieces clipped to tiles (for the green cover grid).
    public let greenPieces: MultiPolygon
    /// Per zone, its built-up pieces.
    public let zoneBuiltUp: [MultiPolygon]
    /// Pipe buffer distance → gap pieces (built-up area farther than the distance from any drainage pipe).
    public let gapPieces: [Double: MultiPolygon]
    /// Per zone, the buildings whose footprint centroid lies in it.
    public let zoneBuildings: [[Int]]
    /// CPU seconds per part of the tiled pass (summed over workers), for CIMBASE_TIMINGS.
    public let passTimings: [String: Double]
    /// Parameters the pass was computed for.
    public let pipeDistances: Set<Double>
    public let denseParams: [String: Double]

    /// Runs the tiled pass (throws when the geometry engine fails on a tile); with `given` (the parts' shares of a
    /// partitioned city, merged), sums their tiles instead of computing them.
    public init(_ inputs: IndicatorInputs, given: TileShare? = nil) throws {
        self.inputs = inputs
        var idx: [String: Int] = ["": 0]
        for (k, z) in inputs.base.zones.enumerated() where idx[z.id] == nil { idx[z.id] = k + 1 }
        scopeIndex = idx
        let p = Self.passParameters(inputs)
        zoneBuildings = p.zoneBuildings
        pipeDistances = p.pipeDistances
        denseParams = p.dense
        let pass: TiledAreaPass.Output
        if let given {
            guard given.scopes == 1 + inputs.base.zones.count else {
                throw TileShareError("the parts' tiles hold \(given.scopes - 1) zones, the base layer \(inputs.base.zones.count)")
            }
            pass = TiledAreaPass.aggregate(given.overlays, scopes: given.scopes, pipeDistances: pipeDistances)
        } else {
            pass = try TiledAreaPass.run(inputs, zoneBuildings: zoneBuildings, pipeDistances: pipeDistances, dense: denseParams)
        }
        areas = pass.areas; builtUpPieces = pass.builtUp; zoneBuiltUp = pass.zoneBuiltUp; gapPieces = pass.gaps; greenPieces = pass.green; passTimings = pass.timings
    }

    /// What the tiled pass is computed for: buildings per zone, pipe buffer distances, the dense-land parameters.
    static func passParameters(_ inputs: IndicatorInputs) -> (zoneBuildings: [[Int]], pipeDistances: Set<Double>, dense: [String: Double]) {
        var dists: Set<Double> = []
        if inputs.base.pipes.contains(where: { $0.kind.isDrainage }) {
            dists.insert(inputs.params(PipeCoverage().spec)["distance_m"]!)
            dists.insert(inputs.params(PipeGapArea().spec)["distance_m"]!)
        }
        return (buildingsByZone(inputs.base), dists, inputs.params(DenseLandShare().spec))
    }

    /// The areas of a scope.
    public func areas(_ s: Scope) -> ScopeAreas { areas[scopeIndex[s.id] ?? 0] }

    /// Buildings by footprint centroid in each zone (a building in overlapping zones counts in each).
    static func buildingsByZone(_ base: BaseLayer) -> [[Int]] {
        if base.zones.isEmpty { return [] }
        let centroids = base.buildings.map { $0.footprint.centroid }
        return base.zones.map { z in
            let bb = z.area.bbox
            return base.buildings.indices.filter { bb.contains(centroids[$0]) && z.area.contains(centroids[$0]) }
        }
    }

    /// Union of the park green (is_park), cached.
    public private(set) lazy var parkUnion: Result<MultiPolygon, Error> = Result {
        try inputs.ops.union(inputs.base.green.filter(\.isPark).map(\.area))
    }

    /// Union of the shelter outlines (nil when there are none), cached.
    public private(set) lazy var shelterUnion: Result<MultiPolygon?, Error> = Result {
        let shelters = inputs.base.facilities.filter { $0.category == "shelter" }.map(\.geometry.polygons).filter { !$0.polygons.isEmpty }
        return shelters.isEmpty ? nil : try inputs.ops.union(shelters)
    }

    /// `u ∩ land`, intersecting only the parts of `u` whose box meets the land's (the others lie outside it).
    static func clip(_ u: MultiPolygon, to land: MultiPolygon, _ ops: GeometryOps) throws -> MultiPolygon {
        let lb = land.bbox
        let near = u.polygons.filter { $0.bbox.intersects(lb) }
        return near.isEmpty ? MultiPolygon([]) : try ops.intersection(MultiPolygon(near), land)
    }

    /// Buildings counted as residential land (residential or mixed; unknown-use buildings holding residents too).
    public private(set) lazy var residentialIndices: [Int] = inputs.base.buildings.indices.filter {
        let b = inputs.base.buildings[$0]
        return b.use.isResidential || (b.use == .unknown && (b.residents ?? 0) > 0)
    }

    /// Footprint area of every building inside the park service area (0 for non-residential ones), cached per
    /// parameters [small_park_m2, small_radius_m, large_park_m2, large_radius_m].
    public func parkServedArea(_ key: [Double]) -> Result<[Double], Error> { parkServiceResult(key).map(\.served) }

    /// The park service area as pieces clipped to the tiles of the built-up extent (for the grid), per parameters.
    public func parkService(small: Double, smallRadius: Double, large: Double, largeRadius: Double) -> Result<MultiPolygon, Error> {
        parkServiceResult([small, smallRadius, large, largeRadius]).map(\.area)
    }

    private func parkServiceResult(_ key: [Double]) -> Result<ParkService.Result, Error> {
        if let c = serviceCache[key] { return c }
        let r = Result<ParkService.Result, Error> {
            try ParkService.servedArea(inputs, parks: try parkUnion.get(), small: key[0], smallRadius: key[1], large: key[2],
                                       largeRadius: key[3], wantArea: true)
        }
        serviceCache[key] = r
        return r
    }
    private var serviceCache: [[Double]: Result<ParkService.Result, Error>] = [:]
}

/// The built-up area when no boundary layer is given: building footprints closed morphologically
/// (buffered out by `closing` metres, then back in by the same distance), which joins buildings less than
/// 2 × `closing` apart into one settlement area and fills the streets and yards between them.
///
/// Computed on tiles in parallel: whether a point lies in the closing depends only on the footprints within
/// 2 × `closing` of it, so each tile buffers the footprints within 2 × `closing` + 1 m of it, closes them and keeps the
/// part inside the tile. The result is the closing's pieces, one or more per tile, that touch along tile edges.
public enum BuiltUpArea {
    public static let defaultClosing = 50.0
    public static func derive(buildings: [Building], ops: GeometryOps, closing: Double = defaultClosing,
                              lattice: TileLattice = TileLattice()) throws -> MultiPolygon {
        MultiPolygon(try deriveTiles(buildings: buildings, ops: ops, closing: closing, lattice: lattice).flatMap(\.pieces))
    }

    /// As `derive`, per tile (in tile order, tiles without pieces left out), computing only the selected tiles: a part
    /// of a partitioned city derives the tiles its core owns, from all the buildings, so each tile's pieces are the
    /// single run's to the bit, and the parts' tiles sorted by key are `derive`'s pieces.
    public static func deriveTiles(buildings: [Building], ops: GeometryOps, closing: Double = defaultClosing,
                                   lattice: TileLattice = TileLattice(), only: TileSelection? = nil) throws -> [TilePieces] {
        let boxes = buildings.map(\.footprint.bbox)
        let extent = boxes.reduce(BBox.empty) { $0.union($1) }
        if extent.isEmpty { return [] }
        let tiles = TileBins(lattice: lattice, extent: extent.expanded(by: closing))
        let bins = tiles.bin(boxes, halo: 2 * closing + 1)
        let fps = buildings.map(\.footprint)
        // CPU seconds per part, summed over the tiles (CIMBASE_TIMINGS=1 prints them).
        let laps = Mutex<[String: Double]>([:])
        let todo = tiles.selected(only)
        let pieces = try forEachTile(todo.count, ops: ops) { n, ops -> [Polygon] in
            let t = todo[n]
            let mine = bins[t]
            if mine.isEmpty { return [] }
            let q = tiles.box(t)
            // Nothing within `closing` of the tile: the closing cannot reach into it.
            let near = q.expanded(by: closing)
            if !mine.contains(where: { boxes[Int($0)].intersects(near) }) { return [] }
            var t0 = DispatchTime.now().uptimeNanoseconds
            var mineLaps: [(String, Double)] = []
            func lap(_ k: String) {
                let t1 = DispatchTime.now().uptimeNanoseconds
                mineLaps.append((k, Double(t1 - t0) / 1e9)); t0 = t1
            }
            defer { laps.withLock { for (k, v) in mineLaps { $0[k, default: 0] += v } } }
            // GEOS buffers (8 segments per quadrant) hold every point within closing × cos 5.625° (0.24 m less at 50 m).
            let core = CoveredCells(extent: q.expanded(by: 2 * closing + 1), reach: closing - CoveredCells.sag(closing),
                                    points: mine.lazy.flatMap { fps[Int($0)].polygons }.flatMap(\.rings).flatMap { $0 })
            let kept = mine.indices.filter { !core.covers(boxes[Int(mine[$0])].expanded(by: closing)) }
            lap("covered cells")
            // Only the dilation within `closing` + 1 m of the tile matters to the erosion inside the tile: the buffers
            // clipped to that box, their union, then the parts of the box outside it that lie in the covered cells.
            let w = q.expanded(by: closing + 1)
            let u = try ops.bufferUnion(kept.map { .multiPolygon(fps[Int(mine[$0])]) }, distance: closing, clippedTo: w)
            lap("buffer+union")
            let local = try core.filled(u, in: w, ops)
            lap("fill covered")
            let closed = try ops.bufferUnion([.multiPolygon(local)], distance: -closing)
            lap("erode")
            defer { lap("clip tile") }
            // Empty parts (GEOS may return an empty polygon for a tile the closing does not reach) are left out.
            return try ops.intersection(closed, tiles.square(t)).polygons.filter { !$0.bbox.isEmpty }
        }
        if ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil {
            for (k, v) in laps.withLock({ $0 }).sorted(by: { $0.value > $1.value }) {
                FileHandle.standardError.write(String(format: "timing indicator (closing CPU s) %@   %.3f s\n", k, v).data(using: .utf8)!)
            }
        }
        return zip(todo, pieces).compactMap { $0.1.isEmpty ? nil : TilePieces(key: tiles.key($0.0), pieces: $0.1) }
    }
}

/// The pieces of an area inside one tile.
public struct TilePieces: Sendable, Equatable {
    public var key: TileKey
    public var pieces: [Polygon]
    public init(key: TileKey, pieces: [Polygon]) { self.key = key; self.pieces = pieces }
}

extension TileLattice {
    /// A box as a polygon.
    static func rectangle(_ b: BBox) -> MultiPolygon {
        MultiPolygon([Polygon([[Vec2(b.minX, b.minY), Vec2(b.maxX, b.minY), Vec2(b.maxX, b.maxY), Vec2(b.minX, b.maxY), Vec2(b.minX, b.minY)]])])
    }
}
