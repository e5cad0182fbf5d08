import CityModel
import Foundation
import Indicators
import Scoring
import Tiles

/// `cimbase run city.yaml --partition K --out DIR/parts/K`: the walk searches of core K.
///
/// The part reads DIR/base.gpkg (written once by `cimbase partition`): the buildings, pipes and population cells within
/// max(halo, `readMargin`) of its core, with their indices in the whole base layer, and the other layers whole. For
/// the walk it keeps the streets, facilities and parks whose bounding box meets the halo extent and searches the
/// residential buildings and population cells whose representative point the core owns; with the halo of
/// `PartitionStage.haloM` these searches are the single run's (see `PartitionPlan`). It writes parts/K/walk_part.bin,
/// parts/K/tiles_part.bin (the indicator tiles the core owns), parts/K/tiles/buildings (the 3D Tiles of its
/// buildings) and, last, parts/K/part.json (the completion marker `cimbase merge` looks for).
public enum PartitionRun {
    /// `--plan` default: `<out>/../../partitions.json`.
    public static func defaultPlan(out: String) -> String {
        URL(fileURLWithPath: out).appendingPathComponent("../../partitions.json").standardizedFileURL.path
    }

    /// What a part's searches give (parts/K/walk_part.bin, `BinaryWriter`): its origins and population cells (indices
    /// in the whole base layer) and per category their distances as IEEE bit patterns (exact, +∞ included).
    struct PartFile {
        var id: Int
        var origins: [Int]
        var cells: [Int]
        var distances: [String: [UInt32]]
        var cellDistances: [String: [UInt32]]

        static let magic: UInt32 = 0x5057_4D43   // "CMWP"
        static let version: UInt32 = 1

        init(id: Int, origins: [Int], cells: [Int], distances: [String: [UInt32]], cellDistances: [String: [UInt32]]) {
            self.id = id; self.origins = origins; self.cells = cells; self.distances = distances; self.cellDistances = cellDistances
        }

        func encoded() -> [UInt8] {
            var w = BinaryWriter()
            w.u32(Self.magic); w.u32(Self.version); w.u32(UInt32(id))
            w.u32s(origins.map { UInt32($0) }); w.u32s(cells.map { UInt32($0) })
            for d in [distances, cellDistances] {
                w.u32(UInt32(d.count))
                for (c, v) in d.sorted(by: { $0.key < $1.key }) { w.string(c); w.u32s(v) }
            }
            return w.bytes
        }

        init(bytes: [UInt8]) throws {
            var r = BinaryReader(bytes)
            guard try r.u32() == Self.magic else { throw BinaryFormatError("not a CIMBase walk part") }
            let v = try r.u32()
            guard v == Self.version else { throw BinaryFormatError("walk part version \(v), this build reads \(Self.version)") }
            id = Int(try r.u32())
            origins = try r.u32s().map { Int($0) }
            cells = try r.u32s().map { Int($0) }
            var ds: [[String: [UInt32]]] = []
            for _ in 0..<2 {
                var d: [String: [UInt32]] = [:]
                for _ in 0..<(try r.count(minBytes: 8)) { let c = try r.string(); d[c] = try r.u32s() }
                ds.append(d)
            }
            distances = ds[0]; cellDistances = ds[1]
            guard r.atEnd else { throw BinaryFormatError("\(bytes.count - r.at) bytes after the end") }
        }
    }

    static let walkFile = "walk_part.bin"

    /// The part's share of the indicators' tiled work (`TileShare`, binary).
    static let tilesFile = "tiles_part.bin"

    struct Marker: Codable {
        var id: Int
        var config: String
        var origins: Int
        var cells: Int
        var seconds: Double
    }

    /// Checks the plan against the config and K.
    static func load(planPath: String, config: CityConfig, k: Int) throws -> PartitionPlan {
        let plan = try PartitionPlan.read(path: planPath)
        let mine = PartitionStage.absolute(config.file)
        guard plan.config == mine else {
            throw PipelineError.input(file: planPath, layer: nil, message: "this plan was made for \(plan.config), not \(mine)")
        }
        guard plan.partitions.indices.contains(k) else {
            throw PipelineError.usage("--partition \(k): \(planPath) has partitions 0…\(plan.partitions.count - 1)")
        }
        return plan
    }

