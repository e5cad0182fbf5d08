/// One line of the province ranking: a city's rank, index, grade, dimension scores and counts.
public struct RankingRow: Sendable, Equatable {
    /// 1-based rank; 0 for a city without an index.
    public var rank: Int
    /// City name.
    public var city: String
    /// Year scored.
    public var year: Int
    /// City health index (0–100); nil when the city had no data.
    public var index: Double?
    /// Grade band of the index; nil without an index.
    public var grade: GradeBand?
    /// Dimension scores in definition order (nil = dropped).
    public var dimensionScores: [Double?]
    /// Number of monitoring warnings.
    public var warningCount: Int
    /// Number of the definition's indicators without a value.
    public var missingCount: Int
}

/// Province ranking (全省排名) of several scored cities: by index, descending; ties share a rank (competition
/// ranking 1, 2, 2, 4); cities without an index are listed last without a rank.
public enum ProvinceRanking {
    /// Ranks the scores: by index descending, then city name; indices within 1e-9 tie. O(n log n).
    public static func rank(_ scores: [CityScore]) -> [RankingRow] {
        let sorted = scores.sorted { a, b in
            switch (a.index, b.index) {
            case let (x?, y?): return x != y ? x > y : a.city < b.city
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.city < b.city
            }
        }
        var out: [RankingRow] = []
        for (k, s) in sorted.enumerated() {
            var rank = 0
            if let x = s.index {
                if let prev = out.last, let px = prev.index, abs(px - x) < 1e-9 { rank = prev.rank } else { rank = k + 1 }
            }
            out.append(RankingRow(rank: rank, city: s.city, year: s.year, index: s.index, grade: s.indexGrade,
                                  dimensionScores: s.dimensions.map(\.score), warningCount: s.warnings.count,
                                  missingCount: s.missingIndicators.count))
        }
        return out
    }

    /// ranking.csv text: rank, city, year, index, grade, grade_en, one column per dimension id, warnings, missing.
    public static func csv(_ rows: [RankingRow], system: IndicatorSystem) -> String {
        var table: [[String]] = [["rank", "city", "year", "index", "grade", "grade_en"] + system.dimensions.map(\.id)
                                 + ["warnings", "missing"]]
        for r in rows {
            table.append([r.rank == 0 ? "" : String(r.rank), r.city, String(r.year), formatNumber(r.index.map(round2)),
                          r.grade?.nameZh ?? "", r.grade?.nameEn ?? ""] + r.dimensionScores.map { formatNumber($0.map(round2)) }
                         + [String(r.warningCount), String(r.missingCount)])
        }
        return CSV.write(table)
    }
}

/// Rounds to two decimals (for tables meant for people; score.json keeps full precision).
func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
