/// k-nearest facilities (k ≤ 3) per node by a multi-label Dijkstra: each node keeps up to k labels (facility, cost)
/// of distinct facilities, sorted by cost.
///
/// Heap entries carry their facility; an entry enters a node's list when that facility is not yet listed there and the
/// list has room or the entry beats its worst label (which then drops out). A node's k nearest facilities are reached
/// through neighbours for which the same facility is among *their* k nearest (if k facilities were nearer to the
/// neighbour, they would be nearer to the node too), so propagating only list entries is exact. Facilities are seeded in
/// Hilbert-ordered batches like ``DijkstraWorkspace/search(_:cutoff:trackNearest:batchSize:)``; a later batch's entry
/// may replace an earlier batch's worse label. Complexity: O(k (V' + E') log(k V')).
extension DijkstraWorkspace {
    /// Largest supported k.
    public static let maxK = 3

    /// Runs the k-nearest search; afterwards `nearest(at:)` gives up to k facilities per origin, and
    /// `distance(node:)` / `distance(at:)` the nearest one as after ``search(_:cutoff:trackNearest:batchSize:)``.
    public func searchKNearest(_ facilities: FacilitySet, cutoff: Double, k: Int, batchSize: Int? = nil) {
        precondition(k >= 1 && k <= Self.maxK, "k must be in 1...3")
        reset()
        storage.reserveLabels(k)
        self.cutoff = cutoff
        setFacilities(facilities)
        let g = graph
        let n = self.n
        let (keyed, batch) = seedingOrder(facilities, batchSize: batchSize)
        storage.withHandle { h in
            let kc = h.kCount!, kd = h.kDist!, ks = h.kSrc!

            /// Whether (d, src) would enter node w's list.
            @inline(__always) func canEnter(_ w: Int, _ d: Double, _ src: Int32) -> Bool {
                internalCheck(w >= 0 && w < n, "node \(w) outside the graph")
                let c = Int(kc[w])
                for j in 0 ..< c where ks[w * k + j] == src { return false }
                return c < k || d < kd[w * k + k - 1]
            }

            var b0 = 0
            while b0 < keyed.count {
                let b1 = min(keyed.count, b0 + batch)
                var heap = h.counters.pointee.heap
                for item in keyed[b0 ..< b1] {
                    let fi = item.payload
                    let pos = facilities.positions[Int(fi)]
                    let e = Int(pos.edge)
                    let f = g.edgeCostFactor[e]
                    let d0 = pos.leg + pos.offset * f
                    if d0 <= cutoff { heap.push(HeapItem(key: d0, node: g.edgeFrom[e], src: fi)) }
                    if !g.edgeOneWay[e] || pos.offset >= g.edgeLength[e] {
                        let d1 = pos.leg + max(0, g.edgeLength[e] - pos.offset) * f
                        if d1 <= cutoff { heap.push(HeapItem(key: d1, node: g.edgeTo[e], src: fi)) }
                    }
                }
                var tc = h.touchedCount
                let touchedBuf = h.touched
                let state = h.state, label = h.label
                g.inArcs.withUnsafeBufferPointer { arcsB in
                    guard let arcs = arcsB.baseAddress else { heap.count = 0; return }
                    while heap.count > 0 {
                        let top = heap.pop()
                        let u = Int(top.node)
                        if !canEnter(u, top.key, top.src) { continue }
                        // Insert in cost order (dropping the worst label when full).
                        var c = Int(kc[u])
                        if c == 0 { touchedBuf[tc] = top.node; tc += 1 }
                        if c == k { c -= 1 } else { kc[u] = UInt8(c + 1) }
                        var j = c
                        while j > 0 && kd[u * k + j - 1] > top.key {
                            kd[u * k + j] = kd[u * k + j - 1]; ks[u * k + j] = ks[u * k + j - 1]; j -= 1
                        }
                        kd[u * k + j] = top.key; ks[u * k + j] = top.src
                        state[u].dist = kd[u * k]; label[u] = ks[u * k]
                        var a = Int(state[u].arcStart)
                        let end = Int(state[u].arcEnd)
                        while a < end {
                            let arc = arcs[a]
                            let nd = top.key + arc.cost
                            if nd <= cutoff && canEnter(Int(arc.node), nd, top.src) {
                                heap.push(HeapItem(key: nd, node: arc.node, src: top.src))
                            }
                            a += 1
                        }
                    }
                }
                h.touchedCount = tc
                h.counters.pointee.heap = heap
                b0 = b1
            }
        }
    }

