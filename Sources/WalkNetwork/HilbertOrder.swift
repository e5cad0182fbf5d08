/// Hilbert-curve index of a point on a 2^16 × 2^16 grid (Hilbert 1891; iterative xy→d form after Warren,
/// "Hacker's Delight", §16). Used to renumber graph nodes so that nodes close in space are close in memory, which
/// cuts cache misses in searches started from many scattered facilities at once.
///
/// Complexity: O(16) per point.
@inline(__always)
func hilbertIndex(_ xIn: UInt32, _ yIn: UInt32) -> UInt64 {
    var x = xIn, y = yIn
    var d: UInt64 = 0
    var s: UInt32 = 1 << 15
    while s > 0 {
        let rx: UInt32 = (x & s) > 0 ? 1 : 0
        let ry: UInt32 = (y & s) > 0 ? 1 : 0
        d += UInt64(s) * UInt64(s) * UInt64((3 * rx) ^ ry)
        if ry == 0 {
            if rx == 1 { x = s &* 2 &- 1 &- x; y = s &* 2 &- 1 &- y }
            swap(&x, &y)
        }
        s >>= 1
    }
    return d
}

/// A permutation of nodes in Hilbert order of their coordinates: `newId[old]`. Stable for equal keys.
func hilbertPermutation(_ pts: [SIMD2<Double>]) -> [Int32] {
    let order = hilbertPermutationInverse(pts)
    var newId = [Int32](repeating: 0, count: pts.count)
    for (rank, old) in order.enumerated() { newId[Int(old)] = Int32(rank) }
    return newId
}

/// Point indices in Hilbert order of their coordinates (`order[rank] = index`); non-finite points go last.
func hilbertPermutationInverse(_ pts: [SIMD2<Double>]) -> [Int32] {
    var lo = SIMD2<Double>(repeating: .infinity), hi = SIMD2<Double>(repeating: -.infinity)
    for p in pts where p.x.isFinite && p.y.isFinite { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
    let ext = max(hi.x - lo.x, hi.y - lo.y, 1e-9)
    let scale = 65_535 / ext
    var items = [KeyedItem]()
    items.reserveCapacity(pts.count)
    for (i, p) in pts.enumerated() {
        guard p.x.isFinite && p.y.isFinite else { items.append(KeyedItem(key: .max, payload: Int32(i))); continue }
        let x = UInt32(max(0, min(65_535, ((p.x - lo.x) * scale).rounded(.down))))
        let y = UInt32(max(0, min(65_535, ((p.y - lo.y) * scale).rounded(.down))))
        items.append(KeyedItem(key: hilbertIndex(x, y), payload: Int32(i)))
    }
    radixSortByKey(&items)
    return items.map(\.payload)
}
