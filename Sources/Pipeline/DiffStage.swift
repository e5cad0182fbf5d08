import CityModel
import Foundation
import GeoBridge
import Indicators
import Scoring

/// `cimbase diff OLD NEW --out DIR`: what changed between two versions of a city's base layer (版本比对与差异分析).
///
/// Buildings (and roads, facilities, green) are matched by `source_id` where it is stable (occurs once in each
/// version), the rest by geometry: polygons by footprint IoU ≥ `iouThreshold` (0.5), lines and points within
/// `toleranceM` (1 m). A matched pair is changed when a vertex moved more than `toleranceM` (so survey jitter of
/// 0.5 m is no change), or height (beyond 0.1 m), floors or use differ. Writes `diff.gpkg` (`added`, `removed`,
/// `changed` buildings with old and new values; `roads_*`, `facilities_*`, `green_*`; `summary`), `summary.csv` and
/// `diff.html` (the "what changed since last year" section with a map).
public enum DiffStage {
    /// A version of the base layer: a run folder (base.gpkg, indicators.csv) or a PostGIS schema and year
    /// (`PG:…#schema/year`, as `cimbase publish` wrote it).
    public enum Side: Sendable, Equatable {
        case folder(String)
        case postgis(connection: String, schema: String, year: Int)

        /// Parses a command-line argument: `PG:…#schema/year` or a folder.
        public static func parse(_ s: String) throws -> Side {
            guard PGConnectionString.isPostgres(s) else { return .folder(s) }
            guard let hash = s.lastIndex(of: "#") else {
                throw PipelineError.usage("\(PGConnectionString.mask(s)): name the published version as PG:…#schema/year")
            }
            let conn = String(s[..<hash]), tail = s[s.index(after: hash)...]
            let parts = tail.split(separator: "/")
            guard parts.count == 2, let y = Int(parts[1]), (1900...2200).contains(y) else {
                throw PipelineError.usage("\(PGConnectionString.mask(s)): after # give schema/year, e.g. #ganzhou/2024")
            }
            try PublishStage.checkSchema(String(parts[0]), key: "diff")
            return .postgis(connection: conn, schema: String(parts[0]), year: y)
        }

        /// For messages (password masked).
        public var display: String {
            switch self {
            case .folder(let p): return p
            case .postgis(let c, let s, let y): return "\(PGConnectionString.mask(c))#\(s)/\(y)"
            }
        }
    }

    /// A compared layer: its name, compared attributes, and how its geometries match.
    struct LayerSpec {
        var layer: String
        /// Output prefix ("" for buildings: `added`, `removed`, `changed`).
        var prefix: String
        var attributes: [String]
        var polygonal: Bool
        /// Field giving `DiffFeature.group`.
        var groupField: String
    }

    static let specs = [
        LayerSpec(layer: "buildings", prefix: "", attributes: ["height_m", "floors", "use"], polygonal: true, groupField: "use"),
        LayerSpec(layer: "roads", prefix: "roads_", attributes: ["highway", "name"], polygonal: false, groupField: "highway"),
        LayerSpec(layer: "facilities", prefix: "facilities_", attributes: ["category", "name"], polygonal: false, groupField: "category"),
        LayerSpec(layer: "green", prefix: "green_", attributes: ["kind", "is_park"], polygonal: true, groupField: "kind"),
    ]

    /// One layer's result.
    public struct LayerDiff: Sendable {
        public var layer: String
        public var old: [DiffFeature]
        public var new: [DiffFeature]
        public var pairs: [DiffPair]
        public var removed: [Int]
        public var added: [Int]
        public var changed: [DiffPair] { pairs.filter { !$0.changes.isEmpty } }
        /// Pairs matched by geometry (no stable key).
        public var matchedByGeometry: Int { pairs.filter { !$0.byKey }.count }
    }

    /// The whole comparison.
    public struct Result: Sendable {
        public var layers: [LayerDiff]
        /// (zone_id, zone_name, indicator, old, new) for rows in both indicator tables.
        public var indicators: [(String, String, String, Double?, Double?)]
        public var crs: String
        public var seconds: Double
        public func layer(_ name: String) -> LayerDiff? { layers.first { $0.layer == name } }
        public var summary: String {
            let b = layer("buildings")
            var s = "diff        buildings +\(b?.added.count ?? 0) −\(b?.removed.count ?? 0) ~\(b?.changed.count ?? 0)"
            for l in layers where l.layer != "buildings" { s += " · \(l.layer) +\(l.added.count) −\(l.removed.count) ~\(l.changed.count)" }
            return s + " · \(indicators.count) indicator rows" + String(format: "  %.1f s", seconds)
        }
    }

