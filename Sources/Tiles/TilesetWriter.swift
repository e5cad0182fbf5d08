import CityModel
import Dispatch
import Foundation

/// Writes buildings as an OGC 3D Tiles 1.1 tileset with glTF 2.0 (GLB) content: `DIR/tileset.json` and
/// `DIR/content/<hash>.glb`, where the hash covers every input of that content (`ContentHasher`), so re-running on a
/// city where a few buildings changed rewrites only the tiles that hold them (`DIR/content/index.json` keeps what
/// tileset.json needs of the others), and files no longer referenced are removed.
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
/// Levels of detail: a parent tile's own content is the simplified city of its cell — with `TileLOD.blocks` its
/// `BlockLOD` blocks (class `block`, refine REPLACE, every building on a leaf; geometric error min(block diagonal, c·s_L),
/// the same bound below), with `.largest` its `coarseBuildingsPerParent` largest buildings (refine ADD: children add
/// the rest; the rule below).
///
/// Geometric error rule (metres): a leaf has 0; a level-L tile with children has
///   max(min(max(scale × E, 1), c · s_L), 1.25 × (largest child geometric error))
/// where E is the largest building extent (max of height and footprint bounding-box diagonal) in the content of its
/// strict descendants — the size of the largest thing missing when the tile is drawn without its children — s_L the
/// side of its quadtree cell (root side / 2^L) and c = `lodErrorPerSide`. By induction every error is ≤ c · s_L, and
/// errors strictly decrease downward.
/// Triangle bound: a client with screen-space factor K (a tile of error e is refined when the camera is closer than
/// e·K; K ≈ 58.5 for CesiumJS defaults) refines at level L only tiles within c·K·s_L of the camera; level-L cells are
/// disjoint squares of side s_L, so at most π(c·K + √2 + m)² of them (m: the largest building extent over s_L, as
/// content may overhang its cell), whatever the zoom. Each refined tile loads ≤ 4 children of ≤ `maxTrianglesPerTile`
/// (estimated) triangles, so the triangles loaded are ≤ depth × 4π(cK + √2 + m)² × maxTrianglesPerTile, plus the
/// content-free root's children. With c·K = 2 that is ≤ 47 refined tiles per level. The content-free root's is the same rule but at least half the horizontal diagonal of
/// the whole region (drawn alone it shows nothing), so the top tiles' landmarks load as soon as the tileset is in
/// view; tileset.geometricError is twice the root's. With refine ADD, a client at distance d shows a tile's children
/// once geometricError × screenHeight / (d · 2 tan(fov/2)) exceeds its maximumScreenSpaceError (CesiumJS default 16):
/// the largest missing building would be drawn bigger than that many pixels.
///
/// Complexity: O(V) for V output vertices plus O(n log n · depth) for the plan.
/// Standards: OGC 3D Tiles 1.1 (22-025r4), glTF 2.0, EXT_mesh_features, EXT_structural_metadata.
public struct TilesetWriter: Sendable {
    public var options: TilesetOptions
    /// Mesh optimiser and encoder for `TileCompression.meshopt` (e.g. GeoBridge's `MeshoptCodec`); unused otherwise.
    public var codec: (any MeshCodec)?
    public init(_ options: TilesetOptions = TilesetOptions(), codec: (any MeshCodec)? = nil) { self.options = options; self.codec = codec }

