import CityModel
import Foundation
import GeoBridge
import Indicators
import Planning
import Scoring
import WalkNetwork

/// The plan's other treatments (issue 17, item 3), reported from what the pipeline already knows:
/// - old residential stock (2000年底前建成的老旧小区): residential buildings built in or before `plan.old_year` (2000),
///   by zone, with floor area and residents, as renovation candidates; buildings without a year built are counted
///   apart (never guessed);
/// - pipe-network gap areas (the indicators stage's `pipe_gaps`) with the street length inside each, the estimated
///   pipe length needed to serve it (roads clipped to the gap with GEOS);
/// - fire-reach gaps (buildings beyond `fire_5min_cov`'s reach, minutes × speed, over drivable roads) and the best
///   site for one new small fire station (小型消防站): the maximal-covering solver with k = 1 on the drive network,
///   weighted as the indicator (footprint area), candidates as for the walk categories.
/// Each part that lacks its inputs carries the reason instead of a result.
extension PlanStage {
    /// Old residential stock of one scope (the city: `zoneID` "").
    public struct OldStockRow: Sendable, Equatable {
        public var zoneID: String
        public var zoneName: String
        /// Residential buildings in the scope (centroid inside the zone).
        public var residential: Int
        /// Residential buildings with year_built ≤ the cut-off year.
        public var old: Int
        public var oldFloorAreaM2: Double
        public var oldResidents: Double
        /// Residential buildings with no year built (not counted as old or new).
        public var unknownYear: Int
        public var unknownFloorAreaM2: Double
        public var unknownResidents: Double
    }

    /// Old residential stock, per zone (city first).
    public struct OldStock: Sendable {
        public var year: Int
        public var rows: [OldStockRow]
        /// Indices into `base.buildings` of the old residential buildings.
        public var buildings: [Int]
        /// Why the stock could not be listed (no residential buildings, or none has a year built); nil when listed.
        public var missing: String?
    }

    /// One pipe gap area with the street length inside it.
    public struct PipeGap: Sendable {
        public var polygon: Polygon
        public var areaM2: Double
        /// Length (m) of streets inside the gap: the estimated pipe length needed to serve it.
        public var streetM: Double
    }

    /// Pipe gap areas.
    public struct PipeGaps: Sendable {
        public var gaps: [PipeGap]
        public var missing: String?
    }

    /// Fire-reach gaps and the best site for one new small fire station.
    public struct FireSite: Sendable {
        /// Reach (m of drive network): fire_5min_cov's minutes × speed.
        public var reachM: Double
        public var candidates: Int
        /// fire_5min_cov (%, footprint area) today and with the new station.
        public var basePct: Double
        public var afterPct: Double
        /// Indices into `base.buildings` of the buildings beyond reach today.
        public var gapBuildings: [Int]
        /// Drive distance (m) per gap building (parallel to `gapBuildings`; +∞ when unreachable).
        public var gapDrive: [Float]
        /// The chosen site (nil when no candidate reaches a gap building).
        public var point: Vec2?
        /// Footprint area (m²) newly within reach, and those buildings.
        public var newlyCoveredM2: Double
        public var newlyCovered: [Int]
        public var missing: String?
    }

    /// The three treatments.
    public struct Treatments: Sendable {
        public var oldStock: OldStock
        public var pipeGaps: PipeGaps
        public var fire: FireSite
    }

    // MARK: - Old residential stock

