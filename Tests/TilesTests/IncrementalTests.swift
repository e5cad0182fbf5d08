import CityModel
import Foundation
import GeoBridge
import Testing
@testable import Tiles

private func city(_ n: Int, seed: UInt64) -> [Building] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { i in
        let x = rng.range(-800, 800), y = rng.range(-800, 800)
        return Building(id: Int64(i), sourceId: "s\(i)", footprint: MultiPolygon([Polygon([rect(x, y, rng.range(5, 20), rng.range(5, 20))])]),
                        heightM: rng.range(3, 60), heightSource: .measured, use: BuildingUse.allCases[i % 4], yearBuilt: 1950 + i % 70)
    }
}

/// The files under `content/` (relative paths) with their bytes.
private func files(_ dir: URL) throws -> [String: Data] {
    let c = dir.appendingPathComponent("content")
    var out: [String: Data] = [:]
    for n in try FileManager.default.subpathsOfDirectory(atPath: c.path) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: c.appendingPathComponent(n).path, isDirectory: &isDir), !isDir.boolValue {
            out[n] = try Data(contentsOf: c.appendingPathComponent(n))
        }
    }
    return out
}

/// Building ids in each content file (from its property table).
private func ids(_ dir: URL) throws -> [String: Set<Int64>] {
    var out: [String: Set<Int64>] = [:]
    for (n, d) in try files(dir) where n.hasSuffix(".glb") {
        out[n] = Set((ParsedGLB([UInt8](d)).numbers("id", "FLOAT64") ?? []).map { Int64($0) })
    }
    return out
}

@Test(arguments: [TileCompression.meshopt, .none]) func rerunRewritesOnlyTheTilesOfChangedBuildings(_ compression: TileCompression) throws {
    var o = TilesetOptions()
    o.compression = compression; o.maxBuildingsPerTile = 60; o.coarseBuildingsPerParent = 8
    let writer = TilesetWriter(o, codec: MeshoptCodec())
    let p = TestTangentProjector(lonDeg: 114.05, latDeg: 22.54)
    var b = city(1500, seed: 5)
    try withTempDir { dir in
        let inc = dir.appendingPathComponent("incremental"), fresh = dir.appendingPathComponent("fresh")
        // A file of the layout before content hashing, which the first run must remove.
        try FileManager.default.createDirectory(at: inc.appendingPathComponent("content/3"), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: inc.appendingPathComponent("content/3/1_2.glb"))
        let s1 = try writer.write(buildings: b, projector: p, to: inc)
        #expect(s1.contentsWritten == s1.contentTiles && s1.contentsReused == 0 && s1.staleFilesRemoved == 1)
        #expect(!FileManager.default.fileExists(atPath: inc.appendingPathComponent("content/3").path))
        let before = try files(inc), owners = try ids(inc)
        let tileset1 = try Data(contentsOf: inc.appendingPathComponent("tileset.json"))

        // Same input: nothing rewritten, identical output.
        let s2 = try writer.write(buildings: b, projector: p, to: inc)
        #expect(s2.contentsWritten == 0 && s2.contentsReused == s1.contentTiles && s2.staleFilesRemoved == 0)
        #expect(try files(inc) == before)
        #expect(try Data(contentsOf: inc.appendingPathComponent("tileset.json")) == tileset1)

        // 1 % of the buildings change (an attribute for some, the footprint for others).
        var rng = SplitMix64(seed: 77)
        var changed = Set<Int64>()
        while changed.count < 15 { changed.insert(Int64(rng.next() % UInt64(b.count))) }
        for (k, i) in changed.sorted().enumerated() {
            if k % 2 == 0 { b[Int(i)].yearBuilt = 2024 } else {
                b[Int(i)].footprint = MultiPolygon(b[Int(i)].footprint.polygons.map { Polygon($0.rings.map { $0.map { $0 + Vec2(0.25, 0) } }) })
            }
        }
        let affected = Set(owners.filter { !$0.value.isDisjoint(with: changed) }.keys)
        #expect(affected.count >= 5)
        let s3 = try writer.write(buildings: b, projector: p, to: inc)
        #expect(s3.contentsWritten == affected.count, "\(s3.contentsWritten) rewritten for \(affected.count) affected tiles")
        #expect(s3.contentsReused == s3.contentTiles - affected.count)
        #expect(s3.staleFilesRemoved == affected.count)
        let after = try files(inc)
        for (n, d) in before where n.hasSuffix(".glb") && !affected.contains(n) { #expect(after[n] == d, "\(n) changed") }
        for n in affected { #expect(after[n] == nil, "stale \(n) kept") }

        // The incremental result is byte for byte what a fresh export of the changed city writes.
        let s4 = try writer.write(buildings: b, projector: p, to: fresh)
        #expect(try Data(contentsOf: fresh.appendingPathComponent("tileset.json")) == Data(contentsOf: inc.appendingPathComponent("tileset.json")))
        #expect(try files(fresh) == after)
        #expect(s4.bytes == s3.bytes && s4.triangles == s3.triangles)

        // A lost or damaged content file is rebuilt, not trusted.
        let victim = after.keys.first { $0.hasSuffix(".glb") }!
        try Data([0]).write(to: inc.appendingPathComponent("content").appendingPathComponent(victim))
        let s5 = try writer.write(buildings: b, projector: p, to: inc)
        #expect(s5.contentsWritten == 1)
        #expect(try files(inc) == after)
    }
}

@Test func optionsAndProjectorChangeEveryHash() throws {
    let b = city(300, seed: 8)
    var o = TilesetOptions(); o.maxBuildingsPerTile = 60
    try withTempDir { dir in
        let s1 = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 1, latDeg: 2), to: dir)
        o.minimumHeightM = 2
        let s2 = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 1, latDeg: 2), to: dir)
        #expect(s2.contentsReused == 0 && s2.staleFilesRemoved == s1.contentTiles)
        let s3 = try TilesetWriter(o).write(buildings: b, projector: TestTangentProjector(lonDeg: 1, latDeg: 2.001), to: dir)
        #expect(s3.contentsReused == 0 && s3.staleFilesRemoved == s2.contentTiles)
    }
}

