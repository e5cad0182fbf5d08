import GridCore
import WalkNetwork

/// A maximal-covering instance: demand points with weights, candidate sites with the demand points each would cover
/// (compressed rows: the points of candidate `c` are `items[start[c] ..< start[c + 1]]`, nearest first), and the weight
/// that is already covered. Only demand not yet covered is listed; `totalWeight` is the denominator of the coverage share.
public struct CoverageProblem: Sendable, Equatable {
    /// Weight of each demand point (residents, floor area or 1 per building).
    public var weights: [Double]
    /// Row starts per candidate (count + 1 entries).
    public var start: [Int]
    /// Demand-point indices per candidate, nearest first within a row.
    public var items: [Int32]
    /// Walking cost (m) from each listed demand point to its candidate, parallel to `items`.
    public var itemCost: [Float]
    /// Candidate locations (metres, working CRS), for the minimum spacing between new sites.
    public var positions: [SIMD2<Double>]
    /// Weight already covered by the existing facilities (not among the demand points).
    public var baseCovered: Double
    /// Weight of all origins, covered or not (the coverage share's denominator).
    public var totalWeight: Double

    /// An instance from its parts; rows must be in range (precondition).
    public init(weights: [Double], start: [Int], items: [Int32], itemCost: [Float]? = nil, positions: [SIMD2<Double>],
                baseCovered: Double, totalWeight: Double) {
        precondition(start.count == positions.count + 1 && start.first == 0 && start.last == items.count, "one row per candidate")
        precondition(items.allSatisfy { $0 >= 0 && Int($0) < weights.count }, "items must index the demand points")
        self.weights = weights; self.start = start; self.items = items
        self.itemCost = itemCost ?? [Float](repeating: 0, count: items.count)
        self.positions = positions; self.baseCovered = baseCovered; self.totalWeight = totalWeight
    }

    /// An instance from one list of covered demand points per candidate (rows kept in the given order).
    public init(weights: [Double], sets: [[Int32]], positions: [SIMD2<Double>], baseCovered: Double = 0, totalWeight: Double? = nil) {
        var start = [0], items: [Int32] = []
        for s in sets { items += s; start.append(items.count) }
        self.init(weights: weights, start: start, items: items, positions: positions, baseCovered: baseCovered,
                  totalWeight: totalWeight ?? (baseCovered + weights.reduce(0, +)))
    }

    /// Number of candidate sites.
    public var candidateCount: Int { positions.count }

    /// The demand points candidate `c` covers.
    public func row(_ c: Int) -> ArraySlice<Int32> { items[start[c] ..< start[c + 1]] }

    /// Weight covered (existing facilities included) when `sites` are built, without capacity. O(Σ row sizes).
    public func coveredWeight(_ sites: [Int]) -> Double {
        var hit = [Bool](repeating: false, count: weights.count)
        for s in sites { for i in row(s) { hit[Int(i)] = true } }
        var w = baseCovered
        for (i, h) in hit.enumerated() where h { w += weights[i] }
        return w
    }
}

