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
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble d: Double) { self = Float(d) }
    public static var greatestValue: Float { .greatestFiniteMagnitude }
    public static var leastValue: Float { -.greatestFiniteMagnitude }
}
extension Double: GridScalar {
    @inlinable public var doubleValue: Double { self }
    @inlinable public init(fromDouble d: Double) { self = d }
    public static var greatestValue: Double { .greatestFiniteMagnitude }
    public static var leastValue: Double { -.greatestFiniteMagnitude }
}
extension UInt8: GridScalar {
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble d: Double) { self = d.isNaN ? 0 : UInt8(Swift.min(255, Swift.max(0, d.rounded()))) }
    public static var greatestValue: UInt8 { .max }
    public static var leastValue: UInt8 { .min }
}
extension UInt16: GridScalar {
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble d: Double) { self = d.isNaN ? 0 : UInt16(Swift.min(65535, Swift.max(0, d.rounded()))) }
    public static var greatestValue: UInt16 { .max }
    public static var leastValue: UInt16 { .min }
}
extension Int32: GridScalar {
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble d: Double) {
        self = d.isNaN ? 0 : Int32(Swift.min(Double(Int32.max), Swift.max(Double(Int32.min), d.rounded())))
    }
    public static var greatestValue: Int32 { .max }
    public static var leastValue: Int32 { .min }
}
