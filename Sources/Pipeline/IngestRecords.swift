import CityModel
import Foundation
import GeoBridge

/// Ingest steps 3 and 4 for one canonical layer: geometry checks (Validation.swift, polygons on all cores) and
/// classification into records (heights, uses, road flags, pipe kinds, facility categories), with duplicates
/// rejected. Records get ids in layer order; each record's kept source attributes are gathered into the layer's
/// `AttributeTable`.
struct RecordBuilder {
    let options: IngestOptions
    let origins: [SourceOrigin]
    /// The config's `categories:` (labels mapped to categories, categories it defines).
    let categories: CategoryTable
    var base = BaseLayer()
    var counts: [String: LayerCount] = [:]
    var nextId: Int64 = 1
    /// Web-map POI type labels that map to no category, with their counts (for the summary).
    var unmappedWebTypes: [String: Int] = [:]
    private var useCache: [String: BuildingUse] = [:]

    init(options: IngestOptions, origins: [SourceOrigin], crs: String, categories: CategoryTable = CategoryTable()) {
        self.options = options
        self.categories = categories
        self.origins = origins
        base.crs = crs
    }

    static let polygonal: Set<String> = ["buildings", "green", "water", "population", "zones", "boundary", "built_up"]

    /// Checks and classifies the (reprojected) features of `layer`; `coordinateErrors` are the reasons of step 2.
    /// `outcomes`: the polygons' validation outcomes when they were already made (`IngestPrefetch`), else they are made here.
    mutating func add(layer: String, _ feats: [RawFeature], coordinateErrors: [String?], outcomes given: [GeometryValidator.Outcome<MultiPolygon>?]? = nil) {
        counts[layer, default: LayerCount()].read += feats.count
        var gather = AttributeGather(layer: layer, feats: feats, origins: origins)
        var seen: [UInt64: String] = [:]
        var outcomes: [GeometryValidator.Outcome<MultiPolygon>?] = []
        if Self.polygonal.contains(layer), let given, given.count == feats.count {
            outcomes = given
        } else if Self.polygonal.contains(layer) {
            outcomes = GeometryValidator.validateAll(feats, skip: coordinateErrors.map { $0 != nil }, repair: options.repairInvalid)
        }
        var validator = GeometryValidator(repair: options.repairInvalid)
        for i in feats.indices {
            let f = feats[i]
            if let err = coordinateErrors[i] { reject(layer, f, err); continue }
            let before = recordCount(layer)
            switch layer {
            case _ where Self.polygonal.contains(layer):
                switch outcomes[i]! {
                case .reject(let r): reject(layer, f, r)
                case .ok(let mp, let repaired):
                    var h = FNV64(); h.add(mp)
                    if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); continue }
                    seen[h.value] = f.sourceId
                    if let reason = addPolygonal(layer, f, mp) { reject(layer, f, reason) } else { accept(layer, repaired: repaired) }
                }
            case "roads", "pipes":
                switch validator.linear(f.geometry, f) {
                case .reject(let r): reject(layer, f, r)
                case .ok(let lines, _):
                    // Several networks share a street's centreline (water, sewer and storm pipes): a pipe is a
                    // duplicate only with the same kind; a road with the same class.
                    var h = FNV64(); h.add(lines); h.add(f.string(layer == "pipes" ? "kind" : "highway") ?? "")
                    if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); continue }
                    seen[h.value] = f.sourceId
                    addLinear(layer, f, lines)
                    accept(layer, repaired: false)
                }
            case "facilities":
                addFacility(f, &validator, &seen)
            default: break
            }
            gather.take(f, times: recordCount(layer) - before)
        }
        if let t = gather.table, layer != "boundary", layer != "built_up" { base.attributes[layer] = t }
    }

    func recordCount(_ layer: String) -> Int {
        switch layer {
        case "buildings": return base.buildings.count
        case "roads": return base.roads.count
        case "facilities": return base.facilities.count
        case "green": return base.green.count
        case "water": return base.water.count
        case "pipes": return base.pipes.count
        case "population": return base.population.count
        case "zones": return base.zones.count
        default: return 0
        }
    }

    mutating func reject(_ layer: String, _ f: RawFeature, _ reason: String) {
        let o = origins[f.origin]
        base.rejects.append(Reject(layer: layer, sourceFile: o.file, sourceLayer: o.layer, sourceId: f.sourceId, reason: reason, geometry: f.geometry))
        counts[layer, default: LayerCount()].rejected += 1
    }

    mutating func accept(_ layer: String, repaired: Bool) {
        counts[layer, default: LayerCount()].accepted += 1
        if repaired { counts[layer, default: LayerCount()].repaired += 1 }
    }

    mutating func use(_ f: RawFeature) -> BuildingUse {
        guard let s = f.string("use") else { return .unknown }
        if let u = useCache[s] { return u }
        let u = UseClassifier.classify(s)
        useCache[s] = u
        return u
    }

    /// Builds a record for polygonal layers; returns a reject reason when attributes make it unusable.
    mutating func addPolygonal(_ layer: String, _ f: RawFeature, _ mp: MultiPolygon) -> String? {
        let opt = options
        switch layer {
        case "buildings":
            var floors: Int? = nil
            if let fl = f.number("floors") {
                if fl < 0 || fl > 300 { return "absurd floor count \(fl)" }
                if fl >= 1 { floors = Int(fl.rounded()) }
            }
            let height: Double, source: HeightSource
            if let h = f.number("height") {
                if !(h > 0) { return "absurd height \(h) m (must be > 0)" }
                if h > opt.maxHeightM { return "absurd height \(h) m (over \(opt.maxHeightM) m)" }
                height = h; source = .measured
            } else if let fl = floors {
                height = Double(fl) * opt.floorHeightM; source = .floors
            } else {
                height = opt.defaultHeightM; source = .default
            }
            let residents = f.number("residents").flatMap { $0 >= 0 ? $0 : nil }
            let year = f.number("year_built").flatMap { $0 > 1000 && $0 < 3000 ? Int($0) : nil }
            base.buildings.append(Building(id: nextId, sourceId: f.sourceId, footprint: mp, heightM: height, heightSource: source,
                                           floors: floors, use: use(f), residents: residents, yearBuilt: year, groundM: f.number("ground")))
        case "green":
            let kind = f.string("kind") ?? "green"
            let isPark = f.attrs["park"].map { v in v.int.map { $0 != 0 } ?? ["yes", "true", "park", "公园"].contains(v.string?.lowercased() ?? "") }
                ?? ["park", "公园", "公园绿地"].contains(kind.lowercased())
            base.green.append(GreenArea(id: nextId, sourceId: f.sourceId, kind: kind, isPark: isPark, name: f.string("name"), area: mp))
        case "water":
            base.water.append(WaterBody(id: nextId, sourceId: f.sourceId, kind: f.string("kind") ?? "water", area: mp))
        case "population":
            guard let v = f.number("value") else { return "no population value" }
            guard v >= 0 else { return "negative population \(v)" }
            base.population.append(PopulationCell(id: nextId, population: v, area: mp))
        case "zones":
            base.zones.append(Zone(id: f.string("id") ?? f.sourceId, name: f.string("name") ?? f.string("id") ?? f.sourceId,
                                   level: f.string("level") ?? "district", area: mp))
        case "boundary":
            base.boundary = MultiPolygon((base.boundary?.polygons ?? []) + mp.polygons)
        case "built_up":
            base.builtUp = MultiPolygon((base.builtUp?.polygons ?? []) + mp.polygons)
        default: break
        }
        nextId += 1
        return nil
    }

    mutating func addLinear(_ layer: String, _ f: RawFeature, _ lines: [LineString]) {
        for l in lines {
            if layer == "roads" {
                let hw = f.string("highway") ?? "road"
                let walk = f.attrs["walkable"]?.int.map { $0 != 0 } ?? Self.footAllowed(f)
                let drive = f.attrs["drivable"]?.int.map { $0 != 0 } ?? !OSMPreset.nonDrivable.contains(hw)
                let oneway = f.attrs["oneway_walk"]?.int.map { $0 != 0 } ?? false
                base.roads.append(Road(id: nextId, sourceId: f.sourceId, line: l, highway: hw, name: f.string("name"),
                                       walkable: walk, drivable: drive, onewayWalk: oneway))
            } else {
                let kind = PipeKind(rawValue: PipeKindClassifier.classify(f.string("kind") ?? "")) ?? .unknown
                var dia = f.number("diameter")
                if let d = dia, d > 20 { dia = d / 1000 } // millimetres
                base.pipes.append(Pipe(id: nextId, sourceId: f.sourceId, kind: kind, line: l, diameterM: dia))
            }
            nextId += 1
        }
    }

    /// Config roads: walkable unless `foot` says no or the class is a motorway/trunk.
    static func footAllowed(_ f: RawFeature) -> Bool {
        if let foot = f.string("foot")?.lowercased(), ["no", "0", "false", "禁止"].contains(foot) { return false }
        if let hw = f.string("highway"), OSMPreset.motorways.contains(hw), f.string("foot")?.lowercased() != "yes" { return false }
        return true
    }

    /// A facility: its category (the configured label, else the web-map POI type or name), its point (a polygon
    /// facility keeps its outline and is placed at the centroid of its largest part).
    mutating func addFacility(_ f: RawFeature, _ validator: inout GeometryValidator, _ seen: inout [UInt64: String]) {
        let layer = "facilities"
        if let r = GeometryValidator.basicCheck(f.geometry, f) { reject(layer, f, r); return }
        let catRaw = f.string("category")
        var cat = catRaw.flatMap { FacilityAliases.category($0, table: categories) }
        let webMap = f.string("amap_typecode") != nil || f.string("amap_type") != nil || f.string("baidu_tag") != nil
        if cat == nil && webMap {
            cat = WebMapPOI.category(amapTypecode: f.string("amap_typecode"), amapType: f.string("amap_type"),
                                     baiduTag: f.string("baidu_tag"), name: f.string("name"))
            if cat == nil {
                let label = WebMapPOI.typeLabel(amapTypecode: f.string("amap_typecode"), amapType: f.string("amap_type"), baiduTag: f.string("baidu_tag")) ?? "?"
                unmappedWebTypes[label, default: 0] += 1
                reject(layer, f, "web-map POI type not mapped to a facility category: \(label)"); return
            }
        }
        guard let cat else {
            reject(layer, f, catRaw.map { "unknown facility category '\($0)'" } ?? "no category"); return
        }
        var geom = f.geometry!
        var area: MultiPolygon? = nil
        if !geom.polygons.polygons.isEmpty {
            switch validator.polygonal(geom, f) {
            case .reject(let r): reject(layer, f, r); return
            case .ok(let mp, _): area = mp; geom = .point(mp.largest?.centroid ?? mp.centroid)
            }
        } else if case .multiPoint(let ps) = geom, let p = ps.first { geom = .point(p) }
        guard case .point(let pt) = geom else { reject(layer, f, "wrong geometry type \(geom.typeName) (expected Point or Polygon)"); return }
        var h = FNV64(); h.add(cat); h.add(point: pt)
        if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); return }
        seen[h.value] = f.sourceId
        base.facilities.append(Facility(id: nextId, sourceId: f.sourceId, category: cat, name: f.string("name"), geometry: area.map { .multiPolygon($0) } ?? geom))
        nextId += 1
        accept(layer, repaired: false)
    }

    /// The boundary is one area: its features (e.g. 713 subcatchments sharing edges) are dissolved, since a
    /// multipolygon whose parts share edges is not valid geometry for overlay or for other tools.
    /// The same holds for the built-up area layer.
    mutating func dissolveBoundary() throws {
        base.boundary = try dissolved(base.boundary, layer: "boundary")
        base.builtUp = try dissolved(base.builtUp, layer: "built_up")
    }

    private func dissolved(_ area: MultiPolygon?, layer: String) throws -> MultiPolygon? {
        guard let bd = area, bd.polygons.count > 1 else { return area }
        let g = GEOSContext()
        do { return try g.unaryUnion(try g.read(.multiPolygon(bd))).geometry().polygons } catch {
            let file = origins.first { $0.layer == layer }?.file ?? origins.first?.file ?? layer
            throw PipelineError.input(file: file, layer: layer, message: "cannot dissolve the \(layer) polygons: \(error)")
        }
    }
}

