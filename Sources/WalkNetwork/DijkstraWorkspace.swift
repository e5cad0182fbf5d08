/// Per-worker state for bounded multi-source Dijkstra on a ``WalkGraph``: flat per-node arrays reused between searches.
///
/// Searches run on the *incoming* adjacency, so `distance(node:)` is the cost of walking from the node to the nearest
/// facility (one-way edges respected in walking direction). Each facility position seeds both ends of its edge:
/// the start node with leg + offset × factor (walking forward to it), the end node with leg + (length − offset) × factor
/// (walking backward, only if the edge is two-way). A binary heap with lazy deletion drives the search (Dijkstra 1959);
/// nodes beyond `cutoff` are never settled. Only touched nodes are reset before the next search. Facilities are seeded
/// in spatially compact batches into the same distance array (pruned Dijkstra: exact, and 2.5–3× faster on a 1M-node
/// graph than seeding all at once because each batch stays in cache).
///
/// The loop also issues early loads of the node states of the next heap entries, so the out-of-order core overlaps
/// their cache misses with the current relaxations (the search is memory-latency bound on large graphs); nodes are
/// Hilbert-ordered by ``WalkGraph`` for the same reason.
///
/// Complexity: O((V' + E') log V') for the V' nodes and E' arcs within the cutoff; memory 24 B per node (+1 + 12·k B
/// for the k-nearest variant) plus the heap. Not thread-safe: use one workspace per worker. The raw memory sits in one
/// owner, ``SearchStorage``; public entry points check node, edge and facility-set arguments against this graph.
public final class DijkstraWorkspace {
    /// The graph this workspace searches (facility sets and origins must be snapped to it).
    public let graph: WalkGraph
    let n: Int
    /// Every raw buffer of the workspace, owned in one place.
    var storage: SearchStorage
    /// Keeps the prefetch loads observable (never read).
    var prefetchSink: Int32 = 0
    /// Cutoff of the last search (costs above it were not explored).
    public internal(set) var cutoff: Double = 0
    /// Facility set of the last search.
    public internal(set) var facilities: FacilitySet?
    var sameEdge: [EdgeFacility] = []
    var facilityPositions: [EdgePosition] = []

    /// Allocates the per-node state for `graph`: O(V) time, 24 B per node plus one bit per edge.
    public init(graph: WalkGraph) {
        self.graph = graph
        n = graph.nodeCount
        storage = SearchStorage(graph: graph)
    }

    /// Nodes reached by the last search (their distances are ≤ cutoff), in the order they were reached.
    public var touchedNodes: [Int32] { storage.withHandle { Array($0.touchedNodes) } }

    /// Number of nodes reached by the last search.
    public var touchedCount: Int { storage.withHandle { $0.touchedCount } }

    /// Cost from node `v` to the nearest facility of the last search; `.infinity` when beyond the cutoff. O(1).
    public func distance(node v: Int) -> Double {
        precondition(v >= 0 && v < n, "node \(v) is not a node of this graph (0..<\(n))")
        return storage.withHandle { $0.state[v].dist }
    }

    /// Index (into the facility set) of the nearest facility from node `v`; -1 when none within the cutoff. O(1).
    public func nearestFacility(node v: Int) -> Int32 {
        precondition(v >= 0 && v < n, "node \(v) is not a node of this graph (0..<\(n))")
        return storage.withHandle { $0.label[v] }
    }

    // MARK: search

    /// Resets the nodes touched by the previous search.
    func reset() {
        storage.withHandle { h in
            for x in sameEdge { h.clearEdgeWord(Int(x.edge)) }
            for v in h.touchedNodes { h.state[Int(v)].dist = .infinity; h.label[Int(v)] = -1 }
            if let kc = h.kCount { for v in h.touchedNodes { kc[Int(v)] = 0 } }
            h.touchedCount = 0
            h.counters.pointee.heap.count = 0
        }
    }

