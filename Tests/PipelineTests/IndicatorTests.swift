import CityModel
import Foundation
import Indicators
@testable import Pipeline
import GeoBridge
import Testing

/// A hand-built 1 km × 1 km town with values computed by hand (see each expectation).
@Suite struct IndicatorGoldenTests {
    static func sq(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> MultiPolygon {
        MultiPolygon([Polygon([[Vec2(x, y), Vec2(x + w, y), Vec2(x + w, y + h), Vec2(x, y + h)]])])
    }

    static func town() -> BaseLayer {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.boundary = sq(0, 0, 1000, 1000)
        func bld(_ id: Int64, _ x: Double, _ y: Double, h: Double, floors: Int, use: BuildingUse, residents: Double, year: Int?) -> Building {
            Building(id: id, sourceId: "b\(id)", footprint: sq(x, y, 20, 20), heightM: h, heightSource: .measured, floors: floors,
                     use: use, residents: residents, yearBuilt: year)
        }
        b.buildings = [
            bld(1, 300, 0, h: 15, floors: 5, use: .residential, residents: 100, year: 1985),   // 200 m from the park: covered
            bld(2, 900, 900, h: 15, floors: 5, use: .residential, residents: 100, year: 2010), // ~1131 m from the park
            bld(3, 600, 300, h: 150, floors: 40, use: .commercial, residents: 0, year: 2015),
            bld(4, 700, 600, h: 90, floors: 30, use: .residential, residents: 300, year: 2024),
        ]
        b.green = [
            GreenArea(id: 10, sourceId: "g1", kind: "park", isPark: true, area: sq(0, 0, 100, 100)),
            GreenArea(id: 11, sourceId: "g2", kind: "grass", isPark: false, area: sq(50, 0, 100, 100)), // overlaps g1 by 50 × 100
        ]
        b.water = [WaterBody(id: 20, sourceId: "w1", kind: "pond", area: sq(500, 500, 100, 100))]
        b.roads = [
            Road(id: 30, sourceId: "r1", line: LineString([Vec2(0, 500), Vec2(1000, 500)]), highway: "residential"),
            Road(id: 31, sourceId: "r2", line: LineString([Vec2(500, 0), Vec2(500, 1000)]), highway: "footway", drivable: false),
        ]
        b.pipes = [
            Pipe(id: 40, sourceId: "p1", kind: .sewer, line: LineString([Vec2(0, 0), Vec2(1000, 0)])),
            Pipe(id: 41, sourceId: "p2", kind: .gas, line: LineString([Vec2(0, 900), Vec2(1000, 900)])),   // not drainage
        ]
        b.zones = [
            Zone(id: "W", name: "西区", area: sq(0, 0, 500, 1000)),
            Zone(id: "E", name: "东区", area: sq(500, 0, 500, 1000)),
        ]
        return b
    }

    func values() throws -> [String: IndicatorValue] {
        let base = Self.town()
        let ops = GEOSGeometryOps()
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: base.boundary!, builtUpSource: "boundary", ops: ops)
        let vals = try IndicatorRunner.run(inputs)
        return Dictionary(uniqueKeysWithValues: vals.map { ($0.zoneID + "/" + $0.spec.id, $0) })
    }

