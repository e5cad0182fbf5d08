import CityModel
import Foundation
import GeoBridge
import Indicators
@testable import Pipeline
import Testing

@Suite struct WalkStageTests {
    /// A plus-shaped street network (two 400 m streets crossing at (200, 200)), one kindergarten 10 m north of the
    /// east-west street at x = 50, and residential buildings whose centroids sit beside the north-south street.
    static func town() -> BaseLayer {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.roads = [
            Road(id: 1, sourceId: "ew", line: LineString([Vec2(0, 200), Vec2(200, 200), Vec2(400, 200)]), highway: "residential"),
            Road(id: 2, sourceId: "ns", line: LineString([Vec2(200, 0), Vec2(200, 200), Vec2(200, 400)]), highway: "residential"),
            Road(id: 3, sourceId: "mw", line: LineString([Vec2(0, 0), Vec2(0, 400)]), highway: "motorway", walkable: false),
        ]
        b.buildings = [
            bld(1, 220, 300, residents: 10),   // 20 m east of the N–S street at y = 300
            bld(2, 230, 50, residents: 30),    // 30 m east of it at y = 50
            bld(3, 900, 900, residents: 5),    // 700 m from any street: cannot snap
        ]
        b.facilities = [Facility(id: 9, sourceId: "k", category: "kindergarten", geometry: .point(Vec2(50, 210)))]
        return b
    }

    static func bld(_ id: Int64, _ cx: Double, _ cy: Double, residents: Double, use: BuildingUse = .residential, half: Double = 5) -> Building {
        Building(id: id, sourceId: "b\(id)", footprint: MultiPolygon([Polygon([[Vec2(cx - half, cy - half), Vec2(cx + half, cy - half), Vec2(cx + half, cy + half), Vec2(cx - half, cy + half)]])]),
                 heightM: 12, heightSource: .measured, floors: 4, use: use, residents: use == .residential ? residents : nil)
    }

    /// Rows of walk.gpkg's `access`, in file order, as [column: value].
    static func accessRows(_ path: String) throws -> [[String: FieldValue]] {
        var rows: [[String: FieldValue]] = []
        try VectorDataset(path: path).layer("access").forEach { f in
            var r: [String: FieldValue] = [:]
            for (i, fi) in f.fields.enumerated() { r[fi.name] = f.value(i) }
            rows.append(r)
        }
        return rows
    }

