/// The raw memory of one ``DijkstraWorkspace``, owned in one place.
///
/// In the manner of swift-collections' `_UnsafeHandle`: `SearchStorage` is `~Copyable` and is the only owner of the
/// per-node and per-edge buffers (allocated in `init`, freed in `deinit`); code reaches them through
/// ``withHandle(_:)``, whose ``SearchHandle`` is a plain view of the pointers that is valid only inside the closure.
/// Public entry points of the workspace check their arguments against `nodeCount` / `edgeCount` before they get here;
/// the handle's own accesses are checked only in builds with `-Xswiftc -DCIMBASE_INTERNAL_CHECKS` (CI runs the suite so once).
struct SearchStorage: ~Copyable {
    let nodeCount: Int
    let edgeCount: Int
    private var handle: SearchHandle

    init(graph: WalkGraph) {
        let n = graph.nodeCount, cap = max(n, 1)
        nodeCount = n
        edgeCount = graph.edgeCount
        let state = UnsafeMutablePointer<NodeState>.allocate(capacity: cap)
        state.initialize(repeating: NodeState(dist: .infinity, arcStart: 0, arcEnd: 0), count: cap)
        for v in 0 ..< n { state[v].arcStart = graph.inStart[v]; state[v].arcEnd = graph.inStart[v + 1] }
        let label = UnsafeMutablePointer<Int32>.allocate(capacity: cap)
        label.initialize(repeating: -1, count: cap)
        let touched = UnsafeMutablePointer<Int32>.allocate(capacity: cap)
        touched.initialize(repeating: 0, count: cap)
        let words = (graph.edgeCount + 63) / 64 + 1
        let edgeBits = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        edgeBits.initialize(repeating: 0, count: words)
        let heapCapacity = 1024
        let heapBuf = UnsafeMutablePointer<HeapItem>.allocate(capacity: heapCapacity)
        let counters = UnsafeMutablePointer<SearchCounters>.allocate(capacity: 1)
        counters.initialize(to: SearchCounters(touchedCount: 0, heap: HeapState(buf: heapBuf, count: 0, capacity: heapCapacity)))
        handle = SearchHandle(nodeCount: n, edgeWords: words, state: state, label: label, touched: touched, edgeBits: edgeBits,
                              counters: counters, k: 0, kCount: nil, kDist: nil, kSrc: nil)
    }

    deinit {
        handle.state.deallocate(); handle.label.deallocate(); handle.touched.deallocate(); handle.edgeBits.deallocate()
        handle.counters.pointee.heap.buf.deallocate()
        handle.counters.deallocate()
        handle.kCount?.deallocate(); handle.kDist?.deallocate(); handle.kSrc?.deallocate()
    }

    /// Runs `body` with the buffers; the handle must not escape the closure.
    @inline(__always) func withHandle<R>(_ body: (SearchHandle) throws -> R) rethrows -> R { try body(handle) }

    /// Labels kept per node by the k-nearest search (0 until ``reserveLabels(_:)``).
    var k: Int { handle.k }

    /// (Re)allocates the k-nearest label buffers for `k` labels per node (all empty); no-op when already `k`.
    mutating func reserveLabels(_ k: Int) {
        precondition(k >= 1 && k <= DijkstraWorkspace.maxK, "k must be in 1...\(DijkstraWorkspace.maxK)")
        if handle.k == k { return }
        handle.kCount?.deallocate(); handle.kDist?.deallocate(); handle.kSrc?.deallocate()
        let cap = max(nodeCount, 1)
        let kc = UnsafeMutablePointer<UInt8>.allocate(capacity: cap); kc.initialize(repeating: 0, count: cap)
        let kd = UnsafeMutablePointer<Double>.allocate(capacity: cap * k); kd.initialize(repeating: .infinity, count: cap * k)
        let ks = UnsafeMutablePointer<Int32>.allocate(capacity: cap * k); ks.initialize(repeating: -1, count: cap * k)
        handle.k = k; handle.kCount = kc; handle.kDist = kd; handle.kSrc = ks
    }
}

/// Counters that change during a search, kept in storage so that every copy of the handle sees them.
struct SearchCounters {
    var touchedCount: Int
    var heap: HeapState
}

