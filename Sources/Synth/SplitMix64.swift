/// SplitMix64 pseudo-random generator and a counter-based hash, the only randomness Synth uses.
///
/// Steele, Lea & Flood, "Fast splittable pseudorandom number generators" (OOPSLA 2014); constants as in Vigna's
/// reference `splitmix64.c`. Every random decision is drawn from a generator seeded by `SynthHash.key(seed, ids…)`,
/// i.e. it is a pure function of the city seed and the element's ids (sector, cell, plot…). Nothing depends on
/// iteration order of hashed collections or on `SystemRandomNumberGenerator`, so the same seed gives the same bytes,
/// and any part of the city can be regenerated alone (the generator makes several passes over the layout).
/// Complexity: O(1) per draw.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Uniform in [lo, hi).
    @inlinable public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }
    /// Uniform integer in lo...hi (inclusive), by multiply-shift (Lemire); bias < 2⁻³² for the small ranges used here.
    @inlinable public mutating func int(_ lo: Int, _ hi: Int) -> Int {
        let span = UInt64(hi - lo + 1)
        return lo + Int((next() >> 32) &* span >> 32)
    }
    /// True with probability p.
    @inlinable public mutating func chance(_ p: Double) -> Bool { unit() < p }
    /// Index drawn from non-negative weights (which need not sum to 1).
    @inlinable public mutating func pick(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var r = unit() * total
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }
    /// Approximately normal (Irwin–Hall sum of 4 uniforms), mean 0, standard deviation 1.
    @inlinable public mutating func gaussian() -> Double {
        (unit() + unit() + unit() + unit() - 2.0) * 1.7320508075688772
    }
}

/// Mixing of ids into generator seeds (the SplitMix64 finaliser applied in a chain).
public enum SynthHash {
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A key from the seed, a purpose tag and up to four ids.
    @inlinable public static func key(_ seed: UInt64, _ tag: UInt64, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0) -> UInt64 {
        var h = mix(seed ^ 0x5EED_C17E)
        h = mix(h ^ tag)
        h = mix(h ^ UInt64(bitPattern: Int64(a)))
        h = mix(h ^ UInt64(bitPattern: Int64(b)))
        h = mix(h ^ UInt64(bitPattern: Int64(c)))
        h = mix(h ^ UInt64(bitPattern: Int64(d)))
        return h
    }
    /// A generator for one element.
    @inlinable public static func rng(_ seed: UInt64, _ tag: UInt64, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0) -> SplitMix64 {
        SplitMix64(seed: key(seed, tag, a, b, c, d))
    }
}

/// Purpose tags, so that draws for different concerns never share a stream.
enum Tag {
    static let city: UInt64 = 1, sector: UInt64 = 2, cell: UInt64 = 3, link: UInt64 = 4, plot: UInt64 = 5
    static let facility: UInt64 = 6, pipe: UInt64 = 7, river: UInt64 = 8, name: UInt64 = 9, attrs: UInt64 = 10
}
