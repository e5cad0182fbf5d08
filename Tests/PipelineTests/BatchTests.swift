import Foundation
@testable import Pipeline
import Testing

@Suite struct BatchTests {
    /// Three small synthetic cities, one with a corrupt (truncated) GeoPackage: two finish and are scored together,
    /// the third is reported, the exit status says so, and a second run skips the finished ones.
    @Test func threeCitiesOneCorrupt() throws {
        guard let cli = Paths.cli else { print("skipped: cimbase not built"); return }
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

    @Test func batchFileErrors() throws {
        let dir = tempDir()
        try "province: x\ncities: [a]\ncolour: red\n".write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try BatchStage.plan(path: "\(dir)/p.yaml", outDir: dir) }
        try "province: x\n".write(toFile: "\(dir)/q.yaml", atomically: true, encoding: .utf8)
        do { _ = try BatchStage.plan(path: "\(dir)/q.yaml", outDir: dir); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("no cities listed"))
        }
    }
}
