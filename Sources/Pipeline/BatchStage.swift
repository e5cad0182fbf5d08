import CityModel
import Foundation
import ConfigReader
import GeoBridge
import Scoring
import Yams

/// `cimbase batch province.yaml`: every city's pipeline, in parallel up to the cores and within a memory budget, each
/// in its own output folder, failures isolated (each city runs in its own `cimbase run` process), resumable, then all
/// cities scored together.
///
/// Memory admission: each city's peak is estimated from its input size (`MemoryModel`: a fixed part plus a measured
/// figure per building, the buildings counted from the buildings layer, or from the source bytes when the layer
/// cannot be counted). Cities start, largest first, while the running cities' estimates plus the next one's stay
/// within the budget — `memory_gb` when given, else 70 % of MemAvailable at the start, never more than MemAvailable
/// minus 1 GiB — and at most `jobs` run at once. A city whose estimate alone exceeds the budget runs by itself.
///
/// ```yaml
/// province: 江西省
/// year: 2026                      # optional: checked against each city's config
/// jobs: 2                         # optional: parallel cities at most (default: the number of cores)
/// memory_gb: 7.5                  # optional: memory budget of all running cities (default: from MemAvailable)
/// cities:
///   - nanchang/city.yaml          # a config file, or a folder holding city.yaml
///   - jiujiang
/// score: {definition: …, previous: […], non_spatial: […]}   # optional, as in city.yaml
/// categories: {养老服务站: elderly_daycare}                 # optional, as in city.yaml; given to every city
/// ```
public enum BatchStage {
    public struct CityJob: Sendable {
        public var config: String
        public var name: String
        public var outDir: String
        /// Estimated peak memory of the city's run (bytes), see `MemoryModel`.
        public var estimatedBytes: Double = 0
    }

    /// Peak memory of one `cimbase run` from its input size. The figures were measured with /usr/bin/time on synthetic
    /// cities (100k and 300k buildings, seed 11, release build; see notes): peak RSS ≈ fixed + perBuilding × buildings.
    public struct MemoryModel: Sendable {
        public var fixedBytes = 400.0 * 1_048_576
        public var perBuildingBytes = 6_000.0
        /// For sources whose buildings cannot be counted (OSM PBF): peak ≈ fixed + perSourceByte × source bytes.
        public var perSourceByte = 12.0
        public init() {}

        public func estimate(buildings: Int?, sourceBytes: Int) -> Double {
            if let n = buildings { return fixedBytes + perBuildingBytes * Double(n) }
            return fixedBytes + perSourceByte * Double(sourceBytes)
        }
    }

