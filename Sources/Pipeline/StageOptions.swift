import CityModel
import ConfigReader
import Foundation
import Indicators
import Scoring
import Tiles
import Yams

/// Options of `cimbase indicators` (the `indicators:` section).
public struct IndicatorOptions: Sendable, Equatable {
    /// Parameter overrides: indicator id → parameter → value (ids and names checked against the indicators' specs).
    public var params: [String: [String: Double]] = [:]
    /// Cell size (m) of the indicator grids in DIR/grids/.
    public var gridCellM = 10.0
    public init() {}
}

extension WalkStage.Options: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        a.thresholdsM == b.thresholdsM && a.maxSnapM == b.maxSnapM && a.stairsPenalty == b.stairsPenalty && a.nodeCrossings == b.nodeCrossings
            && a.entranceSpacingM == b.entranceSpacingM && a.serviceAreas == b.serviceAreas && a.exportGraph == b.exportGraph && a.k == b.k
            && a.gridCellM == b.gridCellM
    }
}

/// Every section of city.yaml besides `layers`, read into typed options with their ranges (README "Config values"
/// lists them). A value outside its range is an error naming the key and line, so no value can trap, hang or exhaust
/// memory in a stage; grid sizes, which depend on the data's extent, are checked by `GridBudget` once it is known.
extension CityConfig {
    static let ingestKeys: Set<String> = ["floor_height_m", "default_height_m", "max_height_m", "m2_per_resident", "unknown_use_is_residential",
                                          "repair_invalid", "ground_height_m"]
    static let walkKeys: Set<String> = ["thresholds_m", "max_snap_m", "stairs_penalty", "node_crossings", "entrance_spacing_m", "k_nearest",
                                        "grid_cell_m", "fire_speed_kmh", "fire_minutes", "service_areas", "export_graph"]
    static let indicatorKeys: Set<String> = ["params", "grid_cell_m"]
    static let tilesKeys: Set<String> = ["max_buildings_per_tile", "ground_height_m", "color_by_use", "geometric_error_scale", "attributes", "compression", "lod", "implicit"]
    static let scoreKeys: Set<String> = ["definition", "previous", "non_spatial"]
    static let categoryKeys: Set<String> = ["name_zh", "name_en", "life_circle", "threshold_m", "required_for_15"]

    /// Heights and ground levels (m): ground from the Dead Sea shore to above Everest; buildings up to 1 km by default.
    static let groundRange = NumberRange.closed(-500, 9000)
    /// Walking and driving distances (m): up to 50 km.
    static let distanceRange = NumberRange.positive(max: 50_000)
    /// Cell sizes (m) of grids: 1 m to 10 km (sizes are also capped in cells by `GridBudget`).
    static let cellRange = NumberRange.closed(1, 10_000)

    static func readIngest(_ n: Node, _ r: ConfigReader) throws(ConfigError) -> IngestOptions {
        var o = IngestOptions()
        for e in try r.entries(n, "ingest", allowed: ingestKeys) {
            switch e.name {
            case "floor_height_m": o.floorHeightM = try r.number(e.value, e.path, .positive(max: 20))
            case "default_height_m": o.defaultHeightM = try r.number(e.value, e.path, .positive(max: 1000))
            case "max_height_m": o.maxHeightM = try r.number(e.value, e.path, .positive(max: 10_000))
            case "m2_per_resident": o.m2PerResident = try r.number(e.value, e.path, .closed(1, 10_000))
            case "unknown_use_is_residential": o.unknownUseIsResidential = try r.bool(e.value, e.path)
            case "repair_invalid": o.repairInvalid = try r.bool(e.value, e.path)
            default: o.groundHeightM = try r.number(e.value, e.path, groundRange)
            }
        }
        if o.defaultHeightM > o.maxHeightM { throw r.fail("ingest.default_height_m", n, "must not exceed ingest.max_height_m (\(o.maxHeightM))") }
        return o
    }

