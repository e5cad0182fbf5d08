import CityModel
import Dispatch
import Foundation

/// Implicit tiling (`TilesetOptions.implicit`): the city as an OGC 3D Tiles 1.1 implicit quadtree.
///
/// Layout of DIR: `tileset.json` has one tile, the implicit root: a `region` (the root cell of `ImplicitPlan`: the
/// buildings' longitude/latitude box plus a margin, grown to a near-square in metres; heights from the contents), a
/// `transform` (the ENU frame at its centre), `refine: ADD`, content template `content/{level}/{x}/{y}.glb` and
/// `implicitTiling` {QUADTREE, `subtreeLevels` (`TilesetOptions.subtreeLevels`; automatic: one file up to 8 levels),
/// `availableLevels`, subtrees `subtrees/{level}/{x}/{y}.subtree`}.
/// A tile's bounding volume is its quadrant of the root region and its geometric error the root's halved per level
/// (the clients derive both); the root's error is `lodErrorPerSide` × the root side, so a level-L tile has the cap
/// c · s_L of the explicit writer, and the triangle bound argued in `TilesetWriter` holds as it is.
///
/// Why ADD and `TileLOD.largest`, not the explicit default `.blocks` (REPLACE): a client derives each tile's volume as
/// a quadrant, and content must lie inside its tile's volume (spatial coherence; the validator checks every vertex).
/// A building that crosses a quadrant line therefore cannot sit in any tile below that line, and with REPLACE the
/// tile holding it would be replaced, hiding it, once its children load. With ADD a building stays drawn from the
/// level of the deepest cell that contains it (`ImplicitPlan`); parents add their subtree's largest buildings, as the
/// explicit `.largest` level of detail does. (Overriding volumes with TILE_BOUNDING_REGION tile metadata would allow
/// REPLACE, but not every client or validator reads it.)
///
/// Content: each content is built as in the explicit tileset (same extrusion, EXT_mesh_features,
/// EXT_structural_metadata, compression), in its own ENU frame; as implicit tiles carry no transform, a glTF root node
/// holds that frame relative to the root's `transform` (`TileContentBuilder.rootFrame`).
///
/// Re-runs: file names are fixed by the template, so `content/implicit.json` records per tile `level/x/y` the hash of
/// its inputs (`contentHash`, with the root frame in the fingerprint) and what tileset.json needs of it; a tile whose
/// hash is unchanged and whose file has the recorded size is kept byte for byte, others are rewritten (atomically),
/// and content or subtree files no longer available are removed, as are the files of an explicit tileset.
extension TilesetWriter {
    static let implicitIndexName = "implicit.json"

