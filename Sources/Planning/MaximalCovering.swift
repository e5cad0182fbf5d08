/// What to solve: at most `maxSites` new sites, or the fewest that reach `targetShare` of the total weight (both may be
/// given: the target is then sought within `maxSites`).
public struct PlanOptions: Sendable, Equatable {
    /// Largest number of new sites (nil: no limit besides the candidates).
    public var maxSites: Int?
    /// Coverage share to reach, 0…1 of `totalWeight` (nil: use all `maxSites`).
    public var targetShare: Double?
    /// Weight one new facility can serve (nil: unlimited). With a capacity the objective is the weight served: the
    /// best assignment of demand to the chosen sites within reach, each serving at most the capacity (a maximum flow).
    public var capacity: Double?
    /// Minimum straight-line distance (m) between two new sites (0: none).
    public var spacing: Double = 0
    /// Improve the greedy solution by 1-swaps (exchange one chosen site for one unchosen) until none improves.
    public var localSearch = true
    /// Upper bound on improving swaps (each costs O(Σ row sizes)).
    public var maxSwaps = 10_000
    /// Perturbation rounds of the iterated local search after the first local optimum: drop 1 … min(k − 1, 5) sites
    /// of the current set (cycling; chosen by a seeded generator), refill with a randomised greedy without them, swap
    /// to a local optimum; equal sets are accepted as the new current one, the best set is kept. Fewer rounds run on
    /// large instances (a budget of about 2·10⁸ row entries visited).
    public var perturbations = 48

    /// Options for `maxSites` sites or a `targetShare` (0…1).
    public init(maxSites: Int? = nil, targetShare: Double? = nil, capacity: Double? = nil, spacing: Double = 0, localSearch: Bool = true) {
        self.maxSites = maxSites; self.targetShare = targetShare; self.capacity = capacity; self.spacing = spacing; self.localSearch = localSearch
    }
}

/// The chosen sites in rank order, with the curve "sites → covered weight".
public struct PlanSolution: Sendable, Equatable {
    /// Candidate indices, in rank order (rank 1 first).
    public var sites: [Int]
    /// Per site: weight of demand it newly brings within reach, given the sites ranked before it.
    public var newlyCovered: [Double]
    /// Per site: weight it serves (equals `newlyCovered` without capacity).
    public var served: [Double]
    /// Covered weight (existing facilities included) after sites 1…r, r = 1…count; within reach, whatever the capacity.
    public var coveredAfter: [Double]
    /// Objective value: weight within reach of a new site (no capacity) or served by one (capacity).
    public var objective: Double
    /// Weight covered before any new site.
    public var baseCovered: Double
    /// Improving swaps the local search made.
    public var swaps: Int
    /// Whether the target share was reached (true when no target was asked).
    public var reachedTarget: Bool
}

