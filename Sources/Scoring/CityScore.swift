/// The scored result of one city in one year: index, dimensions, indicators, warnings, and what was missing.
public struct CityScore: Sendable {
    /// City name as in the indicator table's `city` column.
    public var city: String
    /// Year scored.
    public var year: Int
    /// City health index (城市健康指数), 0–100; nil when no dimension had data.
    public var index: Double?
    /// Grade band of the index on the system's bands; nil when the index is nil.
    public var indexGrade: GradeBand?
    /// Every dimension of the definition, in definition order (dropped ones with `score == nil`).
    public var dimensions: [DimensionScore]
    /// Every indicator of the definition, in definition order (missing ones with `value == nil`).
    public var indicators: [IndicatorScore]
    /// Monitoring warnings of all indicators (red light, worsened, band drop), in indicator order.
    public var warnings: [ScoreWarning]
    /// Human-readable notes on re-weighting and missing data (中文 / English).
    public var notes: [BilingualText]
    /// Indicator ids present in the table for this city-year but not in the definition (not scored).
    public var unscoredIndicators: [String]
    /// The index of earlier years when scored as a series (ascending years; empty otherwise).
    public var history: [YearIndex]

    /// Ids of the definition's indicators that had no value.
    public var missingIndicators: [String] { indicators.filter { $0.value == nil }.map(\.spec.id) }
}

/// Index of one year, for the history chart.
public struct YearIndex: Sendable, Equatable {
    /// Year.
    public var year: Int
    /// City health index of that year (0–100); nil when no dimension had data.
    public var index: Double?
    /// A (year, index) point.
    public init(year: Int, index: Double?) { self.year = year; self.index = index }
}

/// A text in Chinese and English.
public struct BilingualText: Sendable, Equatable {
    /// Chinese text.
    public var zh: String
    /// English text.
    public var en: String
    /// A text from its Chinese and English versions.
    public init(zh: String, en: String) { self.zh = zh; self.en = en }
}

/// Score of one dimension.
public struct DimensionScore: Sendable {
    /// Dimension id from the definition.
    public var id: String
    /// Chinese name.
    public var nameZh: String
    /// English name.
    public var nameEn: String
    /// Weight from the definition.
    public var weight: Double
    /// Weight actually used in the index after re-weighting over dimensions with data (0 when dropped).
    public var effectiveWeight: Double
    /// Weighted mean of the present indicators' scores; nil when the dimension was dropped (no data).
    public var score: Double?
    /// Grade band of the dimension score on the system's bands; nil when dropped.
    public var grade: GradeBand?
    /// Ids of this dimension's indicators without a value.
    public var missing: [String]
    /// True when missing indicators made the present ones' weights be rescaled.
    public var reweighted: Bool
    /// True when the dimension had no present weighted indicator and was left out of the index.
    public var dropped: Bool { score == nil }
}

/// Score of one indicator.
public struct IndicatorScore: Sendable {
    /// The indicator's definition (target, weight, bands, warning rule).
    public var spec: IndicatorSpec
    /// Id of the dimension it belongs to.
    public var dimensionID: String
    /// City-level value in the indicator's unit; nil when missing (never scored as 0).
    public var value: Double?
    /// Normalised 0–100 score; nil when missing.
    public var score: Double?
    /// Grade band on the indicator's own scale; nil when missing.
    public var grade: GradeBand?
    /// Traffic light of the score; nil when missing.
    public var light: Light?
    /// Weight within the dimension after re-weighting (0 when missing).
    public var effectiveWeight: Double
    /// Share of the index this indicator carried (effective dimension weight × effective weight).
    public var indexWeight: Double
    /// Where the value came from ("file:line"), empty when unknown.
    public var source: String
    /// Change since the latest earlier year with a value; nil without one.
    public var change: IndicatorChange?
    /// Trend over all years with a value (needs at least two); nil otherwise.
    public var trend: Trend?
}

/// Change since the previous year with a value.
public struct IndicatorChange: Sendable, Equatable {
    /// The latest earlier year with a value.
    public var previousYear: Int
    /// The value of that year.
    public var previousValue: Double
    /// Its normalised 0–100 score under the current target.
    public var previousScore: Double
    /// Its grade band under the current bands.
    public var previousGrade: GradeBand
    /// current − previous.
    public var absolute: Double
    /// (current − previous) / |previous| · 100; nil when previous is 0.
    public var percent: Double?
}

/// Least-squares trend over the years with a value (at least two, current included).
public struct Trend: Sendable, Equatable {
    /// Direction of the trend, judged by the indicator's direction (see ``YearOverYear/trend(_:target:)``).
    public enum Kind: String, Sendable { case improving, worsening, stable }
    /// Years of the series, ascending (the current year last).
    public var years: [Int]
    /// Values of those years.
    public var values: [Double]
    /// Ordinary least-squares slope of the value per year.
    public var slopePerYear: Double
    /// Slope of the normalised score per year.
    public var scoreSlopePerYear: Double
    /// Improving, worsening or stable.
    public var kind: Kind
    /// Chinese name of the kind: 向好 / 变差 / 平稳.
    public var nameZh: String { switch kind { case .improving: "向好"; case .worsening: "变差"; case .stable: "平稳" } }
}

/// A monitoring warning (监测预警) with its reason.
public struct ScoreWarning: Sendable, Equatable {
    /// Which rule fired: red light, worsened beyond the margin, or grade band dropped (raw values as written to
    /// outputs).
    public enum Kind: String, Sendable { case red, worsened, bandDrop = "band_drop" }
    /// Id of the indicator warned about.
    public var indicator: String
    /// Rule that fired.
    public var kind: Kind
    /// The explanation with values, target and years, in Chinese and English.
    public var reason: BilingualText
}