    func writeImplicit(buildings: [Building], ids: [Int32], extents: [Float], triangleEstimates: [Int32], metadata: BuildingMetadata,
                       projector: any ECEFProjector, to directory: URL) throws -> TilesetSummary {
        guard (0...10).contains(options.subtreeLevels) else { throw TilesError.options("subtreeLevels \(options.subtreeLevels) is not in 0…10") }
        let fm = FileManager.default
        let contentDir = directory.appendingPathComponent("content"), subtreeDir = directory.appendingPathComponent("subtrees")
        do { try fm.createDirectory(at: contentDir, withIntermediateDirectories: true) } catch { throw TilesError.io("\(error)") }
        let builder0 = TileContentBuilder(buildings: buildings, metadata: metadata, options: options, projector: projector, codec: codec)

        // 1. Longitude/latitude box of every building: its bounding-box corners and edge midpoints (a footprint lies in
        //    its box; ground and roof share longitude and latitude), projected in parallel batches.
        var boxes = [SIMD4<Double>](repeating: .zero, count: buildings.count)
        var hLo = Double.infinity, hHi = -Double.infinity
        for i in ids {
            let b = buildings[Int(i)], g = builder0.ground(b)
            hLo = min(hLo, g); hHi = max(hHi, g + builder0.height(b))
        }
        let chunk = 4096, chunks = (ids.count + chunk - 1) / chunk
        let boxStore = BoxStore(count: buildings.count)
        let project: @Sendable (Int) -> Void = { c in
            if boxStore.failed { return }
            let part = ids[(c * chunk)..<min(ids.count, (c + 1) * chunk)]
            var pts: [SIMD3<Double>] = []
            pts.reserveCapacity(part.count * 8)
            for i in part {
                let bb = buildings[Int(i)].footprint.bbox, mx = (bb.minX + bb.maxX) / 2, my = (bb.minY + bb.maxY) / 2
                for (x, y) in [(bb.minX, bb.minY), (mx, bb.minY), (bb.maxX, bb.minY), (bb.maxX, my),
                               (bb.maxX, bb.maxY), (mx, bb.maxY), (bb.minX, bb.maxY), (bb.minX, my)] {
                    pts.append(SIMD3(x, y, 0))
                }
            }
            do {
                let e = try projector.toECEF(pts)
                guard e.count == pts.count else { throw TilesError.projection("projector returned \(e.count) points for \(pts.count)") }
                var out: [(Int32, SIMD4<Double>)] = []
                for (k, i) in part.enumerated() {
                    var lo = SIMD2<Double>(repeating: .infinity), hi = SIMD2<Double>(repeating: -.infinity)
                    for p in e[(8 * k)..<(8 * k + 8)] {
                        guard p.x.isFinite && p.y.isFinite && p.z.isFinite else { throw TilesError.projection("non-finite ECEF point") }
                        let g = WGS84.toGeodetic(p)
                        lo = pointwiseMin(lo, SIMD2(g.lon, g.lat)); hi = pointwiseMax(hi, SIMD2(g.lon, g.lat))
                    }
                    out.append((i, SIMD4(lo.x, lo.y, hi.x, hi.y)))
                }
                boxStore.set(out)
            } catch { boxStore.fail(error) }
        }
        if options.parallel && chunks > 1 { DispatchQueue.concurrentPerform(iterations: chunks, execute: project) } else { for c in 0..<chunks { project(c) } }
        if let e = boxStore.error { throw e }
        boxes = boxStore.boxes

        // 2. Plan.
        var planOptions = options
        planOptions.lod = .largest
        let plan = ImplicitPlan(boxes: boxes, extents: extents, triangleEstimates: triangleEstimates, ids: ids,
                                heightRangeM: ids.isEmpty ? 0 : hHi - hLo, options: planOptions)
        let al = max(plan.availableLevels, 1)
        let sl = options.subtreeLevels > 0 ? options.subtreeLevels : (al + (al + 7) / 8 - 1) / ((al + 7) / 8)
        var summary = TilesetSummary(tiles: plan.tiles.count, contentTiles: 0, buildings: 0, skippedBuildings: buildings.count - ids.count,
                                     triangles: 0, vertices: 0, bytes: 0, depth: plan.availableLevels, rootRegion: [])
        guard !plan.tiles.isEmpty else {
            // No building: the explicit empty tileset (implicit tiling needs at least one available tile).
            let json = "{\"asset\":{\"version\":\"1.1\",\"generator\":\"CIMBase Tiles\"},\"geometricError\":0,\"root\":{\"boundingVolume\":{\"region\":[0,0,0,0,0,0]},\"geometricError\":0,\"refine\":\"ADD\"}}"
            try writeAtomically(Data(json.utf8), directory.appendingPathComponent("tileset.json"), "tileset.json")
            summary.tiles = 1; summary.bytes = json.utf8.count
            summary.staleFilesRemoved = removeStale(contentDir, keep: []) + removeStaleSubtrees(subtreeDir, keep: [])
            try? fm.removeItem(at: contentDir.appendingPathComponent(Self.implicitIndexName))
            return summary
        }
        let centre = (lon: plan.west + plan.dLon / 2, lat: plan.south + plan.dLat / 2)
        let rootFrame = WGS84.enuFrame(lon: centre.lon, lat: centre.lat, h: 0)

        // 3. Contents, in parallel; a tile whose hash the index lists with an intact file is kept.
        let old = ImplicitIndex(directory: directory)
        var fp = try contentFingerprint(buildings: buildings, ids: ids, projector: projector)
        fp += ";implicit:" + rootFrame.columnMajor.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
        let contentTiles = plan.tiles.indices.filter { !plan.tiles[$0].content.isEmpty }
        let results = ResultStore(count: plan.tiles.count)
        let builder = { var b = builder0; b.rootFrame = rootFrame; return b }()
        let fingerprint = fp
        let work: @Sendable (Int) -> Void = { k in
            if results.failed { return }
            let t = plan.tiles[contentTiles[k]]
            do {
                let hash = builder.contentHash(ids: t.content, fingerprint: fingerprint)
                let uri = Self.implicitContentURI(t.level, t.x, t.y)
                if let e = old.reusable(uri, hash: hash, directory: directory) {
                    results.set(contentTiles[k], e, hash: hash, written: false); return
                }
                let r = try builder.build(ids: t.content)
                let url = directory.appendingPathComponent(uri)
                do {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(r.glb).write(to: url, options: .atomic)
                } catch { throw TilesError.io("\(url.path): \(error)") }
                results.set(contentTiles[k], TileInfo(uri: uri, region: r.region, frame: r.frame, triangles: r.triangles, vertices: r.vertices,
                                                      features: r.features, bytes: r.glb.count), hash: hash, written: true)
            } catch { results.fail(error) }
        }
        if options.parallel && contentTiles.count > 1 {
            DispatchQueue.concurrentPerform(iterations: contentTiles.count, execute: work)
        } else {
            for k in contentTiles.indices { work(k) }
        }
        if let e = results.error { throw e }

        // 4. Subtrees: one per available tile on levels 0, sl, 2·sl, …
        var heights = GeodeticRegion.empty
        for i in contentTiles {
            let r = results.info[i]!
            summary.buildings += r.features; summary.triangles += r.triangles; summary.vertices += r.vertices; summary.bytes += r.bytes
            heights = heights.union(r.region)
        }
        summary.contentTiles = contentTiles.count
        summary.contentsWritten = results.written
        summary.contentsReused = contentTiles.count - results.written
        var subtreeFiles = Set<String>()
        for t in plan.tiles where t.level % sl == 0 {
            let rel = Self.implicitSubtreeURI(t.level, t.x, t.y)
            let bytes = plan.subtree(level: t.level, x: t.x, y: t.y, levels: sl).encode()
            let url = directory.appendingPathComponent(rel)
            do { try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) } catch { throw TilesError.io("\(error)") }
            try writeAtomically(Data(bytes), url, rel)
            subtreeFiles.insert(rel)
            summary.bytes += bytes.count
        }
        summary.subtrees = subtreeFiles.count

