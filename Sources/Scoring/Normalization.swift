/// Normalisation of an indicator value against its target to a 0–100 score (indicators.md, "Scoring").
///
/// - positive (higher is better): s = 100·min(x/T, 1), and 0 for x ≤ 0.
/// - negative (lower is better): s = 100·min(T/x, 1); x ≤ 0 scores 100 (nothing of the bad thing).
///   With T = 0 any x > 0 scores 0.
/// - range [a, b]: 100 inside; outside, linear decay reaching 0 at a distance equal to the range width w = b − a:
///   s = 100·max(0, 1 − d/w) where d is the distance to the nearer end.
/// O(1).
public enum Normalization {
    /// The 0–100 score of value `x` against `target` (formulas above). O(1).
    public static func score(_ x: Double, target: Target) -> Double {
        switch target {
        case let .higher(t):
            if x <= 0 { return 0 }
            return 100 * min(x / t, 1)
        case let .lower(t):
            if x <= 0 { return 100 }
            return 100 * min(t / x, 1)
        case let .range(a, b):
            if x >= a && x <= b { return 100 }
            let d = x < a ? a - x : x - b
            return 100 * max(0, 1 - d / (b - a))
        }
    }

    /// Traffic light of a score: green ≥ `green`, yellow ≥ `yellow`, red below (a 1e-9 slack absorbs rounding).
    public static func light(score: Double, thresholds: LightThresholds) -> Light {
        if score >= thresholds.green - 1e-9 { return .green }
        if score >= thresholds.yellow - 1e-9 { return .yellow }
        return .red
    }
}

/// Traffic light (红黄绿灯) of an indicator.
public enum Light: String, Sendable, Equatable, CaseIterable {
    /// Target met (green), close to it (yellow), or far from it (red), by ``LightThresholds``.
    case green, yellow, red
    /// Chinese name: 绿 / 黄 / 红.
    public var nameZh: String { switch self { case .green: "绿"; case .yellow: "黄"; case .red: "红" } }
}