/// Maximal covering location problem (Church & ReVelle 1974): choose sites among candidates so that the most demand
/// weight not yet covered comes within reach of a new site.
///
/// Solver: greedy with lazy evaluation (Minoux 1978) — marginal gains of a coverage function only shrink as sites are
/// added (submodularity), so a stale gain is an upper bound and only the heap's top needs re-evaluating. Without
/// spacing or capacity, greedy k sites cover at least (1 − 1/e) ≈ 63.2 % of the optimal newly covered weight
/// (Nemhauser, Wolsey & Fisher 1978); in practice it is within a few per cent. The greedy solution is then improved by
/// 1-swap local search (best exchange of one chosen and one unchosen site per round, using per-point cover counts so
/// one round costs O(Σ row sizes + k · candidates)) until no swap improves, and then an iterated local search:
/// seeded perturbations (drop 1 … min(k − 1, 5) sites, refill with a randomised greedy, swap again), keeping the best. In target mode the greedy count k is
/// reduced while a swap-improved solution of k − 1 sites still reaches the target.
///
/// Spacing removes the bound (the feasible sets are no longer a matroid) but keeps the method: a candidate closer than
/// `spacing` to a chosen site is never taken.
///
/// When the greedy stops because no candidate adds any weight (the target cannot be reached, or every coverable point
/// is covered), no set of any size does better (monotone and submodular objective, with or without capacity): without
/// spacing the local search is skipped (it could not improve; on a large city this is most of the time).
///
/// Capacity (the capacitated MCLP of Current & Storbeck 1988): a site serves at most `capacity` weight, and the served
/// weight of a site set is that of the best assignment of demand to the chosen sites within reach (a point may be split
/// between sites), computed as a maximum flow (``CapacitatedFlow``, kept incrementally with an undo log) — the same
/// assignment as the integer program of scripts/check_plan_optimum.py. The served weight is monotone and submodular
/// (proof at ``CapacitatedFlow``), so the greedy is the exact lazy greedy by the increase of the flow, and an exhausted
/// greedy is optimal as without capacity; the 1-swap search values every set by its flow (trial changes rolled back,
/// exchanges bounded by the entering candidate's gain), the perturbation rounds likewise, and each rank's `served` is
/// the increase of the flow when its site joins those ranked before (sets of up to 40 sites are ranked by that
/// increase).
/// Ties go to the lower candidate index, so results are deterministic.
public enum MaximalCovering {
    /// Solves `problem` with `options`. Complexity: O(Σ row sizes · (1 + re-evaluations) + C log C) for the greedy,
    /// O(Σ row sizes + k · C) per swap.
    public static func solve(_ p: CoverageProblem, _ o: PlanOptions) -> PlanSolution {
        let nc = p.candidateCount
        let kMax = min(nc, o.maxSites ?? nc)
        let targetW = o.targetShare.map { $0 * p.totalWeight }
        var (g, exhausted) = o.capacity.map { greedyCapacitated(p, o, capacity: $0, kMax: kMax, targetW: targetW) }
            ?? greedy(p, o, kMax: kMax, targetW: targetW)
        var swaps = 0
        let achieved: ([Int]) -> Double = { s in p.baseCovered + value(p, s, o) }
        // The greedy stopped because no candidate adds anything: without spacing no set of any size does better (its
        // value is monotone and submodular, with or without capacity: F(T) ≤ F(S ∪ T) ≤ F(S) + Σ gains = F(S)), so
        // swaps cannot improve it.
        let provablyOptimal = exhausted && o.spacing == 0
        let reached = targetW.map { achieved(g) >= $0 } ?? false
        let searched = o.localSearch && !g.isEmpty && !(provablyOptimal && !reached)
        if searched {
            let ls = LocalSearch(p, o)
            if let targetW, reached {
                // Fewest sites: while k − 1 swap-improved sites still reach the target, drop one.
                // Plain swaps while shrinking (the perturbation rounds only on small instances, where they are cheap).
                let cheap = p.items.count <= 200_000
                while g.count > 1 {
                    var shorter = Array(g.dropLast())
                    swaps += cheap ? ls.run(&shorter, stopAt: targetW) : ls.improve(&shorter, stopAt: targetW)
                    guard achieved(shorter) >= targetW else { break }
                    g = shorter
                }
            } else {
                swaps += ls.run(&g)
            }
        }
        // The greedy's order is already the ranked order (largest gain first, lower index on ties) when nothing changed it.
        if let cap = o.capacity { g = rankCapacitated(p, g, capacity: cap) } else if searched || o.spacing > 0 { g = rank(p, g) }
        return summarise(p, g, o, swaps: swaps, targetW: targetW)
    }