    /// Residential buildings (as the walk origins: residential or mixed use, or holding residents) by zone (centroid in
    /// the zone), split into built ≤ `year`, later, and unknown year.
    public static func oldStock(_ base: BaseLayer, year: Int, floorHeight: Double) -> OldStock {
        let resi = base.buildings.indices.filter { base.buildings[$0].use.isResidential || (base.buildings[$0].residents ?? 0) > 0 }
        @Sendable func row(_ id: String, _ name: String, _ idx: [Int]) -> OldStockRow {
            var r = OldStockRow(zoneID: id, zoneName: name, residential: idx.count, old: 0, oldFloorAreaM2: 0, oldResidents: 0,
                                unknownYear: 0, unknownFloorAreaM2: 0, unknownResidents: 0)
            for i in idx {
                let b = base.buildings[i]
                if let y = b.yearBuilt {
                    if y <= year { r.old += 1; r.oldFloorAreaM2 += b.floorArea(floorHeight: floorHeight); r.oldResidents += b.residents ?? 0 }
                } else {
                    r.unknownYear += 1; r.unknownFloorAreaM2 += b.floorArea(floorHeight: floorHeight); r.unknownResidents += b.residents ?? 0
                }
            }
            return r
        }
        var rows = [row("", "", resi)]
        // Zones on all cores (each zone's buildings in building order, so every sum adds in the same order).
        var centroids = [Vec2](repeating: Vec2(0, 0), count: resi.count)
        centroids.withUnsafeMutableBufferPointer { cp in
            nonisolated(unsafe) let c = cp
            DispatchQueue.concurrentPerform(iterations: 16) { w in
                for k in (resi.count * w / 16) ..< (resi.count * (w + 1) / 16) { c[k] = base.buildings[resi[k]].footprint.centroid }
            }
        }
        let cs = centroids
        var zoneRows = [OldStockRow?](repeating: nil, count: base.zones.count)
        zoneRows.withUnsafeMutableBufferPointer { zp in
            nonisolated(unsafe) let out = zp
            DispatchQueue.concurrentPerform(iterations: base.zones.count) { zi in
                let z = base.zones[zi]
                let bb = z.area.bbox
                out[zi] = row(z.id, z.name, resi.indices.filter { bb.contains(cs[$0]) && z.area.contains(cs[$0]) }.map { resi[$0] })
            }
        }
        rows += zoneRows.map { $0! }
        let old = resi.filter { base.buildings[$0].yearBuilt.map { $0 <= year } ?? false }
        var missing: String? = nil
        if resi.isEmpty { missing = "no residential buildings" }
        else if rows[0].unknownYear == resi.count { missing = "no residential building has a year built (year_built): old stock not listed" }
        return OldStock(year: year, rows: rows, buildings: old, missing: missing)
    }

    // MARK: - Pipe gaps

    /// Street length inside each gap polygon: every road (walkable or drivable) clipped to the gap with GEOS (a road
    /// along the gap's edge counts half, as the road-density indicators count it). Polygons of ≤ 1 m² are dropped, as
    /// indicators.gpkg drops them.
    public static func pipeGaps(_ polygons: [Polygon], roads: [Road]) throws -> [PipeGap] {
        let ops = GEOSGeometryOps()
        let boxes = roads.map(\.line.bbox)
        // Roads bucketed by the cells of a 500 m grid their boxes touch: a gap looks at the roads of its cells only.
        let cell = 500.0
        var buckets: [SIMD2<Int64>: [Int32]] = [:]
        func key(_ x: Double, _ y: Double) -> SIMD2<Int64> { SIMD2(Int64((x / cell).rounded(.down)), Int64((y / cell).rounded(.down))) }
        for (i, b) in boxes.enumerated() where b.minX <= b.maxX {
            let lo = key(b.minX, b.minY), hi = key(b.maxX, b.maxY)
            guard (hi.x - lo.x + 1) * (hi.y - lo.y + 1) <= 4096 else { buckets[SIMD2(Int64.min, 0), default: []].append(Int32(i)); continue }
            for x in lo.x ... hi.x { for y in lo.y ... hi.y { buckets[SIMD2(x, y), default: []].append(Int32(i)) } }
        }
        let huge = buckets[SIMD2(Int64.min, 0)] ?? []
        var stamp = [Int32](repeating: -1, count: roads.count)
        var out: [PipeGap] = []
        for (n, p) in polygons.enumerated() where p.area > 1 {
            let bb = p.bbox
            var near: [Int] = []
            let lo = key(bb.minX, bb.minY), hi = key(bb.maxX, bb.maxY)
            func take(_ list: [Int32]) { for i in list where stamp[Int(i)] != Int32(n) { stamp[Int(i)] = Int32(n); if boxes[Int(i)].intersects(bb) { near.append(Int(i)) } } }
            if (hi.x - lo.x + 1) * (hi.y - lo.y + 1) > 1_000_000 { take((0 ..< roads.count).map { Int32($0) }) } else {
                for x in lo.x ... hi.x { for y in lo.y ... hi.y { if let l = buckets[SIMD2(x, y)] { take(l) } } }
                take(huge)
            }
            near.sort()   // road order, as a filter over all roads gives
            let lines = near.map { roads[$0].line }
            out.append(PipeGap(polygon: p, areaM2: p.area, streetM: try ops.lengthInside(lines, MultiPolygon([p]))))
        }
        return out
    }