        // 5. tileset.json (after the index, both atomic), then stale files.
        let region = GeodeticRegion(west: plan.west, south: plan.south, east: plan.west + plan.dLon, north: plan.south + plan.dLat,
                                    minH: heights.isEmpty ? 0 : heights.minH, maxH: heights.isEmpty ? 0 : heights.maxH)
        let cap = options.lodErrorPerSide.isFinite ? options.lodErrorPerSide : 2 / TilesetOptions.cesiumDefaultSSEFactor
        let rootGE = max(cap * plan.sideM, 1e-3)
        var j = JSONText()
        j.raw("{\"asset\":{\"version\":\"1.1\",\"generator\":\"CIMBase Tiles\"},\"geometricError\":"); j.number(2 * rootGE)
        j.raw(",\"root\":{\"boundingVolume\":{\"region\":"); j.numbers(region.array)
        j.raw("},\"geometricError\":"); j.number(rootGE)
        j.raw(",\"refine\":\"ADD\",\"transform\":"); j.numbers(rootFrame.columnMajor)
        j.raw(",\"content\":{\"uri\":\"content/{level}/{x}/{y}.glb\"}")
        j.raw(",\"implicitTiling\":{\"subdivisionScheme\":\"QUADTREE\",\"subtreeLevels\":\(sl),\"availableLevels\":\(plan.availableLevels)")
        j.raw(",\"subtrees\":{\"uri\":\"subtrees/{level}/{x}/{y}.subtree\"}}}}")
        let index = ImplicitIndex.encode(contentTiles.map { (results.hash[$0]!, results.info[$0]!) })
        try writeAtomically(Data(index.utf8), contentDir.appendingPathComponent(Self.implicitIndexName), "content/\(Self.implicitIndexName)")
        let data = Data(j.s.utf8)
        try writeAtomically(data, directory.appendingPathComponent("tileset.json"), "tileset.json")
        summary.bytes += data.count
        summary.rootRegion = region.array
        try? fm.removeItem(at: contentDir.appendingPathComponent(ContentCache.fileName))
        summary.staleFilesRemoved = removeStale(contentDir, keep: Set(contentTiles.map { results.info[$0]!.uri }))
            + removeStaleSubtrees(subtreeDir, keep: subtreeFiles)
        return summary
    }

    static func implicitContentURI(_ level: Int, _ x: Int, _ y: Int) -> String { "content/\(level)/\(x)/\(y).glb" }
    static func implicitSubtreeURI(_ level: Int, _ x: Int, _ y: Int) -> String { "subtrees/\(level)/\(x)/\(y).subtree" }

    func writeAtomically(_ d: Data, _ url: URL, _ label: String) throws {
        do { try d.write(to: url, options: .atomic) } catch { throw TilesError.io("\(label): \(error)") }
    }

    /// Removes `.subtree` files under `subtrees/<level>/<x>/` not in `keep` (relative paths), and emptied folders.
    func removeStaleSubtrees(_ dir: URL, keep: Set<String>) -> Int {
        let fm = FileManager.default
        var removed = 0
        func sweep(_ d: URL, prefix: String) {
            guard let names = try? fm.contentsOfDirectory(atPath: d.path) else { return }
            for n in names {
                let url = d.appendingPathComponent(n)
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { continue }
                if isDir.boolValue {
                    guard !n.isEmpty && n.allSatisfy(\.isNumber) else { continue }
                    sweep(url, prefix: prefix + n + "/")
                    if (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true { try? fm.removeItem(at: url) }
                } else if n.hasSuffix(".subtree") && !keep.contains(prefix + n) {
                    if (try? fm.removeItem(at: url)) != nil { removed += 1 }
                }
            }
        }
        sweep(dir, prefix: "subtrees/")
        if (try? fm.contentsOfDirectory(atPath: dir.path))?.isEmpty == true { try? fm.removeItem(at: dir) }
        return removed
    }
}

