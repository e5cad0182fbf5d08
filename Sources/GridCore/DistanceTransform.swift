/// Exact Euclidean distance transform of a source mask, in world units, with an optional maximum distance.
///
/// Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", Theory of Computing 8 (2012): separable,
/// linear time. Phase 1 (columns) computes each cell's vertical distance in cells to the nearest source of its column
/// with two row-order sweeps (streaming, vectorised across columns). Phase 2 (rows, parallel over cores) takes the
/// lower envelope of the parabolas (x − q)²·dx² + (g(q)·dy)² and samples it. Anisotropic cells (dx ≠ dy) are exact.
/// With `maxDistance` parabolas whose apex is already beyond it are dropped and rows without any are filled at once;
/// cells farther than it get +∞. Squared distances are exact in Double for integer cell sizes, so results equal a
/// brute-force minimum. Time O(rows·cols); memory: the output grid plus per-thread row buffers.
public enum DistanceTransform {
    /// Distance from each cell centre to the nearest source cell centre (cells with `sources` ≠ 0), in world units.
    /// Cells farther than `maxDistance` (or all cells when there is no source) hold +∞, which is also `noData`.
    public static func euclidean(sources: Grid<UInt8>, maxDistance: Double? = nil) -> Grid<Float> {
        let g = sources.geometry
        var out = Grid<Float>(uninitializedGeometry: g, noData: .infinity)   // phase 1 writes every cell
        out.withUnsafeMutableBufferPointer { prefault($0) }
        // In place: each row holds column distances on entry and distances on exit.
        euclidean(sources: sources, maxDistance: maxDistance, into: &out)
        return out
    }

    /// As `euclidean(sources:maxDistance:)`, written into `output` (same shape as `sources`), reusing its storage:
    /// no allocation and no first-touch page faults when called repeatedly. Sets `output.noData` to +∞.
    public static func euclidean(sources: Grid<UInt8>, maxDistance: Double? = nil, into output: inout Grid<Float>) {
        let g = sources.geometry
        precondition(output.rows == g.rows && output.cols == g.cols, "output differs in shape from sources")
        output.noData = .infinity
        guard g.cellCount > 0 else { return }
        let integral = g.dx == g.dx.rounded() && g.dy == g.dy.rounded()
        output.withUnsafeMutableBufferPointer { o in
            sources.withUnsafeBufferPointer { s in columnPass(s, o, g) }
            rowPass(g, UncheckedSendable(o.baseAddress!), maxDistance, .distance(o.baseAddress!, integral: integral))
        }
    }

    /// A mask (1/0) of the cells within `distance` (world units, inclusive) of any source cell.
    /// Uses one temporary grid of column distances besides the output: UInt16 (saturating just beyond the distance)
    /// when `distance / dy` < 65532 cells, else Float.
    public static func within(sources: Grid<UInt8>, distance: Double) -> Grid<UInt8> {
        let g = sources.geometry
        guard g.cellCount > 0, distance >= 0, !distance.isNaN else { return Grid<UInt8>(geometry: g) }
        var out = Grid<UInt8>(uninitializedGeometry: g)   // phase 2 writes every cell
        // +2 (not +1) so that cap·dy exceeds the distance even when distance/dy rounds down across an integer.
        let capCells = (distance / g.dy).rounded(.down) + 2
        if capCells < 65534 {
            var tmp = Grid<UInt16>(uninitializedGeometry: g)   // phase 1 writes every cell
            let cap = UInt16(capCells)
            tmp.withUnsafeMutableBufferPointer { t in
                sources.withUnsafeBufferPointer { s in columnPassSaturating(s, t, g, cap: cap) }
                out.withUnsafeMutableBufferPointer { o in
                    rowPass(g, UncheckedSendable(t.baseAddress!), distance, .mask(o.baseAddress!))
                }
            }
            return out
        }
        var tmp = Grid<Float>(uninitializedGeometry: g)   // phase 1 writes every cell
        tmp.withUnsafeMutableBufferPointer { t in
            sources.withUnsafeBufferPointer { s in columnPass(s, t, g) }
            out.withUnsafeMutableBufferPointer { o in
                rowPass(g, UncheckedSendable(t.baseAddress!), distance, .mask(o.baseAddress!))
            }
        }
        return out
    }

