import CityModel
import Foundation
import GeoBridge
@testable import Tiles

/// Test projector: a local tangent plane at (lon0, lat0), ECEF = O + E·x + N·y + U·z with the textbook formulas,
/// written independently of the module's `TangentPlaneProjector`.
struct TestTangentProjector: ECEFProjector {
    let o: SIMD3<Double>, e: SIMD3<Double>, n: SIMD3<Double>, u: SIMD3<Double>
    init(lonDeg: Double, latDeg: Double) {
        let l = lonDeg * .pi / 180, p = latDeg * .pi / 180
        let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f)
        let N = a / (1 - e2 * sin(p) * sin(p)).squareRoot()
        o = SIMD3(N * cos(p) * cos(l), N * cos(p) * sin(l), N * (1 - e2) * sin(p))
        e = SIMD3(-sin(l), cos(l), 0)
        n = SIMD3(-sin(p) * cos(l), -sin(p) * sin(l), cos(p))
        u = SIMD3(cos(p) * cos(l), cos(p) * sin(l), sin(p))
    }
    func toECEF(_ pts: [SIMD3<Double>]) throws -> [SIMD3<Double>] { pts.map { o + e * $0.x + n * $0.y + u * $0.z } }
}

/// A parsed GLB: the JSON object and the BIN chunk, with structural checks recorded in `problems`.
struct ParsedGLB {
    var json: [String: Any] = [:]
    var bin: [UInt8] = []
    var problems: [String] = []

