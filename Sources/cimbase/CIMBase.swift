import ArgumentParser
import Foundation
import CityModel
import Pipeline
import Scoring

/// `cimbase`: argument parsing only; the work is in Pipeline.
@main
struct CIMBaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cimbase",
        abstract: "City checkup (城市体检) base layer, spatial indicators, 3D Tiles and scoring.",
        subcommands: [Run.self, Check.self, Ingest.self, Walk.self, Indicators.self, Tiles.self, Score.self, Plan.self, Batch.self, Synth.self, Grid.self, Web.self, Serve.self, Publish.self, Diff.self, Partition.self, Merge.self],
        defaultSubcommand: nil
    )

    /// Negative numbers after `grid` options (`-te -10 …`) are rewritten so the parser does not take them for options.
    /// Every failure ends with exit status 1 and one line on stderr (`error: …`), also for arguments the parser
    /// refuses (ArgumentParser's own status would be 64 and a usage block); `--help` prints the help and exits 0.
    static func main() {
        do {
            var command = try parseAsRoot(GridTools.normaliseArguments(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let msg = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write("error: \(msg.hasPrefix("Error: ") ? String(msg.dropFirst(7)) : msg) (see cimbase --help)\n".data(using: .utf8)!)
            Foundation.exit(1)
        }
    }
}

/// Options every stage shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Output folder.")
    var out: String = "out"

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false
}

/// Where the city comes from, shared by every city stage.
struct CityOptions: ParsableArguments {
    @Argument(help: "City config (city.yaml).") var config: String?
    @Option(name: .long, help: "Run on an OpenStreetMap extract with the OSM preset instead of a config.") var osm: String?
    @Option(name: .long, help: "Population grid (GeoPackage with a `population` field, or a GeoTIFF) for --osm.") var population: String?
    @Option(name: .long, help: "Working CRS (EPSG code or auto); overrides the config.") var crs: String?
    @Option(name: .long, help: "A YAML file (e.g. the batch file) whose `categories:` are added under the config's own.") var categories: String?

    func load() throws -> CityConfig {
        var cfg = try loadConfig(config, osm: osm, population: population, crs: crs)
        if let categories { cfg.categories = cfg.categories.merging(try CityConfig.categories(fromFile: categories)) }
        return cfg
    }
}

/// The common prologue of a city stage: config, progress, output folder, and (unless `needsBase` is false) the base
/// layer — reused from DIR/base.gpkg when it is fresh, else ingested.
func cityStage(_ city: CityOptions, _ common: CommonOptions, needsBase: Bool = true,
               _ body: (CityConfig, BaseLayer, Pipeline.Progress) throws -> Void) throws {
    try guarded {
        let cfg = try city.load()
        let progress = Progress(quiet: common.quiet)
        try FileManager.default.createDirectory(atPath: common.out, withIntermediateDirectories: true)
        let base = needsBase ? try Stages.baseLayer(config: cfg, outDir: common.out, progress: progress) : BaseLayer()
        try body(cfg, base, progress)
    }
}

/// Runs `body`, turning errors into one clear line on stderr and a non-zero exit.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as PipelineError {
        FileHandle.standardError.write("error: \(e)\n".data(using: .utf8)!)
        throw ExitCode(1)
    } catch let e as ExitCode { throw e } catch {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(1)
    }
}

