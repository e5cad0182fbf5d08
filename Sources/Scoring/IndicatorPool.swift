/// All input rows merged and keyed by (city, year, zone, indicator), with conflicts detected.
///
/// Merge rule (also for non-spatial tables): the same (city, year, zone_id, indicator) may appear only once across
/// all inputs — current tables, previous years' tables and non-spatial tables. A repeat is an error naming both
/// places (`file:line`); there is no silent precedence. O(rows) with hashing; lookups of a city-year O(1).
public struct IndicatorPool: Sendable {
    /// One stored row with where it came from.
    public struct Entry: Sendable {
        /// The row as read.
        public var row: IndicatorRow
        /// Where it was read ("file:line"), named in conflict errors and score sources.
        public var location: String
    }
    private struct Key: Hashable { var city: String; var year: Int; var zone: String; var indicator: String }

    private var entries: [Key: Entry] = [:]
    /// City-level entries by city, year and indicator (what scoring reads).
    private var cityLevelIndex: [String: [Int: [String: Entry]]] = [:]
    private var zoneRows = 0
    /// Cities in order of first appearance.
    public private(set) var cities: [String] = []

    /// An empty pool.
    public init() {}

    /// Builds a pool from tables; throws `ScoringError.conflict` on a repeated key.
    public init(tables: [IndicatorTable]) throws(ScoringError) {
        for t in tables { try add(t) }
    }

    /// Adds a table's rows.
    public mutating func add(_ table: IndicatorTable) throws(ScoringError) {
        for (i, r) in table.rows.enumerated() {
            let key = Key(city: r.city, year: r.year, zone: r.zoneID, indicator: r.indicator)
            let here = table.location(ofRow: i)
            if let prev = entries[key] {
                throw .conflict(city: r.city, year: r.year, zoneID: r.zoneID, indicator: r.indicator,
                                first: prev.location, second: here)
            }
            if cityLevelIndex[r.city] == nil && !cities.contains(r.city) { cities.append(r.city) }
            let e = Entry(row: r, location: here)
            entries[key] = e
            if r.zoneID.isEmpty { cityLevelIndex[r.city, default: [:]][r.year, default: [:]][r.indicator] = e } else { zoneRows += 1 }
        }
    }

    /// Years with city-level rows for `city`, ascending.
    public func years(of city: String) -> [Int] {
        (cityLevelIndex[city].map { Array($0.keys) } ?? []).sorted()
    }

    /// City-level rows of one city-year by indicator id.
    public func cityLevel(city: String, year: Int) -> [String: Entry] {
        cityLevelIndex[city]?[year] ?? [:]
    }

    /// Number of zone-level rows (not scored; the index is city level).
    public var zoneRowCount: Int { zoneRows }
}
