import CityModel
import Foundation
import GeoBridge
import Testing
@testable import Tiles

/// Implicit tiling (issue 15): subtree bytes against hand-computed goldens, and a brute-force twin that reads a
/// written implicit tileset back with its own subtree reader.
@Suite struct ImplicitTests {
    /// 3D Tiles 1.1 Appendix A's examples: x bits on even positions, y bits on odd ones.
    @Test func mortonMatchesTheSpecificationExamples() {
        #expect(Morton.index(x: 0b11, y: 0b00) == 0b0101)
        #expect(Morton.index(x: 0b1010, y: 0b0011) == 0b0100_1110)
        #expect(Morton.index(x: 0b0110, y: 0b0101) == 0b0011_0110)
        for m in [0, 1, 7, 10, 0b0100_1110, 123_456] {
            let c = Morton.coordinates(m)
            #expect(Morton.index(x: c.x, y: c.y) == m)
        }
        #expect(Morton.levelOffset(0) == 0 && Morton.levelOffset(1) == 1 && Morton.levelOffset(2) == 5 && Morton.levelOffset(4) == 85)
    }

    /// A 2-level subtree by hand. Tiles: the root (bit 0) and, on level 1 (bits 1–4 = Morton 0–3), (x 1, y 0) =
    /// Morton 1 → bit 2 and (x 0, y 1) = Morton 2 → bit 3: bits 0, 2, 3 → byte 0b0000_1101 = 0x0D, 3 available.
    /// Content on the two level-1 tiles only: bits 2, 3 → 0x0C, 2 available. Child subtrees (16 bits, level 2 Morton):
    /// (x 3, y 1): x = 11, y = 01 → bits x0 y0 x1 y1 = 1 1 1 0 → 0b0111 = 7; (x 0, y 3): 0 1 0 1 → 0b1010 = 10:
    /// byte 0 = 1 << 7 = 0x80, byte 1 = 1 << 2 = 0x04, 2 available. Each bitstream starts on an 8-byte boundary:
    /// views at 0 (1 byte), 8 (1 byte), 16 (2 bytes), buffer 24 bytes. JSON padded with spaces to 8 bytes; header
    /// "subt", version 1, JSON length, binary length (little-endian).
    @Test func subtreeBitstreamsGolden() {
        var f = SubtreeFile(levels: 2)
        f.tiles[0] = true; f.tiles[2] = true; f.tiles[3] = true
        f.content[2] = true; f.content[3] = true
        f.childSubtrees[7] = true; f.childSubtrees[10] = true
        var json = Array(("{\"buffers\":[{\"byteLength\":24}],\"bufferViews\":[{\"buffer\":0,\"byteOffset\":0,\"byteLength\":1},"
            + "{\"buffer\":0,\"byteOffset\":8,\"byteLength\":1},{\"buffer\":0,\"byteOffset\":16,\"byteLength\":2}],"
            + "\"tileAvailability\":{\"bitstream\":0,\"availableCount\":3},\"contentAvailability\":[{\"bitstream\":1,\"availableCount\":2}],"
            + "\"childSubtreeAvailability\":{\"bitstream\":2,\"availableCount\":2}}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        let bin: [UInt8] = [0x0D, 0, 0, 0, 0, 0, 0, 0, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x04, 0, 0, 0, 0, 0, 0]
        func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let header: [UInt8] = [0x73, 0x75, 0x62, 0x74, 1, 0, 0, 0] + le64(json.count) + le64(24)
        #expect(f.encode() == header + json + bin)

        // All tiles available, no content, no child subtree: three constants and no buffer at all.
        var g = SubtreeFile(levels: 1)
        g.tiles[0] = true
        var j2 = Array("{\"tileAvailability\":{\"constant\":1},\"contentAvailability\":[{\"constant\":0}],\"childSubtreeAvailability\":{\"constant\":0}}".utf8)
        while j2.count % 8 != 0 { j2.append(0x20) }
        #expect(g.encode() == [0x73, 0x75, 0x62, 0x74, 1, 0, 0, 0] + le64(j2.count) + le64(0) + j2)
    }

    /// The plan of a hand-placed city: buildings in three quadrants of an 800 m square (south-west, south-east,
    /// north-west) and one across its centre. With at most 1 building per tile the root keeps the one crossing both
    /// midlines (it fits no quadrant) and each quadrant is a leaf with its building. Subtree (2 levels): tiles root
    /// (bit 0) and Morton 0, 1, 2 of level 1 (bits 1, 2, 3) → 0x0F, 4 available; content the same → 0x0F; no child
    /// subtree → constant 0. Binary chunk: 0x0F at offset 0 and at offset 8, 16 bytes.
    @Test func crossingBuildingStaysOnTheParent() throws {
        var o = TilesetOptions()
        o.implicit = true; o.maxBuildingsPerTile = 1; o.coarseBuildingsPerParent = 0; o.subtreeLevels = 2; o.compression = .none
        let p = TestTangentProjector(lonDeg: 116.4, latDeg: 39.9)
        let fps = [rect(-400, -400, 20, 20), rect(380, -400, 20, 20), rect(-400, 380, 20, 20), rect(-10, -10, 20, 20)]
        let b = fps.enumerated().map { Building(id: Int64($0.offset), sourceId: "b\($0.offset)", footprint: MultiPolygon([Polygon([$0.element])]),
                                                heightM: 10, heightSource: .measured, use: .residential) }
        try withTempDir { dir in
            let s = try TilesetWriter(o).write(buildings: b, projector: p, to: dir)
            #expect(s.tiles == 4 && s.contentTiles == 4 && s.depth == 2 && s.subtrees == 1)
            let twin = try ImplicitTwin(dir)
            #expect(twin.problems.isEmpty, "\(twin.problems)")
            #expect(twin.contents == ["0/0/0": [3], "1/0/0": [0], "1/1/0": [1], "1/0/1": [2]])
            let st = [UInt8](try Data(contentsOf: dir.appendingPathComponent("subtrees/0/0/0.subtree")))
            #expect(String(decoding: st, as: UTF8.self).contains("\"childSubtreeAvailability\":{\"constant\":0}"))
            #expect(Array(st.suffix(16)) == [0x0F, 0, 0, 0, 0, 0, 0, 0, 0x0F, 0, 0, 0, 0, 0, 0, 0])
            #expect(twin.worstOutsideM < 0.05)
        }
        // Automatic subtree levels (0): the whole depth (2 levels) in one subtree.
        o.subtreeLevels = 0
        try withTempDir { dir in
            let s = try TilesetWriter(o).write(buildings: b, projector: p, to: dir)
            let root = (try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any])["root"] as! [String: Any]
            #expect((root["implicitTiling"] as! [String: Any])["subtreeLevels"] as? Int == 2 && s.subtrees == 1)
        }
    }

    /// A 1,500-building city written with 2-level subtrees: the twin reads every subtree from the root down, lists every
    /// available tile and content, and checks that (1) every building is in exactly one content, (2) the files on disk
    /// are exactly the available contents and subtrees, (3) every vertex of every content lies inside its tile's
    /// quadrant of the root region (computed here from tileset.json), (4) availability is consistent. Then a re-run
    /// with one building changed rewrites only the tile that holds it, and equals a fresh export byte for byte.
    @Test(arguments: [TileCompression.meshopt, .none]) func bruteForceTwin(_ compression: TileCompression) throws {
        var o = TilesetOptions()
        o.implicit = true; o.maxBuildingsPerTile = 60; o.coarseBuildingsPerParent = 8; o.subtreeLevels = 2; o.compression = compression
        let p = TestTangentProjector(lonDeg: 114.05, latDeg: 22.54)
        var rng = SplitMix64(seed: 9)
        var b = (0..<1500).map { i in
            let x = rng.range(-900, 900), y = rng.range(-600, 900)
            return Building(id: Int64(i), sourceId: "s\(i)", footprint: MultiPolygon([Polygon([rect(x, y, rng.range(5, 30), rng.range(5, 30))])]),
                            heightM: rng.range(3, 80), heightSource: .measured, use: BuildingUse.allCases[i % 4], yearBuilt: 1950 + i % 70)
        }
        let codec = MeshoptCodec()
        try withTempDir { dir in
            let inc = dir.appendingPathComponent("inc"), fresh = dir.appendingPathComponent("fresh")
            let s = try TilesetWriter(o, codec: codec).write(buildings: b, projector: p, to: inc)
            let twin = try ImplicitTwin(inc)
            #expect(twin.problems.isEmpty, "\(twin.problems.prefix(5))")
            #expect(twin.availableLevels >= 4 && twin.subtreeCount > 1, "levels \(twin.availableLevels), subtrees \(twin.subtreeCount)")
            #expect(s.tiles == twin.tileCount && s.contentTiles == twin.contents.count && s.subtrees == twin.subtreeCount)
            var seen: [Int64: Int] = [:]
            for ids in twin.contents.values { for i in ids { seen[i, default: 0] += 1 } }
            #expect(seen.count == b.count && seen.values.allSatisfy { $0 == 1 } && Set(seen.keys) == Set(b.map(\.id)))
            #expect(s.buildings == b.count)
            // Some buildings sit on parents (crossing a quadrant line, or the 8 largest), most on leaves.
            let onLeaves = twin.contents.filter { twin.isLeaf[$0.key] == true }.reduce(0) { $0 + $1.value.count }
            #expect(onLeaves > b.count / 2 && onLeaves < b.count)
            // Every vertex inside its tile's derived quadrant (the validator's tolerance, 5 cm).
            #expect(twin.worstOutsideM < 0.05, "\(twin.worstOutsideM) m outside")
            // Geometric errors: the root's, halved per level by the client; the root's is c × side.
            #expect(twin.rootGeometricError > 0)

            // Re-run with one building's year changed: only its tile is rewritten.
            let before = try Self.files(inc)
            let tileset = try Data(contentsOf: inc.appendingPathComponent("tileset.json"))
            b[700].yearBuilt = 1901
            let owner = twin.contents.first { $0.value.contains(700) }!.key
            let s2 = try TilesetWriter(o, codec: codec).write(buildings: b, projector: p, to: inc)
            #expect(s2.contentsWritten == 1 && s2.contentsReused == s.contentTiles - 1 && s2.staleFilesRemoved == 0)
            let after = try Self.files(inc)
            let changed = Set(after.keys.filter { before[$0] != after[$0] })
            #expect(changed == ["content/\(owner).glb", "content/implicit.json"], "\(changed)")
            #expect(try Data(contentsOf: inc.appendingPathComponent("tileset.json")) == tileset)
            // Fewer buildings: tiles that disappear have their files removed; the result equals a fresh export.
            let fewer = Array(b.prefix(900))
            let s3 = try TilesetWriter(o, codec: codec).write(buildings: fewer, projector: p, to: inc)
            _ = try TilesetWriter(o, codec: codec).write(buildings: fewer, projector: p, to: fresh)
            #expect(try Self.files(inc) == Self.files(fresh))
            #expect(s3.staleFilesRemoved > 0)
            #expect(try ImplicitTwin(inc).problems.isEmpty)
            // Back to an explicit tileset in the same folder: no implicit file is left.
            var e = o; e.implicit = false
            _ = try TilesetWriter(e, codec: codec).write(buildings: fewer, projector: p, to: inc)
            #expect(try Self.files(inc).keys.allSatisfy { !$0.hasPrefix("subtrees/") && $0 != "content/implicit.json" && !$0.hasPrefix("content/1/") })
        }
    }

    /// Relative path → bytes of every file under `dir`.
    static func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for n in try FileManager.default.subpathsOfDirectory(atPath: dir.path) {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(n).path, isDirectory: &isDir), !isDir.boolValue {
                out[n] = try Data(contentsOf: dir.appendingPathComponent(n))
            }
        }
        return out
    }
}