    /// Reads one layer of a side as features.
    static func read(_ side: Side, _ spec: LayerSpec) throws -> ([DiffFeature], String) {
        let (path, name): (String, String)
        switch side {
        case .folder(let d): (path, name) = ((d as NSString).appendingPathComponent("base.gpkg"), spec.layer)
        case .postgis(let c, let s, let y): (path, name) = (c, "\(s).\(spec.layer)_\(y)")
        }
        if case .folder = side, !FileManager.default.fileExists(atPath: path) {
            throw PipelineError.input(file: path, layer: nil, message: "base layer not found (give a run folder or PG:…#schema/year)")
        }
        do {
            let layer = try VectorDataset(path: path).layer(name)
            let crs = layer.spatialReference?.authorityCode ?? ""
            let idx = spec.attributes.map { a in layer.fields.firstIndex { $0.name == a } }
            let idI = layer.fields.firstIndex { $0.name == "id" }, keyI = layer.fields.firstIndex { $0.name == "source_id" }
            let faI = layer.fields.firstIndex { $0.name == "floor_area_m2" }, gI = layer.fields.firstIndex { $0.name == spec.groupField }
            var out: [DiffFeature] = []
            try layer.forEach { f in
                guard let g = try f.geometry() else { return }
                let vals = idx.map { $0.map { f.value($0) } ?? .null }
                out.append(DiffFeature(id: idI.flatMap { f.value($0).int } ?? f.fid, key: keyI.flatMap { f.value($0).string } ?? "",
                                       geometry: g, values: vals, floorArea: faI.flatMap { f.value($0).real } ?? 0,
                                       group: gI.flatMap { i -> String? in let v = f.value(i); return v.string ?? v.int.map { String($0) } } ?? ""))
            }
            return (out, crs)
        } catch let e as PipelineError { throw e } catch {
            throw PipelineError.input(file: PGConnectionString.mask(path), layer: name, message: "\(error)")
        }
    }

    /// Indicator rows of a side (zone, indicator → row), empty when it has none.
    static func indicators(_ side: Side) throws -> [String: IndicatorRow] {
        var rows: [IndicatorRow] = []
        switch side {
        case .folder(let d):
            let p = (d as NSString).appendingPathComponent("indicators.csv")
            guard FileManager.default.fileExists(atPath: p) else { return [:] }
            do { rows = try IndicatorTable.read(at: URL(fileURLWithPath: p)).rows } catch { throw PipelineError.input(file: p, layer: nil, message: "\(error)") }
        case .postgis(let c, let s, let y):
            let db: PostGISDatabase
            do { db = try PostGISDatabase(connection: c) } catch { throw PipelineError.input(file: PGConnectionString.mask(c), layer: nil, message: "\(error)") }
            let exists = try db.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(PostGISDatabase.literal(s)) AND c.relname = 'indicators'")
            if exists.isEmpty { return [:] }
            for r in try db.query("SELECT zone_id, zone_name, indicator, value::text FROM \(PostGISDatabase.identifier(s)).indicators WHERE year = \(y)") {
                rows.append(IndicatorRow(city: "", year: y, zoneID: r[0] ?? "", zoneName: r[1] ?? "", indicator: r[2] ?? "",
                                         nameZh: "", nameEn: "", value: r[3].flatMap(Double.init), unit: "", direction: .none))
            }
        }
        var out: [String: IndicatorRow] = [:]
        for r in rows { out[r.zoneID + "\u{1F}" + r.indicator] = r }
        return out
    }

