import CityModel
import ConfigReader
import Foundation
import Tiles
import Yams

/// Where one canonical layer of the city comes from, and which source fields map to canonical attributes.
public struct LayerSource: Sendable, Equatable {
    /// Anything OGR/GDAL opens; relative paths are resolved against the config file's folder.
    public var source: String
    public var layer: String?
    /// OGR SQL attribute filter.
    public var where_: String?
    /// Canonical attribute → source field (e.g. `height` → `height_m`).
    public var fields: [String: String]
    /// For facilities given as a list: the category every feature of this entry gets.
    public var fixedCategory: String?
    /// Source CRS override when the file has none or a wrong one.
    public var crs: String?
    /// Attribute encoding of shapefiles (`GBK`, `GB18030`, `UTF-8`).
    public var encoding: String?
    /// Coordinate convention of web-map data: `wgs84` (default), `gcj02`, `bd09`.
    public var coords: String?
    /// Line of the entry in the config (for messages).
    public var line: Int?

    public init(source: String, layer: String? = nil, where_: String? = nil, fields: [String: String] = [:],
                fixedCategory: String? = nil, crs: String? = nil, encoding: String? = nil, coords: String? = nil, line: Int? = nil) {
        self.source = source; self.layer = layer; self.where_ = where_; self.fields = fields; self.fixedCategory = fixedCategory
        self.crs = crs; self.encoding = encoding; self.coords = coords; self.line = line
    }
}

/// Ingest parameters with their documented defaults.
public struct IngestOptions: Sendable, Equatable {
    /// Height of one floor when height is derived from floors (m).
    public var floorHeightM = 3.0
    /// Height given to buildings with neither height nor floors (m).
    public var defaultHeightM = 9.0
    /// Heights above this are rejected as absurd (m).
    public var maxHeightM = 1000.0
    /// Residential floor area per resident when residents are estimated (m²/person).
    public var m2PerResident = 35.0
    /// Buildings of unknown use count as residential for resident estimation (OSM's building=yes).
    public var unknownUseIsResidential = true
    /// Repair invalid polygons with GEOS MakeValid (else reject them).
    public var repairInvalid = true
    /// Ground height above the ellipsoid for 3D tiles when no `ground_m` (m).
    public var groundHeightM = 0.0
    public init() {}
}

/// The city configuration (`city.yaml`).
public struct CityConfig: Sendable {
    public var city: String
    public var year: Int
    /// `auto`, or an authority code / WKT of the working metric CRS.
    public var crs: String
    /// `osm` maps an OSM PBF's tags to the canonical layers.
    public var preset: String?
    /// The OSM file for `preset: osm`.
    public var osm: String?
    public var layers: [String: LayerSource]
    /// Facilities given as a list of per-category sources.
    public var facilityList: [LayerSource]
    /// `layers.dem`: the terrain under the buildings (Terrain.swift); nil when absent.
    public var dem: DEMOptions?
    public var ingest: IngestOptions
    /// `categories:`: labels of the data mapped to categories, and categories the config defines.
    public var categories: CategoryTable
    /// The stage sections, decoded and validated when the config is read (before any stage runs).
    public var walk: WalkStage.Options
    public var indicators: IndicatorOptions
    /// The 3D Tiles options; `defaultGroundHeightM` is `tiles.ground_height_m`, else `ingest.ground_height_m` (resolved
    /// when the config is read: set it here too when building a config in code).
    public var tiles: TilesetOptions
    /// `tiles.attributes`: kept source attributes of the buildings that also go into the 3D Tiles metadata.
    public var tilesAttributes: [String] = []
    public var score: ScoreStage.Options
    /// `plan:` (issue 17): where to build new facilities; empty when the section is absent.
    public var plan = PlanStage.Options()
    /// `publish:` (target database and schema for `cimbase publish`); nil when absent.
    public var publish: PublishTarget?
    /// `web:` — `false` or `{enabled: false}` makes `cimbase run` skip the web step (vector/raster tiles, viewer);
    /// `cimbase web DIR` still makes it. Default true.
    public var webEnabled = true
    /// The config file (absolute), or "<memory>".
    public var file: String
    public var baseDirectory: String

    /// Canonical layer names a config may give.
    public static let layerKeys = ["buildings", "roads", "facilities", "green", "water", "pipes", "population", "zones", "boundary", "built_up"]

    /// Field-mapping keys each layer accepts besides source/layer/where/crs/encoding/coords.
    public static let fieldKeys: [String: [String]] = [
        "buildings": ["height", "floors", "use", "residents", "year_built", "ground", "id"],
        "roads": ["highway", "name", "foot", "oneway", "id"],
        "facilities": ["category", "name", "id", "amap_typecode", "amap_type", "baidu_tag"],
        "green": ["kind", "park", "name", "id"],
        "water": ["kind", "id"],
        "pipes": ["kind", "diameter", "id"],
        "population": ["value", "id"],
        "zones": ["id", "name", "level"],
        "boundary": ["name"],
        "built_up": ["name"],
    ]