    /// `categories:` — `label: category_id` maps a label of the data; `id: {name_zh, name_en, life_circle, threshold_m,
    /// required_for_15}` defines a category. Labels must map to a built-in or defined category.
    static func readCategories(_ n: Node, _ r: ConfigReader, key: String) throws(ConfigError) -> CategoryTable {
        var t = CategoryTable()
        var labelNodes: [(String, String, Node)] = []
        for e in try r.entries(n, key) {
            let label = e.name.trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { throw r.fail(e.path, e.keyNode, "a label must not be empty") }
            if e.value.mapping != nil {
                if let why = FacilityCategory.invalidID(label) { throw r.fail(e.path, e.keyNode, "cannot define category '\(label)': \(why)") }
                let m = try r.mapping(e.value, e.path, allowed: categoryKeys)
                guard let th = m["threshold_m"] else { throw r.fail(e.path, e.value, "a category definition needs threshold_m (walking distance in metres)") }
                let lc = try m["life_circle"].map { v throws(ConfigError) in try r.integer(v, "\(e.path).life_circle", 0...15) } ?? 0
                guard [0, 5, 10, 15].contains(lc) else { throw r.fail("\(e.path).life_circle", m["life_circle"], "must be 0 (none), 5, 10 or 15 (minutes), not \(lc)") }
                let c = FacilityCategory(
                    id: label,
                    nameZh: try m["name_zh"].map { v throws(ConfigError) in try r.text(v, "\(e.path).name_zh", nonEmpty: true) } ?? label,
                    nameEn: try m["name_en"].map { v throws(ConfigError) in try r.text(v, "\(e.path).name_en", nonEmpty: true) } ?? label,
                    lifeCircle: lc, thresholdM: try r.number(th, "\(e.path).threshold_m", distanceRange),
                    requiredFor15: try m["required_for_15"].map { v throws(ConfigError) in try r.bool(v, "\(e.path).required_for_15") } ?? false)
                t.defined.append(c)
            } else {
                labelNodes.append((label, e.path, e.value))
            }
        }
        for (label, path, v) in labelNodes {
            let id = try r.text(v, path, nonEmpty: true).trimmingCharacters(in: .whitespaces)
            guard t.named(id) != nil else {
                let known = FacilityCategory.builtIn.map(\.id) + t.defined.map(\.id)
                throw r.fail(path, v, "unknown category '\(id)' for label '\(label)' (built-in: \(known.joined(separator: ", ")); or define it: \(id): {name_zh: …, threshold_m: …})")
            }
            t.labels[label] = id
        }
        return t
    }

    /// Makes the defined categories known to every stage of the process (see `FacilityCategory.register`).
    static func registerCategories(_ t: CategoryTable, _ r: ConfigReader, node: Node?) throws(ConfigError) {
        if let refused = FacilityCategory.register(t.defined).first {
            let keyNode = node?.mapping?.first { $0.key.scalar?.string == refused.id }?.key
            throw r.fail("categories.\(refused.id)", keyNode ?? node, refused.reason)
        }
    }

    static func readWalk(_ n: Node, _ r: ConfigReader) throws(ConfigError) -> WalkStage.Options {
        var o = WalkStage.Options()
        for e in try r.entries(n, "walk", allowed: walkKeys) {
            let v = e.value, k = e.path
            switch e.name {
            case "thresholds_m": o.thresholdsM = try r.numbers(v, k, distanceRange, maxCount: 16)
            case "max_snap_m": o.maxSnapM = try r.number(v, k, .positive(max: 10_000))
            case "stairs_penalty": o.stairsPenalty = try r.number(v, k, .closed(1, 100))
            case "node_crossings": o.nodeCrossings = try r.bool(v, k)
            case "entrance_spacing_m": o.entranceSpacingM = try r.number(v, k, .closed(1, 10_000))
            case "k_nearest": o.k = try r.integer(v, k, 0...3)
            case "grid_cell_m":
                let c = try r.number(v, k, .nonNegative(max: 10_000))
                guard c == 0 || c >= 1 else { throw r.fail(k, v, "must be 0 (no grids) or between 1 and 10000, not \(c)") }
                o.gridCellM = c
            case "fire_speed_kmh", "fire_minutes":
                throw r.fail(k, e.keyNode, "fire reach has one setting: indicators.params.fire_5min_cov.minutes and .speed_kmh (the walk stage stores the full drive distance)")
            case "service_areas":
                // Service areas are traced from the walk grid, so they are bounded at any city size: `auto` (the old
                // default, "only for small graphs") now means true.
                o.serviceAreas = v.scalar?.string.lowercased() == "auto" ? true : try r.bool(v, k)
            default: o.exportGraph = try r.bool(v, k)
            }
        }
        return o
    }

