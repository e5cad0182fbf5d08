/// Exact Euclidean distance transform of a source mask, in world units, with an optional maximum distance.
///
/// Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", Theory of Computing 8 (2012): separable,
/// linear time. Phase 1 (columns) computes each cell's vertical distance in cells to the nearest source of its column
/// with two row-order sweeps (streaming, vectorised across columns). Phase 2 (rows, parallel over cores) takes the
/// lower envelope of the parabolas (x − q)²·dx² + (g(q)·dy)² and samples it. Anisotropic cells (dx ≠ dy) are exact.
/// With `maxDistance` parabolas whose apex is already beyond it are dropped and rows without any are filled at once;
/// cells farther than it get +∞. With a max distance on a grid at least 16× taller than it (in cells), both phases run
/// fused per band of rows, bands in parallel (`bandedPass`): no serial column pass, no separate prefault, and the fresh
/// output is first touched by all cores. Squared distances are exact in Double for integer cell sizes, so results
/// equal a brute-force minimum. Time O(rows·cols); memory: the output grid plus per-thread row buffers.
public enum DistanceTransform {
    /// Distance from each cell centre to the nearest source cell centre (cells with `sources` ≠ 0), in world units.
    /// Cells farther than `maxDistance` (or all cells when there is no source) hold +∞, which is also `noData`.
    public static func euclidean(sources: Grid<UInt8>, maxDistance: Double? = nil) -> Grid<Float> {
        let g = sources.geometry
        var out = Grid<Float>(uninitializedGeometry: g, noData: .infinity)   // phase 1 writes every cell
        // The banded pass first-touches the output from all cores itself; the serial column pass needs a prefault.
        if bandRows(g, maxDistance) == nil { out.withUnsafeMutableBufferPointer { prefault($0) } }
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
            if let maxD = maxDistance, let band = bandRows(g, maxDistance) {
                sources.withUnsafeBufferPointer { s in bandedPass(s, o, g, maxDistance: maxD, bandRows: band, integral: integral) }
                return
            }
            sources.withUnsafeBufferPointer { s in columnPass(s, o, g) }
            rowPass(g, UncheckedSendable(o.baseAddress!), maxDistance, .distance(o.baseAddress!, integral: integral))
        }
    }

    /// Rows per band of `bandedPass` for this grid and max distance, or nil when the serial column pass is used
    /// (no max distance, or one so large that a band's look-behind/ahead would span most of the grid).
    static func bandRows(_ g: GridGeometry, _ maxDistance: Double?) -> Int? {
        guard let d = maxDistance, d >= 0, g.cellCount > 0 else { return nil }
        let look = d / g.dy + 2
        guard look.isFinite, look * 16 < Double(g.rows) else { return nil }
        return Swift.max(32, 4 * Int(look))
    }

    /// Both phases fused per band of rows, bands in parallel, for a finite max distance: each band recomputes the
    /// column distances it needs (saturating at cap = ⌊max / dy⌋ + 2 cells, so only `cap` rows above and below the
    /// band matter), keeps its top-down distances in its own output rows, then walks up from its bottom row carrying
    /// the bottom-up distances in a row buffer and writes each row's envelope in place. One write of the output from
    /// all cores (first-touch page faults included), no serial phase, no temporary grid. O(rows·cols + bands·cap·cols).
    static func bandedPass(_ s: UnsafeBufferPointer<UInt8>, _ o: UnsafeMutableBufferPointer<Float>, _ g: GridGeometry,
                           maxDistance: Double, bandRows: Int, integral: Bool) {
        let cols = g.cols, rows = g.rows, dy = g.dy
        let capD = (maxDistance / dy).rounded(.down) + 2
        let cap = Float(capD), look = Int(capD)
        let maxD2 = maxDistance * maxDistance
        let bands = (rows + bandRows - 1) / bandRows
        let sp = UncheckedSendable(s.baseAddress!), op = UncheckedSendable(o.baseAddress!)
        Parallel.forEachChunk(count: bands, chunks: Swift.min(bands, 256)) { range in
            let env = RowEnvelope(cols: cols, dx: g.dx, maxD2: maxD2)
            let t = UnsafeMutablePointer<Float>.allocate(capacity: cols)
            defer { env.deallocate(); t.deallocate() }
            let src = sp.value, out = op.value, f = env.f
            @inline(__always) func step(_ r: Int) {
                let sr = src + r * cols
                for c in 0..<cols { let v = Swift.min(t[c] + 1, cap); t[c] = sr[c] != 0 ? 0 : v }
            }
            for b in range {
                let lo = b * bandRows, hi = Swift.min(rows, lo + bandRows)
                // Top-down, starting `look` rows above the band: exact below cap, ≥ cap otherwise.
                t.update(repeating: cap, count: cols)
                for r in Swift.max(0, lo - look)..<lo { step(r) }
                for r in lo..<hi { step(r); (out + r * cols).update(from: t, count: cols) }
                // Bottom-up from `look` rows below the band, then the band's rows, each finished at once.
                t.update(repeating: cap, count: cols)
                var r = Swift.min(rows - 1, hi - 1 + look)
                while r >= hi { step(r); r -= 1 }
                r = hi - 1
                while r >= lo {
                    step(r)
                    let up = out + r * cols
                    for q in 0..<cols {
                        let gq = Double(Swift.min(up[q], t[q])) * dy
                        let fq = gq * gq
                        f[q] = fq <= maxD2 ? fq : .infinity
                    }
                    env.emit(row: r, .distance(out, integral: integral))
                    r -= 1
                }
            }
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
        let cols = g.cols, rows = g.rows, dy = g.dy
        let maxD2 = maxDistance.map { $0 * $0 } ?? .infinity
        Parallel.forEachChunk(count: rows, chunks: Swift.min(rows, 64)) { range in
            let env = RowEnvelope(cols: cols, dx: g.dx, maxD2: maxD2)
            defer { env.deallocate() }
            let base = colDist.value, f = env.f
            for r in range {
                let rp = base + r * cols
                // Parabola heights f = (g·dy)², +∞ without a source in the column or beyond the max distance.
                for q in 0..<cols {
                    let gq = rp[q].doubleValue * dy
                    let fq = gq * gq
                    f[q] = fq <= maxD2 ? fq : .infinity
                }
                env.emit(row: r, output.value)
            }
        }
    }
}

