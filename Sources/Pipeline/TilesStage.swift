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
        (walk?.extraColumns ?? []).map { BuildingColumn(name: $0.name, description: walkColumnDescription, values: .float32($0.values, noData: -1)) }
    }
    static let walkColumnDescription = "walking distance (m) to the nearest facility; -1: none within reach or not residential"

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
    public static func run(config: CityConfig, base: BaseLayer, extraColumns extraColumns0: [BuildingColumn], outDir: String, progress: Progress,
                           only: [Int]? = nil) throws -> TilesetSummary {
        var extraColumns = try attributeColumns(config, base) + extraColumns0
        // A part of a partitioned city: the buildings its core owns (`only`, indices into base.buildings) and their rows.
        var buildings = base.buildings
        if let only {
            buildings = only.map { base.buildings[$0] }
            extraColumns = extraColumns.map { BuildingColumn(name: $0.name, description: $0.description, values: $0.values.subset(only)) }
        }
        let t0 = Date()
        let dir = URL(fileURLWithPath: outDir).appendingPathComponent("tiles/buildings")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        progress.begin("tiles: \(buildings.count.grouped) buildings")
        let projector: PROJECEFProjector
        do { projector = try PROJECEFProjector(crs: base.crs) } catch {
            throw PipelineError.crs(message: "cannot transform \(base.crs) to ECEF (EPSG:4978): \(error)")
        }
        let summary: TilesetSummary
        do {
            summary = try TilesetWriter(try options(config), codec: MeshoptCodec()).write(buildings: buildings, extraColumns: extraColumns, projector: projector, to: dir)
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

    /// `cimbase merge`: the parts' tilesets (parts/K/tiles/buildings, the buildings each core owns) joined under one
    /// root (`TilesetJoin`) in DIR/tiles/buildings, each part's files hard-linked (copied across file systems) into
    /// DIR/tiles/buildings/parts/K, so the joined folder is self-contained and the parts stay as they are. Built in a
    /// temporary folder and renamed into place.
    static func join(parts: [(id: Int, dir: String)], outDir: String, progress: Progress) throws {
        let t0 = Date()
        let fm = FileManager.default
        let tiles = URL(fileURLWithPath: outDir).appendingPathComponent("tiles")
        let final = tiles.appendingPathComponent("buildings")
        let tmp = tiles.appendingPathComponent(".buildings-join-\(ProcessInfo.processInfo.processIdentifier)")
        var joined: [TilesetJoin.Part] = []
        var files = 0, linked = 0
        do {
            try? fm.removeItem(at: tmp)
            try fm.createDirectory(at: tmp.appendingPathComponent("parts"), withIntermediateDirectories: true)
            for p in parts {
                let src = URL(fileURLWithPath: p.dir).appendingPathComponent("tiles/buildings")
                guard let json = fm.contents(atPath: src.appendingPathComponent("tileset.json").path) else {
                    throw PipelineError.input(file: src.appendingPathComponent("tileset.json").path, layer: nil, message: "missing: part \(p.id) has no tileset")
                }
                let dst = tmp.appendingPathComponent("parts/\(p.id)")
                try fm.createDirectory(at: dst, withIntermediateDirectories: true)
                // Relative paths from the enumerator (hidden files, e.g. a content cache's temporaries, left out).
                guard let e = fm.enumerator(atPath: src.path) else { continue }
                for case let rel as String in e {
                    if rel.hasPrefix(".") || rel.contains("/.") { continue }
                    let f = src.appendingPathComponent(rel), to = dst.appendingPathComponent(rel)
                    var isDir: ObjCBool = false
                    if fm.fileExists(atPath: f.path, isDirectory: &isDir), isDir.boolValue {
                        try fm.createDirectory(at: to, withIntermediateDirectories: true)
                    } else {
                        files += 1
                        if (try? fm.linkItem(at: f, to: to)) != nil { linked += 1 } else { try fm.copyItem(at: f, to: to) }
                    }
                }
                joined.append(TilesetJoin.Part(uri: "parts/\(p.id)/tileset.json", json: json))
            }
            let text = try TilesetJoin.encode(joined)
            try Data(text.utf8).write(to: tmp.appendingPathComponent("tileset.json"))
            try? fm.removeItem(at: final)
            try fm.moveItem(at: tmp, to: final)
        } catch let e as PipelineError {
            try? fm.removeItem(at: tmp); throw e
        } catch {
            try? fm.removeItem(at: tmp)
            throw PipelineError.output(path: final.path, message: "\(error)")
        }
        progress.say(String(format: "tiles       %d part tilesets joined under one root (%@ files, %@ hard-linked)  %.1f s → %@", joined.count,
                            files.grouped, linked.grouped, Date().timeIntervalSince(t0), final.appendingPathComponent("tileset.json").path))
    }
}
