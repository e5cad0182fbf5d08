import CityModel
import Foundation
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
    }

    public static func plan(path: String, outDir: String) throws -> Plan {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PipelineError.config(file: path, line: nil, message: "cannot read the batch file")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let root: Node
        do { guard let n = try Yams.compose(yaml: text) else { throw PipelineError.config(file: path, line: nil, message: "empty batch file") }; root = n }
        catch let e as PipelineError { throw e } catch { throw PipelineError.config(file: path, line: nil, message: "YAML syntax: \(error)") }
        let r = YAMLReader(file: path)
        var province = "province", parallel = ProcessInfo.processInfo.activeProcessorCount
        var jobs: [CityJob] = []
        var score = ScoreStage.Options()
        var seen = Set<String>()
        for (k, v) in try r.mapping(root, "top level") {
            let key = try r.string(k, "key")
            switch key {
            case "province": province = try r.string(v, key)
            case "year": _ = try r.int(v, key)
            case "jobs": parallel = max(1, try r.int(v, key))
            case "cities":
                guard case .sequence(let seq) = v else { throw r.error(v, "cities must be a list of configs or folders") }
                for item in seq {
                    let rel = try r.string(item, "cities[]")
                    var p = rel.hasPrefix("/") ? rel : base.appendingPathComponent(rel).standardizedFileURL.path
                    var isDir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { p += "/city.yaml" }
                    let name = URL(fileURLWithPath: p).deletingLastPathComponent().lastPathComponent
                    var slug = name, n = 2
                    while seen.contains(slug) { slug = "\(name)-\(n)"; n += 1 }
                    seen.insert(slug)
                    jobs.append(CityJob(config: p, name: slug, outDir: (outDir as NSString).appendingPathComponent(slug)))
                }
            case "score":
                for (sk, sv) in try r.mapping(v, "score") {
                    let s = try r.string(sk, "key")
                    func urls() throws -> [URL] {
                        if case .sequence(let q) = sv { return try q.map { URL(fileURLWithPath: base.appendingPathComponent(try r.string($0, s)).path) } }
                        return [URL(fileURLWithPath: base.appendingPathComponent(try r.string(sv, s)).path)]
                    }
                    switch s {
                    case "definition": score.definition = URL(fileURLWithPath: base.appendingPathComponent(try r.string(sv, s)).path)
                    case "previous": score.previous = try urls()
                    case "non_spatial": score.nonSpatial = try urls()
                    default: throw r.error(sk, "unknown key 'score.\(s)' (known: definition, previous, non_spatial)")
                    }
                }
            default: throw r.error(k, "unknown key '\(key)' (known: province, year, jobs, cities, score)")
            }
        }
        if jobs.isEmpty { throw PipelineError.config(file: path, line: nil, message: "no cities listed") }
        return Plan(province: province, jobs: jobs, parallel: parallel, scoreOptions: score)
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
        for (i, job) in plan.jobs.enumerated() {
            queue.addOperation {
                let r = runCity(job, executable: executable, force: force)
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

    static func runCity(_ job: CityJob, executable: String, force: Bool) -> CityResult {
        let t0 = Date()
        let stampPath = (job.outDir as NSString).appendingPathComponent(".cimbase-done")
        let stamp = inputsStamp(job)
        if !force, let old = try? String(contentsOfFile: stampPath, encoding: .utf8), old == stamp,
           FileManager.default.fileExists(atPath: (job.outDir as NSString).appendingPathComponent("indicators.csv")) {
            return CityResult(job: job, status: "skipped (up to date)", message: "", seconds: 0)
        }
        try? FileManager.default.removeItem(atPath: stampPath)
        try? FileManager.default.createDirectory(atPath: job.outDir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["run", job.config, "--out", job.outDir, "--quiet"]
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