    /// The pipe gap polygons: the indicators stage's (given), or DIR/indicators.gpkg's `pipe_gaps` layer.
    /// `drainage`: whether the pipes layer holds drainage pipes (nil: from `base.pipes`).
    static func pipeGapInput(_ base: BaseLayer, given: MultiPolygon?, drainage: Bool? = nil, outDir: String) throws -> PipeGaps {
        guard drainage ?? base.pipes.contains(where: { $0.kind.isDrainage }) else {
            return PipeGaps(gaps: [], missing: "no drainage pipes (sewer/storm/combined) in the pipes layer: pipe gaps not computed")
        }
        var polys = given?.polygons
        if polys == nil {
            let path = (outDir as NSString).appendingPathComponent("indicators.gpkg")
            guard FileManager.default.fileExists(atPath: path) else {
                return PipeGaps(gaps: [], missing: "DIR/indicators.gpkg not found (run cimbase indicators first): pipe gaps not listed")
            }
            var ps: [Polygon] = []
            do {
                try VectorDataset(path: path).layer("pipe_gaps").forEach { f in if let g = try f.geometry() { ps += g.polygons.polygons } }
            } catch { throw PipelineError.input(file: path, layer: "pipe_gaps", message: "\(error)") }
            polys = ps
        }
        do { return PipeGaps(gaps: try pipeGaps(polys ?? [], roads: base.roads), missing: nil) } catch {
            throw PipelineError.input(file: "base.gpkg", layer: "roads", message: "street length in pipe gaps: \(error)")
        }
    }

    // MARK: - Fire station

    /// fire_5min_cov's reach (m) with the config's overrides.
    static func fireReach(_ config: CityConfig) -> Double {
        var p = FireReachCoverage().spec.params
        for (k, v) in config.indicators.params["fire_5min_cov"] ?? [:] { p[k] = v }
        return FireReachCoverage.reachMetres(p)
    }