    /// Touches one element per 4 KiB page of a fresh buffer from all cores, so the first-touch page faults (a large
    /// share of a single pass over a new 400 MB grid) are taken in parallel rather than by the serial column pass.
    static func prefault<T>(_ b: UnsafeMutableBufferPointer<T>) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        let step = Swift.max(1, 4096 / MemoryLayout<T>.stride)
        let pages = (b.count + step - 1) / step
        let p = UncheckedSendable(UnsafeMutableRawPointer(base)), stride = MemoryLayout<T>.stride
        Parallel.forEachChunk(count: pages, chunks: 8) { range in
            for i in range { p.value.storeBytes(of: 0, toByteOffset: i * step * stride, as: UInt8.self) }
        }
    }

    /// What phase 2 writes.
    enum RowOutput {
        /// Float distances (+∞ beyond the max); `integral` when both cell sizes are integers (Float root shortcut).
        case distance(UnsafeMutablePointer<Float>, integral: Bool)
        /// 1 within the max distance, else 0.
        case mask(UnsafeMutablePointer<UInt8>)
    }

    /// Serial on purpose: it is memory-bound and first touches the output, and splitting it over threads was
    /// measured slower here (page faults contend on the address-space lock).
    static func columnPass(_ s: UnsafeBufferPointer<UInt8>, _ o: UnsafeMutableBufferPointer<Float>, _ g: GridGeometry) {
        let cols = g.cols, rows = g.rows
        let sp = s.baseAddress!, op = o.baseAddress!
        // Top-down.
        for c in 0..<cols { op[c] = sp[c] != 0 ? 0 : .infinity }
        var r = 1
        while r < rows {
            let src = sp + r * cols, cur = op + r * cols, prev = cur - cols
            for c in 0..<cols { let v = prev[c] + 1; cur[c] = src[c] != 0 ? 0 : v }
            r += 1
        }
        // Bottom-up.
        r = rows - 2
        while r >= 0 {
            let cur = op + r * cols, next = cur + cols
            for c in 0..<cols { cur[c] = Swift.min(cur[c], next[c] + 1) }
            r -= 1
        }
    }

    /// Phase 1 into UInt16, saturating at `cap` (= ⌊max distance / dy⌋ + 2, any value ≥ it is beyond the max).
    static func columnPassSaturating(_ s: UnsafeBufferPointer<UInt8>, _ o: UnsafeMutableBufferPointer<UInt16>,
                                     _ g: GridGeometry, cap: UInt16) {
        let cols = g.cols, rows = g.rows
        let sp = s.baseAddress!, op = o.baseAddress!
        for c in 0..<cols { op[c] = sp[c] != 0 ? 0 : cap }
        var r = 1
        while r < rows {
            let src = sp + r * cols, cur = op + r * cols, prev = cur - cols
            for c in 0..<cols { let v = Swift.min(prev[c] &+ 1, cap); cur[c] = src[c] != 0 ? 0 : v }
            r += 1
        }
        r = rows - 2
        while r >= 0 {
            let cur = op + r * cols, next = cur + cols
            for c in 0..<cols { cur[c] = Swift.min(cur[c], next[c] &+ 1) }
            r -= 1
        }
    }

    /// Phase 2: per row, lower envelope of parabolas sampled straight into `output` (parallel over rows).
    static func rowPass<T: GridScalar>(_ g: GridGeometry, _ colDist: UncheckedSendable<UnsafeMutablePointer<T>>, _ maxDistance: Double?,
                        _ output: RowOutput) {
        let output = UncheckedSendable(output)
        let cols = g.cols, rows = g.rows, dx = g.dx, dy = g.dy
        let maxD2 = maxDistance.map { $0 * $0 } ?? .infinity
        Parallel.forEachChunk(count: rows, chunks: Swift.min(rows, 64)) { range in
            // Per-worker row buffers (raw, to keep bounds and uniqueness checks out of the inner loops).
            let v = UnsafeMutablePointer<Int>.allocate(capacity: cols)
            let z = UnsafeMutablePointer<Double>.allocate(capacity: cols + 1)
            let f = UnsafeMutablePointer<Double>.allocate(capacity: cols)
            let xs = UnsafeMutablePointer<Double>.allocate(capacity: cols)
            let inv = UnsafeMutablePointer<Double>.allocate(capacity: cols)
            let ends = UnsafeMutablePointer<Int>.allocate(capacity: cols)
            defer { v.deallocate(); z.deallocate(); f.deallocate(); xs.deallocate(); inv.deallocate(); ends.deallocate() }
            // xs: cell x positions; inv[k] = 1 / (2·k·dx) takes the division out of the envelope's dependency chain
            // (its rounding cannot move a breakpoint across a cell centre when squared distances are integers).
            for q in 0..<cols { xs[q] = Double(q) * dx; inv[q] = q == 0 ? 0 : 1 / (2 * Double(q) * dx) }
            let base = colDist.value
            let dx2 = dx * dx
            for r in range {
                let rp = base + r * cols
                // Parabola heights f = (g·dy)², +∞ without a source in the column or beyond the max distance.
                for q in 0..<cols {
                    let gq = rp[q].doubleValue * dy
                    let fq = gq * gq
                    f[q] = fq <= maxD2 ? fq : .infinity
                }
                // Lower envelope of the finite parabolas. A parabola at least dx² above both neighbours is never
                // strictly lowest (its left neighbour wins left of it, its right one right of it; two adjacent ones
                // cannot both qualify), so it is skipped.
                var k = -1
                for q in 0..<cols {
                    let fq = f[q]
                    if fq == .infinity { continue }
                    if q > 0 && q + 1 < cols && fq >= f[q - 1] + dx2 && fq >= f[q + 1] + dx2 { continue }
                    let xq = xs[q]
                    if k < 0 { k = 0; v[0] = q; z[0] = -.infinity; z[1] = .infinity; continue }
                    var s = 0.0
                    while true {
                        let p = v[k], xp = xs[p]
                        s = ((fq + xq * xq) - (f[p] + xp * xp)) * inv[q - p]
                        if s <= z[k] { k -= 1; if k < 0 { break } } else { break }
                    }
                    k += 1
                    v[k] = q; z[k] = k == 0 ? -.infinity : s; z[k + 1] = .infinity
                }
                // Segment ends: cells with x ≤ z[j+1] not taken by an earlier segment use parabola j.
                var c = 0
                if k >= 0 {
                    for j in 0...k {
                        var end = cols
                        if j < k {
                            let zz = z[j + 1] / dx
                            end = zz < Double(cols) ? Swift.max(c, Int(zz.rounded(.down)) + 1) : cols
                        }
                        ends[j] = end; c = end
                    }
                }
                // Sample the envelope straight into the output; inner loops have no data-dependent branch.
                switch output.value {
                case .distance(let ob, let integral):
                    let o = ob + r * cols
                    if k < 0 { for i in 0..<cols { o[i] = .infinity }; continue }
                    var i = 0
                    for j in 0...k {
                        let p = v[j], fp = f[p], e = ends[j]
                        if integral {
                            // Integer squared distances below 2^24 are exact in Float, and Float's root equals
                            // Float(Double root) (double rounding is innocuous for sqrt): the cheaper root, same result.
                            while i < e {
                                let t = Double(i &- p) * dx, x = t * t + fp
                                o[i] = x <= maxD2 ? (x < 16_777_216 ? Float(x).squareRoot() : Float(x.squareRoot())) : .infinity
                                i += 1
                            }
                        } else {
                            while i < e {
                                let t = Double(i &- p) * dx, x = t * t + fp
                                o[i] = x <= maxD2 ? Float(x.squareRoot()) : .infinity
                                i += 1
                            }
                        }
                    }
                case .mask(let mb):
                    let m = mb + r * cols
                    if k < 0 { for i in 0..<cols { m[i] = 0 }; continue }
                    var i = 0
                    for j in 0...k {
                        let p = v[j], fp = f[p], e = ends[j]
                        while i < e { let t = Double(i &- p) * dx; m[i] = t * t + fp <= maxD2 ? 1 : 0; i += 1 }
                    }
                }
            }
        }
    }
}

extension Grid where Element == UInt8 {
    /// Euclidean distance (world units) from each cell to the nearest non-zero cell; see `DistanceTransform.euclidean`.
    public func distanceTransform(maxDistance: Double? = nil) -> Grid<Float> {
        DistanceTransform.euclidean(sources: self, maxDistance: maxDistance)
    }
    /// 1 where a non-zero cell lies within `distance` (world units, inclusive); see `DistanceTransform.within`.
    public func within(distance: Double) -> Grid<UInt8> {
        DistanceTransform.within(sources: self, distance: distance)
    }
}