    /// Compares two versions.
    public static func compare(old: Side, new: Side, options: DiffMatchOptions = DiffMatchOptions(), progress: Progress) throws -> Result {
        let t0 = Date()
        var layers: [LayerDiff] = []
        var crs = ""
        for spec in specs {
            progress.begin("diff: reading \(spec.layer)")
            // The two versions are read at the same time (two datasets, one thread each).
            let sides = [old, new]
            let got = ReadResults()
            DispatchQueue.concurrentPerform(iterations: 2) { k in got.set(k, Swift.Result { try read(sides[k], spec) }) }
            let (a, ca) = try got.get(0)
            let (b, cb) = try got.get(1)
            if spec.layer == "buildings" {
                crs = cb
                if !ca.isEmpty, !cb.isEmpty, ca != cb { throw PipelineError.usage("diff: the versions are in different CRSs (\(ca), \(cb)): compare base layers of one working CRS") }
            }
            progress.begin("diff: matching \(spec.layer)")
            let ops = GEOSGeometryOps()
            let grow = spec.polygonal ? 0 : options.toleranceM
            let m = try DiffMatcher.match(old: a, new: b, grow: grow) { x, y in
                if spec.polygonal {
                    let pa = x.geometry.polygons, pb = y.geometry.polygons
                    let inter = try ops.intersection(pa, pb).area
                    let union = pa.area + pb.area - inter
                    guard union > 0 else { return nil }
                    let iou = inter / union
                    return iou >= options.iouThreshold ? iou : nil
                }
                // Lines and points: same kind of feature (category / highway) within the tolerance.
                guard x.group == y.group else { return nil }
                let d = DiffMatcher.vertexDistance(x.geometry, y.geometry)
                return d <= options.toleranceM ? 1 / (1 + d) : nil
            }
            progress.begin("diff: comparing \(spec.layer)")
            let pairs = m.pairs.map { (i, j, byKey) in
                let c = DiffMatcher.changes(a[i], b[j], names: spec.attributes, polygonal: spec.polygonal, options: options)
                return DiffPair(old: i, new: j, byKey: byKey, shift: c.shift, changes: c.changes)
            }
            layers.append(LayerDiff(layer: spec.layer, old: a, new: b, pairs: pairs, removed: m.removed, added: m.added))
        }
        progress.begin("diff: indicators")
        let io = try indicators(old), inw = try indicators(new)
        var ind: [(String, String, String, Double?, Double?)] = []
        for (k, r) in inw { if let o = io[k] { ind.append((r.zoneID, r.zoneName, r.indicator, o.value, r.value)) } }
        ind.sort { ($0.0, $0.2) < ($1.0, $1.2) }
        progress.end()
        return Result(layers: layers, indicators: ind, crs: crs, seconds: Date().timeIntervalSince(t0))
    }

    /// Summary rows: (section, layer, item, zone_id, old, new, delta).
    public static func summaryRows(_ r: Result) -> [(String, String, String, String, Double?, Double?, Double?)] {
        var rows: [(String, String, String, String, Double?, Double?, Double?)] = []
        for l in r.layers {
            rows.append(("count", l.layer, "old", "", Double(l.old.count), nil, nil))
            rows.append(("count", l.layer, "new", "", nil, Double(l.new.count), nil))
            rows.append(("count", l.layer, "added", "", nil, nil, Double(l.added.count)))
            rows.append(("count", l.layer, "removed", "", nil, nil, Double(l.removed.count)))
            rows.append(("count", l.layer, "changed", "", nil, nil, Double(l.changed.count)))
            rows.append(("count", l.layer, "matched_by_geometry", "", nil, nil, Double(l.matchedByGeometry)))
        }
        if let b = r.layer("buildings") {
            // Floor area per use: added (new use), removed (old use), and the change of matched buildings.
            var added: [String: Double] = [:], removed: [String: Double] = [:], before: [String: Double] = [:], after: [String: Double] = [:]
            for j in b.added { added[b.new[j].group, default: 0] += b.new[j].floorArea }
            for i in b.removed { removed[b.old[i].group, default: 0] += b.old[i].floorArea }
            for p in b.changed { before[b.old[p.old].group, default: 0] += b.old[p.old].floorArea; after[b.new[p.new].group, default: 0] += b.new[p.new].floorArea }
            for u in Set(added.keys).union(removed.keys).union(before.keys).union(after.keys).sorted() {
                rows.append(("floor_area_m2", "buildings", "added:\(u)", "", nil, nil, added[u] ?? 0))
                rows.append(("floor_area_m2", "buildings", "removed:\(u)", "", nil, nil, removed[u] ?? 0))
                rows.append(("floor_area_m2", "buildings", "changed:\(u)", "", before[u] ?? 0, after[u] ?? 0, (after[u] ?? 0) - (before[u] ?? 0)))
            }
        }
        for (z, _, id, o, n) in r.indicators {
            rows.append(("indicator", "", id, z, o, n, (o != nil && n != nil) ? n! - o! : nil))
        }
        return rows
    }

