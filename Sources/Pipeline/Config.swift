import Foundation
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
    public var ingest: IngestOptions
    /// Extra sections handed to later stages untouched (walk, indicators, tiles, score): key → YAML text.
    public var stageOptions: [String: String]
    /// The config file (absolute), or "<memory>".
    public var file: String
    public var baseDirectory: String

    /// Canonical layer names a config may give.
    public static let layerKeys = ["buildings", "roads", "facilities", "green", "water", "pipes", "population", "zones", "boundary"]

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
    ]

    public init(city: String, year: Int, crs: String = "auto", preset: String? = nil, osm: String? = nil,
                layers: [String: LayerSource] = [:], facilityList: [LayerSource] = [], ingest: IngestOptions = IngestOptions(),
                file: String = "<memory>", baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.city = city; self.year = year; self.crs = crs; self.preset = preset; self.osm = osm; self.layers = layers
        self.facilityList = facilityList; self.ingest = ingest; self.stageOptions = [:]; self.file = file; self.baseDirectory = baseDirectory
    }

    /// Resolves a source path against the config's folder (connection strings like `PG:` are left alone).
    public func resolve(_ source: String) -> String {
        if source.hasPrefix("/") || source.hasPrefix("PG:") || source.hasPrefix("/vsi") || source.contains("://") { return source }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(source).standardizedFileURL.path
    }

    /// Loads and validates a config file. Unknown keys, wrong types and missing required keys are errors naming the line.
    public static func load(path: String) throws -> CityConfig {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.config(file: path, line: nil, message: "cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.config(file: path, line: nil, message: "the config file is not UTF-8")
        }
        return try parse(text, file: url.path, baseDirectory: url.deletingLastPathComponent().path)
    }

    public static func parse(_ text: String, file: String = "<memory>", baseDirectory: String = FileManager.default.currentDirectoryPath) throws -> CityConfig {
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { throw PipelineError.config(file: file, line: nil, message: "the config is empty") }
            root = n
        } catch let e as YamlError {
            throw PipelineError.config(file: file, line: nil, message: "YAML syntax: \(e)")
        }
        let r = YAMLReader(file: file)
        let top = try r.mapping(root, "top level")
        var cfg = CityConfig(city: "", year: 0, file: file, baseDirectory: baseDirectory)
        var sawCity = false, sawYear = false
        for (k, v) in top {
            let key = try r.string(k, "key")
            switch key {
            case "city": cfg.city = try r.string(v, "city"); sawCity = true
            case "year": cfg.year = try r.int(v, "year"); sawYear = true
            case "crs": cfg.crs = try r.string(v, "crs")
            case "preset":
                let p = try r.string(v, "preset")
                guard p == "osm" else { throw r.error(v, "unknown preset '\(p)' (known: osm)") }
                cfg.preset = p
            case "osm": cfg.osm = try r.string(v, "osm")
            case "layers":
                for (lk, lv) in try r.mapping(v, "layers") {
                    let lname = try r.string(lk, "layer name")
                    guard layerKeys.contains(lname) else {
                        throw r.error(lk, "unknown layer '\(lname)' (known: \(layerKeys.joined(separator: ", ")))")
                    }
                    if lname == "facilities", case .sequence(let seq) = lv {
                        for item in seq { cfg.facilityList.append(try layerSource(item, lname, r, list: true)) }
                    } else {
                        cfg.layers[lname] = try layerSource(lv, lname, r, list: false)
                    }
                }
            case "ingest":
                for (ok, ov) in try r.mapping(v, "ingest") {
                    let o = try r.string(ok, "key")
                    switch o {
                    case "floor_height_m": cfg.ingest.floorHeightM = try r.double(ov, o)
                    case "default_height_m": cfg.ingest.defaultHeightM = try r.double(ov, o)
                    case "max_height_m": cfg.ingest.maxHeightM = try r.double(ov, o)
                    case "m2_per_resident": cfg.ingest.m2PerResident = try r.double(ov, o)
                    case "unknown_use_is_residential": cfg.ingest.unknownUseIsResidential = try r.bool(ov, o)
                    case "repair_invalid": cfg.ingest.repairInvalid = try r.bool(ov, o)
                    case "ground_height_m": cfg.ingest.groundHeightM = try r.double(ov, o)
                    default: throw r.error(ok, "unknown key 'ingest.\(o)' (known: floor_height_m, default_height_m, max_height_m, m2_per_resident, unknown_use_is_residential, repair_invalid, ground_height_m)")
                    }
                }
            case "walk", "indicators", "tiles", "score":
                cfg.stageOptions[key] = (try? Yams.serialize(node: v)) ?? ""
            default:
                throw r.error(k, "unknown key '\(key)' (known: city, year, crs, preset, osm, layers, ingest, walk, indicators, tiles, score)")
            }
        }
        guard sawCity else { throw PipelineError.config(file: file, line: nil, message: "missing required key 'city'") }
        guard sawYear else { throw PipelineError.config(file: file, line: nil, message: "missing required key 'year'") }
        if cfg.preset == "osm" {
            guard cfg.osm != nil else { throw PipelineError.config(file: file, line: nil, message: "preset: osm needs 'osm: <file.osm.pbf>'") }
        } else if cfg.layers["buildings"] == nil && cfg.layers["roads"] == nil {
            throw PipelineError.config(file: file, line: nil, message: "no layers: give at least layers.buildings or layers.roads (or preset: osm)")
        }
        return cfg
    }

    static func layerSource(_ node: Node, _ lname: String, _ r: YAMLReader, list: Bool) throws -> LayerSource {
        let m = try r.mapping(node, "layers.\(lname)")
        var src = LayerSource(source: "", line: node.mark?.line)
        var sawSource = false
        let allowed = fieldKeys[lname] ?? []
        for (k, v) in m {
            let key = try r.string(k, "key")
            switch key {
            case "source": src.source = try r.string(v, key); sawSource = true
            case "layer": src.layer = try r.string(v, key)
            case "where": src.where_ = try r.string(v, key)
            case "crs": src.crs = try r.string(v, key)
            case "encoding": src.encoding = try r.string(v, key)
            case "coords":
                let c = try r.string(v, key).lowercased()
                guard ["wgs84", "gcj02", "bd09"].contains(c) else { throw r.error(v, "layers.\(lname).coords must be wgs84, gcj02 or bd09, not '\(c)'") }
                src.coords = c
            case "category" where list && lname == "facilities":
                // In a list, `category` is the category itself when no field of that name is meant: `{category: school, …}`.
                src.fixedCategory = try r.string(v, key)
            default:
                guard allowed.contains(key) else {
                    let known = (["source", "layer", "where", "crs", "encoding", "coords"] + allowed).joined(separator: ", ")
                    throw r.error(k, "unknown key 'layers.\(lname).\(key)' (known: \(known))")
                }
                src.fields[key] = try r.string(v, key)
            }
        }
        guard sawSource else { throw r.error(node, "layers.\(lname) needs 'source'") }
        return src
    }
}

/// Reads Yams nodes with errors that name the file and line.
struct YAMLReader {
    let file: String
    func error(_ n: Node, _ msg: String) -> PipelineError { .config(file: file, line: n.mark?.line, message: msg) }
    func mapping(_ n: Node, _ what: String) throws -> [(Node, Node)] {
        guard case .mapping(let m) = n else { throw error(n, "\(what) must be a mapping (key: value)") }
        return Array(m)
    }
    func string(_ n: Node, _ what: String) throws -> String {
        guard case .scalar(let s) = n else { throw error(n, "'\(what)' must be a single value") }
        return s.string
    }
    func int(_ n: Node, _ what: String) throws -> Int {
        guard let v = Int(try string(n, what)) else { throw error(n, "'\(what)' must be an integer") }
        return v
    }
    func double(_ n: Node, _ what: String) throws -> Double {
        guard let v = Double(try string(n, what)), v.isFinite else { throw error(n, "'\(what)' must be a number") }
        return v
    }
    func bool(_ n: Node, _ what: String) throws -> Bool {
        switch try string(n, what).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(n, "'\(what)' must be true or false")
        }
    }
}
