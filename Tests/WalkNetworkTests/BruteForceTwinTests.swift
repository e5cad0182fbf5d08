import Testing
@testable import WalkNetwork

/// Independent twin: the random graph's original edges are split at every origin/facility point, which become nodes,
/// and all-pairs costs come from Floyd–Warshall. The library sees merged lines (split again at shared vertices),
/// snapped positions, one-way edges and cost factors.
struct RandomCase {
    struct OEdge { var u: Int; var v: Int; var pts: [SIMD2<Double>]; var oneWay: Bool; var factor: Double; var walkable: Bool; var length: Double }
    struct Place { var edge: Int; var frac: Double; var leg: Double; var point: SIMD2<Double> }
    var nodes: [SIMD2<Double>] = []
    var edges: [OEdge] = []
    var lines: [WalkLine] = []
    var origins: [Place] = []
    var facilities: [Place] = []

    init(seed: UInt64, nodeCount: Int = 9, edgeCount: Int = 14, origins no: Int = 25, facilities nf: Int = 6) {
        var rng = SplitMix64(seed: seed)
        for _ in 0 ..< nodeCount { nodes.append(P(Double.random(in: 0 ... 1000, using: &rng), Double.random(in: 0 ... 1000, using: &rng))) }
        for _ in 0 ..< edgeCount {
            let u = Int.random(in: 0 ..< nodeCount, using: &rng)
            var v = Int.random(in: 0 ..< nodeCount, using: &rng)
            if v == u { v = (u + 1) % nodeCount }
            var pts = [nodes[u]]
            // Parallel edges get an intermediate vertex so that their geometries differ (snapping would be ambiguous).
            let parallel = edges.contains { ($0.u == u && $0.v == v) || ($0.u == v && $0.v == u) }
            for _ in 0 ..< Int.random(in: (parallel ? 1 : 0) ... 2, using: &rng) {
                pts.append(P(Double.random(in: 0 ... 1000, using: &rng), Double.random(in: 0 ... 1000, using: &rng)))
            }
            pts.append(nodes[v])
            var len = 0.0
            for i in 1 ..< pts.count { len += dist(pts[i - 1], pts[i]) }
            edges.append(OEdge(u: u, v: v, pts: pts, oneWay: Double.random(in: 0 ..< 1, using: &rng) < 0.3,
                               factor: [1, 1, 1.5, 2.25].randomElement(using: &rng)!,
                               walkable: Double.random(in: 0 ..< 1, using: &rng) < 0.9, length: len))
        }
        // Lines: merge some chains u→v→w of compatible edges into one line.
        var used = [Bool](repeating: false, count: edgeCount)
        for i in 0 ..< edgeCount where !used[i] {
            used[i] = true
            var pts = edges[i].pts
            if Double.random(in: 0 ..< 1, using: &rng) < 0.5,
               let j = (0 ..< edgeCount).first(where: { !used[$0] && edges[$0].u == edges[i].v && edges[$0].oneWay == edges[i].oneWay
                                                       && edges[$0].factor == edges[i].factor && edges[$0].walkable == edges[i].walkable }) {
                used[j] = true
                pts += edges[j].pts.dropFirst()
            }
            lines.append(WalkLine(id: Int64(i), points: pts, walkable: edges[i].walkable, oneWay: edges[i].oneWay, costFactor: edges[i].factor))
        }
        let walkable = (0 ..< edgeCount).filter { edges[$0].walkable }
        func place() -> Place {
            let e = walkable.randomElement(using: &rng)!
            let r = Double.random(in: 0 ..< 1, using: &rng)
            let frac = r < 0.08 ? 0 : r < 0.16 ? 1 : Double.random(in: 0 ... 1, using: &rng)
            let leg = Double.random(in: 0 ..< 1, using: &rng) < 0.2 ? 0 : Double.random(in: 0 ... 60, using: &rng)
            return Place(edge: e, frac: frac, leg: leg, point: pointAt(e, frac))
        }
        for _ in 0 ..< no { origins.append(place()) }
        for _ in 0 ..< nf { facilities.append(place()) }
        // Same-edge cases: put a few origins on facility edges.
        for f in facilities.prefix(3) {
            origins.append(Place(edge: f.edge, frac: Double.random(in: 0 ... 1, using: &rng), leg: 7, point: .zero))
            origins[origins.count - 1].point = pointAt(f.edge, origins[origins.count - 1].frac)
        }
    }

