/// `score.csv`: one row per city × indicator of the definition (missing ones included, status `missing`).
public enum ScoreCSV {
    /// Header of score.csv.
    public static let columns = ["city", "year", "dimension", "dimension_name_zh", "indicator", "name_zh", "name_en",
                                 "unit", "direction", "target", "range_low", "range_high", "value", "score", "grade",
                                 "grade_en", "light", "weight", "effective_weight", "index_weight", "dimension_score",
                                 "index", "previous_year", "previous_value", "change_abs", "change_pct", "trend",
                                 "status", "warnings", "source"]

    /// score.csv text for the scores (header, then one row per city × indicator; status `ok` / `missing`). O(rows ×
    /// (columns + the city's warnings)).
    public static func text(_ scores: [CityScore]) -> String {
        var rows: [[String]] = [columns]
        for s in scores {
            for i in s.indicators {
                let d = s.dimensions.first { $0.id == i.dimensionID }
                var target = "", lo = "", hi = ""
                switch i.spec.target {
                case let .higher(t), let .lower(t): target = formatNumber(t)
                case let .range(a, b): lo = formatNumber(a); hi = formatNumber(b)
                }
                let warns = s.warnings.filter { $0.indicator == i.spec.id }.map(\.kind.rawValue).joined(separator: ";")
                rows.append([s.city, String(s.year), i.dimensionID, d?.nameZh ?? "", i.spec.id, i.spec.nameZh,
                             i.spec.nameEn, i.spec.unit, i.spec.direction.rawValue, target, lo, hi,
                             formatNumber(i.value), formatNumber(i.score), i.grade?.nameZh ?? "", i.grade?.nameEn ?? "",
                             i.light?.rawValue ?? "", formatNumber(i.spec.weight), formatNumber(i.effectiveWeight),
                             formatNumber(i.indexWeight), formatNumber(d?.score), formatNumber(s.index),
                             i.change.map { String($0.previousYear) } ?? "", formatNumber(i.change?.previousValue),
                             formatNumber(i.change?.absolute), formatNumber(i.change?.percent),
                             i.trend?.kind.rawValue ?? "", i.value == nil ? "missing" : "ok", warns, i.source])
            }
        }
        return CSV.write(rows)
    }
}
