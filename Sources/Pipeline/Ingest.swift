import CityModel
import Foundation
import GeoBridge

/// Counts for one canonical layer: accepted + rejected = read.
public struct LayerCount: Sendable, Equatable, Codable {
    public var read = 0, accepted = 0, rejected = 0, repaired = 0
    public init() {}
}

/// What ingest did.
public struct IngestReport: Sendable {
    public var crs: String
    public var counts: [String: LayerCount]
    public var facilityCategories: [String: Int]
    /// How residents were obtained: "population layer", "attribute", "estimated from floor area".
    public var residentsMethod: String
    public var residentsTotal: Double
    /// Population of cells with no building to hold it (reported, not silently dropped).
    public var unassignedPopulation: Double
    /// Warnings and automatic decisions to show the user (encodings assumed, field names recognised, …).
    public var notes: [String]
    public var seconds: Double
}

/// Reads every configured layer, reprojects to the working CRS, validates and writes `base.gpkg`.
public enum Ingest {
    /// Reads and validates everything; returns the base layer in memory (not yet written).
    public static func build(config: CityConfig, progress: Progress) throws -> (BaseLayer, IngestReport) {
        let t0 = Date()
        var origins: [SourceOrigin] = []
        var raw: [String: [RawFeature]] = [:]
        var notes: [String] = []

        // 1. Read sources.
        if config.preset == "osm", let osm = config.osm {
            progress.begin("ingest: reading \((osm as NSString).lastPathComponent)")
            let (o, layers) = try OSMPreset.read(path: config.resolve(osm), originBase: origins.count)
            origins.append(o)
            for (k, v) in layers where config.layers[k] == nil { raw[k, default: []] += v }
        }
        for key in CityConfig.layerKeys {
            guard let spec = config.layers[key] else { continue }
            progress.begin("ingest: reading \(key)")
            let (o, feats) = try SourceReader.read(canonical: key, spec: spec, path: config.resolve(spec.source), originIndex: origins.count, notes: &notes)
            origins.append(o)
            raw[key, default: []] += feats
        }
        for spec in config.facilityList {
            let (o, feats) = try SourceReader.read(canonical: "facilities", spec: spec, path: config.resolve(spec.source), originIndex: origins.count, notes: &notes)
            origins.append(o)
            raw["facilities", default: []] += feats
        }

        // 2. Working CRS.
        for (i, o) in origins.enumerated() where o.crs == nil {
            let layerName = raw.first { $0.value.contains { $0.origin == i } }?.key ?? "?"
            throw PipelineError.input(file: o.file, layer: o.layer, message: "the layer has no CRS: set layers.\(layerName).crs (e.g. EPSG:4490)")
        }
        let centre = try dataCentreLonLat(raw: raw, origins: origins)
        let crs = try WorkingCRS.resolve(config.crs, centreLonLat: centre)

        // 3. Reproject.
        var transformers: [ProjTransformer?] = []
        for o in origins {
            let same = (o.crs == crs)
            if same { transformers.append(nil); continue }
            do { transformers.append(try ProjTransformer(from: o.crs!, to: crs)) } catch let e as GeoBridgeError {
                throw PipelineError.crs(message: "\(o.file) (layer \(o.layer)): cannot transform \(o.crs!) to \(crs): \(e.message)")
            }
        }
        var base = BaseLayer()
        base.crs = crs
        var counts: [String: LayerCount] = [:]
        var validator = GeometryValidator(repair: config.ingest.repairInvalid)
        let total = raw.values.reduce(0) { $0 + $1.count }
        var done = 0
        progress.begin("ingest: validating")

        func reproject(_ f: inout RawFeature) -> String? {
            guard var g = f.geometry, !g.isEmpty, g.isFinite else { return nil }
            let o = origins[f.origin]
            if o.coords != "wgs84" {
                if o.coords == "gcj02" { g = g.mapPoints { ChinaCoords.gcj02ToWGS84($0) } } else { g = g.mapPoints { ChinaCoords.bd09ToWGS84($0) } }
            }
            guard let t = transformers[f.origin] else { f.geometry = g; return nil }
            let pts = g.allPoints
            var xs = pts.map(\.x), ys = pts.map(\.y)
            do { try t.transform(&xs, &ys) } catch { return "cannot reproject: \(error)" }
            var i = 0
            f.geometry = g.mapPoints { _ in defer { i += 1 }; return Vec2(xs[i], ys[i]) }
            return nil
        }
        /// Reprojects a whole layer with one PROJ call per source; a source whose batch fails (some point outside the
        /// CRS's domain) is redone feature by feature so the failing features can be named.
        func reprojectAll(_ feats: inout [RawFeature]) -> [String?] {
            var errors = [String?](repeating: nil, count: feats.count)
            var bySource: [Int: [Int]] = [:]
            for i in feats.indices {
                guard let g = feats[i].geometry, !g.isEmpty, g.isFinite else { continue }
                if origins[feats[i].origin].coords != "wgs84" || transformers[feats[i].origin] == nil {
                    errors[i] = reproject(&feats[i]); continue
                }
                bySource[feats[i].origin, default: []].append(i)
            }
            for (src, idx) in bySource.sorted(by: { $0.key < $1.key }) {
                var xs: [Double] = [], ys: [Double] = []
                for i in idx { for p in feats[i].geometry!.allPoints { xs.append(p.x); ys.append(p.y) } }
                do { try transformers[src]!.transform(&xs, &ys) } catch {
                    for i in idx { errors[i] = reproject(&feats[i]) }
                    continue
                }
                var k = 0
                for i in idx { feats[i].geometry = feats[i].geometry!.mapPoints { _ in defer { k += 1 }; return Vec2(xs[k], ys[k]) } }
            }
            return errors
        }
        func reject(_ layer: String, _ f: RawFeature, _ reason: String) {
            let o = origins[f.origin]
            base.rejects.append(Reject(layer: layer, sourceFile: o.file, sourceLayer: o.layer, sourceId: f.sourceId, reason: reason, geometry: f.geometry))
            counts[layer, default: LayerCount()].rejected += 1
        }
        func accept(_ layer: String, repaired: Bool) {
            counts[layer, default: LayerCount()].accepted += 1
            if repaired { counts[layer, default: LayerCount()].repaired += 1 }
        }

        // 4. Validate and build records, layer by layer in a fixed order.
        var nextId: Int64 = 1
        var unmappedWebTypes: [String: Int] = [:]
        for layer in CityConfig.layerKeys {
            var seen: [UInt64: String] = [:]
            var feats = raw[layer] ?? []
            counts[layer, default: LayerCount()].read = feats.count
            let projErrors = reprojectAll(&feats)
            // Polygon validation (GEOS) runs on all cores, one GEOS context per worker; records are then built in order.
            let polygonal = ["buildings", "green", "water", "population", "zones", "boundary"].contains(layer)
            var outcomes: [GeometryValidator.Outcome<MultiPolygon>?] = []
            if polygonal {
                outcomes = GeometryValidator.validateAll(feats, skip: projErrors.map { $0 != nil }, repair: config.ingest.repairInvalid)
            }
            for i in feats.indices {
                done += 1
                if done % 512 == 0 { progress.update(done, of: total) }
                if let err = projErrors[i] { reject(layer, feats[i], err); continue }
                let f = feats[i]
                switch layer {
                case "buildings", "green", "water", "population", "zones", "boundary":
                    switch outcomes[i]! {
                    case .reject(let r): reject(layer, f, r)
                    case .ok(let mp, let repaired):
                        var h = FNV64(); h.add(WKB.encode(.multiPolygon(mp)))
                        if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); continue }
                        seen[h.value] = f.sourceId
                        if let reason = addPolygonal(layer, f, mp, &base, config.ingest, &nextId) { reject(layer, f, reason) } else { accept(layer, repaired: repaired) }
                    }
                case "roads", "pipes":
                    switch validator.linear(f.geometry, f) {
                    case .reject(let r): reject(layer, f, r)
                    case .ok(let lines, _):
                        // Several networks share a street's centreline (water, sewer and storm pipes): a pipe is a
                        // duplicate only with the same kind; a road with the same class.
                        var h = FNV64(); h.add(WKB.encode(.multiLineString(lines))); h.add(f.string(layer == "pipes" ? "kind" : "highway") ?? "")
                        if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); continue }
                        seen[h.value] = f.sourceId
                        addLinear(layer, f, lines, &base, &nextId)
                        accept(layer, repaired: false)
                    }
                case "facilities":
                    if let r = GeometryValidator.basicCheck(f.geometry, f) { reject(layer, f, r); continue }
                    let catRaw = f.string("category")
                    var cat = catRaw.flatMap { FacilityAliases.category($0, table: config.categories) }
                    let webMap = f.string("amap_typecode") != nil || f.string("amap_type") != nil || f.string("baidu_tag") != nil
                    if cat == nil && webMap {
                        cat = WebMapPOI.category(amapTypecode: f.string("amap_typecode"), amapType: f.string("amap_type"),
                                                 baiduTag: f.string("baidu_tag"), name: f.string("name"))
                        if cat == nil {
                            let label = WebMapPOI.typeLabel(amapTypecode: f.string("amap_typecode"), amapType: f.string("amap_type"), baiduTag: f.string("baidu_tag")) ?? "?"
                            unmappedWebTypes[label, default: 0] += 1
                            reject(layer, f, "web-map POI type not mapped to a facility category: \(label)"); continue
                        }
                    }
                    guard let cat else {
                        reject(layer, f, catRaw.map { "unknown facility category '\($0)'" } ?? "no category"); continue
                    }
                    var geom = f.geometry!
                    var area: MultiPolygon? = nil
                    if !geom.polygons.polygons.isEmpty {
                        switch validator.polygonal(geom, f) {
                        case .reject(let r): reject(layer, f, r); continue
                        case .ok(let mp, _): area = mp; geom = .point(mp.largest?.centroid ?? mp.centroid)
                        }
                    } else if case .multiPoint(let ps) = geom, let p = ps.first { geom = .point(p) }
                    guard case .point = geom else { reject(layer, f, "wrong geometry type \(geom.typeName) (expected Point or Polygon)"); continue }
                    var h = FNV64(); h.add(cat); h.add(WKB.encode(geom))
                    if let first = seen[h.value] { reject(layer, f, "duplicate of \(first)"); continue }
                    seen[h.value] = f.sourceId
                    base.facilities.append(Facility(id: nextId, sourceId: f.sourceId, category: cat, name: f.string("name"), geometry: area.map { .multiPolygon($0) } ?? geom))
                    nextId += 1
                    accept(layer, repaired: false)
                default: break
                }
            }
            raw[layer] = nil // free as we go
        }
        progress.end()
        if !unmappedWebTypes.isEmpty {
            let total = unmappedWebTypes.values.reduce(0, +)
            let list = unmappedWebTypes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(12)
                .map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
            notes.append("facilities: \(total) web-map POIs of \(unmappedWebTypes.count) unmapped types → rejects: \(list)")
        }
        if let n = FacilityAliases.unknownLabelNote(rejects: base.rejects) { notes.append(n) }

        // The boundary is one area: its features (e.g. 713 subcatchments sharing edges) are dissolved, since a
        // multipolygon whose parts share edges is not valid geometry for overlay or for other tools.
        if let bd = base.boundary, bd.polygons.count > 1 {
            let g = GEOSContext()
            do { base.boundary = try g.unaryUnion(try g.read(.multiPolygon(bd))).geometry().polygons } catch {
                throw PipelineError.input(file: origins.first?.file ?? "boundary", layer: "boundary", message: "cannot dissolve the boundary polygons: \(error)")
            }
        }

        // 5. Residents.
        let (method, unassigned) = assignResidents(&base, config.ingest)
        var cats: [String: Int] = [:]
        for f in base.facilities { cats[f.category, default: 0] += 1 }
        let report = IngestReport(crs: crs, counts: counts, facilityCategories: cats, residentsMethod: method,
                                  residentsTotal: base.buildings.reduce(0) { $0 + ($1.residents ?? 0) },
                                  unassignedPopulation: unassigned, notes: notes, seconds: Date().timeIntervalSince(t0))
        return (base, report)
    }

    /// Builds a record for polygonal layers; returns a reject reason when attributes make it unusable.
    static func addPolygonal(_ layer: String, _ f: RawFeature, _ mp: MultiPolygon, _ base: inout BaseLayer, _ opt: IngestOptions, _ nextId: inout Int64) -> String? {
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
            let use = f.string("use").map(UseClassifier.classify) ?? .unknown
            let residents = f.number("residents").flatMap { $0 >= 0 ? $0 : nil }
            let year = f.number("year_built").flatMap { $0 > 1000 && $0 < 3000 ? Int($0) : nil }
            base.buildings.append(Building(id: nextId, sourceId: f.sourceId, footprint: mp, heightM: height, heightSource: source,
                                           floors: floors, use: use, residents: residents, yearBuilt: year, groundM: f.number("ground")))
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
        default: break
        }
        nextId += 1
        return nil
    }

    static func addLinear(_ layer: String, _ f: RawFeature, _ lines: [LineString], _ base: inout BaseLayer, _ nextId: inout Int64) {
        for l in lines {
            if layer == "roads" {
                let hw = f.string("highway") ?? "road"
                let walk = f.attrs["walkable"]?.int.map { $0 != 0 } ?? footAllowed(f)
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

    /// Longitude/latitude of the centre of the data (buildings first, else roads, else anything).
    static func dataCentreLonLat(raw: [String: [RawFeature]], origins: [SourceOrigin]) throws -> Vec2? {
        for layer in ["buildings", "roads", "facilities", "boundary", "zones", "green", "population"] {
            guard let feats = raw[layer], !feats.isEmpty else { continue }
            var bb = BBox.empty
            var origin = feats[0].origin
            for f in feats where f.geometry != nil && f.geometry!.isFinite && !f.geometry!.isEmpty {
                bb = bb.union(f.geometry!.bbox); origin = f.origin
            }
            if bb.isEmpty { continue }
            guard let crs = origins[origin].crs else { return nil }
            if crs == "EPSG:4326" || crs == "EPSG:4490" || crs == "OGC:CRS84" { return bb.center }
            do {
                let t = try ProjTransformer(from: crs, to: "EPSG:4326")
                return try t.transform(bb.center)
            } catch {
                throw PipelineError.crs(message: "\(origins[origin].file): cannot find the data's longitude/latitude from \(crs): \(error)")
            }
        }
        return nil
    }

    /// Fills `residents`: given values are kept; else from a population layer (dasymetric by residential floor area),
    /// else estimated as residential floor area ÷ m² per resident.
    static func assignResidents(_ base: inout BaseLayer, _ opt: IngestOptions) -> (String, Double) {
        func candidate(_ b: Building, allowUnknown: Bool) -> Bool {
            b.use.isResidential || (allowUnknown && b.use == .unknown)
        }
        if base.buildings.contains(where: { $0.residents != nil }) && base.population.isEmpty {
            for i in base.buildings.indices where base.buildings[i].residents == nil { base.buildings[i].residents = 0 }
            return ("attribute", 0)
        }
        if !base.population.isEmpty {
            // Index building centroids on a grid for the point-in-cell search.
            let index = PointGrid(points: base.buildings.map { $0.footprint.centroid }, cell: 100)
            // Buildings with a residents attribute keep it; a cell's remaining residents go to the others.
            var residents = base.buildings.map { $0.residents ?? 0 }
            var unassigned = 0.0
            for cell in base.population where cell.population > 0 {
                let all = index.query(cell.area.bbox).filter { cell.area.contains(base.buildings[$0].footprint.centroid) }
                let given = all.reduce(0.0) { $0 + (base.buildings[$1].residents ?? 0) }
                let remaining = cell.population - given
                let inside = all.filter { base.buildings[$0].residents == nil }
                if remaining <= 1e-9 { continue }
                var chosen = inside.filter { candidate(base.buildings[$0], allowUnknown: false) }
                if chosen.isEmpty { chosen = inside.filter { candidate(base.buildings[$0], allowUnknown: true) } }
                if chosen.isEmpty { chosen = inside }
                let weights = chosen.map { base.buildings[$0].floorArea(floorHeight: opt.floorHeightM) }
                let w = weights.reduce(0, +)
                if chosen.isEmpty || w <= 0 { unassigned += remaining; continue }
                for (k, i) in chosen.enumerated() { residents[i] += remaining * weights[k] / w }
            }
            let given = base.buildings.contains { $0.residents != nil }
            for i in base.buildings.indices { base.buildings[i].residents = residents[i] }
            return (given ? "attribute, and population layer for the rest (by residential floor area)" : "population layer (by residential floor area)", unassigned)
        }
        for i in base.buildings.indices {
            let b = base.buildings[i]
            let r = candidate(b, allowUnknown: opt.unknownUseIsResidential) ? b.floorArea(floorHeight: opt.floorHeightM) / opt.m2PerResident : 0
            base.buildings[i].residents = r
        }
        return ("estimated from residential floor area (\(opt.m2PerResident) m²/resident)", 0)
    }

    /// Reads, validates and writes `DIR/base.gpkg` atomically; prints the summary.
    @discardableResult
    public static func run(config: CityConfig, outDir: String, progress: Progress) throws -> (BaseLayer, IngestReport) {
        let (base, report) = try build(config: config, progress: progress)
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        progress.begin("ingest: writing base.gpkg")
        try BaseLayerIO.write(base, to: (outDir as NSString).appendingPathComponent("base.gpkg"), config: config)
        progress.end()
        for n in report.notes {
            if n.hasPrefix("warning: ") { FileHandle.standardError.write((n + "\n").data(using: .utf8)!) }
        }
        say(summary(report))
        return (base, report)
    }

    static func summary(_ r: IngestReport) -> String {
        var parts: [String] = []
        for l in CityConfig.layerKeys {
            guard let c = r.counts[l], c.read > 0 else { continue }
            var s = "\(l) \(c.accepted.grouped)"
            var extra: [String] = []
            if c.repaired > 0 { extra.append("\(c.repaired) repaired") }
            if c.rejected > 0 { extra.append("\(c.rejected) rejected") }
            if !extra.isEmpty { s += " (\(extra.joined(separator: ", ")))" }
            parts.append(s)
        }
        let rej = r.counts.values.reduce(0) { $0 + $1.rejected }
        let cats = r.facilityCategories.count
        var line = "ingest      " + parts.joined(separator: " · ")
        line += " · \(cats) facility categories · residents \(Int(r.residentsTotal.rounded()).grouped) (\(r.residentsMethod))"
        if r.unassignedPopulation > 0 { line += " · \(Int(r.unassignedPopulation.rounded()).grouped) population in cells without buildings" }
        if rej > 0 { line += " · \(rej) rejects → rejects layer" }
        for n in r.notes where !n.hasPrefix("warning: ") { line += "\n            \(n)" }
        line += " · CRS \(r.crs)  " + String(format: "%.1f s", r.seconds)
        return line
    }
}

/// Points bucketed on a square grid, for bbox queries.
struct PointGrid {
    let cell: Double
    let origin: Vec2
    let cols: Int, rows: Int
    var start: [Int32] = []
    var items: [Int32] = []

    init(points: [Vec2], cell: Double) {
        self.cell = cell
        let bb = BBox(points: points.filter { $0.x.isFinite && $0.y.isFinite })
        origin = bb.isEmpty ? .zero : Vec2(bb.minX, bb.minY)
        cols = bb.isEmpty ? 1 : max(1, Int(bb.width / cell) + 1)
        rows = bb.isEmpty ? 1 : max(1, Int(bb.height / cell) + 1)
        var counts = [Int32](repeating: 0, count: cols * rows + 1)
        let keys = points.map { key($0) }
        for k in keys where k >= 0 { counts[k + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        start = counts
        items = [Int32](repeating: 0, count: Int(counts.last!))
        var fill = counts
        for (i, k) in keys.enumerated() where k >= 0 { items[Int(fill[k])] = Int32(i); fill[k] += 1 }
    }

    func key(_ p: Vec2) -> Int {
        guard p.x.isFinite, p.y.isFinite else { return -1 }
        let c = Int((p.x - origin.x) / cell), r = Int((p.y - origin.y) / cell)
        guard c >= 0, r >= 0, c < cols, r < rows else { return -1 }
        return r * cols + c
    }

    func query(_ bb: BBox) -> [Int] {
        let c0 = max(0, Int(((bb.minX - origin.x) / cell).rounded(.down))), c1 = min(cols - 1, Int(((bb.maxX - origin.x) / cell).rounded(.down)))
        let r0 = max(0, Int(((bb.minY - origin.y) / cell).rounded(.down))), r1 = min(rows - 1, Int(((bb.maxY - origin.y) / cell).rounded(.down)))
        guard c0 <= c1, r0 <= r1 else { return [] }
        var out: [Int] = []
        for r in r0...r1 { for c in c0...c1 { let k = r * cols + c; for j in start[k]..<start[k + 1] { out.append(Int(items[Int(j)])) } } }
        return out
    }
}
