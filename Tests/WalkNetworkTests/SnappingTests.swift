import Testing
@testable import WalkNetwork

@Suite struct SnappingTests {
    let bent = try! WalkGraph(lines: [WalkLine(id: 1, points: [P(0, 0), P(100, 0), P(100, 100)])])

    @Test func goldens() {
        let idx = EdgeSegmentIndex(graph: bent)
        let a = idx.snap(P(30, 10))
        #expect(a.edge == 0 && abs(a.offset - 30) < 1e-12 && abs(a.leg - 10) < 1e-12 && a.status == .main)
        let b = idx.snap(P(110, 50))
        #expect(abs(b.offset - 150) < 1e-12 && abs(b.leg - 10) < 1e-12)
        let c = idx.snap(P(120, -20))   // beyond the corner: nearest is the corner itself
        #expect(abs(c.offset - 100) < 1e-12 && abs(c.leg - 800.0.squareRoot()) < 1e-12)
        let d = idx.snap(P(-3, -4))
        #expect(d.offset == 0 && abs(d.leg - 5) < 1e-12)
        #expect(idx.snap(P(0, 300)) == .failed)               // 300 m > 200 m
        #expect(idx.snap(P(0, 300), options: SnapOptions(maxSnap: 301)).edge == 0)
        #expect(idx.snap(P(-1e7, 5e6)) == .failed)             // far outside the index
        #expect(idx.snap(P(.nan, 0)) == .failed)
    }

    @Test func smallCellsAndFarPointsStillFindTheNearest() {
        // A cell size much smaller than the distances forces many rings.
        let idx = EdgeSegmentIndex(graph: bent, cellSize: 1)
        let a = idx.snap(P(50, 150))
        #expect(abs(a.offset - 200) < 1e-12 && abs(a.leg - 50.0 * 2.0.squareRoot()) < 1e-9)
        let b = idx.snap(P(-50, 60))
        #expect(b.offset == 0 && abs(b.leg - (50.0 * 50 + 60 * 60).squareRoot()) < 1e-12)
    }

    @Test func islandRule() throws {
        // Main component: a 300 m street with 3 edges; island: one short 20 m path 50 m north.
        let g = try WalkGraph(lines: [
            WalkLine(id: 1, points: [P(0, 0), P(100, 0)]), WalkLine(id: 2, points: [P(100, 0), P(200, 0)]),
            WalkLine(id: 3, points: [P(200, 0), P(300, 0)]),
            WalkLine(id: 9, points: [P(140, 50), P(160, 50)]),
            WalkLine(id: 10, points: [P(1000, 1000), P(1020, 1000)]),
        ])
        #expect(g.componentSize == [4, 2, 2] && g.largestComponent == 0)
        let idx = EdgeSegmentIndex(graph: g)
        let moved = idx.snap(P(150, 45))       // 5 m to the island, 45 m to the main street
        #expect(moved.status == .movedToMain && moved.edge == 1 && abs(moved.offset - 50) < 1e-12 && abs(moved.leg - 45) < 1e-12)
        let kept = idx.snap(P(150, 45), options: SnapOptions(preferLargestComponent: false))
        #expect(kept.status == .island && kept.edge == 3 && abs(kept.leg - 5) < 1e-12)
        let island = idx.snap(P(1010, 990))    // main street is far beyond 200 m
        #expect(island.status == .island && island.edge == 4)
        let batch = idx.snap([P(150, 45), P(1010, 990), P(50, -3), P(5000, 5000), P(150, 45)], threads: 2)
        #expect(batch.onMain == 3 && batch.movedToMain == 2 && batch.onIsland == 1 && batch.failedIndices == [3])
        #expect(batch.positions[2] == EdgePosition(edge: 0, offset: 50, leg: 3, status: .main))
    }

    @Test func batchEqualsSingleOnRandomPoints() throws {
        var rng = SplitMix64(seed: 11)
        let g = try WalkGraph(lines: gridLines(n: 6, s: 80))
        let idx = EdgeSegmentIndex(graph: g)
        let pts = (0 ..< 3000).map { _ in P(Double.random(in: -300 ... 700, using: &rng), Double.random(in: -300 ... 700, using: &rng)) }
        let batch = idx.snap(pts, options: SnapOptions(maxSnap: 150))
        var failed = 0
        for (i, p) in pts.enumerated() {
            let s = idx.snap(p, options: SnapOptions(maxSnap: 150))
            #expect(s == batch.positions[i] || (s.edge == -1 && batch.positions[i].edge == -1))
            // Brute force: nearest distance to the grid streets.
            let cx = min(400, max(0, p.x)), cy = min(400, max(0, p.y))
            let dx = abs(p.x - (min(400, max(0, (p.x / 80).rounded() * 80))))
            let dy = abs(p.y - (min(400, max(0, (p.y / 80).rounded() * 80))))
            let toRow = (pow2(p.x - cx) + pow2(dy)).squareRoot(), toCol = (pow2(p.y - cy) + pow2(dx)).squareRoot()
            let expected = min(toRow, toCol)
            if expected > 150 { failed += 1; #expect(s.edge == -1) } else {
                #expect(abs(s.leg - expected) < 1e-9)
                #expect(dist(g.point(onEdge: Int(s.edge), offset: s.offset), p) - s.leg < 1e-9)
            }
        }
        #expect(batch.failed == failed)
    }
}

func pow2(_ x: Double) -> Double { x * x }

@Suite struct SegmentIndexTests {
    /// Long diagonal segments (listed only in the cells they cross) are still found from every side, at every cell size.
    @Test func diagonalsFoundAtAllCellSizes() throws {
        var rng = SplitMix64(seed: 99)
        var lines: [WalkLine] = []
        for i in 0 ..< 30 {
            lines.append(WalkLine(id: Int64(i), points: [P(Double.random(in: 0 ... 5000, using: &rng), Double.random(in: 0 ... 5000, using: &rng)),
                                                          P(Double.random(in: 0 ... 5000, using: &rng), Double.random(in: 0 ... 5000, using: &rng))]))
        }
        lines.append(WalkLine(id: 99, points: [P(100, 100), P(100, 4000)]))   // vertical
        lines.append(WalkLine(id: 98, points: [P(200, 300), P(4800, 300)]))   // horizontal
        let g = try WalkGraph(lines: lines)
        let pts = (0 ..< 500).map { _ in P(Double.random(in: -300 ... 5300, using: &rng), Double.random(in: -300 ... 5300, using: &rng)) }
        // Brute force nearest distance.
        func brute(_ p: SIMD2<Double>) -> Double {
            var best = Double.infinity
            for e in 0 ..< g.edgeCount {
                let geo = Array(g.edgeGeometry(e))
                for i in 0 ..< geo.count - 1 {
                    let a = geo[i], b = geo[i + 1], ab = b - a
                    let t = min(1, max(0, ((p - a) * ab).sum() / (ab * ab).sum()))
                    best = min(best, dist(p, a + ab * t))
                }
            }
            return best
        }
        for cellSize in [nil, 7.0, 130.0, 2000.0] {
            let idx = EdgeSegmentIndex(graph: g, cellSize: cellSize)
            for p in pts {
                let want = brute(p)
                let s = idx.snap(p, options: SnapOptions(maxSnap: 400, preferLargestComponent: false))
                if want <= 400 { #expect(abs(s.leg - want) < 1e-9, "cell \(String(describing: cellSize))") } else { #expect(s.edge == -1) }
            }
        }
    }
}
