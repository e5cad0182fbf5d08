import CityModel
import Foundation
import GeoBridge
import GridCore
import Indicators
import WalkNetwork

/// `cimbase walk`: network walking distances from residential buildings to the nearest facility of every category,
/// over the real streets (GB 50180-2018 life circles) → DIR/walk.gpkg, walk gaps, service areas, coverage grids; and
/// the drive distance from the nearest fire station for `fire_5min_cov`.
///
/// This file holds the options and the order of the steps; the inputs (lines, entrances, origins) are in
/// WalkInputs.swift, the grid and its areas in WalkAreas.swift, the files in WalkOutputWriter.swift.
public enum WalkStage {
    public struct Options: Sendable {
        /// Thresholds (m) reported for every category, besides each category's own life-circle distance.
        public var thresholdsM: [Double] = [300, 500, 1000]
        /// Largest snap distance (m) from an origin or facility to the network.
        public var maxSnapM = 200.0
        /// Walking cost factor of stairs (highway=steps).
        public var stairsPenalty = 1.5
        /// Node lines that cross without a shared vertex (GEOS noding); off for OSM, where crossings without a shared
        /// vertex are bridges and tunnels.
        public var nodeCrossings = false
        /// Spacing (m) of entrance points along the outline of polygon facilities (parks, school grounds).
        public var entranceSpacingM = 50.0
        /// Write the service areas (walk-grid cells within each category's threshold, traced as polygons).
        public var serviceAreas = true
        /// Also write the graph and every snapped position as CSV (DIR/walk_graph/) for independent cross-checks
        /// (scripts/walk_reference.py recomputes coverage with networkx from them).
        public var exportGraph = false
        /// k nearest facility ids per origin (0…3).
        public var k = 0
        /// Cell size (m) of the walk-distance grids written to DIR/grids (0: no grid files; the gap and service-area
        /// polygons are then traced on a 20 m grid that is not written).
        public var gridCellM = 20.0
        public init() {}
    }

    public struct Output {
        public var access: NetworkAccess
        /// Drive distance (m) from the nearest fire station per building (`+∞` when unreachable), nil without
        /// fire stations or drivable roads. Not capped: `fire_5min_cov` applies its own minutes and speed.
        public var fireDrive: [Float]?
        public var extraColumns: [(name: String, values: [Float])]
        public var nodes: Int
        public var unsnapped: Int
        public var islands: Int
    }

    /// Categories that are never walked to: fire stations are reached by driving (`fire_5min_cov`, issue 13).
    static let driveOnlyCategories: Set<String> = ["fire_station"]

    /// The walk options, read and validated with the config (`CityConfig.walk`); the grid's size is checked here,
    /// against the extent of the data, before anything is allocated.
    static func options(_ config: CityConfig, base: BaseLayer) throws -> Options {
        let o = config.walk
        // Per cell: centre (16 B), snapped position (24 B), search state and one Float per category. With no grid files
        // (0) the gap and service-area polygons are still traced on an internal grid of WalkAreas.defaultCellM.
        try GridBudget.check(key: "walk.grid_cell_m", cell: o.gridCellM > 0 ? o.gridCellM : WalkAreas.defaultCellM, extent: GridBudget.extent(base),
                             bytesPerCell: 64 + 4 * config.categories.all.count, file: config.file)
        return o
    }

    /// Everything the walk stage computed, handed to ``WalkOutputWriter``.
    struct Result {
        var base: BaseLayer
        /// Indices into `base.buildings` of the origins, ascending.
        var originIdx: [Int]
        var originPts: [Vec2]
        var snapped: SnapBatch
        /// Searched categories (sorted), parallel to `searches`.
        var cats: [String]
        var searches: [CategoryAccess]
        var access: NetworkAccess
        var k: Int
        /// Per building, or nil (see `Output.fireDrive`).
        var fire: [Float]?
        var cells: CellOrigins?
        /// Gap and service-area polygons per category with an own threshold.
        var areas: [WalkAreas.CategoryAreas]
    }

    /// Population cell centres searched like buildings.
    struct CellOrigins {
        var points: [Vec2]
        var snapped: SnapBatch
        var distances: [String: [Float]]
    }

    public static func run(config: CityConfig, base: BaseLayer, outDir: String, progress: Progress) throws -> Output? {
        try run(config: config, base: base, outDir: outDir, progress: progress, scope: nil)
    }