    /// MemAvailable of /proc/meminfo in bytes (nil where there is none).
    public static func memAvailable() -> Double? {
        guard let t = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in t.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Double(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// The budget: `memory_gb` when given (capped by MemAvailable − 1 GiB), else 70 % of MemAvailable.
    public static func budget(memoryGB: Double?, available: Double?) -> Double {
        let gib = 1_073_741_824.0
        guard let a = available else { return memoryGB.map { $0 * gib } ?? 8 * gib }
        let ceiling = max(a - gib, a * 0.5)
        if let m = memoryGB { return min(m * gib, ceiling) }
        return min(a * 0.7, ceiling)
    }

    /// Buildings of the city's buildings layer (an O(1) count for GeoPackages), nil when it cannot be counted.
    static func buildingCount(_ config: String) -> (buildings: Int?, sourceBytes: Int) {
        guard let cfg = try? CityConfig.load(path: config) else { return (nil, 0) }
        let bytes = Stages.sourceFiles(cfg).reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: $1))?[.size] as? NSNumber)?.intValue ?? 0) }
        guard let src = cfg.layers["buildings"], let ds = try? VectorDataset(path: cfg.resolve(src.source)),
              let layer = try? ds.layer(src.layer) else { return (nil, bytes) }
        let n = layer.featureCount
        return (n >= 0 ? n : nil, bytes)
    }

    public struct CityResult: Sendable {
        public var job: CityJob
        public var status: String       // "done", "skipped (up to date)", "failed"
        public var message: String
        public var seconds: Double
    }

    public struct Plan {
        public var province: String
        public var jobs: [CityJob]
        public var parallel: Int
        public var scoreOptions: ScoreStage.Options
        /// `memory_gb` of the batch file.
        public var memoryGB: Double? = nil
        /// `categories:` of the batch file: every city gets them (its own `categories:` win for the same label).
        public var categories: CategoryTable = CategoryTable()
        /// The batch file (handed to each city's run as `--categories`).
        public var file: String = ""
        /// `publish: {to: …}` of the batch file: every city that finishes is published there, each in its own schema
        /// (a city whose config has its own `publish:` is published by its run instead).
        public var publish: PublishTarget? = nil
    }

    public static let keys: Set<String> = ["province", "year", "jobs", "memory_gb", "cities", "score", "categories", "publish"]

    public static func plan(path: String, outDir: String) throws -> Plan {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PipelineError.config(file: path, line: nil, message: "cannot read the batch file")
        }
        do {
            let p = try readPlan(text, path: path, outDir: outDir)
            try ScoreStage.checkFiles(p.scoreOptions, file: path)
            return p
        } catch let e as ConfigError { throw PipelineError(e) }
    }

    static func readPlan(_ text: String, path: String, outDir: String) throws(ConfigError) -> Plan {
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let r = ConfigReader(file: path)
        guard let root = try r.compose(text), !r.isNull(root) else { throw ConfigError(file: path, key: "(root)", message: "empty batch file") }
        var province = "province", parallel = ProcessInfo.processInfo.activeProcessorCount
        var jobs: [CityJob] = []
        var score = ScoreStage.Options()
        var categories = CategoryTable()
        var memoryGB: Double? = nil
        var publish: PublishTarget? = nil
        var seen = Set<String>()
        for e in try r.entries(root, "", allowed: keys) {
            let v = e.value
            switch e.name {
            case "province": province = try r.text(v, e.path, nonEmpty: true)
            case "year": _ = try r.integer(v, e.path, 1900...2200)
            case "jobs": parallel = try r.integer(v, e.path, 1...256)
            case "memory_gb": memoryGB = try r.number(v, e.path, .positive(max: 1_000_000))
            case "cities":
                guard let seq = v.sequence else { throw r.fail(e.path, v, "cities must be a list of configs or folders") }
                for (i, item) in seq.enumerated() {
                    let rel = try r.text(item, "cities[\(i)]", nonEmpty: true)
                    var p = rel.hasPrefix("/") ? rel : base.appendingPathComponent(rel).standardizedFileURL.path
                    var isDir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { p += "/city.yaml" }
                    let name = URL(fileURLWithPath: p).deletingLastPathComponent().lastPathComponent
                    var slug = name, n = 2
                    while seen.contains(slug) { slug = "\(name)-\(n)"; n += 1 }
                    seen.insert(slug)
                    jobs.append(CityJob(config: p, name: slug, outDir: (outDir as NSString).appendingPathComponent(slug)))
                }
            case "publish": publish = try PublishTarget.read(v, r, key: "publish", allowSchema: false)
            case "categories":
                categories = try CityConfig.readCategories(v, r, key: "categories")
                try CityConfig.registerCategories(categories, r, node: v)
            default:
                score = try CityConfig.readScore(v, r, "score") { base.appendingPathComponent($0).path }
            }
        }
        if jobs.isEmpty { throw ConfigError(file: path, key: "cities", message: "no cities listed") }
        return Plan(province: province, jobs: jobs, parallel: parallel, scoreOptions: score, memoryGB: memoryGB, categories: categories, file: path, publish: publish)
    }

    /// Digest of a city's inputs: its config text and the size and modification time of every source it names.
    static func inputsStamp(_ job: CityJob) -> String {
        var h = FNV64()
        h.add(job.config)
        if let d = FileManager.default.contents(atPath: job.config) { h.add(Array(d)) }
        if let cfg = try? CityConfig.load(path: job.config) {
            for f in Stages.sourceFiles(cfg).sorted() {
                let a = try? FileManager.default.attributesOfItem(atPath: f)
                h.add(f)
                h.add(Double((a?[.size] as? NSNumber)?.int64Value ?? -1))
                h.add((a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1)
            }
        }
        return h.hex
    }

    /// Runs every city (child processes of this executable), then scores the finished ones together.
    /// With `only`, runs just the cities of those names and does not score (a driver that places cities on other
    /// machines runs each this way, then scores with `scoreOnly`).
    public static func run(plan: Plan, outDir: String, executable: String, force: Bool, progress: Progress, only: Set<String>? = nil) throws -> (results: [CityResult], score: ScoreResult?) {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        final class Box: @unchecked Sendable {
            var results: [CityResult?]
            let lock = NSLock()
            init(_ n: Int) { results = Array(repeating: nil, count: n) }
            func set(_ i: Int, _ r: CityResult) { lock.lock(); results[i] = r; lock.unlock() }
        }
        let jobs = estimated(plan.jobs).filter { only == nil || only!.contains($0.name) }
        let box = Box(jobs.count)
        let budget = budget(memoryGB: plan.memoryGB, available: memAvailable())
        let gib = 1_073_741_824.0
        progress.say(String(format: "batch       %d cities · at most %d at once · memory budget %.1f GiB (estimates %.1f–%.1f GiB per city)", jobs.count, plan.parallel,
                   budget / gib, (jobs.map(\.estimatedBytes).min() ?? 0) / gib, (jobs.map(\.estimatedBytes).max() ?? 0) / gib))
        let gate = Admission(budget: budget, parallel: plan.parallel)
        let categoriesFrom = plan.categories == CategoryTable() ? nil : plan.file
        Children.shared.forwardSignals()
        for i in admissionOrder(jobs.map(\.estimatedBytes)) {
            let job = jobs[i]
            gate.admit(job.estimatedBytes)
            Thread.detachNewThread {
                let r = runCity(job, executable: executable, force: force, categoriesFrom: categoriesFrom)
                box.set(i, r)
                progress.say("batch       \(job.name) \(r.status)\(r.message.isEmpty ? "" : ": " + r.message)" + String(format: "  %.1f s", r.seconds))
                gate.release(job.estimatedBytes)
            }
        }
        gate.waitAll()
        let done = box.results.compactMap { $0 }
        if only != nil { return (done, nil) }
        // Score every city that has an indicator table.
        var tables: [IndicatorTable] = []
        for r in done where r.status != "failed" {
            let p = URL(fileURLWithPath: r.job.outDir).appendingPathComponent("indicators.csv")
            do { tables.append(try IndicatorTable.read(at: p)) } catch { continue }
        }
        var score: ScoreResult? = nil
        if !tables.isEmpty {
            score = try ScoreStage.run(tables: tables, options: plan.scoreOptions, config: nil, maps: [:], outDir: outDir)
        }
        return (done, score)
    }

    /// The jobs with their memory estimates (`MemoryModel` on the buildings layer's count or the source bytes).
    public static func estimated(_ jobs: [CityJob]) -> [CityJob] {
        let model = MemoryModel()
        return jobs.map { j in
            var j = j
            let (n, bytes) = buildingCount(j.config)
            j.estimatedBytes = model.estimate(buildings: n, sourceBytes: bytes)
            return j
        }
    }

    /// The names of `names` that are not cities of the plan (for a clear error).
    public static func unknownCities(_ names: [String], plan: Plan) -> [String] {
        let known = Set(plan.jobs.map(\.name))
        return names.filter { !known.contains($0) }
    }

    /// `cimbase batch --plan-only`: the cities, their folders and estimates as JSON (the input of cluster drivers,
    /// so they size their tasks with this model rather than a copy of it).
    public static func planJSON(plan: Plan, outDir: String) throws -> String {
        struct Estimate: Encodable { var memory_bytes: Int; var cpus: Int }
        struct City: Encodable { var name: String; var config: String; var out: String; var buildings: Int?; var source_bytes: Int; var estimate: Estimate }
        struct Doc: Encodable {
            var province: String; var batch_file: String; var out: String; var jobs: Int; var memory_budget_bytes: Int
            var categories_from_batch: Bool; var cities: [City]
        }
        let model = MemoryModel()
        let cities = plan.jobs.map { j -> City in
            let (n, bytes) = buildingCount(j.config)
            return City(name: j.name, config: j.config, out: URL(fileURLWithPath: j.outDir).standardizedFileURL.path, buildings: n, source_bytes: bytes,
                        estimate: Estimate(memory_bytes: Int(model.estimate(buildings: n, sourceBytes: bytes).rounded(.up)), cpus: 1))
        }
        let doc = Doc(province: plan.province, batch_file: URL(fileURLWithPath: plan.file).standardizedFileURL.path,
                      out: URL(fileURLWithPath: outDir).standardizedFileURL.path, jobs: plan.parallel,
                      memory_budget_bytes: Int(budget(memoryGB: plan.memoryGB, available: memAvailable())),
                      categories_from_batch: plan.categories != CategoryTable(), cities: cities)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(doc), as: UTF8.self) + "\n"
    }

    /// `cimbase batch --score-only`: scores, without running any, the named cities (they must have
    /// DIR/<city>/indicators.csv) or, without names, every city a batch run would skip as up to date (its
    /// `.cimbase-done` stamp matches its inputs). Returns the cities scored and those left out with the reason.
    public static func scoreOnly(plan: Plan, outDir: String, cities: [String]?) throws -> (scored: [String], left: [(String, String)], score: ScoreResult?) {
        let categoriesFrom = plan.categories == CategoryTable() ? nil : plan.file
        var tables: [IndicatorTable] = [], scored: [String] = [], left: [(String, String)] = []
        let chosen = cities.map(Set.init)
        for job in plan.jobs {
            let csv = URL(fileURLWithPath: job.outDir).appendingPathComponent("indicators.csv")
            if let chosen {
                guard chosen.contains(job.name) else { continue }
                guard FileManager.default.fileExists(atPath: csv.path) else {
                    throw PipelineError.config(file: plan.file, line: nil, message: "city \(job.name): \(csv.path) is missing (the city has not finished)")
                }
            } else {
                let stamp = try? String(contentsOfFile: (job.outDir as NSString).appendingPathComponent(".cimbase-done"), encoding: .utf8)
                guard stamp == doneStamp(job, categoriesFrom: categoriesFrom), FileManager.default.fileExists(atPath: csv.path) else {
                    left.append((job.name, stamp == nil ? "not finished" : "inputs changed since it finished")); continue
                }
            }
            tables.append(try IndicatorTable.read(at: csv))
            scored.append(job.name)
        }
        let score = tables.isEmpty ? nil : try ScoreStage.run(tables: tables, options: plan.scoreOptions, config: nil, maps: [:], outDir: outDir)
        return (scored, left, score)
    }

    /// The `.cimbase-done` stamp of a city: its inputs' digest, plus the batch file's when its categories are given.
    static func doneStamp(_ job: CityJob, categoriesFrom: String?) -> String {
        var stamp = inputsStamp(job)
        if let f = categoriesFrom, let d = FileManager.default.contents(atPath: f) { var h = FNV64(); h.add(Array(d)); stamp += "+" + h.hex }
        return stamp
    }

    /// The running `cimbase run` children: on SIGTERM or SIGINT the batch kills them (they would otherwise go on as
    /// orphans, each holding its memory), then exits with 128 + the signal. SIGKILL, because the children inherit the
    /// ignored disposition the signal sources need; their outputs are written atomically (temp + rename), so a killed
    /// city leaves no file that looks complete and is simply run again.
    final class Children: @unchecked Sendable {
        static let shared = Children()
        private let lock = NSLock()
        private var pids = Set<Int32>()
        private var sources: [DispatchSourceSignal] = []
        func add(_ pid: Int32) { lock.lock(); pids.insert(pid); lock.unlock() }
        func remove(_ pid: Int32) { lock.lock(); pids.remove(pid); lock.unlock() }
        /// Installs the handlers once.
        func forwardSignals() {
            lock.lock(); defer { lock.unlock() }
            guard sources.isEmpty else { return }
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                src.setEventHandler { [self] in
                    lock.lock(); let all = pids; lock.unlock()
                    for pid in all { kill(pid, SIGKILL) }
                    exit(128 + sig)
                }
                src.resume()
                sources.append(src)
            }
        }
    }

    /// Cities running and the sum of their estimates; `admit` blocks until the next city fits.
    final class Admission: @unchecked Sendable {
        let budget: Double, parallel: Int
        private let cond = NSCondition()
        private(set) var running = 0
        private(set) var runningBytes = 0.0
        init(budget: Double, parallel: Int) { self.budget = budget; self.parallel = parallel }
        /// Waits while `parallel` cities run, or while the estimates would exceed the budget (a city that alone
        /// exceeds it waits until nothing else runs).
        func admit(_ bytes: Double) {
            cond.lock(); defer { cond.unlock() }
            while running >= parallel || (running > 0 && runningBytes + bytes > budget) { cond.wait() }
            running += 1; runningBytes += bytes
        }
        func release(_ bytes: Double) {
            cond.lock(); running -= 1; runningBytes = running == 0 ? 0 : runningBytes - bytes; cond.broadcast(); cond.unlock()
        }
        func waitAll() { cond.lock(); while running > 0 { cond.wait() }; cond.unlock() }
    }

    /// Start order: largest estimate first (the long cities start early, the small ones fill the gaps).
    static func admissionOrder(_ estimates: [Double]) -> [Int] {
        estimates.indices.sorted { estimates[$0] != estimates[$1] ? estimates[$0] > estimates[$1] : $0 < $1 }
    }

    static func runCity(_ job: CityJob, executable: String, force: Bool, categoriesFrom: String? = nil) -> CityResult {
        let t0 = Date()
        let stampPath = (job.outDir as NSString).appendingPathComponent(".cimbase-done")
        // The batch file's categories are inputs of every city too.
        let stamp = doneStamp(job, categoriesFrom: categoriesFrom)
        if !force, let old = try? String(contentsOfFile: stampPath, encoding: .utf8), old == stamp,
           FileManager.default.fileExists(atPath: (job.outDir as NSString).appendingPathComponent("indicators.csv")) {
            return CityResult(job: job, status: "skipped (up to date)", message: "", seconds: 0)
        }
        try? FileManager.default.removeItem(atPath: stampPath)
        try? FileManager.default.createDirectory(atPath: job.outDir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["run", job.config, "--out", job.outDir, "--quiet"] + (categoriesFrom.map { ["--categories", $0] } ?? [])
        let log = (job.outDir as NSString).appendingPathComponent("run.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let errPipe = Pipe()
        p.standardOutput = FileHandle(forWritingAtPath: log)
        p.standardError = errPipe
        do { try p.run() } catch {
            return CityResult(job: job, status: "failed", message: "cannot start \(executable): \(error)", seconds: 0)
        }
        Children.shared.add(p.processIdentifier)
        defer { Children.shared.remove(p.processIdentifier) }
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let secs = Date().timeIntervalSince(t0)
        if p.terminationStatus != 0 {
            let line = err.split(separator: "\n").last(where: { $0.hasPrefix("error:") }).map(String.init) ?? err.trimmingCharacters(in: .whitespacesAndNewlines)
            return CityResult(job: job, status: "failed", message: line.isEmpty ? "exit status \(p.terminationStatus)" : line, seconds: secs)
        }
        try? stamp.write(toFile: stampPath, atomically: true, encoding: .utf8)
        return CityResult(job: job, status: "done", message: "", seconds: secs)
    }
}
