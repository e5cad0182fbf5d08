import CityModel
import Foundation

/// Ingest steps 2 and 3 started while the OSM file is still being read: whenever the reading thread has no batch of
/// features ready (GDAL's parse on the reader thread is the slow side), the caller's thread reprojects the next chunk
/// of the features read so far (buildings and roads) and validates the buildings' polygons, instead of waiting.
///
/// The working CRS is not final until everything is read (the median of all buildings), so this work is speculative:
/// it uses the CRS of the first chunk of buildings (or the configured one), and `Ingest.build` uses it only when the
/// final working CRS is the same; otherwise everything is done again from the raw features, as without prefetching.
/// Each feature's reprojection and validation depend on that feature alone, so the records, rejects and their
/// reasons are those of the one-pass path (one exception, as with any change of PROJ's batches: a reject reason quotes
/// PROJ's last message of its batch of ≤ 512 features, which is the same unless several points of a batch fail
/// differently). Runs on the caller's thread only; not shared between threads.
final class IngestPrefetch {
    /// Features per chunk (a chunk takes ~2 ms, so the reader's queue of 8 batches is never left full for long).
    static let chunk = 256
    /// Layers whose features are reprojected ahead; the polygons of `validated` are validated too.
    static let layers = ["buildings", "roads"]
    static let validated: Set<String> = ["buildings"]
    /// At most this many features per layer are done ahead: their reprojected copies live beside the raw features
    /// until the read ends (~0.5 KB per building), so the extra memory is bounded (~50 MB).
    static let maxPerLayer = 100_000

    private let configuredCRS: String
    private let origin: SourceOrigin
    private let repair: Bool
    /// The provisional reprojection (nil until known); `failed` once it cannot be made (then nothing is done).
    private(set) var projection: Reprojection?
    private var failed = false, warmed = false

    /// What was done for one layer: its first `feats.count` features, reprojected, with their coordinate errors and
    /// (validated layers) the validation outcomes.
    struct Done {
        var feats: [RawFeature] = []
        var errors: [String?] = []
        var outcomes: [GeometryValidator.Outcome<MultiPolygon>?] = []
    }
    private(set) var done: [String: Done] = [:]

    /// - Parameter origin: the OSM source, origin 0 of every feature it reads.
    init(configuredCRS: String, origin: SourceOrigin, repair: Bool) {
        self.configuredCRS = configuredCRS
        self.origin = origin
        self.repair = repair
    }

    /// Does the next chunk of work on `out` (the features read so far, per canonical layer); false when none is due.
    func step(_ out: [String: [RawFeature]]) -> Bool {
        if failed { return false }
        if projection == nil {
            let buildings = out["buildings"] ?? []
            // The final centre comes from the buildings when there are any; before the first chunk it is unknown.
            if configuredCRS.lowercased() == "auto" && buildings.count < Self.chunk { return false }
            do {
                var probe = IngestSources()
                probe.origins = [origin]
                probe.raw["buildings"] = Array(buildings.prefix(Self.chunk))
                let centre = configuredCRS.lowercased() == "auto" ? try Reprojection.centreLonLat(probe) : nil
                projection = try Reprojection(crs: WorkingCRS.resolve(configuredCRS, centreLonLat: centre), origins: [origin])
            } catch {
                failed = true
                return false
            }
            return true
        }
        guard let projection else { return false }
        for layer in Self.layers {
            let all = out[layer] ?? []
            let k = done[layer]?.feats.count ?? 0
            guard all.count - k >= Self.chunk, k + Self.chunk <= Self.maxPerLayer else { continue }
            var feats = Array(all[k ..< k + Self.chunk])
            let errors = projection.reproject(&feats)
            var d = done[layer] ?? Done()
            if Self.validated.contains(layer) {
                d.outcomes += GeometryValidator.validateAll(feats, skip: errors.map { $0 != nil }, repair: repair)
            }
            d.feats += feats
            d.errors += errors
            done[layer] = d
            return true
        }
        if !warmed {
            // Nothing due: make the other workers' transformers now rather than when the reprojection runs.
            warmed = true
            projection.warm()
            return true
        }
        return false
    }

    /// The provisional reprojection, when it is the one `Reprojection(crs:origins:)` would make for these arguments
    /// (same working CRS, and the OSM file is the only source).
    func reusable(crs: String, origins: [SourceOrigin]) -> Reprojection? {
        guard let p = projection, p.crs == crs, origins.count == 1, let o = origins.first, o.file == origin.file, o.layer == origin.layer,
              o.crs == origin.crs, o.coords == origin.coords, o.extra.columns.isEmpty else { return nil }
        return p
    }

    /// Hands over (and forgets) the work done for `layer` when `final` is the working CRS it was done for; nil
    /// otherwise, or when none was done.
    func take(_ layer: String, final: Reprojection) -> Done? {
        let d = done.removeValue(forKey: layer)
        guard let p = projection, p.crs == final.crs, let o = final.origins.first, o.crs == origin.crs, o.coords == origin.coords,
              o.file == origin.file, o.layer == origin.layer, let d, !d.feats.isEmpty else { return nil }
        return d
    }
}