    /// The best site for one new fire station: buildings whose drive distance (the walk stage's `fire_drive_m`, or the
    /// same search when `drive` is nil) exceeds the reach are the demand, weighted by footprint area as fire_5min_cov;
    /// candidates are `candidates` or points on the drive network spaced `reach / 2` inside the gap; one bounded
    /// Dijkstra per candidate on the drive graph; ``MaximalCovering`` with k = 1 (the candidate covering the most).
    static func fireSite(config: CityConfig, base: BaseLayer, drive: [Float]?, candidates: [Vec2]?) throws -> FireSite {
        let reach = fireReach(config)
        var out = FireSite(reachM: reach, candidates: 0, basePct: 0, afterPct: 0, gapBuildings: [], gapDrive: [], point: nil,
                           newlyCoveredM2: 0, newlyCovered: [], missing: nil)
        let stations = base.facilities.filter { $0.category == "fire_station" }
        guard !stations.isEmpty else { out.missing = "no fire stations in facilities: fire reach not computed"; return out }
        let o = try WalkStage.options(config, base: base)
        let lines = try WalkInputs.walkLines(base.roads, o, drive: true)
        guard !lines.isEmpty, let dg = try? WalkGraph(lines: lines) else { out.missing = "no drivable roads: fire reach not computed"; return out }
        let di = EdgeSegmentIndex(graph: dg)
        let engine = WalkAccessEngine(graph: dg)
        let snap = SnapOptions(maxSnap: o.maxSnapM, preferLargestComponent: true)
        var d = drive ?? []
        if d.count != base.buildings.count {
            guard let x = try WalkInputs.fireDrive(base: base, stations: stations, options: o, snap: snap) else {
                out.missing = "no drivable roads: fire reach not computed"; return out
            }
            d = x
        }
        // The indicator's test: Float distance ≤ Float(reach); the rows' test is Double(Float cost) ≤ threshold.
        let fr = Float(reach), t = Double(fr)
        var covered0 = 0.0, total = 0.0
        for (i, b) in base.buildings.enumerated() {
            let a = b.footprint.area
            total += a
            if d[i] <= fr { covered0 += a } else { out.gapBuildings.append(i); out.gapDrive.append(d[i]) }
        }
        out.basePct = total > 0 ? covered0 / total * 100 : 0
        out.afterPct = out.basePct
        guard !out.gapBuildings.isEmpty else { out.missing = "every building is within reach: no new fire station needed"; return out }
        let gapPts = out.gapBuildings.map { base.buildings[$0].footprint.centroid }
        let snapped = di.snap(gapPts, options: snap).positions
        let demand = out.gapBuildings.indices.filter { snapped[$0].edge >= 0 }
        let candPts = candidates ?? gapCandidates(demand.map { gapPts[$0] }, spacing: reach / 2, index: di, graph: dg, snap: snap)
        out.candidates = candPts.count
        let candPos = di.snap(candPts, options: snap).positions
        let rows = CoverageRows.build(engine: engine, origins: demand.map { snapped[$0] }, candidates: candPos, threshold: t, cutoff: .infinity)
        let weights = demand.map { base.buildings[out.gapBuildings[$0]].footprint.area }
        let problem = CoverageProblem(weights: weights, start: rows.start, items: rows.items, itemCost: rows.cost, positions: candPts,
                                      baseCovered: covered0, totalWeight: total)
        let sol = MaximalCovering.solve(problem, PlanOptions(maxSites: 1))
        guard let s = sol.sites.first, sol.newlyCovered[0] > 0 else {
            out.missing = candPts.isEmpty ? "no candidate site on the drive network near the gap" : "no candidate site brings a gap building within reach"
            return out
        }
        out.point = candPts[s]
        var hit = [Bool](repeating: false, count: base.buildings.count)
        for i in problem.row(s) { hit[out.gapBuildings[demand[Int(i)]]] = true }
        // Summed in building order, as fire_5min_cov sums.
        var num = 0.0
        for (i, b) in base.buildings.enumerated() where d[i] <= fr || hit[i] { num += b.footprint.area }
        out.afterPct = total > 0 ? num / total * 100 : 0
        out.newlyCovered = base.buildings.indices.filter { hit[$0] }
        out.newlyCoveredM2 = out.newlyCovered.reduce(0) { $0 + base.buildings[$1].footprint.area }
        return out
    }

    // MARK: - All three, outputs

    /// The three treatments (`plan.treatments`), each with its reason when its inputs are missing.
    /// `fireDrive`: the walk stage's drive distances per building (nil: searched again); `drainage`: see `pipeGapInput`.
    static func treatments(config: CityConfig, base: BaseLayer, fireDrive: [Float]?, drainage: Bool? = nil, pipeGaps given: MultiPolygon?,
                           candidates: [Vec2]?, outDir: String) throws -> Treatments {
        let old = oldStock(base, year: config.plan.oldYear, floorHeight: config.ingest.floorHeightM)
        let pipes = try pipeGapInput(base, given: given, drainage: drainage, outDir: outDir)
        let fire = try fireSite(config: config, base: base, drive: fireDrive, candidates: candidates)
        return Treatments(oldStock: old, pipeGaps: pipes, fire: fire)
    }