    public init(city: String, year: Int, crs: String = "auto", preset: String? = nil, osm: String? = nil,
                layers: [String: LayerSource] = [:], facilityList: [LayerSource] = [], ingest: IngestOptions = IngestOptions(),
                file: String = "<memory>", baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.city = city; self.year = year; self.crs = crs; self.preset = preset; self.osm = osm; self.layers = layers
        self.facilityList = facilityList; self.ingest = ingest; self.file = file; self.baseDirectory = baseDirectory
        self.categories = CategoryTable(); self.walk = WalkStage.Options(); self.indicators = IndicatorOptions()
        self.tiles = TilesetOptions(); self.tiles.compression = .meshopt; self.tiles.lod = .blocks; self.score = ScoreStage.Options()
    }

    /// Resolves a source path against the config's folder (connection strings like `PG:` are left alone).
    public func resolve(_ source: String) -> String {
        if source.hasPrefix("/") || source.hasPrefix("PG:") || source.hasPrefix("/vsi") || source.contains("://") { return source }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(source).standardizedFileURL.path
    }

    /// Loads and validates a config file: every section (layers, ingest, categories, walk, indicators, tiles, score)
    /// is decoded into typed, range-checked options, and the score definition and tables it names are read, so that
    /// no stage starts on a config that a later stage would refuse. Errors name the file, line and dotted key.
    public static func load(path: String) throws -> CityConfig {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.config(file: path, line: nil, message: "cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.config(file: path, line: nil, message: "the config file is not UTF-8")
        }
        let cfg = try parse(text, file: url.path, baseDirectory: url.deletingLastPathComponent().path)
        try cfg.checkFiles()
        return cfg
    }

    /// The keys a city config may have at the top level.
    public static let topKeys: Set<String> = ["city", "year", "crs", "preset", "osm", "layers", "ingest", "categories", "walk", "indicators", "tiles", "score", "plan", "publish", "web"]

    /// Parses and validates config text (no file is opened: `load` also checks the files the score section names).
    public static func parse(_ text: String, file: String = "<memory>", baseDirectory: String = FileManager.default.currentDirectoryPath) throws -> CityConfig {
        do { return try read(text, file: file, baseDirectory: baseDirectory) } catch let e as ConfigError { throw PipelineError(e) }
    }

    static func read(_ text: String, file: String, baseDirectory: String) throws(ConfigError) -> CityConfig {
        let r = ConfigReader(file: file)
        guard let root = try r.compose(text), !r.isNull(root) else { throw ConfigError(file: file, key: "(root)", message: "the config is empty") }
        let top = try r.entries(root, "", allowed: topKeys)
        var cfg = CityConfig(city: "", year: 0, file: file, baseDirectory: baseDirectory)
        var sawCity = false, sawYear = false
        var sections: [String: ConfigEntry] = [:]
        for e in top {
            let v = e.value
            switch e.name {
            case "city": cfg.city = try r.text(v, "city", nonEmpty: true); sawCity = true
            case "year": cfg.year = try r.integer(v, "year", 1900...2200); sawYear = true
            case "crs": cfg.crs = try r.text(v, "crs", nonEmpty: true)
            case "preset":
                let p = try r.text(v, "preset")
                guard p == "osm" else { throw r.fail("preset", v, "unknown preset '\(p)' (known: osm)") }
                cfg.preset = p
            case "osm": cfg.osm = try r.text(v, "osm", nonEmpty: true)
            case "layers":
                for l in try r.entries(v, "layers", allowed: Set(layerKeys + ["dem"])) {
                    if l.name == "dem" {
                        cfg.dem = try DEMOptions.read(l.value, r, key: l.path) { cfg.resolve($0) }
                    } else if l.name == "facilities", let seq = l.value.sequence {
                        for (i, item) in seq.enumerated() { cfg.facilityList.append(try layerSource(item, l.name, "layers.facilities[\(i)]", r, list: true)) }
                    } else {
                        cfg.layers[l.name] = try layerSource(l.value, l.name, l.path, r, list: false)
                    }
                }
            default: sections[e.name] = e   // read below, once the layers and ingest defaults are known
            }
        }
        guard sawCity else { throw ConfigError(file: file, key: "city", line: root.mark?.line, message: "missing required key 'city'") }
        guard sawYear else { throw ConfigError(file: file, key: "year", line: root.mark?.line, message: "missing required key 'year'") }
        if cfg.preset == "osm" {
            guard cfg.osm != nil else { throw ConfigError(file: file, key: "preset", message: "preset: osm needs 'osm: <file.osm.pbf>'") }
        } else if cfg.layers["buildings"] == nil && cfg.layers["roads"] == nil {
            throw ConfigError(file: file, key: "layers", message: "no layers: give at least layers.buildings or layers.roads (or preset: osm)")
        }
        let sec = { (name: String) in sections[name].flatMap { r.isNull($0.value) ? nil : $0.value } }
        if let n = sec("ingest") { cfg.ingest = try readIngest(n, r) }
        if let n = sec("categories") { cfg.categories = try readCategories(n, r, key: "categories") }
        try registerCategories(cfg.categories, r, node: sections["categories"]?.value)
        if let n = sec("walk") { cfg.walk = try readWalk(n, r) }
        if let n = sec("indicators") { cfg.indicators = try readIndicators(n, r) }
        cfg.tiles.defaultGroundHeightM = cfg.ingest.groundHeightM
        if let n = sec("tiles") { try readTiles(n, r, into: &cfg.tiles, attributes: &cfg.tilesAttributes) }
        if let n = sec("score") { cfg.score = try readScore(n, r, "score") { cfg.resolve($0) } }
        if let n = sec("plan") { cfg.plan = try readPlan(n, r, walk: cfg.walk) }
        if let n = sec("web") { cfg.webEnabled = try readWeb(n, r) }
        if let n = sec("publish") { cfg.publish = try PublishTarget.read(n, r, key: "publish") }
        return cfg
    }