    @Test func cityLevelGoldens() throws {
        let v = try values()
        func val(_ id: String, _ zone: String = "") -> Double? { v[zone + "/" + id]?.value }
        // Green: 100×100 ∪ 100×100 overlapping by 50×100 → 15,000 m² of 1,000,000.
        #expect(abs(val("green_cov")! - 1.5) < 1e-9)
        #expect(v["/green_cov"]?.numerator.map { abs($0 - 15_000) < 1e-6 } == true)
        // Permeable: green 15,000 + pond 10,000.
        #expect(abs(val("permeable_share")! - 2.5) < 1e-9)
        // Park area per resident: 10,000 m² / 500 residents.
        #expect(abs(val("park_area_pc")! - 20) < 1e-9)
        // Park service: the 10,000 m² park serves 500 m; residential footprints 1 (covered), 2 (not), 4 (700,600: 806 m from
        // the park's corner, not covered) → 400 of 1,200 m².
        #expect(abs(val("park_service_cov")! - 100.0 / 3) < 1e-6)
        // Roads: only the drivable 1 km → 1 km/km². Lengths are exact to the 1 cm edge band: a line that ends on the
        // town's edge loses half the band (5 mm) there, so 999.99 m here.
        #expect(abs(val("road_density")! - 1) < 2e-5)
        // Sewer along the south edge: a 1000 × 100 strip inside the town.
        #expect(abs(val("pipe_cov")! - 10) < 1e-6)
        #expect(abs(val("pipe_gap_area")! - 0.9) < 1e-6)
        // The sewer runs on the town's south edge: it counts half (the land beyond the edge shares it; GEOS, 1 cm band).
        #expect(abs(val("pipe_density")! - 0.5) < 2e-5)
        // 500 residents on 1 km² = 0.05 万人/km².
        #expect(abs(val("pop_density_built")! - 0.05) < 1e-12)
        // Footprints 4 × 400 m² = 0.16 %; floor area (5+5+40+30) × 400 = 32,000 m² → FAR 0.032.
        #expect(abs(val("building_density")! - 0.16) < 1e-12)
        #expect(abs(val("far")! - 0.032) < 1e-12)
        #expect(val("highrise_100m") == 1)
        #expect(val("resi_over_80m") == 1)
        // Residential floor area before 2000: building 1 (2,000 m²) of 2,000 + 2,000 + 12,000.
        #expect(abs(val("old_resi_share")! - 12.5) < 1e-9)
        #expect(abs(val("dev_intensity")! - 100) < 1e-9)
        // Densest 250 m cell holds 300 residents: 300 / 0.0625 km² = 4,800/km² < 15,000 → no over-dense land.
        #expect(val("dense_land_share") == 0)
    }

    @Test func missingInputsAreExplicit() throws {
        let v = try values()
        #expect(v["/fire_5min_cov"]?.value == nil)
        #expect(v["/fire_5min_cov"]?.reason == "no fire stations in facilities")
        #expect(v["/shelter_area_pc"]?.reason?.contains("no shelter") == true)
        // No walk stage ran: no walk rows at all (not zeros).
        #expect(!v.keys.contains { $0.contains("walk_cov") })
    }

    @Test func zoneGoldens() throws {
        let v = try values()
        // West zone (x < 500): all green, the park; 500,000 m² built-up.
        #expect(abs(v["W/green_cov"]!.value! - 3) < 1e-9)
        // East zone: the pond only; green 0.
        #expect(v["E/green_cov"]!.value == 0)
        #expect(abs(v["E/permeable_share"]!.value! - 2) < 1e-9)
        // Sewer strip halves: 500 × 100 in each zone.
        #expect(abs(v["W/pipe_cov"]!.value! - 10) < 1e-6)
        #expect(abs(v["E/pipe_gap_area"]!.value! - 0.45) < 1e-6)
        // Buildings by centroid: west holds building 1 (100 residents), east 2, 3, 4 (400).
        #expect(abs(v["W/pop_density_built"]!.value! - 0.02) < 1e-12)    // 0.01 万 on 0.5 km²
        #expect(abs(v["E/pop_density_built"]!.value! - 0.08) < 1e-12)
        #expect(v["E/highrise_100m"]!.value == 1 && v["W/highrise_100m"]!.value == 0)
        #expect(abs(v["W/road_density"]!.value! - 1) < 2e-5)
        #expect(v["W/green_cov"]!.zoneName == "西区")
    }

