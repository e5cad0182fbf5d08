import CityModel
import Foundation
import GeoBridge
import Indicators
import Scoring
import WalkNetwork

/// DIR/walk.gpkg and DIR/walk_graph/*.csv: writing, and reading walk.gpkg back.
///
/// walk.gpkg layers (see README "Walk coverage"):
/// - `access` (attribute table, no geometry: join to base.gpkg on `origin_id`): one row per building of base.gpkg, in
///   its order, then one per population cell. `origin_kind` building | cell, `walk_origin` 1 when searched as a walk
///   origin, `snap_m`, `snap_status`, `d_<category>` walking metres (NULL beyond the cutoff, unsnapped or not an
///   origin), `nearest<j>_<category>` with `walk.k_nearest`, and `fire_drive_m` (buildings: drive metres from the
///   nearest fire station, uncapped; NULL when unreachable or there is no station).
/// - `unsnapped` (points): origins with no walkable street within the snap distance.
/// - `walk_gaps`, `service_areas` (multipolygons, one per category; see ``WalkAreas``).
/// - `thresholds`: category, threshold_m, life_circle_m.
enum WalkOutputWriter {
    /// Layout version of walk.gpkg, in its `walk_meta` table (key, value); files of another layout are recomputed.
    static let layoutVersion = 2

