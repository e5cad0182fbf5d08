/// Grade bands (很好/较好/一般/不足): ordered thresholds on the normalised score or on the raw value.
///
/// A band is reached by the first threshold met, scanning in order; a value below every threshold gets the
/// last band (which may omit its threshold as a catch-all).
/// - basis `score` (default): thresholds `min` on the 0–100 normalised score, strictly decreasing.
/// - basis `value`: thresholds on the raw value; `min` strictly decreasing for a `higher` indicator,
///   `max` strictly increasing for a `lower` one (reached when value ≤ max); not allowed for `range`.
public struct GradeScale: Sendable, Equatable {
    /// What the thresholds apply to: the 0–100 normalised score or the raw indicator value.
    public enum Basis: String, Sendable, Equatable { case score, value }

    /// Score or value thresholds.
    public var basis: Basis
    /// The bands, best first.
    public var bands: [GradeBand]

    /// A scale from its basis and bands (validated by the YAML loader, not here).
    public init(basis: Basis = .score, bands: [GradeBand]) { self.basis = basis; self.bands = bands }

    /// 很好 ≥ 95, 较好 ≥ 80, 一般 ≥ 60, 不足 below (on the score; ours, "(default)").
    public static let defaultScore = GradeScale(basis: .score, bands: [
        GradeBand(nameZh: "很好", nameEn: "very good", min: 95),
        GradeBand(nameZh: "较好", nameEn: "good", min: 80),
        GradeBand(nameZh: "一般", nameEn: "fair", min: 60),
        GradeBand(nameZh: "不足", nameEn: "insufficient"),
    ])

    /// Index of the band reached by `score` (basis score) or `value` (basis value). O(bands).
    public func bandIndex(score: Double, value: Double) -> Int {
        let x = basis == .score ? score : value
        for (k, b) in bands.enumerated() {
            if let m = b.min, x >= m - 1e-9 { return k }
            if let m = b.max, x <= m + 1e-9 { return k }
        }
        return bands.count - 1
    }
}

/// One grade band: names and its threshold (`min` to reach it from above, or `max` from below).
public struct GradeBand: Sendable, Equatable {
    /// Chinese name (e.g. 很好).
    public var nameZh: String
    /// English name (e.g. "very good").
    public var nameEn: String
    /// Reached when the score/value ≥ `min` (1e-9 slack); nil for none.
    public var min: Double?
    /// Reached when the value ≤ `max` (1e-9 slack; basis value, lower-is-better indicators); nil for none.
    public var max: Double?
    /// A band from its names and threshold (neither threshold: a catch-all last band).
    public init(nameZh: String, nameEn: String, min: Double? = nil, max: Double? = nil) {
        self.nameZh = nameZh; self.nameEn = nameEn; self.min = min; self.max = max
    }
}