    /// The lazy greedy with a capacity, by the exact increase of the served weight (``CapacitatedFlow``): a candidate's
    /// gain only falls as sites are added (the flow value is submodular), so a gain from an earlier round is an upper
    /// bound; the heap's top is re-evaluated exactly (a trial addition to the one flow, rolled back) until its gain is
    /// current, and then taken. Initial gains (no site yet) are exact: min(capacity, weight in the row). Stops at `kMax`
    /// sites, at the target, or when nothing adds weight — at once when the flow serves all demand any candidate reaches
    /// (the upper bound); that is reported as exhausted, like an empty heap. Zero gains are never taken.
    static func greedyCapacitated(_ p: CoverageProblem, _ o: PlanOptions, capacity cap: Double, kMax: Int,
                                  targetW: Double?) -> (sites: [Int], exhausted: Bool) {
        let nc = p.candidateCount
        var heap = GainHeap()
        var reach = [Bool](repeating: false, count: p.weights.count)
        for c in 0 ..< nc {
            var s = 0.0
            for i in p.row(c) { s += p.weights[Int(i)]; reach[Int(i)] = true }
            s = min(s, cap)
            if s > 0 { heap.push(GainEntry(gain: s, candidate: Int32(c), round: 0)) }
        }
        var bound = 0.0
        for (i, r) in reach.enumerated() where r { bound += p.weights[i] }
        let eps = 1e-9 * max(1, p.totalWeight)
        var flow = CapacitatedFlow(p, capacity: cap)
        var chosen: [Int] = []
        var round: Int32 = 0
        var exhausted = true
        while let top = heap.pop() {
            if chosen.count >= kMax || targetW.map({ p.baseCovered + flow.served >= $0 }) == true { exhausted = false; break }
            if flow.served >= bound - eps { break }
            let c = Int(top.candidate)
            if o.spacing > 0 && chosen.contains(where: { dist2(p.positions[$0], p.positions[c]) < o.spacing * o.spacing }) { continue }
            if top.round != round {
                let g = flow.gain(c)
                if g > eps { heap.push(GainEntry(gain: g, candidate: top.candidate, round: round)) }
                continue
            }
            flow.add(c)
            chosen.append(c)
            round += 1
        }
        return (chosen, exhausted)
    }

    /// The objective of a site set: the newly covered weight without capacity, the weight served with one.
    static func value(_ p: CoverageProblem, _ sites: [Int], _ o: PlanOptions) -> Double {
        if let cap = o.capacity { return CapacitatedFlow.served(p, sites, capacity: cap) }
        return objective(p, sites)
    }

    /// The ranked order of a capacitated site set: the largest increase of the served weight (``CapacitatedFlow``) first,
    /// lower index on ties; sets of more than 40 sites keep their order (the solver's greedy order). O(k² flows).
    static func rankCapacitated(_ p: CoverageProblem, _ sites: [Int], capacity cap: Double) -> [Int] {
        guard sites.count <= 40 else { return sites }
        var flow = CapacitatedFlow(p, capacity: cap)
        let tol = 1e-12 * max(1, p.totalWeight)
        var left = sites, order: [Int] = []
        while !left.isEmpty {
            var bi = 0, bg = -1.0
            for (k, c) in left.enumerated() {
                let g = flow.gain(c)
                if g > bg + tol || (abs(g - bg) <= tol && c < left[bi]) { bg = g; bi = k }
            }
            let c = left.remove(at: bi)
            flow.add(c)
            order.append(c)
        }
        return order
    }

    /// Newly covered weight of `sites` (union of their rows), no capacity.
    public static func objective(_ p: CoverageProblem, _ sites: [Int]) -> Double { p.coveredWeight(sites) - p.baseCovered }

