import CityModel
import Foundation
@testable import Pipeline
import Testing

/// The plan's other treatments (issue 17, item 3) on small built cases with hand-computed goldens.
@Suite struct PlanTreatmentsTests {
    static func bld(_ id: Int64, _ cx: Double, _ cy: Double, residents: Double?, year: Int?, use: BuildingUse = .residential) -> Building {
        Building(id: id, sourceId: "b\(id)", footprint: MultiPolygon([Polygon([[Vec2(cx - 5, cy - 5), Vec2(cx + 5, cy - 5), Vec2(cx + 5, cy + 5), Vec2(cx - 5, cy + 5)]])]),
                 heightM: 12, heightSource: .measured, floors: 4, use: use, residents: residents, yearBuilt: year)
    }

    /// Old stock: ≤ 2000 counted, later not, unknown apart; per zone by centroid. Each footprint 100 m², 4 floors = 400 m².
    @Test func oldStockByZoneWithUnknownsApart() {
        var b = BaseLayer()
        b.buildings = [Self.bld(1, 10, 10, residents: 10, year: 1990), Self.bld(2, 30, 10, residents: 20, year: 2000),
                       Self.bld(3, 60, 10, residents: 5, year: 2001), Self.bld(4, 160, 10, residents: 7, year: nil),
                       Self.bld(5, 170, 10, residents: nil, year: 1980, use: .industrial)]
        b.zones = [Zone(id: "A", name: "西", area: MultiPolygon([Polygon([[Vec2(0, 0), Vec2(100, 0), Vec2(100, 50), Vec2(0, 50)]])])),
                   Zone(id: "B", name: "东", area: MultiPolygon([Polygon([[Vec2(100, 0), Vec2(200, 0), Vec2(200, 50), Vec2(100, 50)]])]))]
        let s = PlanStage.oldStock(b, year: 2000, floorHeight: 3)
        #expect(s.missing == nil)
        #expect(s.buildings == [0, 1])
        #expect(s.rows.map(\.residential) == [4, 3, 1])
        #expect(s.rows.map(\.old) == [2, 2, 0])
        #expect(s.rows[0].oldFloorAreaM2 == 800 && s.rows[0].oldResidents == 30)
        #expect(s.rows.map(\.unknownYear) == [1, 0, 1] && s.rows[2].unknownResidents == 7)
        for i in b.buildings.indices { b.buildings[i].yearBuilt = nil }
        #expect(PlanStage.oldStock(b, year: 2000, floorHeight: 3).missing?.contains("no residential building has a year built") == true)
    }

    /// Street length in a 100 × 100 m gap: a road crossing it (100 m inside), one ending half-way in (50 m), one outside.
    @Test func streetLengthInsidePipeGaps() throws {
        let gap = Polygon([[Vec2(0, 0), Vec2(100, 0), Vec2(100, 100), Vec2(0, 100)]])
        let roads = [Road(id: 1, sourceId: "a", line: LineString([Vec2(-50, 50), Vec2(150, 50)]), highway: "residential"),
                     Road(id: 2, sourceId: "b", line: LineString([Vec2(30, 150), Vec2(30, 50)]), highway: "residential"),
                     Road(id: 3, sourceId: "c", line: LineString([Vec2(300, 0), Vec2(300, 100)]), highway: "residential")]
        let g = try PlanStage.pipeGaps([gap], roads: roads)
        #expect(g.count == 1)
        #expect(abs(g[0].streetM - 150) < 1e-6 && g[0].areaM2 == 10_000)
    }

    /// One new fire station on a 3 km street (reach 1 min × 30 km/h = 500 m): the station at x = 0 reaches the house at
    /// x = 100 (115 m); houses at 1000, 1100, 2000 are beyond. The candidate at 1050 reaches two (60 m each), 2000 one,
    /// 1500 one (1100 at 410 m). Golden: 25 % → 75 %; brute-force twin: every candidate added as a station.
    @Test func oneNewFireStationGoldenAndBruteForce() throws {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.roads = [Road(id: 1, sourceId: "r", line: LineString([Vec2(0, 0), Vec2(3000, 0)]), highway: "residential")]
        b.facilities = [Facility(id: 9, sourceId: "f", category: "fire_station", geometry: .point(Vec2(0, 5)))]
        b.buildings = [100.0, 1000, 1100, 2000].enumerated().map { Self.bld(Int64($0 + 1), $1, 10, residents: 1, year: nil) }
        var cfg = CityConfig(city: "t", year: 2026)
        cfg.indicators.params["fire_5min_cov"] = ["minutes": 1]
        let cands = [Vec2(1050, 0), Vec2(2000, 0), Vec2(1500, 0)]
        let f = try PlanStage.fireSite(config: cfg, base: b, drive: nil, candidates: cands)
        #expect(f.missing == nil && f.reachM == 500)
        #expect(f.gapBuildings == [1, 2, 3])
        #expect(abs(f.basePct - 25) < 1e-9 && abs(f.afterPct - 75) < 1e-9)
        #expect(f.point == Vec2(1050, 0) && f.newlyCovered == [1, 2])
        // Brute force: each candidate built, the walk stage's drive search, fire_5min_cov's sum.
        let o = try WalkStage.options(cfg, base: b)
        var best = 0.0
        for (k, c) in cands.enumerated() {
            let st = b.facilities + [Facility(id: 100 + Int64(k), sourceId: "c", category: "fire_station", geometry: .point(c))]
            let d = try #require(try WalkInputs.fireDrive(base: b, stations: st, options: o, snap: SnapOptionsForTest.make(o)))
            var num = 0.0, den = 0.0
            for (i, x) in b.buildings.enumerated() { den += x.footprint.area; if d[i] <= 500 { num += x.footprint.area } }
            best = max(best, num / den * 100)
        }
        #expect(abs(best - f.afterPct) < 1e-9)
        // No stations: the reason, not a failure.
        b.facilities = []
        #expect(try PlanStage.fireSite(config: cfg, base: b, drive: nil, candidates: cands).missing?.contains("no fire stations") == true)
    }
}

import WalkNetwork
enum SnapOptionsForTest {
    static func make(_ o: WalkStage.Options) -> SnapOptions { SnapOptions(maxSnap: o.maxSnapM, preferLargestComponent: true) }
}
