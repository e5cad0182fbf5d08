import CityModel
import Foundation
import GeoBridge

/// Writes the base layer to `base.gpkg` with the canonical schema (CityModel.CanonicalLayer) and reads it back.
public enum BaseLayerIO {
    static func opt(_ v: Double?) -> FieldValue { v.map { .real($0) } ?? .null }
    static func opt(_ v: Int?) -> FieldValue { v.map { .int(Int64($0)) } ?? .null }
    static func opt(_ v: String?) -> FieldValue { v.map { .string($0) } ?? .null }

    /// The table of a canonical layer: its canonical fields, then the kept source attributes of `attributes`.
    static func table(_ l: CanonicalLayer, _ attributes: AttributeTable? = nil) -> FeatureTable {
        let extra = (attributes?.columns ?? []).map { FieldDef($0.name, $0.type, "source field \($0.sourceName)") }
        return FeatureTable(name: l.rawValue, geometryType: l.geometryType, fields: l.fields + extra)
    }

    /// Layers in the order they are written (facility_areas is filled from facilities).
    static let written: [CanonicalLayer] = [.buildings, .roads, .facilities, .facility_areas, .green, .water, .pipes, .population, .zones, .boundary, .built_up, .rejects]

    /// Calls `body` for every row of layer `l` (canonical values, then the kept attributes), in record order.
    static func rows(_ l: CanonicalLayer, _ b: BaseLayer, floorHeight: Double, _ body: (Geometry?, [FieldValue]) throws -> Void) rethrows {
        let attrs = b.attributes[l == .facility_areas ? "" : l.rawValue]
        func extra(_ i: Int) -> [FieldValue] { attrs.map { t in t.columns.map { $0.value(i) } } ?? [] }
        switch l {
        case .buildings:
            for (i, x) in b.buildings.enumerated() {
                try body(.multiPolygon(x.footprint), [.int(x.id), .string(x.sourceId), .real(x.heightM), .string(x.heightSource.rawValue),
                                                      opt(x.floors), .string(x.use.rawValue), opt(x.residents), opt(x.yearBuilt), opt(x.groundM),
                                                      .real(x.footprint.area), .real(x.floorArea(floorHeight: floorHeight))] + extra(i))
            }
        case .roads:
            for (i, x) in b.roads.enumerated() {
                try body(.lineString(x.line), [.int(x.id), .string(x.sourceId), .string(x.highway), opt(x.name), .int(x.walkable ? 1 : 0),
                                               .int(x.drivable ? 1 : 0), .int(x.onewayWalk ? 1 : 0), .real(x.line.length)] + extra(i))
            }
        case .facilities:
            for (i, x) in b.facilities.enumerated() {
                let mp = x.geometry.polygons
                let pt: Vec2 = mp.polygons.isEmpty ? x.geometry.representativePoint : (mp.largest?.centroid ?? mp.centroid)
                try body(.point(pt), [.int(x.id), .string(x.sourceId), .string(x.category), opt(x.name), .string(mp.polygons.isEmpty ? "Point" : "Polygon")] + extra(i))
            }
        case .facility_areas:
            for x in b.facilities {
                let mp = x.geometry.polygons
                if !mp.polygons.isEmpty { try body(.multiPolygon(mp), [.int(x.id), .string(x.category), .real(mp.area)]) }
            }
        case .green:
            for (i, x) in b.green.enumerated() {
                try body(.multiPolygon(x.area), [.int(x.id), .string(x.sourceId), .string(x.kind), .int(x.isPark ? 1 : 0), opt(x.name), .real(x.area.area)] + extra(i))
            }
        case .water:
            for (i, x) in b.water.enumerated() { try body(.multiPolygon(x.area), [.int(x.id), .string(x.sourceId), .string(x.kind), .real(x.area.area)] + extra(i)) }
        case .pipes:
            for (i, x) in b.pipes.enumerated() {
                try body(.lineString(x.line), [.int(x.id), .string(x.sourceId), .string(x.kind.rawValue), opt(x.diameterM), .real(x.line.length)] + extra(i))
            }
        case .population:
            for (i, x) in b.population.enumerated() { try body(.multiPolygon(x.area), [.int(x.id), .real(x.population)] + extra(i)) }
        case .zones:
            for (i, x) in b.zones.enumerated() { try body(.multiPolygon(x.area), [.string(x.id), .string(x.name), .string(x.level), .real(x.area.area)] + extra(i)) }
        case .boundary:
            if let bd = b.boundary { try body(.multiPolygon(bd), [.string("boundary"), .real(bd.area)]) }
        case .built_up:
            if let bu = b.builtUp { try body(.multiPolygon(bu), [.string("built_up"), .real(bu.area)]) }
        case .rejects:
            for x in b.rejects { try body(x.geometry, [.string(x.layer), .string(x.sourceFile), .string(x.sourceLayer), .string(x.sourceId), .string(x.reason)]) }
        }
    }