    /// `scope` (partitioned cities, PartitionWalk.swift): a part searches only the origins of its core and stops after
    /// the searches; the merge passes the parts' distances instead of searching again.
    static func run(config: CityConfig, base: BaseLayer, outDir: String, progress: Progress, scope: WalkScope?) throws -> Output? {
        let t0 = Date()
        var timer = StepTimer()
        let o = try options(config, base: base)
        let lines = try WalkInputs.walkLines(base.roads, o, drive: false)
        guard !lines.isEmpty else {
            progress.say("walk        no walkable roads: walk coverage not computed")
            return nil
        }
        progress.begin("walk: graph")
        let graph: WalkGraph
        do { graph = try WalkGraph(lines: lines) } catch { throw PipelineError.input(file: "base.gpkg", layer: "roads", message: "walk graph: \(error)") }
        let index = EdgeSegmentIndex(graph: graph)
        let snapOpts = SnapOptions(maxSnap: o.maxSnapM, preferLargestComponent: true)
        timer.lap("graph")

        // Origins.
        let originIdx = WalkInputs.originIndices(base).filter { scope?.owns(base.buildings[$0].footprint.centroid) ?? true }
        let originPts = originIdx.map { base.buildings[$0].footprint.centroid }
        progress.begin("walk: snapping \(originIdx.count.grouped) origins")
        let snapped = index.snap(originPts, options: snapOpts)

        // Facilities by category (entrances of polygons all carry the facility's id); fire stations are driven to.
        // Parks of the green layer are `park` facilities too (issue 13: walk coverage and life circles then agree with
        // park_service_cov, which reads the green layer).
        let byCat = Dictionary(grouping: base.facilities + WalkInputs.greenParks(base), by: \.category)
        let cats = byCat.keys.filter { !driveOnlyCategories.contains($0) }.sorted()
        var sets: [FacilitySet] = []
        var unsnappedFacilities = 0
        for c in cats {
            let s = WalkInputs.facilitySet(c, byCat[c]!, index: index, spacing: o.entranceSpacingM, snap: snapOpts)
            unsnappedFacilities += s.unsnapped
            sets.append(s.set)
        }
        var thresholds: [String: [Double]] = [:]
        var lifeCircle: [String: Double] = [:]
        for c in cats {
            let own = FacilityCategory.named(c)?.thresholdM
            thresholds[c] = Array(Set(o.thresholdsM + (own.map { [$0] } ?? []))).sorted()
            if let fc = FacilityCategory.named(c), fc.requiredFor15 { lifeCircle[c] = fc.thresholdM }
        }
        // Required categories absent from the data still count: nobody has them within reach.
        for fc in config.categories.all where fc.requiredFor15 && lifeCircle[fc.id] == nil { lifeCircle[fc.id] = fc.thresholdM }
        let cutoff = (thresholds.values.flatMap { $0 } + [o.thresholdsM.max() ?? 1000]).max()!
        timer.lap("snap")

        progress.begin("walk: searching \(cats.count) categories")
        let engine = WalkAccessEngine(graph: graph)
        var distances: [String: [Float]] = [:]
        let searches: [CategoryAccess]
        if let given = scope?.given {
            // Merge: the parts searched (WalkScope.given holds their rows in this origin order); k_nearest is refused for partitions.
            searches = []
            for c in cats { distances[c] = try given.column(c, count: originIdx.count) }
        } else {
            searches = engine.originDistances(categories: sets, origins: snapped.positions, cutoff: cutoff, k: o.k)
            for (c, r) in zip(cats, searches) { distances[c] = r.distances.map { $0.isNaN ? .infinity : $0 } }
        }
        // Required categories with no facility at all: unreachable for everyone.
        for c in lifeCircle.keys where distances[c] == nil { distances[c] = [Float](repeating: .infinity, count: originIdx.count); thresholds[c] = [lifeCircle[c]!] }
        let access = NetworkAccess(origins: originIdx, distances: distances, thresholds: thresholds, lifeCircle: lifeCircle)
        timer.lap("search")

        // Fire-station reach over drivable roads, for every building (one setting: the indicator's minutes × speed).
        var fire: [Float]? = nil
        if scope?.partOnly == true {
            // A part: the uncapped fire drive distances are not local (the nearest station may lie beyond any halo), so
            // merge computes them over the whole city (1.5 s at 1M buildings).
        } else if let stations = byCat["fire_station"], !stations.isEmpty {
            progress.begin("walk: fire-station drive distances")
            fire = try WalkInputs.fireDrive(base: base, stations: stations, options: o, snap: snapOpts)
        }
        timer.lap("fire")

        // Population cell centres as a second kind of origin (rows of `access` with origin_kind = cell; coverage
        // indicators use the buildings, which already hold the cells' residents).
        var cellRows: CellOrigins? = nil
        if !base.population.isEmpty {
            let cellIdx = base.population.indices.filter { scope?.owns(base.population[$0].area.centroid) ?? true }
            let pts = cellIdx.map { base.population[$0].area.centroid }
            let cs = index.snap(pts, options: snapOpts)
            var d: [String: [Float]] = [:]
            if let given = scope?.given {
                for c in cats { d[c] = try given.cellColumn(c, count: pts.count) }
            } else {
                let cr = engine.originDistances(categories: sets, origins: cs.positions, cutoff: cutoff, k: 0)
                for (c, r) in zip(cats, cr) { d[c] = r.distances.map { $0.isNaN ? .infinity : $0 } }
            }
            cellRows = CellOrigins(points: pts, snapped: cs, distances: d)
            scope?.cellIdx = cellIdx
        }
        timer.lap("cells")
        if let scope, scope.partOnly {
            scope.cells = cellRows?.distances ?? [:]
            progress.end()
            timer.report("walk")
            progress.say(String(format: "walk        part: %@ origins, %@ cells searched · graph %@ nodes · %d categories  %.1f s",
                                originIdx.count.grouped, (cellRows?.points.count ?? 0).grouped, graph.nodeCount.grouped, cats.count, Date().timeIntervalSince(t0)))
            return Output(access: access, fireDrive: nil, extraColumns: [], nodes: graph.nodeCount, unsnapped: snapped.failed, islands: snapped.onIsland)
        }

        // The walk grid: distance files, gap polygons and service areas.
        progress.begin("walk: grid, gaps and service areas")
        let areaOpts = WalkAreas.Options(cellM: o.gridCellM > 0 ? o.gridCellM : WalkAreas.defaultCellM, writeFiles: o.gridCellM > 0,
                                         serviceAreas: o.serviceAreas)
        let grid = try WalkAreas.compute(base: base, graph: graph, index: index, engine: engine, sets: sets, cats: cats, cutoff: cutoff,
                                         origins: originIdx, originPoints: originPts, access: access, options: areaOpts, outDir: outDir)
        timer.lap("grid+areas")

        // Outputs.
        progress.begin("walk: writing walk.gpkg")
        let result = Result(base: base, originIdx: originIdx, originPts: originPts, snapped: snapped, cats: cats, searches: searches,
                            access: access, k: o.k, fire: fire, cells: cellRows, areas: grid.areas)
        try WalkOutputWriter.write(result, to: (outDir as NSString).appendingPathComponent("walk.gpkg"))
        if o.exportGraph {
            try WalkOutputWriter.exportGraph(graph: graph, base: base, originIdx: originIdx, snapped: snapped, cats: cats, sets: sets,
                                             thresholds: thresholds, outDir: outDir)
        }
        timer.lap("write")
        progress.end()
        timer.report("walk")

        let islands = snapped.onIsland
        progress.say(String(format: "walk        graph %@ nodes · %@ origins snapped (%d beyond %.0f m, listed; %d moved to the main network, %d on islands) · %d categories · %d facility entrances unsnapped · %d grids  %.1f s",
                   graph.nodeCount.grouped, (originIdx.count - snapped.failed).grouped, snapped.failed, o.maxSnapM, snapped.movedToMain, islands,
                   cats.count, unsnappedFacilities, grid.filesWritten, Date().timeIntervalSince(t0)))
        return Output(access: access, fireDrive: fire, extraColumns: extraColumns(access, buildings: base.buildings.count),
                      nodes: graph.nodeCount, unsnapped: snapped.failed, islands: islands)
    }

