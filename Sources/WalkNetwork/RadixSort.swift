/// LSD radix sort of (UInt64 key, Int32 payload) pairs by key, stable, 16-bit digits; digits equal across all keys
/// are skipped.
///
/// Complexity: O(d·(n + 65,536)) for the d ≤ 4 varying digits; 2 × 16 B × n scratch. Used to group equal vertex keys
/// when building the graph (faster than a comparison sort for millions of vertices).
struct KeyedItem {
    var key: UInt64
    var payload: Int32
}

func radixSortByKey(_ items: inout [KeyedItem]) {
    let n = items.count
    guard n > 1 else { return }
    var orAll: UInt64 = 0, andAll: UInt64 = ~0
    for it in items { orAll |= it.key; andAll &= it.key }
    let varying = orAll ^ andAll
    var scratch = [KeyedItem](repeating: KeyedItem(key: 0, payload: 0), count: n)
    var count = [Int](repeating: 0, count: 65_537)
    for pass in 0 ..< 4 {
        let shift = UInt64(pass * 16)
        if (varying >> shift) & 0xFFFF == 0 { continue }
        for i in 0 ..< count.count { count[i] = 0 }
        items.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { dst in
                count.withUnsafeMutableBufferPointer { c in
                    for i in 0 ..< n { c[Int((src[i].key >> shift) & 0xFFFF) + 1] += 1 }
                    for d in 0 ..< 65_536 { c[d + 1] += c[d] }
                    for i in 0 ..< n {
                        let d = Int((src[i].key >> shift) & 0xFFFF)
                        dst[c[d]] = src[i]
                        c[d] += 1
                    }
                }
            }
        }
        swap(&items, &scratch)
    }
}