    /// Lazy greedy: sites in the order taken, and whether it stopped because no candidate adds any weight (rather than at
    /// `kMax` sites or the target). Zero gains are never taken.
    static func greedy(_ p: CoverageProblem, _ o: PlanOptions, kMax: Int, targetW: Double?) -> (sites: [Int], exhausted: Bool) {
        let nc = p.candidateCount
        var residual = p.weights
        var heap = GainHeap()
        for c in 0 ..< nc {
            var s = 0.0
            for i in p.row(c) { s += residual[Int(i)] }
            if let cap = o.capacity { s = min(s, cap) }
            if s > 0 { heap.push(GainEntry(gain: s, candidate: Int32(c), round: 0)) }
        }
        var chosen: [Int] = []
        var covered = p.baseCovered
        var round: Int32 = 0
        var exhausted = true
        while let top = heap.pop() {
            if chosen.count >= kMax || targetW.map({ covered >= $0 }) == true { exhausted = false; break }
            let c = Int(top.candidate)
            if o.spacing > 0 && chosen.contains(where: { dist2(p.positions[$0], p.positions[c]) < o.spacing * o.spacing }) { continue }
            if top.round != round {
                var s = 0.0
                for i in p.row(c) { s += residual[Int(i)] }
                if let cap = o.capacity { s = min(s, cap) }
                if s > 0 { heap.push(GainEntry(gain: s, candidate: top.candidate, round: round)) }
                continue
            }
            chosen.append(c)
            round += 1
            if let cap = o.capacity {
                var left = cap
                for i in p.row(c) where left > 0 {
                    let take = min(left, residual[Int(i)])
                    residual[Int(i)] -= take
                    left -= take
                }
                covered += cap - left
            } else {
                for i in p.row(c) { covered += residual[Int(i)]; residual[Int(i)] = 0 }
            }
        }
        return (chosen, exhausted)
    }

    /// 1-swap local search with perturbations (no capacity), over the inverse rows of one problem.
    struct LocalSearch {
        let p: CoverageProblem
        let o: PlanOptions
        /// Demand point → candidates covering it (compressed rows).
        let invStart: [Int]
        let inv: [Int32]
        /// With a capacity: flow work (row entries visited) left for the whole search, every swap pass and
        /// perturbation round of it together (5·10⁷ per pass, 2.5·10⁸ in all), so the search stays bounded however
        /// often the capacity binds.
        final class Work { var left = 2.5e8 }
        let capWork = Work()

        init(_ p: CoverageProblem, _ o: PlanOptions) {
            self.p = p; self.o = o
            let n = p.weights.count
            var st = [Int](repeating: 0, count: n + 1)
            for i in p.items { st[Int(i) + 1] += 1 }
            for i in 0 ..< n { st[i + 1] += st[i] }
            var fill = st
            var inv = [Int32](repeating: 0, count: p.items.count)
            for c in 0 ..< p.candidateCount { for i in p.row(c) { inv[fill[Int(i)]] = Int32(c); fill[Int(i)] += 1 } }
            invStart = st; self.inv = inv
        }

        /// Swaps to a local optimum, then up to `o.perturbations` rounds of drop / randomised refill / swap, keeping the
        /// best set found. Returns the number of improving swaps made on the way to the kept set. With a capacity and
        /// `stopAt` (a covered weight, existing facilities included: the target while shrinking), the search ends as
        /// soon as a set reaches it.
        func run(_ sites: inout [Int], stopAt: Double? = nil) -> Int {
            let stop = o.capacity == nil ? nil : stopAt
            var swaps = improve(&sites, stopAt: stop)
            var best = MaximalCovering.value(p, sites, o)
            if let stop, p.baseCovered + best >= stop { return swaps }
            let k = sites.count
            guard k >= 1, k < p.candidateCount, o.perturbations > 0 else { return swaps }
            var rng = RandomInstances.Generator(seed: 0x5EED_0017 &+ UInt64(k))
            // Drops of 1 … min(k − 1, 5) sites; rounds bounded by a work budget (each round costs about
            // (drop + 2 swap passes) × Σ row sizes), so large instances stay fast.
            let maxDrop = max(1, min(k - 1, 5))
            let budget = 2e8 / (Double(max(1, p.items.count) * (maxDrop + 2)) * (o.capacity == nil ? 1 : Double(k * k)))
            // With a capacity every set is valued by a flow: a quarter of the rounds.
            let rounds = min(o.capacity == nil ? o.perturbations : (o.perturbations + 3) / 4, max(2, Int(budget)))
            let eps = 1e-9 * max(1, p.totalWeight)
            var current = sites, currentV = best
            for round in 0 ..< rounds {
                let drop = 1 + round % maxDrop
                var keep = current
                var removed: [Int] = []
                for _ in 0 ..< drop { removed.append(keep.remove(at: Int(rng.next() % UInt64(keep.count)))) }
                var trial = MaximalCovering.refill(p, keep, excluded: removed, k: k, o, rng: &rng)
                let s = improve(&trial, stopAt: stop)
                let v = MaximalCovering.value(p, trial, o)
                // Plateau moves are accepted (the walk goes on from equal sets); the best set is kept.
                if v >= currentV - eps { current = trial; currentV = v }
                if v > best + eps { best = v; sites = trial; swaps += s }
                if let stop, p.baseCovered + best >= stop { break }
            }
            return swaps
        }