    /// Writes diff.gpkg, summary.csv and diff.html into `outDir` (each atomically).
    public static func write(_ r: Result, old: Side, new: Side, outDir: String) throws {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let path = (outDir as NSString).appendingPathComponent("diff.gpkg")
        let w: GeoPackageWriter
        do { w = try GeoPackageWriter(path: path, crs: r.crs.isEmpty ? nil : r.crs) } catch { throw PipelineError.output(path: path, message: "\(error)") }
        do {
            for spec in specs {
                guard let l = r.layer(spec.layer) else { continue }
                let gt = spec.layer == "buildings" || spec.layer == "green" ? "MultiPolygon" : (spec.layer == "roads" ? "LineString" : "Point")
                var base = [FieldDef("id", .integer64, ""), FieldDef("source_id", .string, "")]
                base += spec.attributes.map { FieldDef($0, spec.layer == "buildings" && $0 == "height_m" ? .real : ($0 == "floors" || $0 == "is_park" ? .integer : .string), "") }
                if spec.layer == "buildings" { base.append(FieldDef("floor_area_m2", .real, "")) }
                func row(_ f: DiffFeature) -> [FieldValue] {
                    [.int(f.id), .string(f.key)] + f.values.enumerated().map { k, v in coerce(v, base[2 + k].type) } + (spec.layer == "buildings" ? [.real(f.floorArea)] : [])
                }
                for (kind, list) in [("added", l.added.map { l.new[$0] }), ("removed", l.removed.map { l.old[$0] })] {
                    try w.begin(FeatureTable(name: spec.prefix + kind, geometryType: gt, fields: base))
                    for f in list { try w.write(FeatureRow(geometry: f.geometry, values: row(f))) }
                    try w.end()
                }
                var cf = [FieldDef("old_id", .integer64, ""), FieldDef("new_id", .integer64, ""), FieldDef("source_id", .string, ""),
                          FieldDef("changes", .string, "what changed"), FieldDef("matched_by", .string, "key or geometry"), FieldDef("shift_m", .real, "largest vertex move")]
                for (k, a) in spec.attributes.enumerated() { cf += [FieldDef("old_" + a, base[2 + k].type, ""), FieldDef("new_" + a, base[2 + k].type, "")] }
                if spec.layer == "buildings" { cf += [FieldDef("old_floor_area_m2", .real, ""), FieldDef("new_floor_area_m2", .real, "")] }
                try w.begin(FeatureTable(name: spec.prefix + "changed", geometryType: gt, fields: cf))
                for p in l.changed {
                    let a = l.old[p.old], b = l.new[p.new]
                    var v: [FieldValue] = [.int(a.id), .int(b.id), .string(b.key.isEmpty ? a.key : b.key), .string(p.changes.joined(separator: ",")),
                                           .string(p.byKey ? "key" : "geometry"), .real(p.shift)]
                    for k in spec.attributes.indices { v += [coerce(a.values[k], base[2 + k].type), coerce(b.values[k], base[2 + k].type)] }
                    if spec.layer == "buildings" { v += [.real(a.floorArea), .real(b.floorArea)] }
                    try w.write(FeatureRow(geometry: b.geometry, values: v))
                }
                try w.end()
            }
            var s = FeatureTable(name: "summary", geometryType: "None", fields: [
                FieldDef("section", .string, ""), FieldDef("layer", .string, ""), FieldDef("item", .string, ""), FieldDef("zone_id", .string, ""),
                FieldDef("old", .real, ""), FieldDef("new", .real, ""), FieldDef("delta", .real, ""),
            ])
            let rows = summaryRows(r)
            for x in rows { s.append(nil, [.string(x.0), .string(x.1), .string(x.2), .string(x.3), x.4.map { .real($0) } ?? .null, x.5.map { .real($0) } ?? .null, x.6.map { .real($0) } ?? .null]) }
            try w.write(table: s)
            try w.commit()
            func num(_ v: Double?) -> String { v.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) } ?? "" }
            let csv = CSV.write([["section", "layer", "item", "zone_id", "old", "new", "delta"]] + rows.map { [$0.0, $0.1, $0.2, $0.3, num($0.4), num($0.5), num($0.6)] })
            try AtomicFile.write(csv, to: URL(fileURLWithPath: (outDir as NSString).appendingPathComponent("summary.csv")))
            let html = ReportHTML.page(title: "变化分析 What changed", body: reportSection(r, old: old, new: new))
            try AtomicFile.write(html, to: URL(fileURLWithPath: (outDir as NSString).appendingPathComponent("diff.html")))
        } catch let e as PipelineError {
            w.abort(); throw e
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// The two sides' features, filled by two threads.
    final class ReadResults: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int: Swift.Result<([DiffFeature], String), Error>] = [:]
        func set(_ k: Int, _ r: Swift.Result<([DiffFeature], String), Error>) { lock.lock(); items[k] = r; lock.unlock() }
        func get(_ k: Int) throws -> ([DiffFeature], String) { lock.lock(); defer { lock.unlock() }; return try items[k]!.get() }
    }

    static func coerce(_ v: FieldValue, _ t: FieldType) -> FieldValue {
        switch (v, t) {
        case (.int(let x), .real): return .real(Double(x))
        case (.int(let x), .string): return .string(String(x))
        case (.real(let x), .integer), (.real(let x), .integer64): return .int(Int64(x))
        default: return v
        }
    }

    /// The report section "what changed since last year": a map (added green, removed red, changed blue) and the
    /// summary tables.
    public static func reportSection(_ r: Result, old: Side, new: Side) -> String {
        var polys: [MapPolygon] = []
        func add(_ g: Geometry, _ fill: MapFill) {
            for p in g.polygons.polygons { polys.append(MapPolygon(rings: p.rings.map { $0.map { SIMD2($0.x, $0.y) } }, fill: fill)) }
        }
        if let b = r.layer("buildings") {
            // At most 20,000 footprints on the map (a page stays light); the tables count all.
            let cap = 20_000
            for j in b.added.prefix(cap) { add(b.new[j].geometry, .covered) }
            for i in b.removed.prefix(cap) { add(b.old[i].geometry, .gap) }
            for p in b.changed.prefix(cap) { add(b.new[p.new].geometry, .neutral) }
        }
        let map = MapPanel(titleZh: "建筑变化", titleEn: "Buildings changed", polygons: polys, legend: [
            MapLegendEntry(fill: .covered, labelZh: "新增", labelEn: "added"), MapLegendEntry(fill: .gap, labelZh: "拆除", labelEn: "removed"),
            MapLegendEntry(fill: .neutral, labelZh: "变更", labelEn: "changed"),
        ])
        var counts: [[String]] = [["图层 Layer", "原有 Old", "现有 New", "新增 Added", "拆除 Removed", "变更 Changed", "按几何匹配 Matched by geometry"]]
        for l in r.layers { counts.append([l.layer, l.old.count.grouped, l.new.count.grouped, l.added.count.grouped, l.removed.count.grouped, l.changed.count.grouped, l.matchedByGeometry.grouped]) }
        var area: [[String]] = [["用途 Use", "新增 Added m²", "拆除 Removed m²", "变更前 Changed, before m²", "变更后 Changed, after m²"]]
        var per: [String: [Double]] = [:]
        for x in summaryRows(r) where x.0 == "floor_area_m2" {
            let parts = x.2.split(separator: ":", maxSplits: 1).map(String.init)
            var v = per[parts[1], default: [0, 0, 0, 0]]
            switch parts[0] {
            case "added": v[0] = x.6 ?? 0
            case "removed": v[1] = x.6 ?? 0
            default: v[2] = x.4 ?? 0; v[3] = x.5 ?? 0
            }
            per[parts[1]] = v
        }
        for (u, v) in per.sorted(by: { $0.key < $1.key }) { area.append([u] + v.map { Int($0.rounded()).grouped }) }
        var ind: [[String]] = [["分区 Zone", "指标 Indicator", "上一版 Old", "本版 New", "变化 Delta"]]
        for (z, zn, id, o, n) in r.indicators where o != n {
            func f(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "—" }
            ind.append([z.isEmpty ? "全市 city" : "\(z) \(zn)", id, f(o), f(n), (o != nil && n != nil) ? String(format: "%+.4g", n! - o!) : "—"])
        }
        return "<p class=\"sub\">\(esc(old.display)) → \(esc(new.display))</p>" + ReportHTML.changeSection(
            titleZh: "与上一年相比的变化", titleEn: "What changed since last year", map: polys.isEmpty ? nil : map,
            tables: [("数量", "Counts", counts), ("建筑面积（按用途）", "Floor area per use", area), ("指标变化（按分区）", "Indicator deltas per zone", ind)])
    }

    /// The run's "what changed since last year": when `score.previous` names an indicators.csv whose folder also holds
    /// that year's base.gpkg, compares that folder with `outDir` (as `cimbase diff` does), writes DIR/diff/ (diff.gpkg,
    /// summary.csv, diff.html) and returns the report section; nil when no previous run folder is named.
    public static func sinceLastYear(previous: [URL], outDir: String, progress: Progress) throws -> String? {
        let here = URL(fileURLWithPath: outDir).standardizedFileURL.path
        let folders = previous.map { $0.deletingLastPathComponent().standardizedFileURL.path }
        guard let prev = folders.first(where: { $0 != here && FileManager.default.fileExists(atPath: $0 + "/base.gpkg") }) else { return nil }
        let old = Side.folder(prev), new = Side.folder(outDir)
        let r = try compare(old: old, new: new, progress: progress)
        try write(r, old: old, new: new, outDir: outDir + "/diff")
        progress.say("diff        " + r.summary + " → " + outDir + "/diff")
        return reportSection(r, old: old, new: new)
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