/// An independent reader of an implicit quadtree tileset (3D Tiles 1.1 §"Implicit Tiling"): binary subtrees parsed
/// here with JSONSerialization, availability bits read LSB-first, Morton coordinates by de-interleaving bit by bit.
struct ImplicitTwin {
    /// "level/x/y" → building ids of its content.
    var contents: [String: [Int64]] = [:]
    var isLeaf: [String: Bool] = [:]
    var tileCount = 0, subtreeCount = 0, availableLevels = 0
    var problems: [String] = []
    var worstOutsideM = 0.0
    var rootGeometricError = 0.0

    init(_ dir: URL) throws {
        let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
        let root = ts["root"] as! [String: Any]
        let it = root["implicitTiling"] as! [String: Any]
        guard it["subdivisionScheme"] as? String == "QUADTREE", root["refine"] as? String == "ADD", root["children"] == nil else {
            problems.append("root"); return
        }
        rootGeometricError = root["geometricError"] as! Double
        let sl = it["subtreeLevels"] as! Int
        availableLevels = it["availableLevels"] as! Int
        let subtreeTemplate = (it["subtrees"] as! [String: Any])["uri"] as! String
        let contentTemplate = (root["content"] as! [String: Any])["uri"] as! String
        let region = (root["boundingVolume"] as! [String: Any])["region"] as! [Double]
        let m = (root["transform"] as! [Double])
        func uri(_ t: String, _ l: Int, _ x: Int, _ y: Int) -> String {
            t.replacingOccurrences(of: "{level}", with: "\(l)").replacingOccurrences(of: "{x}", with: "\(x)").replacingOccurrences(of: "{y}", with: "\(y)")
        }
        func deinterleave(_ m: Int) -> (Int, Int) {
            var x = 0, y = 0
            for b in 0..<30 { x |= ((m >> (2 * b)) & 1) << b; y |= ((m >> (2 * b + 1)) & 1) << b }
            return (x, y)
        }
        var available = Set<String>(), expectedFiles = Set<String>()
        var stack = [(0, 0, 0)]
        while let (l0, x0, y0) = stack.popLast() {
            let su = uri(subtreeTemplate, l0, x0, y0)
            expectedFiles.insert(su)
            subtreeCount += 1
            let d = [UInt8](try Data(contentsOf: dir.appendingPathComponent(su)))
            func u64(_ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(d[o + $1]) << (8 * $1) } }
            guard Array(d[0..<4]) == Array("subt".utf8), d[4] == 1, u64(8) % 8 == 0, 24 + u64(8) + u64(16) == d.count else { problems.append("\(su): header"); continue }
            let js = try JSONSerialization.jsonObject(with: Data(d[24..<(24 + u64(8))])) as! [String: Any]
            let bin = Array(d[(24 + u64(8))...])
            let views = js["bufferViews"] as? [[String: Any]] ?? []
            func bits(_ o: [String: Any], _ n: Int) -> [Bool] {
                if let c = o["constant"] as? Int { return [Bool](repeating: c == 1, count: n) }
                let v = views[o["bitstream"] as! Int], off = v["byteOffset"] as! Int
                if off % 8 != 0 { problems.append("\(su): unaligned view") }
                let b = (0..<n).map { bin[off + $0 / 8] >> ($0 % 8) & 1 == 1 }
                if let c = o["availableCount"] as? Int, c != b.filter({ $0 }).count { problems.append("\(su): availableCount") }
                return b
            }
            let nt = ((1 << (2 * sl)) - 1) / 3
            let ta = bits(js["tileAvailability"] as! [String: Any], nt)
            let ca = bits((js["contentAvailability"] as! [[String: Any]])[0], nt)
            let cs = bits(js["childSubtreeAvailability"] as! [String: Any], 1 << (2 * sl))
            if !ta[0] { problems.append("\(su): root unavailable") }
            for l in 0..<sl {
                let off = ((1 << (2 * l)) - 1) / 3
                for mi in 0..<(1 << (2 * l)) where ta[off + mi] {
                    let (lx, ly) = deinterleave(mi)
                    let gl = l0 + l, gx = (x0 << l) + lx, gy = (y0 << l) + ly
                    if l > 0 && !ta[((1 << (2 * (l - 1))) - 1) / 3 + mi / 4] { problems.append("\(gl)/\(gx)/\(gy): parent unavailable") }
                    if gl >= availableLevels { problems.append("\(gl)/\(gx)/\(gy): beyond availableLevels") }
                    available.insert("\(gl)/\(gx)/\(gy)")
                    tileCount += 1
                    guard ca[off + mi] else { continue }
                    let cu = uri(contentTemplate, gl, gx, gy)
                    expectedFiles.insert(cu)
                    let g = ParsedGLB([UInt8](try Data(contentsOf: dir.appendingPathComponent(cu))))
                    if !g.problems.isEmpty { problems.append("\(cu): \(g.problems)") }
                    contents["\(gl)/\(gx)/\(gy)"] = (g.numbers("id", "FLOAT64") ?? []).map { Int64($0) }
                    worstOutsideM = max(worstOutsideM, Self.outside(g, rootTransform: m, region: region, level: gl, x: gx, y: gy))
                }
                for (k, a) in ca.enumerated() where a && !ta[k] { problems.append("\(su): content bit \(k) without tile") }
            }
            for mi in cs.indices where cs[mi] {
                let (lx, ly) = deinterleave(mi)
                stack.append((l0 + sl, (x0 << sl) + lx, (y0 << sl) + ly))
            }
        }
        for k in available {
            let p = k.split(separator: "/").map { Int($0)! }
            isLeaf[k] = !(0..<4).contains { available.contains("\(p[0] + 1)/\(2 * p[1] + $0 % 2)/\(2 * p[2] + $0 / 2)") }
        }
        // Every content and subtree file on disk is one of the available ones.
        let fm = FileManager.default
        for n in (try? fm.subpathsOfDirectory(atPath: dir.path)) ?? [] where n.hasSuffix(".glb") || n.hasSuffix(".subtree") {
            if !expectedFiles.contains(n) { problems.append("unreferenced file \(n)") }
        }
    }

    /// Largest distance (m) of a content vertex outside tile (level, x, y)'s quadrant of `region`: positions through
    /// the glTF node hierarchy (matrix, translation, scale), the y-up → z-up rotation and the root transform, to
    /// geodetic (Bowring), compared with the quadrant's longitude/latitude/height bounds.
    static func outside(_ g: ParsedGLB, rootTransform m: [Double], region r: [Double], level: Int, x: Int, y: Int) -> Double {
        let nodes = g.json["nodes"] as! [[String: Any]]
        let n = Double(1 << level)
        let w = r[0] + (r[2] - r[0]) / n * Double(x), e = r[0] + (r[2] - r[0]) / n * Double(x + 1)
        let s = r[1] + (r[3] - r[1]) / n * Double(y), nn = r[1] + (r[3] - r[1]) / n * Double(y + 1)
        func mul(_ a: [Double], _ p: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(a[0] * p.x + a[4] * p.y + a[8] * p.z + a[12], a[1] * p.x + a[5] * p.y + a[9] * p.z + a[13], a[2] * p.x + a[6] * p.y + a[10] * p.z + a[14])
        }
        let top = nodes[0]["matrix"] as? [Double] ?? [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        let meshNode = nodes.count > 1 ? nodes[1] : nodes[0]
        let t = meshNode["translation"] as? [Double] ?? [0, 0, 0], sc = meshNode["scale"] as? [Double] ?? [1, 1, 1]
        var worst = 0.0
        let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f), b = a * (1 - f), ep2 = e2 / (1 - e2)
        for (ai, acc) in g.accessors.enumerated() where (acc["type"] as? String) == "VEC3" && acc["min"] != nil {
            let v = g.read(ai)
            for k in stride(from: 0, to: v.count, by: 3) {
                let q = mul(top, SIMD3(v[k] * sc[0] + t[0], v[k + 1] * sc[1] + t[1], v[k + 2] * sc[2] + t[2]))
                let z = SIMD3(q.x, -q.z, q.y)   // y-up → z-up
                let p = mul(m, z)
                let pr = (p.x * p.x + p.y * p.y).squareRoot(), th = atan2(p.z * a, pr * b)
                let lat = atan2(p.z + ep2 * b * pow(sin(th), 3), pr - e2 * a * pow(cos(th), 3)), lon = atan2(p.y, p.x)
                let nr = a / (1 - e2 * sin(lat) * sin(lat)).squareRoot(), h = pr / cos(lat) - nr
                let dl = max(w - lon, 0, lon - e) * a * cos(lat), dp = max(s - lat, 0, lat - nn) * a, dh = max(r[4] - h, 0, h - r[5])
                worst = max(worst, (dl * dl + dp * dp + dh * dh).squareRoot())
            }
        }
        return worst
    }
}