    /// Parses a GLB; EXT_meshopt_compression buffer views are decoded with `codec` (appended to `bin`, and their
    /// view entries pointed there), so `read` sees every view uncompressed.
    init(_ d: [UInt8], codec: MeshoptCodec? = MeshoptCodec()) {
        func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        guard d.count >= 20 else { problems.append("short"); return }
        if u32(0) != 0x4654_6C67 { problems.append("magic") }
        if u32(4) != 2 { problems.append("version") }
        if u32(8) != d.count { problems.append("length \(u32(8)) != \(d.count)") }
        let jl = u32(12)
        if u32(16) != 0x4E4F_534A { problems.append("json chunk type") }
        if jl % 4 != 0 { problems.append("json chunk length not multiple of 4") }
        json = (try? JSONSerialization.jsonObject(with: Data(d[20..<(20 + jl)]))) as? [String: Any] ?? [:]
        let bo = 20 + jl
        if bo < d.count {
            let bl = u32(bo)
            if u32(bo + 4) != 0x004E_4942 { problems.append("bin chunk type") }
            if (bo + 8) % 8 != 0 { problems.append("bin data not 8-aligned") }
            if bl % 4 != 0 { problems.append("bin length not multiple of 4") }
            bin = Array(d[(bo + 8)..<(bo + 8 + bl)])
        }
        guard let codec, var vs = json["bufferViews"] as? [[String: Any]] else { return }
        for (i, v) in vs.enumerated() {
            guard let e = (v["extensions"] as? [String: Any])?["EXT_meshopt_compression"] as? [String: Any] else { continue }
            let o = e["byteOffset"] as? Int ?? 0, l = e["byteLength"] as! Int, stride = e["byteStride"] as! Int, n = e["count"] as! Int
            let enc = Array(bin[o..<(o + l)])
            var dec: [UInt8]
            switch e["mode"] as! String {
            case "ATTRIBUTES":
                guard let d = codec.decodeVertexBuffer(enc, count: n, stride: stride) else { problems.append("view \(i) does not decode"); continue }
                dec = d
            default:
                guard let idx = codec.decodeIndexBuffer(enc, count: n) else { problems.append("view \(i) does not decode"); continue }
                dec = stride == 2 ? idx.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } : idx.withUnsafeBytes { Array($0) }
            }
            if dec.count != v["byteLength"] as! Int { problems.append("view \(i): decoded \(dec.count) bytes, byteLength \(v["byteLength"]!)") }
            while bin.count % 8 != 0 { bin.append(0) }
            var nv = v
            nv["buffer"] = 0; nv["byteOffset"] = bin.count; nv["byteLength"] = dec.count
            bin += dec
            vs[i] = nv
            meshoptViews += 1
        }
        json["bufferViews"] = vs
    }
    /// Buffer views that were EXT_meshopt_compression streams.
    var meshoptViews = 0
    /// The dequantization of node 0 (KHR_mesh_quantization): translation and scale (identity when absent).
    var nodeTranslation: SIMD3<Double> {
        let t = ((json["nodes"] as? [[String: Any]])?.first?["translation"] as? [Double]) ?? [0, 0, 0]
        return SIMD3(t[0], t[1], t[2])
    }
    var nodeScale: SIMD3<Double> {
        let t = ((json["nodes"] as? [[String: Any]])?.first?["scale"] as? [Double]) ?? [1, 1, 1]
        return SIMD3(t[0], t[1], t[2])
    }
    var accessors: [[String: Any]] { json["accessors"] as? [[String: Any]] ?? [] }
    var views: [[String: Any]] { json["bufferViews"] as? [[String: Any]] ?? [] }

    func viewBytes(_ vi: Int) -> ArraySlice<UInt8> {
        let v = views[vi]
        let o = v["byteOffset"] as? Int ?? 0, l = v["byteLength"] as! Int
        return bin[o..<(o + l)]
    }
    /// Reads an accessor as Doubles (row-major components).
    func read(_ ai: Int) -> [Double] {
        let a = accessors[ai]
        let v = views[a["bufferView"] as! Int]
        let base = (v["byteOffset"] as? Int ?? 0) + (a["byteOffset"] as? Int ?? 0)
        let comps = ["SCALAR": 1, "VEC3": 3][a["type"] as! String]!
        let count = a["count"] as! Int
        let ct = a["componentType"] as! Int
        let size = [5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4][ct]!
        let stride = v["byteStride"] as? Int ?? size * comps
        let normalized = a["normalized"] as? Bool ?? false
        var out = [Double](); out.reserveCapacity(count * comps)
        for e in 0..<count {
            for c in 0..<comps {
                let o = base + e * stride + c * size
                switch ct {
                case 5126: out.append(Double(Float(bitPattern: le32(o))))
                case 5125: out.append(Double(le32(o)))
                case 5123: let x = Double(UInt16(bin[o]) | UInt16(bin[o + 1]) << 8); out.append(normalized ? x / 65535 : x)
                case 5120: let x = Double(Int8(bitPattern: bin[o])); out.append(normalized ? max(x / 127, -1) : x)
                default: out.append(.nan)
                }
            }
        }
        return out
    }
    func le32(_ o: Int) -> UInt32 { UInt32(bin[o]) | UInt32(bin[o + 1]) << 8 | UInt32(bin[o + 2]) << 16 | UInt32(bin[o + 3]) << 24 }
    func le64(_ o: Int) -> UInt64 { UInt64(le32(o)) | UInt64(le32(o + 4)) << 32 }

    var propertyTable: [String: Any] {
        let ext = json["extensions"] as? [String: Any]
        let m = ext?["EXT_structural_metadata"] as? [String: Any]
        return (m?["propertyTables"] as? [[String: Any]])?.first ?? [:]
    }
    /// Decodes a STRING property column.
    func strings(_ name: String) -> [String]? {
        guard let props = propertyTable["properties"] as? [String: Any], let p = props[name] as? [String: Any] else { return nil }
        let vals = Array(viewBytes(p["values"] as! Int)), offsBytes = viewBytes(p["stringOffsets"] as! Int)
        let count = propertyTable["count"] as! Int
        let ob = offsBytes.startIndex
        var out: [String] = []
        for i in 0..<count {
            let a = Int(le32(ob + 4 * i)), b = Int(le32(ob + 4 * i + 4))
            out.append(String(decoding: vals[a..<b], as: UTF8.self))
        }
        return out
    }
    /// Decodes a FLOAT64 / FLOAT32 / INT32 / UINT8 column as Doubles.
    func numbers(_ name: String, _ type: String) -> [Double]? {
        guard let props = propertyTable["properties"] as? [String: Any], let p = props[name] as? [String: Any] else { return nil }
        let o = viewBytes(p["values"] as! Int).startIndex
        let count = propertyTable["count"] as! Int
        return (0..<count).map { i in
            switch type {
            case "FLOAT64": return Double(bitPattern: le64(o + 8 * i))
            case "FLOAT32": return Double(Float(bitPattern: le32(o + 4 * i)))
            case "INT32": return Double(Int32(bitPattern: le32(o + 4 * i)))
            default: return Double(bin[o + i])
            }
        }
    }
}

/// A scratch directory removed at the end of a test.
func withTempDir<T>(_ body: (URL) throws -> T) rethrows -> T {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("tiles-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: d) }
    return try body(d)
}

func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [Vec2] {
    [Vec2(x, y), Vec2(x + w, y), Vec2(x + w, y + h), Vec2(x, y + h)]
}

/// A random star-shaped simple ring around c (counter-clockwise), radii in [r0, r1].
func starRing(_ rng: inout SplitMix64, center c: Vec2, n: Int, r0: Double, r1: Double) -> [Vec2] {
    (0..<n).map { k in
        let t = 2 * Double.pi * (Double(k) + 0.3 * rng.unit()) / Double(n)
        let r = rng.range(r0, r1)
        return c + Vec2(cos(t), sin(t)) * r
    }
}

func shoelace(_ r: [Vec2]) -> Double {
    var s = 0.0
    for i in r.indices { let a = r[i], b = r[(i + 1) % r.count]; s += a.x * b.y - b.x * a.y }
    return s / 2
}
