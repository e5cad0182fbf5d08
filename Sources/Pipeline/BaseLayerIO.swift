import CityModel
import Foundation
import GeoBridge

/// Writes the base layer to `base.gpkg` with the canonical schema (CityModel.CanonicalLayer) and reads it back.
public enum BaseLayerIO {
    static func opt(_ v: Double?) -> FieldValue { v.map { .real($0) } ?? .null }
    static func opt(_ v: Int?) -> FieldValue { v.map { .int(Int64($0)) } ?? .null }
    static func opt(_ v: String?) -> FieldValue { v.map { .string($0) } ?? .null }

    static func table(_ l: CanonicalLayer) -> FeatureTable {
        FeatureTable(name: l.rawValue, geometryType: l.geometryType, fields: l.fields)
    }

    /// The canonical tables of a base layer (every layer present, possibly empty).
    public static func tables(_ b: BaseLayer, floorHeight: Double = 3.0) -> [FeatureTable] {
        var out: [FeatureTable] = []
        var t = table(.buildings)
        for x in b.buildings {
            t.append(.multiPolygon(x.footprint), [.int(x.id), .string(x.sourceId), .real(x.heightM), .string(x.heightSource.rawValue),
                                                  opt(x.floors), .string(x.use.rawValue), opt(x.residents), opt(x.yearBuilt), opt(x.groundM),
                                                  .real(x.footprint.area), .real(x.floorArea(floorHeight: floorHeight))])
        }
        out.append(t)
        t = table(.roads)
        for x in b.roads {
            t.append(.lineString(x.line), [.int(x.id), .string(x.sourceId), .string(x.highway), opt(x.name), .int(x.walkable ? 1 : 0),
                                           .int(x.drivable ? 1 : 0), .int(x.onewayWalk ? 1 : 0), .real(x.line.length)])
        }
        out.append(t)
        t = table(.facilities)
        var areas = table(.facility_areas)
        for x in b.facilities {
            let mp = x.geometry.polygons
            let pt: Vec2 = mp.polygons.isEmpty ? x.geometry.representativePoint : (mp.largest?.centroid ?? mp.centroid)
            t.append(.point(pt), [.int(x.id), .string(x.sourceId), .string(x.category), opt(x.name), .string(mp.polygons.isEmpty ? "Point" : "Polygon")])
            if !mp.polygons.isEmpty { areas.append(.multiPolygon(mp), [.int(x.id), .string(x.category), .real(mp.area)]) }
        }
        out.append(t); out.append(areas)
        t = table(.green)
        for x in b.green {
            t.append(.multiPolygon(x.area), [.int(x.id), .string(x.sourceId), .string(x.kind), .int(x.isPark ? 1 : 0), opt(x.name), .real(x.area.area)])
        }
        out.append(t)
        t = table(.water)
        for x in b.water { t.append(.multiPolygon(x.area), [.int(x.id), .string(x.sourceId), .string(x.kind), .real(x.area.area)]) }
        out.append(t)
        t = table(.pipes)
        for x in b.pipes { t.append(.lineString(x.line), [.int(x.id), .string(x.sourceId), .string(x.kind.rawValue), opt(x.diameterM), .real(x.line.length)]) }
        out.append(t)
        t = table(.population)
        for x in b.population { t.append(.multiPolygon(x.area), [.int(x.id), .real(x.population)]) }
        out.append(t)
        t = table(.zones)
        for x in b.zones { t.append(.multiPolygon(x.area), [.string(x.id), .string(x.name), .string(x.level), .real(x.area.area)]) }
        out.append(t)
        t = table(.boundary)
        if let bd = b.boundary { t.append(.multiPolygon(bd), [.string("boundary"), .real(bd.area)]) }
        out.append(t)
        t = table(.rejects)
        for x in b.rejects { t.append(x.geometry, [.string(x.layer), .string(x.sourceFile), .string(x.sourceLayer), .string(x.sourceId), .string(x.reason)]) }
        out.append(t)
        return out
    }