    @Test func distancesAreLegPlusNetworkPlusLeg() throws {
        let dir = tempDir()
        let cfg = CityConfig(city: "t", year: 2026)
        let base = Self.town()
        let w = try #require(try WalkStage.run(config: cfg, base: base, outDir: dir, progress: Progress(quiet: true)))
        let d = w.access.distances["kindergarten"]!
        // Building 1: 20 (leg) + 100 (to the crossing) + 150 (west along E–W) + 10 (facility leg) = 280.
        #expect(abs(Double(d[0]) - 280) < 1e-3)
        // Building 2: 30 + 150 + 150 + 10 = 340.
        #expect(abs(Double(d[1]) - 340) < 1e-3)
        // Building 3 failed to snap (> 200 m): no distance, counted.
        #expect(d[2] == .infinity)
        #expect(w.unsnapped == 1)
        // Straight-line distances would be 191 m and 245 m: the network is longer.
        #expect(simdLength(Vec2(220, 300) - Vec2(50, 210)) < 200)
        // Required life-circle categories absent from the data are searched as unreachable, never dropped.
        #expect(w.access.distances["primary_school"]?.allSatisfy { $0 == .infinity } == true)
        #expect(w.fireDrive == nil)   // no fire station

        // access: an attribute table, one row per building keyed by its id, the distances stored once.
        var geometries = 0
        try VectorDataset(path: dir + "/walk.gpkg").layer("access").forEach { f in if f.wkb() != nil { geometries += 1 } }
        #expect(geometries == 0)
        let rows = try Self.accessRows(dir + "/walk.gpkg")
        #expect(rows.map { $0["origin_id"]!.int! } == [1, 2, 3])
        #expect(rows.allSatisfy { $0["origin_kind"]!.string == "building" && $0["walk_origin"]!.int == 1 })
        #expect(abs(rows[0]["d_kindergarten"]!.real! - 280) < 1e-3)
        #expect(abs(rows[0]["snap_m"]!.real! - 20) < 1e-9)
        #expect(rows[2]["snap_status"]!.string == "failed" && rows[2]["d_kindergarten"]!.isNull && rows[2]["snap_m"]!.isNull)
        #expect(rows[0]["fire_drive_m"]!.isNull)
        #expect(rows[0]["residents"] == nil)   // joinable to base.gpkg: not copied

        // With a population layer, cell centres are origins too (rows of kind "cell"), not mixed into coverage.
        var withCells = base
        withCells.population = [PopulationCell(id: 77, population: 12, area: MultiPolygon([Polygon([[Vec2(190, 240), Vec2(230, 240), Vec2(230, 280), Vec2(190, 280)]])]))]
        let dir2 = tempDir("cells")
        let w2 = try #require(try WalkStage.run(config: cfg, base: withCells, outDir: dir2, progress: Progress(quiet: true)))
        #expect(w2.access.origins == w.access.origins)
        let cellRows = try Self.accessRows(dir2 + "/walk.gpkg").filter { $0["origin_kind"]!.string == "cell" }
        // Cell centre (210, 260): 10 m leg to the N–S street, 60 m south to the crossing, 150 m west, 10 m leg = 230.
        #expect(cellRows.count == 1 && cellRows[0]["origin_id"]!.int == 77)
        #expect(cellRows.first.map { abs($0["d_kindergarten"]!.real! - 230) < 1e-3 } == true)
        // The reader skips the cells.
        #expect(try WalkStage.read(path: dir2 + "/walk.gpkg", base: withCells).access.origins == [0, 1, 2])

        // walk.gpkg round trip gives the same access table.
        let back = try WalkStage.read(path: dir + "/walk.gpkg", base: base)
        #expect(back.access.origins == w.access.origins)
        #expect(back.access.distances["kindergarten"]! == d)
        #expect(back.access.distances.keys.sorted() == w.access.distances.keys.sorted())
        #expect(back.access.thresholds["kindergarten"] == [300, 500, 1000])
        #expect(back.unsnapped == 1)
        #expect(back.fireDrive == nil)
        #expect(back.extraColumns.map(\.name) == w.extraColumns.map(\.name))
        #expect(back.extraColumns.first { $0.name == "d_kindergarten" }?.values == [d[0], d[1], -1])
        #expect(FileManager.default.fileExists(atPath: dir + "/grids/walk_kindergarten.tif"))

        // Coverage: within 300 m only building 1 (10 of 45 residents).
        let inputs = IndicatorInputs(base: base, year: 2026, builtUp: MultiPolygon([Polygon([[Vec2(0, 0), Vec2(1000, 0), Vec2(1000, 1000), Vec2(0, 1000)]])]),
                                     builtUpSource: "test", ops: GEOSGeometryOps(), walk: w.access)
        let v = try IndicatorRunner.run(inputs).filter { $0.zoneID.isEmpty }
        let cov = try #require(v.first { $0.spec.id == "walk_cov.kindergarten.300" })
        #expect(abs(cov.value! - 100.0 * 10 / 45) < 1e-9)
        let cov5 = try #require(v.first { $0.spec.id == "walk_cov.kindergarten.500" })
        #expect(abs(cov5.value! - 100.0 * 40 / 45) < 1e-9)
    }