    /// Runs one bounded multi-source search from all facilities of `facilities`.
    /// `trackNearest: false` skips recording which facility is nearest (faster when only distances are needed;
    /// `nearestFacility(node:)` and the facility index of `distance(at:)` are then meaningless).
    ///
    /// Facilities are seeded in spatially compact batches (`batchSize` facilities consecutive in the graph's Hilbert
    /// node order; nil = automatic: 1/512 of the set but at least 16): the search runs to exhaustion for one
    /// batch, then the next batch is seeded into the same distance array and only improves nodes. The result is exact
    /// — a node that a later batch does not improve cannot lead to an improvement elsewhere (pruned Dijkstra) — and
    /// each batch works in a small region of memory, which is what makes large graphs fast.
    ///
    /// Precondition: every snapped facility lies on an edge of this graph (a set snapped to another graph traps here,
    /// before any memory is written).
    public func search(_ facilities: FacilitySet, cutoff: Double, trackNearest: Bool = true, batchSize: Int? = nil) {
        reset()
        self.cutoff = cutoff
        setFacilities(facilities)
        let g = graph
        let (keyed, batch) = seedingOrder(facilities, batchSize: batchSize)
        storage.withHandle { h in
            var b0 = 0
            while b0 < keyed.count {
                let b1 = min(keyed.count, b0 + batch)
                for item in keyed[b0 ..< b1] {
                    let fi = Int(item.payload)
                    let pos = facilities.positions[fi]
                    let e = Int(pos.edge)
                    let f = g.edgeCostFactor[e]
                    seed(h, Int(g.edgeFrom[e]), pos.leg + pos.offset * f, Int32(fi))
                    // A facility exactly at the end of a one-way edge is at that node: seed it there too.
                    if !g.edgeOneWay[e] || pos.offset >= g.edgeLength[e] {
                        seed(h, Int(g.edgeTo[e]), pos.leg + max(0, g.edgeLength[e] - pos.offset) * f, Int32(fi))
                    }
                }
                settle(h, cutoff: cutoff, trackNearest: trackNearest)
                b0 = b1
            }
        }
    }

    /// Records the facility set of a new search (after `reset()`), checking that it belongs to this graph.
    func setFacilities(_ facilities: FacilitySet) {
        let edges = Int32(graph.edgeCount)
        for p in facilities.positions where p.edge >= edges {
            preconditionFailure("facility set '\(facilities.name)' was snapped to another graph: edge \(p.edge) ≥ \(edges) edges")
        }
        self.facilities = facilities
        self.sameEdge = facilities.byEdge()
        self.facilityPositions = facilities.positions
        storage.withHandle { h in for x in sameEdge { h.setEdgeBit(Int(x.edge)) } }
    }

    /// True when edge `e` carries a facility of the current search.
    @inline(__always) func edgeHasFacility(_ e: Int) -> Bool { storage.withHandle { $0.edgeHasFacility(e) } }