    /// How far beyond its core a part needs the buildings, pipes and population cells for the indicator tiles it owns:
    /// a tile reaches 1,050 m beyond the core owning its centre (500 m; a tile with built-up pieces has its centre within
    /// 550 m of the buildings' extent, and one outside the plan's extent is owned by the edge core), plus the reach of
    /// the tile's operations: the closing (2 × 50 + 1 m), the pipe buffers (distance + 1 m), the dense-land cells.
    /// The walk searches need the halo; the part reads max(halo, this).
    static func readMargin(_ config: CityConfig) -> Double {
        let pipe = max(PartitionStage.param(config, "pipe_cov", "distance_m") ?? 100, PartitionStage.param(config, "pipe_gap_area", "distance_m") ?? 100) + 1
        let cell = PartitionStage.param(config, "dense_land_share", "cell_m") ?? 250
        return 1.05 * TileLattice.defaultSize + max(2 * BuiltUpArea.defaultClosing + 1, pipe, cell) + 1
    }

    /// The base layer cut to partition `k`'s halo (see the type's comment).
    static func cut(_ full: BaseLayer, halo h: [Double]) -> BaseLayer {
        let box = BBox(minX: h[0], minY: h[1], maxX: h[2], maxY: h[3])
        func meets(_ b: BBox) -> Bool { !b.isEmpty && b.minX <= box.maxX && b.maxX >= box.minX && b.minY <= box.maxY && b.maxY >= box.minY }
        var b = full
        b.roads = full.roads.filter { meets($0.line.bbox) }
        b.facilities = full.facilities.filter { meets($0.geometry.bbox) }
        b.green = full.green.filter { meets($0.area.bbox) }
        return b
    }

