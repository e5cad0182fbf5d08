import GridCore
/// Walk access for many origins and facility categories: one bounded multi-source search per category, categories in
/// parallel on all cores, each worker reusing a ``DijkstraWorkspace`` from a pool.
///
/// Distances are walking costs in metres (edge metres × cost factor, plus both straight legs):
/// `WalkAccessEngine.unreachable` (= `Float.infinity`) marks "no facility within the cutoff", `Float.nan` marks an origin
/// that failed to snap. Complexity per category: one search O((V' + E') log V') plus O(1) per origin (O(log F) for the
/// same-edge lookup).
public final class WalkAccessEngine: Sendable {
    /// The graph every search runs on (facility sets and origins must be snapped to it).
    public let graph: WalkGraph
    let pool = ReusePool<DijkstraWorkspace>()

    /// Marker for "no facility within the cutoff" in `Float` distance arrays.
    public static let unreachable: Float = .infinity
    /// Marker for "origin not snapped" in `Float` distance arrays.
    public static let notSnapped: Float = .nan

    /// Facilities per seeding batch (nil = automatic); see ``DijkstraWorkspace/search(_:cutoff:trackNearest:batchSize:)``.
    public let batchSize: Int?

    /// An engine over `graph`; `batchSize` facilities per seeding batch (nil = automatic).
    public init(graph: WalkGraph, batchSize: Int? = nil) {
        self.graph = graph
        self.batchSize = batchSize
    }

    /// Runs `body` with a pooled workspace (allocated on first use, O(V), then reused; safe from several threads).
    public func withWorkspace<R>(_ body: (DijkstraWorkspace) throws -> R) rethrows -> R {
        let ws = pool.take { DijkstraWorkspace(graph: graph) }
        defer { pool.put(ws) }
        return try body(ws)
    }

    /// Distances from every origin to the nearest facility of each category (and optionally the k ≤ 3 nearest).
    /// - Parameters:
    ///   - cutoff: largest threshold, metres of walking cost; farther facilities are not found.
    ///   - k: 0 = distances only; 1...3 = also `nearestIds` / `nearestDistances` (k per origin).
    ///   - threads: nil = all cores.
    /// - Complexity: per category one bounded search, O((V' + E') log V') (k-nearest: × k), plus O(m) for the m
    ///   origins (O(log F) more on edges carrying facilities); categories run in parallel.
    public func originDistances(categories: [FacilitySet], origins: [EdgePosition], cutoff: Double, k: Int = 0,
                                threads: Int? = nil) -> [CategoryAccess] {
        precondition(k >= 0 && k <= DijkstraWorkspace.maxK, "k must be in 0...3")
        // Origins prepared once (end nodes and costs to them), grouped by node so that node states are read with locality.
        let rec = OriginRecords(graph: graph, origins: origins)
        let order = rec.records.map(\.index) + rec.failed
        var results = [CategoryAccess?](repeating: nil, count: categories.count)
        results.withUnsafeMutableBufferPointer { out in
            let outP = SendablePointer(out.baseAddress)
            Parallel.forEach(categories.count, threads: threads) { c in
                outP.value![c] = self.withWorkspace { ws in
                    self.evaluate(ws, categories[c], origins: origins, records: rec, order: order, cutoff: cutoff, k: k)
                }
            }
        }
        return results.map { $0! }
    }