        /// Applies the best improving exchange until none improves; returns the number of swaps. `stopAt`: see ``run``
        /// (used with a capacity only).
        func improve(_ sites: inout [Int], stopAt: Double? = nil) -> Int {
            if let cap = o.capacity { return improveCapacitated(&sites, capacity: cap, stopAt: stopAt) }
            let nc = p.candidateCount, n = p.weights.count
            guard !sites.isEmpty, sites.count < nc else { return 0 }
            var count = [Int32](repeating: 0, count: n)
            var inSet = [Bool](repeating: false, count: nc)
            for s in sites { inSet[s] = true; for i in p.row(s) { count[Int(i)] += 1 } }
            let eps = 1e-9 * max(1, p.totalWeight)
            var swaps = 0
            var free = [Double](repeating: 0, count: nc)     // weight a candidate adds to the current set
            var extra = [Double](repeating: 0, count: nc)
            // Each swap costs a pass over the rows: at most about 2·10⁸ row entries visited in all (at least k swaps).
            let maxSwaps = min(o.maxSwaps, max(sites.count, Int(2e8 / Double(max(1, p.items.count)))))
            while swaps < maxSwaps {
                for c in 0 ..< nc {
                    var s = 0.0
                    for i in p.row(c) where count[Int(i)] == 0 { s += p.weights[Int(i)] }
                    free[c] = s
                }
                var best = (delta: eps, out: -1, inn: -1)
                for (k, s) in sites.enumerated() {
                    // Weight only s covers (lost when s leaves); candidates covering it regain it.
                    var loss = 0.0
                    var touched: [Int32] = []
                    for i in p.row(s) where count[Int(i)] == 1 {
                        let w = p.weights[Int(i)]
                        loss += w
                        for j in inv[invStart[Int(i)] ..< invStart[Int(i) + 1]] {
                            if extra[Int(j)] == 0 { touched.append(j) }
                            extra[Int(j)] += w
                        }
                    }
                    for c in 0 ..< nc where !inSet[c] {
                        let delta = free[c] + extra[c] - loss
                        guard delta > best.delta else { continue }
                        if o.spacing > 0 && sites.enumerated().contains(where: { $0.offset != k && dist2(p.positions[$0.element], p.positions[c]) < o.spacing * o.spacing }) { continue }
                        best = (delta, k, c)
                    }
                    for j in touched { extra[Int(j)] = 0 }
                }
                guard best.out >= 0 else { break }
                let old = sites[best.out]
                for i in p.row(old) { count[Int(i)] -= 1 }
                for i in p.row(best.inn) { count[Int(i)] += 1 }
                inSet[old] = false; inSet[best.inn] = true
                sites[best.out] = best.inn
                swaps += 1
            }
            return swaps
        }

