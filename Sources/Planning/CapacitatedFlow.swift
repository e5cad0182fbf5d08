/// The weight a set of capacitated sites serves: the optimal assignment of demand to the chosen sites that reach it,
/// each site serving at most `capacity` and each demand point at most its weight (split between sites if need be) —
/// the maximum flow source → demand point → site → sink (Ford & Fulkerson 1956), which is the assignment of the
/// capacitated maximal covering integer program (Current & Storbeck 1988) for a fixed site set.
///
/// The flow is kept at a maximum incrementally, and every change can be rolled back (``checkpoint()``,
/// ``rollback(to:)``), so the planner values a trial site or a trial swap by changing this one flow and undoing it:
///
/// - **Adding** site c (``add(_:)``) raises the capacity of the edge c → sink from 0 to `capacity`. Every augmenting path
///   then ends with that edge: the flow was a maximum without it, and augmenting along a path through it cannot open a
///   path that avoids it (a path avoiding it that used a reversed edge of the augmented path could be shortcut through
///   that path's prefix into a path the previous flow already had). So only paths into c are searched: first the one-
///   edge paths (unserved weight in c's row, no search), then a breadth-first search backwards from c — c ← point in its
///   row ← a chosen site serving that point (whose share can move) ← a point in that site's row ← … — until a point with
///   unserved weight. A site with spare capacity is never passed through: anything that reaches it reaches the sink
///   without c, which the maximum excludes; so the search only crosses saturated sites, and where the capacity does not
///   bind it costs c's row and its points' chosen sites.
/// - **Removing** site r (``remove(_:)``) drops its flow; the points it served are short. Every augmenting path now
///   starts at one of them (the other source edges are unchanged and, by the same argument, stay dead), so the repair
///   is a breadth-first search forwards from those points — point → a chosen site covering it; a site with spare
///   capacity ends the path, a saturated one passes on to the points it serves — until none is left.
///
/// State in flat arrays, indexed by row entry (the flow on point → site; a doubly linked list per point of the chosen
/// sites' entries covering it), by demand point and by candidate; search marks are reused with a generation counter,
/// so a search allocates nothing and costs the entries it visits. `work` counts those entries (the callers' budgets).
///
/// The value of a site set F(S) is monotone and submodular, so the gain of a candidate can only fall as sites are
/// added (lazy greedy stays exact): by max-flow min-cut, F(S) = min over T ⊆ S of w(N(T)) + capacity · |S \ T| (the
/// sites T on the sink side force the points N(T) they reach to that side too), the reduction of the weighted coverage
/// polymatroid w(N(·)) by the vector capacity · 1. For optimal T_A ⊆ A, T_B ⊆ B, the sets T_A ∪ T_B ⊆ A ∪ B and
/// T_A ∩ T_B ⊆ A ∩ B give F(A ∪ B) + F(A ∩ B) ≤ F(A) + F(B): the coverage terms by submodularity of w(N(·)), the
/// capacity terms element by element (each site of A ∩ B is counted [∉ T_A] + [∉ T_B] times on both sides, each site
/// of A \ B or B \ A once). So F(S ∪ {c}) − F(S) ≥ F(S′ ∪ {c}) − F(S′) for S ⊆ S′, and an exchange of r ∈ S for c
/// gains at most F(S ∪ {c}) − F(S).
public struct CapacitatedFlow: Sendable {
    let p: CoverageProblem
    let capacity: Double
    let eps: Double
    /// Chosen candidates, in the order added (a removed one leaves its place; a rolled-back removal restores it).
    public private(set) var sites: [Int] = []
    /// Total weight served.
    public private(set) var served = 0.0
    /// Row entries visited so far (the searches' and the additions'/removals'): the cost callers budget by.
    public private(set) var work = 0

    /// Per row entry: its candidate; the flow on point → candidate (0 unless chosen); the linked list of chosen entries
    /// of the same point (-1: none).
    let entrySite: [Int32]
    var flow: [Double]
    var next: [Int32], prev: [Int32]
    /// Per demand point: the first chosen entry covering it; the weight served.
    var head: [Int32]
    var used: [Double]
    /// Per candidate: weight served; chosen or not.
    var load: [Double]
    var chosen: [Bool]
    /// Search workspace: generation marks, the entry each node was reached by, the queue, the ends found.
    var pointMark: [UInt32], siteMark: [UInt32]
    var gen: UInt32 = 0
    var pointFrom: [Int32], siteFrom: [Int32]
    var queue: [Int32] = [], ends: [Int32] = [], freed: [Int32] = []
    /// Undo log (written while a checkpoint is open): what changed and its old value.
    var log: [LogEntry] = []
    var open = 0

    enum LogKind: UInt8 { case flow, used, load, links, added, removed }
    struct LogEntry { var kind: LogKind; var index: Int32; var value: Double }

