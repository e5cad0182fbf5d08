import CityModel
@testable import Indicators
import Testing

/// The indicator formulas on a hand-built town with the exact rectilinear geometry engine (no GEOS, no GDAL).
@Suite struct IndicatorFormulaTests {
    static func sq(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> MultiPolygon {
        MultiPolygon([RectilinearOps.rect(x, y, x + w, y + h)])
    }

    /// 1 km × 1 km, two zones (west, east), green, a pond, a drivable road across, a sewer 50 m north of the south edge.
    // Same town as PipelineTests/IndicatorTests.town on purpose: each file's goldens are computed by hand against its own copy, so a change to one fixture cannot silently move the other's expectations.
    static func town() -> BaseLayer {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.boundary = sq(0, 0, 1000, 1000)
        func bld(_ id: Int64, _ x: Double, _ y: Double, h: Double, floors: Int, use: BuildingUse, residents: Double, year: Int?) -> Building {
            Building(id: id, sourceId: "b\(id)", footprint: sq(x, y, 20, 20), heightM: h, heightSource: .measured, floors: floors,
                     use: use, residents: residents, yearBuilt: year)
        }
        b.buildings = [
            bld(1, 300, 0, h: 15, floors: 5, use: .residential, residents: 100, year: 1985),
            bld(2, 900, 900, h: 15, floors: 5, use: .residential, residents: 100, year: 2010),
            bld(3, 600, 300, h: 150, floors: 40, use: .commercial, residents: 0, year: 2015),
            bld(4, 700, 600, h: 90, floors: 30, use: .residential, residents: 300, year: 2024),
            bld(5, 410, 410, h: 30, floors: 10, use: .residential, residents: 1200, year: 1990), // 1200 on 0.0625 km²: dense
        ]
        b.green = [
            GreenArea(id: 10, sourceId: "g1", kind: "park", isPark: true, area: sq(0, 0, 100, 100)),
            GreenArea(id: 11, sourceId: "g2", kind: "grass", isPark: false, area: sq(50, 0, 100, 100)),  // overlaps g1 by 50 × 100
            GreenArea(id: 12, sourceId: "g3", kind: "grass", isPark: false, area: sq(450, 800, 100, 100)), // straddles the zones
        ]
        b.water = [WaterBody(id: 20, sourceId: "w1", kind: "pond", area: sq(500, 500, 100, 100))]
        b.roads = [
            Road(id: 30, sourceId: "r1", line: LineString([Vec2(0, 510), Vec2(1000, 510)]), highway: "residential"),
            Road(id: 31, sourceId: "r2", line: LineString([Vec2(510, 0), Vec2(510, 1000)]), highway: "footway", drivable: false),
        ]
        b.pipes = [
            Pipe(id: 40, sourceId: "p1", kind: .sewer, line: LineString([Vec2(0, 50), Vec2(1000, 50)])),
            Pipe(id: 41, sourceId: "p2", kind: .gas, line: LineString([Vec2(0, 900), Vec2(1000, 900)])),
        ]
        b.zones = [Zone(id: "W", name: "西区", area: sq(0, 0, 500, 1000)), Zone(id: "E", name: "东区", area: sq(500, 0, 500, 1000))]
        return b
    }

    static func values(_ base: BaseLayer, tile: Double) throws -> [String: IndicatorValue] {
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: base.boundary!, builtUpSource: "boundary", ops: RectilinearOps(),
                                     lattice: TileLattice(size: tile))
        return Dictionary(uniqueKeysWithValues: try IndicatorRunner.run(inputs).map { ($0.zoneID + "/" + $0.spec.id, $0) })
    }

    @Test(arguments: [1e6, 333.0, 125.0]) func cityAndZoneGoldens(tile: Double) throws {
        let v = try Self.values(Self.town(), tile: tile)
        func val(_ id: String, _ z: String = "") -> Double { v[z + "/" + id]!.value! }
        // Green: g1 ∪ g2 = 15,000 m², g3 10,000 → 25,000 of 1 km² (west 15,000 + 5,000 of 500,000; east 5,000).
        #expect(abs(val("green_cov") - 2.5) < 1e-9)
        #expect(abs(val("green_cov", "W") - 4) < 1e-9)
        #expect(abs(val("green_cov", "E") - 1) < 1e-9)
        // Permeable: green + pond (east).
        #expect(abs(val("permeable_share") - 3.5) < 1e-9)
        #expect(abs(val("permeable_share", "E") - 3) < 1e-9)
        // Park per resident: 10,000 m² / 1,700 residents.
        #expect(abs(val("park_area_pc") - 10_000.0 / 1700) < 1e-9)
        // Park service (L∞ buffer 500 m of the 10,000 m² park → [−500, 600]²): buildings 1 and 5 inside, 2 and 4 not;
        // residential footprints 4 × 400 → 800 / 1,600.
        #expect(abs(val("park_service_cov") - 50) < 1e-9)
        // Road y = 510 across: 1 km in 1 km²; 0.5 km in each 0.5 km² zone.
        #expect(abs(val("road_density") - 1) < 1e-9)
        #expect(abs(val("road_density", "E") - 1) < 1e-9)
        // Sewer at y = 50, buffered 100 m: the strip y ∈ [0, 150] is covered (15 %); gap 0.85 km² (0.425 per zone);
        // pipe density 1 km/km².
        #expect(abs(val("pipe_cov") - 15) < 1e-9)
        #expect(abs(val("pipe_gap_area") - 0.85) < 1e-9)
        #expect(abs(val("pipe_gap_area", "W") - 0.425) < 1e-9)
        #expect(abs(val("pipe_density") - 1) < 1e-9)
        // 1,700 residents on 1 km² → 0.17 万人/km²; footprints 5 × 400 = 0.2 %.
        #expect(abs(val("pop_density_built") - 0.17) < 1e-12)
        #expect(abs(val("building_density") - 0.2) < 1e-12)
        // Dense land: building 5's centroid (420, 420) lies in the 250 m cell [250, 500)², 1,200 / 0.0625 = 19,200 /km²
        // > 15,000 → that cell, 62,500 m², 6.25 % of the city and 12.5 % of the west zone (which holds building 5).
        #expect(abs(val("dense_land_share") - 6.25) < 1e-9)
        #expect(abs(val("dense_land_share", "W") - 12.5) < 1e-9)
        #expect(val("dense_land_share", "E") == 0)
        #expect(abs(val("dev_intensity", "W") - 100) < 1e-9)
    }