/// Loads the config given by path, or builds one for `--osm`.
func loadConfig(_ path: String?, osm: String?, population: String?, crs: String?) throws -> CityConfig {
    var cfg: CityConfig
    if let osm {
        let name = ((osm as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".osm", with: "")
        cfg = CityConfig(city: name, year: Calendar(identifier: .gregorian).component(.year, from: Date()), preset: "osm", osm: osm)
    } else if let path {
        cfg = try CityConfig.load(path: path)
    } else {
        throw PipelineError.usage("give a config file (city.yaml) or --osm FILE.osm.pbf")
    }
    if let population {
        let isRaster = ["tif", "tiff"].contains((population as NSString).pathExtension.lowercased())
        cfg.layers["population"] = LayerSource(source: population, fields: isRaster ? [:] : ["value": "population"])
    }
    if let crs { cfg.crs = crs }
    return cfg
}

extension CIMBaseCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read and validate a city config (or, with --batch, a batch file) without running any stage.")
        @OptionGroup var city: CityOptions
        @Flag(name: .long, help: "The file is a batch file (province.yaml).") var batch = false
        func run() throws {
            try guarded {
                if batch {
                    guard let path = city.config else { throw PipelineError.usage("give the batch file") }
                    let plan = try BatchStage.plan(path: path, outDir: "out")
                    say("check       \(path): \(plan.province), \(plan.jobs.count) cities")
                } else {
                    let cfg = try city.load()
                    say("check       \(cfg.file): \(cfg.summary)")
                }
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every stage: ingest, walk, indicators, tiles, score.")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Run only partition K of a plan made by cimbase partition (the walk searches of its core; cimbase merge joins the parts).") var partition: Int?
        @Option(name: .long, help: "The partition plan (default: <out>/../../partitions.json).") var plan: String?
        func run() throws {
            if let partition {
                return try guarded {
                    let cfg = try city.load()
                    try PartitionRun.run(config: cfg, k: partition, outDir: common.out, planPath: plan ?? PartitionRun.defaultPlan(out: common.out),
                                         progress: Progress(quiet: common.quiet))
                }
            }
            if plan != nil { try guarded { throw PipelineError.usage("--plan needs --partition K") } }
            try cityStage(city, common, needsBase: false) { cfg, _, progress in
                try Stages.runAll(config: cfg, outDir: common.out, progress: progress)
                // `publish:` in the config: the finished run goes to PostGIS too.
                if let p = cfg.publish {
                    let r = try PublishStage.run(dir: common.out, options: PublishStage.Options(to: p.to, schema: p.schema), config: cfg, progress: progress)
                    progress.say(r.summary)
                }
            }
        }
    }

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read, reproject and validate every layer into DIR/base.gpkg.")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        func run() throws {
            try cityStage(city, common, needsBase: false) { cfg, _, progress in try Pipeline.Ingest.run(config: cfg, outDir: common.out, progress: progress) }
        }
    }
}

