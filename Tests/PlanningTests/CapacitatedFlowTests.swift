@testable import Planning
import Testing
import TestSupport

/// Independent maximum flow for the twin: Edmonds–Karp (shortest augmenting paths by breadth-first search) on a dense
/// capacity matrix, source → point (its weight) → chosen site (unbounded where the site covers the point) → sink
/// (the capacity).
func edmondsKarp(_ p: CoverageProblem, _ sites: [Int], capacity: Double) -> Double {
    let n = p.weights.count, m = sites.count
    let s = 0, t = n + m + 1, size = n + m + 2
    var cap = [[Double]](repeating: [Double](repeating: 0, count: size), count: size)
    for i in 0 ..< n { cap[s][1 + i] = p.weights[i] }
    for (k, c) in sites.enumerated() {
        for i in p.row(c) { cap[1 + Int(i)][1 + n + k] = .infinity }
        cap[1 + n + k][t] = capacity
    }
    var total = 0.0
    while true {
        var from = [Int](repeating: -1, count: size)
        from[s] = s
        var queue = [s], head = 0
        while head < queue.count && from[t] < 0 {
            let u = queue[head]; head += 1
            for v in 0 ..< size where from[v] < 0 && cap[u][v] > 1e-12 { from[v] = u; queue.append(v) }
        }
        guard from[t] >= 0 else { return total }
        var delta = Double.infinity, v = t
        while v != s { delta = min(delta, cap[from[v]][v]); v = from[v] }
        v = t
        while v != s { let u = from[v]; cap[u][v] -= delta; cap[v][u] += delta; v = u }
        total += delta
    }
}

/// A random instance with dense overlaps (so the capacity binds and flow has to move between sites): `points`
/// demand points with weights 1…20 (some fractional), `candidates` rows of random points.
func denseInstance(_ rng: inout SplitMix64, points: Int, candidates: Int) -> CoverageProblem {
    let w = (0 ..< points).map { _ in rng.unit() < 0.2 ? rng.range(0.5, 20) : Double(1 + Int(rng.unit() * 20)) }
    let sets: [[Int32]] = (0 ..< candidates).map { _ in
        let density = rng.range(0.05, 0.5)
        return (0 ..< points).filter { _ in rng.unit() < density }.map { Int32($0) }
    }
    return CoverageProblem(weights: w, sets: sets, positions: (0 ..< candidates).map { SIMD2(Double($0), 0) })
}

