/// Snapped origins prepared once for evaluation against many categories: per origin the two end nodes of its edge and
/// the walking cost (leg included) from the origin to each end, sorted by start node (Hilbert order, so node states are
/// read with locality).
///
/// Complexity: O(m) to build (one radix sort); evaluation is O(1) per origin and category plus O(log F) when the edge
/// carries facilities (same-edge case).
struct OriginRecords {
    struct Record {
        var a: Int32
        var b: Int32
        /// Cost from the origin to node a (+∞ when walking back along a one-way edge is not allowed).
        var toA: Double
        /// Cost from the origin to node b.
        var toB: Double
        var edge: Int32
        /// Index of the origin in the caller's array.
        var index: Int32
    }
    var records: [Record] = []
    /// Indices of origins that failed to snap.
    var failed: [Int32] = []

    init(graph g: WalkGraph, origins: [EdgePosition]) {
        var keyed = [KeyedItem]()
        keyed.reserveCapacity(origins.count)
        for (i, o) in origins.enumerated() {
            if o.edge < 0 { failed.append(Int32(i)); continue }
            keyed.append(KeyedItem(key: UInt64(g.edgeFrom[Int(o.edge)]), payload: Int32(i)))
        }
        radixSortByKey(&keyed)
        records.reserveCapacity(keyed.count)
        for item in keyed {
            let o = origins[Int(item.payload)]
            let e = Int(o.edge)
            let f = g.edgeCostFactor[e], len = g.edgeLength[e], s = o.offset
            let toA = (g.edgeOneWay[e] && s > 0) ? Double.infinity : max(0, s) * f + o.leg
            records.append(Record(a: g.edgeFrom[e], b: g.edgeTo[e], toA: toA, toB: max(0, len - s) * f + o.leg,
                                  edge: o.edge, index: item.payload))
        }
    }
}

extension DijkstraWorkspace {
    /// Evaluates prepared origins after `search`: writes `out[index]` (+∞ beyond the cutoff) and, when given,
    /// `facility[index]` (nearest facility index, -1 when none). Failed origins are not touched.
    func evaluate(_ rec: OriginRecords, origins: [EdgePosition], into out: UnsafeMutableBufferPointer<Float>,
                  facility: UnsafeMutableBufferPointer<Int32>?) {
        precondition(out.count == origins.count && (facility.map { $0.count == origins.count } ?? true), "one output slot per origin")
        storage.withHandle { h in
        let state = h.state, label = h.label, cutoff = self.cutoff
        let g = graph
        rec.records.withUnsafeBufferPointer { rs in
            for r in rs {
                var best = state[Int(r.b)].dist + r.toB
                var who = label[Int(r.b)]
                let da = state[Int(r.a)].dist + r.toA
                if da < best { best = da; who = label[Int(r.a)] }
                if h.edgeHasFacility(Int(r.edge)) {
                    let o = origins[Int(r.index)]
                    let e = Int(r.edge)
                    let f = g.edgeCostFactor[e], oneWay = g.edgeOneWay[e]
                    for j in sameEdge.range(ofEdge: r.edge) {
                        let fi = sameEdge[j].facility
                        let fp = facilityPositions[Int(fi)]
                        let c: Double
                        if fp.offset >= o.offset { c = (fp.offset - o.offset) * f + fp.leg + o.leg }
                        else if !oneWay { c = (o.offset - fp.offset) * f + fp.leg + o.leg } else { continue }
                        if c < best { best = c; who = fi }
                    }
                }
                let i = Int(r.index)
                if best <= cutoff { out[i] = Float(best); facility?[i] = who } else { out[i] = .infinity; facility?[i] = -1 }
            }
        }
        }
    }
}
