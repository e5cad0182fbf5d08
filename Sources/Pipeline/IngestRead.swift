import CityModel
import Foundation

/// Everything ingest read, before any check: where each feature came from and the raw features per canonical layer.
struct IngestSources {
    var origins: [SourceOrigin] = []
    /// Canonical layer → features in read order.
    var raw: [String: [RawFeature]] = [:]
    /// Automatic decisions to show the user (encodings assumed, fields recognised).
    var notes: [String] = []
    /// Reprojection and validation of OSM features done while the file was read (see `IngestPrefetch`).
    var prefetch: IngestPrefetch?

    /// Canonical layer a source was read for (for messages).
    func layerName(ofOrigin i: Int) -> String {
        raw.first { $0.value.contains { $0.origin == i } }?.key ?? "?"
    }
}

/// Ingest step 1: reads the OSM preset and every configured layer (SourceReader, OSMPreset), in config order.
enum IngestRead {
    /// - Parameter prefetch: start reprojecting and validating OSM features during the read (`IngestPrefetch`);
    ///   `provisionalCRS` (tests) overrides the CRS it assumes.
    static func read(config: CityConfig, progress: Progress, prefetch usePrefetch: Bool = true, provisionalCRS: String? = nil) throws -> IngestSources {
        var s = IngestSources()
        if config.preset == "osm", let osm = config.osm {
            progress.begin("ingest: reading \((osm as NSString).lastPathComponent)")
            let path = config.resolve(osm)
            let prefetch = usePrefetch && s.origins.isEmpty
                ? IngestPrefetch(configuredCRS: provisionalCRS ?? config.crs, origin: SourceOrigin(file: path, layer: "osm", crs: "EPSG:4326"),
                                 repair: config.ingest.repairInvalid) : nil
            let (o, layers) = try OSMPreset.read(path: path, originBase: s.origins.count, idle: prefetch.map { p in { p.step($0) } })
            s.origins.append(o)
            s.prefetch = prefetch
            for (k, v) in layers where config.layers[k] == nil { s.raw[k, default: []] += v }
        }
        for key in CityConfig.layerKeys {
            guard let spec = config.layers[key] else { continue }
            progress.begin("ingest: reading \(key)")
            let (o, feats) = try SourceReader.read(canonical: key, spec: spec, path: config.resolve(spec.source), originIndex: s.origins.count, notes: &s.notes)
            s.origins.append(o)
            s.raw[key, default: []] += feats
        }
        for spec in config.facilityList {
            let (o, feats) = try SourceReader.read(canonical: "facilities", spec: spec, path: config.resolve(spec.source), originIndex: s.origins.count, notes: &s.notes)
            s.origins.append(o)
            s.raw["facilities", default: []] += feats
        }
        for (i, o) in s.origins.enumerated() where o.crs == nil {
            throw PipelineError.input(file: o.file, layer: o.layer, message: "the layer has no CRS: set layers.\(s.layerName(ofOrigin: i)).crs (e.g. EPSG:4490)")
        }
        return s
    }
}