    static func write(_ r: WalkStage.Result, to path: String) throws {
        let w = try GeoPackageWriter(path: path, crs: r.base.crs)
        do {
            try writeAccess(r, w)
            var un = FeatureTable(name: "unsnapped", geometryType: "Point", fields: [FieldDef("origin_id", .integer64, ""), FieldDef("reason", .string, "")])
            for n in r.snapped.failedIndices { un.append(.point(r.originPts[n]), [.int(r.base.buildings[r.originIdx[n]].id), .string("no walkable street within the snap distance")]) }
            try w.write(table: un)
            var gaps = FeatureTable(name: "walk_gaps", geometryType: "MultiPolygon", fields: [
                FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""), FieldDef("area_m2", .real, "gap area (m²)"),
                FieldDef("buildings", .integer, "residential buildings beyond the threshold"), FieldDef("residents", .real, "their residents")])
            for a in r.areas where a.gapBuildings > 0 || !a.gaps.polygons.isEmpty {
                gaps.append(.multiPolygon(a.gaps), [.string(a.category), .real(a.thresholdM), .real(a.gaps.area), .int(Int64(a.gapBuildings)), .real(a.gapResidents)])
            }
            try w.write(table: gaps)
            var svc = FeatureTable(name: "service_areas", geometryType: "MultiPolygon", fields: [
                FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""), FieldDef("area_m2", .real, "")])
            for a in r.areas { if let s = a.serviceArea, !s.polygons.isEmpty { svc.append(.multiPolygon(s), [.string(a.category), .real(a.thresholdM), .real(s.area)]) } }
            try w.write(table: svc)
            var th = FeatureTable(name: "thresholds", geometryType: "None", fields: [FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""),
                                                                                     FieldDef("life_circle_m", .real, "")])
            for c in r.access.distances.keys.sorted() {
                for t in r.access.thresholds[c] ?? [] { th.append(nil, [.string(c), .real(t), r.access.lifeCircle[c].map { .real($0) } ?? .null]) }
            }
            try w.write(table: th)
            var meta = FeatureTable(name: "walk_meta", geometryType: "None", fields: [FieldDef("key", .string, ""), FieldDef("value", .string, "")])
            meta.append(nil, [.string("layout_version"), .string(String(layoutVersion))])
            meta.append(nil, [.string("fire_drive"), .string(r.fire == nil ? "no" : "yes")])
            meta.append(nil, [.string("area_tolerance_m"), .string(r.areas.map(\.tolerance).max().map { String($0) } ?? "")])
            try w.write(table: meta)
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    static func snapStatus(_ s: SnapStatus) -> String {
        switch s { case .main: return "main"; case .movedToMain: return "moved_to_main"; case .island: return "island"; case .failed: return "failed" }
    }

    /// The `access` table, streamed row by row in one transaction.
    static func writeAccess(_ r: WalkStage.Result, _ w: GeoPackageWriter) throws {
        let dcats = r.access.distances.keys.sorted()
        var fields = [FieldDef("origin_id", .integer64, "building id (base.gpkg buildings.id), or population cell id"),
                      FieldDef("origin_kind", .string, "building | cell (population cell centre)"),
                      FieldDef("walk_origin", .integer, "1: searched as a walk origin (residential building in the study area, or cell)"),
                      FieldDef("snap_m", .real, "straight leg to the walk network (m)"),
                      FieldDef("snap_status", .string, "main | moved_to_main | island | failed")]
        // Every searched category, and required life-circle categories with no facility at all (all NULL).
        for c in dcats { fields.append(FieldDef("d_" + c, .real, "walking distance (m) to the nearest \(c); NULL beyond the search cutoff, unsnapped, or no such facility")) }
        let k = r.k
        if k > 0 { for c in r.cats { for j in 1...k { fields.append(FieldDef("nearest\(j)_\(c)", .integer64, "")) } } }
        fields.append(FieldDef("fire_drive_m", .real, "drive distance (m) from the nearest fire station over drivable roads; NULL when unreachable or none"))
        try w.begin(FeatureTable(name: "access", geometryType: "None", fields: fields))
        let dcols = dcats.map { r.access.distances[$0]! }
        // Origin position per building (-1: not an origin).
        var originOf = [Int32](repeating: -1, count: r.base.buildings.count)
        for (n, i) in r.originIdx.enumerated() { originOf[i] = Int32(n) }
        var vals = [FieldValue](repeating: .null, count: fields.count)
        func real(_ d: Float) -> FieldValue { d.isFinite ? .real(Double(d)) : .null }
        for (i, b) in r.base.buildings.enumerated() {
            for j in vals.indices { vals[j] = .null }
            vals[0] = .int(b.id); vals[1] = .string("building")
            let n = Int(originOf[i])
            var col = 5
            if n >= 0 {
                let p = r.snapped.positions[n]
                vals[2] = .int(1)
                if p.isSnapped { vals[3] = .real(p.leg) }
                vals[4] = .string(snapStatus(p.status))
                for d in dcols { vals[col] = real(d[n]); col += 1 }
                if k > 0 { for s in r.searches { for j in 0..<k { let id = s.nearestIds[n * k + j]; if id >= 0 { vals[col] = .int(id) }; col += 1 } } }
            } else {
                vals[2] = .int(0)
                col += dcols.count + (k > 0 ? r.searches.count * k : 0)
            }
            if let f = r.fire { vals[col] = real(f[i]) }
            try w.write(FeatureRow(geometry: nil, values: vals))
        }
        if let cells = r.cells {
            for (n, cell) in r.base.population.enumerated() {
                for j in vals.indices { vals[j] = .null }
                let p = cells.snapped.positions[n]
                vals[0] = .int(cell.id); vals[1] = .string("cell"); vals[2] = .int(1)
                if p.isSnapped { vals[3] = .real(p.leg) }
                vals[4] = .string(p.isSnapped ? "main" : "failed")
                var col = 5
                for c in dcats { vals[col] = real(cells.distances[c]?[n] ?? .infinity); col += 1 }
                try w.write(FeatureRow(geometry: nil, values: vals))
            }
        }
        try w.end()
    }

    /// CSV export of the graph and snapped positions (see `WalkStage.Options.exportGraph`), for scripts/walk_reference.py.
    static func exportGraph(graph: WalkGraph, base: BaseLayer, originIdx: [Int], snapped: SnapBatch, cats: [String], sets: [FacilitySet],
                            thresholds: [String: [Double]], outDir: String) throws {
        let dir = (outDir as NSString).appendingPathComponent("walk_graph")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ header: [String], _ rows: [[String]]) throws {
            let url = URL(fileURLWithPath: (dir as NSString).appendingPathComponent(name))
            do { try CSV.write([header] + rows).write(to: url, atomically: true, encoding: .utf8) } catch {
                throw PipelineError.output(path: url.path, message: "\(error)")
            }
        }
        try write("edges.csv", ["edge", "from", "to", "length", "cost_factor", "oneway"], (0..<graph.edgeCount).map { i in
            ["\(i)", "\(graph.edgeFrom[i])", "\(graph.edgeTo[i])", "\(graph.edgeLength[i])", "\(graph.edgeCostFactor[i])", graph.edgeOneWay[i] ? "1" : "0"]
        })
        try write("origins.csv", ["origin", "building_id", "residents", "floor_area", "edge", "offset", "leg"], originIdx.enumerated().map { n, i in
            let p = snapped.positions[n], b = base.buildings[i]
            return ["\(n)", "\(b.id)", "\(b.residents ?? 0)", "\(b.floorArea())", "\(p.edge)", "\(p.offset)", "\(p.leg)"]
        })
        var f: [[String]] = []
        for (c, s) in zip(cats, sets) { for (k, p) in s.positions.enumerated() { f.append([c, "\(s.ids[k])", "\(p.edge)", "\(p.offset)", "\(p.leg)"]) } }
        try write("facilities.csv", ["category", "facility_id", "edge", "offset", "leg"], f)
        var t: [[String]] = []
        for c in cats { for x in thresholds[c] ?? [] { t.append([c, "\(x)"]) } }
        try write("thresholds.csv", ["category", "threshold_m"], t)
    }

    /// Reads DIR/walk.gpkg back: the origins in building order, their distances, thresholds, and the fire drive column.
    static func read(path: String, base: BaseLayer) throws -> WalkStage.Output {
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        var index: [Int64: Int] = [:]
        index.reserveCapacity(base.buildings.count)
        for (i, b) in base.buildings.enumerated() { index[b.id] = i }
        var origins: [Int] = []
        var distances: [String: [Float]] = [:]
        var thresholds: [String: [Double]] = [:], lifeCircle: [String: Double] = [:]
        var fire = [Float](repeating: .infinity, count: base.buildings.count)
        var meta: [String: String] = [:]
        var unsnapped = 0, islands = 0
        do {
            guard ds.layerNames.contains("walk_meta") else {
                throw PipelineError.input(file: path, layer: nil, message: "an older walk.gpkg layout (rerun walk)")
            }
            try ds.layer("walk_meta").forEach { f in if let k = f.value("key").string { meta[k] = f.value("value").string ?? "" } }
            guard meta["layout_version"] == String(layoutVersion) else {
                throw PipelineError.input(file: path, layer: "walk_meta", message: "layout \(meta["layout_version"] ?? "?"), expected \(layoutVersion) (rerun walk)")
            }
            let acc = try ds.layer("access")
            let names = acc.fields.map(\.name)
            func col(_ n: String) throws -> Int {
                guard let i = names.firstIndex(of: n) else { throw PipelineError.input(file: path, layer: "access", message: "no column \(n) (rerun walk)") }
                return i
            }
            let iId = try col("origin_id"), iKind = try col("origin_kind"), iOrigin = try col("walk_origin"), iStatus = try col("snap_status"),
                iFire = try col("fire_drive_m")
            let dIdx = names.indices.filter { names[$0].hasPrefix("d_") }
            var cols = [[Float]](repeating: [], count: dIdx.count)
            try acc.forEach { f in
                guard f.value(iKind).string == "building" else { return }
                guard let id = f.value(iId).int, let i = index[id] else {
                    throw PipelineError.input(file: path, layer: "access", message: "origin \(f.value(iId).string ?? "?") is not a building of base.gpkg (rerun walk)")
                }
                if let x = f.value(iFire).real { fire[i] = Float(x) }
                guard f.value(iOrigin).int == 1 else { return }
                origins.append(i)
                switch f.value(iStatus).string { case "failed": unsnapped += 1; case "island": islands += 1; default: break }
                for (k, j) in dIdx.enumerated() { cols[k].append(f.value(j).real.map { Float($0) } ?? .infinity) }
            }
            for (k, j) in dIdx.enumerated() { distances[String(names[j].dropFirst(2))] = cols[k] }
            try ds.layer("thresholds").forEach { f in
                guard let c = f.value("category").string, let t = f.value("threshold_m").real else { return }
                thresholds[c, default: []].append(t)
                if let lc = f.value("life_circle_m").real { lifeCircle[c] = lc }
            }
        } catch let e as PipelineError { throw e } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        let access = NetworkAccess(origins: origins, distances: distances, thresholds: thresholds, lifeCircle: lifeCircle)
        return WalkStage.Output(access: access, fireDrive: meta["fire_drive"] == "yes" ? fire : nil,
                                extraColumns: WalkStage.extraColumns(access, buildings: base.buildings.count),
                                nodes: 0, unsnapped: unsnapped, islands: islands)
    }
}
