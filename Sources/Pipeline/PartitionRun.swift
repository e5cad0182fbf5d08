import CityModel
import Foundation
import Indicators
import Scoring
import Tiles

/// `cimbase run city.yaml --partition K --out DIR/parts/K`: the walk searches of core K.
///
/// The part reads DIR/base.gpkg (written once by `cimbase partition`), keeps the streets, facilities and parks whose
/// bounding box meets the halo extent (the buildings stay whole so their indices are the base layer's), and searches
/// the residential buildings and population cells whose representative point the core owns. With the halo of
/// `PartitionStage.haloM` these searches are the single run's (see `PartitionPlan`). It writes parts/K/walk_part.json
/// and, last, parts/K/part.json (the completion marker `cimbase merge` looks for).
public enum PartitionRun {
    /// `--plan` default: `<out>/../../partitions.json`.
    public static func defaultPlan(out: String) -> String {
        URL(fileURLWithPath: out).appendingPathComponent("../../partitions.json").standardizedFileURL.path
    }

    /// What a part writes (distances as IEEE bit patterns, so +∞ survives JSON and values are exact).
    struct PartFile: Codable {
        var id: Int
        var origins: [Int]
        var cells: [Int]
        var distances: [String: [UInt32]]
        var cellDistances: [String: [UInt32]]
        enum CodingKeys: String, CodingKey { case id, origins, cells, distances, cellDistances = "cell_distances" }
    }

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
        let full = try BaseLayerIO.read(path: basePath)
        let base = cut(full, halo: plan.partitions[k].haloExtent)
        progress.say("part        \(k) of \(plan.partitions.count): \(plan.partitions[k].buildings.grouped) buildings in the core · halo \(Int(plan.haloM)) m · \(base.roads.count.grouped) of \(full.roads.count.grouped) roads, \(base.facilities.count.grouped) of \(full.facilities.count.grouped) facilities")
        let scope = WalkScope(ownsPoint: { plan.owner($0) == k }, partOnly: true, given: nil)
        let walk = try WalkStage.run(config: config, base: base, outDir: outDir, progress: progress, scope: scope)
        // No walkable street in the halo: no core origin has one within the snap distance either (halo ≥ max_snap_m),
        // so all of them are unsnapped, which merge writes as it would (+∞ everywhere).
        let origins = walk?.access.origins ?? WalkInputs.originIndices(base).filter { plan.owner(base.buildings[$0].footprint.centroid) == k }
        let cells = walk == nil ? base.population.indices.filter { plan.owner(base.population[$0].area.centroid) == k } : scope.cellIdx
        let f = PartFile(id: k, origins: origins, cells: cells,
                         distances: (walk?.access.distances ?? [:]).mapValues { $0.map(\.bitPattern) },
                         cellDistances: scope.cells.mapValues { $0.map(\.bitPattern) })
        try PartitionStage.write(try JSONEncoder().encode(f), out.appendingPathComponent("walk_part.json"))
        // The indicators' tiled work of the 1 km tiles whose centre the core owns, from the whole base layer (the
        // overlays read green, water, pipes and roads near each tile; the closing reads the footprints near it).
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