@Suite struct CapacitatedFlowTests {
    /// The flow's own bookkeeping: per chosen site the shares add up to its load ≤ capacity, per point the shares of
    /// its chosen sites add up to its served weight ≤ its weight, unchosen entries carry nothing, each point's list
    /// holds exactly its chosen entries, and the total is the sum of the points' served weights.
    static func checkInvariants(_ f: CapacitatedFlow, _ p: CoverageProblem, capacity: Double) {
        let tol = 1e-9 * max(1, p.weights.reduce(0, +))
        var perPoint = [Double](repeating: 0, count: p.weights.count)
        var listed = Set<Int>()
        for i in 0 ..< p.weights.count {
            var e = f.head[i]
            while e >= 0 { listed.insert(Int(e)); #expect(Int(p.items[Int(e)]) == i); e = f.next[Int(e)] }
        }
        #expect(Set(f.sites).count == f.sites.count)
        for c in 0 ..< p.candidateCount {
            #expect(f.contains(c) == f.sites.contains(c))
            var l = 0.0
            for e in p.start[c] ..< p.start[c + 1] {
                #expect(f.flow[e] >= -tol)
                #expect(listed.contains(e) == f.contains(c))
                if !f.contains(c) { #expect(f.flow[e] == 0) }
                l += f.flow[e]; perPoint[Int(p.items[e])] += f.flow[e]
            }
            if f.contains(c) {
                #expect(abs(l - f.load(of: c)) <= tol)
                #expect(l <= capacity + tol)
            } else { #expect(f.load(of: c) == 0) }
        }
        for i in 0 ..< p.weights.count {
            #expect(abs(perPoint[i] - f.used[i]) <= tol)
            #expect(f.used[i] <= p.weights[i] + tol)
        }
        #expect(abs(f.used.reduce(0, +) - f.served) <= tol)
    }

    /// The incremental flow (trial gains, additions, removals with repair, nested trial changes rolled back) against Edmonds–Karp
    /// on the same site set after every step, on seeded random instances with capacities from a fifth of a site's
    /// reach to more than all of it.
    @Test func incrementalFlowMatchesEdmondsKarp() {
        var rng = SplitMix64(seed: 0xF10_0017)
        var checked = 0, rolledBack = 0, removals = 0
        for instance in 0 ..< 60 {
            let p = denseInstance(&rng, points: 8 + Int(rng.unit() * 33), candidates: 4 + Int(rng.unit() * 12))
            let total = p.weights.reduce(0, +)
            let capacity = [1.0, 7, rng.range(0.05, 0.3) * total, (0.2 * total).rounded(), 2 * total][instance % 5]
            let tol = 1e-9 * max(1, total)
            var f = CapacitatedFlow(p, capacity: capacity)
            func check(_ what: String) {
                let ek = edmondsKarp(p, f.sites, capacity: capacity)
                #expect(abs(f.served - ek) <= tol, "instance \(instance), \(what): incremental \(f.served), Edmonds–Karp \(ek), sites \(f.sites)")
                Self.checkInvariants(f, p, capacity: capacity)
                checked += 1
            }
            func randomStep() {
                let out = (0 ..< p.candidateCount).filter { !f.contains($0) }
                if !f.sites.isEmpty && (out.isEmpty || rng.unit() < 0.35) {
                    let r = f.sites[Int(rng.next() % UInt64(f.sites.count))]
                    let before = f.served
                    let loss = f.remove(r)
                    #expect(abs(before - loss - f.served) <= tol)
                    removals += 1
                    check("remove \(r)")
                } else if let c = out.isEmpty ? nil : out[Int(rng.next() % UInt64(out.count))] {
                    let before = f.served
                    // The trial gain (no linking, rolled back) first: it must leave the flow as it was.
                    let trial = f.gain(c)
                    #expect(f.served == before && !f.contains(c))
                    let gain = f.add(c)
                    #expect(gain >= -tol && abs(before + gain - f.served) <= tol)
                    #expect(abs(trial - gain) <= tol, "instance \(instance): gain(\(c)) \(trial) vs add \(gain)")
                    check("add \(c)")
                }
            }
            for _ in 0 ..< 24 {
                let u = rng.unit()
                if u < 0.6 {
                    randomStep()
                } else {
                    // A trial: a few changes (some nested in a second trial), then rolled back — or kept.
                    let sites = f.sites, served = f.served
                    let cp = f.checkpoint()
                    for _ in 0 ..< 1 + Int(rng.unit() * 3) { randomStep() }
                    let inner = f.checkpoint()
                    let mid = (f.sites, f.served)
                    for _ in 0 ..< 1 + Int(rng.unit() * 2) { randomStep() }
                    f.rollback(to: inner)
                    #expect(f.sites == mid.0 && f.served == mid.1)
                    if u < 0.9 {
                        f.rollback(to: cp)
                        #expect(f.sites == sites, "instance \(instance): rollback restores the sites")
                        #expect(f.served == served, "instance \(instance): rollback restores the value exactly")
                        #expect(f.log.isEmpty)
                        rolledBack += 1
                    } else {
                        f.commit(cp)
                        #expect(f.log.isEmpty)
                    }
                    check("after trial")
                }
            }
        }
        #expect(checked > 1000 && rolledBack > 100 && removals > 200, "\(checked) checks, \(rolledBack) rollbacks, \(removals) removals")
    }

    /// A rolled-back trial leaves the flow as it was, down to the order of its lists: the same additions after it give
    /// bit-identical values to a fresh flow's (the planner relies on this for deterministic results).
    @Test func rollbackIsExact() {
        var rng = SplitMix64(seed: 99)
        for _ in 0 ..< 20 {
            let p = denseInstance(&rng, points: 30, candidates: 12)
            let capacity = 0.15 * p.weights.reduce(0, +)
            var a = CapacitatedFlow(p, capacity: capacity), b = CapacitatedFlow(p, capacity: capacity)
            let order = Array(0 ..< 12).shuffled(using: &rng)
            for c in order.prefix(4) { a.add(c); b.add(c) }
            let cp = a.checkpoint()
            a.remove(order[1]); a.add(order[6]); a.add(order[7]); a.remove(order[3])
            a.rollback(to: cp)
            #expect(a.head == b.head && a.next == b.next && a.prev == b.prev && a.flow == b.flow && a.used == b.used && a.load == b.load)
            for c in order[4...] { #expect(a.add(c) == b.add(c)) }
            #expect(a.served == b.served)
        }
    }

    /// Hand case: site 0 reaches points 0 and 1, site 1 only point 0, capacity 10 each. After site 0 serves point 0
    /// (nearest first), adding site 1 must move point 0 to it so that site 0 serves point 1 (a path of three edges);
    /// removing site 0 again leaves site 1 serving point 0.
    @Test func movesShareThroughASaturatedSite() {
        let p = CoverageProblem(weights: [10, 10], sets: [[0, 1], [0]], positions: [SIMD2(0, 0), SIMD2(100, 0)])
        var f = CapacitatedFlow(p, capacity: 10)
        #expect(f.add(0) == 10)
        #expect(f.add(1) == 10)
        #expect(f.served == 20)
        let cp = f.checkpoint()
        #expect(f.remove(0) == 10)
        #expect(f.served == 10 && f.load(of: 1) == 10)
        f.rollback(to: cp)
        #expect(f.served == 20 && f.sites == [0, 1])
        #expect(f.remove(1) == 10)
        #expect(f.served == 10 && f.load(of: 0) == 10)
    }
}
