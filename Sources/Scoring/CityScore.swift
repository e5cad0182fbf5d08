/// The scored result of one city in one year: index, dimensions, indicators, warnings, and what was missing.
public struct CityScore: Sendable {
    public var city: String
    public var year: Int
    /// City health index (城市健康指数), 0–100; nil when no dimension had data.
    public var index: Double?
    public var indexGrade: GradeBand?
    public var dimensions: [DimensionScore]
    /// Every indicator of the definition, in definition order (missing ones with `value == nil`).
    public var indicators: [IndicatorScore]
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
    public var year: Int
    public var index: Double?
    public init(year: Int, index: Double?) { self.year = year; self.index = index }
}

/// A text in Chinese and English.
public struct BilingualText: Sendable, Equatable {
    public var zh: String
    public var en: String
    public init(zh: String, en: String) { self.zh = zh; self.en = en }
}

/// Score of one dimension.
public struct DimensionScore: Sendable {
    public var id: String
    public var nameZh: String
    public var nameEn: String
    /// Weight from the definition.
    public var weight: Double
    /// Weight actually used in the index after re-weighting over dimensions with data (0 when dropped).
    public var effectiveWeight: Double
    /// Weighted mean of the present indicators' scores; nil when the dimension was dropped (no data).
    public var score: Double?
    public var grade: GradeBand?
    /// Ids of this dimension's indicators without a value.
    public var missing: [String]
    /// True when missing indicators made the present ones' weights be rescaled.
    public var reweighted: Bool
    public var dropped: Bool { score == nil }
}

/// Score of one indicator.
public struct IndicatorScore: Sendable {
    public var spec: IndicatorSpec
    public var dimensionID: String
    public var value: Double?
    /// Normalised 0–100 score; nil when missing.
    public var score: Double?
    public var grade: GradeBand?
    public var light: Light?
    /// Weight within the dimension after re-weighting (0 when missing).
    public var effectiveWeight: Double
    /// Share of the index this indicator carried (effective dimension weight × effective weight).
    public var indexWeight: Double
    /// Where the value came from ("file:line"), empty when unknown.
    public var source: String
    public var change: IndicatorChange?
    public var trend: Trend?
}

/// Change since the previous year with a value.
public struct IndicatorChange: Sendable, Equatable {
    public var previousYear: Int
    public var previousValue: Double
    public var previousScore: Double
    public var previousGrade: GradeBand
    /// current − previous.
    public var absolute: Double
    /// (current − previous) / |previous| · 100; nil when previous is 0.
    public var percent: Double?
}

/// Least-squares trend over the years with a value (at least two, current included).
public struct Trend: Sendable, Equatable {
    public enum Kind: String, Sendable { case improving, worsening, stable }
    public var years: [Int]
    public var values: [Double]
    /// Ordinary least-squares slope of the value per year.
    public var slopePerYear: Double
    /// Slope of the normalised score per year.
    public var scoreSlopePerYear: Double
    public var kind: Kind
    public var nameZh: String { switch kind { case .improving: "向好"; case .worsening: "变差"; case .stable: "平稳" } }
}

/// A monitoring warning (监测预警) with its reason.
public struct ScoreWarning: Sendable, Equatable {
    public enum Kind: String, Sendable { case red, worsened, bandDrop = "band_drop" }
    public var indicator: String
    public var kind: Kind
    public var reason: BilingualText
}
