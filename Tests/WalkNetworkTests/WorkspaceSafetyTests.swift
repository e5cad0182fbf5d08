/// The workspace's public entry points check their arguments (issue 14): a node, edge or facility set that does not
/// belong to the graph stops the process with a precondition message before any buffer is touched, instead of reading or
/// writing out of bounds. Exit tests run each misuse in a child process.
import Testing
@testable import WalkNetwork

@Suite struct WorkspaceSafetyTests {
    static func smallGraph() throws -> WalkGraph { try WalkGraph(lines: gridLines(n: 3, s: 100)) }
    static func bigGraph() throws -> WalkGraph { try WalkGraph(lines: gridLines(n: 30, s: 100)) }

    @Test func nodeReadersRejectNodesOutsideTheGraph() async throws {
        await #expect(processExitsWith: .failure) {
            let ws = DijkstraWorkspace(graph: try WorkspaceSafetyTests.smallGraph())
            _ = ws.distance(node: ws.graph.nodeCount)
        }
        await #expect(processExitsWith: .failure) {
            let ws = DijkstraWorkspace(graph: try WorkspaceSafetyTests.smallGraph())
            _ = ws.nearestFacility(node: -1)
        }
    }

    /// A facility set snapped to a larger graph has edge ids past this graph's edges: `search` must stop before it sets
    /// the facility-edge bits (it used to write past the bit set).
    @Test func facilitySetFromAnotherGraphIsRefused() async throws {
        await #expect(processExitsWith: .failure) {
            let big = try WorkspaceSafetyTests.bigGraph()
            let far = EdgeSegmentIndex(graph: big).snap(P(2_850, 2_900))
            precondition(Int(far.edge) >= 12, "test setup: the snapped edge must not exist in the 3×3 graph")
            let ws = DijkstraWorkspace(graph: try WorkspaceSafetyTests.smallGraph())
            ws.search(FacilitySet(name: "foreign", positions: [far], ids: [1]), cutoff: 1_000)
        }
        await #expect(processExitsWith: .failure) {
            let big = try WorkspaceSafetyTests.bigGraph()
            let far = EdgeSegmentIndex(graph: big).snap(P(2_850, 2_900))
            let small = try WorkspaceSafetyTests.smallGraph()
            let ws = DijkstraWorkspace(graph: small)
            ws.search(FacilitySet(name: "own", positions: [EdgeSegmentIndex(graph: small).snap(P(0, 0))], ids: [1]), cutoff: 1_000)
            _ = ws.distance(at: far)
        }
    }

    @Test func bulkOrderMustBeAPermutation() async throws {
        await #expect(processExitsWith: .failure) {
            let g = try WorkspaceSafetyTests.smallGraph()
            let idx = EdgeSegmentIndex(graph: g)
            let ws = DijkstraWorkspace(graph: g)
            ws.search(FacilitySet(name: "f", positions: [idx.snap(P(0, 0))], ids: [1]), cutoff: 1_000)
            _ = ws.distances(at: [idx.snap(P(50, 0)), idx.snap(P(100, 50))], order: [0, 0])
        }
    }

    /// The bulk form equals the one-origin form, in any evaluation order; failed origins are NaN.
    @Test func bulkDistancesEqualSingleOriginDistances() throws {
        var rng = SplitMix64(seed: 21)
        let g = try WalkGraph(lines: gridLines(n: 8, s: 100))
        let idx = EdgeSegmentIndex(graph: g)
        let fac = FacilitySet(name: "f", positions: idx.snap([P(0, 0), P(700, 300), P(350, 700)]).positions, ids: [7, 8, 9])
        let pts = (0 ..< 300).map { _ in P(Double.random(in: -50 ... 750, using: &rng), Double.random(in: -50 ... 750, using: &rng)) }
        let origins = idx.snap(pts, options: SnapOptions(maxSnap: 30)).positions
        let ws = DijkstraWorkspace(graph: g)
        ws.search(fac, cutoff: 250)
        let order = (0 ..< Int32(origins.count)).shuffled(using: &rng)
        let bulk = ws.distances(at: origins, order: order)
        var failed = 0, beyond = 0
        for (i, o) in origins.enumerated() {
            let one = ws.distance(at: o)
            if o.edge < 0 { #expect(bulk.distances[i].isNaN); failed += 1; continue }
            if one.distance.isInfinite { beyond += 1 }
            #expect(bulk.distances[i] == Float(one.distance))
            #expect(bulk.facilities[i] == one.facility)
        }
        #expect(failed > 0 && beyond > 0 && failed + beyond < origins.count, "the sample covers snapped, failed and beyond-cutoff origins")
    }

    /// k-nearest into caller arrays of any starting size: resized to k, the same as the allocating form.
    @Test func kNearestIntoArraysMatchesAllocatingForm() throws {
        let g = try WalkGraph(lines: gridLines(n: 6, s: 100))
        let idx = EdgeSegmentIndex(graph: g)
        let fac = FacilitySet(name: "f", positions: idx.snap([P(0, 0), P(500, 0), P(0, 500), P(500, 500)]).positions, ids: [1, 2, 3, 4])
        let ws = DijkstraWorkspace(graph: g)
        ws.searchKNearest(fac, cutoff: 2_000, k: 3)
        var ids: [Int32] = [], ds: [Double] = [0]
        let o = idx.snap(P(120, 60))
        let c = ws.nearest(at: o, ids: &ids, distances: &ds)
        let alloc = ws.nearest(at: o)
        #expect(c == 3 && ids.count == 3 && ds.count == 3)
        #expect(alloc.map(\.facility) == Array(ids.prefix(c)) && alloc.map(\.distance) == Array(ds.prefix(c)))
        // By hand: (120, 60) snaps to (100, 60) on the street x = 100 (leg 20); to the facility at (0, 0) it walks 60 down
        // to (100, 0), then 100 west: 20 + 60 + 100 = 180 m.
        #expect(abs(ds[0] - 180) < 1e-9 && ids[0] == 0)
    }
}
