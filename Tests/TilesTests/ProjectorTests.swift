import CityModel
import Foundation
import Testing
@testable import Tiles

private struct Boom: Error, Equatable {}
private struct FailingProjector: ECEFProjector {
    func toECEF(_ pts: [SIMD3<Double>]) throws -> [SIMD3<Double>] { throw Boom() }
}
private struct ShortProjector: ECEFProjector {
    func toECEF(_ pts: [SIMD3<Double>]) throws -> [SIMD3<Double>] { Array(pts.dropLast()) }
}

private let twoBuildings = [
    Building(id: 1, sourceId: "a", footprint: MultiPolygon([Polygon([rect(0, 0, 10, 10)])]), heightM: 10, heightSource: .measured),
    Building(id: 2, sourceId: "b", footprint: MultiPolygon([Polygon([rect(50, 0, 10, 10)])]), heightM: 20, heightSource: .measured),
]

@Test func projectorErrorsPropagate() {
    withTempDir { dir in
        #expect(throws: Boom.self) { _ = try TilesetWriter().write(buildings: twoBuildings, projector: FailingProjector(), to: dir) }
        #expect(throws: TilesError.self) { _ = try TilesetWriter().write(buildings: twoBuildings, projector: ShortProjector(), to: dir) }
        // Nothing half-written: no tileset.json after a failure.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("tileset.json").path))
    }
}

@Test func moduleTangentPlaneMatchesTestProjector() throws {
    let a = TangentPlaneProjector(lonDeg: 120.6, latDeg: 31.3), b = TestTangentProjector(lonDeg: 120.6, latDeg: 31.3)
    let pts: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(1000, -2000, 50), SIMD3(-5e4, 3e4, 1e3)]
    for (p, q) in zip(try a.toECEF(pts), try b.toECEF(pts)) {
        #expect(((p - q) * (p - q)).sum().squareRoot() < 1e-6)
    }
}

@Test func groundHeightRules() throws {
    // groundM given → groundM + groundOffsetM; else defaultGroundHeightM. The region's minimum height follows.
    var o = TilesetOptions()
    o.defaultGroundHeightM = 40; o.groundOffsetM = 7; o.boundsMarginM = 0
    var bs = twoBuildings
    bs[1].groundM = 100
    let builder0 = TileContentBuilder(buildings: bs, metadata: BuildingMetadata(columns: []), options: o,
                                      projector: TestTangentProjector(lonDeg: 0, latDeg: 0))
    #expect(builder0.ground(bs[0]) == 40)
    #expect(builder0.ground(bs[1]) == 107)
    let r0 = try builder0.build(ids: [0]), r1 = try builder0.build(ids: [1])
    // Tangent plane at (0, 0): within 10 m of the origin the plane is < 1e-5 m above the ellipsoid.
    #expect(abs(r0.region.minH - 40) < 1e-4 && abs(r0.region.maxH - 50) < 1e-4)
    #expect(abs(r1.region.minH - 107) < 1e-3 && abs(r1.region.maxH - 127) < 1e-3)
    // Non-finite or tiny heights use minimumHeightM.
    var low = bs[0]; low.heightM = .nan
    #expect(builder0.height(low) == o.minimumHeightM)
}