    /// Parameters each indicator accepts (from the indicators' own specs), and the range of each by its name.
    static let indicatorParams: [String: Set<String>] = Dictionary(standardIndicators.map { ($0.spec.id, Set($0.spec.params.keys)) },
                                                                   uniquingKeysWith: { a, b in a.union(b) })

    static func paramRange(_ name: String) -> NumberRange {
        switch name {
        case "cell_m": return cellRange
        case "before_year": return .closed(1000, 3000)
        case "years": return .positive(max: 1000)
        case "minutes": return .positive(max: 240)
        case "speed_kmh": return .positive(max: 200)
        case _ where name.hasSuffix("_m"): return distanceRange
        default: return .positive(max: 1e12)   // areas (m²), densities (per km²)
        }
    }

    static func readIndicators(_ n: Node, _ r: ConfigReader) throws(ConfigError) -> IndicatorOptions {
        var o = IndicatorOptions()
        for e in try r.entries(n, "indicators", allowed: indicatorKeys) {
            if e.name == "grid_cell_m" { o.gridCellM = try r.number(e.value, e.path, cellRange); continue }
            for ind in try r.entries(e.value, e.path) {
                guard let names = indicatorParams[ind.name] else {
                    let hint = ind.name.hasPrefix("walk_cov.") || ind.name == "life_circle_15"
                        ? "walk coverage thresholds are set by walk.thresholds_m and the categories' threshold_m"
                        : "known: \(indicatorParams.filter { !$0.value.isEmpty }.keys.sorted().joined(separator: ", "))"
                    throw r.fail(ind.path, ind.keyNode, "unknown indicator '\(ind.name)' (\(hint))")
                }
                var p: [String: Double] = [:]
                if names.isEmpty, let first = try r.entries(ind.value, ind.path).first {
                    throw r.fail(first.path, first.keyNode, "unknown parameter '\(first.name)': \(ind.name) takes no parameters")
                }
                for pe in try r.entries(ind.value, ind.path, allowed: names) {
                    p[pe.name] = try r.number(pe.value, pe.path, paramRange(pe.name))
                }
                o.params[ind.name] = p
            }
        }
        return o
    }

