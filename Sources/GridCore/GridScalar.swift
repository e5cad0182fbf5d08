/// The cell types a `Grid` may hold: Float32, Float64, UInt8, UInt16 and Int32.
///
/// Each converts to and from Double (the type kernels accumulate in) and is a SIMD scalar so kernels can load lanes.
public protocol GridScalar: SIMDScalar, Numeric, Comparable, Sendable, Hashable, Codable {
    /// The value as a Double (exact for every supported type).
    var doubleValue: Double { get }
    /// The nearest representable value to `d` (integers: rounded to nearest and clamped to the type's range).
    init(fromDouble d: Double)
    /// The largest finite value (used as the identity of min reductions).
    static var greatestValue: Self { get }
    /// The smallest finite value (used as the identity of max reductions).
    static var leastValue: Self { get }
}

extension Float: GridScalar {
    /// The value as a Double (exact).
    @inlinable public var doubleValue: Double { Double(self) }
    /// `d` rounded to the nearest Float (NaN stays NaN, out of range gives ±∞).
    @inlinable public init(fromDouble d: Double) { self = Float(d) }
    /// The largest finite value (identity of min reductions).
    public static var greatestValue: Float { .greatestFiniteMagnitude }
    /// The smallest finite value (identity of max reductions).
    public static var leastValue: Float { -.greatestFiniteMagnitude }
}
extension Double: GridScalar {
    /// The value as a Double (exact).
    @inlinable public var doubleValue: Double { self }
    /// `d` itself.
    @inlinable public init(fromDouble d: Double) { self = d }
    /// The largest finite value (identity of min reductions).
    public static var greatestValue: Double { .greatestFiniteMagnitude }
    /// The smallest finite value (identity of max reductions).
    public static var leastValue: Double { -.greatestFiniteMagnitude }
}
extension UInt8: GridScalar {
    /// The value as a Double (exact).
    @inlinable public var doubleValue: Double { Double(self) }
    /// `d` rounded to nearest and clamped to the type's range; NaN gives 0.
    @inlinable public init(fromDouble d: Double) { self = d.isNaN ? 0 : UInt8(Swift.min(255, Swift.max(0, d.rounded()))) }
    /// The largest finite value (identity of min reductions).
    public static var greatestValue: UInt8 { .max }
    /// The smallest finite value (identity of max reductions).
    public static var leastValue: UInt8 { .min }
}
extension UInt16: GridScalar {
    /// The value as a Double (exact).
    @inlinable public var doubleValue: Double { Double(self) }
    /// `d` rounded to nearest and clamped to the type's range; NaN gives 0.
    @inlinable public init(fromDouble d: Double) { self = d.isNaN ? 0 : UInt16(Swift.min(65535, Swift.max(0, d.rounded()))) }
    /// The largest finite value (identity of min reductions).
    public static var greatestValue: UInt16 { .max }
    /// The smallest finite value (identity of max reductions).
    public static var leastValue: UInt16 { .min }
}
extension Int32: GridScalar {
    /// The value as a Double (exact).
    @inlinable public var doubleValue: Double { Double(self) }
    /// `d` rounded to nearest and clamped to the type's range; NaN gives 0.
    @inlinable public init(fromDouble d: Double) {
        self = d.isNaN ? 0 : Int32(Swift.min(Double(Int32.max), Swift.max(Double(Int32.min), d.rounded())))
    }
    /// The largest finite value (identity of min reductions).
    public static var greatestValue: Int32 { .max }
    /// The smallest finite value (identity of max reductions).
    public static var leastValue: Int32 { .min }
}
