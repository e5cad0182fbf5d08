import CityModel
import Foundation
import GeoBridge

/// What `cimbase plan` reads from DIR when base.gpkg (and walk.gpkg) are fresh: only the layers and columns the plan
/// uses (issue 17, speed), instead of the whole base layer and every walk column.
///
/// - base.gpkg: buildings (footprint, `id`, `source_id`, `height_m`, `floors`, `use`, `residents`, `year_built`; OGR
///   skips the other columns), roads, facilities with their areas, green, zones and boundary, all as
///   ``BaseLayerIO/read(path:)`` reads them (same values, so every derived number is the same); whether the pipes layer
///   holds drainage pipes comes from one SQL query. Not read: water, population, built-up area, rejects, kept source
///   attributes, and the building fields the plan does not use (`height_source`, ground).
/// - walk.gpkg (`access`): the origins (`walk_origin`), the planned categories' `d_<category>` and `fire_drive_m`,
///   which are the walk stage's own Float distances (stored as reals, read back exactly), so the plan need not search
///   from the existing facilities again.
enum PlanInputs {
    /// What the walk stage stored that the plan uses.
    struct Known: Sendable {
        /// Indices into `base.buildings` of the walk origins, ascending.
        var origins: [Int]
        /// Per planned category searched by the walk stage: distance per origin (+∞ beyond its cutoff).
        var distances: [String: [Float]]
        /// Per building: drive distance from the nearest fire station (nil: not stored).
        var fireDrive: [Float]?
    }

    /// The layers of base.gpkg the plan uses (see the type's summary) and whether drainage pipes exist.
    static func readBase(path: String) throws -> (base: BaseLayer, drainage: Bool) {
        guard FileManager.default.fileExists(atPath: path) else { throw PipelineError.input(file: path, layer: nil, message: "base layer not found: run `cimbase ingest` first") }
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        var b = BaseLayer()
        func each(_ l: CanonicalLayer, keep: Set<String>? = nil, _ body: (Feature, Geometry?) throws -> Void) throws {
            do {
                let layer = try ds.layer(l.rawValue)
                if l == .buildings { b.crs = layer.spatialReference?.authorityCode ?? "" }
                if let keep { layer.ignoreFields(except: keep) }
                try layer.forEach { f in try body(f, try f.geometry()) }
            } catch let e as PipelineError { throw e } catch {
                throw PipelineError.input(file: path, layer: l.rawValue, message: "\(error)")
            }
        }
        func s(_ f: Feature, _ i: Int?) -> String? { i.flatMap { f.value($0).string } }
        func d(_ f: Feature, _ i: Int?) -> Double? { i.flatMap { f.value($0).real } }
        func n(_ f: Feature, _ i: Int?) -> Int64? { i.flatMap { f.value($0).int } }
        // Buildings: column positions looked up once (not per feature).
        let keep: Set<String> = ["id", "source_id", "height_m", "floors", "use", "residents", "year_built"]
        var col: [String: Int] = [:]
        try each(.buildings, keep: keep) { f, g in
            if col.isEmpty { for k in keep { col[k] = f.fieldIndex(k) ?? -1 } }
            b.buildings.append(Building(id: n(f, col["id"]) ?? 0, sourceId: s(f, col["source_id"]) ?? "", footprint: g?.polygons ?? MultiPolygon([]),
                                        heightM: d(f, col["height_m"]) ?? 0, heightSource: .default,
                                        floors: n(f, col["floors"]).map { Int($0) }, use: BuildingUse(rawValue: s(f, col["use"]) ?? "") ?? .unknown,
                                        residents: d(f, col["residents"]), yearBuilt: n(f, col["year_built"]).map { Int($0) }))
        }
        func sv(_ f: Feature, _ k: String) -> String? { f.value(k).string }
        func iv(_ f: Feature, _ k: String) -> Int64? { f.value(k).int }
        try each(.roads) { f, g in
            b.roads.append(Road(id: iv(f, "id") ?? 0, sourceId: sv(f, "source_id") ?? "", line: g?.lines.first ?? LineString([]),
                                highway: sv(f, "highway") ?? "", name: sv(f, "name"), walkable: iv(f, "walkable") != 0,
                                drivable: iv(f, "drivable") != 0, onewayWalk: iv(f, "oneway_walk") == 1))
        }
        var areas: [Int64: MultiPolygon] = [:]
        try each(.facility_areas) { f, g in if let id = iv(f, "id"), let g { areas[id] = g.polygons } }
        try each(.facilities) { f, g in
            let id = iv(f, "id") ?? 0
            let geom: Geometry = areas[id].map { .multiPolygon($0) } ?? g ?? .multiPoint([])
            b.facilities.append(Facility(id: id, sourceId: sv(f, "source_id") ?? "", category: sv(f, "category") ?? "", name: sv(f, "name"), geometry: geom))
        }
        try each(.green) { f, g in
            b.green.append(GreenArea(id: iv(f, "id") ?? 0, sourceId: sv(f, "source_id") ?? "", kind: sv(f, "kind") ?? "", isPark: iv(f, "is_park") == 1,
                                     name: sv(f, "name"), area: g?.polygons ?? MultiPolygon([])))
        }
        try each(.zones) { f, g in b.zones.append(Zone(id: sv(f, "zone_id") ?? "", name: sv(f, "zone_name") ?? "", level: sv(f, "level") ?? "", area: g?.polygons ?? MultiPolygon([]))) }
        try each(.boundary) { _, g in if let g { b.boundary = MultiPolygon((b.boundary?.polygons ?? []) + g.polygons.polygons) } }
        let kinds: [String]
        do { kinds = try ds.query("SELECT DISTINCT kind FROM pipes").compactMap { $0.first?.string } } catch {
            throw PipelineError.input(file: path, layer: "pipes", message: "\(error)")
        }
        try? ds.close()
        return (b, kinds.contains { (PipeKind(rawValue: $0) ?? .unknown).isDrainage })
    }

