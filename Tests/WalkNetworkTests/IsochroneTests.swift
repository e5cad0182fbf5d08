import Testing
@testable import WalkNetwork

@Suite struct IsochroneTests {
    @Test func pieceGoldensOnAStreetWithAOneWayBranch() throws {
        // Street 0—100—200 (two-way); one-way branch from (100,0) north to (100,100) (walk away from the street only).
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(100, 0), P(200, 0)]),
            WalkLine(id: 2, points: [P(100, 0), P(100, 100)], oneWay: true),
            WalkLine(id: 3, points: [P(100, 100), P(300, 100)]),
        ])
        let idx = EdgeSegmentIndex(graph: g)
        let fac = FacilitySet(name: "f", positions: [idx.snap(P(80, 5))], ids: [1])   // on edge 0 at 80, leg 5
        let engine = WalkAccessEngine(graph: g)
        let pieces = engine.reachedPieces(category: fac, threshold: 45)
        // Budget 40 along the street: [40, 100] on edge 0 (one piece), [0, 20] on edge 1; the one-way branch leads away
        // from the facility, so walking from it to the facility is impossible: not covered.
        #expect(pieces.count == 2)
        #expect(pieces[0].edge == 0 && abs(pieces[0].from - 40) < 1e-9 && abs(pieces[0].to - 100) < 1e-9)
        #expect(pieces[1].edge == 1 && abs(pieces[1].from) < 1e-9 && abs(pieces[1].to - 20) < 1e-9)
        let lines = engine.isochrone(category: fac, threshold: 45)
        #expect(lines[0] == [P(40, 0), P(100, 0)])
        // A facility on the upper street is reachable *from* the branch (walking north along it).
        let up = FacilitySet(name: "u", positions: [idx.snap(P(100, 100))], ids: [2])
        let pu = engine.reachedPieces(category: up, threshold: 150)
        let branch = pu.first { g.edgeLineId[Int($0.edge)] == 2 }
        #expect(branch != nil && abs(branch!.from) < 1e-9 && abs(branch!.to - 100) < 1e-9)
    }

    @Test func randomPointsCoveredIffWithinThreshold() throws {
        for seed in 0 ..< 15 {
            let rc = RandomCase(seed: UInt64(seed) &+ 900, origins: 60, facilities: 4)
            let g = try WalkGraph(lines: rc.lines)
            let idx = EdgeSegmentIndex(graph: g)
            let fac = FacilitySet(name: "f", positions: rc.positions(idx, rc.facilities), ids: [1, 2, 3, 4])
            var originsNoLeg = rc.origins
            for i in originsNoLeg.indices { originsNoLeg[i].leg = 0 }
            var rc2 = rc; rc2.origins = originsNoLeg
            let truth = rc2.allPairs().map { $0.min()! }
            let pos = rc2.positions(idx, originsNoLeg)
            let t = 400.0
            let pieces = WalkAccessEngine(graph: g).reachedPieces(category: fac, threshold: t)
            for (o, p) in pos.enumerated() where abs(truth[o] - t) > 1e-6 {
                let covered = pieces.contains { $0.edge == p.edge && $0.from - 1e-9 <= p.offset && p.offset <= $0.to + 1e-9 }
                // A point exactly at a node can be covered through another edge of that node.
                let atNode = p.offset <= 0 || p.offset >= g.edgeLength[Int(p.edge)]
                if !atNode { #expect(covered == (truth[o] <= t), "seed \(seed) origin \(o)") }
            }
        }
    }
}