    func evaluate(_ ws: DijkstraWorkspace, _ cat: FacilitySet, origins: [EdgePosition], records: OriginRecords, order: [Int32],
                  cutoff: Double, k: Int) -> CategoryAccess {
        if k <= 1 { ws.search(cat, cutoff: cutoff, trackNearest: k == 1, batchSize: batchSize) } else { ws.searchKNearest(cat, cutoff: cutoff, k: k, batchSize: batchSize) }
        let m = origins.count
        var d = [Float](repeating: Self.unreachable, count: m)
        var ids = [Int64](repeating: -1, count: m * k)
        var nd = [Float](repeating: Self.unreachable, count: m * k)
        if k <= 1 && m > 0 {
            var fi = [Int32](repeating: -1, count: k == 1 ? m : 0)
            for i in records.failed { d[Int(i)] = Self.notSnapped }
            d.withUnsafeMutableBufferPointer { dp in
                fi.withUnsafeMutableBufferPointer { fp in
                    ws.evaluate(records, origins: origins, into: dp, facility: k == 1 ? fp : nil)
                }
            }
            if k == 1 {
                for i in 0 ..< m where fi[i] >= 0 { ids[i] = cat.ids[Int(fi[i])]; nd[i] = d[i] }
            }
        } else if k > 1 {
            var fid = [Int32](repeating: -1, count: k), fd = [Double](repeating: .infinity, count: k)
            fid.withUnsafeMutableBufferPointer { fip in
                fd.withUnsafeMutableBufferPointer { fdp in
                    for r in 0 ..< m {
                        let i = Int(order[r])
                        let o = origins[i]
                        if o.edge < 0 { d[i] = Self.notSnapped; continue }
                        let c = ws.nearest(at: o, fip, fdp)
                        if c > 0 { d[i] = Float(fdp[0]) }
                        for j in 0 ..< c { ids[i * k + j] = cat.ids[Int(fip[j])]; nd[i * k + j] = Float(fdp[j]) }
                    }
                }
            }
        }
        return CategoryAccess(name: cat.name, k: k, distances: d, nearestIds: ids, nearestDistances: nd,
                              reachedNodes: ws.touchedCount,
                              unsnappedFacilities: cat.positions.reduce(0) { $0 + ($1.edge < 0 ? 1 : 0) })
    }

    /// Per-node distance to the nearest facility of each category (for coverage grids): `[category][node]`,
    /// `unreachable` beyond the cutoff. Complexity: per category one bounded search O((V' + E') log V') plus O(V) for
    /// the output array; categories run in parallel.
    public func nodeDistances(categories: [FacilitySet], cutoff: Double, threads: Int? = nil) -> [[Float]] {
        var results = [[Float]](repeating: [], count: categories.count)
        results.withUnsafeMutableBufferPointer { out in
            let outP = SendablePointer(out.baseAddress)
            Parallel.forEach(categories.count, threads: threads) { c in
                outP.value![c] = self.withWorkspace { ws in
                    ws.search(categories[c], cutoff: cutoff, trackNearest: false, batchSize: self.batchSize)
                    return ws.nodeDistanceArray()
                }
            }
        }
        return results
    }
}

/// Access result of one category for a list of origins.
public struct CategoryAccess: Sendable {
    /// Category name (from the facility set).
    public var name: String
    /// Number of nearest facilities kept per origin (0 = none).
    public var k: Int
    /// Per origin: walking cost to the nearest facility; `WalkAccessEngine.unreachable` (+∞) beyond the cutoff,
    /// `WalkAccessEngine.notSnapped` (NaN) for origins that failed to snap.
    public var distances: [Float]
    /// Per origin, k entries (origin-major): facility ids of the nearest facilities, -1 where fewer were found.
    public var nearestIds: [Int64]
    /// Per origin, k entries: their costs, +∞ where fewer were found.
    public var nearestDistances: [Float]
    /// Nodes reached within the cutoff.
    public var reachedNodes: Int
    /// Facilities of the set that had no snap position (ignored by the search).
    public var unsnappedFacilities: Int
}

extension DijkstraWorkspace {
    /// Per-node distances of the last search as `Float` (+∞ beyond the cutoff); writes only the touched nodes.
    /// Complexity: O(V) to allocate, O(V') to fill.
    public func nodeDistanceArray() -> [Float] {
        var out = [Float](repeating: .infinity, count: n)
        storage.withHandle { h in
            for v in h.touchedNodes { out[Int(v)] = Float(h.state[Int(v)].dist) }
        }
        return out
    }
}