    func pointAt(_ e: Int, _ frac: Double) -> SIMD2<Double> {
        let pts = edges[e].pts
        var target = frac * edges[e].length
        if frac >= 1 { return pts.last! }
        for i in 1 ..< pts.count {
            let l = dist(pts[i - 1], pts[i])
            if target <= l { return pts[i - 1] + (pts[i] - pts[i - 1]) * (l > 0 ? target / l : 0) }
            target -= l
        }
        return pts.last!
    }

    /// Floyd–Warshall on the split graph; returns cost[origin][facility] including both legs.
    func allPairs() -> [[Double]] {
        var twinCount = nodes.count
        var placeNode: [Int] = []
        var onEdge = [[(Double, Int)]](repeating: [], count: edges.count)
        for p in origins + facilities {
            if p.frac == 0 { placeNode.append(edges[p.edge].u) } else if p.frac == 1 { placeNode.append(edges[p.edge].v) } else {
                placeNode.append(twinCount); onEdge[p.edge].append((p.frac, twinCount)); twinCount += 1
            }
        }
        let inf = Double.infinity
        var d = [[Double]](repeating: [Double](repeating: inf, count: twinCount), count: twinCount)
        for i in 0 ..< twinCount { d[i][i] = 0 }
        for (e, edge) in edges.enumerated() where edge.walkable {
            let chain = [(0.0, edge.u)] + onEdge[e].sorted { $0.0 < $1.0 } + [(1.0, edge.v)]
            for i in 1 ..< chain.count {
                let c = (chain[i].0 - chain[i - 1].0) * edge.length * edge.factor
                let a = chain[i - 1].1, b = chain[i].1
                d[a][b] = min(d[a][b], c)
                if !edge.oneWay { d[b][a] = min(d[b][a], c) }
            }
        }
        for k in 0 ..< twinCount { for i in 0 ..< twinCount where d[i][k] < inf { for j in 0 ..< twinCount {
            let v = d[i][k] + d[k][j]; if v < d[i][j] { d[i][j] = v } } } }
        return origins.indices.map { o in
            facilities.indices.map { f in origins[o].leg + d[placeNode[o]][placeNode[origins.count + f]] + facilities[f].leg }
        }
    }

    /// Library positions: snap the exact point on the line, then attach the leg.
    func positions(_ idx: EdgeSegmentIndex, _ places: [Place]) -> [EdgePosition] {
        places.map { p in
            var s = idx.snap(p.point, options: SnapOptions(maxSnap: 1, preferLargestComponent: false))
            precondition(s.edge >= 0 && s.leg < 1e-6)
            s.leg = p.leg
            return s
        }
    }
}

