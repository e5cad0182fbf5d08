import Testing
@testable import WalkNetwork

@Suite struct GridNetworkTests {
    static let n = 9, s = 100.0

    /// A random point on a street of the grid.
    static func streetPoint(_ rng: inout SplitMix64) -> SIMD2<Double> {
        let along = Double.random(in: 0 ... Double(n - 1) * s, using: &rng)
        let street = Double(Int.random(in: 0 ..< n, using: &rng)) * s
        return Bool.random(using: &rng) ? P(along, street) : P(street, along)
    }

    @Test func distancesToIntersectionsAreManhattan() throws {
        var rng = SplitMix64(seed: 3)
        let g = try WalkGraph(lines: gridLines(n: Self.n, s: Self.s))
        #expect(g.nodeCount == Self.n * Self.n)
        #expect(g.edgeCount == 2 * Self.n * (Self.n - 1))
        let idx = EdgeSegmentIndex(graph: g)
        let facPts = (0 ..< 4).map { _ in P(Double(Int.random(in: 0 ..< Self.n, using: &rng)) * Self.s, Double(Int.random(in: 0 ..< Self.n, using: &rng)) * Self.s) }
        let fac = FacilitySet(name: "f", positions: idx.snap(facPts).positions, ids: [1, 2, 3, 4])
        let orgPts = (0 ..< 400).map { _ in Self.streetPoint(&rng) }
        let org = idx.snap(orgPts).positions
        let ws = DijkstraWorkspace(graph: g)
        ws.search(fac, cutoff: .infinity)
        for (i, p) in orgPts.enumerated() {
            let want = facPts.map { abs($0.x - p.x) + abs($0.y - p.y) }.min()!
            #expect(abs(ws.distance(at: org[i]).distance - want) < 1e-6)
        }
        // Between two points on the same street, the distance is |Δ| (same-edge and cross-edge alike).
        let a = idx.snap(P(130, 200)), b = idx.snap(P(470, 200)), c = idx.snap(P(150, 200))
        ws.search(FacilitySet(name: "b", positions: [b, c], ids: [1, 2]), cutoff: 1000)
        #expect(abs(ws.distance(at: a).distance - 20) < 1e-9 && ws.distance(at: a).facility == 1)
        ws.search(FacilitySet(name: "b", positions: [b], ids: [1]), cutoff: 1000)
        #expect(abs(ws.distance(at: a).distance - 340) < 1e-9)
        // Off-street origin: adds its legs.
        let o = idx.snap(P(130, 230))
        #expect(abs(ws.distance(at: o).distance - (30 + 340)) < 1e-9)
    }

