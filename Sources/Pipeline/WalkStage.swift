import CityModel
import Foundation
import GeoBridge
import GridCore
import Indicators
import WalkNetwork

/// `cimbase walk`: network walking distances from residential buildings to the nearest facility of every category,
/// over the real streets (GB 50180-2018 life circles) → DIR/walk.gpkg, walk gaps, coverage grids; and the drive reach
/// from fire stations for `fire_5min_cov`.
public enum WalkStage {
    public struct Options {
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
        /// Write buffered service areas (reached streets) per category; nil = only when the graph has ≤ 100,000 edges
        /// (buffering and dissolving a province's streets per category takes minutes).
        public var serviceAreas: Bool? = nil
        /// Also write the graph and every snapped position as CSV (DIR/walk_graph/) for independent cross-checks
        /// (scripts/walk_reference.py recomputes coverage with networkx from them).
        public var exportGraph = false
        /// k nearest facility ids per origin (0…3).
        public var k = 0
        /// Cell size (m) of the walk-distance grids (0: no grids).
        public var gridCellM = 20.0
        /// Driving speed (km/h) and minutes for the fire-station reach.
        public var fireSpeedKmh = 30.0
        public var fireMinutes = 5.0
        public init() {}
    }

    public struct Output {
        public var access: NetworkAccess
        public var fireDrive: [Float]?
        public var extraColumns: [(name: String, values: [Float])]
        public var nodes: Int
        public var unsnapped: Int
        public var islands: Int
    }

    /// The walk options, read and validated with the config (`CityConfig.walk`); the grid's size is checked here,
    /// against the extent of the data, before anything is allocated.
    static func options(_ config: CityConfig, base: BaseLayer) throws -> Options {
        let o = config.walk
        if o.gridCellM > 0 {
            // Per cell: centre (16 B), snapped position (24 B), search state and one Float per category.
            try GridBudget.check(key: "walk.grid_cell_m", cell: o.gridCellM, extent: GridBudget.extent(base),
                                 bytesPerCell: 64 + 4 * config.categories.all.count, file: config.file)
        }
        return o
    }