    @Test func walkCoverageWeighting() throws {
        var base = Self.town()
        base.facilities = []
        let ops = GEOSGeometryOps()
        // Origins: the three residential buildings; kindergarten distances 250, 400, ∞ (unsnapped).
        let walk = NetworkAccess(origins: [0, 1, 3], distances: ["kindergarten": [250, 400, .infinity], "primary_school": [100, 100, 100]],
                                 thresholds: ["kindergarten": [300, 500], "primary_school": [500]],
                                 lifeCircle: ["kindergarten": 300, "primary_school": 500])
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: base.boundary!, builtUpSource: "boundary", ops: ops, walk: walk)
        let vals = try IndicatorRunner.run(inputs)
        let v = Dictionary(uniqueKeysWithValues: vals.filter { $0.zoneID.isEmpty }.map { ($0.spec.id, $0) })
        // Residents 100, 100, 300: within 300 m only building 1 → 100 / 500.
        #expect(abs(v["walk_cov.kindergarten.300"]!.value! - 20) < 1e-9)
        #expect(abs(v["walk_cov.kindergarten.500"]!.value! - 40) < 1e-9)
        // By floor area 2,000 / 2,000 / 12,000; by buildings 1 of 3.
        #expect(abs(v["walk_cov.kindergarten.300.floor_area"]!.value! - 12.5) < 1e-9)
        #expect(abs(v["walk_cov.kindergarten.300.buildings"]!.value! - 100.0 / 3) < 1e-9)
        #expect(v["walk_cov.primary_school.500"]!.value == 100)
        // Life circle: kindergarten within 300 and school within 500 → building 1 only.
        #expect(abs(v["life_circle_15"]!.value! - 20) < 1e-9)
        #expect(v["walk_cov.kindergarten.300"]!.spec.nameZh.contains("幼儿园"))
    }
}

/// The tiled overlays against the same computation in one tile, with GEOS, on a random town with slanted geometry:
/// areas and lengths are additive over the tiles, and the buffers and the closing read a halo wide enough to be exact.
@Suite struct TiledOverlayTests {
    struct XorShift { var s: UInt64; mutating func next() -> Double { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Double(s >> 11) / Double(1 << 53) } }

    static func quad(_ c: Vec2, _ w: Double, _ h: Double, _ a: Double) -> MultiPolygon {
        let u: Vec2 = Vec2(cos(a), sin(a)) * (w / 2), v: Vec2 = Vec2(-sin(a), cos(a)) * (h / 2)
        let p0: Vec2 = c - u - v, p1: Vec2 = c + u - v, p2: Vec2 = c + u + v, p3: Vec2 = c - u + v
        let pts: [Vec2] = [p0, p1, p2, p3]
        return MultiPolygon([Polygon([pts + [pts[0]]])])
    }

