/// Isochrone geometry done right: the pieces of edges from which a facility of the category is reachable within a
/// threshold, as polylines (to be buffered by a walking width). Never hulls.
///
/// For an edge a→b (length L, factor f) and threshold T, a point at offset s is covered when
/// `d(b) + (L − s)·f ≤ T` (walk forward), or `d(a) + s·f ≤ T` (walk backward, two-way edges only), or, for a facility on
/// the same edge at offset t with leg ℓ, `ℓ + (t − s)·f ≤ T` for s ≤ t (and `ℓ + (s − t)·f ≤ T` for s > t if two-way).
/// Each rule is an interval of s; intervals are merged and cut out of the edge geometry.
/// Complexity: one bounded search plus O(E + output size).
extension WalkAccessEngine {
    /// Covered edge intervals for `category` within `threshold` (metres of walking cost), one entry per covered
    /// interval. Complexity: one bounded search plus O(E + pieces).
    public func reachedPieces(category: FacilitySet, threshold: Double) -> [EdgePiece] {
        withWorkspace { ws in
            ws.search(category, cutoff: threshold, batchSize: batchSize)
            return ws.reachedPieces(threshold: threshold)
        }
    }

    /// Covered edge pieces as polylines (points in metres, edge direction). Complexity: as
    /// ``reachedPieces(category:threshold:)`` plus the output points.
    public func isochrone(category: FacilitySet, threshold: Double) -> [[SIMD2<Double>]] {
        reachedPieces(category: category, threshold: threshold).map { graph.subPolyline(edge: Int($0.edge), from: $0.from, to: $0.to) }
    }
}

/// A covered interval of one edge: offsets `from ≤ to` in metres from the edge start.
public struct EdgePiece: Sendable, Equatable {
    /// Edge index in the graph.
    public var edge: Int32
    /// Start of the covered interval, metres from the edge start.
    public var from: Double
    /// End of the covered interval, metres from the edge start (≥ `from`).
    public var to: Double
    /// The interval `from ... to` of `edge`.
    public init(edge: Int32, from: Double, to: Double) { self.edge = edge; self.from = from; self.to = to }
}

extension DijkstraWorkspace {
    /// Covered edge intervals after a search whose cutoff is ≥ `threshold`. Complexity: O(E + pieces), plus a sort of
    /// each edge's few intervals.
    public func reachedPieces(threshold t: Double) -> [EdgePiece] {
        let g = graph
        var out: [EdgePiece] = []
        var iv: [(Double, Double)] = []
        var facilityEdges = Set<Int32>()
        for x in sameEdge { facilityEdges.insert(x.edge) }
        for e in 0 ..< g.edgeCount {
            let a = Int(g.edgeFrom[e]), b = Int(g.edgeTo[e])
            let (da, db) = storage.withHandle { ($0.state[a].dist, $0.state[b].dist) }
            let hasFacility = facilityEdges.contains(Int32(e))
            if !(da <= t) && !(db <= t) && !hasFacility { continue }
            let len = g.edgeLength[e], f = g.edgeCostFactor[e], oneWay = g.edgeOneWay[e]
            iv.removeAll(keepingCapacity: true)
            if db <= t { iv.append((len - (t - db) / f, len)) }
            if !oneWay && da <= t { iv.append((0, (t - da) / f)) }
            if hasFacility, let fac = facilities {
                for j in sameEdge.range(ofEdge: Int32(e)) {
                    let p = fac.positions[Int(sameEdge[j].facility)]
                    guard p.leg <= t else { continue }
                    let r = (t - p.leg) / f
                    iv.append((p.offset - r, p.offset))
                    if !oneWay { iv.append((p.offset, p.offset + r)) }
                }
            }
            iv = iv.map { (max(0, $0.0), min(len, $0.1)) }.filter { $0.1 > $0.0 }
            iv.sort { $0.0 < $1.0 }
            var cur: (Double, Double)? = nil
            for x in iv {
                if let c = cur, x.0 <= c.1 { cur = (c.0, max(c.1, x.1)) } else {
                    if let c = cur { out.append(EdgePiece(edge: Int32(e), from: c.0, to: c.1)) }
                    cur = x
                }
            }
            if let c = cur { out.append(EdgePiece(edge: Int32(e), from: c.0, to: c.1)) }
        }
        return out
    }
}