    /// plan.gpkg's treatment layers: `old_residential` (per zone, the zone's area; the city row without geometry),
    /// `old_residential_buildings` (no geometry: keyed by building id), `pipe_gaps` (area, street length) and, with a result, `fire_station_site` and
    /// `fire_gaps` (the buildings beyond reach, and whether the new station reaches them).
    static func appendTreatmentLayers(_ t: Treatments, base: BaseLayer, to w: GeoPackageWriter, floorHeight: Double) throws {
        var zones = FeatureTable(name: "old_residential", geometryType: "MultiPolygon", fields: [
            FieldDef("zone_id", .string, "zone id (empty: the whole city)"), FieldDef("zone_name", .string, ""),
            FieldDef("built_by", .integer, "cut-off year (built in or before it)"),
            FieldDef("residential", .integer, "residential buildings"), FieldDef("old_buildings", .integer, "residential buildings built by the cut-off year"),
            FieldDef("old_floor_area_m2", .real, ""), FieldDef("old_residents", .real, ""),
            FieldDef("unknown_year", .integer, "residential buildings without a year built (not classified)"),
            FieldDef("unknown_floor_area_m2", .real, ""), FieldDef("unknown_residents", .real, "")])
        let zoneArea = Dictionary(base.zones.map { ($0.id, $0.area) }, uniquingKeysWith: { a, _ in a })
        for r in t.oldStock.rows {
            zones.append(zoneArea[r.zoneID].map { .multiPolygon($0) }, [
                .string(r.zoneID), .string(r.zoneName), .int(Int64(t.oldStock.year)), .int(Int64(r.residential)), .int(Int64(r.old)),
                .real(r.oldFloorAreaM2), .real(r.oldResidents), .int(Int64(r.unknownYear)), .real(r.unknownFloorAreaM2), .real(r.unknownResidents)])
        }
        try w.write(table: zones)
        // One row per old building keyed by its id (join to base.gpkg buildings.id for the footprint): a 1M-building
        // city has hundreds of thousands of them, and outputs hold each fact once.
        var olds = FeatureTable(name: "old_residential_buildings", geometryType: "None", fields: [
            FieldDef("building_id", .integer, ""), FieldDef("source_id", .string, ""), FieldDef("year_built", .integer, ""),
            FieldDef("floor_area_m2", .real, ""), FieldDef("residents", .real, "")])
        for i in t.oldStock.buildings {
            let b = base.buildings[i]
            olds.append(nil, [.int(b.id), .string(b.sourceId), .int(Int64(b.yearBuilt ?? 0)),
                                                     .real(b.floorArea(floorHeight: floorHeight)), b.residents.map { .real($0) } ?? .null])
        }
        try w.write(table: olds)
        var gaps = FeatureTable(name: "pipe_gaps", geometryType: "MultiPolygon", fields: [
            FieldDef("area_m2", .real, ""), FieldDef("street_m", .real, "street length inside the gap: estimated pipe length needed")])
        for g in t.pipeGaps.gaps { gaps.append(.polygon(g.polygon), [.real(g.areaM2), .real(g.streetM)]) }
        try w.write(table: gaps)
        let f = t.fire
        var site = FeatureTable(name: "fire_station_site", geometryType: "Point", fields: [
            FieldDef("reach_m", .real, "drive distance within reach (fire_5min_cov minutes × speed)"), FieldDef("candidates", .integer, ""),
            FieldDef("coverage_before_pct", .real, "fire_5min_cov today"), FieldDef("coverage_pct", .real, "fire_5min_cov with the new station"),
            FieldDef("newly_covered_m2", .real, "footprint area newly within reach"), FieldDef("buildings", .integer, "buildings newly within reach")])
        if let p = f.point {
            site.append(.point(p), [.real(f.reachM), .int(Int64(f.candidates)), .real(f.basePct), .real(f.afterPct), .real(f.newlyCoveredM2),
                                    .int(Int64(f.newlyCovered.count))])
        }
        try w.write(table: site)
        var fg = FeatureTable(name: "fire_gaps", geometryType: "MultiPolygon", fields: [
            FieldDef("building_id", .integer, ""), FieldDef("drive_m", .real, "drive distance from the nearest station (NULL: unreachable)"),
            FieldDef("new_station", .integer, "1 when the new station brings it within reach")])
        let newly = Set(f.newlyCovered)
        for (i, d) in zip(f.gapBuildings, f.gapDrive) {
            fg.append(.multiPolygon(base.buildings[i].footprint), [.int(base.buildings[i].id), d.isFinite ? .real(Double(d)) : .null, .int(newly.contains(i) ? 1 : 0)])
        }
        try w.write(table: fg)
    }