    /// A point to roll back to (``checkpoint()``).
    public struct Checkpoint: Sendable { let logCount: Int; let served: Double }

    /// An empty site set for `p` with sites of `capacity`.
    public init(_ p: CoverageProblem, capacity: Double) {
        self.p = p; self.capacity = capacity
        eps = 1e-12 * max(1, p.weights.reduce(0, +))
        let n = p.weights.count, nc = p.candidateCount, ne = p.items.count
        var es = [Int32](repeating: 0, count: ne)
        for c in 0 ..< nc { for e in p.start[c] ..< p.start[c + 1] { es[e] = Int32(c) } }
        entrySite = es
        flow = [Double](repeating: 0, count: ne)
        next = [Int32](repeating: -1, count: ne); prev = [Int32](repeating: -1, count: ne)
        head = [Int32](repeating: -1, count: n)
        used = [Double](repeating: 0, count: n)
        load = [Double](repeating: 0, count: nc)
        chosen = [Bool](repeating: false, count: nc)
        pointMark = [UInt32](repeating: 0, count: n); siteMark = [UInt32](repeating: 0, count: nc)
        pointFrom = [Int32](repeating: -1, count: n); siteFrom = [Int32](repeating: -1, count: nc)
    }

    /// The weight `sites` serve, by a fresh flow.
    public static func served(_ p: CoverageProblem, _ sites: [Int], capacity: Double) -> Double {
        evaluate(p, sites, capacity: capacity).served
    }

    /// The weight `sites` serve and the work it took (row entries visited plus the demand points, which a fresh flow
    /// allocates state for).
    public static func evaluate(_ p: CoverageProblem, _ sites: [Int], capacity: Double) -> (served: Double, work: Int) {
        var f = CapacitatedFlow(p, capacity: capacity)
        for s in sites { f.add(s) }
        return (f.served, f.work + p.weights.count)
    }

    /// Whether candidate `c` is in the set.
    public func contains(_ c: Int) -> Bool { chosen[c] }

    /// Weight served by chosen candidate `c`.
    public func load(of c: Int) -> Double { load[c] }

    // MARK: undo

    /// Opens a checkpoint: every change from here on is logged until it is rolled back or committed (checkpoints nest).
    public mutating func checkpoint() -> Checkpoint {
        open += 1
        return Checkpoint(logCount: log.count, served: served)
    }

    /// Undoes every change since `cp` (the state is restored exactly, list order included) and closes it.
    public mutating func rollback(to cp: Checkpoint) {
        precondition(open > 0 && cp.logCount <= log.count, "rollback without its checkpoint")
        while log.count > cp.logCount {
            let x = log.removeLast()
            let i = Int(x.index)
            switch x.kind {
            case .flow: flow[i] = x.value
            case .used: used[i] = x.value
            case .load: load[i] = x.value
            case .links:
                // An entry's own links before an addition pushed it (a removal's relinking needs them).
                let b = x.value.bitPattern
                prev[i] = Int32(truncatingIfNeeded: b >> 32); next[i] = Int32(truncatingIfNeeded: b)
            case .added:
                // Its entries were pushed on their points' lists in row order; later list changes are undone already.
                for e in stride(from: p.start[i + 1] - 1, through: p.start[i], by: -1) { unlink(e) }
                chosen[i] = false
                sites.removeLast()
            case .removed:
                for e in stride(from: p.start[i + 1] - 1, through: p.start[i], by: -1) { relink(e) }
                chosen[i] = true
                sites.insert(i, at: Int(x.value))
            }
        }
        served = cp.served
        open -= 1
    }

    /// Keeps the changes since `cp` and closes it (the log is dropped when no checkpoint is left open).
    public mutating func commit(_ cp: Checkpoint) {
        precondition(open > 0, "commit without its checkpoint")
        open -= 1
        if open == 0 { log.removeAll(keepingCapacity: true) }
    }

    @inline(__always) mutating func setFlow(_ e: Int, _ v: Double) {
        if open > 0 { log.append(LogEntry(kind: .flow, index: Int32(e), value: flow[e])) }
        flow[e] = v
    }
    @inline(__always) mutating func setUsed(_ i: Int, _ v: Double) {
        if open > 0 { log.append(LogEntry(kind: .used, index: Int32(i), value: used[i])) }
        used[i] = v
    }
    @inline(__always) mutating func setLoad(_ c: Int, _ v: Double) {
        if open > 0 { log.append(LogEntry(kind: .load, index: Int32(c), value: load[c])) }
        load[c] = v
    }