    /// Fire stations are driven to, never walked to: no `walk_cov.fire_station.*`, no `d_fire_station`; the drive
    /// distance is a column of `access` for every building (residential or not), uncapped, so that the indicator's
    /// minutes × speed is the one setting.
    @Test func fireReachIsOneDrivenSetting() throws {
        var b = Self.town()
        // A 4 km street east of the town, a station at its west end (on the E–W street), a warehouse at its far end.
        b.roads.append(Road(id: 4, sourceId: "long", line: LineString([Vec2(400, 200), Vec2(4400, 200)]), highway: "residential"))
        b.roads.append(Road(id: 5, sourceId: "path", line: LineString([Vec2(200, 400), Vec2(200, 600)]), highway: "footway", drivable: false))
        b.facilities.append(Facility(id: 20, sourceId: "fs", category: "fire_station", geometry: .point(Vec2(0, 205))))
        b.buildings.append(Self.bld(4, 4300, 215, residents: 0, use: .industrial))     // 5 + 4300 + 15 = 4320 m by road
        b.buildings.append(Self.bld(5, 210, 580, residents: 8))                         // beside the footway only
        let dir = tempDir()
        let w = try #require(try WalkStage.run(config: CityConfig(city: "t", year: 2026), base: b, outDir: dir, progress: Progress(quiet: true)))
        #expect(w.access.distances["fire_station"] == nil)
        let fire = try #require(w.fireDrive)
        #expect(fire.count == 5)
        // Building 1: 5 (station leg) + 200 east + 100 north + 20 (leg) = 325.
        #expect(abs(Double(fire[0]) - 325) < 1e-3)
        // Building 4, far beyond any 5-minute cutoff, still has its distance (not capped by a setting of the walk).
        #expect(abs(Double(fire[3]) - 4320) < 1e-3)
        // Building 5 snaps to the nearest drivable street: the N–S street's end (200, 400), 180 m away → 5 + 200 + 200 + 180.
        #expect(abs(Double(fire[4]) - (5 + 200 + 200 + 180.277)) < 0.01)

        let rows = try Self.accessRows(dir + "/walk.gpkg")
        #expect(rows.count == 5)
        #expect(!rows[0].keys.contains("d_fire_station"))
        #expect(rows[3]["walk_origin"]!.int == 0 && rows[3]["d_kindergarten"]!.isNull)
        #expect(abs(rows[3]["fire_drive_m"]!.real! - 4320) < 1e-3)
        let back = try WalkStage.read(path: dir + "/walk.gpkg", base: b)
        #expect(back.fireDrive == fire)
        #expect(back.access.origins == [0, 1, 2, 4])

        // The indicator's parameters alone decide the reach.
        let bu = MultiPolygon([Polygon([[Vec2(0, 0), Vec2(5000, 0), Vec2(5000, 1000), Vec2(0, 1000)]])])
        func fireCov(_ overrides: [String: [String: Double]]) throws -> Double? {
            let inputs = IndicatorInputs(base: b, year: 2026, builtUp: bu, builtUpSource: "test", ops: GEOSGeometryOps(), walk: back.access,
                                         fireDrive: back.fireDrive, overrides: overrides)
            let v = try IndicatorRunner.run(inputs).filter { $0.zoneID.isEmpty }
            #expect(!v.contains { $0.spec.id.hasPrefix("walk_cov.fire_station") })
            return v.first { $0.spec.id == "fire_5min_cov" }?.value
        }
        // Footprints: 4 of 100 m² within 2,500 m, the warehouse (100 m²) at 4,320 m; building 3 (900, 900) is unreachable.
        #expect(try fireCov([:]).map { abs($0 - 100.0 * 3 / 5) < 1e-9 } == true)
        #expect(try fireCov(["fire_5min_cov": ["minutes": 10]]).map { abs($0 - 100.0 * 4 / 5) < 1e-9 } == true)

        // The old walk settings are refused with the one that replaces them.
        do { _ = try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\nwalk: {fire_minutes: 10}\n", file: "c.yaml", baseDirectory: "/tmp"); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("walk.fire_minutes") && "\(error)".contains("indicators.params.fire_5min_cov.minutes"))
        }
    }