    public static func run(config: CityConfig, k: Int, outDir: String, planPath: String, progress: Progress) throws {
        let t0 = Date()
        let plan = try load(planPath: planPath, config: config, k: k)
        guard config.walk.k == 0 else {
            throw PipelineError.config(file: config.file, line: nil, message: "walk.k_nearest: partitioned runs do not write nearest facility ids yet; set it to 0")
        }
        let out = URL(fileURLWithPath: outDir)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let marker = out.appendingPathComponent("part.json")
        try? FileManager.default.removeItem(at: marker)
        let basePath = URL(fileURLWithPath: planPath).deletingLastPathComponent().appendingPathComponent("base.gpkg").path
        guard FileManager.default.fileExists(atPath: basePath) else {
            throw PipelineError.input(file: basePath, layer: nil, message: "missing: cimbase partition writes it next to partitions.json")
        }
        // The buildings, pipes and population cells near the core only (the large layers; see `readMargin`), with
        // their indices in the whole base layer, which the part's rows and merge use.
        let c = plan.partitions[k].core
        let within = BBox(minX: c[0], minY: c[1], maxX: c[2], maxY: c[3]).expanded(by: max(plan.haloM, readMargin(config)))
        var (full, window) = try BaseLayerIO.read(path: basePath, within: within)
        // A built_up layer reaching beyond the plan's extent has tiles owned by an edge core far outside it: read whole.
        if window != nil, let bu = full.builtUp, !bu.polygons.isEmpty,
           !BBox(minX: plan.extent[0], minY: plan.extent[1], maxX: plan.extent[2], maxY: plan.extent[3]).expanded(by: BuiltUpArea.defaultClosing).containsBox(bu.bbox) {
            (full, window) = try BaseLayerIO.read(path: basePath, within: nil)
        }
        StepTimer.report("part", "read base.gpkg", Date().timeIntervalSince(t0))
        let buildingIndex = window?.buildings, cellIndex = window?.population
        let base = cut(full, halo: plan.partitions[k].haloExtent)
        progress.say("part        \(k) of \(plan.partitions.count): \(plan.partitions[k].buildings.grouped) buildings in the core · halo \(Int(plan.haloM)) m · read \(window == nil ? "whole" : "within \(Int(max(plan.haloM, readMargin(config)))) m of the core"): \(full.buildings.count.grouped) buildings · \(base.roads.count.grouped) of \(full.roads.count.grouped) roads, \(base.facilities.count.grouped) of \(full.facilities.count.grouped) facilities")
        let scope = WalkScope(ownsPoint: { plan.owner($0) == k }, partOnly: true, given: nil)
        let walk = try WalkStage.run(config: config, base: base, outDir: outDir, progress: progress, scope: scope)
        // No walkable street in the halo: no core origin has one within the snap distance either (halo ≥ max_snap_m),
        // so all of them are unsnapped, which merge writes as it would (+∞ everywhere).
        let origins = walk?.access.origins ?? WalkInputs.originIndices(base).filter { plan.owner(base.buildings[$0].footprint.centroid) == k }
        let cells = walk == nil ? base.population.indices.filter { plan.owner(base.population[$0].area.centroid) == k } : scope.cellIdx
        let f = PartFile(id: k, origins: buildingIndex.map { m in origins.map { m[$0] } } ?? origins, cells: cellIndex.map { m in cells.map { m[$0] } } ?? cells,
                         distances: (walk?.access.distances ?? [:]).mapValues { $0.map(\.bitPattern) },
                         cellDistances: scope.cells.mapValues { $0.map(\.bitPattern) })
        try PartitionStage.write(Data(f.encoded()), out.appendingPathComponent(Self.walkFile))
        // The indicators' tiled work of the 1 km tiles whose centre the core owns, from the layers as read (the
        // overlays read green, water, pipes and roads near each tile, the closing the footprints near it: all within
        // the read window, see `readMargin`).
        let t1 = Date()
        progress.begin("indicators: tiles of part \(k)")
        let share = try IndicatorStage.partShare(config: config, base: full, only: TileSelection.owned(by: k, owner: { plan.owner($0) }))
        progress.end()
        let bytes = share.encoded()
        try PartitionStage.write(Data(bytes), out.appendingPathComponent(Self.tilesFile))
        progress.say(String(format: "indicators  part %d: %@ built-up tiles, %@ overlay tiles (%.1f MB)  %.1f s", k, share.closing.count.grouped,
                            share.overlayTiles.count.grouped, Double(bytes.count) / 1e6, Date().timeIntervalSince(t1)))
        // The 3D Tiles of the buildings the core owns (footprint centroid), with their walk distances; merge joins them.
        let mine = full.buildings.indices.filter { plan.owner(full.buildings[$0].footprint.centroid) == k }
        var access = walk?.access ?? NetworkAccess(origins: [], distances: [:], thresholds: [:], lifeCircle: [:])
        for c in try WalkStage.columnCategories(config: config, base: full) where access.distances[c] == nil {
            access.distances[c] = [Float](repeating: .infinity, count: access.origins.count)
        }
        let columns = WalkStage.extraColumns(access, buildings: full.buildings.count).map {
            BuildingColumn(name: $0.name, description: TilesStage.walkColumnDescription, values: .float32($0.values, noData: -1))
        }
        try TilesStage.run(config: config, base: full, extraColumns: columns, outDir: outDir, progress: progress, only: mine)
        let m = Marker(id: k, config: plan.config, origins: origins.count, cells: cells.count, seconds: Date().timeIntervalSince(t0))
        try PartitionStage.write(try JSONEncoder().encode(m), marker)
        progress.say(String(format: "done        part %d: %@ origins, %@ cells  %.1f s → %@", k, origins.count.grouped, cells.count.grouped, m.seconds, outDir))
    }
}

extension BBox {
    func containsBox(_ b: BBox) -> Bool { b.minX >= minX && b.maxX <= maxX && b.minY >= minY && b.maxY <= maxY }
}
