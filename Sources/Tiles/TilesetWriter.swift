import CityModel
import Dispatch
import Foundation

/// Writes buildings as an OGC 3D Tiles 1.1 tileset with glTF 2.0 (GLB) content: `DIR/tileset.json` and
/// `DIR/content/<level>/<x>_<y>.glb`.
///
/// Pipeline (streaming: memory bounded by one tile per core, not by the city's meshes):
/// 1. plan a quadtree over building ids (`QuadtreePlan`), no geometry built;
/// 2. for each content tile — concurrently on all cores when `options.parallel` — extrude its buildings in the tile's
///    own ENU frame (`TileContentBuilder`), write its .glb, keep only its region and frame;
/// 3. combine regions bottom-up, compute geometric errors, write tileset.json last, atomically (temp file + rename).
///
/// Tileset layout: a content-free root (no transform, refine ADD) over the quadtree; each content tile carries a
/// `transform` = its ENU→ECEF frame, expressed relative to the nearest ancestor with a transform (3D Tiles transforms
/// compose down the tree); `region` bounding volumes contain every vertex of the tile's content and of all its
/// descendants (exact ECEF→geodetic of every vertex, plus `boundsMarginM`). No CESIUM_RTC, no tileset extensions.
///
/// Geometric error rule (metres): a leaf has 0; any other tile has
///   max(scale × E, 1.25 × (largest child geometric error), 1)
/// where E is the largest building extent (max of height and footprint bounding-box diagonal) in the content of its
/// strict descendants — the size of the largest thing missing when the tile is drawn without its children. So errors
/// strictly decrease downward. The content-free root's is the same rule but at least half the horizontal diagonal of
/// the whole region (drawn alone it shows nothing), so the top tiles' landmarks load as soon as the tileset is in
/// view; tileset.geometricError is twice the root's. With refine ADD, a client at distance d shows a tile's children
/// once geometricError × screenHeight / (d · 2 tan(fov/2)) exceeds its maximumScreenSpaceError (CesiumJS default 16):
/// the largest missing building would be drawn bigger than that many pixels.
///
/// Complexity: O(V) for V output vertices plus O(n log n · depth) for the plan.
/// Standards: OGC 3D Tiles 1.1 (22-025r4), glTF 2.0, EXT_mesh_features, EXT_structural_metadata.
public struct TilesetWriter: Sendable {
    public var options: TilesetOptions
    public init(_ options: TilesetOptions = TilesetOptions()) { self.options = options }

