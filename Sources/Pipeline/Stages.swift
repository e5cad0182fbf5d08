import CityModel
import Foundation
import Indicators
import Scoring

/// Chains the stages for `cimbase run`, and lets each stage reuse what earlier ones wrote.
public enum Stages {
    /// Source files a config reads (for freshness checks).
    static func sourceFiles(_ c: CityConfig) -> [String] {
        var out: [String] = []
        if c.file != "<memory>" { out.append(c.file) }
        if let o = c.osm { out.append(c.resolve(o)) }
        for s in c.layers.values { out.append(c.resolve(s.source)) }
        for s in c.facilityList { out.append(c.resolve(s.source)) }
        if let d = c.dem { out.append(d.source) }   // a changed DEM changes ground_m
        return out.filter { FileManager.default.fileExists(atPath: $0) }
    }

    static func mtime(_ p: String) -> Date? { (try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date }

    /// True when `output` exists and is newer than the config and every source it reads.
    public static func isFresh(_ output: String, config: CityConfig) -> Bool {
        guard let t = mtime(output) else { return false }
        return sourceFiles(config).allSatisfy { (mtime($0) ?? .distantFuture) <= t }
    }

    /// The base layer: read from DIR/base.gpkg when it is fresh, else ingested (and written).
    public static func baseLayer(config: CityConfig, outDir: String, progress: Progress) throws -> BaseLayer {
        let path = (outDir as NSString).appendingPathComponent("base.gpkg")
        if isFresh(path, config: config) {
            let b = try BaseLayerIO.read(path: path)
            progress.say("ingest      reusing \(path) (newer than the config and its sources)")
            return b
        }
        return try Ingest.run(config: config, outDir: outDir, progress: progress).0
    }

    /// Walk outputs: read from DIR/walk.gpkg when it is newer than base.gpkg, the config and the sources, else computed.
    public static func walk(config: CityConfig, base: BaseLayer, outDir: String, progress: Progress) throws -> WalkStage.Output? {
        let path = (outDir as NSString).appendingPathComponent("walk.gpkg")
        let basePath = (outDir as NSString).appendingPathComponent("base.gpkg")
        if isFresh(path, config: config), let tb = mtime(basePath), let tw = mtime(path), tw >= tb {
            do {
                let w = try WalkStage.read(path: path, base: base)
                progress.say("walk        reusing \(path) (newer than base.gpkg, the config and its sources)")
                return w
            } catch {
                progress.say("walk        cannot reuse \(path) (\(error)): computing it again")
            }
        }
        return try WalkStage.run(config: config, base: base, outDir: outDir, progress: progress)
    }

    /// The indicator parameter overrides, read and validated with the config (`CityConfig.indicators`).
    static func indicatorOverrides(_ config: CityConfig) throws -> [String: [String: Double]] { config.indicators.params }

    /// Indicator stage on a base layer; writes the tables.
    @discardableResult
    public static func indicators(config: CityConfig, base: BaseLayer, walk: NetworkAccess?, fireDrive: [Float]?,
                                  outDir: String, progress: Progress, given: TileShare? = nil) throws -> IndicatorStage.Output {
        let t0 = Date()
        let hash = IndicatorStage.inputsHash(outDir: outDir, config: config)
        let cell = config.indicators.gridCellM
        try checkIndicatorGrids(config, base)
        let out = try IndicatorStage.compute(config: config, base: base, walk: walk, fireDrive: fireDrive,
                                             overrides: try indicatorOverrides(config), progress: progress, inputsHash: hash,
                                             gridDir: outDir, gridCell: cell, given: given)
        try IndicatorStage.write(out, base: base, outDir: outDir)
        progress.say(IndicatorStage.summary(out, zones: base.zones.count, seconds: Date().timeIntervalSince(t0)))
        return out
    }

    /// Grid sizes of the indicator stage against the data's extent (before anything is allocated).
    static func checkIndicatorGrids(_ config: CityConfig, _ base: BaseLayer) throws {
        let ext = GridBudget.extent(base)
        try GridBudget.check(key: "indicators.grid_cell_m", cell: config.indicators.gridCellM, extent: ext, bytesPerCell: 16, file: config.file)
        for (id, p) in config.indicators.params { if let c = p["cell_m"] { try GridBudget.check(key: "indicators.params.\(id).cell_m", cell: c, extent: ext, bytesPerCell: 16, file: config.file) } }
    }

    public static func runAll(config: CityConfig, outDir: String, progress: Progress) throws {
        let t0 = Date()
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let (base, _) = try Ingest.run(config: config, outDir: outDir, progress: progress)
        try runAfterIngest(config: config, base: base, outDir: outDir, progress: progress, walkScope: nil, since: t0)
    }

    /// Everything of `runAll` after the ingest; `cimbase merge` calls it with the parts' walk distances.
    static func runAfterIngest(config: CityConfig, base: BaseLayer, outDir: String, progress: Progress, walkScope: WalkScope?,
                               tiles: TileShare? = nil, joinTiles: (() throws -> Void)? = nil, since t0: Date = Date()) throws {
        let walk = try WalkStage.run(config: config, base: base, outDir: outDir, progress: progress, scope: walkScope)
        let ind = try indicators(config: config, base: base, walk: walk?.access, fireDrive: walk?.fireDrive, outDir: outDir, progress: progress, given: tiles)
        // A partitioned city's merge joins the parts' tilesets instead.
        if let joinTiles { try joinTiles() } else {
            try TilesStage.run(config: config, base: base, extraColumns: TilesStage.columns(walk), outDir: outDir, progress: progress)
        }
        // `plan:` configured: where to build (issue 17); its map goes into the city's report.
        let plan = try PlanStage.run(config: config, base: base, walk: walk, pipeGaps: ind.pipeGaps, outDir: outDir, progress: progress)
        let planMaps = plan.flatMap { $0.categories.isEmpty ? nil : [PlanStage.mapPanel($0.categories, base: base)] } ?? []
        let planSection = plan?.treatments.map { PlanStage.treatmentSection($0, base: base) } ?? ""
        // Web maps and the viewer, from the files written so far (before scoring, so the report can link the viewer).
        // `web: false` skips it (costly for a large city); `cimbase web DIR` makes it later.
        if config.webEnabled {
            let web = try WebStage.run(outDir: outDir, progress: progress)
            progress.say(WebStage.summary(web, outDir: outDir))
        } else {
            let stale = WebStage.removeStale(outDir: outDir)
            progress.say("web         skipped (web: false in \((config.file as NSString).lastPathComponent); cimbase web \(outDir) makes it)\(stale ? "; an earlier run's web/ removed" : "")")
        }
        // score.previous names last year's indicators.csv: where its folder holds that year's base.gpkg, the report says
        // what changed since (cimbase diff's comparison, also written to DIR/diff/).
        let change = try DiffStage.sinceLastYear(previous: config.score.previous, outDir: outDir, progress: progress)
        let result = try ScoreStage.run(tables: [ind.table], options: config.score, config: config,
                                        maps: [config.city: ScoreStage.maps(base: base, indicators: ind, outDir: outDir, categories: config.categories) + planMaps], outDir: outDir,
                                        sections: change == nil && planSection.isEmpty ? [:] : [config.city: planSection + (change ?? "")])
        progress.say("score       " + result.summary)
        progress.say(String(format: "done        %.1f s → %@", Date().timeIntervalSince(t0), outDir))
    }
}