/// Block LOD re-runs: unchanged → nothing rewritten and the same bytes; one building taller → exactly its leaf and
/// the block tiles of its ancestors (whose block statistics change) are rewritten, the rest kept.
@Test func blockLODRerunRewritesTheLeafAndItsAncestors() throws {
    var o = TilesetOptions(); o.maxBuildingsPerTile = 60; o.lod = .blocks
    var b = city(1500, seed: 21)
    let p = TestTangentProjector(lonDeg: 10, latDeg: 45)
    try withTempDir { dir in
        let s1 = try TilesetWriter(o).write(buildings: b, projector: p, to: dir)
        #expect(s1.blocks > 0 && s1.depth >= 3)
        let before = try files(dir)
        let s2 = try TilesetWriter(o).write(buildings: b, projector: p, to: dir)
        #expect(s2.contentsWritten == 0 && s2.contentsReused == s1.contentTiles)
        #expect(try files(dir) == before)
        // The leaf holding building 700, and its ancestors: the tiles whose region contains its anchor.
        let leafOf = try ids(dir).first { $0.value.contains(700) }!.key
        b[700].heightM += 25
        let s3 = try TilesetWriter(o).write(buildings: b, projector: p, to: dir)
        let after = try files(dir)
        let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
        // Path from the root to the leaf that now holds building 700 (the same leaf: the plan does not depend on heights).
        let newLeaf = try ids(dir).first { $0.value.contains(700) }!.key
        func path(_ t: [String: Any]) -> [String]? {
            let uri = ((t["content"] as? [String: Any])?["uri"] as? String).map { String($0.dropFirst("content/".count)) }
            if uri == newLeaf { return [newLeaf] }
            for c in t["children"] as? [[String: Any]] ?? [] { if let p = path(c) { return (uri.map { [$0] } ?? []) + p } }
            return nil
        }
        let chain = try #require(path(ts["root"] as! [String: Any]))
        #expect(chain.count == s1.depth)   // one content per level from 0 to the leaf's
        #expect(s3.contentsWritten == chain.count && s3.contentsReused == s1.contentTiles - chain.count)
        #expect(before[leafOf] != nil && after[leafOf] == nil)
        for (n, d) in after where n.hasSuffix(".glb") && !chain.contains(n) { #expect(before[n] == d) }
    }
}