/// Collects the kept source attributes of the records of one layer: the union of the fields of its sources (by
/// base.gpkg name; a name with different types in two sources becomes real when both are numbers, else string),
/// one row per record.
struct AttributeGather {
    private(set) var table: AttributeTable?
    /// origin → for each output column, the column index in that origin's table (nil: the origin lacks it).
    private var sourceColumns: [Int: [Int?]] = [:]

    init(layer: String, feats: [RawFeature], origins: [SourceOrigin]) {
        var used = Set<Int>()
        for f in feats { used.insert(f.origin) }
        var names: [String] = [], types: [String: FieldType] = [:], sources: [String: String] = [:]
        for o in used.sorted() {
            for c in origins[o].extra.columns {
                if let t = types[c.name] {
                    if t != c.type {
                        let numeric: Set<FieldType> = [.integer, .integer64, .real]
                        types[c.name] = numeric.contains(t) && numeric.contains(c.type) ? (t == .real || c.type == .real ? .real : .integer64) : .string
                    }
                } else {
                    names.append(c.name); types[c.name] = c.type; sources[c.name] = c.sourceName
                }
            }
        }
        guard !names.isEmpty else { return }
        table = AttributeTable(columns: names.map { AttributeColumn(name: $0, sourceName: sources[$0]!, type: types[$0]!) })
        for o in used {
            let cols = origins[o].extra.columns
            sourceColumns[o] = names.map { n in cols.firstIndex { $0.name == n } }
        }
        self.origins = origins
    }

    private var origins: [SourceOrigin] = []

    /// Appends `times` rows for feature `f` (a line feature can make several road records).
    mutating func take(_ f: RawFeature, times: Int) {
        guard times > 0, table != nil, let map = sourceColumns[f.origin] else { return }
        let src = origins[f.origin].extra.columns
        for _ in 0..<times {
            for k in map.indices {
                if let c = map[k], f.row >= 0 { table!.columns[k].append(row: Int(f.row), of: src[c]) } else { table!.columns[k].appendNull() }
            }
        }
    }
}