/// One worker's row buffers for phase 2 (raw, to keep bounds and uniqueness checks out of the inner loops): the
/// caller fills `f` with a row's parabola heights, `emit` takes their lower envelope and samples it into the output.
struct RowEnvelope {
    let cols: Int, dx: Double, maxD2: Double
    let v: UnsafeMutablePointer<Int>, z: UnsafeMutablePointer<Double>, f: UnsafeMutablePointer<Double>
    let xs: UnsafeMutablePointer<Double>, inv: UnsafeMutablePointer<Double>, ends: UnsafeMutablePointer<Int>

    init(cols: Int, dx: Double, maxD2: Double) {
        self.cols = cols; self.dx = dx; self.maxD2 = maxD2
        v = .allocate(capacity: cols); z = .allocate(capacity: cols + 1); f = .allocate(capacity: cols)
        xs = .allocate(capacity: cols); inv = .allocate(capacity: cols); ends = .allocate(capacity: cols)
        // xs: cell x positions; inv[k] = 1 / (2·k·dx) takes the division out of the envelope's dependency chain
        // (its rounding cannot move a breakpoint across a cell centre when squared distances are integers).
        for q in 0..<cols { xs[q] = Double(q) * dx; inv[q] = q == 0 ? 0 : 1 / (2 * Double(q) * dx) }
    }

    func deallocate() { v.deallocate(); z.deallocate(); f.deallocate(); xs.deallocate(); inv.deallocate(); ends.deallocate() }

    /// Lower envelope of the finite heights in `f`, sampled into row `r` of `output`.
    func emit(row r: Int, _ output: DistanceTransform.RowOutput) {
        // Locals, not `self.` fields: stores through the buffers could alias `self`, so fields were reloaded per step.
        let v = v, z = z, f = f, xs = xs, inv = inv, ends = ends, cols = cols, dx = dx, maxD2 = maxD2
        let dx2 = dx * dx
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
        // A power-of-two dx has an exact reciprocal, so the product equals the quotient (and avoids a division).
        var c = 0
        if k >= 0 {
            let invDx = 1 / dx, exactInverse = dx.significandBitPattern == 0 && dx.isNormal
            for j in 0...k {
                var end = cols
                if j < k {
                    let zz = exactInverse ? z[j + 1] * invDx : z[j + 1] / dx
                    end = zz < Double(cols) ? Swift.max(c, Int(floorFast(zz)) + 1) : cols
                }
                ends[j] = end; c = end
            }
        }
        // Sample the envelope straight into the output; inner loops have no data-dependent branch.
        switch output {
        case .distance(let ob, let integral):
            let o = ob + r * cols
            if k < 0 { for i in 0..<cols { o[i] = .infinity }; return }
            var i = 0
            for j in 0...k {
                let p = v[j], fp = f[p], e = ends[j]
                if integral && maxD2 < 16_777_216 {
                    // As below; every x ≤ maxD2 is below 2^24, so the second test is dropped.
                    while i < e {
                        let t = Double(i &- p) * dx, x = t * t + fp
                        o[i] = x <= maxD2 ? Float(x).squareRoot() : .infinity
                        i += 1
                    }
                } else if integral {
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
            if k < 0 { for i in 0..<cols { m[i] = 0 }; return }
            var i = 0
            for j in 0...k {
                let p = v[j], fp = f[p], e = ends[j]
                while i < e { let t = Double(i &- p) * dx; m[i] = t * t + fp <= maxD2 ? 1 : 0; i += 1 }
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
