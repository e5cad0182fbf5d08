import CityModel
import Foundation
import ConfigReader
import Scoring
import Yams

/// `cimbase batch province.yaml`: every city's pipeline, in parallel up to the cores, each in its own output folder,
/// failures isolated (each city runs in its own `cimbase run` process), resumable, then all cities scored together.
///
/// ```yaml
/// province: 江西省
/// year: 2026                      # optional: checked against each city's config
/// jobs: 2                         # optional: parallel cities (default: the number of cores)
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
        /// `categories:` of the batch file: every city gets them (its own `categories:` win for the same label).
        public var categories: CategoryTable = CategoryTable()
        /// The batch file (handed to each city's run as `--categories`).
        public var file: String = ""
    }

    public static let keys: Set<String> = ["province", "year", "jobs", "cities", "score", "categories"]

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
        var seen = Set<String>()
        for e in try r.entries(root, "", allowed: keys) {
            let v = e.value
            switch e.name {
            case "province": province = try r.text(v, e.path, nonEmpty: true)
            case "year": _ = try r.integer(v, e.path, 1900...2200)
            case "jobs": parallel = try r.integer(v, e.path, 1...256)
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
            case "categories":
                categories = try CityConfig.readCategories(v, r, key: "categories")
                try CityConfig.registerCategories(categories, r, node: v)
            default:
                score = try CityConfig.readScore(v, r, "score") { base.appendingPathComponent($0).path }
            }
        }
        if jobs.isEmpty { throw ConfigError(file: path, key: "cities", message: "no cities listed") }
        return Plan(province: province, jobs: jobs, parallel: parallel, scoreOptions: score, categories: categories, file: path)
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
    public static func run(plan: Plan, outDir: String, executable: String, force: Bool) throws -> (results: [CityResult], score: ScoreResult?) {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        final class Box: @unchecked Sendable {
            var results: [CityResult?]
            let lock = NSLock()
            init(_ n: Int) { results = Array(repeating: nil, count: n) }
            func set(_ i: Int, _ r: CityResult) { lock.lock(); results[i] = r; lock.unlock() }
        }
        let box = Box(plan.jobs.count)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = plan.parallel
        let categoriesFrom = plan.categories == CategoryTable() ? nil : plan.file
        for (i, job) in plan.jobs.enumerated() {
            queue.addOperation {
                let r = runCity(job, executable: executable, force: force, categoriesFrom: categoriesFrom)
                box.set(i, r)
                say("batch       \(job.name) \(r.status)\(r.message.isEmpty ? "" : ": " + r.message)" + String(format: "  %.1f s", r.seconds))
            }
        }
        queue.waitUntilAllOperationsAreFinished()
        let done = box.results.compactMap { $0 }
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

    static func runCity(_ job: CityJob, executable: String, force: Bool, categoriesFrom: String? = nil) -> CityResult {
        let t0 = Date()
        let stampPath = (job.outDir as NSString).appendingPathComponent(".cimbase-done")
        var stamp = inputsStamp(job)
        // The batch file's categories are inputs of every city too.
        if let f = categoriesFrom, let d = FileManager.default.contents(atPath: f) { var h = FNV64(); h.add(Array(d)); stamp += "+" + h.hex }
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
