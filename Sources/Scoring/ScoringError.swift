/// Errors of the Scoring module: each names the file (and line, column or key) the user must fix.
///
/// One error enum for the module, as the architecture asks; `description` is the one line the CLI prints.
public enum ScoringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A CSV syntax or content error at `file:line:column`.
    case csv(file: String, line: Int, column: Int, message: String)
    /// A JSON indicator table that cannot be read.
    case json(file: String, message: String)
    /// An indicator-system definition error: `key` is the dotted path of the offending key
    /// (e.g. `dimensions.safety.indicators.fire_5min_cov.weight`), `line`/`column` its YAML position when known.
    case definition(file: String, key: String, line: Int?, column: Int?, message: String)
    /// The same (city, year, zone, indicator) appears twice: in two files, or twice in one file.
    case conflict(city: String, year: Int, zoneID: String, indicator: String, first: String, second: String)
    /// Nothing to score (no city-level rows, or a requested year absent).
    case noData(String)
    /// Reading or writing a file failed.
    case io(path: String, message: String)

    /// The one-line message the CLI prints: `file:line:column: message`, or the conflict with both places and the fix.
    public var description: String {
        switch self {
        case let .csv(file, line, column, message):
            return "\(file):\(line):\(column): \(message)"
        case let .json(file, message):
            return "\(file): \(message)"
        case let .definition(file, key, line, column, message):
            var pos = file
            if let line { pos += ":\(line)" ; if let column { pos += ":\(column)" } }
            return "\(pos): \(key): \(message)"
        case let .conflict(city, year, zoneID, indicator, first, second):
            let zone = zoneID.isEmpty ? "city level" : "zone \(zoneID)"
            return "indicator '\(indicator)' for \(city) \(year) (\(zone)) is given twice: in \(first) and in \(second); "
                + "remove one (non-spatial tables must not repeat computed indicators)"
        case let .noData(message):
            return message
        case let .io(path, message):
            return "\(path): \(message)"
        }
    }
}