    /// Where an indicator is additive (numerator and denominator are sums over land or buildings), the zones, which
    /// partition the town, sum to the city.
    @Test(arguments: [1e6, 125.0]) func zoneSumsEqualCityTotals(tile: Double) throws {
        let v = try Self.values(Self.town(), tile: tile)
        let additive = ["green_cov", "permeable_share", "pipe_cov", "pipe_gap_area", "pipe_density", "road_density", "pop_density_built",
                        "building_density", "far", "park_service_cov", "old_resi_share", "highrise_100m",
                        "dev_intensity"]
        for id in additive {
            let city = v["/" + id]!, w = v["W/" + id]!, e = v["E/" + id]!
            let num = (w.numerator ?? 0) + (e.numerator ?? 0), den = (w.denominator ?? 0) + (e.denominator ?? 0)
            #expect(abs(num - city.numerator!) <= 1e-9 * max(1, abs(city.numerator!)), "\(id) numerator")
            #expect(abs(den - city.denominator!) <= 1e-9 * max(1, abs(city.denominator!)), "\(id) denominator")
        }
        // dense_land_share is additive in its denominator only: the zones' cells count only their own residents.
    }

    /// A road drawn on the edge two zones share is split between them (half each), so road length stays additive:
    /// the zones' 0.5 + 0.5 km equal the city's 1 km with the edge road added to the crossing one.
    @Test(arguments: [1e6, 125.0]) func roadOnZoneEdgeCountsHalfInEach(tile: Double) throws {
        var town = Self.town()
        town.roads.append(Road(id: 32, sourceId: "r3", line: LineString([Vec2(500, 0), Vec2(500, 1000)]), highway: "residential"))
        let v = try Self.values(town, tile: tile)
        #expect(abs(v["/road_density"]!.numerator! - 2) < 1e-9)
        #expect(abs(v["W/road_density"]!.numerator! - 1) < 1e-9)   // km: 0.5 of the crossing road + half of the 1 km edge road
        #expect(abs(v["E/road_density"]!.numerator! - 1) < 1e-9)
    }

    /// The closing that derives a built-up area is the same tile by tile as in one piece: two rows of buildings 60 m
    /// apart merge (gap < 2 × 50 m), a building 150 m away stays apart; L∞ closing of rectangles is exact.
    @Test func tiledClosingEqualsWholeClosing() throws {
        var bs: [Building] = []
        var id: Int64 = 1
        for i in 0..<6 { for j in 0..<2 {
            bs.append(Building(id: id, sourceId: "b\(id)", footprint: Self.sq(Double(i) * 80, Double(j) * 90, 30, 30), heightM: 10,
                               heightSource: .measured, floors: 3, use: .residential, residents: 10, yearBuilt: nil)); id += 1
        } }
        bs.append(Building(id: id, sourceId: "x", footprint: Self.sq(1000, 0, 30, 30), heightM: 10, heightSource: .measured, floors: 3,
                           use: .residential, residents: 0, yearBuilt: nil))
        let whole = try BuiltUpArea.derive(buildings: bs, ops: RectilinearOps(), lattice: TileLattice(size: 1e6))
        let tiled = try BuiltUpArea.derive(buildings: bs, ops: RectilinearOps(), lattice: TileLattice(size: 97))
        // The rows fill [0, 430] × [0, 120] (gaps of 50 and 60 m close); the lone building keeps its 900 m².
        #expect(abs(whole.area - (430 * 120 + 900)) < 1e-6)
        #expect(abs(tiled.area - whole.area) < 1e-6)
    }

    @Test func rectilinearEngineBasics() throws {
        let ops = RectilinearOps()
        let a = Self.sq(0, 0, 10, 10), b = Self.sq(5, 5, 10, 10)
        #expect(try ops.union([a, b]).area == 175)
        #expect(try ops.intersection(a, b).area == 25)
        #expect(try ops.difference(a, b).area == 75)
        #expect(try ops.bufferUnion([.multiPolygon(a)], distance: 2).area == 196)
        #expect(try ops.bufferUnion([.multiPolygon(a)], distance: -2).area == 36)
        #expect(try ops.lengthInside([LineString([Vec2(-5, 5), Vec2(20, 5)])], a) == 10)
    }
}
