/// Map algebra over whole grids with SIMD inner loops: sums, masked sums and means, weighted sums, thresholds to masks,
/// boolean and/or/not, min/max and counts.
///
/// Every kernel is one streaming pass, O(n), memory-bound: inner loops load 16 lanes at a time (SIMD16), 64 cells per
/// step; sums are accumulated in four Float-lane accumulators over blocks of 1024 cells and then in Double (a plain
/// Float sum stalls at 2^24), and comparisons go through Float lane masks, never UInt8 lane compares (slow here; see
/// swift-gdal-notes.md). Per-cell terms are generic structs (`LaneKernel`, `LaneCompare`) rather than closures, and the
/// comparison and the no-data test are chosen once outside the loop: closures were left as out-of-line calls, a
/// `switch` in the loop became an indirect jump, and lane-type conversions (`SIMD16<Int32>(truncatingIfNeeded:)` of
/// bytes) went out of line with stack spills; each of those cost 20–40 % of the bandwidth. Masks are
/// UInt8 grids, 1 = set, 0 = clear (any non-zero counts as set on input). No-data cells of value grids (when `noData`
/// is set) are skipped by sums, means, counts and min/max, and give 0 in thresholds. `MapAlgebra.Scalar` holds plain
/// loop twins used by tests and by the benchmark's scalar-vs-SIMD comparison.
public enum MapAlgebra {
    /// A comparison for thresholds.
    public enum Comparison: Sendable, Hashable { case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual }

