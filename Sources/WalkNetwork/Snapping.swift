import GridCore

/// Snapping points to the nearest point on the nearest edge, with the island-component rule.
///
/// Rule (issue 5, item 2): find the nearest edge within `maxSnap`. If it lies on the largest component, snap there
/// (`.main`). If it lies on a smaller component and some edge of the largest component is within `maxSnap`, snap to the
/// nearest such edge instead (`.movedToMain`); otherwise stay on the island (`.island`). Nothing within `maxSnap`:
/// `.failed` (edge -1, NaN offset and leg) — such points must be reported, never given a distance.
///
/// Complexity: O(1) expected per point with the grid index; the batch call runs chunks on all cores.
extension EdgeSegmentIndex {
    /// Snaps one point (`.failed` position when no edge lies within `options.maxSnap`). O(1) expected.
    public func snap(_ p: SIMD2<Double>, options: SnapOptions = SnapOptions()) -> EdgePosition {
        withPointers { snap(p, options: options, $0) }
    }

    @inline(__always) func snap(_ p: SIMD2<Double>, options: SnapOptions, _ ptr: Pointers) -> EdgePosition {
        let want = options.preferLargestComponent ? graph.largestComponent : -1
        let hit = nearest(p, maxDistance: options.maxSnap, wantComponent: want, ptr)
        guard hit.all.seg >= 0 else { return .failed }
        let comp = ptr.segComp[Int(hit.all.seg)]
        if want < 0 || comp == want {
            return position(seg: hit.all.seg, t: hit.all.t, d2: hit.all.d2,
                            status: comp == graph.largestComponent ? .main : .island)
        }
        if hit.want.seg >= 0 { return position(seg: hit.want.seg, t: hit.want.t, d2: hit.want.d2, status: .movedToMain) }
        return position(seg: hit.all.seg, t: hit.all.t, d2: hit.all.d2, status: .island)
    }

    /// Snaps many points in parallel (`threads` workers, nil = all cores); positions are in input order.
    ///
    /// Points are processed in Hilbert order of their location (one radix sort) so that consecutive queries touch the
    /// same index cells and edges, which keeps them in cache. Complexity: O(n) for the sort and O(1) expected per
    /// point.
    public func snap(_ points: [SIMD2<Double>], options: SnapOptions = SnapOptions(), threads: Int? = nil) -> SnapBatch {
        let n = points.count
        var out = [EdgePosition](repeating: .failed, count: n)
        let order = hilbertPermutationInverse(points)
        let chunk = 8192
        let chunks = (n + chunk - 1) / chunk
        out.withUnsafeMutableBufferPointer { dst in
            let dstBase = SendablePointer(dst.baseAddress)
            points.withUnsafeBufferPointer { src in
                let srcBase = SendablePointer(UnsafeMutablePointer(mutating: src.baseAddress))
                order.withUnsafeBufferPointer { ord in
                    let ordBase = SendablePointer(UnsafeMutablePointer(mutating: ord.baseAddress))
                    Parallel.forEach(chunks, threads: threads) { c in
                        let lo = c * chunk, hi = min(n, lo + chunk)
                        self.withPointers { ptr in
                            for r in lo ..< hi {
                                let i = Int(ordBase.value![r])
                                dstBase.value![i] = self.snap(srcBase.value![i], options: options, ptr)
                            }
                        }
                    }
                }
            }
        }
        var batch = SnapBatch(positions: [], onMain: 0, movedToMain: 0, onIsland: 0, failedIndices: [])
        for i in 0 ..< n {
            switch out[i].status {
            case .main: batch.onMain += 1
            case .movedToMain: batch.onMain += 1; batch.movedToMain += 1
            case .island: batch.onIsland += 1
            case .failed: batch.failedIndices.append(i)
            }
        }
        batch.positions = out
        return batch
    }
}
