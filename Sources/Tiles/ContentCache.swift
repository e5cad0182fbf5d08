import Foundation

/// What is kept of the contents of earlier runs, for incremental re-tiling: `content/index.json` maps a content hash
/// to its `TileInfo` (region, frame, counts, file size), values stored as hex IEEE-754 bit patterns so a reused tile
/// contributes exactly what a rebuild would. A content file is reused when its hash is listed and the file on disk has
/// the recorded size; otherwise it is rebuilt. A missing, unreadable or foreign index just means "rebuild everything".
struct ContentCache {
    static let fileName = "index.json"
    private(set) var entries: [String: TileInfo] = [:]

    init() {}

    /// Reads `dir/content/index.json` (an unusable file gives an empty cache).
    init(directory: URL) {
        let url = directory.appendingPathComponent("content").appendingPathComponent(Self.fileName)
        guard let d = try? Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any],
              root["version"] as? Int == TileContentBuilder.encodingVersion,
              let es = root["contents"] as? [String: [String]] else { return }
        for (hash, fields) in es {
            guard fields.count == 6 + 12 + 4, let bits = Optional(fields.compactMap { UInt64($0, radix: 16) }), bits.count == fields.count
            else { continue }
            let v = bits.map { Double(bitPattern: $0) }
            let region = GeodeticRegion(west: v[0], south: v[1], east: v[2], north: v[3], minH: v[4], maxH: v[5])
            let frame = RigidTransform(x: SIMD3(v[6], v[7], v[8]), y: SIMD3(v[9], v[10], v[11]), z: SIMD3(v[12], v[13], v[14]),
                                       origin: SIMD3(v[15], v[16], v[17]))
            let ints = bits[18...].map { Int(truncatingIfNeeded: $0) }
            entries[hash] = TileInfo(uri: TilesetWriter.contentURI(hash: hash), region: region, frame: frame,
                                     triangles: ints[0], vertices: ints[1], features: ints[2], bytes: ints[3])
        }
    }

    /// The cached info of `hash` if its file exists with the recorded size.
    func reusable(_ hash: String, directory: URL) -> TileInfo? {
        guard let e = entries[hash] else { return nil }
        let path = directory.appendingPathComponent(e.uri).path
        guard let a = try? FileManager.default.attributesOfItem(atPath: path), (a[.size] as? NSNumber)?.intValue == e.bytes else { return nil }
        return e
    }

    /// The index of the given contents as JSON text.
    static func encode(_ infos: [(String, TileInfo)]) -> String {
        var j = JSONText()
        j.raw("{\"version\":\(TileContentBuilder.encodingVersion),\"contents\":{")
        for (k, (hash, t)) in infos.sorted(by: { $0.0 < $1.0 }).enumerated() {
            if k > 0 { j.raw(",") }
            let f = t.frame
            let doubles = t.region.array + [f.x.x, f.x.y, f.x.z, f.y.x, f.y.y, f.y.z, f.z.x, f.z.y, f.z.z, f.origin.x, f.origin.y, f.origin.z]
            let fields = doubles.map { String($0.bitPattern, radix: 16) }
                + [t.triangles, t.vertices, t.features, t.bytes].map { String(UInt64(bitPattern: Int64($0)), radix: 16) }
            j.string(hash); j.raw(":[" + fields.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
        j.raw("}}")
        return j.s
    }
}
