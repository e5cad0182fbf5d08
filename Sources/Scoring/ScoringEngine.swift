// # Scoring
//
// City health scoring (城市体检), pure Swift: indicator tables (indicators.csv/json, the contract with the Indicators
// stage) + an indicator-system definition (YAML, `IndicatorSystem.load`) → scores, grades, lights, warnings.
// - IndicatorTable(+CSV/+JSON): the table and its single codec; IndicatorPool merges tables and rejects repeats;
// - IndicatorSystem(+YAML): dimensions, weights, targets (MOHURD city-checkup, GB 50180-2018), grade bands, warning
//   rules;
// - Normalization, ScoringEngine, YearOverYear: 0–100 scores against targets, re-weighting for missing data (never
//   scored as 0), the index, year-over-year change, least-squares trend and monitoring warnings (监测预警);
// - ProvinceRanking: competition ranking of several cities;
// - ScoreRunner: the `cimbase score` entry point writing score.json, score.csv, report.html, ranking.csv/html
//   (ScoreJSON, ScoreCSV, ReportHTML, SVGCharts, MapPanel, PNGEncoder), each atomically (AtomicFile).

/// Scores city-level indicator values against an indicator system: normalisation, re-weighting for missing data,
/// dimension scores, the health index, grades, lights, year-over-year change, trend and warnings.
///
/// Rule for missing indicators (never scored as 0): within a dimension the present indicators' weights are rescaled
/// to sum to 1; a dimension with no present (weighted) indicator is dropped and the other dimensions' weights are
/// rescaled to sum to 1. Each case is written to `CityScore.notes`.
/// Complexity: O(indicators × years).
public struct ScoringEngine: Sendable {
    /// The definition scored against.
    public let system: IndicatorSystem

    /// An engine for `system` (assumed validated, e.g. by `IndicatorSystem.load`).
    public init(system: IndicatorSystem) { self.system = system }

    /// Scores one city-year.
    /// - Parameters:
    ///   - values: city-level values by indicator id (`nil` = present in the table but not computed = missing).
    ///   - sources: where each value came from ("file:line"), for the output.
    ///   - history: values of earlier years (year → id → value), for change, trend and warnings.
    public func score(city: String, year: Int, values: [String: Double?], sources: [String: String] = [:],
                      history: [Int: [String: Double?]] = [:]) -> CityScore {
        var notes: [BilingualText] = []
        var indicators: [IndicatorScore] = []
        var dims: [DimensionScore] = []
        let pastYears = history.keys.filter { $0 < year }.sorted()

        for d in system.dimensions {
            var present: [(Int, Double)] = []  // index into `indicators`, score
            var missing: [String] = []
            for spec in d.indicators {
                let v: Double? = values[spec.id] ?? nil
                var item = IndicatorScore(spec: spec, dimensionID: d.id, value: v, score: nil, grade: nil, light: nil,
                                          effectiveWeight: 0, indexWeight: 0, source: sources[spec.id] ?? "",
                                          change: nil, trend: nil)
                if let v {
                    let s = Normalization.score(v, target: spec.target)
                    item.score = s
                    item.grade = spec.bands.bands[spec.bands.bandIndex(score: s, value: v)]
                    item.light = Normalization.light(score: s, thresholds: system.light)
                    // History: previous year with a value, and the series for the trend.
                    var series: [(Int, Double)] = []
                    for y in pastYears { if let pv = history[y]?[spec.id] ?? nil { series.append((y, pv)) } }
                    if let (py, pv) = series.last {
                        let ps = Normalization.score(pv, target: spec.target)
                        item.change = IndicatorChange(previousYear: py, previousValue: pv, previousScore: ps,
                                                      previousGrade: spec.bands.bands[spec.bands.bandIndex(score: ps, value: pv)],
                                                      absolute: v - pv, percent: pv == 0 ? nil : (v - pv) / abs(pv) * 100)
                    }
                    series.append((year, v))
                    if series.count >= 2 { item.trend = YearOverYear.trend(series, target: spec.target) }
                    present.append((indicators.count, s))
                } else {
                    missing.append(spec.id)
                }
                indicators.append(item)
            }
            let wPresent = present.reduce(0.0) { $0 + indicators[$1.0].spec.weight }
            var ds = DimensionScore(id: d.id, nameZh: d.nameZh, nameEn: d.nameEn, weight: d.weight, effectiveWeight: 0,
                                    score: nil, grade: nil, missing: missing, reweighted: false)
            if wPresent > 0 {
                var acc = 0.0
                for (k, s) in present {
                    let w = indicators[k].spec.weight / wPresent
                    indicators[k].effectiveWeight = w
                    acc += w * s
                }
                ds.score = acc
                ds.grade = system.bands.bands[system.bands.bandIndex(score: acc, value: acc)]
                let missingWeighted = missing.filter { (system.spec(for: $0)?.weight ?? 0) > 0 }
                if !missingWeighted.isEmpty {
                    ds.reweighted = true
                    notes.append(BilingualText(
                        zh: "维度「\(d.nameZh)」缺少指标 \(missingWeighted.joined(separator: "、"))，其余指标按原权重比例重新分配（合计 \(sig(wPresent)) → 1）",
                        en: "Dimension \(d.nameEn): missing \(missingWeighted.joined(separator: ", ")); the present indicators' weights were rescaled from a total of \(sig(wPresent)) to 1"))
                }
            } else {
                notes.append(BilingualText(
                    zh: "维度「\(d.nameZh)」无可用指标数据，不参与指数计算，其余维度权重按比例重新分配",
                    en: "Dimension \(d.nameEn) has no indicator data: left out of the index, the other dimensions' weights rescaled"))
            }
            dims.append(ds)
        }

        // Index: weighted sum over dimensions with data, weights rescaled to sum to 1.
        let wDims = dims.reduce(0.0) { $0 + ($1.score == nil ? 0 : $1.weight) }
        var index: Double? = nil
        if wDims > 0 {
            var acc = 0.0
            for k in dims.indices {
                guard let s = dims[k].score else { continue }
                dims[k].effectiveWeight = dims[k].weight / wDims
                acc += dims[k].effectiveWeight * s
            }
            index = acc
        }
        for k in indicators.indices {
            let dw = dims.first { $0.id == indicators[k].dimensionID }?.effectiveWeight ?? 0
            indicators[k].indexWeight = dw * indicators[k].effectiveWeight
        }
        let known = Set(system.allIndicators.map(\.indicator.id))
        let unscored = values.keys.filter { !known.contains($0) }.sorted()
        var warnings: [ScoreWarning] = []
        for item in indicators { warnings += YearOverYear.warnings(for: item) }
        return CityScore(city: city, year: year, index: index,
                         indexGrade: index.map { system.bands.bands[system.bands.bandIndex(score: $0, value: $0)] },
                         dimensions: dims, indicators: indicators, warnings: warnings, notes: notes,
                         unscoredIndicators: unscored, history: [])
    }

    /// Scores a city's history as a series: every year is scored with the years before it as history, and each
    /// result's `history` lists the index of the earlier years. Returned in ascending year order. O(indicators ×
    /// years²).
    public func scoreSeries(city: String, yearly: [Int: [String: Double?]],
                            sources: [Int: [String: String]] = [:]) -> [CityScore] {
        var out: [CityScore] = []
        for y in yearly.keys.sorted() {
            let past = yearly.filter { $0.key < y }
            var s = score(city: city, year: y, values: yearly[y]!, sources: sources[y] ?? [:], history: past)
            s.history = out.map { YearIndex(year: $0.year, index: $0.index) }
            out.append(s)
        }
        return out
    }
}