    /// Runs the Dijkstra loop until the heap is empty.
    func settle(_ h: SearchHandle, cutoff: Double, trackNearest: Bool) {
        let g = graph
        // Hot loop on locals only (no class-property access, hence no exclusivity checks).
        var heap = h.counters.pointee.heap
        var tc = h.touchedCount
        let touchedBuf = h.touched
        let n = self.n
        g.inArcs.withUnsafeBufferPointer { arcsB in
            guard let arcs = arcsB.baseAddress else { heap.count = 0; return }
            let state = h.state, label = h.label
            let lastArc = max(0, arcsB.count - 1)
            var sink: Int32 = 0
            defer { prefetchSink = sink }
            while heap.count > 0 {
                let top = heap.pop()
                let u = Int(top.node)
                internalCheck(u >= 0 && u < n, "heap node \(u) outside the graph")
                let su = state[u]
                if top.key > su.dist { continue }
                // Software prefetch: load the state and first arc of the likely next nodes (the new heap top and its
                // children) now, so the out-of-order core overlaps those cache misses with this node's relaxations.
                if heap.count > 2 {
                    let n0 = state[Int(heap.buf[0].node)], n1 = state[Int(heap.buf[1].node)], n2 = state[Int(heap.buf[2].node)]
                    sink &+= arcs[min(Int(n0.arcStart), lastArc)].node &+ arcs[min(Int(n1.arcStart), lastArc)].node
                        &+ arcs[min(Int(n2.arcStart), lastArc)].node
                }
                let lu = trackNearest ? label[u] : 0
                var j = Int(su.arcStart)
                let end = Int(su.arcEnd)
                internalCheck(end <= arcsB.count, "arc range of node \(u) outside the arcs")
                while j < end {
                    let arc = arcs[j]
                    let nd = top.key + arc.cost
                    let w = Int(arc.node)
                    if nd <= cutoff && nd < state[w].dist {
                        if state[w].dist == .infinity { internalCheck(tc < n, "touched overflow"); touchedBuf[tc] = arc.node; tc += 1 }
                        state[w].dist = nd
                        if trackNearest { label[w] = lu }
                        heap.push(HeapItem(key: nd, node: arc.node, src: lu))
                    }
                    j += 1
                }
            }
        }
        h.touchedCount = tc
        h.counters.pointee.heap = heap
    }

    @inline(__always) func seed(_ h: SearchHandle, _ v: Int, _ d: Double, _ fi: Int32) {
        h.checkNode(v)
        guard d <= cutoff, d < h.state[v].dist else { return }
        if h.state[v].dist == .infinity { h.touched[h.touchedCount] = Int32(v); h.touchedCount += 1 }
        h.state[v].dist = d
        h.label[v] = fi
        h.counters.pointee.heap.push(HeapItem(key: d, node: Int32(v), src: fi))
    }

    /// Walking cost from a snapped origin to its nearest facility of the last search, with that facility's index:
    /// leg + min(forward to the edge end, backward to the edge start if two-way, same-edge facilities).
    /// Returns (`.infinity`, -1) beyond the cutoff and (`.nan`, -1) for a failed origin. O(1) plus O(log F) on
    /// an edge that carries facilities.
    public func distance(at pos: EdgePosition) -> (distance: Double, facility: Int32) {
        precondition(pos.edge < Int32(graph.edgeCount), "origin on edge \(pos.edge), not an edge of this graph")
        return storage.withHandle { h in
            graph.withView { view in
                facilityPositions.withUnsafeBufferPointer { fp in
                    sameEdge.withUnsafeBufferPointer { se in evaluate(h, pos, view, fp, se, cutoff) }
                }
            }
        }
    }

    /// Bulk form of ``distance(at:)``: `Float` costs per origin (+∞ beyond the cutoff, NaN for failed origins) and the
    /// nearest facility's index (-1 when none). `order` (optional) is a permutation of the origin indices giving the
    /// evaluation order (results still go to the origin's own slot); ordering origins by node id makes the node-state
    /// reads cache-friendly. O(m).
    public func distances(at origins: [EdgePosition], order: [Int32]? = nil) -> (distances: [Float], facilities: [Int32]) {
        let m = origins.count
        let edges = Int32(graph.edgeCount)
        for o in origins where o.edge >= edges { preconditionFailure("origin on edge \(o.edge), not an edge of this graph") }
        if let order {
            precondition(order.count == m, "order has \(order.count) entries for \(m) origins")
            var seen = [Bool](repeating: false, count: m)
            for i in order {
                precondition(i >= 0 && Int(i) < m && !seen[Int(i)], "order is not a permutation of 0..<\(m)")
                seen[Int(i)] = true
            }
        }
        var out = [Float](repeating: .infinity, count: m)
        var fac = [Int32](repeating: -1, count: m)
        storage.withHandle { h in
            graph.withView { view in
                facilityPositions.withUnsafeBufferPointer { fp in
                    sameEdge.withUnsafeBufferPointer { se in
                        let cutoff = self.cutoff
                        for r0 in 0 ..< m {
                            let i = order.map { Int($0[r0]) } ?? r0
                            let r = evaluate(h, origins[i], view, fp, se, cutoff)
                            out[i] = Float(r.distance)
                            fac[i] = r.facility
                        }
                    }
                }
            }
        }
        return (out, fac)
    }

