import Foundation

/// Atomic file writes: the data goes to a temporary file in the target's directory, which is then renamed over
/// the target (rename(2) is atomic within a file system), so a reader never sees a half-written output.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent directory if needed.
    public static func write(_ data: Data, to url: URL) throws(ScoringError) {
        let dir = url.deletingLastPathComponent()
        let fm = FileManager.default
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let code = errno
                try? fm.removeItem(at: tmp)
                throw ScoringError.io(path: url.path, message: "cannot rename temporary file (errno \(code))")
            }
        } catch let e as ScoringError {
            throw e
        } catch {
            try? fm.removeItem(at: tmp)
            throw .io(path: url.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws(ScoringError) {
        try write(Data(text.utf8), to: url)
    }
}
