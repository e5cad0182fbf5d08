/// GridCore benchmarks (`cimbase-bench grid <sub> …`), driven by scripts/bench_grid.sh; never run as tests.
///
/// Subcommands (each prints `key value` lines the script parses):
/// - `bandwidth [cells]`: Swift copy and triad loops over Float arrays → GB/s (STREAM's byte counting).
/// - `stream [cells]`: sum, masked sum, weighted sum, threshold, count on a Float32 grid, SIMD and scalar → GB/s.
/// - `edt <mask.u8> <rows> <cols> <cell> <maxdist> [out.f32] [edt|within]`: distance transform with max distance, and
///   `within`; with the last argument only that one call runs once (for its peak memory).
/// - `rasterize <polys.bin> <cell> [out.u8]`: Monaco buildings, centre mode (and its UInt8 grid written for the
///   gdal_rasterize cell comparison) and exact-coverage mode.
/// Timings are the best of a few runs (ContinuousClock) of the kernel only; file I/O is timed separately.
import Foundation
import GridCore

public func runGridBench(args: [String]) throws {
    guard let sub = args.first else {
        print("usage: cimbase-bench grid bandwidth|stream|edt|rasterize …"); return
    }
    let rest = Array(args.dropFirst())
    switch sub {
    case "bandwidth": benchBandwidth(cells: rest.first.flatMap { Int($0) } ?? 100_000_000)
    case "stream": benchStream(cells: rest.first.flatMap { Int($0) } ?? 100_000_000)
    case "edt": try benchEDT(rest)
    case "rasterize": try benchRasterize(rest)
    default: print("unknown grid bench '\(sub)'")
    }
}

private func gridSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Best wall time of `runs` runs of `body`.
private func gridBest(_ runs: Int = 3, _ body: () -> Void) -> Double {
    var b = Double.infinity
    let clock = ContinuousClock()
    for _ in 0..<runs { b = min(b, gridSeconds(clock.measure(body))) }
    return b
}

private func gridReport(_ key: String, _ value: Double, _ unit: String = "") {
    print("\(key) \(String(format: "%.4f", value))\(unit.isEmpty ? "" : " " + unit)")
}

// MARK: bandwidth

private func benchBandwidth(cells n: Int) {
    let a = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let c = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    a.initialize(repeating: 1); b.initialize(repeating: 2); c.initialize(repeating: 3)
    typealias V = SIMD16<Float>
    let pa = UnsafeMutableRawPointer(a.baseAddress!), pb = UnsafeMutableRawPointer(b.baseAddress!), pc = UnsafeMutableRawPointer(c.baseAddress!)
    let bytes = Double(n * 4)
    let tCopy = gridBest(5) {
        var i = 0
        while i + 16 <= n { pa.storeBytes(of: pb.loadUnaligned(fromByteOffset: i * 4, as: V.self), toByteOffset: i * 4, as: V.self); i += 16 }
    }
    let s: Float = 3
    let tTriad = gridBest(5) {
        var i = 0
        while i + 16 <= n {
            let x = pb.loadUnaligned(fromByteOffset: i * 4, as: V.self), y = pc.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            pa.storeBytes(of: x + s * y, toByteOffset: i * 4, as: V.self); i += 16
        }
    }
    gridReport("copy_gbs", 2 * bytes / tCopy / 1e9)
    gridReport("triad_gbs", 3 * bytes / tTriad / 1e9)
    print("check \(a[n / 2])")
}

// MARK: streaming kernels