    typealias V = SIMD16<Float>
    static let lanes = 16
    static let block = 1024

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }
    @inline(__always) static func loadMask(_ p: UnsafePointer<UInt8>, _ i: Int) -> SIMDMask<SIMD16<Int32>> {
        // Bytes widened to Int32 lanes and compared there: byte-lane compares are slow in Swift here. The widening
        // is written as 16 scalar loads, which LLVM turns into one vpmovzxbd; `SIMD16<Int32>(truncatingIfNeeded:)` of
        // a SIMD16<UInt8> was left as an out-of-line call with the vectors spilled to the stack (masked sum at 62 %).
        let q = p + i
        var w = SIMD16<Int32>()
        for k in 0..<16 { w[k] = Int32(q[k]) }
        return w .!= SIMD16<Int32>()
    }
    @inline(__always) static func validMask(_ v: V, _ nd: Float?) -> SIMDMask<SIMD16<Int32>> {
        guard let nd else { return SIMDMask(repeating: true) }
        if nd.isNaN { return v .== v }
        return v .!= V(repeating: nd)
    }

    static func check<A, B>(_ a: Grid<A>, _ b: Grid<B>) {
        precondition(a.geometry.rows == b.geometry.rows && a.geometry.cols == b.geometry.cols, "grids differ in shape")
    }

    // MARK: reductions

    /// Σ of all cells (no-data skipped).
    public static func sum(_ a: Grid<Float>) -> Double {
        let nd = a.noData
        return a.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return 0 }
            if let nd { return reduceSum(p.count, SumNoData(p: base, nd: nd)) }
            return reduceSum(p.count, SumAll(p: base))
        }
    }

    /// Σ of cells where `mask` is set (no-data skipped).
    public static func maskedSum(_ values: Grid<Float>, mask: Grid<UInt8>) -> Double {
        check(values, mask)
        let nd = values.noData
        return values.withUnsafeBufferPointer { p in mask.withUnsafeBufferPointer { m in
            guard let base = p.baseAddress, let mb = m.baseAddress else { return 0 }
            if let nd { return reduceSum(p.count, MaskedSumNoData(p: base, m: mb, nd: nd)) }
            return reduceSum(p.count, MaskedSum(p: base, m: mb))
        } }
    }

    /// Mean of cells where `mask` is set (no-data skipped); nil when there is none.
    public static func maskedMean(_ values: Grid<Float>, mask: Grid<UInt8>) -> Double? {
        let n = values.noData == nil ? count(mask) : countValid(values, mask: mask)
        return n == 0 ? nil : maskedSum(values, mask: mask) / Double(n)
    }

    /// Σ values × weights (e.g. population × covered fraction); cells where either is no-data are skipped.
    public static func weightedSum(_ values: Grid<Float>, weights: Grid<Float>) -> Double {
        check(values, weights)
        let n1 = values.noData, n2 = weights.noData
        return values.withUnsafeBufferPointer { p in weights.withUnsafeBufferPointer { w in
            guard let base = p.baseAddress, let wb = w.baseAddress else { return 0 }
            if n1 == nil && n2 == nil { return reduceSum(p.count, Product(p: base, w: wb)) }
            return reduceSum(p.count, ProductNoData(p: base, w: wb, n1: n1, n2: n2))
        } }
    }

    /// Σ values × (mask set): population inside a coverage mask. Same as `maskedSum`.
    public static func weightedSum(_ values: Grid<Float>, mask: Grid<UInt8>) -> Double { maskedSum(values, mask: mask) }

    /// Number of set cells of a mask.
    public static func count(_ mask: Grid<UInt8>) -> Int {
        mask.withUnsafeBufferPointer { m in
            let n = m.count, base = m.baseAddress!
            var total = 0, i = 0
            // Per-lane byte counters, flushed every 255 iterations before they can overflow.
            while i + 64 <= n {
                var acc = SIMD64<UInt8>()
                var k = 0
                while k < 255 && i + 64 <= n {
                    let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD64<UInt8>.self)
                    acc &-= unsafeBitCast(v .!= SIMD64<UInt8>(), to: SIMD64<UInt8>.self)
                    i += 64; k += 1
                }
                // Horizontal byte sums by SWAR on 8 UInt64 lanes (no lane-type conversion: those went out of line).
                var x = unsafeBitCast(acc, to: SIMD8<UInt64>.self)
                x = (x & 0x00FF_00FF_00FF_00FF) &+ ((x &>> 8) & 0x00FF_00FF_00FF_00FF)
                x = (x & 0x0000_FFFF_0000_FFFF) &+ ((x &>> 16) & 0x0000_FFFF_0000_FFFF)
                x = (x & 0x0000_0000_FFFF_FFFF) &+ (x &>> 32)
                total += Int(x.wrappedSum())
            }
            while i < n { if base[i] != 0 { total += 1 }; i += 1 }
            return total
        }
    }

    /// Number of non-no-data cells satisfying `value ⋄ t`.
    public static func count(_ a: Grid<Float>, _ op: Comparison, _ t: Float) -> Int {
        let nd = a.noData
        return Int(a.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return 0 }
            return reduceSum(p.count, CountCompare(p: base, op: op, t: t, nd: nd))
        })
    }

    static func countValid(_ values: Grid<Float>, mask: Grid<UInt8>) -> Int {
        let nd = values.noData
        return Int(values.withUnsafeBufferPointer { p in mask.withUnsafeBufferPointer { m in
            guard let base = p.baseAddress, let mb = m.baseAddress else { return 0 }
            return reduceSum(p.count, CountValid(p: base, m: mb, nd: nd))
        } })
    }

    /// Smallest and largest non-no-data cell; nil when there is none.
    public static func minMax(_ a: Grid<Float>) -> (min: Float, max: Float)? {
        let nd = a.noData
        return a.withUnsafeBufferPointer { p -> (Float, Float)? in
            let n = p.count, base = p.baseAddress!
            var lo = V(repeating: .infinity), hi = V(repeating: -.infinity)
            var i = 0
            if let nd {
                while i + lanes <= n {
                    let v = load(base, i)
                    let ok = validMask(v, nd)
                    lo.replace(with: v, where: ok .& (v .< lo))
                    hi.replace(with: v, where: ok .& (v .> hi))
                    i += lanes
                }
            } else {
                // No no-data: `v < lo` is false for NaN, so NaN cells are skipped without a mask (one vminps-like
                // compare-and-blend per bound); two accumulator pairs, 32 cells per step.
                var lo2 = lo, hi2 = hi
                while i + 2 * lanes <= n {
                    let v = load(base, i), w = load(base, i + lanes)
                    lo.replace(with: v, where: v .< lo); hi.replace(with: v, where: v .> hi)
                    lo2.replace(with: w, where: w .< lo2); hi2.replace(with: w, where: w .> hi2)
                    i += 2 * lanes
                }
                lo.replace(with: lo2, where: lo2 .< lo); hi.replace(with: hi2, where: hi2 .> hi)
                while i + lanes <= n {
                    let v = load(base, i)
                    lo.replace(with: v, where: v .< lo); hi.replace(with: v, where: v .> hi)
                    i += lanes
                }
            }
            var l = lo.min(), h = hi.max()
            while i < n { let v = base[i]; if !a.isNoData(v) && v == v { l = Swift.min(l, v); h = Swift.max(h, v) }; i += 1 }
            return l <= h ? (l, h) : nil
        }
    }

    // MARK: grid → grid

    /// 1 where `value ⋄ t` (and the cell is not no-data), else 0.
    public static func threshold(_ a: Grid<Float>, _ op: Comparison, _ t: Float) -> Grid<UInt8> {
        var out = Grid<UInt8>(uninitializedGeometry: a.geometry)
        threshold(a, op, t, into: &out)
        return out
    }

    /// 1 where `value ⋄ t` (and the cell is not no-data), else 0, written into `out` (same shape), reusing its storage.
    public static func threshold(_ a: Grid<Float>, _ op: Comparison, _ t: Float, into out: inout Grid<UInt8>) {
        check(a, out)
        let nd = a.noData
        out.withUnsafeMutableBufferPointer { o in a.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress, let ob = o.baseAddress else { return }
            // The comparison and the no-data test are chosen once, outside the loop (a `switch` per 16 lanes compiled
            // to an indirect jump in the loop); each specialisation is a straight-line loop.
            let n = p.count
            switch (op, nd) {
            case (.less, nil): thresholdLoop(base, ob, n, Cmp<IsLess>(t: t))
            case (.lessOrEqual, nil): thresholdLoop(base, ob, n, Cmp<IsLessOrEqual>(t: t))
            case (.greater, nil): thresholdLoop(base, ob, n, Cmp<IsGreater>(t: t))
            case (.greaterOrEqual, nil): thresholdLoop(base, ob, n, Cmp<IsGreaterOrEqual>(t: t))
            case (.equal, nil): thresholdLoop(base, ob, n, Cmp<IsEqual>(t: t))
            case (.notEqual, nil): thresholdLoop(base, ob, n, Cmp<IsNotEqual>(t: t))
            case (_, let nd?): thresholdLoop(base, ob, n, CmpNoData(op: op, t: t, nd: nd))
            }
        } }
    }

    /// One threshold pass: 64 cells per step, four 16-lane narrowings to bytes and 16-byte stores; tail scalar.
    @inline(__always) static func thresholdLoop<C: LaneCompare>(_ base: UnsafePointer<Float>, _ ob: UnsafeMutablePointer<UInt8>,
                                                                 _ n: Int, _ c: C) {
        @inline(__always) func bytes(_ i: Int) -> SIMD16<UInt8> {
            SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>().replacing(with: 1, where: c.lanes(load(base, i))))
        }
        var i = 0
        while i + 4 * lanes <= n {
            let o = UnsafeMutableRawPointer(ob + i)
            o.storeBytes(of: bytes(i), as: SIMD16<UInt8>.self)
            o.storeBytes(of: bytes(i + lanes), toByteOffset: 16, as: SIMD16<UInt8>.self)
            o.storeBytes(of: bytes(i + 2 * lanes), toByteOffset: 32, as: SIMD16<UInt8>.self)
            o.storeBytes(of: bytes(i + 3 * lanes), toByteOffset: 48, as: SIMD16<UInt8>.self)
            i += 4 * lanes
        }
        while i + lanes <= n { UnsafeMutableRawPointer(ob + i).storeBytes(of: bytes(i), as: SIMD16<UInt8>.self); i += lanes }
        while i < n { ob[i] = c.holds(base[i]) ? 1 : 0; i += 1 }
    }

    /// Boolean operators on masks.
    public enum Logic: Sendable { case and, or, andNot, not }

    /// Cell-wise a AND b (1/0).
    public static func and(_ a: Grid<UInt8>, _ b: Grid<UInt8>) -> Grid<UInt8> { logic(.and, a, b) }
    /// Cell-wise a OR b (1/0).
    public static func or(_ a: Grid<UInt8>, _ b: Grid<UInt8>) -> Grid<UInt8> { logic(.or, a, b) }
    /// Cell-wise NOT a (1/0).
    public static func not(_ a: Grid<UInt8>) -> Grid<UInt8> { logic(.not, a, a) }
    /// Cell-wise a AND NOT b (1/0), e.g. "residential and not covered".
    public static func andNot(_ a: Grid<UInt8>, _ b: Grid<UInt8>) -> Grid<UInt8> { logic(.andNot, a, b) }

    /// `op(a, b)` as a new mask.
    public static func logic(_ op: Logic, _ a: Grid<UInt8>, _ b: Grid<UInt8>) -> Grid<UInt8> {
        var out = Grid<UInt8>(uninitializedGeometry: a.geometry)
        logic(op, a, b, into: &out)
        return out
    }

    /// `op(a, b)` written into `out` (same shape), reusing its storage. Any non-zero input byte counts as set.
    public static func logic(_ op: Logic, _ a: Grid<UInt8>, _ b: Grid<UInt8>, into out: inout Grid<UInt8>) {
        check(a, b); check(a, out)
        out.withUnsafeMutableBufferPointer { o in a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            let n = o.count, ob = o.baseAddress!, ab = pa.baseAddress!, bb = pb.baseAddress!
            // 64 bytes as 8 UInt64 lanes; norm folds each byte's bits into its lowest bit (shifts by < 8 keep
            // bit 0 of every byte within that byte), giving 1/0 bytes without byte-lane compares.
            typealias B = SIMD8<UInt64>
            let one = B(repeating: 0x0101_0101_0101_0101)
            @inline(__always) func norm(_ x: B) -> B {
                var t = x | (x &>> 4)
                t |= t &>> 2
                t |= t &>> 1
                return t & one
            }
            var i = 0
            switch op {
            case .and:
                while i + 64 <= n {
                    let x = UnsafeRawPointer(ab + i).loadUnaligned(as: B.self), y = UnsafeRawPointer(bb + i).loadUnaligned(as: B.self)
                    UnsafeMutableRawPointer(ob + i).storeBytes(of: norm(x) & norm(y), as: B.self); i += 64
                }
            case .or:
                while i + 64 <= n {
                    let x = UnsafeRawPointer(ab + i).loadUnaligned(as: B.self), y = UnsafeRawPointer(bb + i).loadUnaligned(as: B.self)
                    UnsafeMutableRawPointer(ob + i).storeBytes(of: norm(x | y), as: B.self); i += 64
                }
            case .andNot:
                while i + 64 <= n {
                    let x = UnsafeRawPointer(ab + i).loadUnaligned(as: B.self), y = UnsafeRawPointer(bb + i).loadUnaligned(as: B.self)
                    UnsafeMutableRawPointer(ob + i).storeBytes(of: norm(x) & (norm(y) ^ one), as: B.self); i += 64
                }
            case .not:
                while i + 64 <= n {
                    let x = UnsafeRawPointer(ab + i).loadUnaligned(as: B.self)
                    UnsafeMutableRawPointer(ob + i).storeBytes(of: norm(x) ^ one, as: B.self); i += 64
                }
            }
            while i < n {
                let x = ab[i] != 0, y = bb[i] != 0
                let r: Bool
                switch op { case .and: r = x && y; case .or: r = x || y; case .andNot: r = x && !y; case .not: r = !x }
                ob[i] = r ? 1 : 0; i += 1
            }
        } } }
    }

    /// Cell-wise minimum of two grids (no-data of either gives the other's value).
    public static func minimum(_ a: Grid<Float>, _ b: Grid<Float>) -> Grid<Float> { elementwise(a, b, { x, y in x.replacing(with: y, where: y .< x) }, Swift.min) }
    /// Cell-wise maximum of two grids (no-data of either gives the other's value).
    public static func maximum(_ a: Grid<Float>, _ b: Grid<Float>) -> Grid<Float> { elementwise(a, b, { x, y in x.replacing(with: y, where: y .> x) }, Swift.max) }

    static func elementwise(_ a: Grid<Float>, _ b: Grid<Float>, _ op: (V, V) -> V, _ sop: (Float, Float) -> Float) -> Grid<Float> {
        check(a, b)
        var out = Grid<Float>(uninitializedGeometry: a.geometry, noData: a.noData)
        let na = a.noData, nb = b.noData
        out.withUnsafeMutableBufferPointer { o in a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            let n = o.count
            var i = 0
            while i + lanes <= n {
                let x = load(pa.baseAddress!, i), y = load(pb.baseAddress!, i)
                let vx = validMask(x, na), vy = validMask(y, nb)
                var r = op(x, y)
                r.replace(with: y, where: .!vx)
                r.replace(with: x, where: .!vy .& vx)
                UnsafeMutableRawPointer(o.baseAddress! + i).storeBytes(of: r, as: V.self)
                i += lanes
            }
            while i < n {
                let x = pa[i], y = pb[i]
                o[i] = a.isNoData(x) ? y : (b.isNoData(y) ? x : sop(x, y)); i += 1
            }
        } } }
        return out
    }

    // MARK: helpers

    @inline(__always) static func compare(_ v: V, _ op: Comparison, _ t: Float) -> SIMDMask<SIMD16<Int32>> {
        let tv = V(repeating: t)
        switch op {
        case .less: return v .< tv
        case .lessOrEqual: return v .<= tv
        case .greater: return v .> tv
        case .greaterOrEqual: return v .>= tv
        case .equal: return v .== tv
        case .notEqual: return v .!= tv
        }
    }

    /// Σ over 16-lane chunks (`k.lanes(i)`), four accumulators (64 cells per step) in Float lanes per 1024-cell
    /// block, Double across blocks; tail by `k.scalar(i)`. Generic over the kernel (a struct, always specialised and
    /// inlined): an earlier closure-taking version left each 16-lane chunk as an out-of-line closure call (sum at 75 %
    /// of triad, masked sum 62 %).
    @inline(__always) static func reduceSum<K: LaneKernel>(_ n: Int, _ k: K) -> Double {
        var total = 0.0
        var i = 0
        let full = n - n % block
        while i < full {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            let end = i + block
            while i < end {
                a0 += k.lanes(i); a1 += k.lanes(i + lanes); a2 += k.lanes(i + 2 * lanes); a3 += k.lanes(i + 3 * lanes)
                i += 4 * lanes
            }
            total += Double(((a0 + a1) + (a2 + a3)).sum())
        }
        var acc = V()
        while i + lanes <= n { acc += k.lanes(i); i += lanes }
        total += Double(acc.sum())
        while i < n { total += Double(k.scalar(i)); i += 1 }
        return total
    }
}

