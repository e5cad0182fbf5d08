import Foundation

/// Step times of a stage on stderr when `CIMBASE_TIMINGS` is set (for profiling; summaries give the totals):
/// `lap` records the time since the previous lap, `report` prints them as `timing <stage> <step> <seconds> s`.
struct StepTimer {
    static let enabled = ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil
    private var last = Date()
    private var laps: [(String, Double)] = []

    /// Ends the step `name` (no-op unless timings are on).
    mutating func lap(_ name: String) {
        guard Self.enabled else { return }
        let now = Date()
        laps.append((name, now.timeIntervalSince(last)))
        last = now
    }

    /// Prints the recorded steps under `stage`.
    func report(_ stage: String) {
        for (n, s) in laps { Self.report(stage, n, s) }
    }

    /// Prints one step's time.
    static func report(_ stage: String, _ step: String, _ seconds: Double) {
        guard enabled else { return }
        FileHandle.standardError.write(String(format: "timing %@ %-18@ %8.3f s\n", stage, step as NSString, seconds).data(using: .utf8)!)
    }
}