        /// Capacity swaps: the best exchange of one chosen site for one unchosen one, each set valued by its served weight,
        /// until none improves. One flow (``CapacitatedFlow``) holds the current set; an exchange is a trial removal and
        /// addition on it, rolled back. An exchange r → c gains at most c's gain to the whole set, F(S ∪ {c}) − F(S)
        /// (submodularity), so each pass first takes those gains (trial additions), keeps the candidates with a positive
        /// one, and tries them in falling order per removed site until the gain bound drops below the best exchange
        /// found; also skipped: c when its gain alone, min(capacity, weight in its row), minus r's loss cannot beat it.
        /// Bounded by work (row entries the flow visits): 5·10⁷ per call, 2.5·10⁸ for the whole search.
        func improveCapacitated(_ sites: inout [Int], capacity cap: Double, stopAt: Double? = nil) -> Int {
            let nc = p.candidateCount
            guard !sites.isEmpty, sites.count < nc else { return 0 }
            let eps = 1e-9 * max(1, p.totalWeight)
            var flow = CapacitatedFlow(p, capacity: cap)
            for s in sites { flow.add(s) }
            var alone = [Double](repeating: 0, count: nc)
            for c in 0 ..< nc {
                var w = 0.0
                for i in p.row(c) { w += p.weights[Int(i)] }
                alone[c] = min(cap, w)
            }
            let budget = Int(min(5e7, capWork.left)), workStart = flow.work
            defer { capWork.left -= Double(flow.work - workStart) }
            var swaps = 0
            var gains: [(g: Double, c: Int)] = []
            pass: while swaps < o.maxSwaps && flow.work - workStart < budget {
                if let stopAt, p.baseCovered + flow.served >= stopAt { break }
                let current = flow.served
                gains.removeAll(keepingCapacity: true)
                for c in 0 ..< nc where !flow.contains(c) && alone[c] > eps {
                    let g = flow.gain(c)
                    if g > eps { gains.append((g, c)) }
                }
                // Largest gain first, lower index on ties (the order exchanges are tried in, so ties stay deterministic).
                gains.sort { $0.g != $1.g ? $0.g > $1.g : $0.c < $1.c }
                var best = (delta: eps, out: -1, inn: -1)
                // While shrinking to a target (`stopAt`): sites with the smallest loss first, and the first site with an
                // improving exchange takes its best one (the next pass starts from the improved set).
                var order = Array(sites.indices)
                if stopAt != nil {
                    var loss = [Double](repeating: 0, count: sites.count)
                    for (j, r) in sites.enumerated() {
                        let cp = flow.checkpoint()
                        loss[j] = flow.remove(r)
                        flow.rollback(to: cp)
                    }
                    order.sort { loss[$0] != loss[$1] ? loss[$0] < loss[$1] : $0 < $1 }
                }
                for j in order {
                    let r = sites[j]
                    if stopAt != nil && best.out >= 0 { break }
                    guard let top = gains.first, top.g > best.delta else { break }
                    if flow.work - workStart >= budget { if best.out >= 0 { break } else { break pass } }
                    let cpOut = flow.checkpoint()
                    let loss = flow.remove(r)
                    for (g, c) in gains {
                        guard g > best.delta else { break }
                        if alone[c] - loss <= best.delta { continue }
                        if o.spacing > 0 && sites.enumerated().contains(where: { $0.offset != j && dist2(p.positions[$0.element], p.positions[c]) < o.spacing * o.spacing }) { continue }
                        let delta = flow.served + flow.gain(c) - current
                        if delta > best.delta { best = (delta, j, c) }
                        if flow.work - workStart >= budget { break }
                    }
                    flow.rollback(to: cpOut)
                }
                guard best.out >= 0 else { break }
                flow.remove(sites[best.out])
                flow.add(best.inn)
                sites[best.out] = best.inn
                swaps += 1
            }
            return swaps
        }
    }

    /// Randomised greedy completion of `sites` to `k` sites, never taking `excluded`: each step picks at random among
    /// the candidates whose gain is at least 80 % of the best gain (a restricted candidate list, as in GRASP).
    static func refill(_ p: CoverageProblem, _ sites: [Int], excluded: [Int], k: Int, _ o: PlanOptions,
                       rng: inout RandomInstances.Generator) -> [Int] {
        var out = sites
        var hit = [Bool](repeating: false, count: p.weights.count)
        var banned = [Bool](repeating: false, count: p.candidateCount)
        for c in sites { banned[c] = true; for i in p.row(c) { hit[Int(i)] = true } }
        for c in excluded { banned[c] = true }
        var gain = [Double](repeating: 0, count: p.candidateCount)
        while out.count < k {
            var bg = 0.0
            for c in 0 ..< p.candidateCount where !banned[c] {
                var s = 0.0
                for i in p.row(c) where !hit[Int(i)] { s += p.weights[Int(i)] }
                if let cap = o.capacity { s = min(s, cap) }
                if s > 0 && o.spacing > 0 && out.contains(where: { dist2(p.positions[$0], p.positions[c]) < o.spacing * o.spacing }) { s = 0 }
                gain[c] = s
                bg = max(bg, s)
            }
            guard bg > 0 else { break }
            let list = (0 ..< p.candidateCount).filter { !banned[$0] && gain[$0] > 0 && gain[$0] >= 0.8 * bg }
            let bc = list[Int(rng.next() % UInt64(list.count))]
            banned[bc] = true
            for i in p.row(bc) { hit[Int(i)] = true }
            out.append(bc)
        }
        return out
    }

