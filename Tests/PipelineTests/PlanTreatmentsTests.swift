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
}
