import Foundation
import Testing
import TestSupport

/// A `cimbase` binary copied away from the repository (installed in a prefix, shipped to a cluster worker or a
/// container) finds the shipped indicator-system definition through CIMBASE_HOME, and says so when it cannot.
@Suite struct InstalledBinaryTests {
    @Test(.enabled(if: Available.cli, "needs the built cimbase CLI")) func scoreFindsTheDefinitionThroughCIMBASEHOME() throws {
        let cli = try #require(Paths.cli)
        let d = try #require(WebFixture.dir)
        let tmp = tempDir("installed-binary")
        try FileManager.default.createDirectory(atPath: tmp + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cli, toPath: tmp + "/bin/cimbase")
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CIMBASE_HOME")
        let args = ["score", d + "/indicators.csv", "--out", tmp + "/out", "--quiet"]
        // Nowhere near data/: a clear error that names CIMBASE_HOME, exit 1.
        let lost = try runChildProcess(tmp + "/bin/cimbase", args, environment: env, currentDirectory: tmp)
        #expect(lost.status == 1)
        #expect(lost.stderr.contains("set CIMBASE_HOME"), "\(lost.stderr)")
        // A CIMBASE_HOME without the definition: named in the error.
        env["CIMBASE_HOME"] = tmp
        let wrong = try runChildProcess(tmp + "/bin/cimbase", args, environment: env, currentDirectory: tmp)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("CIMBASE_HOME=\(tmp) has no data/indicator-systems/default.yaml"), "\(wrong.stderr)")
        // CIMBASE_HOME = the repository: scored, the same index as the fixture's own run.
        env["CIMBASE_HOME"] = Paths.root.path
        let ok = try runChildProcess(tmp + "/bin/cimbase", args, environment: env, currentDirectory: tmp)
        #expect(ok.status == 0, "\(ok.stderr)")
        // every column but the last (the row's source: the table's path and line here, its file name in the run)
        func rows(_ p: String) throws -> [Substring] {
            try String(contentsOfFile: p, encoding: .utf8).split(whereSeparator: \.isNewline).map { $0[..<($0.lastIndex(of: ",") ?? $0.endIndex)] }
        }
        let mine = try rows(tmp + "/out/score.csv"), theirs = try rows(d + "/score.csv")
        #expect(mine.count > 10 && mine == theirs)
    }
}
