import CityModel
import ConfigReader
import Foundation
import GeoBridge
import GridCore
import Yams

/// `layers.dem`: the terrain the buildings stand on (issue 15, item 2).
///
/// ```yaml
/// layers:
///   dem: {source: dem.tif, band: 1, sample: min, crs: EPSG:4326+5773, geoid: us_nga_egm96_15.tif}
/// ```
public struct DEMOptions: Sendable, Equatable {
    /// The raster, resolved against the config's folder.
    public var source: String
    public var band = 1
    public var sample: GroundStatistic = .min
    public var crs: String?
    public var geoid: String?
    /// Lines of the entry and of its keys (for messages).
    public var line: Int?
    public var sourceLine: Int?
    public var bandLine: Int?
    public var geoidLine: Int?
    public var crsLine: Int?

    public init(source: String, band: Int = 1, sample: GroundStatistic = .min, crs: String? = nil, geoid: String? = nil) {
        self.source = source; self.band = band; self.sample = sample; self.crs = crs; self.geoid = geoid
    }

    static let keys: Set<String> = ["source", "band", "sample", "crs", "geoid"]

    /// Reads `layers.dem` (the source is resolved by `resolve`).
    static func read(_ node: Node, _ r: ConfigReader, key: String, resolve: (String) -> String) throws(ConfigError) -> DEMOptions {
        var o = DEMOptions(source: "")
        o.line = node.mark?.line
        var saw = false
        for e in try r.entries(node, key, allowed: keys) {
            switch e.name {
            case "source": o.source = resolve(try r.text(e.value, e.path, nonEmpty: true)); o.sourceLine = e.value.mark?.line; saw = true
            case "band": o.band = try r.integer(e.value, e.path, 1...65535); o.bandLine = e.value.mark?.line
            case "sample":
                let s = try r.text(e.value, e.path).lowercased()
                guard let m = GroundStatistic(rawValue: s) else {
                    throw r.fail(e.path, e.value, "unknown sample mode '\(s)' (known: \(GroundStatistic.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                o.sample = m
            case "crs": o.crs = try r.text(e.value, e.path, nonEmpty: true); o.crsLine = e.value.mark?.line
            case "geoid": o.geoid = try r.text(e.value, e.path, nonEmpty: true); o.geoidLine = e.value.mark?.line
            default: break
            }
        }
        guard saw else { throw r.fail(key, node, "\(key) needs 'source'") }
        return o
    }
}

/// Ground heights of the buildings from `layers.dem`: the source's `ground` attribute wins, then the DEM, else the
/// default (`ground_m` empty, `ground_source` default; the 3D Tiles then use `ground_height_m`).
public enum Terrain {
    /// Checks what can be checked without sampling: the file opens and has the band (errors name the key and line).
    static func check(_ o: DEMOptions, file: String) throws {
        guard FileManager.default.fileExists(atPath: o.source) || o.source.hasPrefix("/vsi") else {
            throw PipelineError.config(file: file, line: o.sourceLine ?? o.line, message: "layers.dem.source: no such file \(o.source)")
        }
        let d: (width: Int, height: Int, bands: Int)
        do { d = try DEMSampler.describe(path: o.source) } catch {
            throw PipelineError.config(file: file, line: o.sourceLine ?? o.line, message: "layers.dem.source: \(error)")
        }
        guard o.band <= d.bands else {
            throw PipelineError.config(file: file, line: o.bandLine ?? o.line, message: "layers.dem.band: \(o.band) is out of range: \(o.source) has \(d.bands) band\(d.bands == 1 ? "" : "s")")
        }
    }

    /// Fills `groundM` / `groundSource` of the buildings without a ground attribute from the DEM; returns a note for
    /// the ingest summary. Errors name the config key and line (a missing geoid grid names the grid).
    static func apply(_ base: inout BaseLayer, config: CityConfig) throws -> String? {
        guard let o = config.dem else { return nil }
        try check(o, file: config.file)
        let todo = base.buildings.indices.filter { base.buildings[$0].groundSource != .attribute }
        guard !todo.isEmpty else { return "terrain: every building has a ground attribute; the DEM is not used" }
        let req = DEMRequest(path: o.source, band: o.band, statistic: o.sample, crs: o.crs, geoid: o.geoid)
        let samples: DEMSamples
        do { samples = try DEMSampler.sample(footprints: todo.map { base.buildings[$0].footprint }, workingCRS: base.crs, request: req) } catch let e as DEMError {
            switch e {
            case .missingGrid, .noVerticalTransformation:
                let line = o.geoid != nil ? o.geoidLine : o.crsLine
                throw PipelineError.config(file: config.file, line: line ?? o.line, message: "layers.dem\(o.geoid != nil ? ".geoid" : o.crs != nil ? ".crs" : ""): \(e)")
            case .noBand: throw PipelineError.config(file: config.file, line: o.bandLine ?? o.line, message: "layers.dem.band: \(e)")
            case .badCRS, .noCRS: throw PipelineError.config(file: config.file, line: o.crsLine ?? o.line, message: "layers.dem.crs: \(e)")
            default: throw PipelineError.input(file: o.source, layer: "dem", message: "\(e)")
            }
        }
        var sampled = 0
        for (k, i) in todo.enumerated() {
            if let g = samples.ground[k] {
                base.buildings[i].groundM = g; base.buildings[i].groundSource = .dem; sampled += 1
            } else {
                base.buildings[i].groundM = nil; base.buildings[i].groundSource = .default
            }
        }
        var note = "terrain: \(sampled.grouped) buildings on the DEM (\(o.sample.rawValue), \(samples.vertical))"
        if samples.subCell > 0 { note += ", \(samples.subCell.grouped) smaller than a cell sampled at their centroid's cell" }
        if samples.missing > 0 { note += "; \(samples.missing.grouped) outside the DEM or on no-data → ground_height_m" }
        return note
    }
}