    /// Lines for the walk graph (walkable roads), optionally noded with GEOS.
    static func walkLines(_ roads: [Road], _ o: Options, drive: Bool) throws -> [WalkLine] {
        let sel = roads.filter { drive ? $0.drivable : $0.walkable }
        if o.nodeCrossings && !sel.isEmpty {
            // GEOS noding splits lines where they cross; each noded piece takes the attributes of the road it lies on
            // (found by snapping the piece's midpoint onto the original lines).
            let g = GEOSContext()
            let noded = try g.node(try g.read(.multiLineString(sel.map(\.line)))).geometry().lines.filter { $0.points.count >= 2 }
            let orig = try WalkGraph(lines: sel.map { WalkLine(id: $0.id, points: $0.line.points) })
            let oi = EdgeSegmentIndex(graph: orig)
            let byId = Dictionary(sel.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return noded.enumerated().map { i, l in
                let pos = oi.snap(l.pointAt(fraction: 0.5), options: SnapOptions(maxSnap: 1, preferLargestComponent: false))
                let r = pos.isSnapped ? byId[orig.edgeLineId[Int(pos.edge)]] : nil
                return WalkLine(id: Int64(i), points: l.points, walkable: true, oneWay: drive ? false : (r?.onewayWalk ?? false),
                                costFactor: (!drive && (r?.isStairs ?? false)) ? o.stairsPenalty : 1)
            }
        }
        return sel.map { r in
            WalkLine(id: r.id, points: r.line.points, walkable: true, oneWay: drive ? false : r.onewayWalk,
                     costFactor: (!drive && r.isStairs) ? o.stairsPenalty : 1)
        }
    }

    /// Points where a facility is entered: the point itself, or points every `spacing` m along a polygon's outline.
    static func entrances(_ f: Facility, spacing: Double) -> [Vec2] {
        let mp = f.geometry.polygons
        if mp.polygons.isEmpty { return [f.geometry.representativePoint] }
        var out: [Vec2] = []
        for p in mp.polygons {
            let ring = p.exterior
            guard ring.count >= 2 else { continue }
            let closed = LineString(ring + [ring[0]])
            let n = max(1, Int((closed.length / spacing).rounded(.up)))
            for k in 0..<n { out.append(closed.pointAt(fraction: Double(k) / Double(n))) }
        }
        return out.isEmpty ? [mp.centroid] : out
    }

    /// Origins: residential buildings (residential or mixed use, or holding residents) inside the boundary when one is given.
    static func originIndices(_ base: BaseLayer) -> [Int] {
        base.buildings.indices.filter { i in
            let b = base.buildings[i]
            guard b.use.isResidential || (b.residents ?? 0) > 0 else { return false }
            if let bd = base.boundary { return bd.contains(b.footprint.centroid) }
            return true
        }
    }

    public static func run(config: CityConfig, base: BaseLayer, outDir: String, progress: Progress) throws -> Output? {
        let t0 = Date()
        let o = try options(config, base: base)
        let lines = try walkLines(base.roads, o, drive: false)
        guard !lines.isEmpty else {
            say("walk        no walkable roads: walk coverage not computed")
            return nil
        }
        progress.begin("walk: graph")
        let graph: WalkGraph
        do { graph = try WalkGraph(lines: lines) } catch { throw PipelineError.input(file: "base.gpkg", layer: "roads", message: "walk graph: \(error)") }
        let index = EdgeSegmentIndex(graph: graph)
        let snapOpts = SnapOptions(maxSnap: o.maxSnapM, preferLargestComponent: true)

        // Origins.
        let originIdx = originIndices(base)
        let originPts = originIdx.map { base.buildings[$0].footprint.centroid }
        progress.begin("walk: snapping \(originIdx.count.grouped) origins")
        let snapped = index.snap(originPts, options: snapOpts)

        // Facilities by category (entrances of polygons all carry the facility's id).
        var byCat: [String: [Facility]] = [:]
        for f in base.facilities { byCat[f.category, default: []].append(f) }
        let cats = byCat.keys.sorted()
        var sets: [FacilitySet] = []
        var unsnappedFacilities = 0
        for c in cats {
            var pts: [Vec2] = [], ids: [Int64] = []
            for f in byCat[c]! { for e in entrances(f, spacing: o.entranceSpacingM) { pts.append(e); ids.append(f.id) } }
            let s = index.snap(pts, options: snapOpts)
            unsnappedFacilities += s.failed
            sets.append(FacilitySet(name: c, positions: s.positions, ids: ids))
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

        progress.begin("walk: searching \(cats.count) categories")
        let engine = WalkAccessEngine(graph: graph)
        let results = engine.originDistances(categories: sets, origins: snapped.positions, cutoff: cutoff, k: o.k)
        var distances: [String: [Float]] = [:]
        for (c, r) in zip(cats, results) { distances[c] = r.distances.map { $0.isNaN ? .infinity : $0 } }
        // Required categories with no facility at all: unreachable for everyone.
        for c in lifeCircle.keys where distances[c] == nil { distances[c] = [Float](repeating: .infinity, count: originIdx.count); thresholds[c] = [lifeCircle[c]!] }
        let access = NetworkAccess(origins: originIdx, distances: distances, thresholds: thresholds, lifeCircle: lifeCircle)

        // Fire-station reach over drivable roads, for every building.
        var fire: [Float]? = nil
        let stations = byCat["fire_station"] ?? []
        let driveLines = try walkLines(base.roads, o, drive: true)
        if !stations.isEmpty && !driveLines.isEmpty {
            progress.begin("walk: fire-station reach")
            if let dg = try? WalkGraph(lines: driveLines) {
                let di = EdgeSegmentIndex(graph: dg)
                let reach = o.fireSpeedKmh * 1000 / 60 * o.fireMinutes
                let st = di.snap(stations.map { $0.geometry.representativePoint }, options: snapOpts)
                let bs = di.snap(base.buildings.map { $0.footprint.centroid }, options: snapOpts)
                let r = WalkAccessEngine(graph: dg).originDistances(categories: [FacilitySet(name: "fire_station", positions: st.positions, ids: stations.map(\.id))],
                                                                   origins: bs.positions, cutoff: reach, k: 0)
                fire = r[0].distances.map { $0.isNaN ? .infinity : $0 }
            }
        }

        // Population cell centres as a second kind of origin (rows of `access` with origin_kind = cell; coverage
        // indicators use the buildings, which already hold the cells' residents).
        var cellRows: CellOrigins? = nil
        if !base.population.isEmpty {
            let pts = base.population.map { $0.area.centroid }
            let cs = index.snap(pts, options: snapOpts)
            let cr = engine.originDistances(categories: sets, origins: cs.positions, cutoff: cutoff, k: 0)
            var d: [String: [Float]] = [:]
            for (c, r) in zip(cats, cr) { d[c] = r.distances.map { $0.isNaN ? .infinity : $0 } }
            cellRows = CellOrigins(points: pts, snapped: cs, distances: d)
        }

        // Outputs.
        progress.begin("walk: writing walk.gpkg")
        try writeGeoPackage(base: base, outDir: outDir, originIdx: originIdx, snapped: snapped, originPts: originPts, cats: cats,
                            results: results, access: access, engine: engine, sets: sets, k: o.k,
                            serviceAreas: o.serviceAreas ?? (graph.edgeCount <= 100_000), fire: fire, cells: cellRows)
        if o.exportGraph { try exportGraph(graph: graph, base: base, originIdx: originIdx, snapped: snapped, cats: cats, sets: sets, thresholds: thresholds, outDir: outDir) }
        var grids = 0
        if o.gridCellM > 0 { grids = try writeGrids(base: base, graph: graph, index: index, engine: engine, sets: sets, cats: cats, cutoff: cutoff, o: o, outDir: outDir) }
        progress.end()

        var extra: [(String, [Float])] = []
        for c in cats {
            var col = [Float](repeating: -1, count: base.buildings.count)
            for (k, i) in originIdx.enumerated() { let d = distances[c]![k]; col[i] = d.isFinite ? d : -1 }
            extra.append(("d_" + c, col))
        }
        let islands = snapped.onIsland
        say(String(format: "walk        graph %@ nodes · %@ origins snapped (%d beyond %.0f m, listed; %d moved to the main network, %d on islands) · %d categories · %d facility entrances unsnapped · %d grids  %.1f s",
                   graph.nodeCount.grouped, (originIdx.count - snapped.failed).grouped, snapped.failed, o.maxSnapM, snapped.movedToMain, islands,
                   cats.count, unsnappedFacilities, grids, Date().timeIntervalSince(t0)))
        return Output(access: access, fireDrive: fire, extraColumns: extra, nodes: graph.nodeCount, unsnapped: snapped.failed, islands: islands)
    }

    static func writeGeoPackage(base: BaseLayer, outDir: String, originIdx: [Int], snapped: SnapBatch, originPts: [Vec2], cats: [String],
                                results: [CategoryAccess], access: NetworkAccess, engine: WalkAccessEngine, sets: [FacilitySet], k: Int,
                                serviceAreas: Bool, fire: [Float]?, cells: CellOrigins?) throws {
        let path = (outDir as NSString).appendingPathComponent("walk.gpkg")
        let w = try GeoPackageWriter(path: path, crs: base.crs)
        do {
            var fields = [FieldDef("origin_id", .integer64, "building id, or population cell id"), FieldDef("origin_kind", .string, "building | cell (population cell centre)"),
                          FieldDef("residents", .real, ""), FieldDef("floor_area_m2", .real, ""), FieldDef("snap_m", .real, "straight leg to the network"),
                          FieldDef("snap_status", .string, "main | moved_to_main | island | failed")]
            // Every searched category, and required life-circle categories with no facility at all (all NULL).
            let dcats = access.distances.keys.sorted()
            for c in dcats { fields.append(FieldDef("d_" + c, .real, "walking distance (m) to the nearest \(c); NULL beyond the search cutoff, unsnapped, or no such facility")) }
            if k > 0 { for c in cats { for j in 1...k { fields.append(FieldDef("nearest\(j)_\(c)", .integer64, "")) } } }
            var t = FeatureTable(name: "access", geometryType: "Point", fields: fields)
            for (n, i) in originIdx.enumerated() {
                let b = base.buildings[i]
                let p = snapped.positions[n]
                let status: String
                switch p.status { case .main: status = "main"; case .movedToMain: status = "moved_to_main"; case .island: status = "island"; case .failed: status = "failed" }
                var vals: [FieldValue] = [.int(b.id), .string("building"), .real(b.residents ?? 0), .real(b.floorArea()), p.isSnapped ? .real(p.leg) : .null, .string(status)]
                for c in dcats { let d = access.distances[c]![n]; vals.append(d.isFinite ? .real(Double(d)) : .null) }
                if k > 0 { for r in results { for j in 0..<k { let id = r.nearestIds[n * k + j]; vals.append(id >= 0 ? .int(id) : .null) } } }
                t.append(.point(originPts[n]), vals)
            }
            if let cells {
                for (n, cell) in base.population.enumerated() {
                    let p = cells.snapped.positions[n]
                    var vals: [FieldValue] = [.int(cell.id), .string("cell"), .real(cell.population), .null, p.isSnapped ? .real(p.leg) : .null,
                                              .string(p.isSnapped ? "main" : "failed")]
                    for c in dcats { let d = cells.distances[c]?[n] ?? .infinity; vals.append(d.isFinite ? .real(Double(d)) : .null) }
                    if k > 0 { for _ in results { for _ in 0..<k { vals.append(.null) } } }
                    t.append(.point(cells.points[n]), vals)
                }
            }
            try w.write(table: t)
            var un = FeatureTable(name: "unsnapped", geometryType: "Point", fields: [FieldDef("origin_id", .integer64, ""), FieldDef("reason", .string, "")])
            for n in snapped.failedIndices { un.append(.point(originPts[n]), [.int(base.buildings[originIdx[n]].id), .string("no walkable street within the snap distance")]) }
            try w.write(table: un)
            // Gaps: residential footprints beyond each category's own threshold, unioned per category.
            let geos = GEOSGeometryOps()
            var gaps = FeatureTable(name: "walk_gaps", geometryType: "MultiPolygon", fields: [FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""),
                                                                                                  FieldDef("buildings", .integer, ""), FieldDef("residents", .real, "")])
            for c in cats {
                guard let th = FacilityCategory.named(c)?.thresholdM else { continue }
                let far = access.origins.indices.filter { !(Double(access.distances[c]![$0]) <= th) }
                if far.isEmpty { continue }
                // Footprints do not overlap: their multipolygon needs no (costly) union.
                let u = MultiPolygon(far.flatMap { base.buildings[access.origins[$0]].footprint.polygons })
                gaps.append(.multiPolygon(u), [.string(c), .real(th), .int(Int64(far.count)), .real(far.reduce(0) { $0 + (base.buildings[access.origins[$1]].residents ?? 0) })])
            }
            try w.write(table: gaps)
            // Service areas: reached street pieces within each category's own threshold, buffered by a 15 m walking width.
            var svc = FeatureTable(name: "service_areas", geometryType: "MultiPolygon", fields: [FieldDef("category", .string, ""), FieldDef("threshold_m", .real, "")])
            for (c, s) in zip(cats, sets) where serviceAreas {
                guard let th = FacilityCategory.named(c)?.thresholdM else { continue }
                let pieces = engine.isochrone(category: s, threshold: th).filter { $0.count >= 2 }
                if pieces.isEmpty { continue }
                let area = try geos.bufferUnion(pieces.map { .lineString(LineString($0)) }, distance: 15)
                svc.append(.multiPolygon(area), [.string(c), .real(th)])
            }
            try w.write(table: svc)
            // Drive distance from the nearest fire station per building (for fire_5min_cov when indicators rerun alone).
            var fr = FeatureTable(name: "fire_reach", geometryType: "None", fields: [FieldDef("building_id", .integer64, ""), FieldDef("drive_m", .real, "")])
            if let fire { for (i, b) in base.buildings.enumerated() { fr.append(nil, [.int(b.id), fire[i].isFinite ? .real(Double(fire[i])) : .null]) } }
            try w.write(table: fr)
            var th = FeatureTable(name: "thresholds", geometryType: "None", fields: [FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""),
                                                                                     FieldDef("life_circle_m", .real, "")])
            for c in access.distances.keys.sorted() { for t in access.thresholds[c] ?? [] { th.append(nil, [.string(c), .real(t), access.lifeCircle[c].map { .real($0) } ?? .null]) } }
            try w.write(table: th)
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// One GeoTIFF per category: walking distance (m) from each cell centre within 100 m of a walkable street to the
    /// nearest facility (−1 beyond the cutoff or off the network), in DIR/grids/walk_<category>.tif.
    static func writeGrids(base: BaseLayer, graph: WalkGraph, index: EdgeSegmentIndex, engine: WalkAccessEngine, sets: [FacilitySet], cats: [String],
                           cutoff: Double, o: Options, outDir: String) throws -> Int {
        let bb = BBox(points: graph.nodes)
        guard !bb.isEmpty else { return 0 }
        let geo = try GridGeometry(covering: GridExtent(minX: bb.minX, minY: bb.minY, maxX: bb.maxX, maxY: bb.maxY), cellSize: o.gridCellM)
        var pts: [Vec2] = []
        pts.reserveCapacity(geo.cellCount)
        for r in 0..<geo.rows { for c in 0..<geo.cols { pts.append(geo.cellCentre(row: r, col: c)) } }
        let snaps = index.snap(pts, options: SnapOptions(maxSnap: 100, preferLargestComponent: false))
        let res = engine.originDistances(categories: sets, origins: snaps.positions, cutoff: cutoff, k: 0)
        let dir = (outDir as NSString).appendingPathComponent("grids")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (c, r) in zip(cats, res) {
            let g = try Grid<Float>(geometry: geo, values: r.distances, noData: -1)
            try GridIO.write(g, crs: base.crs, to: (dir as NSString).appendingPathComponent("walk_\(c).tif"), noData: -1,
                             description: "walking distance (m) to the nearest \(c)")
        }
        return cats.count
    }

    /// CSV export of the graph and snapped positions (see `Options.exportGraph`).
    static func exportGraph(graph: WalkGraph, base: BaseLayer, originIdx: [Int], snapped: SnapBatch, cats: [String], sets: [FacilitySet],
                            thresholds: [String: [Double]], outDir: String) throws {
        let dir = (outDir as NSString).appendingPathComponent("walk_graph")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var e = "edge,from,to,length,cost_factor,oneway\n"
        for i in 0..<graph.edgeCount {
            e += "\(i),\(graph.edgeFrom[i]),\(graph.edgeTo[i]),\(graph.edgeLength[i]),\(graph.edgeCostFactor[i]),\(graph.edgeOneWay[i] ? 1 : 0)\n"
        }
        try write("edges.csv", e)
        var o = "origin,building_id,residents,floor_area,edge,offset,leg\n"
        for (n, i) in originIdx.enumerated() {
            let p = snapped.positions[n], b = base.buildings[i]
            o += "\(n),\(b.id),\(b.residents ?? 0),\(b.floorArea()),\(p.edge),\(p.offset),\(p.leg)\n"
        }
        try write("origins.csv", o)
        var f = "category,facility_id,edge,offset,leg\n"
        for (c, s) in zip(cats, sets) { for (k, p) in s.positions.enumerated() { f += "\(c),\(s.ids[k]),\(p.edge),\(p.offset),\(p.leg)\n" } }
        try write("facilities.csv", f)
        var t = "category,threshold_m\n"
        for c in cats { for x in thresholds[c] ?? [] { t += "\(c),\(x)\n" } }
        try write("thresholds.csv", t)
    }

    /// Reads DIR/walk.gpkg back (for `cimbase indicators` / `tiles` reusing a fresh walk stage).
    public static func read(path: String, base: BaseLayer) throws -> Output {
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        var index: [Int64: Int] = [:]
        for (i, b) in base.buildings.enumerated() { index[b.id] = i }
        var origins: [Int] = []
        var distances: [String: [Float]] = [:]
        var thresholds: [String: [Double]] = [:], lifeCircle: [String: Double] = [:]
        var fire: [Float]? = nil
        var unsnapped = 0, islands = 0
        do {
            let acc = try ds.layer("access")
            let cats = acc.fields.map(\.name).filter { $0.hasPrefix("d_") }
            for c in cats { distances[String(c.dropFirst(2))] = [] }
            try acc.forEach { f in
                if f.value("origin_kind").string == "cell" { return }
                guard let id = f.value("origin_id").int, let i = index[id] else {
                    throw PipelineError.input(file: path, layer: "access", message: "origin \(f.value("origin_id").string ?? "?") is not a building of base.gpkg (rerun walk)")
                }
                origins.append(i)
                if f.value("snap_status").string == "failed" { unsnapped += 1 }
                if f.value("snap_status").string == "island" { islands += 1 }
                for c in cats { distances[String(c.dropFirst(2)), default: []].append(f.value(c).real.map { Float($0) } ?? .infinity) }
            }
            try ds.layer("thresholds").forEach { f in
                guard let c = f.value("category").string, let t = f.value("threshold_m").real else { return }
                thresholds[c, default: []].append(t)
                if let lc = f.value("life_circle_m").real { lifeCircle[c] = lc }
            }
            let fr = try ds.layer("fire_reach")
            if fr.featureCount > 0 {
                var d = [Float](repeating: .infinity, count: base.buildings.count)
                try fr.forEach { f in if let id = f.value("building_id").int, let i = index[id], let x = f.value("drive_m").real { d[i] = Float(x) } }
                fire = d
            }
        } catch let e as PipelineError { throw e } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        let access = NetworkAccess(origins: origins, distances: distances, thresholds: thresholds, lifeCircle: lifeCircle)
        var extra: [(String, [Float])] = []
        for c in distances.keys.sorted() {
            var col = [Float](repeating: -1, count: base.buildings.count)
            for (k, i) in origins.enumerated() { let d = distances[c]![k]; col[i] = d.isFinite ? d : -1 }
            extra.append(("d_" + c, col))
        }
        return Output(access: access, fireDrive: fire, extraColumns: extra, nodes: 0, unsnapped: unsnapped, islands: islands)
    }

    /// Population cell centres searched like buildings.
    struct CellOrigins {
        var points: [Vec2]
        var snapped: SnapBatch
        var distances: [String: [Float]]
    }
}