    /// Gap polygons and service areas are areas traced on the walk grid, bounded in size, not footprint unions:
    /// a 2 km street with a kindergarten at its west end and a row of 60 houses along it.
    @Test func gapsAndServiceAreasAreGridAreas() throws {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.roads = [Road(id: 1, sourceId: "s", line: LineString([Vec2(0, 0), Vec2(2400, 0)]), highway: "residential")]
        b.facilities = [Facility(id: 9, sourceId: "k", category: "kindergarten", geometry: .point(Vec2(0, 0)))]
        b.buildings = (0..<60).map { Self.bld(Int64($0 + 1), 30 + Double($0) * 35, 30, residents: 10, half: 8) }
        let dir = tempDir()
        let w = try #require(try WalkStage.run(config: CityConfig(city: "t", year: 2026), base: b, outDir: dir, progress: Progress(quiet: true)))
        let d = w.access.distances["kindergarten"]!
        // Per building: 30 m leg + x along the street, up to the search cutoff (the largest threshold, 1,000 m).
        for (k, bd) in b.buildings.enumerated() {
            let x = 30 + bd.footprint.centroid.x
            if x <= 1000 { #expect(abs(Double(d[k]) - x) < 1e-3) } else { #expect(d[k] == .infinity) }
        }

        let ds = try VectorDataset(path: dir + "/walk.gpkg")
        var gap: MultiPolygon? = nil, gapBuildings: Int64? = nil, gapResidents: Double? = nil, svc: MultiPolygon? = nil
        try ds.layer("walk_gaps").forEach { f in
            if f.value("category").string == "kindergarten" {
                gap = try f.geometry()?.polygons; gapBuildings = f.value("buildings").int; gapResidents = f.value("residents").real
                #expect(f.value("threshold_m").real == 300)
            }
        }
        try ds.layer("service_areas").forEach { f in if f.value("category").string == "kindergarten" { svc = try f.geometry()?.polygons } }
        let g = try #require(gap), s = try #require(svc)
        // Counts from the per-building distances (as walk_cov): buildings with 30 + x > 300.
        let far = b.buildings.filter { 30 + $0.footprint.centroid.x > 300 }
        #expect(gapBuildings == Int64(far.count))
        #expect(gapResidents == Double(far.count) * 10)
        // Houses well beyond 300 m lie in the gap, houses well within it do not (one cell of slack at the edge).
        for bd in b.buildings {
            let dist = 30 + bd.footprint.centroid.x
            if dist > 300 + 40 { #expect(g.contains(bd.footprint.centroid)) }
            if dist < 300 - 40 { #expect(!g.contains(bd.footprint.centroid)) }
        }
        // One area for the row (the gaps between houses closed; at most a stray cell at the threshold's edge), not 50
        // footprints, and few vertices after simplifying.
        #expect(g.polygons.count <= 3)
        #expect(try #require(g.largest).area > 0.95 * g.area)
        #expect(g.polygons.reduce(0) { $0 + $1.rings.reduce(0) { $0 + $1.count } } < 40)
        // Its extent: the houses' row (y 22…38, x up to 2,103) and one cell of margin, on 20 m cells.
        let bb = g.bbox
        #expect(bb.maxX > 2080 && bb.maxX <= 2140 && bb.minX > 230 && bb.minX < 330)
        #expect(bb.minY >= -20 && bb.maxY <= 80)
        // The service area: along the street within 300 m walking, cells within 100 m of it.
        #expect(s.contains(Vec2(110, 10)) && s.contains(Vec2(210, -50)))
        #expect(!s.contains(Vec2(350, 10)) && !s.contains(Vec2(1010, 10)))
        #expect(s.polygons.reduce(0) { $0 + $1.rings.reduce(0) { $0 + $1.count } } < 60)
    }

    /// Parks given only as green polygons are walk destinations (issue 13): a 40 × 40 m park whose outline touches the
    /// street at x = 1000, and houses along the street; a 10 × 10 m green park (< 400 m²) is not one.
    @Test func greenParksAreWalkDestinations() throws {
        var b = BaseLayer()
        b.crs = "EPSG:32650"
        b.roads = [Road(id: 1, sourceId: "s", line: LineString([Vec2(0, 0), Vec2(2000, 0)]), highway: "residential")]
        let sq = { (x: Double, y: Double, s: Double) in MultiPolygon([Polygon([[Vec2(x, y), Vec2(x + s, y), Vec2(x + s, y + s), Vec2(x, y + s)]])]) }
        b.green = [GreenArea(id: 500, sourceId: "p", kind: "park", isPark: true, area: sq(1000, 0, 40)),
                   GreenArea(id: 501, sourceId: "tiny", kind: "park", isPark: true, area: sq(100, 0, 10)),
                   GreenArea(id: 502, sourceId: "lawn", kind: "grass", isPark: false, area: sq(300, 0, 40))]
        b.buildings = [Self.bld(1, 400, 20, residents: 10), Self.bld(2, 1700, 20, residents: 10)]
        let w = try #require(try WalkStage.run(config: CityConfig(city: "t", year: 2026), base: b, outDir: tempDir(), progress: Progress(quiet: true)))
        let d = try #require(w.access.distances["park"])
        // By hand: house 1 at x = 400 walks a 20 m leg and 600 m east to the park's corner (1000, 0): 620 m
        // (the tiny park at x = 100 is below 400 m² and ignored); house 2 at x = 1700 walks 20 + 660 m to (1040, 0).
        #expect(abs(Double(d[0]) - 620) < 1e-3)
        #expect(d.count == 2 && abs(Double(d[1]) - 680) < 1e-3)
    }
}