/// A per-cell term of a `MapAlgebra.reduceSum`: 16 lanes at `i`, or one cell.
protocol LaneKernel {
    func lanes(_ i: Int) -> MapAlgebra.V
    func scalar(_ i: Int) -> Float
}

extension MapAlgebra {
    struct SumAll: LaneKernel {
        let p: UnsafePointer<Float>
        @inline(__always) func lanes(_ i: Int) -> V { load(p, i) }
        @inline(__always) func scalar(_ i: Int) -> Float { p[i] }
    }
    struct SumNoData: LaneKernel {
        let p: UnsafePointer<Float>, nd: Float
        @inline(__always) func lanes(_ i: Int) -> V { let v = load(p, i); return v.replacing(with: 0, where: .!validMask(v, nd)) }
        @inline(__always) func scalar(_ i: Int) -> Float { let v = p[i]; return v == nd || (v != v && nd != nd) ? 0 : v }
    }
    struct MaskedSum: LaneKernel {
        let p: UnsafePointer<Float>, m: UnsafePointer<UInt8>
        @inline(__always) func lanes(_ i: Int) -> V { load(p, i).replacing(with: 0, where: .!loadMask(m, i)) }
        @inline(__always) func scalar(_ i: Int) -> Float { m[i] != 0 ? p[i] : 0 }
    }
    struct MaskedSumNoData: LaneKernel {
        let p: UnsafePointer<Float>, m: UnsafePointer<UInt8>, nd: Float
        @inline(__always) func lanes(_ i: Int) -> V {
            let v = load(p, i); return v.replacing(with: 0, where: .!(loadMask(m, i) .& validMask(v, nd)))
        }
        @inline(__always) func scalar(_ i: Int) -> Float { let v = p[i]; return m[i] != 0 && !(v == nd || (v != v && nd != nd)) ? v : 0 }
    }
    struct Product: LaneKernel {
        let p: UnsafePointer<Float>, w: UnsafePointer<Float>
        @inline(__always) func lanes(_ i: Int) -> V { load(p, i) * load(w, i) }
        @inline(__always) func scalar(_ i: Int) -> Float { p[i] * w[i] }
    }
    struct ProductNoData: LaneKernel {
        let p: UnsafePointer<Float>, w: UnsafePointer<Float>, n1: Float?, n2: Float?
        @inline(__always) func lanes(_ i: Int) -> V {
            let v = load(p, i), x = load(w, i)
            return (v * x).replacing(with: 0, where: .!(validMask(v, n1) .& validMask(x, n2)))
        }
        @inline(__always) func scalar(_ i: Int) -> Float { Scalar.isND(p[i], n1) || Scalar.isND(w[i], n2) ? 0 : p[i] * w[i] }
    }
    struct CountCompare: LaneKernel {
        let p: UnsafePointer<Float>, op: Comparison, t: Float, nd: Float?
        @inline(__always) func lanes(_ i: Int) -> V {
            let v = load(p, i)
            return V(repeating: 1).replacing(with: 0, where: .!(compare(v, op, t) .& validMask(v, nd)))
        }
        @inline(__always) func scalar(_ i: Int) -> Float { !Scalar.isND(p[i], nd) && Scalar.holds(p[i], op, t) ? 1 : 0 }
    }
    struct CountValid: LaneKernel {
        let p: UnsafePointer<Float>, m: UnsafePointer<UInt8>, nd: Float?
        @inline(__always) func lanes(_ i: Int) -> V {
            let v = load(p, i)
            return V(repeating: 1).replacing(with: 0, where: .!(loadMask(m, i) .& validMask(v, nd)))
        }
        @inline(__always) func scalar(_ i: Int) -> Float { m[i] != 0 && !Scalar.isND(p[i], nd) ? 1 : 0 }
    }
}