    static func layerSource(_ node: Node, _ lname: String, _ key: String, _ r: ConfigReader, list: Bool) throws(ConfigError) -> LayerSource {
        let allowed = Set(["source", "layer", "where", "crs", "encoding", "coords"] + (fieldKeys[lname] ?? []))
        var src = LayerSource(source: "", line: node.mark?.line)
        var sawSource = false
        for e in try r.entries(node, key, allowed: allowed) {
            switch e.name {
            case "source": src.source = try r.text(e.value, e.path, nonEmpty: true); sawSource = true
            case "layer": src.layer = try r.text(e.value, e.path)
            case "where": src.where_ = try r.text(e.value, e.path)
            case "crs": src.crs = try r.text(e.value, e.path, nonEmpty: true)
            case "encoding": src.encoding = try r.text(e.value, e.path, nonEmpty: true)
            case "coords":
                let c = try r.text(e.value, e.path).lowercased()
                guard ["wgs84", "gcj02", "bd09"].contains(c) else { throw r.fail(e.path, e.value, "coords must be wgs84, gcj02 or bd09, not '\(c)'") }
                src.coords = c
            case "category" where list && lname == "facilities":
                // In a list, `category` is the category itself when no field of that name is meant: `{category: school, …}`.
                src.fixedCategory = try r.text(e.value, e.path, nonEmpty: true)
            default:
                src.fields[e.name] = try r.text(e.value, e.path, nonEmpty: true)
            }
        }
        guard sawSource else { throw r.fail(key, node, "\(key) needs 'source'") }
        return src
    }
}

extension PipelineError {
    /// A config reader error as the pipeline reports it: `file:line: key: message`.
    public init(_ e: ConfigError) {
        let key = e.key == "(root)" || e.key.isEmpty ? "" : "\(e.key): "
        self = .config(file: e.file, line: e.line, message: key + e.message)
    }
}

extension CityConfig {
    /// The `categories:` section of another YAML file (a batch file), validated as in city.yaml; empty when it has none.
    public static func categories(fromFile path: String) throws -> CategoryTable {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PipelineError.config(file: path, line: nil, message: "cannot read the file")
        }
        do {
            let r = ConfigReader(file: path)
            guard let root = try r.compose(text), let m = root.mapping, let n = m["categories"], !r.isNull(n) else { return CategoryTable() }
            let t = try readCategories(n, r, key: "categories")
            try registerCategories(t, r, node: n)
            return t
        } catch let e as ConfigError { throw PipelineError(e) }
    }

    /// A one-line summary of what the config holds (for `cimbase check`).
    public var summary: String {
        let names = (preset == "osm" ? ["osm"] : []) + CityConfig.layerKeys.filter { self.layers[$0] != nil } + (facilityList.isEmpty ? [] : ["facilities ×\(facilityList.count)"])
        var s = "\(city) \(year): layers \(names.joined(separator: ", "))\(dem == nil ? "" : ", dem")"
        if !categories.labels.isEmpty || !categories.defined.isEmpty {
            s += " · categories: \(categories.labels.count) labels mapped, \(categories.defined.count) defined"
        }
        return s
    }
}
