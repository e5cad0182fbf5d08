import Testing
@testable import WalkNetwork

@Suite struct WalkGraphTests {
    @Test func crossingAtSharedVertexMakesFiveNodesFourEdges() throws {
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(50, 0), P(100, 0)]),
            WalkLine(id: 2, points: [P(50, -50), P(50.0004, 0.0003), P(50, 50)]),
        ])
        #expect(g.nodeCount == 5)
        #expect(g.edgeCount == 4)
        for e in 0 ..< 4 { #expect(abs(g.edgeLength[e] - 50) < 1e-3) }
        #expect(g.edgeLineId == [1, 1, 2, 2])
        // The shared node keeps the first line's coordinate; the second line's geometry uses it.
        #expect(g.edgeGeometry(2).last == P(50, 0))
        #expect(g.componentSize == [5])
        #expect(g.largestComponent == 0)
        // Every node of a two-way network has as many incoming arcs as incident edges.
        let center = Int(g.edgeTo[0])
        #expect(g.inStart[center + 1] - g.inStart[center] == 4)
    }

    // Same two lines as the test above but 2 mm apart (beyond the quantum): kept side by side on purpose to show the contrast.
    @Test func verticesApartMoreThanQuantumStaySeparate() throws {
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(50, 0), P(100, 0)]),
            WalkLine(id: 2, points: [P(50, -50), P(50.002, 0), P(50, 50)]),
        ])
        #expect(g.nodeCount == 4)
        #expect(g.edgeCount == 2)
        #expect(g.componentSize == [2, 2])
    }

    @Test func intermediateVerticesStayInGeometry() throws {
        let g = try WalkGraph(lines: [WalkLine(id: 7, points: [P(0, 0), P(30, 40), P(30, 40), P(60, 0)])])
        #expect(g.nodeCount == 2)
        #expect(g.edgeCount == 1)
        #expect(Array(g.edgeGeometry(0)) == [P(0, 0), P(30, 40), P(60, 0)])
        #expect(g.edgeLength[0] == 100)
        #expect(g.geometryOffset == [0, 50, 100])
        #expect(g.point(onEdge: 0, offset: 75) == P(45, 20))
        #expect(g.subPolyline(edge: 0, from: 25, to: 75) == [P(15, 20), P(30, 40), P(45, 20)])
    }

    @Test func hilbertOrderIsAPermutationKeepingTopology() throws {
        let lines = gridLines(n: 8, s: 50)   // 8 × 8: each node in its own cell of a 3-level Hilbert curve
        let a = try WalkGraph(lines: lines, options: WalkGraphOptions(spatialNodeOrder: false))
        let b = try WalkGraph(lines: lines)
        #expect(a.nodeCount == b.nodeCount && a.edgeCount == b.edgeCount)
        #expect(Set(a.nodes.map { [$0.x, $0.y] }) == Set(b.nodes.map { [$0.x, $0.y] }))
        for e in 0 ..< a.edgeCount {
            #expect(a.nodes[Int(a.edgeFrom[e])] == b.nodes[Int(b.edgeFrom[e])])
            #expect(a.nodes[Int(a.edgeTo[e])] == b.nodes[Int(b.edgeTo[e])])
        }
        // Hilbert order: consecutive nodes are mostly grid neighbours (one step of 50 m).
        var steps = 0
        for v in 1 ..< b.nodeCount where dist(b.nodes[v], b.nodes[v - 1]) == 50 { steps += 1 }
        #expect(steps == b.nodeCount - 1)
    }

    @Test func lineTouchingItselfSplitsThere() throws {
        // A "lollipop": (0,0) → (10,0) → (10,10) → (0,10)... back to (10,0) → (20,0).
        let g = try WalkGraph(lines: [WalkLine(id: 1, points: [P(0, 0), P(10, 0), P(10, 10), P(0, 10), P(10, 0), P(20, 0)])])
        #expect(g.nodeCount == 3)
        #expect(g.edgeCount == 3)
        #expect(g.edgeFrom[1] == g.edgeTo[1])  // the loop
    }

    @Test func oneWayStairsAndNonWalkable() throws {
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(100, 0)], oneWay: true),
            WalkLine(id: 2, points: [P(100, 0), P(100, 10)], costFactor: 2.5),
            WalkLine(id: 3, points: [P(0, 0), P(0, 100)], walkable: false),
        ], options: WalkGraphOptions(spatialNodeOrder: false))
        #expect(g.edgeCount == 2)
        #expect(g.nodeCount == 3)
        #expect(g.edgeCost(1) == 25)
        // Node 0 (start of the one-way) has no incoming arc; node 1 has arcs from 0 (the one-way) and from 2.
        #expect(g.inStart[1] - g.inStart[0] == 0)
        let arcs = g.inArcs[Int(g.inStart[1]) ..< Int(g.inStart[2])]
        #expect(arcs.map(\.node).sorted() == [0, 2])
    }

    @Test func componentsAndLargest() throws {
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(10, 0)]),
            WalkLine(id: 2, points: [P(100, 0), P(110, 0)]),
            WalkLine(id: 3, points: [P(110, 0), P(120, 0)]),
        ], options: WalkGraphOptions(spatialNodeOrder: false))
        #expect(g.componentSize == [2, 3])
        #expect(g.largestComponent == 1)
        #expect(g.edgeComponent(0) == 0 && g.edgeComponent(2) == 1)
    }

    @Test func badInputsThrowOrAreSkipped() throws {
        #expect(throws: WalkGraphError.nonFiniteCoordinate(lineId: 4)) {
            try WalkGraph(lines: [WalkLine(id: 4, points: [P(0, 0), P(.nan, 1)])])
        }
        #expect(throws: WalkGraphError.invalidCostFactor(lineId: 5)) {
            try WalkGraph(lines: [WalkLine(id: 5, points: [P(0, 0), P(1, 1)], costFactor: 0)])
        }
        let g = try WalkGraph(lines: [WalkLine(id: 6, points: [P(1, 1), P(1, 1)]), WalkLine(id: 7, points: [P(1, 1)])])
        #expect(g.nodeCount == 0 && g.edgeCount == 0 && g.largestComponent == -1)
        // Snapping on an empty graph fails cleanly.
        #expect(EdgeSegmentIndex(graph: g).snap(P(0, 0)) == .failed)
    }
}