extension MapAlgebra {
    /// Plain scalar loops: the reference twins of the SIMD kernels (tests, benchmark baselines).
    public enum Scalar {
        /// True when `v` is the no-data value `nd` (NaN matches NaN), as `Grid.isNoData`.
        @inline(__always) static func isND(_ v: Float, _ nd: Float?) -> Bool {
            guard let nd else { return false }
            return v == nd || (v != v && nd != nd)
        }
        @inline(__always) static func holds(_ v: Float, _ op: Comparison, _ t: Float) -> Bool {
            switch op {
            case .less: return v < t
            case .lessOrEqual: return v <= t
            case .greater: return v > t
            case .greaterOrEqual: return v >= t
            case .equal: return v == t
            case .notEqual: return v != t
            }
        }
        /// Σ of the valid (not no-data) cells, accumulated in Double. Complexity: O(cells).
        public static func sum(_ a: Grid<Float>) -> Double {
            a.withUnsafeBufferPointer { p in var s = 0.0; for v in p where !a.isNoData(v) { s += Double(v) }; return s }
        }
        /// Σ of the valid cells where `mask` is set (non-zero); grids of equal shape. Complexity: O(cells).
        public static func maskedSum(_ a: Grid<Float>, mask: Grid<UInt8>) -> Double {
            a.withUnsafeBufferPointer { p in mask.withUnsafeBufferPointer { m in
                var s = 0.0
                for i in 0..<p.count where m[i] != 0 && !a.isNoData(p[i]) { s += Double(p[i]) }
                return s
            } }
        }
        /// Σ value × weight over cells where both are valid; grids of equal shape. Complexity: O(cells).
        public static func weightedSum(_ a: Grid<Float>, weights w: Grid<Float>) -> Double {
            a.withUnsafeBufferPointer { p in w.withUnsafeBufferPointer { q in
                var s = 0.0
                for i in 0..<p.count where !a.isNoData(p[i]) && !w.isNoData(q[i]) { s += Double(p[i] * q[i]) }
                return s
            } }
        }
        /// Number of set (non-zero) cells. Complexity: O(cells).
        public static func count(_ m: Grid<UInt8>) -> Int {
            m.withUnsafeBufferPointer { p in var c = 0; for v in p where v != 0 { c += 1 }; return c }
        }
        /// 1 where the cell is valid and `cell op t` holds, else 0 (no-data gives 0). Complexity: O(cells).
        public static func threshold(_ a: Grid<Float>, _ op: Comparison, _ t: Float) -> Grid<UInt8> {
            var out = Grid<UInt8>(geometry: a.geometry)
            out.withUnsafeMutableBufferPointer { o in a.withUnsafeBufferPointer { p in
                for i in 0..<p.count { o[i] = (!a.isNoData(p[i]) && holds(p[i], op, t)) ? 1 : 0 }
            } }
            return out
        }
        /// Smallest and largest valid, non-NaN value; nil when there is none. Complexity: O(cells).
        public static func minMax(_ a: Grid<Float>) -> (min: Float, max: Float)? {
            a.withUnsafeBufferPointer { p -> (Float, Float)? in
                var l = Float.infinity, h = -Float.infinity
                for v in p where !a.isNoData(v) && v == v { l = Swift.min(l, v); h = Swift.max(h, v) }
                return l <= h ? (l, h) : nil
            }
        }
        /// 1 where both masks are set, else 0; grids of equal shape. Complexity: O(cells).
        public static func and(_ a: Grid<UInt8>, _ b: Grid<UInt8>) -> Grid<UInt8> {
            var out = Grid<UInt8>(geometry: a.geometry)
            out.withUnsafeMutableBufferPointer { o in a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
                for i in 0..<o.count { o[i] = (x[i] != 0 && y[i] != 0) ? 1 : 0 }
            } } }
            return out
        }
    }
}

