/// An indicator-system definition (指标体系): dimensions, their weights, and per indicator a target, weight,
/// grade bands and warning rule. Data, not code: loaded from YAML by `IndicatorSystem.load(…)`
/// (format documented in `IndicatorSystem+YAML.swift` and the shipped `data/indicator-systems/default.yaml`).
public struct IndicatorSystem: Sendable, Equatable {
    /// Value of the optional `schema:` key.
    public static let schemaVersion = "cimbase.indicator-system/1"
    /// Tolerance on weight sums (each level must sum to 1 within it).
    public static let weightTolerance = 1e-6

    /// System id from the YAML `id:` key.
    public var id: String
    /// Chinese name.
    public var nameZh: String
    /// English name.
    public var nameEn: String
    /// Version string of the definition (free text, empty when not given).
    public var version: String
    /// File the definition was read from (named in errors and outputs).
    public var source: String
    /// Bands for dimension scores and the index (always on the 0–100 score), and the default for indicators.
    public var bands: GradeScale
    /// Traffic-light thresholds on the 0–100 score, for every indicator.
    public var light: LightThresholds
    /// Default warning rule, overridable per indicator.
    public var warning: WarningRule
    /// Dimensions in definition order; their weights sum to 1.
    public var dimensions: [Dimension]

    /// A definition built in code (tests, tools); not validated — `load(…)` validates YAML definitions.
    public init(id: String, nameZh: String, nameEn: String, version: String = "", source: String = "<memory>",
                bands: GradeScale = .defaultScore, light: LightThresholds = .init(), warning: WarningRule = .init(),
                dimensions: [Dimension]) {
        self.id = id; self.nameZh = nameZh; self.nameEn = nameEn; self.version = version; self.source = source
        self.bands = bands; self.light = light; self.warning = warning; self.dimensions = dimensions
    }

    /// All indicator specs in definition order, with their dimension.
    public var allIndicators: [(dimension: Dimension, indicator: IndicatorSpec)] {
        dimensions.flatMap { d in d.indicators.map { (d, $0) } }
    }

    /// The spec of indicator `id`, if the definition has it.
    public func spec(for id: String) -> IndicatorSpec? {
        for d in dimensions { if let s = d.indicators.first(where: { $0.id == id }) { return s } }
        return nil
    }
}

/// One dimension (维度) of the system, e.g. 生态宜居.
public struct Dimension: Sendable, Equatable {
    /// Dimension id (e.g. `eco`).
    public var id: String
    /// Chinese name (e.g. 生态宜居).
    public var nameZh: String
    /// English name.
    public var nameEn: String
    /// Weight in the index; dimension weights sum to 1.
    public var weight: Double
    /// Its indicators in definition order.
    public var indicators: [IndicatorSpec]

    /// A dimension from its fields (not validated).
    public init(id: String, nameZh: String, nameEn: String, weight: Double, indicators: [IndicatorSpec]) {
        self.id = id; self.nameZh = nameZh; self.nameEn = nameEn; self.weight = weight; self.indicators = indicators
    }
}

/// Target of an indicator, which also fixes its direction.
public enum Target: Sendable, Equatable {
    /// Higher is better; T > 0.
    case higher(Double)
    /// Lower is better; T ≥ 0.
    case lower(Double)
    /// Best inside [a, b], a < b.
    case range(Double, Double)

    /// Direction implied by the target: higher, lower or range.
    public var direction: IndicatorDirection {
        switch self { case .higher: .higher; case .lower: .lower; case .range: .range }
    }
}

/// One indicator of the system.
public struct IndicatorSpec: Sendable, Equatable {
    /// Id matching the indicator table (e.g. `green_cov`, `walk_cov.kindergarten.300`).
    public var id: String
    /// Chinese name.
    public var nameZh: String
    /// English name.
    public var nameEn: String
    /// Unit of the value as displayed (e.g. "%", "m²/人"); empty for none.
    public var unit: String
    /// Target value or range; fixes the normalisation and direction.
    public var target: Target
    /// Weight within its dimension; a dimension's weights sum to 1. Weight 0 = monitored only (graded, warned,
    /// but not in the score).
    public var weight: Double
    /// Grade bands (the system's default unless overridden).
    public var bands: GradeScale
    /// Warning rule (the system's default unless overridden).
    public var warning: WarningRule
    /// Where the target comes from (e.g. "GB 50180-2018", "(default)").
    public var targetSource: String

    /// A spec from its fields (not validated); default bands and warning rule unless given.
    public init(id: String, nameZh: String, nameEn: String, unit: String = "", target: Target, weight: Double,
                bands: GradeScale = .defaultScore, warning: WarningRule = .init(), targetSource: String = "") {
        self.id = id; self.nameZh = nameZh; self.nameEn = nameEn; self.unit = unit; self.target = target
        self.weight = weight; self.bands = bands; self.warning = warning; self.targetSource = targetSource
    }

    /// Direction implied by the target.
    public var direction: IndicatorDirection { target.direction }
}

/// Traffic-light thresholds on the normalised score: green ≥ `green`, yellow ≥ `yellow`, red below.
/// Defaults 100 and 80: green when the target is met, yellow within 80–100 % of it (for a positive indicator,
/// x ≥ 0.8·T; for a negative one, x ≤ T/0.8; for a range, within 20 % of the range width outside it).
public struct LightThresholds: Sendable, Equatable {
    /// Score at or above which the light is green (default 100).
    public var green: Double
    /// Score at or above which the light is yellow (default 80); red below.
    public var yellow: Double
    /// Thresholds, 100 and 80 by default.
    public init(green: Double = 100, yellow: Double = 80) { self.green = green; self.yellow = yellow }
}

/// Monitoring-and-warning (监测预警) rule for one indicator.
public struct WarningRule: Sendable, Equatable {
    /// Warn when the indicator worsened by more than this percentage since the previous year (nil = off).
    /// "Worsened" follows the direction: a fall for `higher`, a rise for `lower`; for `range` the normalised
    /// score's fall is used. Percent of |previous value| (or previous score for ranges).
    public var worsenPercent: Double?
    /// Warn when the grade fell by one band or more since the previous year.
    public var bandDrop: Bool
    /// Warn when the traffic light is red (below `yellow` on the score), whatever the history.
    public var red: Bool

    /// A rule; by default all three warnings on, with a 10 % worsening margin.
    public init(worsenPercent: Double? = 10, bandDrop: Bool = true, red: Bool = true) {
        self.worsenPercent = worsenPercent; self.bandDrop = bandDrop; self.red = red
    }
}
