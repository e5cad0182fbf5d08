import CityModel
import Foundation
import Scoring

/// `cimbase score`: scores indicator tables against an indicator-system definition → score.json, score.csv, report.html.
public enum ScoreStage {
    /// The shipped default definition: `$CIMBASE_HOME/data/indicator-systems/default.yaml` when CIMBASE_HOME is set
    /// (an installed binary, a container, a cluster worker), else found next to the sources: the config's folder and
    /// its parents, the current folder, the executable's parents (a `swift run` build lives in
    /// `<repo>/.build/<config>/`), then `<prefix>/share/cimbase/` beside an installed `<prefix>/bin/cimbase`.
    public static func defaultDefinition(near config: CityConfig?) -> URL? {
        let rel = "data/indicator-systems/default.yaml"
        if let home = ProcessInfo.processInfo.environment["CIMBASE_HOME"], !home.isEmpty {
            let f = URL(fileURLWithPath: home).appendingPathComponent(rel)
            return FileManager.default.fileExists(atPath: f.path) ? f : nil
        }
        var bases: [URL] = []
        if let c = config, c.file != "<memory>" { bases.append(URL(fileURLWithPath: c.baseDirectory)) }
        bases.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let exeDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        bases.append(exeDir)
        for b in bases {
            var d = b
            for _ in 0..<5 {
                let f = d.appendingPathComponent(rel)
                if FileManager.default.fileExists(atPath: f.path) { return f }
                d = d.deletingLastPathComponent()
            }
        }
        let shared = exeDir.deletingLastPathComponent().appendingPathComponent("share/cimbase").appendingPathComponent(rel)
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }

    /// Where `defaultDefinition` looked, for the error when it found nothing.
    static var defaultDefinitionHint: String {
        if let home = ProcessInfo.processInfo.environment["CIMBASE_HOME"], !home.isEmpty {
            return "CIMBASE_HOME=\(home) has no data/indicator-systems/default.yaml"
        }
        return "the default data/indicator-systems/default.yaml was not found near the config, the current folder or the executable; set CIMBASE_HOME to the CIMBase folder (the one holding data/)"
    }

    public struct Options: Sendable {
        public var definition: URL?
        public var previous: [URL] = []
        public var nonSpatial: [URL] = []
        public init() {}
    }

    /// The score options, read and validated with the config (`CityConfig.score`).
    static func options(_ config: CityConfig) throws -> Options { config.score }

    /// Checks up front that the definition exists and is valid and that the tables exist (`file` names the config).
    static func checkFiles(_ o: Options, file: String) throws {
        if let d = o.definition {
            do { _ = try IndicatorSystem.load(from: d) } catch {
                throw PipelineError.config(file: file, line: nil, message: "score.definition: \(error)")
            }
        }
        for (key, urls) in [("score.previous", o.previous), ("score.non_spatial", o.nonSpatial)] {
            for u in urls where !FileManager.default.fileExists(atPath: u.path) {
                throw PipelineError.config(file: file, line: nil, message: "\(key): no such file \(u.path)")
            }
        }
    }

    /// Scores in-memory tables and writes the outputs into `outDir`.
    public static func run(tables: [IndicatorTable], options: Options, config: CityConfig?, maps: [String: [MapPanel]], outDir: String,
                           sections: [String: String] = [:]) throws -> ScoreResult {
        guard let def = options.definition ?? defaultDefinition(near: config) else {
            throw PipelineError.usage("no indicator-system definition: give score.definition in the config or --definition (\(defaultDefinitionHint))")
        }
        do {
            let system = try IndicatorSystem.load(from: def)
            let previous = try options.previous.map { u throws(ScoringError) in try IndicatorTable.read(at: u) }
            let nonSpatial = try options.nonSpatial.map { u throws(ScoringError) in try IndicatorTable.read(at: u) }
            var req = ScoreRequest(system: system, tables: tables, previous: previous, nonSpatial: nonSpatial, maps: maps)
            req.sections = sections
            return try ScoreRunner.run(req, outputDirectory: URL(fileURLWithPath: outDir))
        } catch {
            throw PipelineError.input(file: def.path, layer: nil, message: "\(error)")
        }
    }