    /// `tiles:`; `attributes` (kept building attributes to put into the tiles' metadata) goes to `attributes`.
    static func readTiles(_ n: Node, _ r: ConfigReader, into o: inout TilesetOptions, attributes: inout [String]) throws(ConfigError) {
        var lodEntry: (path: String, node: Node)? = nil, implicitEntry: (path: String, node: Node)? = nil
        for e in try r.entries(n, "tiles", allowed: tilesKeys) {
            switch e.name {
            case "implicit": o.implicit = try r.bool(e.value, e.path); implicitEntry = (e.path, e.value)
            case "attributes": attributes = try r.texts(e.value, e.path)
            case "max_buildings_per_tile": o.maxBuildingsPerTile = try r.integer(e.value, e.path, 1...1_000_000)
            case "ground_height_m": o.defaultGroundHeightM = try r.number(e.value, e.path, groundRange)
            case "color_by_use": o.colorByUse = try r.bool(e.value, e.path)
            case "compression":
                let t = try r.text(e.value, e.path)
                guard let c = TileCompression(rawValue: t) else {
                    throw r.fail(e.path, e.value, "'\(t)' is not one of \(TileCompression.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                o.compression = c
            case "lod":
                let t = try r.text(e.value, e.path)
                guard let l = TileLOD(rawValue: t) else {
                    throw r.fail(e.path, e.value, "'\(t)' is not one of \(TileLOD.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                o.lod = l; lodEntry = (e.path, e.value)
            default: o.geometricErrorScale = try r.number(e.value, e.path, .positive(max: 1000))
            }
        }
        // Implicit tiles refine ADD with the `largest` level of detail (TilesetWriter.writeImplicit says why).
        if o.implicit, let l = lodEntry, o.lod == .blocks, let i = implicitEntry {
            throw r.fail(l.path, l.node, "'blocks' cannot be written with \(i.path): true (implicit tiles refine ADD: use lod: largest or leave lod out)")
        }
        if o.implicit { o.lod = .largest }
    }

    /// `web:` of city.yaml: a boolean, or a mapping `{enabled: bool}`; whether `cimbase run` runs the web step.
    static func readWeb(_ n: Node, _ r: ConfigReader) throws(ConfigError) -> Bool {
        if n.mapping == nil { return try r.bool(n, "web") }
        var enabled = true
        for e in try r.entries(n, "web", allowed: ["enabled"]) { enabled = try r.bool(e.value, e.path) }
        return enabled
    }

    /// `score:` of city.yaml and of the batch file; paths resolved with `resolve`.
    static func readScore(_ n: Node, _ r: ConfigReader, _ key: String, resolve: (String) -> String) throws(ConfigError) -> ScoreStage.Options {
        var o = ScoreStage.Options()
        for e in try r.entries(n, key, allowed: scoreKeys) {
            switch e.name {
            case "definition": o.definition = URL(fileURLWithPath: resolve(try r.text(e.value, e.path, nonEmpty: true)))
            case "previous": o.previous = try r.texts(e.value, e.path).map { URL(fileURLWithPath: resolve($0)) }
            default: o.nonSpatial = try r.texts(e.value, e.path).map { URL(fileURLWithPath: resolve($0)) }
            }
        }
        return o
    }

    /// The files the score section names: the definition must exist and be a valid indicator system, the tables must
    /// exist — checked when the config is loaded, so a typo there stops the run before ingest.
    func checkFiles() throws {
        try ScoreStage.checkFiles(score, file: file)
        if let d = dem { try Terrain.check(d, file: file) }
    }
}

/// Caps on grid sizes, checked as soon as the data's extent is known and before anything is allocated.
public enum GridBudget {
    /// Largest grid, in cells (a 10 km × 10 km city at 1 m; 1.6 GB for the walk grid's search state alone).
    public static let maxCells = 100_000_000

    /// Throws a config error naming `key` when a grid of `cell` metres over `extent` would exceed `maxCells`:
    /// the error gives the grid's size and the memory it would need at `bytesPerCell`.
    public static func check(key: String, cell: Double, extent: BBox, bytesPerCell: Int, file: String) throws {
        guard !extent.isEmpty, cell > 0 else { return }
        let cols = (extent.width / cell).rounded(.up), rows = (extent.height / cell).rounded(.up)
        let cells = cols * rows
        guard cells.isFinite, cells <= Double(maxCells) else {
            let gib = cells * Double(bytesPerCell) / Double(1 << 30)
            throw PipelineError.config(file: file, line: nil, message: String(
                format: "%@: a %g m cell over the data's %.1f × %.1f km would make a grid of %.0f × %.0f = %.3g cells needing about %.1f GiB; the cap is %@ cells (use a cell of at least %.0f m)",
                key, cell, extent.width / 1000, extent.height / 1000, cols, rows, cells, gib, maxCells.grouped,
                (extent.width * extent.height / Double(maxCells)).squareRoot().rounded(.up)))
        }
    }

    /// The extent of everything a grid may cover: buildings, roads and the boundary.
    public static func extent(_ base: BaseLayer) -> BBox {
        var bb = BBox.empty
        for b in base.buildings { bb = bb.union(b.footprint.bbox) }
        for r in base.roads { bb = bb.union(BBox(points: r.line.points)) }
        if let bd = base.boundary { bb = bb.union(bd.bbox) }
        return bb
    }
}