private func benchStream(cells n: Int) {
    let side = Int(Double(n).squareRoot())
    let g = try! GridGeometry(minX: 0, maxY: Double(side), dx: 1, dy: 1, rows: n / side, cols: side)
    var a = Grid<Float>(geometry: g), w = Grid<Float>(geometry: g)
    var state: UInt64 = 12345
    a.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { state = state &* 6364136223846793005 &+ 1442695040888963407; p[i] = Float(state >> 40) / Float(1 << 24) * 100 }
    }
    w.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = Float(i & 7) / 8 } }
    let mask = MapAlgebra.threshold(a, .greater, 50), mask2 = MapAlgebra.threshold(w, .less, 0.3)
    let cells = Double(g.cellCount)
    var sink = 0.0
    func rate(_ name: String, bytesPerCell: Double, runs: Int = 3, _ body: () -> Double) {
        let t = gridBest(runs) { sink += body() }
        gridReport("\(name)_ms", t * 1000)
        gridReport("\(name)_gbs", bytesPerCell * cells / t / 1e9)
    }
    rate("sum_simd", bytesPerCell: 4) { MapAlgebra.sum(a) }
    rate("sum_scalar", bytesPerCell: 4) { MapAlgebra.Scalar.sum(a) }
    var out = Grid<UInt8>(geometry: g)
    rate("threshold_simd", bytesPerCell: 5) { MapAlgebra.threshold(a, .greater, 50, into: &out); return Double(out.rows) }
    rate("threshold_alloc_simd", bytesPerCell: 5) { Double(MapAlgebra.threshold(a, .greater, 50).rows) }
    rate("threshold_scalar", bytesPerCell: 5) { Double(MapAlgebra.Scalar.threshold(a, .greater, 50).rows) }
    rate("maskedsum_simd", bytesPerCell: 5) { MapAlgebra.maskedSum(a, mask: mask) }
    rate("maskedsum_scalar", bytesPerCell: 5) { MapAlgebra.Scalar.maskedSum(a, mask: mask) }
    rate("weightedsum_simd", bytesPerCell: 8) { MapAlgebra.weightedSum(a, weights: w) }
    rate("weightedsum_scalar", bytesPerCell: 8) { MapAlgebra.Scalar.weightedSum(a, weights: w) }
    rate("count_simd", bytesPerCell: 1) { Double(MapAlgebra.count(mask)) }
    rate("count_scalar", bytesPerCell: 1) { Double(MapAlgebra.Scalar.count(mask)) }
    rate("minmax_simd", bytesPerCell: 4) { Double(MapAlgebra.minMax(a)!.max) }
    rate("minmax_scalar", bytesPerCell: 4) { Double(MapAlgebra.Scalar.minMax(a)!.max) }
    rate("and_simd", bytesPerCell: 3) { MapAlgebra.logic(.and, mask, mask2, into: &out); return Double(out.rows) }
    rate("and_scalar", bytesPerCell: 3) { Double(MapAlgebra.Scalar.and(mask, mask2).rows) }
    print("check \(sink)")
}

// MARK: distance transform

private func benchEDT(_ a: [String]) throws {
    guard a.count >= 5, let rows = Int(a[1]), let cols = Int(a[2]), let cell = Double(a[3]), let maxd = Double(a[4]) else {
        print("usage: edt <mask.u8> <rows> <cols> <cell> <maxdist> [out.f32]"); return
    }
    let clock = ContinuousClock()
    var src: Grid<UInt8>!
    let tRead = gridSeconds(clock.measure {
        let data = FileManager.default.contents(atPath: a[0])!
        let g = try! GridGeometry(minX: 0, maxY: Double(rows) * cell, dx: cell, dy: cell, rows: rows, cols: cols)
        var s = Grid<UInt8>(geometry: g)
        s.withUnsafeMutableBufferPointer { p in data.withUnsafeBytes { b in _ = b.copyBytes(to: p) } }
        src = s
    })
    gridReport("edt_read_s", tRead)
    // Single-operation mode (for a clean peak-memory figure of one call): a[6] = "edt" or "within".
    if a.count >= 7 {
        if a[6] == "edt" {
            let t = gridBest(1) { let d = src.distanceTransform(maxDistance: maxd); gridReport("edt_finite_cells", Double(MapAlgebra.count(d, .lessOrEqual, Float(maxd)))) }
            gridReport("edt_single_s", t)
        } else {
            let t = gridBest(1) { let m = src.within(distance: maxd); gridReport("within_cells", Double(MapAlgebra.count(m))) }
            gridReport("within_single_s", t)
        }
        return
    }
    var d: Grid<Float>!
    let tFull = gridBest(2) { _ = src.distanceTransform() }
    gridReport("edt_full_s", tFull)
    let tEDT = gridBest(3) { d = nil; d = src.distanceTransform(maxDistance: maxd) }
    gridReport("edt_maxdist_s", tEDT)
    var reuse = Grid<Float>(geometry: src.geometry)
    let tReuse = gridBest(3) { DistanceTransform.euclidean(sources: src, maxDistance: maxd, into: &reuse) }
    gridReport("edt_maxdist_reused_output_s", tReuse)
    let tWithin = gridBest(3) { _ = src.within(distance: maxd) }
    gridReport("within_s", tWithin)
    gridReport("edt_finite_cells", Double(MapAlgebra.count(d, .lessOrEqual, Float(maxd))))
    if a.count >= 6 {
        d.withUnsafeBufferPointer { p in
            _ = FileManager.default.createFile(atPath: a[5], contents: Data(buffer: p))
        }
    }
}