    /// 3 km × 2.4 km: 400 slanted buildings in clusters, 40 green patches (some parks), ponds, slanted roads and sewers,
    /// three zones (the middle one slanted).
    static func town(boundary: Bool) -> BaseLayer {
        var r = XorShift(s: 0x9E3779B97F4A7C15)
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        if boundary { b.boundary = MultiPolygon([Polygon([[Vec2(0, 0), Vec2(3000, 0), Vec2(3000, 2400), Vec2(0, 2400), Vec2(0, 0)]])]) }
        let centres = (0..<8).map { _ in Vec2(300 + r.next() * 2400, 300 + r.next() * 1800) }
        for i in 0..<400 {
            let c = centres[i % 8] + Vec2(r.next() - 0.5, r.next() - 0.5) * 500
            b.buildings.append(Building(id: Int64(i + 1), sourceId: "b\(i)", footprint: quad(c, 10 + r.next() * 30, 8 + r.next() * 20, r.next() * 3),
                                        heightM: 5 + r.next() * 120, heightSource: .measured, floors: 3, use: i % 3 == 0 ? .commercial : .residential,
                                        residents: Double(i % 7) * 40, yearBuilt: 1960 + i % 60))
        }
        for i in 0..<40 {
            let c = Vec2(r.next() * 3000, r.next() * 2400)
            b.green.append(GreenArea(id: Int64(1000 + i), sourceId: "g\(i)", kind: "park", isPark: i % 3 == 0,
                                     area: quad(c, 20 + r.next() * 150, 20 + r.next() * 120, r.next() * 3)))
        }
        for i in 0..<6 {
            b.water.append(WaterBody(id: Int64(2000 + i), sourceId: "w\(i)", kind: "pond", area: quad(Vec2(r.next() * 3000, r.next() * 2400), 80, 50, r.next())))
        }
        for i in 0..<12 {
            let a = Vec2(r.next() * 3000, r.next() * 2400), c = Vec2(r.next() * 3000, r.next() * 2400)
            b.roads.append(Road(id: Int64(3000 + i), sourceId: "r\(i)", line: LineString([a, (a + c) / 2 + Vec2(40, -30), c]), highway: "residential"))
            b.pipes.append(Pipe(id: Int64(4000 + i), sourceId: "p\(i)", kind: i % 4 == 3 ? .gas : .sewer, line: LineString([c, a + Vec2(15, 25)])))
        }
        b.zones = [
            Zone(id: "A", name: "A", area: MultiPolygon([Polygon([[Vec2(-10, -10), Vec2(1000, -10), Vec2(1400, 2410), Vec2(-10, 2410), Vec2(-10, -10)]])])),
            Zone(id: "B", name: "B", area: MultiPolygon([Polygon([[Vec2(1000, -10), Vec2(2000, -10), Vec2(2200, 2410), Vec2(1400, 2410), Vec2(1000, -10)]])])),
            Zone(id: "C", name: "C", area: MultiPolygon([Polygon([[Vec2(2000, -10), Vec2(3010, -10), Vec2(3010, 2410), Vec2(2200, 2410), Vec2(2000, -10)]])])),
        ]
        return b
    }

    static func values(_ base: BaseLayer, tile: Double) throws -> [String: IndicatorValue] {
        let ops = GEOSGeometryOps()
        let lattice = TileLattice(size: tile)
        let bu = try base.boundary ?? BuiltUpArea.derive(buildings: base.buildings, ops: ops, lattice: lattice)
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: bu, builtUpSource: "test", ops: ops, lattice: lattice)
        return Dictionary(uniqueKeysWithValues: try IndicatorRunner.run(inputs).map { ($0.zoneID + "/" + $0.spec.id, $0) })
    }

    @Test(arguments: [true, false]) func tiledEqualsOneTile(boundary: Bool) throws {
        let base = Self.town(boundary: boundary)
        let one = try Self.values(base, tile: 1e7)
        // With a boundary layer every overlay is exact per tile (1e-9: floating-point noding of the tile cuts). The derived
        // built-up area differs by up to ~5e-6 (relative) between tilings: GEOS simplifies a buffer's input rings within
        // 1 % of the distance (0.5 m for the 50 m closing), and which vertices go depends on where a ring starts, which
        // the tile cuts change.
        let tol = boundary ? 1e-9 : 2e-5
        for tile in [1000.0, 333.0] {
            let tiled = try Self.values(base, tile: tile)
            #expect(Set(one.keys) == Set(tiled.keys))
            for (k, v) in one {
                let w = try #require(tiled[k])
                for (x, y) in [(v.value, w.value), (v.numerator, w.numerator), (v.denominator, w.denominator)] {
                    #expect((x == nil) == (y == nil), "\(k)")
                    if let x, let y { #expect(abs(x - y) <= tol * max(1, abs(x)), "\(k) tile \(tile): \(x) vs \(y)") }
                }
            }
        }
        // Something to compare: the overlays are not empty.
        #expect(one["/green_cov"]!.value! > 0.5 && one["/pipe_cov"]!.value! > 5 && one["/park_service_cov"]!.value! > 1)
        #expect(one["/road_density"]!.value! > 0.5)
    }

    /// Additive indicators: the three zones partition the built-up area (the boundary) and hold every building by centroid,
    /// so their numerators and denominators sum to the city's (the land-based ones, park_area_pc and dev_intensity, are
    /// left out: the zones reach 10 m beyond the boundary).
    @Test func zoneSumsEqualCityTotals() throws {
        let v = try Self.values(Self.town(boundary: true), tile: 700)
        for id in ["green_cov", "permeable_share", "pipe_cov", "pipe_gap_area", "pipe_density", "road_density", "pop_density_built",
                   "building_density", "far", "park_service_cov", "old_resi_share", "highrise_100m"] {
            let city = try #require(v["/" + id])
            let num = ["A", "B", "C"].reduce(0.0) { $0 + (v[$1 + "/" + id]?.numerator ?? 0) }
            let den = ["A", "B", "C"].reduce(0.0) { $0 + (v[$1 + "/" + id]?.denominator ?? 0) }
            #expect(abs(num - city.numerator!) <= 1e-9 * max(1, abs(city.numerator!)), "\(id) numerator \(num) vs \(city.numerator!)")
            #expect(abs(den - city.denominator!) <= 1e-9 * max(1, abs(city.denominator!)), "\(id) denominator \(den) vs \(city.denominator!)")
        }
    }

    /// The tiled closing covers the same ground as the closing in one piece: symmetric difference below 5e-5 of its area
    /// and areas within 2e-5 (GEOS's buffer input simplification, 0.5 m for 50 m, depends on where a ring starts).
    @Test func tiledClosingEqualsWholeClosing() throws {
        let base = Self.town(boundary: false)
        let ops = GEOSGeometryOps()
        let whole = try BuiltUpArea.derive(buildings: base.buildings, ops: ops, lattice: TileLattice(size: 1e7))
        let tiled = try BuiltUpArea.derive(buildings: base.buildings, ops: ops, lattice: TileLattice(size: 250))
        #expect(tiled.polygons.count > whole.polygons.count)
        let merged = try ops.union([tiled])
        let diff = try ops.difference(merged, whole).area + ops.difference(whole, merged).area
        #expect(diff <= 5e-5 * whole.area, "symmetric difference \(diff) m² of \(whole.area)")
        #expect(abs(tiled.area - whole.area) <= 2e-5 * whole.area)
    }
}

