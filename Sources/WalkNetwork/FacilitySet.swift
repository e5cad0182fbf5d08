/// The snapped facilities of one category (e.g. all kindergartens), searched together as one multi-source search.
public struct FacilitySet: Sendable {
    /// Category name, carried to results (e.g. "kindergarten").
    public var name: String
    /// Snapped positions; failed positions (`edge == -1`) are ignored.
    public var positions: [EdgePosition]
    /// Caller's facility ids, same order as `positions` (reported by k-nearest results).
    public var ids: [Int64]

    /// A named set of snapped facilities; `ids` must have one entry per position (precondition).
    public init(name: String, positions: [EdgePosition], ids: [Int64]) {
        precondition(positions.count == ids.count, "one id per position")
        self.name = name
        self.positions = positions
        self.ids = ids
    }

    /// Facilities sorted by edge, for the same-edge case: `(edge, facility index)` pairs ascending by edge.
    func byEdge() -> [EdgeFacility] {
        var out: [EdgeFacility] = []
        out.reserveCapacity(positions.count)
        for (i, p) in positions.enumerated() where p.edge >= 0 { out.append(EdgeFacility(edge: p.edge, facility: Int32(i))) }
        out.sort { $0.edge != $1.edge ? $0.edge < $1.edge : $0.facility < $1.facility }
        return out
    }
}

struct EdgeFacility: Sendable {
    var edge: Int32
    var facility: Int32
}

extension Collection where Element == EdgeFacility, Index == Int {
    /// Index range of entries with `edge == e` (binary search).
    func range(ofEdge e: Int32) -> Range<Int> {
        var lo = startIndex, hi = endIndex
        while lo < hi { let m = (lo + hi) / 2; if self[m].edge < e { lo = m + 1 } else { hi = m } }
        var end = lo
        while end < endIndex && self[end].edge == e { end += 1 }
        return lo ..< end
    }
}
