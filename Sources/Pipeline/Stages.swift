import CityModel
import Foundation

/// Chains the stages for `cimbase run`.
public enum Stages {
    public static func runAll(config: CityConfig, outDir: String, progress: Progress) throws {
        let t0 = Date()
        try Ingest.run(config: config, outDir: outDir, progress: progress)
        say(String(format: "done        %.1f s → %@", Date().timeIntervalSince(t0), outDir))
    }
}