    @Test func straightLineBuffersOverstateCoverage() throws {
        var rng = SplitMix64(seed: 5)
        let g = try WalkGraph(lines: gridLines(n: Self.n, s: Self.s))
        let idx = EdgeSegmentIndex(graph: g)
        let centre = P(400, 400)
        let fac = FacilitySet(name: "f", positions: [idx.snap(centre)], ids: [1])
        let pts = (0 ..< 20_000).map { _ in Self.streetPoint(&rng) }
        let res = WalkAccessEngine(graph: g).originDistances(categories: [fac], origins: idx.snap(pts).positions, cutoff: 300)[0]
        var euclid = 0, network = 0
        for (i, p) in pts.enumerated() {
            let e = dist(p, centre)
            if e <= 300 { euclid += 1 }
            if res.distances[i] <= 300 { network += 1; #expect(Double(res.distances[i]) >= e - 1e-3) }
        }
        let ratio = Double(euclid) / Double(network)
        print("grid s=100, r=300: Euclidean buffer covers \(euclid) street points, network \(network), overstatement ×\(ratio)")
        #expect(ratio > 1.15 && ratio < 1.5)
    }

    @Test func cutoffHonouredAndNodeDistances() throws {
        let g = try WalkGraph(lines: gridLines(n: Self.n, s: Self.s))
        let idx = EdgeSegmentIndex(graph: g)
        let fac = FacilitySet(name: "f", positions: [idx.snap(P(0, 0))], ids: [1])
        let nd = WalkAccessEngine(graph: g).nodeDistances(categories: [fac, fac], cutoff: 250)
        for v in 0 ..< g.nodeCount {
            let m = g.nodes[v].x + g.nodes[v].y
            if m <= 250 { #expect(abs(Double(nd[0][v]) - m) < 1e-3) } else { #expect(nd[0][v] == .infinity) }
        }
        #expect(nd[1] == nd[0])
    }
}

@Suite struct BatchedSearchTests {
    /// Seeding facilities in pruned batches gives exactly the one-batch result on a street-like graph with many
    /// overlapping facility balls, one-way streets and stairs.
    @Test func batchesMatchOneBatch() throws {
        var rng = SplitMix64(seed: 21)
        let n = 30, s = 80.0
        var xy: [SIMD2<Double>] = []
        for j in 0 ..< n { for i in 0 ..< n { xy.append(P(Double(i) * s + Double.random(in: -15 ... 15, using: &rng), Double(j) * s + Double.random(in: -15 ... 15, using: &rng))) } }
        var lines: [WalkLine] = []
        for j in 0 ..< n { for i in 0 ..< n {
            let v = j * n + i
            for w in [i + 1 < n ? v + 1 : -1, j + 1 < n ? v + n : -1] where w >= 0 && Double.random(in: 0 ..< 1, using: &rng) > 0.3 {
                lines.append(WalkLine(id: Int64(lines.count), points: [xy[v], xy[w]], oneWay: Double.random(in: 0 ..< 1, using: &rng) < 0.1,
                                      costFactor: Double.random(in: 0 ..< 1, using: &rng) < 0.05 ? 2 : 1))
            }
        } }
        let g = try WalkGraph(lines: lines)
        let idx = EdgeSegmentIndex(graph: g)
        let pts = (0 ..< 80).map { _ in P(Double.random(in: 0 ... 2320, using: &rng), Double.random(in: 0 ... 2320, using: &rng)) }
        let fac = FacilitySet(name: "f", positions: idx.snap(pts).positions, ids: (0 ..< 80).map { Int64($0) })
        let ws = DijkstraWorkspace(graph: g)
        ws.search(fac, cutoff: 600, batchSize: 1_000)
        let one = (0 ..< g.nodeCount).map { ws.distance(node: $0) }
        let who = (0 ..< g.nodeCount).map { ws.nearestFacility(node: $0) }
        #expect(one.filter { $0.isFinite }.count > g.nodeCount / 2)
        for batch in [1, 3, 16] {
            ws.search(fac, cutoff: 600, batchSize: batch)
            for v in 0 ..< g.nodeCount {
                #expect(ws.distance(node: v) == one[v])
                if one[v].isFinite {
                    // The nearest facility may differ only on exact ties; its distance must be the same.
                    let f = ws.nearestFacility(node: v)
                    #expect(f >= 0)
                    if f != who[v] { #expect(ws.distance(node: v) == one[v]) }
                }
            }
        }
        // k = 3 lists agree between one batch and pruned batches (distances; ids may differ only on exact ties).
        let origins = idx.snap((0 ..< 300).map { _ in P(Double.random(in: 0 ... 2320, using: &rng), Double.random(in: 0 ... 2320, using: &rng)) }).positions
        ws.searchKNearest(fac, cutoff: 600, k: 3, batchSize: 1_000)
        let lists = origins.map { ws.nearest(at: $0) }
        for batch in [1, 5] {
            ws.searchKNearest(fac, cutoff: 600, k: 3, batchSize: batch)
            for (i, o) in origins.enumerated() {
                let l = ws.nearest(at: o)
                #expect(l.map(\.distance) == lists[i].map(\.distance))
            }
        }
        // Engine, both APIs, batched vs not.
        let a = WalkAccessEngine(graph: g, batchSize: 1).nodeDistances(categories: [fac], cutoff: 600)[0]
        let b = WalkAccessEngine(graph: g, batchSize: 10_000).nodeDistances(categories: [fac], cutoff: 600)[0]
        #expect(a == b)
    }
}