    /// DIR/old_residential.csv (per zone, city first) and DIR/pipe_gaps.csv (per gap: area, street length, centroid).
    static func writeTreatmentCSVs(_ t: Treatments, outDir: String) throws {
        var s = "zone_id,zone_name,built_by,residential,old_buildings,old_floor_area_m2,old_residents,unknown_year,unknown_floor_area_m2,unknown_residents\n"
        for r in t.oldStock.rows {
            s += [CSV.escape(r.zoneID), CSV.escape(r.zoneName), "\(t.oldStock.year)", "\(r.residential)", "\(r.old)", "\(r.oldFloorAreaM2)", "\(r.oldResidents)",
                  "\(r.unknownYear)", "\(r.unknownFloorAreaM2)", "\(r.unknownResidents)"].joined(separator: ",") + "\n"
        }
        var p = "gap,area_m2,street_m,x,y\n"
        for (k, g) in t.pipeGaps.gaps.enumerated() {
            let c = g.polygon.centroid
            p += "\(k + 1),\(g.areaM2),\(g.streetM),\(c.x),\(c.y)\n"
        }
        for (name, text) in [("old_residential.csv", s), ("pipe_gaps.csv", p)] {
            let path = (outDir as NSString).appendingPathComponent(name)
            do { try AtomicFile.write(text, to: URL(fileURLWithPath: path)) } catch { throw PipelineError.output(path: path, message: "\(error)") }
        }
    }

    /// plan.csv's rows for the fire station (the curve 0 → 1 site, weighted by footprint area as fire_5min_cov).
    static func fireCSVRows(_ f: FireSite) -> String {
        guard f.missing == nil || f.point != nil else { return "" }
        var s = "fire_station,\(f.reachM),footprint_area,0,\(f.basePct),0,0,\n"
        if f.point != nil { s += "fire_station,\(f.reachM),footprint_area,1,\(f.afterPct),\(f.newlyCoveredM2),\(f.newlyCoveredM2),\n" }
        return s
    }