    /// Up to k nearest facilities (index into the facility set, cost) from a snapped origin after `searchKNearest`,
    /// ascending by cost, each distinct, all ≤ cutoff. Empty for failed origins and before any k-nearest search.
    public func nearest(at pos: EdgePosition) -> [(facility: Int32, distance: Double)] {
        var ids = [Int32](), ds = [Double]()
        let c = nearest(at: pos, ids: &ids, distances: &ds)
        return (0 ..< c).map { (ids[$0], ds[$0]) }
    }

    /// Allocation-free form of ``nearest(at:)`` for loops over many origins: fills `ids` / `distances` (resized to k
    /// when their count differs; the slots past the returned count are -1 / +∞) and returns how many were found.
    public func nearest(at pos: EdgePosition, ids: inout [Int32], distances: inout [Double]) -> Int {
        precondition(pos.edge < Int32(graph.edgeCount), "origin on edge \(pos.edge), not an edge of this graph")
        let k = storage.k
        if ids.count != k { ids = [Int32](repeating: -1, count: k) }
        if distances.count != k { distances = [Double](repeating: .infinity, count: k) }
        return ids.withUnsafeMutableBufferPointer { ip in
            distances.withUnsafeMutableBufferPointer { dp in nearest(at: pos, ip, dp) }
        }
    }

    /// Writes up to k entries (ascending) into `ids` / `distances` (k slots each) and returns how many.
    func nearest(at pos: EdgePosition, _ ids: UnsafeMutableBufferPointer<Int32>, _ distances: UnsafeMutableBufferPointer<Double>) -> Int {
        storage.withHandle { h in
            let k = h.k
            internalCheck(ids.count >= k && distances.count >= k, "k-nearest output buffers too small")
            for j in 0 ..< k { ids[j] = -1; distances[j] = .infinity }
            guard pos.edge >= 0, k > 0, let kc = h.kCount, let kd = h.kDist, let ks = h.kSrc else { return 0 }
            var count = 0
            /// Offers a candidate: keeps the list sorted, distinct, at most k long.
            @inline(__always) func offer(_ fi: Int32, _ d: Double) {
                guard d <= cutoff else { return }
                for j in 0 ..< count where ids[j] == fi {
                    if distances[j] <= d { return }
                    // Better route to a listed facility: remove it, then insert below.
                    var m = j
                    while m + 1 < count { ids[m] = ids[m + 1]; distances[m] = distances[m + 1]; m += 1 }
                    count -= 1
                    break
                }
                if count == k && d >= distances[k - 1] { return }
                var j = count == k ? k - 1 : count
                if count < k { count += 1 }
                while j > 0 && distances[j - 1] > d { ids[j] = ids[j - 1]; distances[j] = distances[j - 1]; j -= 1 }
                ids[j] = fi; distances[j] = d
            }
            let g = graph
            let e = Int(pos.edge)
            let f = g.edgeCostFactor[e], len = g.edgeLength[e], s = pos.offset, leg = pos.leg
            let a = Int(g.edgeFrom[e]), b = Int(g.edgeTo[e])
            for j in 0 ..< Int(kc[b]) { offer(ks[b * k + j], kd[b * k + j] + max(0, len - s) * f + leg) }
            if !g.edgeOneWay[e] || s <= 0 { for j in 0 ..< Int(kc[a]) { offer(ks[a * k + j], kd[a * k + j] + max(0, s) * f + leg) } }
            if h.edgeHasFacility(e) {
                for j in sameEdge.range(ofEdge: pos.edge) {
                    let fi = sameEdge[j].facility
                    let fp = facilityPositions[Int(fi)]
                    if fp.offset >= s { offer(fi, (fp.offset - s) * f + fp.leg + leg) }
                    else if !g.edgeOneWay[e] { offer(fi, (s - fp.offset) * f + fp.leg + leg) }
                }
            }
            return count
        }
    }
}