    /// Pushes entry `e` on its point's list.
    @inline(__always) mutating func link(_ e: Int) {
        let i = Int(p.items[e])
        let h = head[i]
        prev[e] = -1; next[e] = h
        if h >= 0 { prev[Int(h)] = Int32(e) }
        head[i] = Int32(e)
    }
    /// Takes entry `e` off its point's list, keeping its own links (so ``relink(_:)`` in reverse order restores it).
    @inline(__always) mutating func unlink(_ e: Int) {
        let a = prev[e], b = next[e]
        if a >= 0 { next[Int(a)] = b } else { head[Int(p.items[e])] = b }
        if b >= 0 { prev[Int(b)] = a }
    }
    @inline(__always) mutating func relink(_ e: Int) {
        let a = prev[e], b = next[e]
        if a >= 0 { next[Int(a)] = Int32(e) } else { head[Int(p.items[e])] = Int32(e) }
        if b >= 0 { prev[Int(b)] = Int32(e) }
    }

    @inline(__always) mutating func nextGeneration() {
        gen &+= 1
        if gen == 0 {
            for i in pointMark.indices { pointMark[i] = 0 }
            for j in siteMark.indices { siteMark[j] = 0 }
            gen = 1
        }
    }

    // MARK: add

    /// Adds candidate `c` (not in the set) and augments to a maximum flow; returns the increase of the served weight.
    @discardableResult
    public mutating func add(_ c: Int) -> Double {
        precondition(!chosen[c], "candidate \(c) is in the set already")
        let before = served
        let lo = p.start[c], hi = p.start[c + 1]
        if open > 0 {
            // The entries' own links first (a removal earlier in the log relinks by them), then the addition.
            for e in lo ..< hi {
                let b = UInt64(UInt32(bitPattern: prev[e])) << 32 | UInt64(UInt32(bitPattern: next[e]))
                log.append(LogEntry(kind: .links, index: Int32(e), value: Double(bitPattern: b)))
            }
            log.append(LogEntry(kind: .added, index: Int32(c), value: 0))
        }
        chosen[c] = true
        sites.append(c)
        work += hi - lo
        for e in lo ..< hi { link(e) }
        augment(into: c)
        return served - before
    }

    /// The increase of the served weight if candidate `c` (not in the set) were added: the addition's augmentation,
    /// rolled back. Cheaper than ``add(_:)`` + ``rollback(to:)``: c's entries are not linked into the points' lists (no
    /// search of this augmentation passes through c's lists: c is its root), so only flow changes are logged.
    public mutating func gain(_ c: Int) -> Double {
        precondition(!chosen[c], "candidate \(c) is in the set already")
        let cp = checkpoint()
        work += p.start[c + 1] - p.start[c]
        augment(into: c)
        let g = served - cp.served
        rollback(to: cp)
        return g
    }

    /// Augments to a maximum after c's edge to the sink opened: one-edge paths, then searches backwards from c.
    mutating func augment(into c: Int) {
        let lo = p.start[c], hi = p.start[c + 1]
        // Paths of one edge first (point → c), without a search: the unserved weight in its row, nearest first.
        var l = load[c]
        for e in lo ..< hi {
            let spare = capacity - l
            guard spare > eps else { break }
            let i = Int(p.items[e])
            let d = min(p.weights[i] - used[i], spare)
            guard d > eps else { continue }
            setUsed(i, used[i] + d); setFlow(e, flow[e] + d); l += d; served += d
        }
        setLoad(c, l)
        while capacity - load[c] > eps && augmentInto(c) {}
    }

    /// One breadth-first search backwards from `c` through saturated sites, then an augmentation along the tree path of
    /// every point with unserved weight it reached (each path's bottleneck taken anew, so paths that share an edge stay
    /// feasible; one left without residual is skipped), until `c` is full. Returns whether anything was pushed.
    mutating func augmentInto(_ c: Int) -> Bool {
        nextGeneration()
        let g = gen
        queue.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
        siteMark[c] = g
        queue.append(Int32(c))
        let want = capacity - load[c]
        var found = 0.0
        var qh = 0
        search: while qh < queue.count {
            let j = Int(queue[qh]); qh += 1
            let lo = p.start[j], hi = p.start[j + 1]
            for e in lo ..< hi {
                let i = Int(p.items[e])
                guard pointMark[i] != g else { continue }
                pointMark[i] = g; pointFrom[i] = Int32(e)
                let r = p.weights[i] - used[i]
                if r > eps {
                    ends.append(Int32(i)); found += r
                    if found >= want { work += e - lo + 1; break search }
                    continue
                }
                // Chosen sites serving i whose share can move back: only saturated ones (see the type's notes).
                var e2 = head[i]
                while e2 >= 0 {
                    let j2 = Int(entrySite[Int(e2)])
                    if siteMark[j2] != g && flow[Int(e2)] > eps && capacity - load[j2] <= eps {
                        siteMark[j2] = g; siteFrom[j2] = e2; queue.append(Int32(j2))
                    }
                    e2 = next[Int(e2)]
                }
            }
            work += hi - lo
        }
        var pushed = false
        for x in ends {
            guard capacity - load[c] > eps else { break }
            // Bottleneck: x's unserved weight, each moved share, c's spare capacity.
            let i0 = Int(x)
            var delta = p.weights[i0] - used[i0]
            var i = i0
            while true {
                let j = Int(entrySite[Int(pointFrom[i])])
                if j == c { delta = min(delta, capacity - load[c]); break }
                let e2 = Int(siteFrom[j])
                delta = min(delta, flow[e2])
                i = Int(p.items[e2])
            }
            guard delta > eps else { continue }
            setUsed(i0, used[i0] + delta)
            i = i0
            while true {
                let e = Int(pointFrom[i])
                setFlow(e, flow[e] + delta)
                let j = Int(entrySite[e])
                if j == c { setLoad(c, load[c] + delta); break }
                let e2 = Int(siteFrom[j])
                setFlow(e2, flow[e2] - delta)
                i = Int(p.items[e2])
            }
            served += delta
            pushed = true
        }
        return pushed
    }