    /// Orders a site set greedily (largest marginal gain first, lower index on ties) for the ranked output.
    static func rank(_ p: CoverageProblem, _ sites: [Int]) -> [Int] {
        var left = sites, out: [Int] = []
        var hit = [Bool](repeating: false, count: p.weights.count)
        while !left.isEmpty {
            var bi = 0, bg = -1.0
            for (k, c) in left.enumerated() {
                var s = 0.0
                for i in p.row(c) where !hit[Int(i)] { s += p.weights[Int(i)] }
                if s > bg || (s == bg && c < left[bi]) { bg = s; bi = k }
            }
            let c = left.remove(at: bi)
            for i in p.row(c) { hit[Int(i)] = true }
            out.append(c)
        }
        return out
    }

    /// The per-rank figures of a ranked site list.
    static func summarise(_ p: CoverageProblem, _ sites: [Int], _ o: PlanOptions, swaps: Int, targetW: Double?) -> PlanSolution {
        var hit = [Bool](repeating: false, count: p.weights.count)
        var newly: [Double] = [], served: [Double] = [], after: [Double] = []
        var covered = p.baseCovered
        var flow = o.capacity.map { CapacitatedFlow(p, capacity: $0) }
        for c in sites {
            var s = 0.0
            for i in p.row(c) where !hit[Int(i)] { s += p.weights[Int(i)]; hit[Int(i)] = true }
            covered += s
            newly.append(s)
            // With a capacity: the increase of the served weight (optimal assignment of the sites so far).
            served.append(flow != nil ? flow!.add(c) : s)
            after.append(covered)
        }
        let obj = served.reduce(0, +)
        // With a capacity the target counts the weight served, else the weight within reach.
        let achieved = o.capacity != nil ? p.baseCovered + obj : (after.last ?? p.baseCovered)
        let reached = targetW.map { achieved >= $0 } ?? true
        return PlanSolution(sites: sites, newlyCovered: newly, served: served, coveredAfter: after, objective: obj,
                            baseCovered: p.baseCovered, swaps: swaps, reachedTarget: reached)
    }

    @inline(__always) static func dist2(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { let d = a - b; return (d * d).sum() }
}

/// A heap entry of the lazy greedy: a candidate's gain as evaluated in `round`.
struct GainEntry {
    var gain: Double
    var candidate: Int32
    var round: Int32
    /// Higher gain first; lower candidate index on ties.
    @inline(__always) func before(_ o: GainEntry) -> Bool { gain != o.gain ? gain > o.gain : candidate < o.candidate }
}

/// Binary max-heap of gains (flat array).
struct GainHeap {
    var a: [GainEntry] = []
    mutating func push(_ x: GainEntry) {
        a.append(x)
        var i = a.count - 1
        while i > 0 { let p = (i - 1) / 2; if a[i].before(a[p]) { a.swapAt(i, p); i = p } else { break } }
    }
    mutating func pop() -> GainEntry? {
        guard let top = a.first else { return nil }
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < a.count && a[l].before(a[m]) { m = l }
                if r < a.count && a[r].before(a[m]) { m = r }
                if m == i { break }
                a.swapAt(i, m); i = m
            }
        }
        return top
    }
}