/// A threshold test on 16 lanes and on one cell (no-data cells fail), for `MapAlgebra.thresholdLoop`.
protocol LaneCompare {
    func lanes(_ v: MapAlgebra.V) -> SIMDMask<SIMD16<Int32>>
    func holds(_ v: Float) -> Bool
}
/// A comparison fixed at compile time.
protocol FixedComparison { static var op: MapAlgebra.Comparison { get } }
enum IsLess: FixedComparison { static var op: MapAlgebra.Comparison { .less } }
enum IsLessOrEqual: FixedComparison { static var op: MapAlgebra.Comparison { .lessOrEqual } }
enum IsGreater: FixedComparison { static var op: MapAlgebra.Comparison { .greater } }
enum IsGreaterOrEqual: FixedComparison { static var op: MapAlgebra.Comparison { .greaterOrEqual } }
enum IsEqual: FixedComparison { static var op: MapAlgebra.Comparison { .equal } }
enum IsNotEqual: FixedComparison { static var op: MapAlgebra.Comparison { .notEqual } }

/// `value ⋄ t` with ⋄ fixed by the type (the switch folds away after specialisation), no no-data value.
struct Cmp<O: FixedComparison>: LaneCompare {
    let t: Float
    @inline(__always) func lanes(_ v: MapAlgebra.V) -> SIMDMask<SIMD16<Int32>> { MapAlgebra.compare(v, O.op, t) }
    @inline(__always) func holds(_ v: Float) -> Bool { MapAlgebra.Scalar.holds(v, O.op, t) }
}
/// `value ⋄ t` and value ≠ no-data (NaN no-data excludes NaN cells).
struct CmpNoData: LaneCompare {
    let op: MapAlgebra.Comparison, t: Float, nd: Float
    @inline(__always) func lanes(_ v: MapAlgebra.V) -> SIMDMask<SIMD16<Int32>> { MapAlgebra.compare(v, op, t) .& MapAlgebra.validMask(v, nd) }
    @inline(__always) func holds(_ v: Float) -> Bool { !MapAlgebra.Scalar.isND(v, nd) && MapAlgebra.Scalar.holds(v, op, t) }
}