/// The tiled overlays' pieces, joined back into whole areas for the written layers (GEOS).
@Suite struct TileDissolveTests {
    @Test func piecesAcrossTileEdgesBecomeOneAreaWithItsHole() throws {
        let ops = GEOSGeometryOps()
        let lattice = TileLattice(size: 1000)
        // A 2.5 km square with a 200 m hole on a tile corner, and a 50 m square inside one tile.
        let big = MultiPolygon([Polygon([[Vec2(0, 0), Vec2(2500, 0), Vec2(2500, 2500), Vec2(0, 2500)],
                                         [Vec2(900, 900), Vec2(900, 1100), Vec2(1100, 1100), Vec2(1100, 900)]])])
        let small = MultiPolygon([Polygon([[Vec2(1500, 1500), Vec2(1550, 1500), Vec2(1550, 1550), Vec2(1500, 1550)]])])
        var pieces: [Polygon] = []
        for c in -1 ... 3 { for r in -1 ... 3 {
            pieces += try ops.intersection(big, lattice.square(c, r)).polygons.filter { $0.area > 0 }
            pieces += try ops.intersection(small, lattice.square(c, r)).polygons.filter { $0.area > 0 }
        } }
        #expect(pieces.count == 17)   // 16 pieces of the big square (the lattice is offset by 1/π m), and the small one
        let out = try TileDissolve.dissolve(MultiPolygon(pieces), lattice: lattice, ops: ops)
        #expect(out.polygons.count == 2)
        let whole = out.polygons.max { $0.area < $1.area }!
        #expect(whole.rings.count == 2)
        #expect(abs(whole.area - (2500 * 2500 - 200 * 200)) < 1e-6)
        #expect(abs(out.area - big.area - small.area) < 1e-6)
    }
}