/// Longitude/latitude boxes written by concurrent workers.
final class BoxStore: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var boxes: [SIMD4<Double>]
    private(set) var error: Error?
    private var failedFlag = false
    init(count: Int) { boxes = Array(repeating: .zero, count: count) }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failedFlag }
    func set(_ v: [(Int32, SIMD4<Double>)]) { lock.lock(); for (i, b) in v { boxes[Int(i)] = b }; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; failedFlag = true; lock.unlock() }
}

/// `content/implicit.json`: per content file (`content/L/x/y.glb`) the hash of its inputs and its `TileInfo`, in the
/// format of `ContentCache` (hex bit patterns), keyed by file name instead of hash.
struct ImplicitIndex {
    private(set) var entries: [String: (hash: String, info: TileInfo)] = [:]

    init(directory: URL) {
        let url = directory.appendingPathComponent("content").appendingPathComponent(TilesetWriter.implicitIndexName)
        guard let d = try? Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any],
              root["version"] as? Int == TileContentBuilder.encodingVersion,
              let es = root["contents"] as? [String: [String]] else { return }
        for (uri, fields) in es {
            guard fields.count == 1 + 6 + 12 + 4 else { continue }
            let bits = fields.dropFirst().compactMap { UInt64($0, radix: 16) }
            guard bits.count == fields.count - 1 else { continue }
            let v = bits.map { Double(bitPattern: $0) }
            let region = GeodeticRegion(west: v[0], south: v[1], east: v[2], north: v[3], minH: v[4], maxH: v[5])
            let frame = RigidTransform(x: SIMD3(v[6], v[7], v[8]), y: SIMD3(v[9], v[10], v[11]), z: SIMD3(v[12], v[13], v[14]),
                                       origin: SIMD3(v[15], v[16], v[17]))
            let ints = bits[18...].map { Int(truncatingIfNeeded: $0) }
            entries[uri] = (fields[0], TileInfo(uri: uri, region: region, frame: frame, triangles: ints[0], vertices: ints[1],
                                                features: ints[2], bytes: ints[3]))
        }
    }

    /// The recorded info of `uri` if its hash is `hash` and the file exists with the recorded size.
    func reusable(_ uri: String, hash: String, directory: URL) -> TileInfo? {
        guard let e = entries[uri], e.hash == hash else { return nil }
        let path = directory.appendingPathComponent(uri).path
        guard let a = try? FileManager.default.attributesOfItem(atPath: path), (a[.size] as? NSNumber)?.intValue == e.info.bytes else { return nil }
        return e.info
    }

    static func encode(_ infos: [(String, TileInfo)]) -> String {
        var j = JSONText()
        j.raw("{\"version\":\(TileContentBuilder.encodingVersion),\"contents\":{")
        for (k, (hash, t)) in infos.sorted(by: { $0.1.uri < $1.1.uri }).enumerated() {
            if k > 0 { j.raw(",") }
            let f = t.frame
            let doubles = t.region.array + [f.x.x, f.x.y, f.x.z, f.y.x, f.y.y, f.y.z, f.z.x, f.z.y, f.z.z, f.origin.x, f.origin.y, f.origin.z]
            let fields = [hash] + doubles.map { String($0.bitPattern, radix: 16) }
                + [t.triangles, t.vertices, t.features, t.bytes].map { String(UInt64(bitPattern: Int64($0)), radix: 16) }
            j.string(t.uri); j.raw(":[" + fields.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
        j.raw("}}")
        return j.s
    }
}
