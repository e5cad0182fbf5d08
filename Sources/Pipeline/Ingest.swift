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

/// Reads every configured layer, reprojects to the working CRS, validates and writes `base.gpkg`, in small steps:
/// 1. read (`IngestRead`: OSM preset and configured layers, source attributes kept column by column);
/// 2. reproject (`Reprojection`: working CRS from the plausible features, per-feature coordinate checks);
/// 3. validate and 4. classify (`RecordBuilder`, `GeometryValidator`: repair, rejects, duplicates, categories);
/// 5. assign residents (`Residents`);
/// 6. write (`BaseLayerIO`, atomically).
public enum Ingest {
    /// Reads and validates everything; returns the base layer in memory (not yet written).
    public static func build(config: CityConfig, progress: Progress) throws -> (BaseLayer, IngestReport) {
        try build(config: config, progress: progress, prefetch: true)
    }

    /// - Parameters:
    ///   - prefetch: reproject and validate OSM features while the file is read (`IngestPrefetch`; same result).
    ///   - provisionalCRS: tests only: the CRS the prefetch assumes (instead of the one of the first buildings).
    static func build(config: CityConfig, progress: Progress, prefetch usePrefetch: Bool, provisionalCRS: String? = nil) throws -> (BaseLayer, IngestReport) {
        let t0 = Date()
        var timer = StepTimer()
        // The OSM reader thread closes its file after its last batch; no GDAL call of it may outlive ingest.
        defer { VectorDataset.waitForClosingReaders() }
        var sources = try IngestRead.read(config: config, progress: progress, prefetch: usePrefetch, provisionalCRS: provisionalCRS)
        timer.lap("read")
        let prefetch = sources.prefetch
        sources.prefetch = nil
        // The working CRS; the prefetch's reprojection (transformers made during the read) when it is the same.
        let crs = try WorkingCRS.resolve(config.crs, centreLonLat: try Reprojection.centreLonLat(sources))
        let projection = try prefetch?.reusable(crs: crs, origins: sources.origins) ?? Reprojection(crs: crs, origins: sources.origins)
        timer.lap("working CRS")
        var records = RecordBuilder(options: config.ingest, origins: sources.origins, crs: projection.crs, categories: config.categories)
        let total = sources.raw.values.reduce(0) { $0 + $1.count }
        var done = 0
        progress.begin("ingest: validating")
        for layer in CityConfig.layerKeys {
            guard var feats = sources.raw[layer] else { continue }
            sources.raw[layer] = nil // free as we go
            var errors: [String?]
            var outcomes: [GeometryValidator.Outcome<MultiPolygon>?]? = nil
            if config.layers[layer] == nil, let d = prefetch?.take(layer, final: projection), d.feats.count <= feats.count {
                // The OSM features read first were reprojected (and validated) during the read, for this working CRS.
                let k = d.feats.count
                feats.replaceSubrange(0 ..< k, with: d.feats)
                let tailErrors = projection.reproject(&feats, from: k)
                errors = d.errors + tailErrors
                if IngestPrefetch.validated.contains(layer), RecordBuilder.polygonal.contains(layer) {
                    outcomes = d.outcomes + GeometryValidator.validateAll(feats, from: k, skip: tailErrors.map { $0 != nil }, repair: config.ingest.repairInvalid)
                }
            } else {
                errors = projection.reproject(&feats)
            }
            timer.lap("reproject \(layer)")
            records.add(layer: layer, feats, coordinateErrors: errors, outcomes: outcomes)
            timer.lap("validate+classify \(layer)")
            done += feats.count
            progress.update(done, of: total)
        }
        progress.end()
        try records.dissolveBoundary()
        var base = records.base
        records.base = BaseLayer() // base is then the only owner: assigning residents does not copy the buildings
        var notes = sources.notes
        if !records.unmappedWebTypes.isEmpty {
            let n = records.unmappedWebTypes.values.reduce(0, +)
            let list = records.unmappedWebTypes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(12)
                .map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
            notes.append("facilities: \(n) web-map POIs of \(records.unmappedWebTypes.count) unmapped types → rejects: \(list)")
        }
        if let n = FacilityAliases.unknownLabelNote(rejects: base.rejects) { notes.append(n) }
        let coordinateRejects = base.rejects.filter { $0.geometry == nil && ($0.reason.hasPrefix("cannot reproject") || $0.reason.hasPrefix("coordinates outside")) }.count
        if coordinateRejects > 0 { notes.append("\(coordinateRejects) features with coordinates that cannot be reprojected or lie outside the area of use of \(projection.crs) → rejects") }
        if let n = try Terrain.apply(&base, config: config) { notes.append(n) }
        timer.lap("terrain")
        let (method, unassigned) = Residents.assign(&base, config.ingest)
        timer.lap("residents")
        timer.report("ingest")
        var cats: [String: Int] = [:]
        for f in base.facilities { cats[f.category, default: 0] += 1 }
        let report = IngestReport(crs: projection.crs, counts: records.counts, facilityCategories: cats, residentsMethod: method,
                                  residentsTotal: base.buildings.reduce(0) { $0 + ($1.residents ?? 0) },
                                  unassignedPopulation: unassigned, notes: notes, seconds: Date().timeIntervalSince(t0))
        return (base, report)
    }

    /// Reads, validates and writes `DIR/base.gpkg` atomically; prints the summary.
    @discardableResult
    public static func run(config: CityConfig, outDir: String, progress: Progress) throws -> (BaseLayer, IngestReport) {
        let (base, report0) = try build(config: config, progress: progress)
        var report = report0
        let t0 = Date()
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        progress.begin("ingest: writing base.gpkg")
        try BaseLayerIO.write(base, to: (outDir as NSString).appendingPathComponent("base.gpkg"), config: config)
        progress.end()
        StepTimer.report("ingest", "write", Date().timeIntervalSince(t0))
        report.seconds += Date().timeIntervalSince(t0)
        for n in report.notes {
            if n.hasPrefix("warning: ") { FileHandle.standardError.write((n + "\n").data(using: .utf8)!) }
        }
        progress.say(summary(report))
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

