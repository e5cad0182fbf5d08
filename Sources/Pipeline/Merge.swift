import CityModel
import Foundation
import Indicators

/// `cimbase merge DIR`: joins DIR/parts/*/walk_part.bin and writes the single run's outputs into DIR.
///
/// Each origin belongs to exactly one core (`PartitionPlan.owner`), so the merged access rows are the union of the
/// parts' rows, checked to cover the base layer's origins exactly once. From them the walk stage writes walk.gpkg
/// (without searching again) and the rest of `cimbase run` follows on the whole base layer: indicators, tiles, plan,
/// web, score — as a single run writes them. Computed in merge over the whole city, NOT in the parts (see README
/// "Partitioned cities"): fire drive distances (uncapped, so not local), the walk grids / gaps / service areas, the
/// indicators, the tiles.
public enum Merge {
    public static func run(dir: String, progress: Progress) throws {
        let d = URL(fileURLWithPath: dir)
        let planPath = d.appendingPathComponent("partitions.json").path
        let plan = try PartitionPlan.read(path: planPath)
        var timer = StepTimer()
        var missing: [Int] = []
        var parts: [PartitionRun.PartFile] = []
        var shares: [(part: Int, share: TileShare)] = []
        for p in plan.partitions {
            let pd = d.appendingPathComponent("parts/\(p.id)")
            guard FileManager.default.fileExists(atPath: pd.appendingPathComponent("part.json").path),
                  let data = FileManager.default.contents(atPath: pd.appendingPathComponent(PartitionRun.walkFile).path),
                  let tiles = FileManager.default.contents(atPath: pd.appendingPathComponent(PartitionRun.tilesFile).path) else { missing.append(p.id); continue }
            let f: PartitionRun.PartFile
            do { f = try PartitionRun.PartFile(bytes: [UInt8](data)) } catch {
                throw PipelineError.input(file: pd.appendingPathComponent(PartitionRun.walkFile).path, layer: nil, message: "\(error)")
            }
            guard f.id == p.id else { throw bad(p.id, "holds part \(f.id)") }
            parts.append(f)
            do { shares.append((p.id, try TileShare(bytes: [UInt8](tiles)))) } catch {
                throw PipelineError.input(file: pd.appendingPathComponent(PartitionRun.tilesFile).path, layer: nil, message: "\(error)")
            }
        }
        guard missing.isEmpty else {
            throw PipelineError.input(file: d.appendingPathComponent("parts").path, layer: nil, message:
                "\(missing.count) of \(plan.partitions.count) parts missing or incomplete (no part.json, \(PartitionRun.walkFile) or \(PartitionRun.tilesFile)): \(missing.map(String.init).joined(separator: ", ")); run cimbase run \(plan.config) --partition K --out \(dir)/parts/K for each")
        }
        let tiles: TileShare
        do { tiles = try TileShare.merged(shares) } catch {
            throw PipelineError.input(file: d.appendingPathComponent("parts").path, layer: PartitionRun.tilesFile, message: "\(error)")
        }
        timer.lap("read parts")
        let config = try CityConfig.load(path: plan.config)
        let base = try BaseLayerIO.read(path: d.appendingPathComponent("base.gpkg").path)
        timer.lap("read base.gpkg")
        progress.say("merge       \(parts.count) parts → \(dir)")

        // Origins: every one exactly once.
        let expected = WalkInputs.originIndices(base)
        var pos = [Int32](repeating: -1, count: base.buildings.count)
        for (n, i) in expected.enumerated() { pos[i] = Int32(n) }
        var seen = [Bool](repeating: false, count: expected.count)
        var cols: [String: [Float]] = [:]
        var cellPos = [Bool](repeating: false, count: base.population.count)
        var cellCols: [String: [Float]] = [:]
        for f in parts {
            for (c, v) in f.distances where v.count != f.origins.count { throw bad(f.id, "category \(c) has \(v.count) values for \(f.origins.count) origins") }
            var slots: [Int] = []
            slots.reserveCapacity(f.origins.count)
            for i in f.origins {
                guard i >= 0, i < pos.count, pos[i] >= 0, !seen[Int(pos[i])] else { throw bad(f.id, "origin \(i) is not a walk origin of base.gpkg or belongs to two parts") }
                let g = Int(pos[i]); seen[g] = true
                slots.append(g)
            }
            for (c, v) in f.distances {
                var col = cols.removeValue(forKey: c) ?? [Float](repeating: .infinity, count: expected.count)
                for (n, g) in slots.enumerated() { col[g] = Float(bitPattern: v[n]) }
                cols[c] = col
            }
            for i in f.cells {
                guard i >= 0, i < cellPos.count, !cellPos[i] else { throw bad(f.id, "population cell \(i) is out of range or belongs to two parts") }
                cellPos[i] = true
            }
            for (c, v) in f.cellDistances {
                guard v.count == f.cells.count else { throw bad(f.id, "category \(c) has \(v.count) values for \(f.cells.count) population cells") }
                var col = cellCols.removeValue(forKey: c) ?? [Float](repeating: .infinity, count: base.population.count)
                for (n, i) in f.cells.enumerated() { col[i] = Float(bitPattern: v[n]) }
                cellCols[c] = col
            }
        }
        if let g = seen.firstIndex(of: false) { throw bad(plan.owner(base.buildings[expected[g]].footprint.centroid), "no part holds walk origin \(expected[g]) (building id \(base.buildings[expected[g]].id))") }
        if let i = cellPos.firstIndex(of: false) { throw bad(plan.owner(base.population[i].area.centroid), "no part holds population cell \(i)") }
        timer.lap("join rows")
        timer.report("merge")
        let given = WalkGiven(origins: cols, cells: cellCols, originCount: expected.count, cellCount: base.population.count)
        try Stages.runAfterIngest(config: config, base: base, outDir: dir, progress: progress, walkScope: WalkScope(ownsPoint: nil, partOnly: false, given: given), tiles: tiles,
                                  joinTiles: { try TilesStage.join(parts: plan.partitions.map { ($0.id, d.appendingPathComponent("parts/\($0.id)").path) }, outDir: dir, progress: progress) })
    }

    static func bad(_ k: Int, _ m: String) -> PipelineError {
        .input(file: "parts/\(k)/\(PartitionRun.walkFile)", layer: nil, message: m)
    }
}