@Suite struct BruteForceTwinTests {
    @Test(arguments: 0 ..< 40)
    func nearestMatchesFloydWarshall(seed: Int) throws {
        let rc = RandomCase(seed: UInt64(seed) &* 7919 &+ 1)
        let g = try WalkGraph(lines: rc.lines)
        let idx = EdgeSegmentIndex(graph: g)
        let fac = FacilitySet(name: "x", positions: rc.positions(idx, rc.facilities), ids: rc.facilities.indices.map { Int64(100 + $0) })
        let org = rc.positions(idx, rc.origins)
        let truth = rc.allPairs()
        let ws = DijkstraWorkspace(graph: g)
        // One batch (all facilities at once) and pruned batches of 1 and 2 facilities give the same exact result.
        for batch in [nil, 1, 2] {
            ws.search(fac, cutoff: .infinity, batchSize: batch)
            for (o, pos) in org.enumerated() {
                let want = truth[o].min()!
                let got = ws.distance(at: pos)
                if want.isInfinite { #expect(got.distance.isInfinite && got.facility == -1) } else {
                    #expect(abs(got.distance - want) < 1e-6, "seed \(seed) origin \(o) batch \(String(describing: batch)): \(got.distance) vs \(want)")
                    #expect(abs(truth[o][Int(got.facility)] - want) < 1e-6)
                }
            }
        }
        // Cutoff at the median finite distance: reached iff the truth is within it.
        let finite = truth.map { $0.min()! }.filter { $0.isFinite }.sorted()
        guard !finite.isEmpty else { return }
        let cutoff = finite[finite.count / 2] + 1e-3
        for batch in [nil, 1] {
            ws.search(fac, cutoff: cutoff, batchSize: batch)
            for (o, pos) in org.enumerated() {
                let want = truth[o].min()!, got = ws.distance(at: pos).distance
                if want <= cutoff { #expect(abs(got - want) < 1e-6) } else { #expect(got == .infinity) }
            }
        }
        // Same through the engine's Float API (relative precision of Float).
        let engine = WalkAccessEngine(graph: g, batchSize: 1)
        let res = engine.originDistances(categories: [fac, fac], origins: org + [.failed], cutoff: cutoff, k: 1)
        for c in 0 ..< 2 {
            for o in 0 ..< org.count {
                let want = truth[o].min()!
                if want <= cutoff {
                    #expect(abs(Double(res[c].distances[o]) - want) <= 1e-6 * max(1, want))
                    #expect(res[c].nearestIds[o] >= 100)
                } else { #expect(res[c].distances[o] == WalkAccessEngine.unreachable && res[c].nearestIds[o] == -1) }
            }
            #expect(res[c].distances[org.count].isNaN)
        }
    }

    @Test(arguments: [2, 3])
    func kNearestMatchesFloydWarshall(k: Int) throws {
        for seed in 0 ..< 25 {
            let rc = RandomCase(seed: UInt64(seed) &+ 555, facilities: 7)
            let g = try WalkGraph(lines: rc.lines)
            let idx = EdgeSegmentIndex(graph: g)
            let fac = FacilitySet(name: "x", positions: rc.positions(idx, rc.facilities), ids: rc.facilities.indices.map { Int64($0) })
            let org = rc.positions(idx, rc.origins)
            let truth = rc.allPairs()
            let cutoff = 1500.0
            let ws = DijkstraWorkspace(graph: g)
            for batch in [nil, 1, 2] {
            ws.searchKNearest(fac, cutoff: cutoff, k: k, batchSize: batch)
            for (o, pos) in org.enumerated() {
                let want = truth[o].filter { $0 <= cutoff }.sorted().prefix(k)
                let got = ws.nearest(at: pos)
                #expect(got.count == want.count, "seed \(seed) origin \(o)")
                for (g1, w) in zip(got, want) { #expect(abs(g1.distance - w) < 1e-6) }
                for g1 in got { #expect(abs(truth[o][Int(g1.facility)] - g1.distance) < 1e-6) }
                #expect(Set(got.map(\.facility)).count == got.count)
                // The nearest one agrees with the plain search's node/origin distance.
                if let first = got.first { #expect(abs(ws.distance(at: pos).distance - first.distance) < 1e-6) }
            }
            }
            // The engine's k-nearest lists agree.
            let res = WalkAccessEngine(graph: g, batchSize: 1).originDistances(categories: [fac], origins: org, cutoff: cutoff, k: k)[0]
            for o in 0 ..< org.count {
                let want = truth[o].filter { $0 <= cutoff }.sorted().prefix(k)
                for j in 0 ..< k {
                    if j < want.count { #expect(abs(Double(res.nearestDistances[o * k + j]) - want[want.startIndex + j]) <= 1e-6 * max(1, want[want.startIndex + j])) } else {
                        #expect(res.nearestIds[o * k + j] == -1)
                    }
                }
            }
        }
    }
}