    @inline(__always)
    func evaluate(_ h: SearchHandle, _ pos: EdgePosition, _ g: GraphView, _ fac: UnsafeBufferPointer<EdgePosition>,
                  _ sameEdge: UnsafeBufferPointer<EdgeFacility>, _ cutoff: Double) -> (distance: Double, facility: Int32) {
        guard pos.edge >= 0 else { return (.nan, -1) }
        let e = Int(pos.edge)
        let f = g.factor[e], len = g.length[e], s = pos.offset
        let a = Int(g.from[e]), b = Int(g.to[e])
        let oneWay = g.oneWay[e]
        var best = Double.infinity, who: Int32 = -1
        let db = h.state[b].dist + max(0, len - s) * f
        if db < best { best = db; who = h.label[b] }
        // Backward along a one-way edge is not allowed, except from offset 0, which is the start node itself.
        if !oneWay || s <= 0 {
            let da = h.state[a].dist + max(0, s) * f
            if da < best { best = da; who = h.label[a] }
        }
        if h.edgeHasFacility(e) {
            for j in sameEdge.range(ofEdge: pos.edge) {
                let fi = sameEdge[j].facility
                let fp = fac[Int(fi)]
                let t = fp.offset
                let c: Double
                if t >= s { c = (t - s) * f + fp.leg } else if !oneWay { c = (s - t) * f + fp.leg } else { continue }
                if c < best { best = c; who = fi }
            }
        }
        best += pos.leg
        if !(best <= cutoff) { return (.infinity, -1) }
        return (best, who)
    }
}

/// Raw views of a graph's per-edge arrays, valid inside ``WalkGraph/withView(_:)``.
struct GraphView {
    let from: UnsafePointer<Int32>
    let to: UnsafePointer<Int32>
    let length: UnsafePointer<Double>
    let factor: UnsafePointer<Double>
    let oneWay: UnsafePointer<Bool>
}

extension WalkGraph {
    /// Runs `body` with raw pointers to the per-edge arrays (no per-access bounds checks or retains).
    func withView<R>(_ body: (GraphView) -> R) -> R {
        edgeFrom.withUnsafeBufferPointer { f in
            edgeTo.withUnsafeBufferPointer { t in
                edgeLength.withUnsafeBufferPointer { l in
                    edgeCostFactor.withUnsafeBufferPointer { c in
                        edgeOneWay.withUnsafeBufferPointer { o in
                            body(GraphView(from: f.baseAddress ?? UnsafePointer(bitPattern: 8)!, to: t.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                           length: l.baseAddress ?? UnsafePointer(bitPattern: 8)!, factor: c.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                           oneWay: o.baseAddress ?? UnsafePointer(bitPattern: 8)!))
                        }
                    }
                }
            }
        }
    }
}

extension DijkstraWorkspace {
    /// Snapped facilities in Hilbert order of their edge's start node (nodes are numbered along a Hilbert curve), and
    /// the seeding batch size (nil = about 1/512 of the category, at least 16). Shared by the 1- and k-nearest searches.
    func seedingOrder(_ facilities: FacilitySet, batchSize: Int?) -> (keyed: [KeyedItem], batch: Int) {
        var keyed = [KeyedItem]()
        keyed.reserveCapacity(facilities.positions.count)
        for (fi, pos) in facilities.positions.enumerated() where pos.edge >= 0 {
            keyed.append(KeyedItem(key: UInt64(graph.edgeFrom[Int(pos.edge)]), payload: Int32(fi)))
        }
        radixSortByKey(&keyed)
        return (keyed, max(1, batchSize ?? max(16, keyed.count / 512)))
    }
}