    /// Writes `base.gpkg` atomically.
    public static func write(_ b: BaseLayer, to path: String, config: CityConfig? = nil) throws {
        let w: GeoPackageWriter
        do { w = try GeoPackageWriter(path: path, crs: b.crs) } catch {
            throw PipelineError.output(path: path, message: "\(error)")
        }
        do {
            for t in tables(b, floorHeight: config?.ingest.floorHeightM ?? 3.0) { try w.write(table: t) }
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// Reads a base.gpkg written by `write`.
    public static func read(path: String) throws -> BaseLayer {
        guard FileManager.default.fileExists(atPath: path) else { throw PipelineError.input(file: path, layer: nil, message: "base layer not found: run `cimbase ingest` first") }
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        var b = BaseLayer()
        func each(_ l: CanonicalLayer, _ body: (Feature, Geometry?) throws -> Void) throws {
            do {
                let layer = try ds.layer(l.rawValue)
                if l == .buildings { b.crs = layer.spatialReference?.authorityCode ?? "" }
                try layer.forEach { f in try body(f, try f.geometry()) }
            } catch let e as PipelineError { throw e } catch {
                throw PipelineError.input(file: path, layer: l.rawValue, message: "\(error)")
            }
        }
        func s(_ f: Feature, _ k: String) -> String? { f.value(k).string }
        func d(_ f: Feature, _ k: String) -> Double? { f.value(k).real }
        func i(_ f: Feature, _ k: String) -> Int64? { f.value(k).int }
        try each(.buildings) { f, g in
            b.buildings.append(Building(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", footprint: g?.polygons ?? MultiPolygon([]),
                                        heightM: d(f, "height_m") ?? 0, heightSource: HeightSource(rawValue: s(f, "height_source") ?? "") ?? .default,
                                        floors: i(f, "floors").map { Int($0) }, use: BuildingUse(rawValue: s(f, "use") ?? "") ?? .unknown,
                                        residents: d(f, "residents"), yearBuilt: i(f, "year_built").map { Int($0) }, groundM: d(f, "ground_m")))
        }
        try each(.roads) { f, g in
            b.roads.append(Road(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", line: g?.lines.first ?? LineString([]),
                                highway: s(f, "highway") ?? "", name: s(f, "name"), walkable: i(f, "walkable") != 0,
                                drivable: i(f, "drivable") != 0, onewayWalk: i(f, "oneway_walk") == 1))
        }
        var areas: [Int64: MultiPolygon] = [:]
        try each(.facility_areas) { f, g in if let id = i(f, "id"), let g { areas[id] = g.polygons } }
        try each(.facilities) { f, g in
            let id = i(f, "id") ?? 0
            let geom: Geometry = areas[id].map { .multiPolygon($0) } ?? g ?? .multiPoint([])
            b.facilities.append(Facility(id: id, sourceId: s(f, "source_id") ?? "", category: s(f, "category") ?? "", name: s(f, "name"), geometry: geom))
        }
        try each(.green) { f, g in
            b.green.append(GreenArea(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", kind: s(f, "kind") ?? "", isPark: i(f, "is_park") == 1,
                                     name: s(f, "name"), area: g?.polygons ?? MultiPolygon([])))
        }
        try each(.water) { f, g in b.water.append(WaterBody(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", kind: s(f, "kind") ?? "", area: g?.polygons ?? MultiPolygon([]))) }
        try each(.pipes) { f, g in
            b.pipes.append(Pipe(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", kind: PipeKind(rawValue: s(f, "kind") ?? "") ?? .unknown,
                                line: g?.lines.first ?? LineString([]), diameterM: d(f, "diameter_m")))
        }
        try each(.population) { f, g in b.population.append(PopulationCell(id: i(f, "id") ?? 0, population: d(f, "population") ?? 0, area: g?.polygons ?? MultiPolygon([]))) }
        try each(.zones) { f, g in b.zones.append(Zone(id: s(f, "zone_id") ?? "", name: s(f, "zone_name") ?? "", level: s(f, "level") ?? "", area: g?.polygons ?? MultiPolygon([]))) }
        try each(.boundary) { _, g in if let g { b.boundary = MultiPolygon((b.boundary?.polygons ?? []) + g.polygons.polygons) } }
        try each(.rejects) { f, g in
            b.rejects.append(Reject(layer: s(f, "layer") ?? "", sourceFile: s(f, "source_file") ?? "", sourceLayer: s(f, "source_layer") ?? "",
                                    sourceId: s(f, "source_id") ?? "", reason: s(f, "reason") ?? "", geometry: g))
        }
        try? ds.close()
        return b
    }
}
