/// The weight a set of capacitated sites serves: the optimal assignment of demand to the chosen sites that reach it,
/// each site serving at most `capacity` and each demand point at most its weight (split between sites if need be) —
/// the maximum flow source → demand point → site → sink (Ford & Fulkerson 1956), which is the assignment of the
/// capacitated maximal covering integer program (Current & Storbeck 1988) for a fixed site set.
///
/// Sites are added one at a time (`add`), and the flow is augmented to a maximum after each one, so the increase is the
/// weight the new site lets the set serve (its rank's `served`). An augmenting path is found by a breadth-first search
/// backwards from the sites with spare capacity: site ← demand point in its row ← a site already serving that point
/// (whose share can move) ← …, until a point with unserved weight. O(E) per augmentation (E the chosen rows' entries);
/// each augmentation fills a site, serves a point in full or empties a share.
public struct CapacitatedFlow: Sendable {
    let p: CoverageProblem
    let capacity: Double
    let eps: Double
    /// Chosen candidates, in the order added.
    public private(set) var sites: [Int] = []
    /// Weight served per chosen site (parallel to `sites`).
    var load: [Double] = []
    /// Weight served per demand point.
    var used: [Double]
    /// Per chosen site: the share of each point of its row (parallel to the row).
    var share: [[Double]] = []
    /// Per demand point: (chosen-site slot, position in its row) of every chosen site covering it.
    var covering: [[(slot: Int32, pos: Int32)]]
    /// Total weight served.
    public private(set) var served = 0.0
    /// Search workspace, reused by every augmentation (a point is visited in the current search when its mark is
    /// `mark`), so one search costs the entries it visits, not the number of demand points.
    var pointFrom: [Int32], pointPos: [Int32], pointMark: [UInt32]
    var mark: UInt32 = 0
    /// Row entries visited so far (the searches' and the additions'): the cost callers budget by.
    public private(set) var work = 0

    /// An empty site set for `p` with sites of `capacity`.
    public init(_ p: CoverageProblem, capacity: Double) {
        self.p = p; self.capacity = capacity
        eps = 1e-12 * max(1, p.weights.reduce(0, +))
        used = [Double](repeating: 0, count: p.weights.count)
        covering = [[(slot: Int32, pos: Int32)]](repeating: [], count: p.weights.count)
        pointFrom = [Int32](repeating: -1, count: p.weights.count)
        pointPos = [Int32](repeating: -1, count: p.weights.count)
        pointMark = [UInt32](repeating: 0, count: p.weights.count)
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

    /// Adds candidate `c` and augments to a maximum flow; returns the increase of the served weight.
    @discardableResult
    public mutating func add(_ c: Int) -> Double {
        let slot = sites.count
        sites.append(c); load.append(0)
        let row = p.row(c)
        share.append([Double](repeating: 0, count: row.count))
        work += row.count
        for (k, i) in row.enumerated() { covering[Int(i)].append((Int32(slot), Int32(k))) }
        let before = served
        // Paths of one edge first (point → the new site), without a search: the unserved weight in its row, up to the
        // capacity. They are augmenting paths like any other, so the maximum below is the same; when the capacity
        // does not bind this is all, and the one search that follows finds nothing.
        for (k, i32) in row.enumerated() {
            let spare = capacity - load[slot]
            guard spare > eps else { break }
            let i = Int(i32)
            let d = min(p.weights[i] - used[i], spare)
            guard d > eps else { continue }
            used[i] += d; share[slot][k] += d; load[slot] += d; served += d
        }
        while augment() {}
        return served - before
    }

    /// One breadth-first search backwards from the sites with spare capacity, then an augmentation along the tree path
    /// of every point with unserved weight it reached (each path's bottleneck taken anew, so paths that share an edge
    /// stay feasible; a path left without residual is skipped). Returns whether anything was pushed; repeated until
    /// not, this is a maximum flow (no augmenting path is left when a full search reaches no unserved point).
    mutating func augment() -> Bool {
        let m = sites.count
        // Parents: a point is reached from a site (the forward edge point → site); a site from a point (the point's
        // share at that site can move back, freeing the site).
        mark &+= 1
        if mark == 0 { for i in pointMark.indices { pointMark[i] = 0 }; mark = 1 }
        var siteFrom = [Int32](repeating: -1, count: m)
        var siteSeen = [Bool](repeating: false, count: m)
        var queue: [Int] = []
        var ends: [Int] = []
        for j in 0 ..< m where capacity - load[j] > eps { siteSeen[j] = true; queue.append(j) }
        var head = 0
        while head < queue.count {
            let j = queue[head]; head += 1
            let row = p.row(sites[j])
            work += row.count
            for (k, i32) in row.enumerated() {
                let i = Int(i32)
                guard pointMark[i] != mark else { continue }
                pointMark[i] = mark
                pointFrom[i] = Int32(j); pointPos[i] = Int32(k)
                if p.weights[i] - used[i] > eps { ends.append(i); continue }
                for (slot, pos) in covering[i] where !siteSeen[Int(slot)] && share[Int(slot)][Int(pos)] > eps {
                    siteSeen[Int(slot)] = true; siteFrom[Int(slot)] = Int32(i); queue.append(Int(slot))
                }
            }
        }
        var pushed = false
        for i in ends where apply(from: i, siteFrom: siteFrom) { pushed = true }
        return pushed
    }

    /// Pushes the bottleneck along the search-tree path ending at point `i0` with unserved weight; false when the path
    /// has no residual left (an earlier path of the same search used it).
    mutating func apply(from i0: Int, siteFrom: [Int32]) -> Bool {
        // Walk the path: i0 → j0 (forward), j0 ← i1 means i1's share at j0 moves … until a site with spare capacity.
        var delta = p.weights[i0] - used[i0]
        var i = i0
        while true {
            let j = Int(pointFrom[i])
            let from = siteFrom[j]
            if from < 0 { delta = min(delta, capacity - load[j]); break }
            let i2 = Int(from)
            // i2's share at j decreases by delta: find its position in j's row.
            let pos = covering[i2].first { Int($0.slot) == j }!.pos
            delta = min(delta, share[j][Int(pos)])
            i = i2
        }
        guard delta > eps else { return false }
        i = i0
        used[i0] += delta
        while true {
            let j = Int(pointFrom[i])
            share[j][Int(pointPos[i])] += delta
            let from = siteFrom[j]
            if from < 0 { load[j] += delta; break }
            let i2 = Int(from)
            let pos = covering[i2].first { Int($0.slot) == j }!.pos
            share[j][Int(pos)] -= delta
            i = i2
        }
        served += delta
        return true
    }
}
