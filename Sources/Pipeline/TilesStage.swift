import CityModel
import Foundation
import GeoBridge
import Tiles

/// Working CRS → ECEF (EPSG:4978) through PROJ, for the 3D Tiles writer. The writer calls it from several threads:
/// each call checks a transformer (own PROJ context) out of a small pool, so no PROJ object is shared between threads.
final class PROJECEFProjector: ECEFProjector, @unchecked Sendable {
    let crs: String
    private var pool: [ProjTransformer] = []
    private let lock = NSLock()

    init(crs: String) throws {
        self.crs = crs
        // 3D source: the working CRS with ellipsoidal heights (PROJ promotes a 2D projected CRS to 3D).
        pool.append(try Self.make(crs))
    }

    static func make(_ crs: String) throws -> ProjTransformer {
        try ProjTransformer(from: crs, to: "EPSG:4978")
    }

    func toECEF(_ points: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        lock.lock()
        let t = pool.popLast()
        lock.unlock()
        let tr = try t ?? Self.make(crs)
        defer { lock.lock(); pool.append(tr); lock.unlock() }
        var p = points
        do { try tr.transform(&p) } catch { throw TilesError.projection("\(error)") }
        return p
    }
}

/// `cimbase tiles`: buildings as 3D Tiles 1.1 → DIR/tiles/buildings/tileset.json.
public enum TilesStage {
    /// Per-building walk distances `d_<category>` (m; −1 when not an origin or beyond reach) as tile metadata columns.
    public static func columns(_ walk: WalkStage.Output?) -> [BuildingColumn] {
        (walk?.extraColumns ?? []).map { BuildingColumn(name: $0.name, description: "walking distance (m) to the nearest facility; -1: none within reach or not residential",
                                                        values: .float32($0.values, noData: -1)) }
    }

    static func options(_ config: CityConfig) throws -> TilesetOptions {
        let s = try StageSection(config, "tiles", allowed: allowedKeys)
        var o = TilesetOptions()
        o.defaultGroundHeightM = config.ingest.groundHeightM
        if let v = try s.double("max_buildings_per_tile") { o.maxBuildingsPerTile = Int(v) }
        if let v = try s.double("ground_height_m") { o.defaultGroundHeightM = v }
        if let v = try s.bool("color_by_use") { o.colorByUse = v }
        if let v = try s.double("geometric_error_scale") { o.geometricErrorScale = v }
        return o
    }

    static let allowedKeys = ["max_buildings_per_tile", "ground_height_m", "color_by_use", "geometric_error_scale", "attributes"]

    /// `tiles.attributes: [名称, 地址]`: kept source attributes of the buildings (by source or base.gpkg name) that also
    /// go into the tiles' metadata. A name that is not kept is an error naming the key and the kept names.
    static func attributeColumns(_ config: CityConfig, _ base: BaseLayer) throws -> [BuildingColumn] {
        let s = try StageSection(config, "tiles", allowed: allowedKeys)
        guard let names = try s.strings("attributes") else { return [] }
        let table = base.attributes["buildings"] ?? AttributeTable()
        return try names.map { n in
            guard let c = table.column(n) else {
                let kept = table.columns.map(\.sourceName)
                throw s.err("attributes", "no building attribute '\(n)' is kept from the sources (kept: \(kept.isEmpty ? "none" : kept.joined(separator: ", ")))")
            }
            return BuildingColumn(attribute: c)
        }
    }

    @discardableResult
    public static func run(config: CityConfig, base: BaseLayer, extraColumns extraColumns0: [BuildingColumn], outDir: String, progress: Progress) throws -> TilesetSummary {
        let extraColumns = try attributeColumns(config, base) + extraColumns0
        let t0 = Date()
        let dir = URL(fileURLWithPath: outDir).appendingPathComponent("tiles/buildings")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        progress.begin("tiles: \(base.buildings.count.grouped) buildings")
        let projector: PROJECEFProjector
        do { projector = try PROJECEFProjector(crs: base.crs) } catch {
            throw PipelineError.crs(message: "cannot transform \(base.crs) to ECEF (EPSG:4978): \(error)")
        }
        let summary: TilesetSummary
        do {
            summary = try TilesetWriter(try options(config)).write(buildings: base.buildings, extraColumns: extraColumns, projector: projector, to: dir)
        } catch let e as PipelineError { throw e } catch {
            throw PipelineError.output(path: dir.path, message: "\(error)")
        }
        progress.end()
        let mb = Double(summary.bytes) / 1e6
        say(String(format: "tiles       %@ buildings · %@ tiles · %@ triangles · %.1f MB  %.1f s → %@", summary.buildings.grouped,
                   summary.contentTiles.grouped, summary.triangles.grouped, mb, Date().timeIntervalSince(t0), dir.appendingPathComponent("tileset.json").path))
        return summary
    }
}