    /// The categories of a single run's `d_<category>` columns (its access distances): every walked category of the
    /// base layer's facilities and parks, and the 15-minute life circle's required ones; none without walkable roads.
    /// A part of a partitioned city gives its tiles the same columns (its halo may lack some categories).
    static func columnCategories(config: CityConfig, base: BaseLayer) throws -> [String] {
        if try WalkInputs.walkLines(base.roads, config.walk, drive: false).isEmpty { return [] }
        var s = Set((base.facilities + WalkInputs.greenParks(base)).map(\.category)).subtracting(driveOnlyCategories)
        for fc in config.categories.all where fc.requiredFor15 { s.insert(fc.id) }
        return s.sorted()
    }

    /// Per-building `d_<category>` columns for the tiles (−1 where the building is not an origin or nothing is in reach).
    static func extraColumns(_ access: NetworkAccess, buildings: Int) -> [(name: String, values: [Float])] {
        access.distances.keys.sorted().map { c in
            var col = [Float](repeating: -1, count: buildings)
            let d = access.distances[c]!
            for (k, i) in access.origins.enumerated() where d[k].isFinite { col[i] = d[k] }
            return ("d_" + c, col)
        }
    }

    /// Reads DIR/walk.gpkg back (for `cimbase indicators` / `tiles` reusing a fresh walk stage).
    public static func read(path: String, base: BaseLayer) throws -> Output {
        try WalkOutputWriter.read(path: path, base: base)
    }
}