    // MARK: remove

    /// Removes chosen candidate `r` and repairs the flow to a maximum from the points it served; returns the decrease
    /// of the served weight.
    @discardableResult
    public mutating func remove(_ r: Int) -> Double {
        precondition(chosen[r], "candidate \(r) is not in the set")
        let before = served
        let pos = sites.firstIndex(of: r)!
        if open > 0 { log.append(LogEntry(kind: .removed, index: Int32(r), value: Double(pos))) }
        sites.remove(at: pos)
        chosen[r] = false
        freed.removeAll(keepingCapacity: true)
        let lo = p.start[r], hi = p.start[r + 1]
        work += hi - lo
        for e in lo ..< hi {
            let f = flow[e]
            if f > 0 {
                let i = Int(p.items[e])
                setUsed(i, used[i] - f); setFlow(e, 0); served -= f
                freed.append(Int32(i))
            }
            unlink(e)
        }
        setLoad(r, 0)
        while augmentFromFreed() {}
        return before - served
    }

    /// One breadth-first search forwards from the freed points with unserved weight, through saturated sites, to sites
    /// with spare capacity, then an augmentation along the tree path of every such site reached. Returns whether
    /// anything was pushed.
    mutating func augmentFromFreed() -> Bool {
        nextGeneration()
        let g = gen
        queue.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
        var want = 0.0
        for x in freed {
            let i = Int(x)
            guard pointMark[i] != g else { continue }
            let r = p.weights[i] - used[i]
            guard r > eps else { continue }
            pointMark[i] = g; pointFrom[i] = -1
            queue.append(x); want += r
        }
        guard !queue.isEmpty else { return false }
        var found = 0.0
        var qh = 0
        search: while qh < queue.count {
            let i = Int(queue[qh]); qh += 1
            var e2 = head[i]
            while e2 >= 0 {
                let j = Int(entrySite[Int(e2)])
                work += 1
                if siteMark[j] != g {
                    siteMark[j] = g; siteFrom[j] = e2
                    let spare = capacity - load[j]
                    if spare > eps {
                        ends.append(Int32(j)); found += spare
                        if found >= want { break search }
                    } else {
                        // Saturated: the points it serves can move elsewhere.
                        let lo = p.start[j], hi = p.start[j + 1]
                        work += hi - lo
                        for e3 in lo ..< hi where flow[e3] > eps {
                            let i3 = Int(p.items[e3])
                            guard pointMark[i3] != g else { continue }
                            pointMark[i3] = g; pointFrom[i3] = Int32(e3); queue.append(Int32(i3))
                        }
                    }
                }
                e2 = next[Int(e2)]
            }
        }
        var pushed = false
        for x in ends {
            let j0 = Int(x)
            var delta = capacity - load[j0]
            var j = j0
            while true {
                let e2 = Int(siteFrom[j])
                let i = Int(p.items[e2])
                let e3 = Int(pointFrom[i])
                if e3 < 0 { delta = min(delta, p.weights[i] - used[i]); break }
                delta = min(delta, flow[e3])
                j = Int(entrySite[e3])
            }
            guard delta > eps else { continue }
            setLoad(j0, load[j0] + delta)
            j = j0
            while true {
                let e2 = Int(siteFrom[j])
                setFlow(e2, flow[e2] + delta)
                let i = Int(p.items[e2])
                let e3 = Int(pointFrom[i])
                if e3 < 0 { setUsed(i, used[i] + delta); break }
                setFlow(e3, flow[e3] - delta)
                j = Int(entrySite[e3])
            }
            served += delta
            pushed = true
        }
        return pushed
    }
}