/// Builds coverage rows on a walk graph: one bounded Dijkstra per candidate (run in parallel with pooled workspaces),
/// then the demand origins whose walking cost to the candidate passes the same test as the walk coverage indicator.
///
/// Costs follow the walk stage's evaluation exactly (same expressions, same order of floating-point additions): per
/// origin min(dist(end) + cost to end, dist(start) + cost to start, same-edge cost), stored as `Float`, and an origin
/// counts as covered when the cost is within the walk stage's `cutoff` and its `Float` value is ≤ `threshold` — so the
/// coverage predicted from these rows equals what the walk stage computes once the site is a facility.
/// Complexity: per candidate O((V' + E') log V') for the V' nodes within the threshold, plus O(origins at them).
public enum CoverageRows {
    /// Per candidate, the demand origins within `threshold` (indices into `demand`) and their costs, nearest first.
    /// - Parameters:
    ///   - origins: snapped positions of the demand origins (failed positions are never covered).
    ///   - candidates: snapped candidate positions (failed ones cover nothing).
    ///   - cutoff: the walk stage's search cutoff (≥ threshold), part of its coverage test.
    public static func build(engine: WalkAccessEngine, origins: [EdgePosition], candidates: [EdgePosition],
                             threshold: Double, cutoff: Double, threads: Int? = nil) -> (start: [Int], items: [Int32], cost: [Float]) {
        let g = engine.graph
        let m = origins.count
        // Costs from each origin to the ends of its edge (the walk stage's OriginRecords expressions).
        var toA = [Double](repeating: .infinity, count: m), toB = [Double](repeating: .infinity, count: m)
        var nodeCount = [Int](repeating: 0, count: g.nodeCount + 1)
        var byEdge: [(edge: Int32, origin: Int32)] = []
        for (i, o) in origins.enumerated() where o.edge >= 0 {
            let e = Int(o.edge)
            let f = g.edgeCostFactor[e], len = g.edgeLength[e], s = o.offset
            toA[i] = (g.edgeOneWay[e] && s > 0) ? Double.infinity : max(0, s) * f + o.leg
            toB[i] = max(0, len - s) * f + o.leg
            nodeCount[Int(g.edgeFrom[e]) + 1] += 1
            if g.edgeTo[e] != g.edgeFrom[e] { nodeCount[Int(g.edgeTo[e]) + 1] += 1 }
            byEdge.append((o.edge, Int32(i)))
        }
        byEdge.sort { $0.edge != $1.edge ? $0.edge < $1.edge : $0.origin < $1.origin }
        // Node → origins on an edge ending there (compressed rows).
        for v in 0 ..< g.nodeCount { nodeCount[v + 1] += nodeCount[v] }
        var fill = nodeCount
        var nodeOrigins = [Int32](repeating: 0, count: nodeCount[g.nodeCount])
        for (i, o) in origins.enumerated() where o.edge >= 0 {
            let e = Int(o.edge)
            let a = Int(g.edgeFrom[e]), b = Int(g.edgeTo[e])
            nodeOrigins[fill[a]] = Int32(i); fill[a] += 1
            if b != a { nodeOrigins[fill[b]] = Int32(i); fill[b] += 1 }
        }
        let nodeStart = nodeCount
        // Slightly beyond the threshold: a cost just above it may round to a Float that is ≤ the threshold.
        let searchCutoff = min(cutoff, threshold * (1 + 1e-6) + 1e-6)
        let nc = candidates.count
        var rows = [[(Int32, Float)]](repeating: [], count: nc)
        let workers = max(1, min(nc, 64))
        rows.withUnsafeMutableBufferPointer { out in
            let outP = UncheckedSendable(out.baseAddress!)
            let shared = UncheckedSendable((toA, toB, nodeStart, nodeOrigins, byEdge))
            Parallel.forEach(workers, threads: threads) { w in
                let (toA, toB, nodeStart, nodeOrigins, byEdge) = shared.value
                var stamp = [Int32](repeating: -1, count: m)
                engine.withWorkspace { ws in
                    var c = w
                    while c < nc {
                        defer { c += workers }
                        let pos = candidates[c]
                        guard pos.edge >= 0 else { continue }
                        ws.search(FacilitySet(name: "candidate", positions: [pos], ids: [0]), cutoff: searchCutoff, trackNearest: false)
                        var row: [(Int32, Float)] = []
                        let e = Int(pos.edge)
                        let f = g.edgeCostFactor[e], oneWay = g.edgeOneWay[e]
                        func consider(_ i: Int) {
                            guard stamp[i] != Int32(c) else { return }
                            stamp[i] = Int32(c)
                            let o = origins[i]
                            let oe = Int(o.edge)
                            var best = ws.distance(node: Int(g.edgeTo[oe])) + toB[i]
                            let da = ws.distance(node: Int(g.edgeFrom[oe])) + toA[i]
                            if da < best { best = da }
                            if oe == e {
                                var sc = Double.infinity
                                if pos.offset >= o.offset { sc = (pos.offset - o.offset) * f + pos.leg + o.leg }
                                else if !oneWay { sc = (o.offset - pos.offset) * f + pos.leg + o.leg }
                                if sc < best { best = sc }
                            }
                            guard best <= cutoff else { return }
                            let d = Float(best)
                            if Double(d) <= threshold { row.append((Int32(i), d)) }
                        }
                        for v in ws.touchedNodes {
                            for k in nodeStart[Int(v)] ..< nodeStart[Int(v) + 1] { consider(Int(nodeOrigins[k])) }
                        }
                        // Origins on the candidate's own edge (reachable along it even when neither end is).
                        var lo = 0, hi = byEdge.count
                        while lo < hi { let mid = (lo + hi) / 2; if byEdge[mid].edge < pos.edge { lo = mid + 1 } else { hi = mid } }
                        while lo < byEdge.count && byEdge[lo].edge == pos.edge { consider(Int(byEdge[lo].origin)); lo += 1 }
                        row.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
                        outP.value[c] = row
                    }
                }
            }
        }
        var start = [0], items: [Int32] = [], cost: [Float] = []
        items.reserveCapacity(rows.reduce(0) { $0 + $1.count })
        for r in rows { for (i, d) in r { items.append(i); cost.append(d) }; start.append(items.count) }
        return (start, items, cost)
    }
}
