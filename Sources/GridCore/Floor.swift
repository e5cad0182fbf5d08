/// Floor without SSE4.1: the x86-64 baseline (SSE2) has no rounding instruction, so `Double.rounded(.down)` becomes
/// a call to libm's `floor` in every hot loop of the default build (171 call sites in cimbase-bench; the
/// -march=native build uses `roundsd`). Truncation (`cvttsd2si`, SSE2; `fcvtzs` on aarch64) and a correction is exact
/// for |x| < 2^52, and larger doubles are already whole (NaN and ±∞ pass through). O(1), branch-light.
@inlinable @inline(__always)
func floorFast(_ x: Double) -> Double {
    guard abs(x) < 4_503_599_627_370_496 else { return x }
    let t = Double(Int64(x))
    return t > x ? t - 1 : t
}