    /// walk.gpkg's origins, the `d_<category>` columns of `categories` that exist and `fire_drive_m`; nil when the
    /// file is of another layout or its rows do not match `base` (the plan then searches itself).
    static func readWalk(path: String, base: BaseLayer, categories: [String]) -> Known? {
        guard let ds = try? VectorDataset(path: path), ds.layerNames.contains("walk_meta") else { return nil }
        var meta: [String: String] = [:]
        guard (try? ds.layer("walk_meta").forEach { f in if let k = f.value("key").string { meta[k] = f.value("value").string ?? "" } }) != nil,
              meta["layout_version"] == String(WalkOutputWriter.layoutVersion), let acc = try? ds.layer("access") else { return nil }
        let names = acc.fields.map(\.name)
        guard let iId = names.firstIndex(of: "origin_id"), let iKind = names.firstIndex(of: "origin_kind"),
              let iOrigin = names.firstIndex(of: "walk_origin") else { return nil }
        let iFire = names.firstIndex(of: "fire_drive_m")
        let cats = categories.filter { names.contains("d_" + $0) }
        acc.ignoreFields(except: Set(["origin_id", "origin_kind", "walk_origin", "fire_drive_m"] + cats.map { "d_" + $0 }))
        let dIdx = cats.map { names.firstIndex(of: "d_" + $0)! }
        var origins: [Int] = []
        var cols = [[Float]](repeating: [], count: cats.count)
        var fire = [Float](repeating: .infinity, count: base.buildings.count)
        var i = 0, ok = true
        // Building rows come first, one per building of base.gpkg in its order (WalkOutputWriter.writeAccess).
        let read: ()? = try? acc.forEach { f in
            guard ok, f.value(iKind).string == "building" else { return }
            guard i < base.buildings.count, f.value(iId).int == base.buildings[i].id else { ok = false; return }
            if let j = iFire, let x = f.value(j).real { fire[i] = Float(x) }
            if f.value(iOrigin).int == 1 {
                origins.append(i)
                for (k, j) in dIdx.enumerated() { cols[k].append(f.value(j).real.map { Float($0) } ?? .infinity) }
            }
            i += 1
        }
        guard read != nil, ok, i == base.buildings.count else { return nil }
        var d: [String: [Float]] = [:]
        for (k, c) in cats.enumerated() { d[c] = cols[k] }
        return Known(origins: origins, distances: d, fireDrive: meta["fire_drive"] == "yes" ? fire : nil)
    }
}