extension CIMBaseCommand {
    struct Partition: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Split a city into square cores with halos → DIR/partitions.json (and DIR/base.gpkg, which every part reads); --k8s also writes DIR/k8s-job.yaml.")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Number of cores (rounded up to k × k).") var cells: Int?
        @Option(name: .long, help: "Core side, e.g. 5km, 2500m or 2500 (metres).") var size: String?
        @Flag(name: .long, help: "Also write DIR/k8s-job.yaml, a Kubernetes Indexed Job running every part.") var k8s = false
        @Option(name: .long, help: "Container image for --k8s.") var image: String = "cimbase:latest"

        func run() throws {
            try guarded {
                guard (cells == nil) != (size == nil) else { throw PipelineError.usage("give exactly one of --cells N and --size 5km") }
                if let cells, !(1...100_000).contains(cells) { throw PipelineError.usage("--cells must be between 1 and 100000, not \(cells)") }
                let sizeM = try size.map(Self.metres)
                let cfg = try city.load()
                try PartitionStage.run(config: cfg, cells: cells, sizeM: sizeM, outDir: common.out, k8s: k8s, image: image, progress: Progress(quiet: common.quiet))
            }
        }

        static func metres(_ s: String) throws -> Double {
            let t = s.trimmingCharacters(in: .whitespaces).lowercased()
            let (num, f): (Substring, Double) = t.hasSuffix("km") ? (t.dropLast(2), 1000) : t.hasSuffix("m") ? (t.dropLast(1), 1) : (Substring(t), 1)
            guard let v = Double(num), v.isFinite, v * f >= 10, v * f <= 1_000_000 else {
                throw PipelineError.usage("--size '\(s)': give a length between 10 m and 1000 km, e.g. 5km or 2500m")
            }
            return v * f
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Join DIR/parts/*/ of a partitioned run into the single-run outputs in DIR.")
        @Argument(help: "The folder given to cimbase partition --out.") var dir: String
        @Flag(name: .long, help: "No progress on stderr.") var quiet = false
        func run() throws {
            try guarded { try Pipeline.Merge.run(dir: dir, progress: Progress(quiet: quiet)) }
        }
    }

    struct Indicators: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compute the indicator table (reusing DIR/base.gpkg and DIR/walk.gpkg when they are newer than the config and sources).")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        func run() throws {
            try cityStage(city, common) { cfg, base, progress in
                let walk = try Stages.walk(config: cfg, base: base, outDir: common.out, progress: progress)
                try Stages.indicators(config: cfg, base: base, walk: walk?.access, fireDrive: walk?.fireDrive, outDir: common.out, progress: progress)
            }
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Score indicator tables: city health index, grades, warnings → score.json, score.csv, report.html.")
        @Argument(help: "Indicator tables (indicators.csv or .json), one or more cities.") var tables: [String]
        @Option(name: .long, help: "Indicator-system definition (YAML); default data/indicator-systems/default.yaml.") var definition: String?
        @Option(name: .long, help: "Earlier years' indicator tables (repeatable).") var previous: [String] = []
        @Option(name: .customLong("non-spatial"), help: "Non-spatial indicator tables in the same schema (repeatable).") var nonSpatial: [String] = []
        @OptionGroup var common: CommonOptions

        func run() throws {
            try guarded {
                var o = ScoreStage.Options()
                o.definition = definition.map { URL(fileURLWithPath: $0) }
                o.previous = previous.map { URL(fileURLWithPath: $0) }
                o.nonSpatial = nonSpatial.map { URL(fileURLWithPath: $0) }
                var ts: [IndicatorTable] = []
                for t in tables {
                    do { ts.append(try IndicatorTable.read(at: URL(fileURLWithPath: t))) } catch {
                        throw PipelineError.input(file: t, layer: nil, message: "\(error)")
                    }
                }
                try FileManager.default.createDirectory(atPath: common.out, withIntermediateDirectories: true)
                let r = try ScoreStage.run(tables: ts, options: o, config: nil, maps: [:], outDir: common.out)
                say("score       " + r.summary)
            }
        }
    }

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a deterministic synthetic city (DIR/city.gpkg, DIR/city.yaml) for tests and benchmarks.")
        @Option(name: .long, help: "Number of buildings (≥ 100), e.g. 10000, 100000, 1000000.") var buildings: Int = 10_000
        @Option(name: .long, help: "Seed: the same seed gives the same bytes.") var seed: UInt64 = 42
        @OptionGroup var common: CommonOptions

        func validate() throws {
            // Memory grows with the count (about 1 kB per building while generating): 10 million is the cap.
            guard (100...10_000_000).contains(buildings) else { throw ValidationError("--buildings must be between 100 and 10000000, not \(buildings)") }
        }

        func run() throws {
            try guarded {
                try SynthStage.run(buildings: buildings, seed: seed, outDir: common.out, progress: Progress(quiet: common.quiet))
            }
        }
    }
}

extension CIMBaseCommand {
    struct Tiles: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export buildings as OGC 3D Tiles 1.1 → DIR/tiles/buildings/tileset.json (reusing DIR/base.gpkg when fresh).")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        func run() throws {
            try cityStage(city, common) { cfg, base, progress in
                let walkPath = (common.out as NSString).appendingPathComponent("walk.gpkg")
                let walk = Stages.isFresh(walkPath, config: cfg) ? try? WalkStage.read(path: walkPath, base: base) : nil
                try TilesStage.run(config: cfg, base: base, extraColumns: TilesStage.columns(walk), outDir: common.out, progress: progress)
            }
        }
    }
}

extension CIMBaseCommand {
    struct Grid: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grid tools a GIS user can use alone (options mirror gdal_rasterize / gdal_proximity).",
            subcommands: [Rasterize.self, Distance.self, Zonal.self])

        /// -ot / -of / -co / -a_scale / -a_offset / -a_nodata, shared by rasterize and distance.
        struct OutputArgs: ParsableArguments {
            @Option(name: .customLong("ot", withSingleDash: true), help: "Output type: Byte, UInt16, Int32, Float32, Float64 (default: the narrowest that holds the values).") var ot: String?
            @Option(name: .customLong("of", withSingleDash: true), help: "Output format: COG (default) or GTiff.") var of: String = "COG"
            @Option(name: .customLong("co", withSingleDash: true), help: "Creation option NAME=VALUE (repeatable), e.g. COMPRESS=ZSTD, NUM_THREADS=1.") var co: [String] = []
            @Option(name: .customLong("a_nodata", withSingleDash: true), help: "No-data value (stored units; 'nan' for floats).") var noData: String?
            @Option(name: .customLong("a_scale", withSingleDash: true), help: "Band scale: real = stored × scale + offset (values are stored as round(real / scale)).") var scale: String?
            @Option(name: .customLong("a_offset", withSingleDash: true), help: "Band offset.") var offset: String?

            func options() throws -> GridTools.OutputOptions {
                var o = GridTools.OutputOptions()
                o.type = try ot.map(GridTools.pixelType)
                o.format = try GridTools.format(of)
                o.creationOptions = try co.map(GridTools.creationOption)
                o.noData = try noData.map { try GridTools.number("-a_nodata", $0, allowNaN: true) }
                o.scale = try scale.map { try GridTools.number("-a_scale", $0) }
                o.offset = try offset.map { try GridTools.number("-a_offset", $0) }
                return o
            }
        }

        struct Rasterize: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Rasterize polygons (centre sampling, or exact coverage fractions) or lines to a COG or GeoTIFF (options as gdal_rasterize).")
            @Argument(help: "Vector source (anything OGR opens).") var src: String
            @Argument(help: "Output GeoTIFF.") var dst: String
            @Option(name: .customShort("l"), help: "Layer name.") var layer: String?
            @Option(name: .customLong("where", withSingleDash: true), help: "Attribute filter (OGR SQL).") var where_: String?
            @Option(name: .customShort("a"), help: "Attribute to burn.") var attribute: String?
            @Option(name: .customLong("burn", withSingleDash: true), help: "Value to burn (default 1).") var burn: String?
            @Option(name: .customLong("init", withSingleDash: true), help: "Value of cells no feature touches (default 0, or -a_nodata).") var initValue: String?
            @Option(name: .customLong("tr", withSingleDash: true), parsing: .upToNextOption, help: "Cell size: xres yres.") var tr: [String] = []
            @Option(name: .customLong("ts", withSingleDash: true), parsing: .upToNextOption, help: "Grid size: width height (instead of -tr).") var ts: [String] = []
            @Option(name: .customLong("te", withSingleDash: true), parsing: .upToNextOption, help: "Extent: xmin ymin xmax ymax (default: the features').") var te: [String] = []
            @Flag(name: .customLong("tap", withSingleDash: true), help: "Snap the extent outward to multiples of -tr.") var tap = false
            @OptionGroup var output: OutputArgs
            @Flag(name: .long, help: "Exact coverage fraction of each cell (× the burn value) instead of centre sampling.") var coverage = false
            @Flag(name: .long, help: "For lines: length (m) inside each cell instead of the cells passed through.") var length = false

            func run() throws {
                try guarded {
                    var o = GridTools.RasterizeOptions()
                    if !tr.isEmpty { let v = try GridTools.numbers("-tr", tr, count: 2); o.resolution = (v[0], v[1]) }
                    if !ts.isEmpty {
                        guard ts.count == 2 else { throw PipelineError.usage("-ts needs 2 numbers: width height") }
                        o.size = (try GridTools.count("-ts", ts[0]), try GridTools.count("-ts", ts[1]))
                    }
                    if !te.isEmpty { let v = try GridTools.numbers("-te", te, count: 4); o.extent = (v[0], v[1], v[2], v[3]) }
                    o.layer = layer; o.where_ = where_; o.attribute = attribute; o.targetAligned = tap
                    if let burn { o.burn = try GridTools.number("-burn", burn) }
                    o.initValue = try initValue.map { try GridTools.number("-init", $0) }
                    o.output = try output.options()
                    o.coverage = coverage; o.lineLength = length
                    let r = try GridTools.rasterizeReport(src: src, dst: dst, options: o)
                    say("grid        \(r.geometry.cols) × \(r.geometry.rows) cells, \(r.type.rawValue) → \(dst)")
                }
            }
        }

        // The grid subcommands share a shape (parse options → GridTools call → one summary line) on purpose: each maps its own gdal-style flags.
        struct Distance: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Exact Euclidean distance to the nearest source cell (like gdal_proximity.py, exact).")
            @Argument(help: "Source raster: cells ≠ 0 (or with --values) are sources.") var src: String
            @Argument(help: "Output GeoTIFF: UInt16 decimetres (scale 0.1, no-data 65535) when every distance fits 6553.4, else Float32 (−1 beyond --max-distance).") var dst: String
            @Option(name: [.customLong("max-distance"), .customLong("maxdist", withSingleDash: true)], help: "Stop at this distance.") var maxDistance: String?
            @Option(name: [.customLong("values"), .customLong("values", withSingleDash: true)], parsing: .upToNextOption, help: "Source cell values (default: any non-zero).") var values: [String] = []
            @Option(name: .long, help: "Write a 0/1 mask of cells within this distance instead of distances.") var within: String?
            @OptionGroup var output: OutputArgs
            func run() throws {
                try guarded {
                    var o = GridTools.DistanceOptions()
                    o.maxDistance = try maxDistance.map { try GridTools.number("-maxdist", $0) }
                    // gdal_proximity takes -values 1,2,3 as well as separate numbers.
                    o.values = try values.flatMap { $0.split(separator: ",").map(String.init) }.map { try GridTools.number("-values", $0) }
                    o.within = try within.map { try GridTools.number("--within", $0) }
                    o.output = try output.options()
                    let t = try GridTools.distance(src: src, dst: dst, options: o)
                    say("grid        distance, \(t.rawValue) → \(dst)")
                }
            }
        }

        struct Zonal: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Zonal statistics of a raster per polygon (exact coverage fractions) → CSV.")
            @Argument(help: "Zone polygons (anything OGR opens).") var zones: String
            @Argument(help: "Value raster.") var values: String
            @Option(name: .customShort("l"), help: "Layer of the zones.") var layer: String?
            @Option(name: .long, help: "Zone id field (default: feature number).") var id: String?
            @Option(name: .long, help: "Output CSV.") var csv: String = "zonal.csv"
            func run() throws {
                try guarded {
                    let n = try GridTools.zonal(zones: zones, layer: layer, idField: id, values: values, csv: csv)
                    say("grid        \(n) zones → \(csv)")
                }
            }
        }
    }
}

extension CIMBaseCommand {
    struct Walk: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Walk distances from residential buildings to every facility category over the streets → DIR/walk.gpkg, grids/walk_*.tif.")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        func run() throws {
            try cityStage(city, common) { cfg, base, progress in _ = try WalkStage.run(config: cfg, base: base, outDir: common.out, progress: progress) }
        }
    }
}

// The stage commands share one shape (ArgumentParser declarations, then `cityStage` with the stage's work).
extension CIMBaseCommand {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Where to build new facilities so that walk-coverage gaps close (config `plan:`) → DIR/plan.gpkg, plan.csv, the what-if score in DIR/plan/ (reusing DIR/base.gpkg and DIR/walk.gpkg when fresh).")
        @OptionGroup var city: CityOptions
        @OptionGroup var common: CommonOptions
        func run() throws {
            try cityStage(city, common, needsBase: false) { cfg, _, progress in
                guard !cfg.plan.isEmpty else { throw PipelineError.usage("\(cfg.file): no plan: section (e.g. plan: {kindergarten: {sites: 5}})") }
                // Reads what it needs from DIR (all of base.gpkg and walk.gpkg only for the what-if), ingesting when stale.
                _ = try PlanStage.run(config: cfg, outDir: common.out, progress: progress)
            }
        }
    }
}

extension CIMBaseCommand {
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run many cities (a province) in parallel, each in DIR/<city>/, then score them together (DIR/score.json, ranking).")
        @Argument(help: "Batch file (province.yaml) listing city configs or folders.") var batch: String
        @Flag(name: .long, help: "Rerun cities even when their inputs have not changed.") var force = false
        @Flag(name: .long, help: "Print the plan (cities, folders, memory estimates) as JSON on stdout; run nothing.") var planOnly = false
        @Option(name: .long, help: "Run only this city of the batch (repeatable), without scoring; with --score-only, score these.") var city: [String] = []
        @Flag(name: .long, help: "Run no city: score the finished ones (those given by --city, else those up to date).") var scoreOnly = false
        @OptionGroup var common: CommonOptions

        func run() throws {
            try guarded {
                let plan = try BatchStage.plan(path: batch, outDir: common.out)
                let unknown = BatchStage.unknownCities(city, plan: plan)
                if !unknown.isEmpty {
                    throw PipelineError.config(file: batch, line: nil, message: "no city named \(unknown.joined(separator: ", ")) (cities: \(plan.jobs.map(\.name).joined(separator: ", ")))")
                }
                if planOnly { print(try BatchStage.planJSON(plan: plan, outDir: common.out), terminator: ""); return }
                if scoreOnly {
                    let (scored, left, score) = try BatchStage.scoreOnly(plan: plan, outDir: common.out, cities: city.isEmpty ? nil : city)
                    for (name, why) in left { say("batch       \(name) not scored: \(why)") }
                    guard let s = score else { throw PipelineError.config(file: batch, line: nil, message: "no finished city to score in \(common.out)") }
                    say("score       \(scored.count) cities · " + s.summary)
                    return
                }
                let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
                let exePath = FileManager.default.isExecutableFile(atPath: exe) ? exe : (Bundle.main.executablePath ?? exe)
                let (results, score) = try BatchStage.run(plan: plan, outDir: common.out, executable: exePath, force: force, progress: Progress(quiet: common.quiet), only: city.isEmpty ? nil : Set(city))
                if let s = score { say("score       " + s.summary) }
                var failed = results.filter { $0.status == "failed" }
                // `publish:` of the batch file: each city that finished now (one schema per city).
                if let target = plan.publish {
                    for r in results where r.status == "done" {
                        do {
                            let cfg = try CityConfig.load(path: r.job.config)
                            if cfg.publish != nil { continue } // its own run published it
                            let p = try PublishStage.run(dir: r.job.outDir, options: PublishStage.Options(to: target.to), config: cfg, progress: Progress(quiet: common.quiet))
                            say(p.summary)
                        } catch {
                            FileHandle.standardError.write("error: \(r.job.name): \(error)\n".data(using: .utf8)!)
                            failed.append(r)
                        }
                    }
                }
                say("batch       \(results.count - failed.count) of \(results.count) cities finished\(failed.isEmpty ? "" : "; failed: " + failed.map(\.job.name).joined(separator: ", "))")
                if !failed.isEmpty { throw ExitCode(1) }
            }
        }
    }
}

extension CIMBaseCommand {
    struct Web: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Vector tiles (MVT folder + MBTiles), PNG tiles of the grids and the viewer page of a run folder → DIR/web/index.html.")
        @Argument(help: "A run folder (written by cimbase run).") var dir: String
        @Flag(name: .long, help: "No progress on stderr.") var quiet = false
        func run() throws {
            try guarded {
                let o = try WebStage.run(outDir: dir, progress: Progress(quiet: quiet))
                say(WebStage.summary(o, outDir: dir))
            }
        }
    }

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a run folder on 127.0.0.1 (HTTP range requests; the viewer at /web/).")
        @Argument(help: "The folder to serve (a run folder).") var dir: String
        @Option(name: .long, help: "Port (0: any free port).") var port: Int = 8000
        @Option(name: .long, help: "Folder with the viewer's JavaScript libraries (default: web/vendor of the repository, or $CIMBASE_WEB_VENDOR).") var vendor: String?
        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        }
        func run() throws {
            try guarded {
                let v = WebStage.vendorFolder(explicit: vendor, executable: CommandLine.arguments[0])
                let server = try WebServer(root: dir, mounts: v.map { [("/web/vendor/", $0)] } ?? [], port: UInt16(port))
                say("serve       \(server.root) at http://127.0.0.1:\(server.port)/ · viewer http://127.0.0.1:\(server.port)/web/\(v.map { " · libraries from \($0)" } ?? " · viewer libraries not found: run scripts/install-web-viewer.sh") (Ctrl-C to stop)")
                // Stop on SIGTERM / SIGINT even when started by a parent that ignores or blocks them (they are inherited).
                signal(SIGTERM, SIG_DFL); signal(SIGINT, SIG_DFL)
                var set = sigset_t(); sigemptyset(&set); sigaddset(&set, SIGTERM); sigaddset(&set, SIGINT)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                server.serveForever()
            }
        }
    }
}

/// A summary line on stdout (the command line prints; the library reports through `Progress`).
func say(_ s: String) { Progress.stdout(s) }

extension CIMBaseCommand {
    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a run folder (base layer, walk access, indicators, scores, gap polygons) to PostGIS: one schema per city, every table keyed by year; one transaction, a re-run replaces that year only.")
        @Argument(help: "Run folder (with base.gpkg; walk.gpkg, indicators.gpkg, score.csv when there).") var dir: String
        @Option(name: .long, help: "Target database: PG:… connection string (PG:service=NAME, or PG:host=… dbname=…; libpq's PG* environment variables apply). Default: the config's publish.to.") var to: String?
        @Option(name: .long, help: "Schema (default: the config's publish.schema, else the city name as an identifier).") var schema: String?
        @Option(name: .long, help: "City config (city.yaml): city, year and the publish: section.") var config: String?
        @Option(name: .long, help: "City name (default: the config's, else indicators.csv's).") var city: String?
        @Option(name: .long, help: "Year (default: the config's, else indicators.csv's).") var year: Int?
        @Flag(name: .long, help: "No progress on stderr.") var quiet = false

        func run() throws {
            try guarded {
                let cfg = try config.map { try CityConfig.load(path: $0) }
                guard let target = to ?? cfg?.publish?.to else { throw PipelineError.usage("publish: give --to PG:… (or a config with publish.to)") }
                guard PublishStage.isPostgres(target) else { throw PipelineError.usage("--to must be a PostgreSQL connection string starting with PG:, not '\(PublishStage.mask(target))'") }
                let o = PublishStage.Options(to: target, schema: schema ?? cfg?.publish?.schema, city: city, year: year)
                let r = try PublishStage.run(dir: dir, options: o, config: cfg, progress: Progress(quiet: quiet))
                say(r.summary)
            }
        }
    }
}

extension CIMBaseCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What changed between two versions of a city's base layer → DIR/diff.gpkg (added, removed, changed buildings; roads, facilities, green), DIR/summary.csv, DIR/diff.html.")
        @Argument(help: "The earlier version: a run folder (with base.gpkg), or a published one as PG:…#schema/year.") var old: String
        @Argument(help: "The later version, the same way.") var new: String
        @Option(name: .long, help: "Footprint IoU at or above which buildings without a stable id are the same building (0 < IoU ≤ 1).") var iou: Double = 0.5
        @Option(name: .long, help: "Vertex moves up to this many metres are no change (survey jitter); lines and points match within it.") var tolerance: Double = 1.0
        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard iou > 0, iou <= 1 else { throw ValidationError("--iou must be in (0, 1], not \(iou)") }
            guard tolerance >= 0, tolerance <= 1000 else { throw ValidationError("--tolerance must be between 0 and 1000 m, not \(tolerance)") }
        }

        func run() throws {
            try guarded {
                var o = DiffMatchOptions()
                o.iouThreshold = iou
                o.toleranceM = tolerance
                let a = try DiffStage.Side.parse(old), b = try DiffStage.Side.parse(new)
                let r = try DiffStage.compare(old: a, new: b, options: o, progress: Progress(quiet: common.quiet))
                try DiffStage.write(r, old: a, new: b, outDir: common.out)
                say(r.summary + " → " + common.out)
            }
        }
    }
}