    static func schema(_ l: CanonicalLayer, _ b: BaseLayer) -> FeatureTable {
        table(l, l == .facility_areas || l == .boundary || l == .built_up || l == .rejects ? nil : b.attributes[l.rawValue])
    }

    /// The canonical tables of a base layer (every layer present, possibly empty), in memory.
    public static func tables(_ b: BaseLayer, floorHeight: Double = 3.0) -> [FeatureTable] {
        written.map { l in
            var t = schema(l, b)
            rows(l, b, floorHeight: floorHeight) { t.append($0, $1) }
            return t
        }
    }

    /// Writes `base.gpkg` atomically, streaming row by row (one transaction per layer, no table built in memory).
    public static func write(_ b: BaseLayer, to path: String, config: CityConfig? = nil) throws {
        let w: GeoPackageWriter
        do { w = try GeoPackageWriter(path: path, crs: b.crs) } catch {
            throw PipelineError.output(path: path, message: "\(error)")
        }
        let floorHeight = config?.ingest.floorHeightM ?? 3.0
        do {
            for l in written {
                try w.begin(schema(l, b))
                try rows(l, b, floorHeight: floorHeight) { g, v in try w.write(FeatureRow(geometry: g, values: v)) }
                try w.end()
            }
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
        // Fields beyond the canonical ones are kept source attributes (`src_x` was source field `x` when `x` collides).
        func readAttributes(_ l: CanonicalLayer) throws {
            let layer = try ds.layer(l.rawValue)
            let canonical = Set(l.fields.map(\.name))
            let reserved = SourceFieldNames.reserved(l.rawValue)
            let idx = layer.fields.indices.filter { !canonical.contains(layer.fields[$0].name) }
            guard !idx.isEmpty else { return }
            var cols = idx.map { i -> AttributeColumn in
                let n = layer.fields[i].name
                let src = n.hasPrefix("src_") && reserved.contains(String(n.dropFirst(4)).lowercased()) ? String(n.dropFirst(4)) : n
                return AttributeColumn(name: n, sourceName: src, type: layer.fields[i].type)
            }
            try layer.forEach { f in for (k, i) in idx.enumerated() { cols[k].append(f.value(i)) } }
            b.attributes[l.rawValue] = AttributeTable(columns: cols)
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
        try each(.built_up) { _, g in if let g { b.builtUp = MultiPolygon((b.builtUp?.polygons ?? []) + g.polygons.polygons) } }
        try each(.rejects) { f, g in
            b.rejects.append(Reject(layer: s(f, "layer") ?? "", sourceFile: s(f, "source_file") ?? "", sourceLayer: s(f, "source_layer") ?? "",
                                    sourceId: s(f, "source_id") ?? "", reason: s(f, "reason") ?? "", geometry: g))
        }
        do {
            for l in [CanonicalLayer.buildings, .roads, .facilities, .green, .water, .pipes, .population, .zones] { try readAttributes(l) }
        } catch {
            throw PipelineError.input(file: path, layer: nil, message: "\(error)")
        }
        try? ds.close()
        return b
    }
}
