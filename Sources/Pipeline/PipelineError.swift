import GeoBridge

/// Errors a user must fix: each names the file (and layer, field, feature or key) and what is wrong.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case config(file: String, line: Int?, message: String)
    case input(file: String, layer: String?, message: String)
    case crs(message: String)
    case output(path: String, message: String)
    case usage(String)

    /// The message for a user; a password in a connection string it quotes is masked (`password=***`).
    public var description: String { PGConnectionString.mask(rawDescription) }

    private var rawDescription: String {
        switch self {
        case .config(let f, let l, let m): return "\(f)\(l.map { ":\($0)" } ?? ""): \(m)"
        case .input(let f, let l, let m): return "\(f)\(l.map { " (layer \($0))" } ?? ""): \(m)"
        case .crs(let m): return "CRS: \(m)"
        case .output(let p, let m): return "\(p): \(m)"
        case .usage(let m): return m
        }
    }
}
