import GridCore

/// The curve "sites → coverage": the covered weight after each rank, summed exactly as the walk coverage indicator
/// sums it (`num += w` for every covered origin, in origin order, in `Double`), so that every rank's share is the
/// indicator's value with those sites built, bit for bit.
///
/// Two ways, chosen per call, give the same bits:
/// - **exact sums** (O(origins + newly covered origins)): when every weight is a non-negative multiple of 2^−q and the
///   total is below 2^(53 − q) (integer residents, or the `buildings` weighting), every partial sum in any order is a
///   representable `Double`, so no addition rounds and the rank-r numerator is the rank-(r−1) one plus the weight the
///   rank newly covers;
/// - **ordered sums, many ranks at once** (O(origins × ranks / 8)): otherwise (fractional residents, floor areas) each
///   rank's numerator is the indicator's ordered sum itself, eight ranks per pass over the origins in eight running
///   sums (each the same additions in the same order as the indicator; an origin not yet covered at a lane's rank
///   adds +0, which leaves a non-negative sum unchanged), and the passes run on all cores.
public enum CoverageCurve {
    /// `never`: an origin no site covers.
    public static let never = Int32.max

    /// Per rank r = 0 ..< `ranks`: the indicator's numerator Σ w[k] over the origins k with `firstRank[k]` ≤ r, in
    /// origin order (`firstRank` −1: covered before any site; `never`: never covered), and the denominator Σ w[k].
    /// Weights must be finite and non-negative (precondition).
    public static func numerators(weights w: [Double], firstRank: [Int32], ranks: Int, threads: Int? = nil) -> (num: [Double], den: Double, exact: Bool) {
        precondition(w.count == firstRank.count, "one rank per origin")
        var den = 0.0
        for x in w { den += x }
        guard ranks > 0 else { return ([], den, true) }
        if exactlySummable(w, total: den) {
            var byRank = [Double](repeating: 0, count: ranks)
            var base = 0.0
            for (k, r) in firstRank.enumerated() {
                if r < 0 { base += w[k] } else if r < Int32(ranks) { byRank[Int(r)] += w[k] }
            }
            var num = [Double](repeating: 0, count: ranks)
            var s = base
            for r in 0 ..< ranks { s += byRank[r]; num[r] = s }
            return (num, den, true)
        }
        // Only origins covered at some rank take part (the others add +0 in every lane).
        var idx: [Int32] = []
        for (k, r) in firstRank.enumerated() where r < Int32(ranks) { idx.append(Int32(k)) }
        let ws = idx.map { w[Int($0)] }, rs = idx.map { Int64(firstRank[Int($0)]) }
        let lanes = 8
        let blocks = (ranks + lanes - 1) / lanes
        var num = [Double](repeating: 0, count: blocks * lanes)
        num.withUnsafeMutableBufferPointer { out in
            let outP = UncheckedSendable(out.baseAddress!)
            let shared = UncheckedSendable((ws, rs))
            Parallel.forEach(blocks, threads: threads) { b in
                let (ws, rs) = shared.value
                // Eight independent running sums (one per rank of the block), each the indicator's ordered sum.
                let r0 = Int64(b * lanes)
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
                ws.withUnsafeBufferPointer { wp in
                    rs.withUnsafeBufferPointer { rp in
                        for j in 0 ..< wp.count {
                            let x = wp[j], d = rp[j] - r0   // lane l covers the origin when d ≤ l
                            s0 += d <= 0 ? x : 0; s1 += d <= 1 ? x : 0; s2 += d <= 2 ? x : 0; s3 += d <= 3 ? x : 0
                            s4 += d <= 4 ? x : 0; s5 += d <= 5 ? x : 0; s6 += d <= 6 ? x : 0; s7 += d <= 7 ? x : 0
                        }
                    }
                }
                let o = outP.value + b * lanes
                o[0] = s0; o[1] = s1; o[2] = s2; o[3] = s3; o[4] = s4; o[5] = s5; o[6] = s6; o[7] = s7
            }
        }
        return (Array(num.prefix(ranks)), den, false)
    }

    /// Whether every partial sum of `w` (in any order) is exact: all weights non-negative multiples of 2^−q with the
    /// total below 2^(53 − q), q the most fractional bits among them.
    public static func exactlySummable(_ w: [Double], total: Double) -> Bool {
        var q = 0
        for x in w {
            guard x.isFinite, x >= 0 else { return false }
            if x == 0 { continue }
            // x = m · 2^(e − 52) with m the 53-bit significand: fractional bits = 52 − e − trailing zeros of m.
            let m: UInt64 = x.isNormal ? (x.significandBitPattern | (1 << 52)) : x.significandBitPattern
            let e = x.isNormal ? Int(x.exponent) : -1022
            q = max(q, 52 - e - m.trailingZeroBitCount)
            if q > 1074 { return false }
        }
        return total.isFinite && total * Double(sign: .plus, exponent: q, significand: 1) < 9_007_199_254_740_992   // 2^53
    }
}
