import CityModel
import Foundation
import GeoBridge
import Tiles

/// Working CRS (+ ellipsoidal height) → ECEF (EPSG:4978) for the 3D Tiles writer, through GeoBridge's PROJ pool (the
/// writer calls it from several threads; the pool keeps each PROJ object on one thread at a time).
struct PROJECEFProjector: ECEFProjector {
    let pool: ProjTransformerPool
    init(crs: String) throws { pool = try ProjTransformerPool(from: crs, to: "EPSG:4978") }
    func toECEF(_ points: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        do { return try pool.transform(points) } catch { throw TilesError.projection("\(error)") }
    }
}

/// `cimbase tiles`: buildings as 3D Tiles 1.1 → DIR/tiles/buildings/tileset.json.
public enum TilesStage {
    /// Per-building walk distances `d_<category>` (m; −1 when not an origin or beyond reach) as tile metadata columns.
    public static func columns(_ walk: WalkStage.Output?) -> [BuildingColumn] {
        (walk?.extraColumns ?? []).map { BuildingColumn(name: $0.name, description: "walking distance (m) to the nearest facility; -1: none within reach or not residential",
                                                        values: .float32($0.values, noData: -1)) }
    }

    /// The tiles options, read and validated with the config (`CityConfig.tiles`).
    static func options(_ config: CityConfig) throws -> TilesetOptions { config.tiles }

    /// `tiles.attributes: [名称, 地址]`: kept source attributes of the buildings (by source or base.gpkg name) that also
    /// go into the tiles' metadata. A name that is not kept is an error naming the key and the kept names.
    static func attributeColumns(_ config: CityConfig, _ base: BaseLayer) throws -> [BuildingColumn] {
        let table = base.attributes["buildings"] ?? AttributeTable()
        return try config.tilesAttributes.map { n in
            guard let c = table.column(n) else {
                let kept = table.columns.map(\.sourceName)
                throw PipelineError.config(file: config.file, line: nil,
                                           message: "tiles.attributes: no building attribute '\(n)' is kept from the sources (kept: \(kept.isEmpty ? "none" : kept.joined(separator: ", ")))")
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
            summary = try TilesetWriter(try options(config), codec: MeshoptCodec()).write(buildings: base.buildings, extraColumns: extraColumns, projector: projector, to: dir)
        } catch let e as PipelineError { throw e } catch {
            throw PipelineError.output(path: dir.path, message: "\(error)")
        }
        progress.end()
        let mb = Double(summary.bytes) / 1e6
        let reuse = summary.contentsReused > 0 || summary.staleFilesRemoved > 0
            ? " (\(summary.contentsWritten.grouped) written, \(summary.contentsReused.grouped) unchanged, \(summary.staleFilesRemoved.grouped) stale removed)" : ""
        progress.say(String(format: "tiles       %@ buildings%@ · %@ tiles%@ · %@ triangles · %.1f MB %@  %.1f s → %@", summary.buildings.grouped,
                   summary.blocks > 0 ? " + \(summary.blocks.grouped) LOD blocks" : "", summary.contentTiles.grouped, reuse + (summary.subtrees > 0 ? " (implicit, \(summary.subtrees.grouped) subtrees)" : ""), summary.triangles.grouped, mb, config.tiles.compression.rawValue,
                   Date().timeIntervalSince(t0), dir.appendingPathComponent("tileset.json").path))
        return summary
    }
}
