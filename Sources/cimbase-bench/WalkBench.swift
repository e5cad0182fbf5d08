// Walk network benchmark (issue 5, Speed): `cimbase-bench walk [options]`.
//
// Synthetic street-like graph: a side×side grid of jittered intersections (spacing ~100 m) with a fraction of links
// removed, `categories` facility categories at `density` facilities per km² (placed at random intersections so that
// scipy/pandana, which take node sources, see the same problem), bounded multi-source search with `cutoff`.
// Phases: build (lines → graph → snapping index → snap `origins` random points), search (all categories, all nodes),
// origins (all categories for the snapped origins). `--export DIR` writes .npy files for scripts/bench_walk_anchor.py.
import Foundation
import WalkNetwork
#if canImport(Glibc)
import Glibc
#endif

/// Process CPU seconds (all threads): under a loaded machine, wall time overstates the cost; CPU time does much less.
private func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func runWalkBench(args: [String]) throws {
    var opt: [String: String] = [:]
    var i = 0
    while i < args.count {
        let a = args[i]
        if a.hasPrefix("--"), i + 1 < args.count { opt[String(a.dropFirst(2))] = args[i + 1]; i += 2 } else { i += 1 }
    }
    let side = Int(opt["side"] ?? "1000")!
    let spacing = Double(opt["spacing"] ?? "100")!
    let removeFraction = Double(opt["remove"] ?? "0.3")!
    let nCat = Int(opt["categories"] ?? "7")!
    let density = Double(opt["density"] ?? "1.0")!
    let cutoff = Double(opt["cutoff"] ?? "1200")!
    let nOrigins = Int(opt["origins"] ?? "1000000")!
    let threads = opt["threads"].flatMap { Int($0) }
    let repeats = Int(opt["repeats"] ?? "3")!
    let phase = opt["phase"] ?? "all"
    let export = opt["export"]
    let seed = UInt64(opt["seed"] ?? "42")!
    // --batch N: facilities per seeding batch of the search (default automatic). --k N: nearest facilities per origin.
    let kNearest = Int(opt["k"] ?? "0")!
    var rng = BenchRNG(seed: seed)
    let clock = ContinuousClock()
    func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    // Synthetic street lines.
    let tLines = clock.now
    var xy = [SIMD2<Double>](repeating: .zero, count: side * side)
    for j in 0 ..< side { for i in 0 ..< side {
        xy[j * side + i] = SIMD2(Double(i) * spacing + rng.uniform(-0.2, 0.2) * spacing, Double(j) * spacing + rng.uniform(-0.2, 0.2) * spacing)
    } }
    var lines: [WalkLine] = []
    lines.reserveCapacity(2 * side * side)
    for j in 0 ..< side { for i in 0 ..< side {
        let v = j * side + i
        if i + 1 < side && rng.uniform(0, 1) >= removeFraction { lines.append(WalkLine(id: Int64(lines.count), points: [xy[v], xy[v + 1]])) }
        if j + 1 < side && rng.uniform(0, 1) >= removeFraction { lines.append(WalkLine(id: Int64(lines.count), points: [xy[v], xy[v + side]])) }
    } }
    let linesTime = secs(clock.now - tLines)

    let tBuild = clock.now
    let graph = try WalkGraph(lines: lines)
    let buildTime = secs(clock.now - tBuild)
    lines = []
    let tIndex = clock.now
    let index = EdgeSegmentIndex(graph: graph)
    let indexTime = secs(clock.now - tIndex)
    let extent = Double(side - 1) * spacing
    let origins = (0 ..< nOrigins).map { _ in SIMD2(rng.uniform(0, extent), rng.uniform(0, extent)) }
    let tSnap = clock.now
    let cSnap = processCPUSeconds()
    let snapped = index.snap(origins, threads: threads)
    let snapTime = secs(clock.now - tSnap)
    let snapCPU = processCPUSeconds() - cSnap
    print(String(format: "walk bench: grid %d×%d, %.0f m, %.0f%% links removed → %d nodes, %d edges, %d components (largest %d nodes)",
                 side, side, spacing, removeFraction * 100, graph.nodeCount, graph.edgeCount, graph.componentSize.count,
                 graph.largestComponent >= 0 ? Int(graph.componentSize[Int(graph.largestComponent)]) : 0))
    print(String(format: "  make lines %.3f s · graph build %.3f s · snap index %.3f s · snap %d origins %.3f s (main %d, moved %d, island %d, failed %d)",
                 linesTime, buildTime, indexTime, nOrigins, snapTime, snapped.onMain, snapped.movedToMain, snapped.onIsland, snapped.failed))
    print(String(format: "  build+snap total %.3f s (snap CPU %.3f s over all threads)", buildTime + indexTime + snapTime, snapCPU))
    if phase == "build" { return }

    // Facilities at random intersections (edge start, offset 0, leg 0).
    let area = extent * extent / 1e6
    let perCat = max(1, Int((area * density).rounded()))
    var cats: [FacilitySet] = []
    var facNodes: [[Int32]] = []
    for c in 0 ..< nCat {
        var pos: [EdgePosition] = [], nodes: [Int32] = []
        for _ in 0 ..< perCat {
            let e = Int(rng.next() % UInt64(graph.edgeCount))
            pos.append(EdgePosition(edge: Int32(e), offset: 0, leg: 0))
            nodes.append(graph.edgeFrom[e])
        }
        cats.append(FacilitySet(name: "cat\(c)", positions: pos, ids: (0 ..< perCat).map { Int64($0) }))
        facNodes.append(nodes)
    }
    let engine = WalkAccessEngine(graph: graph, batchSize: opt["batch"].flatMap { Int($0) })
    var nodeDist: [[Float]] = []
    var searchTimes: [Double] = [], searchCPU: [Double] = []
    for _ in 0 ..< repeats {
        let t = clock.now
        let c0 = processCPUSeconds()
        nodeDist = engine.nodeDistances(categories: cats, cutoff: cutoff, threads: threads)
        searchTimes.append(secs(clock.now - t))
        searchCPU.append(processCPUSeconds() - c0)
    }
    var reached = 0
    for d in nodeDist { for x in d where x.isFinite { reached += 1 } }
    print(String(format: "  search: %d categories × %d facilities, cutoff %.0f m, all %d nodes: best %.3f s, median %.3f s (threads %@); %.1f%% node×category pairs within cutoff",
                 nCat, perCat, cutoff, graph.nodeCount, searchTimes.min()!, searchTimes.sorted()[searchTimes.count / 2],
                 threads.map { "\($0)" } ?? "all", 100 * Double(reached) / Double(nCat * graph.nodeCount)))
    print(String(format: "  search CPU (all threads): best %.3f s → %.3f s per category", searchCPU.min()!, searchCPU.min()! / Double(nCat)))
    print("  SEARCH_SECONDS \(searchTimes.min()!)")
    var originTimes: [Double] = []
    for _ in 0 ..< repeats {
        let t = clock.now
        _ = engine.originDistances(categories: cats, origins: snapped.positions, cutoff: cutoff, k: kNearest, threads: threads)
        originTimes.append(secs(clock.now - t))
    }
    print(String(format: "  origins: %d categories for %d snapped origins, k = %d (search + per-origin evaluation): best %.3f s", nCat, nOrigins, kNearest, originTimes.min()!))

    if let dir = export {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var src: [Int32] = [], dst: [Int32] = [], cost: [Double] = []
        for u in 0 ..< graph.nodeCount {
            for j in Int(graph.inStart[u]) ..< Int(graph.inStart[u + 1]) {
                src.append(Int32(u)); dst.append(graph.inArcs[j].node); cost.append(graph.inArcs[j].cost)
            }
        }
        try writeNpy("\(dir)/arc_src.npy", src, descr: "<i4", shape: [src.count])
        try writeNpy("\(dir)/arc_dst.npy", dst, descr: "<i4", shape: [dst.count])
        try writeNpy("\(dir)/arc_cost.npy", cost, descr: "<f8", shape: [cost.count])
        try writeNpy("\(dir)/edge_from.npy", graph.edgeFrom, descr: "<i4", shape: [graph.edgeCount])
        try writeNpy("\(dir)/edge_to.npy", graph.edgeTo, descr: "<i4", shape: [graph.edgeCount])
        try writeNpy("\(dir)/edge_cost.npy", (0 ..< graph.edgeCount).map { graph.edgeCost($0) }, descr: "<f8", shape: [graph.edgeCount])
        try writeNpy("\(dir)/node_x.npy", graph.nodes.map(\.x), descr: "<f8", shape: [graph.nodeCount])
        try writeNpy("\(dir)/node_y.npy", graph.nodes.map(\.y), descr: "<f8", shape: [graph.nodeCount])
        try writeNpy("\(dir)/facility_nodes.npy", facNodes.flatMap { $0 }, descr: "<i4", shape: [nCat, perCat])
        try writeNpy("\(dir)/swift_dist.npy", nodeDist.flatMap { $0 }, descr: "<f4", shape: [nCat, graph.nodeCount])
        try "{\"cutoff\": \(cutoff), \"swift_search_s\": \(searchTimes.min()!), \"swift_search_cpu_s\": \(searchCPU.min()!), \"threads\": \"\(threads.map { "\($0)" } ?? "all")\"}\n"
            .write(toFile: "\(dir)/swift.json", atomically: true, encoding: .utf8)
        print("  exported to \(dir)")
    }
}

/// Writes a little-endian NumPy .npy (format 1.0) file.
private func writeNpy<T>(_ path: String, _ values: [T], descr: String, shape: [Int]) throws {
    let shapeStr = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeStr), }"
    let pad = 64 - (10 + header.utf8.count + 1) % 64
    header += String(repeating: " ", count: pad % 64) + "\n"
    var data = Data([0x93]) + "NUMPY".data(using: .ascii)! + Data([1, 0])
    let hl = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(hl & 0xFF), UInt8(hl >> 8)])
    data.append(header.data(using: .ascii)!)
    values.withUnsafeBytes { data.append(contentsOf: $0) }
    try data.write(to: URL(fileURLWithPath: path))
}

/// SplitMix64 for reproducible synthetic data.
private struct BenchRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) * 0x1p-53 }
}