    /// Exports `buildings` (footprints in the working CRS of `projector`) with optional extra per-building columns.
    /// - Parameters:
    ///   - buildings: the buildings; those whose footprint has no coordinates are skipped (counted in the summary).
    ///   - extraColumns: extra properties, each parallel to `buildings`.
    ///   - projector: working CRS (x, y, ellipsoidal height) → ECEF; called concurrently, one batch per tile.
    ///   - directory: output folder (created if needed); `tileset.json` is replaced, contents whose hash is unchanged are
    ///     kept, other `.glb` files under `content/` are removed.
    /// - Throws: `TilesError` for bad columns, projection or file errors.
    public func write(buildings: [Building], extraColumns: [BuildingColumn] = [], projector: any ECEFProjector,
                      to directory: URL) throws -> TilesetSummary {
        let reserved: Set<String> = ["id", "source_id", "height_m", "ground_m", "ground_source", "height_source", "floors", "use", "year_built", "residents"]
        var seen = reserved
        for c in extraColumns {
            guard c.values.count == buildings.count else {
                throw TilesError.columnLength(name: c.name, count: c.values.count, expected: buildings.count)
            }
            guard seen.insert(c.identifier).inserted else { throw TilesError.duplicateColumn(c.identifier) }
        }
        let metadata = BuildingMetadata(columns: extraColumns)
        if options.compression == .meshopt && codec == nil {
            throw TilesError.options("compression meshopt needs a MeshCodec (GeoBridge's MeshoptCodec)")
        }
        guard (8...16).contains(options.positionBits) else { throw TilesError.options("positionBits \(options.positionBits) is not in 8…16") }

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
        if options.implicit {
            return try writeImplicit(buildings: buildings, ids: ids, extents: extents, triangleEstimates: triEst, metadata: metadata,
                                     projector: projector, to: directory)
        }
        var planOptions = options
        if options.lod == .blocks { planOptions.coarseBuildingsPerParent = 0 }
        let plan = QuadtreePlan(anchors: anchors, extents: extents, triangleEstimates: triEst, ids: ids, options: planOptions)
        let blocks = options.lod == .blocks
        anchors = []; triEst = []

        // 2. Content tiles, named by the hash of their inputs: a tile whose hash an earlier run wrote is reused.
        let fm = FileManager.default
        let contentDir = directory.appendingPathComponent("content")
        do { try fm.createDirectory(at: contentDir, withIntermediateDirectories: true) } catch { throw TilesError.io("\(error)") }
        let cache = ContentCache(directory: directory)
        let fingerprint = try contentFingerprint(buildings: buildings, ids: ids, projector: projector)
        let contentTiles = plan.tiles.indices.filter { !plan.tiles[$0].content.isEmpty || (blocks && !plan.tiles[$0].children.isEmpty) }
        let builder = TileContentBuilder(buildings: buildings, metadata: metadata, options: options, projector: projector, codec: codec)
        let results = ResultStore(count: plan.tiles.count)
        let work: @Sendable (Int) -> Void = { k in
            if results.failed { return }
            let ti = contentTiles[k]
            let t = plan.tiles[ti]
            do {
                var builder = builder, ids = t.content, fp = fingerprint
                if blocks && !t.children.isEmpty {
                    // A parent: its simplified city (BlockLOD) with the `block` class, hashed with its statistics.
                    let c = plan.cell(ti)
                    let lod = BlockLOD.make(ids: plan.subtreeIds(ti), buildings: buildings, cellMin: c.min, side: c.side,
                                            level: t.level, x: t.x, y: t.y, options: options)
                    builder = TileContentBuilder(buildings: lod.blocks, metadata: BuildingMetadata(columns: []), options: options,
                                                 projector: projector, codec: codec)
                    builder.table = BlockMetadata(stats: lod.stats, level: t.level)
                    ids = (0..<Int32(lod.blocks.count)).map { $0 }
                    var h = ContentHasher()
                    for s in lod.stats {
                        h.int(Int(s.buildings)); h.double(s.footprintAreaM2); h.double(s.blockAreaM2)
                        h.word(UInt64(s.maxHeightM.bitPattern)); h.double(s.residents); h.string(s.name)
                    }
                    fp += ";blocks:" + h.hex
                }
                let hash = builder.contentHash(ids: ids, fingerprint: fp)
                if let old = cache.reusable(hash, directory: directory) {
                    results.set(ti, old, hash: hash, written: false)
                    return
                }
                let r = try builder.build(ids: ids)
                let uri = TilesetWriter.contentURI(hash: hash)
                let url = directory.appendingPathComponent(uri)
                do { try Data(r.glb).write(to: url, options: .atomic) } catch { throw TilesError.io("\(url.path): \(error)") }
                results.set(ti, TileInfo(uri: uri, region: r.region, frame: r.frame, triangles: r.triangles, vertices: r.vertices,
                                         features: r.features, bytes: r.glb.count), hash: hash, written: true)
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
                if blocks && !plan.tiles[i].children.isEmpty { summary.blocks += r.features } else { summary.buildings += r.features }
                summary.triangles += r.triangles
                summary.vertices += r.vertices; summary.bytes += r.bytes
            }
        }
        summary.contentsWritten = results.written
        summary.contentsReused = contentTiles.count - results.written
        let json = TilesetJSON(plan: plan, info: results.info, extents: extents, options: options).encode(summary: &summary)
        let data = Data(json.utf8)
        // The index first, then tileset.json (both atomic), then the stale files: a crash in between leaves a valid
        // tileset whose contents all exist.
        let index = ContentCache.encode(contentTiles.map { (results.hash[$0]!, results.info[$0]!) })
        do { try Data(index.utf8).write(to: contentDir.appendingPathComponent(ContentCache.fileName), options: .atomic) }
        catch { throw TilesError.io("content/\(ContentCache.fileName): \(error)") }
        do { try data.write(to: directory.appendingPathComponent("tileset.json"), options: .atomic) }
        catch { throw TilesError.io("tileset.json: \(error)") }
        summary.bytes += data.count
        summary.staleFilesRemoved = removeStale(contentDir, keep: Set(contentTiles.map { results.info[$0]!.uri }))
            + removeStaleSubtrees(directory.appendingPathComponent("subtrees"), keep: [])
        try? fm.removeItem(at: contentDir.appendingPathComponent(Self.implicitIndexName))
        return summary
    }

