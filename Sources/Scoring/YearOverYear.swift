import Foundation

/// Year-over-year analysis: trend over a series and the warning rules (监测预警).
public enum YearOverYear {
    /// Relative slope (per year, of the mean |value|) below which a higher/lower indicator's trend is "stable".
    public static let stableRelativeSlope = 0.01
    /// Score slope (points per year) below which a range indicator's trend is "stable".
    public static let stableScoreSlope = 0.5

    /// Ordinary least-squares slope of y on x. O(n).
    public static func slope(_ xs: [Double], _ ys: [Double]) -> Double {
        let n = Double(xs.count)
        guard xs.count >= 2 else { return 0 }
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxx == 0 ? 0 : sxy / sxx
    }

    /// Trend of a (year, value) series (ascending years). Higher/lower indicators are classified on the value's
    /// slope relative to the mean |value| (stable below 1 %/year); range indicators on the score's slope
    /// (stable below 0.5 points/year).
    public static func trend(_ series: [(Int, Double)], target: Target) -> Trend {
        let xs = series.map { Double($0.0) }, ys = series.map(\.1)
        let scores = ys.map { Normalization.score($0, target: target) }
        let b = slope(xs, ys), bs = slope(xs, scores)
        let kind: Trend.Kind
        switch target {
        case .higher, .lower:
            let mean = ys.reduce(0) { $0 + abs($1) } / Double(ys.count)
            let rel = mean == 0 ? (b == 0 ? 0 : b.sign == .minus ? -1 : 1) : b / mean
            if abs(rel) < stableRelativeSlope { kind = .stable }
            else if case .higher = target { kind = rel > 0 ? .improving : .worsening }
            else { kind = rel < 0 ? .improving : .worsening }
        case .range:
            kind = abs(bs) < stableScoreSlope ? .stable : (bs > 0 ? .improving : .worsening)
        }
        return Trend(years: series.map(\.0), values: ys, slopePerYear: b, scoreSlopePerYear: bs, kind: kind)
    }

    /// How much the indicator worsened since the previous year, in percent (positive = worse), or nil when not
    /// defined. Higher: fall of the value; lower: rise of the value; both as % of |previous|. A lower indicator
    /// rising from 0 counts as +∞. Range: fall of the normalised score as % of the previous score.
    public static func worsening(_ item: IndicatorScore) -> Double? {
        guard let c = item.change, let v = item.value, let s = item.score else { return nil }
        switch item.spec.target {
        case .higher:
            return c.previousValue == 0 ? nil : (c.previousValue - v) / abs(c.previousValue) * 100
        case .lower:
            if c.previousValue == 0 { return v > 0 ? .infinity : nil }
            return (v - c.previousValue) / abs(c.previousValue) * 100
        case .range:
            return c.previousScore == 0 ? nil : (c.previousScore - s) / c.previousScore * 100
        }
    }

    /// Warnings for one scored indicator under its rule: red light, worsened beyond the margin, band dropped.
    public static func warnings(for item: IndicatorScore) -> [ScoreWarning] {
        guard let v = item.value, let s = item.score else { return [] }
        let spec = item.spec, rule = spec.warning
        let unit = spec.unit
        let vText = fmt(v) + unitSuffix(unit)
        var out: [ScoreWarning] = []
        if rule.red, item.light == .red {
            let (tz, te) = targetText(spec.target, unit: unit)
            out.append(ScoreWarning(indicator: spec.id, kind: .red, reason: BilingualText(
                zh: "「\(spec.nameZh)」为 \(vText)，目标 \(tz)，得分 \(fmt(s))，红灯",
                en: "\(spec.nameEn) is \(vText) against a target of \(te) (score \(fmt(s))): red light")))
        }
        if let margin = rule.worsenPercent, let c = item.change, let w = worsening(item), w > margin {
            let pText = w.isFinite ? fmt(w) + "%" : "∞"
            let fromTo = "\(fmt(c.previousValue)) → \(fmt(v))\(unitSuffix(unit))"
            let (verbZh, verbEn): (String, String)
            switch spec.target {
            case .higher: (verbZh, verbEn) = ("下降", "fell")
            case .lower: (verbZh, verbEn) = ("上升", "rose")
            case .range: (verbZh, verbEn) = ("得分下降", "score fell")
            }
            out.append(ScoreWarning(indicator: spec.id, kind: .worsened, reason: BilingualText(
                zh: "「\(spec.nameZh)」较 \(c.previousYear) 年\(verbZh) \(pText)（\(fromTo)），超过预警阈值 \(fmt(margin))%",
                en: "\(spec.nameEn) \(verbEn) by \(pText) since \(c.previousYear) (\(fromTo)), beyond the \(fmt(margin)) % warning margin")))
        }
        if rule.bandDrop, let c = item.change, let g = item.grade {
            let bands = spec.bands.bands
            let now = bands.firstIndex(of: g) ?? 0, before = bands.firstIndex(of: c.previousGrade) ?? 0
            if now > before {
                out.append(ScoreWarning(indicator: spec.id, kind: .bandDrop, reason: BilingualText(
                    zh: "「\(spec.nameZh)」等级由 \(c.previousYear) 年的「\(c.previousGrade.nameZh)」降为「\(g.nameZh)」",
                    en: "\(spec.nameEn) fell from grade \(c.previousGrade.nameEn) in \(c.previousYear) to \(g.nameEn)")))
            }
        }
        return out
    }

    /// Target as text: "≥ 40%", "≤ 30%", "0.7–1.5 万人/km²".
    static func targetText(_ t: Target, unit: String) -> (String, String) {
        switch t {
        case let .higher(x): let s = "≥ \(fmt(x))\(unitSuffix(unit))"; return (s, s)
        case let .lower(x): let s = "≤ \(fmt(x))\(unitSuffix(unit))"; return (s, s)
        case let .range(a, b): let s = "\(fmt(a))–\(fmt(b))\(unitSuffix(unit))"; return (s, s)
        }
    }
}

/// A number for people: up to two decimals, trailing zeros removed.
func fmt(_ x: Double) -> String {
    guard x.isFinite else { return "—" }
    var s = String(format: "%.2f", x)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
}

func unitSuffix(_ unit: String) -> String {
    if unit.isEmpty || unit == "—" || unit == "-" { return "" }
    return unit == "%" ? "%" : " \(unit)"
}