    /// The report's "other treatments" section: a note per treatment (what was found, or why not) and its table, and
    /// a map of the pipe gaps, the fire gaps and the new station.
    public static func treatmentSection(_ t: Treatments, base: BaseLayer) -> String {
        func n(_ x: Double) -> String { x.rounded() == x && abs(x) < 1e15 ? Int(x).grouped : String(format: "%.1f", x) }
        var items: [ReportHTML.TreatmentItem] = []
        // Old stock.
        let o = t.oldStock
        var rows: [[String]] = [["分区 Zone", "住宅 Residential", "老旧 Old (≤ \(o.year))", "建筑面积 Floor area (m²)", "居民 Residents", "年代不详 Year unknown"]]
        for r in o.rows { rows.append([r.zoneID.isEmpty ? "全市 City" : "\(r.zoneName) (\(r.zoneID))", r.residential.grouped, r.old.grouped, n(r.oldFloorAreaM2.rounded()), n(r.oldResidents.rounded()), r.unknownYear.grouped]) }
        let c = o.rows[0]
        items.append(ReportHTML.TreatmentItem(
            titleZh: "老旧小区改造候选（\(o.year)年底前建成）", titleEn: "Old residential stock (built by \(o.year)): renovation candidates",
            noteZh: o.missing.map { "未列出：\($0)" } ?? "\(c.old.grouped) 栋住宅建于\(o.year)年或更早，建筑面积 \(n(c.oldFloorAreaM2.rounded())) m²，居民 \(n(c.oldResidents.rounded())) 人；\(c.unknownYear.grouped) 栋年代不详，未计入。",
            noteEn: o.missing.map { "Not listed: \($0)." } ?? "\(c.old.grouped) residential buildings built in or before \(o.year), \(n(c.oldFloorAreaM2.rounded())) m² of floor area, \(n(c.oldResidents.rounded())) residents; \(c.unknownYear.grouped) without a year built, not counted.",
            rows: o.missing == nil || c.unknownYear > 0 ? rows : []))
        // Pipe gaps.
        let p = t.pipeGaps
        let totalStreet = p.gaps.reduce(0) { $0 + $1.streetM }, totalArea = p.gaps.reduce(0) { $0 + $1.areaM2 }
        var prow: [[String]] = [["#", "面积 Area (m²)", "街道长度 Street length (m)"]]
        for (k, g) in p.gaps.sorted(by: { $0.areaM2 > $1.areaM2 }).prefix(20).enumerated() { prow.append(["\(k + 1)", n(g.areaM2.rounded()), n(g.streetM.rounded())]) }
        items.append(ReportHTML.TreatmentItem(
            titleZh: "管网空白区与需铺设管线", titleEn: "Pipe-network gaps and the pipe length needed",
            noteZh: p.missing.map { "未计算：\($0)" } ?? "\(p.gaps.count.grouped) 处空白区，面积 \(n(totalArea.rounded())) m²，区内街道 \(n(totalStreet.rounded())) m（沿街铺设所需管线长度估计）。",
            noteEn: p.missing.map { "Not computed: \($0)." } ?? "\(p.gaps.count.grouped) gap areas, \(n(totalArea.rounded())) m², with \(n(totalStreet.rounded())) m of streets inside them (the estimated pipe length, laid along the streets)\(p.gaps.count > 20 ? "; the 20 largest listed" : "").",
            rows: p.gaps.isEmpty ? [] : prow))
        // Fire station.
        let f = t.fire
        let fz: String, fe: String
        if let pt = f.point {
            fz = String(format: "%@ 栋建筑超出 %.0f m 车行可达范围；一处新建小型消防站（%.0f, %.0f）使消防5分钟可达覆盖率由 %.1f %% 升至 %.1f %%（新覆盖 %@ 栋，候选 %d 处）。",
                        f.gapBuildings.count.grouped, f.reachM, pt.x, pt.y, f.basePct, f.afterPct, f.newlyCovered.count.grouped, f.candidates)
            fe = String(format: "%@ buildings lie beyond %.0f m of drive from a fire station; one new small fire station at (%.0f, %.0f) raises fire_5min_cov from %.1f %% to %.1f %% (%@ buildings newly within reach; %d candidates).",
                        f.gapBuildings.count.grouped, f.reachM, pt.x, pt.y, f.basePct, f.afterPct, f.newlyCovered.count.grouped, f.candidates)
        } else {
            fz = "未选址：\(f.missing ?? "")"; fe = "No site: \(f.missing ?? "")."
        }
        items.append(ReportHTML.TreatmentItem(titleZh: "消防可达空白与小型消防站选址", titleEn: "Fire-reach gaps and one new small fire station",
                                              noteZh: fz, noteEn: fe, rows: []))
        // The map: pipe gaps, fire-gap buildings (newly reached ones green) and the site.
        var polys: [MapPolygon] = []
        for g in p.gaps { polys.append(MapPolygon(rings: g.polygon.rings, fill: .water)) }
        let newly = Set(f.newlyCovered)
        for b in f.gapBuildings.prefix(20_000) { for q in base.buildings[b].footprint.polygons { polys.append(MapPolygon(rings: q.rings, fill: newly.contains(b) ? .covered : .gap)) } }
        if let pt = f.point {
            let h = f.reachM / 40
            polys.append(MapPolygon(rings: [[pt + Vec2(-h, -h), pt + Vec2(h, -h), pt + Vec2(h, h), pt + Vec2(-h, h)]], fill: .outline))
        }
        let map = polys.isEmpty ? nil : MapPanel(titleZh: "管网空白区、消防可达空白与新消防站", titleEn: "Pipe gaps, fire-reach gaps and the new fire station", polygons: polys,
                                                 legend: [MapLegendEntry(fill: .water, labelZh: "管网空白区", labelEn: "pipe gap"),
                                                          MapLegendEntry(fill: .gap, labelZh: "消防不可达建筑", labelEn: "beyond fire reach"),
                                                          MapLegendEntry(fill: .covered, labelZh: "新站可达", labelEn: "reached by the new station"),
                                                          MapLegendEntry(fill: .outline, labelZh: "新消防站", labelEn: "new fire station")])
        return ReportHTML.treatmentsSection(items, map: map)
    }
}