    /// Relative URI of a content: `content/<32 hex digits of its hash>.glb`.
    static func contentURI(hash: String) -> String { "content/\(hash).glb" }

    /// Everything besides the buildings that the content bytes depend on: the options that shape the geometry and
    /// its encoding, and the projector, probed at one building anchor at two heights (a different CRS or projector
    /// gives other ECEF points, so every hash changes).
    func contentFingerprint(buildings: [Building], ids: [Int32], projector: any ECEFProjector) throws -> String {
        let o = options
        var parts: [Double] = [o.defaultGroundHeightM, o.groundOffsetM, o.minimumHeightM, o.boundsMarginM,
                               o.colorByUse ? 1 : 0, o.baseColor.x, o.baseColor.y, o.baseColor.z, Double(o.positionBits)]
        if let i = ids.first {
            let c = buildings[Int(i)].footprint.bbox.center
            let e = try projector.toECEF([SIMD3(c.x, c.y, 0), SIMD3(c.x + 100, c.y + 100, 100)])
            for p in e { parts += [p.x, p.y, p.z] }
        }
        return o.compression.rawValue + ":" + parts.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
    }

    /// Removes what earlier runs wrote under `content/` that this tileset does not reference: `.glb` files (also the
    /// `content/<level>/<x>_<y>.glb` layout of versions before hashing, whose then-empty folders go too) and leftover
    /// temporary files; also the `content/<level>/<x>/<y>.glb` files of an implicit tileset. Anything else is left alone. Returns the number of files removed.
    func removeStale(_ contentDir: URL, keep: Set<String>) -> Int {
        let fm = FileManager.default
        var removed = 0
        func sweep(_ dir: URL, prefix: String) {
            guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return }
            for n in names {
                let url = dir.appendingPathComponent(n)
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { continue }
                if isDir.boolValue {
                    if !n.isEmpty && n.allSatisfy(\.isNumber) {
                        sweep(url, prefix: prefix + n + "/")
                        if (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true { try? fm.removeItem(at: url) }
                    }
                } else if n.hasSuffix(".glb") && !keep.contains(prefix + n) {
                    if (try? fm.removeItem(at: url)) != nil { removed += 1 }
                }
            }
        }
        sweep(contentDir, prefix: "content/")
        return removed
    }
}

/// What is kept of a written content tile.
struct TileInfo: Sendable {
    /// Relative URI of its content file.
    var uri: String
    var region: GeodeticRegion
    var frame: RigidTransform
    var triangles: Int, vertices: Int, features: Int, bytes: Int
}

/// Per-tile results written by concurrent workers.
final class ResultStore: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var info: [TileInfo?]
    private(set) var hash: [String?]
    private(set) var written = 0
    private(set) var error: Error?
    private var failedFlag = false
    init(count: Int) { info = Array(repeating: nil, count: count); hash = Array(repeating: nil, count: count) }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failedFlag }
    func set(_ i: Int, _ v: TileInfo, hash h: String, written w: Bool) {
        lock.lock(); info[i] = v; hash[i] = h; if w { written += 1 }; lock.unlock()
    }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; failedFlag = true; lock.unlock() }
}
