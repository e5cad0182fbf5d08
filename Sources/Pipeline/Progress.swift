import Foundation

/// Progress on stderr for long steps: shown only when stderr is a terminal and not `--quiet`.
/// The stage summaries (what a user reads after each stage) go to stdout and are not affected.
///
/// `CIMBASE_PROGRESS=lines` in the environment writes each step as one line `progress: <step>` on stderr instead, whether
/// or not it is a terminal (for logs and for tests that act at a given step, such as killing ingest while it writes).
public final class Progress: @unchecked Sendable {
    /// Whether the in-place progress line is drawn (stderr is a terminal, not quiet).
    public let enabled: Bool
    /// Whether each step is logged as a line (`CIMBASE_PROGRESS=lines`; also under `--quiet`).
    public let lines: Bool
    private var label = ""
    private var lastDraw = 0.0
    private let lock = NSLock()

    /// Where stage summaries go (stdout for the command line; a library user may collect them).
    private let summary: @Sendable (String) -> Void

    /// Standard output, one line per summary.
    public static let stdout: @Sendable (String) -> Void = { FileHandle.standardOutput.write(($0 + "\n").data(using: .utf8)!) }

    /// A reporter for a command: `quiet` silences the terminal progress line (not the summaries, not `lines` mode);
    /// `summary` receives each stage's summary line (what a user reads after each stage).
    public init(quiet: Bool, summary: @escaping @Sendable (String) -> Void = Progress.stdout) {
        self.summary = summary
        lines = ProcessInfo.processInfo.environment["CIMBASE_PROGRESS"] == "lines"
        enabled = !lines && !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Reports a stage's summary line.
    public func say(_ s: String) { summary(s) }

    /// Starts a step.
    public func begin(_ label: String) {
        lock.lock(); defer { lock.unlock() }
        self.label = label
        lastDraw = 0
        if lines { FileHandle.standardError.write("progress: \(label)\n".data(using: .utf8)!) }
        draw("\(label) …")
    }

    /// Reports `done` of `total` (throttled to 10 updates a second).
    public func update(_ done: Int, of total: Int) {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        lock.lock(); defer { lock.unlock() }
        if now - lastDraw < 0.1 && done < total { return }
        lastDraw = now
        let pct = total > 0 ? Int(100 * Double(done) / Double(total)) : 0
        draw("\(label) \(done.grouped)/\(total.grouped) (\(pct) %)")
    }

    /// Clears the progress line.
    public func end() {
        lock.lock(); defer { lock.unlock() }
        if enabled { FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!) }
    }

    private func draw(_ s: String) {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[2K\(s)".data(using: .utf8)!)
    }
}


extension Int {
    /// 12,345 style grouping for summaries.
    var grouped: String {
        let s = String(abs(self))
        var out = ""
        for (i, ch) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(ch) }
        return (self < 0 ? "-" : "") + String(out.reversed())
    }
}