// MARK: rasterization

/// Reads the polygon dump of scripts/bench_grid_prepare.py: u32 count, then per feature u32 parts, per part u32 rings,
/// per ring u32 points and points × (f64 x, f64 y), little-endian.
private func readPolygons(_ path: String) throws -> [[[[SIMD2<Double>]]]] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
    return data.withUnsafeBytes { raw -> [[[[SIMD2<Double>]]]] in
        var off = 0
        func u32() -> Int { defer { off += 4 }; return Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: off, as: UInt32.self))) }
        func f64() -> Double { defer { off += 8 }; return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: off, as: UInt64.self))) }
        let n = u32()
        var out: [[[[SIMD2<Double>]]]] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            var parts: [[[SIMD2<Double>]]] = []
            for _ in 0..<u32() {
                var rings: [[SIMD2<Double>]] = []
                for _ in 0..<u32() {
                    let m = u32()
                    var ring = [SIMD2<Double>](); ring.reserveCapacity(m)
                    for _ in 0..<m { let x = f64(); let y = f64(); ring.append(SIMD2(x, y)) }
                    rings.append(ring)
                }
                parts.append(rings)
            }
            out.append(parts)
        }
        return out
    }
}

private func benchRasterize(_ a: [String]) throws {
    guard a.count >= 2, let cell = Double(a[1]) else { print("usage: rasterize <polys.bin> <cell> [out.u8] [minx miny maxx maxy]"); return }
    let clock = ContinuousClock()
    var polys: [[[[SIMD2<Double>]]]] = []
    let tRead = gridSeconds(try clock.measure { polys = try readPolygons(a[0]) })
    gridReport("rasterize_read_s", tRead)
    var ext = GridExtent(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
    for p in polys { for part in p { if let r = part.first { ext = ext.union(GridExtent(points: r)) } } }
    if a.count >= 7, let x0 = Double(a[3]), let y0 = Double(a[4]), let x1 = Double(a[5]), let y1 = Double(a[6]) {
        ext = GridExtent(minX: x0, minY: y0, maxX: x1, maxY: y1)
    }
    let g = try GridGeometry(covering: ext, dx: cell, dy: cell, snap: false)
    print("grid \(g.rows) \(g.cols) \(g.minX) \(g.maxY)")
    print("polygons \(polys.count)")
    // The grid is allocated once; each timed run clears it (as a new raster must be) and burns all features.
    var mask = Grid<UInt8>(geometry: g)
    let ones8 = [UInt8](repeating: 1, count: polys.count), onesF = [Float](repeating: 1, count: polys.count)
    let tCentre = gridBest(5) {
        mask.fill(0)
        Rasterizer.burnCentre(multiPolygons: polys, values: ones8, into: &mask)
    }
    gridReport("centre_s", tCentre)
    var cov = Grid<Float>(geometry: g)
    let tExact = gridBest(5) {
        cov.fill(0)
        Rasterizer.burnCoverage(multiPolygons: polys, values: onesF, into: &cov)
    }
    gridReport("exact_s", tExact)
    gridReport("exact_over_centre", tExact / tCentre)
    gridReport("centre_cells", Double(MapAlgebra.count(mask)))
    gridReport("exact_area_m2", MapAlgebra.sum(cov) * g.cellArea)
    if a.count >= 3 {
        mask.withUnsafeBufferPointer { p in _ = FileManager.default.createFile(atPath: a[2], contents: Data(buffer: p)) }
    }
}
