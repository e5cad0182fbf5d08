import Foundation

/// Which way an indicator is better: the `direction` column of the indicator table.
public enum IndicatorDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Higher is better (positive indicator), scored 100·min(x/T, 1).
    case higher
    /// Lower is better (negative indicator), scored 100·min(T/x, 1).
    case lower
    /// Best inside a range [a, b].
    case range
    /// Reported only (no better side), e.g. a raw floor area ratio in the indicator table.
    case none
}

/// One row of the indicator table: one indicator for one city (or one zone of it) in one year.
///
/// This is the contract between the indicator stage (which writes it) and scoring (which reads it).
/// `zoneID` is empty for the city level. `params` is a compact JSON object of the parameters used
/// (e.g. `{"threshold_m":300,"weighting":"population"}`), `inputsHash` a digest of the inputs read.
public struct IndicatorRow: Sendable, Hashable {
    /// City name (the key scoring groups by).
    public var city: String
    /// Year of the data.
    public var year: Int
    /// Zone code (`zones.zone_id` of the base layer); empty for the city level.
    public var zoneID: String
    /// Zone name; empty for the city level.
    public var zoneName: String
    /// Indicator id (e.g. `green_cov`, `walk_cov.kindergarten.300`), matched against the indicator system.
    public var indicator: String
    /// Chinese name of the indicator.
    public var nameZh: String
    /// English name of the indicator.
    public var nameEn: String
    /// The indicator's value; `nil` when it could not be computed (empty CSV cell, JSON null).
    public var value: Double?
    /// Unit of the value (e.g. "%", "m²/人"); empty for none.
    public var unit: String
    /// Which way the indicator is better (`none` when only reported).
    public var direction: IndicatorDirection
    /// Numerator of a ratio indicator (e.g. covered residents); nil when not a ratio or unknown.
    public var numerator: Double?
    /// Denominator of a ratio indicator (e.g. all residents); nil when not a ratio or unknown.
    public var denominator: Double?
    /// Parameters as a compact JSON object text (`{}` or empty when none).
    public var params: String
    /// Digest of the inputs read to compute the row (empty when unknown), for provenance.
    public var inputsHash: String

    /// A row from its fields; only city, year, indicator and value are required (city level by default).
    public init(city: String, year: Int, zoneID: String = "", zoneName: String = "", indicator: String,
                nameZh: String = "", nameEn: String = "", value: Double?, unit: String = "",
                direction: IndicatorDirection = .none, numerator: Double? = nil, denominator: Double? = nil,
                params: String = "{}", inputsHash: String = "") {
        self.city = city; self.year = year; self.zoneID = zoneID; self.zoneName = zoneName
        self.indicator = indicator; self.nameZh = nameZh; self.nameEn = nameEn; self.value = value
        self.unit = unit; self.direction = direction; self.numerator = numerator; self.denominator = denominator
        self.params = params; self.inputsHash = inputsHash
    }

    /// True for the city-level row (empty zone id).
    public var isCityLevel: Bool { zoneID.isEmpty }
}

/// An indicator table: rows plus the name of the file they came from (used in error messages).
///
/// The single codec for the table: `csvString()`/`writeCSV(to:)`, `jsonData()`/`writeJSON(to:)`,
/// `IndicatorTable.parseCSV`/`readCSV(at:)` and `parseJSON`/`readJSON(at:)`.
public struct IndicatorTable: Sendable, Hashable {
    /// Schema version of the indicator table, written in the JSON form and checked when reading it.
    public static let schemaVersion = "cimbase.indicators/1"
    /// The CSV header, in order. Pinned by a test: changing it is a schema change.
    public static let columns = ["city", "year", "zone_id", "zone_name", "indicator", "name_zh", "name_en", "value",
                                 "unit", "direction", "numerator", "denominator", "params", "inputs_hash"]
    /// Columns a reader requires; the others default to empty (so a hand-made non-spatial CSV may omit them).
    public static let requiredColumns: Set<String> = ["city", "year", "indicator", "value"]

    /// The rows, in file order.
    public var rows: [IndicatorRow]
    /// Where the rows came from (a path or a label), named in errors.
    public var source: String
    /// 1-based CSV line of each row when read from CSV (parallel to `rows`), else empty.
    public var lines: [Int]

    /// A table of `rows` read from `source` (`lines`: 1-based CSV line per row, or empty).
    public init(rows: [IndicatorRow], source: String = "<memory>", lines: [Int] = []) {
        self.rows = rows; self.source = source; self.lines = lines
    }

    /// "file:line" of row `i` when known, else the file.
    public func location(ofRow i: Int) -> String {
        i < lines.count ? "\(source):\(lines[i])" : source
    }
}

/// Number formatting shared by the writers: integral values without a fraction, others in Swift's shortest
/// round-trip form, non-finite as empty. Parsing the text back yields the same `Double`.
@inline(__always)
func formatNumber(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}