/// A view of ``SearchStorage``'s buffers, valid inside ``SearchStorage/withHandle(_:)`` only. Copyable on purpose: the
/// hot loops keep its pointers in registers. It owns nothing.
struct SearchHandle {
    let nodeCount: Int
    let edgeWords: Int
    /// Per-node search state: distance and the node's incoming-arc range (copied from the graph so that one cache
    /// line serves both the stale-entry check and the arc lookup).
    let state: UnsafeMutablePointer<NodeState>
    /// Per node: index of the nearest facility of the last search (-1 when none).
    let label: UnsafeMutablePointer<Int32>
    /// Nodes touched by the last search, in the order they were reached (`counters.touchedCount` of them).
    let touched: UnsafeMutablePointer<Int32>
    /// One bit per edge: the edge carries a facility of the current search.
    let edgeBits: UnsafeMutablePointer<UInt64>
    let counters: UnsafeMutablePointer<SearchCounters>
    // k-nearest labels: kCount[v] labels at kDist[v*k ..< v*k+kCount[v]] / kSrc[...], ascending by cost.
    var k: Int
    var kCount: UnsafeMutablePointer<UInt8>?
    var kDist: UnsafeMutablePointer<Double>?
    var kSrc: UnsafeMutablePointer<Int32>?

    var touchedCount: Int {
        get { counters.pointee.touchedCount }
        nonmutating set { counters.pointee.touchedCount = newValue }
    }

    /// The touched nodes (valid until the next search).
    var touchedNodes: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: touched, count: touchedCount) }

    @inline(__always) func checkNode(_ v: Int) { internalCheck(v >= 0 && v < nodeCount, "node \(v) outside 0..<\(nodeCount)") }

    @inline(__always) func edgeHasFacility(_ e: Int) -> Bool {
        internalCheck(e >= 0 && e >> 6 < edgeWords, "edge \(e) outside the edge bit set")
        return edgeBits[e >> 6] & (1 << UInt64(e & 63)) != 0
    }

    @inline(__always) func setEdgeBit(_ e: Int) {
        internalCheck(e >= 0 && e >> 6 < edgeWords, "edge \(e) outside the edge bit set")
        edgeBits[e >> 6] |= 1 << UInt64(e & 63)
    }

    @inline(__always) func clearEdgeWord(_ e: Int) {
        internalCheck(e >= 0 && e >> 6 < edgeWords, "edge \(e) outside the edge bit set")
        edgeBits[e >> 6] = 0
    }
}

/// A precondition that only builds with `-DCIMBASE_INTERNAL_CHECKS` evaluate (internal invariants on hot paths;
/// public entry points check their arguments unconditionally).
@inline(__always) func internalCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    #if CIMBASE_INTERNAL_CHECKS
    precondition(condition(), message())
    #endif
}

/// Binary min-heap of (key, node, src) with lazy deletion (stale entries are skipped by the caller).
///
/// A value type the search loops copy into a local variable (so its fields stay in registers) and write back; its buffer
/// is owned by ``SearchStorage``, which frees the buffer the stored state holds. Growth replaces the buffer.
struct HeapState {
    var buf: UnsafeMutablePointer<HeapItem>
    var count: Int
    var capacity: Int

    @inline(__always) mutating func push(_ item: HeapItem) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) >> 1
            let pe = buf[p]
            if pe.key <= item.key { break }
            buf[i] = pe
            i = p
        }
        buf[i] = item
    }

    mutating func grow() {
        let nc = capacity * 2
        let nb = UnsafeMutablePointer<HeapItem>.allocate(capacity: nc)
        nb.moveInitialize(from: buf, count: count)
        buf.deallocate()
        buf = nb; capacity = nc
    }

    /// Removes and returns the smallest entry; the heap must not be empty.
    @inline(__always) mutating func pop() -> HeapItem {
        internalCheck(count > 0, "pop from an empty heap")
        let top = buf[0]
        count -= 1
        let last = buf[count]
        let cnt = count
        var i = 0
        while true {
            var c = 2 * i + 1
            if c >= cnt { break }
            if c + 1 < cnt && buf[c + 1].key < buf[c].key { c += 1 }
            let ce = buf[c]
            if ce.key >= last.key { break }
            buf[i] = ce
            i = c
        }
        buf[i] = last
        return top
    }
}

/// Per-node search state (16 bytes).
struct NodeState {
    var dist: Double
    var arcStart: Int32
    var arcEnd: Int32
}

/// A heap entry: tentative cost, node and the facility it comes from.
struct HeapItem {
    var key: Double
    var node: Int32
    var src: Int32
}
