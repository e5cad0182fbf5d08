import CityModel
import Foundation
import GeoBridge
import Indicators
import Scoring

/// `cimbase indicators`: every indicator for the city and each zone → indicators.csv / .json / .gpkg, gap polygons.
public enum IndicatorStage {
    public struct Output {
        public var table: IndicatorTable
        public var values: [IndicatorValue]
        public var builtUp: MultiPolygon
        public var pipeGaps: MultiPolygon?
        /// Grid files written under DIR/grids.
        public var grids: [String] = []
    }

    /// Compact JSON of parameters (sorted keys, numbers as written by Swift).
    static func paramsJSON(_ p: [String: Double], extra: [String: String] = [:]) -> String {
        var parts: [String] = []
        var all: [(String, String)] = p.map { ($0.key, $0.value == $0.value.rounded() && abs($0.value) < 1e15 ? String(Int64($0.value)) : String($0.value)) }
        all += extra.map { ($0.key, "\"\($0.value.replacingOccurrences(of: "\"", with: "'"))\"") }
        for (k, v) in all.sorted(by: { $0.0 < $1.0 }) { parts.append("\"\(k)\":\(v)") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func direction(_ d: Direction) -> IndicatorDirection {
        switch d { case .higher: return .higher; case .lower: return .lower; case .range: return .range; case .none: return .none }
    }

    /// Digest of the inputs: the base layer file and the walk output when present, plus the config text.
    static func inputsHash(outDir: String, config: CityConfig) -> String {
        var h = FNV64()
        for f in ["base.gpkg", "walk.gpkg"] {
            if let d = FileManager.default.contents(atPath: (outDir as NSString).appendingPathComponent(f)) { h.add(Array(d)) }
        }
        if config.file != "<memory>", let d = FileManager.default.contents(atPath: config.file) { h.add(Array(d)) }
        return h.hex
    }

    /// Computes all indicators.
    public static func compute(config: CityConfig, base: BaseLayer, walk: NetworkAccess?, fireDrive: [Float]?,
                               overrides: [String: [String: Double]], progress: Progress, inputsHash: String,
                               gridDir: String? = nil, gridCell: Double = 10, given: TileShare? = nil) throws -> Output {
        let ops = GEOSGeometryOps()
        progress.begin("indicators: built-up area")
        let timed = ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil
        var timings: [String: Double] = [:]
        func clock<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { timings[key, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
            return try body()
        }
        let builtUp: MultiPolygon
        let source: String
        // One meaning per layer (issue 13): `boundary` is the study / administrative area (the city's land, the
        // denominator of dev_intensity); the built-up area (建成区) is the `built_up` layer, or derived from footprints.
        if let b = base.builtUp, !b.polygons.isEmpty {
            builtUp = b; source = "built_up layer"
        } else {
            // A partitioned city's merge: the parts derived the tiles their cores own (`partShare`).
            builtUp = try clock("(built-up closing, tiled)") { try given?.builtUpPieces ?? BuiltUpArea.derive(buildings: base.buildings, ops: ops) }
            source = "derived: building footprints closed by \(Int(BuiltUpArea.defaultClosing)) m"
        }
        if let given, given.derived != (source != "built_up layer") {
            throw PipelineError.input(file: "parts", layer: "tiles_part.bin", message: "the parts \(given.derived ? "derived the built-up area" : "read a built_up layer"), the base layer \(given.derived ? "has a built_up layer" : "has none")")
        }
        let inputs = IndicatorInputs(base: base, year: config.year, builtUp: builtUp, builtUpSource: source, ops: ops, walk: walk,
                                     fireDrive: fireDrive, overrides: overrides, floorHeight: config.ingest.floorHeightM)
        progress.begin("indicators: tiled overlays")
        // Built once per run: the indicators, the gap polygons and the grids all read it.
        let prepared = try clock("(area overlays, tiled)") {
            do { return try PreparedLayers(inputs, given: given) } catch let e as TileShareError {
                throw PipelineError.input(file: "parts", layer: "tiles_part.bin", message: e.description)
            }
        }
        for (k, v) in prepared.passTimings { timings["(tile CPU s) " + k] = v }
        progress.begin("indicators")
        let values = try IndicatorRunner.run(inputs, prepared: prepared, timings: &timings) { d, t in progress.update(d, of: t) }
        progress.end()
        var rows: [IndicatorRow] = []
        for v in values {
            var extra: [String: String] = [:]
            if let r = v.reason { extra["not_computed"] = r }
            if v.spec.id == "green_cov" || v.spec.id.hasPrefix("pipe") || v.spec.id == "road_density" { extra["built_up"] = source }
            rows.append(IndicatorRow(city: config.city, year: config.year, zoneID: v.zoneID, zoneName: v.zoneName, indicator: v.spec.id,
                                     nameZh: v.spec.nameZh, nameEn: v.spec.nameEn, value: v.value, unit: v.spec.unit, direction: direction(v.spec.direction),
                                     numerator: v.numerator, denominator: v.denominator, params: paramsJSON(v.params, extra: extra), inputsHash: inputsHash))
        }
        var gaps: MultiPolygon? = nil
        if base.pipes.contains(where: { $0.kind.isDrainage }) {
            let d = overrides["pipe_gap_area"]?["distance_m"] ?? 100
            gaps = try PipeGapArea().gapPolygons(prepared, distance: d).map { pieces in
                try clock("(dissolve pipe gaps)") { try TileDissolve.dissolve(pieces, lattice: inputs.lattice, ops: ops) }
            }
        }
        // The overlays clip to 1 km tiles; the written layers are whole areas (no tile seams in QGIS).
        let builtUpWhole = try clock("(dissolve built-up)") { try TileDissolve.dissolve(prepared.builtUpPieces, lattice: inputs.lattice, ops: ops) }
        var grids: [String] = []
        if let gridDir {
            progress.begin("indicators: grids")
            grids = try clock("(grids)") { try IndicatorGrids.write(inputs: inputs, prepared: prepared, overrides: overrides, outDir: gridDir, cell: gridCell) }
            progress.end()
        }
        if timed {
            for (k, v) in timings.sorted(by: { $0.value > $1.value }) {
                FileHandle.standardError.write(String(format: "timing indicator %-26@ %8.3f s\n", k as NSString, v).data(using: .utf8)!)
            }
        }
        return Output(table: IndicatorTable(rows: rows, source: "indicators.csv"), values: values, builtUp: builtUpWhole, pipeGaps: gaps, grids: grids)
    }

    /// A part's share of the tiled work of `compute` (issue 18): the built-up closing and the area overlays of the
    /// 1 km tiles `only` selects, computed as a single run computes them from `base` (which must hold every feature
    /// near those tiles: a part's read window does, see `PartitionRun.readMargin`).
    public static func partShare(config: CityConfig, base: BaseLayer, only: TileSelection) throws -> TileShare {
        let ops = GEOSGeometryOps()
        let given = base.builtUp.flatMap { $0.polygons.isEmpty ? nil : $0 }
        let overrides = config.indicators.params
        return try TileShare.compute({ bu in
            IndicatorInputs(base: base, year: config.year, builtUp: bu, builtUpSource: "", ops: ops, overrides: overrides,
                            floorHeight: config.ingest.floorHeightM)
        }, buildings: base.buildings, builtUp: given, ops: ops, only: only)
    }

    /// Writes indicators.csv, indicators.json and indicators.gpkg (the table with zone geometries, the built-up area
    /// and the pipe gap polygons).
    public static func write(_ o: Output, base: BaseLayer, outDir: String) throws {
        let dir = URL(fileURLWithPath: outDir)
        do {
            try o.table.writeCSV(to: dir.appendingPathComponent("indicators.csv"))
            try o.table.writeJSON(to: dir.appendingPathComponent("indicators.json"))
        } catch { throw PipelineError.output(path: outDir, message: "\(error)") }
        let path = dir.appendingPathComponent("indicators.gpkg").path
        let w = try GeoPackageWriter(path: path, crs: base.crs)
        do {
            // City rows carry the study boundary (nil without one), not the built-up area: that is written once, in
            // `built_up`; on a 1M-building city it is ~13 MB of WKB, which ~190 city rows made a 2.5 GB file.
            var zoneGeom: [String: MultiPolygon] = [:]
            if let b = base.boundary, !b.polygons.isEmpty { zoneGeom[""] = b }
            for z in base.zones { zoneGeom[z.id] = z.area }
            var t = FeatureTable(name: "indicators", geometryType: "MultiPolygon", fields: [
                FieldDef("city", .string, ""), FieldDef("year", .integer, ""), FieldDef("zone_id", .string, ""), FieldDef("zone_name", .string, ""),
                FieldDef("indicator", .string, ""), FieldDef("name_zh", .string, ""), FieldDef("name_en", .string, ""), FieldDef("value", .real, ""),
                FieldDef("unit", .string, ""), FieldDef("direction", .string, ""), FieldDef("numerator", .real, ""), FieldDef("denominator", .real, ""),
                FieldDef("params", .string, ""), FieldDef("inputs_hash", .string, ""),
            ])
            for r in o.table.rows {
                t.append(zoneGeom[r.zoneID].map { .multiPolygon($0) }, [
                    .string(r.city), .int(Int64(r.year)), .string(r.zoneID), .string(r.zoneName), .string(r.indicator), .string(r.nameZh),
                    .string(r.nameEn), r.value.map { .real($0) } ?? .null, .string(r.unit), .string(r.direction.rawValue),
                    r.numerator.map { .real($0) } ?? .null, r.denominator.map { .real($0) } ?? .null, .string(r.params), .string(r.inputsHash),
                ])
            }
            try w.write(table: t)
            var bu = FeatureTable(name: "built_up", geometryType: "MultiPolygon", fields: [FieldDef("area_m2", .real, "")])
            bu.append(.multiPolygon(o.builtUp), [.real(o.builtUp.area)])
            try w.write(table: bu)
            var gaps = FeatureTable(name: "pipe_gaps", geometryType: "MultiPolygon", fields: [FieldDef("area_m2", .real, "")])
            for p in o.pipeGaps?.polygons ?? [] where p.area > 1 { gaps.append(.polygon(p), [.real(p.area)]) }
            try w.write(table: gaps)
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// Summary line.
    static func summary(_ o: Output, zones: Int, seconds: Double) -> String {
        let city = o.values.filter { $0.zoneID.isEmpty }
        let computed = city.filter { $0.value != nil }.count
        let missing = city.filter { $0.value == nil }.map(\.spec.id)
        var s = "indicators  \(computed) city-level computed"
        if !missing.isEmpty { s += " · \(missing.count) not computed (\(missing.prefix(6).joined(separator: ", "))\(missing.count > 6 ? ", …" : ""): reasons in params)" }
        s += " · \(zones) zones · \(o.table.rows.count) rows · \(o.grids.count) grids · gap polygons" + String(format: "  %.1f s", seconds)
        return s
    }
}
