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

    /// Number of records behind layer `l` (`row` of each index gives its row, or nil when the record has none there).
    static func rowCount(_ l: CanonicalLayer, _ b: BaseLayer) -> Int {
        switch l {
        case .buildings: return b.buildings.count
        case .roads: return b.roads.count
        case .facilities, .facility_areas: return b.facilities.count
        case .green: return b.green.count
        case .water: return b.water.count
        case .pipes: return b.pipes.count
        case .population: return b.population.count
        case .zones: return b.zones.count
        case .boundary: return b.boundary == nil ? 0 : 1
        case .built_up: return b.builtUp == nil ? 0 : 1
        case .rejects: return b.rejects.count
        }
    }

    /// Row `i` of layer `l` (canonical values, then the kept attributes); nil when record `i` has no row in `l` (a
    /// point facility in facility_areas). Pure: rows of different indices can be made on different threads.
    static func row(_ l: CanonicalLayer, _ b: BaseLayer, floorHeight: Double, _ i: Int) -> FeatureRow? {
        let attrs = b.attributes[l == .facility_areas ? "" : l.rawValue]
        func extra(_ v: [FieldValue]) -> [FieldValue] {
            guard let t = attrs, !t.columns.isEmpty else { return v }
            var out = v
            out.reserveCapacity(v.count + t.columns.count)
            for c in t.columns { out.append(c.value(i)) }
            return out
        }
        switch l {
        case .buildings:
            let x = b.buildings[i]
            return FeatureRow(geometry: .multiPolygon(x.footprint), values: extra([.int(x.id), .string(x.sourceId), .real(x.heightM), .string(x.heightSource.rawValue),
                                                  opt(x.floors), .string(x.use.rawValue), opt(x.residents), opt(x.yearBuilt), opt(x.groundM), .string(x.groundSource.rawValue),
                                                  .real(x.footprint.area), .real(x.floorArea(floorHeight: floorHeight))]))
        case .roads:
            let x = b.roads[i]
            return FeatureRow(geometry: .lineString(x.line), values: extra([.int(x.id), .string(x.sourceId), .string(x.highway), opt(x.name), .int(x.walkable ? 1 : 0),
                                                                             .int(x.drivable ? 1 : 0), .int(x.onewayWalk ? 1 : 0), .real(x.line.length)]))
        case .facilities:
            let x = b.facilities[i]
            let mp = x.geometry.polygons
            let pt: Vec2 = mp.polygons.isEmpty ? x.geometry.representativePoint : (mp.largest?.centroid ?? mp.centroid)
            return FeatureRow(geometry: .point(pt), values: extra([.int(x.id), .string(x.sourceId), .string(x.category), opt(x.name), .string(mp.polygons.isEmpty ? "Point" : "Polygon")]))
        case .facility_areas:
            let x = b.facilities[i]
            let mp = x.geometry.polygons
            return mp.polygons.isEmpty ? nil : FeatureRow(geometry: .multiPolygon(mp), values: [.int(x.id), .string(x.category), .real(mp.area)])
        case .green:
            let x = b.green[i]
            return FeatureRow(geometry: .multiPolygon(x.area), values: extra([.int(x.id), .string(x.sourceId), .string(x.kind), .int(x.isPark ? 1 : 0), opt(x.name), .real(x.area.area)]))
        case .water:
            let x = b.water[i]
            return FeatureRow(geometry: .multiPolygon(x.area), values: extra([.int(x.id), .string(x.sourceId), .string(x.kind), .real(x.area.area)]))
        case .pipes:
            let x = b.pipes[i]
            return FeatureRow(geometry: .lineString(x.line), values: extra([.int(x.id), .string(x.sourceId), .string(x.kind.rawValue), opt(x.diameterM), .real(x.line.length)]))
        case .population:
            let x = b.population[i]
            return FeatureRow(geometry: .multiPolygon(x.area), values: extra([.int(x.id), .real(x.population)]))
        case .zones:
            let x = b.zones[i]
            return FeatureRow(geometry: .multiPolygon(x.area), values: extra([.string(x.id), .string(x.name), .string(x.level), .real(x.area.area)]))
        case .boundary:
            return b.boundary.map { FeatureRow(geometry: .multiPolygon($0), values: [.string("boundary"), .real($0.area)]) }
        case .built_up:
            return b.builtUp.map { FeatureRow(geometry: .multiPolygon($0), values: [.string("built_up"), .real($0.area)]) }
        case .rejects:
            let x = b.rejects[i]
            return FeatureRow(geometry: x.geometry, values: [.string(x.layer), .string(x.sourceFile), .string(x.sourceLayer), .string(x.sourceId), .string(x.reason)])
        }
    }

    /// Calls `body` for every row of layer `l` (canonical values, then the kept attributes), in record order.
    static func rows(_ l: CanonicalLayer, _ b: BaseLayer, floorHeight: Double, _ body: (Geometry?, [FieldValue]) throws -> Void) rethrows {
        for i in 0..<rowCount(l, b) {
            if let r = row(l, b, floorHeight: floorHeight, i) { try body(r.geometry, r.values) }
        }
    }

    /// Calls `body` for every row of layer `l` in record order, the rows made `chunk` at a time on all cores.
    static func rowsParallel(_ l: CanonicalLayer, _ b: BaseLayer, floorHeight: Double, chunk: Int = 4096, _ body: (FeatureRow) throws -> Void) throws {
        let n = rowCount(l, b)
        let workers = n < 1_024 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        var lo = 0
        while lo < n {
            let hi = min(n, lo + chunk), start = lo
            var out = [FeatureRow?](repeating: nil, count: hi - lo)
            out.withUnsafeMutableBufferPointer { ob in
                nonisolated(unsafe) let o = ob
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let m = hi - start
                    for k in (m * w / workers)..<(m * (w + 1) / workers) { o[k] = row(l, b, floorHeight: floorHeight, start + k) }
                }
            }
            for r in out { if let r { try body(r) } }
            lo = hi
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
            // Every layer is created up front in one GDAL session, then filled through one SQLite connection.
            try w.declare(written.map { schema($0, b) })
            for l in written {
                try w.begin(schema(l, b))
                try rowsParallel(l, b, floorHeight: floorHeight) { try w.write($0) }
                try w.end()
            }
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// Reads a base.gpkg written by `write`.
    public static func read(path: String) throws -> BaseLayer { try read(path: path, within: nil).base }

    /// A base layer read within a box (`read(path:within:)`): per windowed layer, the index in the whole layer of each
    /// feature read (ascending).
    public struct Window {
        public var box: BBox
        public var buildings: [Int]
        public var pipes: [Int]
        public var population: [Int]
    }

    /// Whether `read` takes the rows straight from SQLite (`VectorLayer.forEachDirect`; at 1M buildings 2–3× faster
    /// than OGR's features). Off (tests, or CIMBASE_BASE_OGR_READ=1) it reads through OGR, the twin it is tested against.
    nonisolated(unsafe) static var directRead = ProcessInfo.processInfo.environment["CIMBASE_BASE_OGR_READ"] == nil

    /// The layers `read(path:within:)` reads only near the box: the large ones. The others are read whole.
    static let windowed: Set<CanonicalLayer> = [.buildings, .pipes, .population]

    /// Reads base.gpkg; with `within`, only the buildings, pipes and population cells whose bounding box meets the box
    /// (the GeoPackage R-tree answers it), in the whole layer's order, with their index in the whole layer (fid − 1:
    /// `write` numbers the rows 1…n; a file whose fids are not 1…n is read whole, `Window` nil).
    public static func read(path: String, within: BBox?) throws -> (base: BaseLayer, window: Window?) {
        guard FileManager.default.fileExists(atPath: path) else { throw PipelineError.input(file: path, layer: nil, message: "base layer not found: run `cimbase ingest` first") }
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
        var box = within
        // Per windowed layer, the SQL selecting the fids whose R-tree box meets the window (the R-tree holds each
        // feature's box rounded outwards to 32-bit floats, so it is a superset; the exact box test follows). OGR's own
        // spatial filter is not used: it also drops features whose box meets the window but whose geometry does not.
        var rtreeFilter: [CanonicalLayer: String] = [:]
        if let w = box {
            func g(_ v: Double) -> String { "\(v)" }
            for l in windowed {
                let r = try? ds.query("SELECT MIN(fid), MAX(fid), COUNT(*) FROM \"\(l.rawValue)\"")
                let v = r?.first.map { $0.map(\.int) } ?? []
                let col = (try? ds.query("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = '\(l.rawValue)'"))?.first?.first?.string
                let rtree = col.map { "rtree_\(l.rawValue)_\($0)" }
                let hasTree = rtree.flatMap { t in (try? ds.query("SELECT COUNT(*) FROM sqlite_master WHERE name = '\(t)'"))?.first?.first?.int } == 1
                if v.count != 3 || !(v[2] == 0 || (v[0] == 1 && v[1] == v[2])) || !hasTree { box = nil; break }
                rtreeFilter[l] = "fid IN (SELECT id FROM \"\(rtree!)\" WHERE maxx >= \(g(w.minX)) AND minx <= \(g(w.maxX)) AND maxy >= \(g(w.minY)) AND miny <= \(g(w.maxY)))"
            }
        }
        func meets(_ g: Geometry?) -> Bool {
            guard let w = box, let bb = g?.bbox, !bb.isEmpty else { return false }
            return bb.minX <= w.maxX && bb.maxX >= w.minX && bb.minY <= w.maxY && bb.maxY >= w.minY
        }
        var b = BaseLayer()
        var fids: [CanonicalLayer: [Int64]] = [:]
        func each(_ l: CanonicalLayer, _ body: (Feature, Geometry?) throws -> Void) throws {
            do {
                let layer = try ds.layer(l.rawValue)
                if l == .buildings { b.crs = layer.spatialReference?.authorityCode ?? "" }
                if box != nil, let filter = rtreeFilter[l] {
                    var ids: [Int64] = []
                    func keep(_ f: Feature) throws {
                        let g = try f.geometry()
                        if meets(g) { ids.append(f.fid); try body(f, g) }
                    }
                    let done = directRead ? try layer.forEachDirect(where: filter, keep) : false
                    if !done {
                        try layer.setAttributeFilter(filter)
                        try layer.forEach(keep)
                        try layer.setAttributeFilter(nil)
                    }
                    fids[l] = ids
                } else {
                    func all(_ f: Feature) throws { try body(f, try f.geometry()) }
                    let done = directRead ? try layer.forEachDirect(all) : false
                    if !done { try layer.forEach(all) }
                }
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
            if box != nil, let filter = rtreeFilter[l] {
                // The same features as the geometry pass, put in the same (fid) order below.
                let keep = Set(fids[l] ?? [])
                var rows: [(Int64, [FieldValue])] = []
                func take(_ f: Feature) { if keep.contains(f.fid) { rows.append((f.fid, idx.map { f.value($0) })) } }
                let done = directRead ? try layer.forEachDirect(where: filter, geometry: false, take) : false
                if !done {
                    try layer.setAttributeFilter(filter)
                    try layer.forEach(take)
                    try layer.setAttributeFilter(nil)
                }
                rows.sort { $0.0 < $1.0 }
                guard rows.map(\.0) == (fids[l] ?? []).sorted() else {
                    throw PipelineError.input(file: path, layer: l.rawValue, message: "the layer changed while it was read")
                }
                for r in rows { for k in cols.indices { cols[k].append(r.1[k]) } }
            } else {
                func take(_ f: Feature) { for (k, i) in idx.enumerated() { cols[k].append(f.value(i)) } }
                let done = directRead ? try layer.forEachDirect(geometry: false, take) : false
                if !done { try layer.forEach(take) }
            }
            b.attributes[l.rawValue] = AttributeTable(columns: cols)
        }
        /// Features of a windowed layer in fid order (the R-tree query returns them in its own order).
        func inFidOrder<T>(_ l: CanonicalLayer, _ xs: [T]) -> ([T], [Int]) {
            guard let f = fids[l] else { return (xs, []) }
            let order = f.indices.sorted { f[$0] < f[$1] }
            return (order.map { xs[$0] }, order.map { Int(f[$0]) - 1 })
        }
        func s(_ f: Feature, _ k: String) -> String? { f.value(k).string }
        func d(_ f: Feature, _ k: String) -> Double? { f.value(k).real }
        func i(_ f: Feature, _ k: String) -> Int64? { f.value(k).int }
        try each(.buildings) { f, g in
            b.buildings.append(Building(id: i(f, "id") ?? 0, sourceId: s(f, "source_id") ?? "", footprint: g?.polygons ?? MultiPolygon([]),
                                        heightM: d(f, "height_m") ?? 0, heightSource: HeightSource(rawValue: s(f, "height_source") ?? "") ?? .default,
                                        floors: i(f, "floors").map { Int($0) }, use: BuildingUse(rawValue: s(f, "use") ?? "") ?? .unknown,
                                        residents: d(f, "residents"), yearBuilt: i(f, "year_built").map { Int($0) }, groundM: d(f, "ground_m"),
                                        groundSource: s(f, "ground_source").flatMap { GroundSource(rawValue: $0) }))
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
        var window: Window? = nil
        if let box {
            let (bs, bi) = inFidOrder(.buildings, b.buildings), (ps, pi) = inFidOrder(.pipes, b.pipes), (cs, ci) = inFidOrder(.population, b.population)
            b.buildings = bs; b.pipes = ps; b.population = cs
            window = Window(box: box, buildings: bi, pipes: pi, population: ci)
        }
        do {
            for l in [CanonicalLayer.buildings, .roads, .facilities, .green, .water, .pipes, .population, .zones] { try readAttributes(l) }
        } catch let e as PipelineError { throw e } catch {
            throw PipelineError.input(file: path, layer: nil, message: "\(error)")
        }
        try? ds.close()
        return (b, window)
    }
}
