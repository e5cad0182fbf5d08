import Dispatch
import Foundation
@testable import Pipeline
import Testing

@Suite struct BatchTests {
    /// Three small synthetic cities, one with a corrupt (truncated) GeoPackage: two finish and are scored together,
    /// the third is reported, the exit status says so, and a second run skips the finished ones.
    @Test(.enabled(if: Paths.cli != nil, "cimbase is not built (swift build --build-tests builds it)"))
    func threeCitiesOneCorrupt() throws {
        let cli = try #require(Paths.cli)
        let dir = tempDir()
        for (i, c) in ["a", "b", "c"].enumerated() {
            try SynthStage.run(buildings: 300, seed: UInt64(10 + i), outDir: "\(dir)/\(c)", progress: Progress(quiet: true))
            let yaml = "\(dir)/\(c)/city.yaml"
            let text = try String(contentsOfFile: yaml, encoding: .utf8)
            try text.replacingOccurrences(of: #"Synthetic city \(seed \d+, 300 buildings\)"#, with: "City \(c.uppercased())", options: .regularExpression)
                .write(toFile: yaml, atomically: true, encoding: .utf8)
        }
        let bad = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/c/city.gpkg"))
        try bad.prefix(20_000).write(to: URL(fileURLWithPath: "\(dir)/c/city.gpkg"))
        try "province: 测试省\njobs: 2\ncities: [a, b, c]\n".write(toFile: "\(dir)/province.yaml", atomically: true, encoding: .utf8)

        let (status, out, _) = try runProcess(cli, ["batch", "\(dir)/province.yaml", "--out", "\(dir)/out"])
        #expect(status == 1)
        #expect(out.contains("batch       3 cities · at most 2 at once · memory budget"))
        #expect(out.contains("batch       a done") && out.contains("batch       b done"))
        #expect(out.contains("batch       c failed: error: \(dir)/c/city.gpkg"))
        #expect(out.contains("2 of 3 cities finished; failed: c"))
        let score = try String(contentsOfFile: "\(dir)/out/score.csv", encoding: .utf8)
        #expect(score.contains("City A") && score.contains("City B") && !score.contains("City C"))
        let ranking = try String(contentsOfFile: "\(dir)/out/ranking.csv", encoding: .utf8)
        #expect(ranking.split(whereSeparator: \.isNewline).count == 3)   // header + 2 cities

        let (_, again, _) = try runProcess(cli, ["batch", "\(dir)/province.yaml", "--out", "\(dir)/out"])
        #expect(again.contains("a skipped (up to date)") && again.contains("b skipped (up to date)"))
    }

    /// The flags a cluster driver (integrations/ray) uses: `--plan-only` gives the cities and the MemoryModel's
    /// estimates as JSON, `--city` runs one city without scoring, `--score-only` scores the finished ones; city by city
    /// then `--score-only` gives the same score files as one `cimbase batch`.
    @Test(.enabled(if: Paths.cli != nil, "cimbase is not built (swift build --build-tests builds it)"))
    func driverFlags() throws {
        let cli = try #require(Paths.cli)
        let dir = tempDir()
        for (i, c) in ["a", "b"].enumerated() {
            try SynthStage.run(buildings: 300, seed: UInt64(20 + i), outDir: "\(dir)/\(c)", progress: Progress(quiet: true))
        }
        try "province: 测试省\ncities: [a, b]\n".write(toFile: "\(dir)/province.yaml", atomically: true, encoding: .utf8)
        let batch = "\(dir)/province.yaml", out = "\(dir)/out"

        let (ps, plan, _) = try runProcess(cli, ["batch", batch, "--out", out, "--plan-only"])
        #expect(ps == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [String: Any])
        #expect(doc["province"] as? String == "测试省")
        let cities = try #require(doc["cities"] as? [[String: Any]])
        #expect(cities.map { $0["name"] as? String } == ["a", "b"])
        #expect(cities[0]["out"] as? String == URL(fileURLWithPath: "\(out)/a").standardizedFileURL.path)
        #expect(cities[0]["buildings"] as? Int == 300)
        let est = try #require(cities[0]["estimate"] as? [String: Any])
        #expect(est["memory_bytes"] as? Int == 400 * 1_048_576 + 6_000 * 300)
        #expect(!FileManager.default.fileExists(atPath: out + "/a"))   // nothing ran

        let (s1, o1, _) = try runProcess(cli, ["batch", batch, "--out", out, "--city", "a"])
        #expect(s1 == 0 && o1.contains("batch       a done") && o1.contains("1 of 1 cities finished"))
        #expect(FileManager.default.fileExists(atPath: out + "/a/indicators.csv"))
        #expect(!FileManager.default.fileExists(atPath: out + "/b") && !FileManager.default.fileExists(atPath: out + "/score.csv"))

        let (s2, o2, _) = try runProcess(cli, ["batch", batch, "--out", out, "--score-only"])
        #expect(s2 == 0 && o2.contains("b not scored: not finished") && o2.contains("score       1 cities"))
        let (s3, _, e3) = try runProcess(cli, ["batch", batch, "--out", out, "--score-only", "--city", "b"])
        #expect(s3 == 1 && e3.contains("city b") && e3.contains("missing"))
        let (s4, _, e4) = try runProcess(cli, ["batch", batch, "--out", out, "--city", "z"])
        #expect(s4 == 1 && e4.contains("no city named z (cities: a, b)"))

        let (s5, _, _) = try runProcess(cli, ["batch", batch, "--out", out, "--city", "b"])
        let (s6, o6, _) = try runProcess(cli, ["batch", batch, "--out", out, "--score-only", "--city", "a", "--city", "b"])
        #expect(s5 == 0 && s6 == 0 && o6.contains("score       2 cities"))
        let (s7, _, _) = try runProcess(cli, ["batch", batch, "--out", "\(dir)/whole"])
        #expect(s7 == 0)
        // Equal but for the output folder's path (score.csv's `source`) and `inputs_hash` (it names the run's files).
        for f in ["score.csv", "ranking.csv"] {
            let a = try String(contentsOfFile: "\(out)/\(f)", encoding: .utf8).replacingOccurrences(of: out, with: "OUT")
            let b = try String(contentsOfFile: "\(dir)/whole/\(f)", encoding: .utf8).replacingOccurrences(of: "\(dir)/whole", with: "OUT")
            #expect(a == b, "\(f)")
        }
        func values(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map { line in
                line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
            }
        }
        for c in ["a", "b"] {
            let a = try values("\(out)/\(c)/indicators.csv"), b = try values("\(dir)/whole/\(c)/indicators.csv")
            #expect(a.count > 10 && a == b)
        }
    }

    @Test func batchFileErrors() throws {
        let dir = tempDir()
        try "province: x\ncities: [a]\ncolour: red\n".write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try BatchStage.plan(path: "\(dir)/p.yaml", outDir: dir) }
        try "province: x\n".write(toFile: "\(dir)/q.yaml", atomically: true, encoding: .utf8)
        do { _ = try BatchStage.plan(path: "\(dir)/q.yaml", outDir: dir); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("no cities listed"))
        }
    }

    /// The memory rule: cities are admitted while the running estimates plus the next stay within the budget, at most
    /// `parallel` at once; a city larger than the budget runs alone. Ten jobs with random estimates on eight threads.
    @Test func admissionKeepsEstimatesWithinBudget() throws {
        let gib = 1_073_741_824.0
        let estimates: [Double] = [1.2, 2.5, 0.7, 3.1, 1.9, 2.2, 0.9, 9.0, 1.4, 2.8].map { $0 * gib }
        let budget = 6 * gib
        let gate = BatchStage.Admission(budget: budget, parallel: 3)
        final class Peak: @unchecked Sendable {
            let lock = NSLock(); var bytes = 0.0, count = 0, alone = true, bigSeen = false
            var running: [Double] = []
        }
        let peak = Peak()
        let order = BatchStage.admissionOrder(estimates)
        #expect(order.first == 7 && order.last == 2)   // largest first
        let group = DispatchGroup()
        for i in order {
            gate.admit(estimates[i])
            peak.lock.lock()
            peak.running.append(estimates[i])
            let sum = peak.running.reduce(0, +)
            if estimates[i] > budget { peak.bigSeen = true; peak.alone = peak.running.count == 1 }
            else { peak.bytes = max(peak.bytes, sum) }
            peak.count = max(peak.count, peak.running.count)
            peak.lock.unlock()
            group.enter()
            DispatchQueue.global().async {
                usleep(useconds_t(2_000 + (i * 1_700) % 9_000))
                peak.lock.lock(); peak.running.remove(at: peak.running.firstIndex(of: estimates[i])!); peak.lock.unlock()
                gate.release(estimates[i])
                group.leave()
            }
        }
        group.wait()
        gate.waitAll()
        #expect(peak.bigSeen && peak.alone)          // the 9 GiB city ran by itself
        #expect(peak.bytes <= budget)                // every other moment stayed within 6 GiB
        #expect(peak.count <= 3 && peak.count >= 2)  // and parallelism was used
        #expect(gate.running == 0 && gate.runningBytes == 0)
    }

    @Test func budgetAndEstimates() throws {
        let gib = 1_073_741_824.0
        // 70 % of what is available, or memory_gb capped by MemAvailable − 1 GiB.
        #expect(BatchStage.budget(memoryGB: nil, available: 20 * gib) == 14 * gib)
        #expect(BatchStage.budget(memoryGB: 7.5, available: 20 * gib) == 7.5 * gib)
        #expect(BatchStage.budget(memoryGB: 30, available: 20 * gib) == 19 * gib)
        #expect(BatchStage.budget(memoryGB: 4, available: nil) == 4 * gib)
        let m = BatchStage.MemoryModel()
        #expect(m.estimate(buildings: 100_000, sourceBytes: 0) == m.fixedBytes + 100_000 * m.perBuildingBytes)
        #expect(m.estimate(buildings: nil, sourceBytes: 1_000_000) == m.fixedBytes + 1_000_000 * m.perSourceByte)
        #expect(try #require(BatchStage.memAvailable()) > 0)
        // The buildings of a GeoPackage city are counted without reading them.
        let dir = tempDir()
        try SynthStage.run(buildings: 300, seed: 3, outDir: dir, progress: Progress(quiet: true))
        let (n, bytes) = BatchStage.buildingCount(dir + "/city.yaml")
        #expect(n == 300)
        #expect(bytes > 0)
        try "province: x\nmemory_gb: -1\ncities: [a]\n".write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
        do { _ = try BatchStage.plan(path: "\(dir)/p.yaml", outDir: dir); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("p.yaml:2: memory_gb: must be > 0"))
        }
        try "province: x\nmemory_gb: 6.5\ncities: [a]\n".write(toFile: "\(dir)/q.yaml", atomically: true, encoding: .utf8)
        #expect(try BatchStage.plan(path: "\(dir)/q.yaml", outDir: dir).memoryGB == 6.5)
    }

    /// SIGTERM to the batch stops its `cimbase run` children: none is left running as an orphan. The signal is sent
    /// once a child exists (found in /proc), not after a fixed sleep.
    @Test(.enabled(if: Paths.cli != nil && FileManager.default.fileExists(atPath: "/proc/self/stat"), "needs the built cimbase and /proc"))
    func terminationReachesTheCities() throws {
        let cli = try #require(Paths.cli)
        let dir = tempDir()
        try SynthStage.run(buildings: 3000, seed: 5, outDir: "\(dir)/a", progress: Progress(quiet: true))
        try "province: x\ncities: [a]\n".write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cli)
        p.arguments = ["batch", "\(dir)/p.yaml", "--out", "\(dir)/out"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        func children(of parent: Int32) -> [Int32] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap(Int32.init).filter { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return false }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 2 && Int32(fields[1]) == parent
            }
        }
        var child: Int32? = nil
        for _ in 0..<6000 where child == nil && p.isRunning { child = children(of: p.processIdentifier).first; if child == nil { usleep(10_000) } }
        let c = try #require(child, "the batch started no city")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGTERM)
        // The child was stopped too: it is gone (or a zombie waiting for init to reap it) within a few seconds.
        func running(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
        }
        var alive = true
        for _ in 0..<1000 where alive { alive = running(c); if alive { usleep(10_000) } }
        #expect(!alive)
    }
}