    /// Map panels for a city's report from the indicator stage's outputs.
    static func maps(base: BaseLayer, indicators: IndicatorStage.Output, outDir: String, categories: CategoryTable = CategoryTable()) -> [MapPanel] {
        func rings(_ m: MultiPolygon) -> [[[SIMD2<Double>]]] { m.polygons.map(\.rings) }
        var panels: [MapPanel] = []
        var green: [MapPolygon] = rings(indicators.builtUp).map { MapPolygon(rings: $0, fill: .outline) }
        green += base.green.flatMap { rings($0.area) }.map { MapPolygon(rings: $0, fill: .green) }
        green += base.water.flatMap { rings($0.area) }.map { MapPolygon(rings: $0, fill: .water) }
        panels.append(MapPanel(titleZh: "绿地与水体", titleEn: "Green and water", polygons: green,
                               legend: [MapLegendEntry(fill: .green, labelZh: "绿地", labelEn: "green"),
                                        MapLegendEntry(fill: .water, labelZh: "水体", labelEn: "water"),
                                        MapLegendEntry(fill: .outline, labelZh: "建成区", labelEn: "built-up area")]))
        if let gaps = indicators.pipeGaps {
            var p: [MapPolygon] = rings(indicators.builtUp).map { MapPolygon(rings: $0, fill: .covered) }
            p += rings(gaps).map { MapPolygon(rings: $0, fill: .gap) }
            panels.append(MapPanel(titleZh: "排水管网空白区", titleEn: "Drainage network gaps", polygons: p,
                                   legend: [MapLegendEntry(fill: .covered, labelZh: "管网覆盖", labelEn: "served"),
                                            MapLegendEntry(fill: .gap, labelZh: "空白区", labelEn: "gap")]))
        }
        // Life-circle completeness from the walk grids: per cell, how many of the required categories are within their
        // threshold (downsampled to at most 400 cells a side to keep the report small).
        if let lc = lifeCirclePanel(outDir: outDir, categories: categories) { panels.append(lc) }
        // Buildings (the largest 4,000 footprints keep the report small).
        let bs = base.buildings.sorted { $0.footprint.area > $1.footprint.area }.prefix(4000)
        var b: [MapPolygon] = rings(indicators.builtUp).map { MapPolygon(rings: $0, fill: .outline) }
        b += bs.flatMap { rings($0.footprint) }.map { MapPolygon(rings: $0, fill: .building) }
        panels.append(MapPanel(titleZh: "建筑", titleEn: "Buildings", polygons: b,
                               legend: [MapLegendEntry(fill: .building, labelZh: "建筑", labelEn: "building")]))
        return panels
    }

    static func lifeCirclePanel(outDir: String, categories: CategoryTable = CategoryTable()) -> MapPanel? {
        let required = categories.all.filter(\.requiredFor15)
        var count: [Float]? = nil
        var geo: (w: Int, h: Int, gt: [Double])? = nil
        var used = 0
        for c in required {
            let path = (outDir as NSString).appendingPathComponent("grids/walk_\(c.id).tif")
            guard FileManager.default.fileExists(atPath: path), let (g, _) = try? GridIO.read(path, noDataAs: -1) else { continue }
            let w = g.geometry.cols, h = g.geometry.rows
            if geo == nil { geo = (w, h, g.geometry.geoTransform); count = [Float](repeating: 0, count: w * h) }
            guard geo!.w == w, geo!.h == h else { continue }
            used += 1
            g.withUnsafeBufferPointer { v in
                for i in v.indices where v[i] >= 0 && Double(v[i]) <= c.thresholdM { count![i] += 1 }
                // cells off the network stay marked below
                for i in v.indices where v[i] < 0 && count![i] == 0 { count![i] = -1 }
            }
        }
        guard used > 0, var cnt = count, let geo else { return nil }
        // Cells off the network (every grid −1) are transparent; a cell reached by some category is not.
        for i in cnt.indices where cnt[i] < 0 { cnt[i] = -1 }
        let step = max(1, max(geo.w, geo.h) / 400)
        let w2 = (geo.w + step - 1) / step, h2 = (geo.h + step - 1) / step
        var small = [Float](repeating: -1, count: w2 * h2)
        for r in 0..<h2 { for c in 0..<w2 { small[r * w2 + c] = cnt[(r * step) * geo.w + c * step] } }
        let gt = geo.gt
        let raster = MapRaster(width: w2, height: h2, values: small, minX: gt[0], minY: gt[3] + Double(geo.h) * gt[5],
                               maxX: gt[0] + Double(geo.w) * gt[1], maxY: gt[3], nodata: -1, valueRange: 0...Float(required.count), ramp: .coverage)
        let absent = required.count - used
        return MapPanel(titleZh: "15分钟生活圈：步行可达的必备设施类别数（共\(required.count)类\(absent > 0 ? "，其中\(absent)类数据中没有" : "")）",
                        titleEn: "15-minute life circle: required categories within walking reach (of \(required.count)\(absent > 0 ? "; \(absent) absent from the data" : ""))",
                        raster: raster, legend: [])
    }
}
