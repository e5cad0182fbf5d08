import CityModel
import Foundation
import GeoBridge
import Testing

@Suite struct PolygonizeTests {
    /// A 10 × 8 mask of 10 m cells (origin (1000, 2080)): an L of 19 cells with a one-cell hole that is not part of it,
    /// a separate 2 × 2 block, and a cell that touches the L only at a corner (4-connected: a region of its own).
    static func mask() -> [UInt8] {
        let rows = [
            "1111000000",
            "1011000110",
            "1111000110",
            "1100000000",
            "1100000000",
            "1100001000",
            "0000000100",
            "0000000000",
        ]
        return rows.flatMap { $0.map { $0 == "1" ? UInt8(1) : 0 } }
    }

    @Test func regionsAreTracedExactly() throws {
        let m = Self.mask()
        let gt = [1000.0, 10, 0, 2080, 0, -10]
        let polys = try m.withUnsafeBufferPointer { try Polygonizer.polygons(mask: $0, width: 10, height: 8, geoTransform: gt, tolerance: 0) }
        // Regions: the L with its hole, the 2 × 2 block, and the two diagonal cells apart.
        #expect(polys.count == 4)
        // Total area = cells × 100 m² (brute-force count of the mask).
        let cells = m.reduce(0) { $0 + Int($1) }
        #expect(abs(polys.reduce(0) { $0 + $1.area } - Double(cells) * 100) < 1e-6)
        let big = try #require(polys.max { $0.area < $1.area })
        #expect(abs(big.area - 1700) < 1e-6)   // rows 4 + 3 + 4 + 2 + 2 + 2 = 17 cells (the hole excluded)
        #expect(big.holes.count == 1)
        #expect(big.contains(Vec2(1005, 2075)))          // cell (0, 0)
        #expect(!big.contains(Vec2(1015, 2065)))         // the hole at (1, 1)
        // The corner-touching cells at (5, 6) and (6, 7) are two regions of 100 m².
        #expect(polys.filter { abs($0.area - 100) < 1e-6 }.count == 2)
    }

    @Test func simplificationKeepsRegionsAndBoundsVertices() throws {
        // A 200 × 200 cell staircase (the lower-left triangle): ~400 traced corners, a triangle after simplifying by one cell
        // (a one-cell staircase deviates by cell/√2 from its diagonal, so half a cell would keep every step).
        let n = 200
        var m = [UInt8](repeating: 0, count: n * n)
        for r in 0..<n { for c in 0...r { m[r * n + c] = 1 } }
        let gt = [0.0, 20, 0, Double(n) * 20, 0, -20]
        let raw = try m.withUnsafeBufferPointer { try Polygonizer.polygons(mask: $0, width: n, height: n, geoTransform: gt, tolerance: 0) }
        let simple = try m.withUnsafeBufferPointer { try Polygonizer.polygons(mask: $0, width: n, height: n, geoTransform: gt, tolerance: 20) }
        #expect(raw.count == 1 && simple.count == 1)
        let rawV = raw[0].exterior.count, simpleV = simple[0].exterior.count
        #expect(rawV > 400)
        #expect(simpleV < 10)
        // The area moves by at most one cell per step of the staircase.
        let exact = Double(n * (n + 1) / 2) * 400
        #expect(abs(raw[0].area - exact) < 1e-6)
        #expect(abs(simple[0].area - exact) <= Double(n) * 400 + 1e-6)
    }
}