    /// Exports `buildings` (footprints in the working CRS of `projector`) with optional extra per-building columns.
    /// - Parameters:
    ///   - buildings: the buildings; those whose footprint has no coordinates are skipped (counted in the summary).
    ///   - extraColumns: extra properties, each parallel to `buildings`.
    ///   - projector: working CRS (x, y, ellipsoidal height) → ECEF; called concurrently, one batch per tile.
    ///   - directory: output folder (created if needed); existing `tileset.json` and `content/` files are overwritten.
    /// - Throws: `TilesError` for bad columns, projection or file errors.
    public func write(buildings: [Building], extraColumns: [BuildingColumn] = [], projector: any ECEFProjector,
                      to directory: URL) throws -> TilesetSummary {
        let reserved: Set<String> = ["id", "source_id", "height_m", "ground_m", "height_source", "floors", "use", "year_built", "residents"]
        var seen = reserved
        for c in extraColumns {
            guard c.values.count == buildings.count else {
                throw TilesError.columnLength(name: c.name, count: c.values.count, expected: buildings.count)
            }
            guard seen.insert(c.identifier).inserted else { throw TilesError.duplicateColumn(c.identifier) }
        }
        let metadata = BuildingMetadata(columns: extraColumns)

        // 1. Plan.
        var anchors = [Vec2](repeating: .zero, count: buildings.count)
        var extents = [Float](repeating: 0, count: buildings.count)
        var triEst = [Int32](repeating: 0, count: buildings.count)
        var ids: [Int32] = []
        ids.reserveCapacity(buildings.count)
        for (i, b) in buildings.enumerated() {
            let bb = b.footprint.bbox
            guard !bb.isEmpty, bb.minX.isFinite, bb.maxX.isFinite, bb.minY.isFinite, bb.maxY.isFinite else { continue }
            anchors[i] = bb.center
            let diag = (bb.width * bb.width + bb.height * bb.height).squareRoot()
            extents[i] = Float(max(diag, b.heightM.isFinite ? b.heightM : 0))
            var t = 0
            for p in b.footprint.polygons { for r in p.rings { t += 4 * r.count + 4 } }
            triEst[i] = Int32(clamping: t)
            ids.append(Int32(i))
        }
        let plan = QuadtreePlan(anchors: anchors, extents: extents, triangleEstimates: triEst, ids: ids, options: options)
        anchors = []; triEst = []

        // 2. Content tiles.
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            var levels = Set<Int>()
            for t in plan.tiles where !t.content.isEmpty { levels.insert(t.level) }
            for l in levels {
                try fm.createDirectory(at: directory.appendingPathComponent("content/\(l)"), withIntermediateDirectories: true)
            }
        } catch { throw TilesError.io("\(error)") }
        let contentTiles = plan.tiles.indices.filter { !plan.tiles[$0].content.isEmpty }
        let builder = TileContentBuilder(buildings: buildings, metadata: metadata, options: options, projector: projector)
        let results = ResultStore(count: plan.tiles.count)
        let work: @Sendable (Int) -> Void = { k in
            if results.failed { return }
            let ti = contentTiles[k]
            let t = plan.tiles[ti]
            do {
                let r = try builder.build(ids: t.content)
                let url = directory.appendingPathComponent(TilesetWriter.contentURI(t))
                do { try Data(r.glb).write(to: url) } catch { throw TilesError.io("\(url.path): \(error)") }
                results.set(ti, TileInfo(region: r.region, frame: r.frame, triangles: r.triangles, vertices: r.vertices,
                                         features: r.features, bytes: r.glb.count))
            } catch {
                results.fail(error)
            }
        }
        if options.parallel && contentTiles.count > 1 {
            DispatchQueue.concurrentPerform(iterations: contentTiles.count, execute: work)
        } else {
            for k in contentTiles.indices { work(k) }
        }
        if let e = results.error { throw e }

        // 3. Tileset.
        var summary = TilesetSummary(tiles: 0, contentTiles: contentTiles.count, buildings: 0,
                                     skippedBuildings: buildings.count - ids.count, triangles: 0, vertices: 0, bytes: 0,
                                     depth: 0, rootRegion: [])
        for i in plan.tiles.indices {
            if let r = results.info[i] {
                summary.buildings += r.features; summary.triangles += r.triangles
                summary.vertices += r.vertices; summary.bytes += r.bytes
            }
        }
        let json = TilesetJSON(plan: plan, info: results.info, extents: extents, options: options).encode(summary: &summary)
        let data = Data(json.utf8)
        do { try data.write(to: directory.appendingPathComponent("tileset.json"), options: .atomic) }
        catch { throw TilesError.io("tileset.json: \(error)") }
        summary.bytes += data.count
        return summary
    }

    /// Relative URI of a tile's content.
    static func contentURI(_ t: QuadtreePlan.Tile) -> String { "content/\(t.level)/\(t.x)_\(t.y).glb" }
}

/// What is kept of a written content tile.
struct TileInfo: Sendable {
    var region: GeodeticRegion
    var frame: RigidTransform
    var triangles: Int, vertices: Int, features: Int, bytes: Int
}

/// Per-tile results written by concurrent workers.
final class ResultStore: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var info: [TileInfo?]
    private(set) var error: Error?
    private var failedFlag = false
    init(count: Int) { info = Array(repeating: nil, count: count) }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failedFlag }
    func set(_ i: Int, _ v: TileInfo) { lock.lock(); info[i] = v; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; failedFlag = true; lock.unlock() }
}
