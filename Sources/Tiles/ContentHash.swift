import CityModel

/// A 128-bit content hash (two independent 64-bit lanes, each a multiply–xorshift mix of 8-byte words, finalised with
/// the SplitMix64 / MurmurHash3 `fmix64` avalanche), used to name tile content after the inputs that produce it.
/// Not cryptographic: it guards against accidental equality (collision probability ≈ k²/2¹²⁹ for k contents), not an
/// adversary. Deterministic across runs and machines (little-endian bit patterns of the values). O(bytes hashed).
struct ContentHasher {
    private var a: UInt64 = 0x243F_6A88_85A3_08D3, b: UInt64 = 0x1319_8A2E_0370_7344
    private var n: UInt64 = 0

    @inline(__always) mutating func word(_ w: UInt64) {
        a = (a ^ w) &* 0x9E37_79B9_7F4A_7C15; a ^= a >> 31
        b = (b &+ w) &* 0xC2B2_AE3D_27D4_EB4F; b = (b << 27) | (b >> 37)
        n &+= 1
    }
    mutating func double(_ x: Double) { word(x.bitPattern) }
    mutating func int(_ x: Int) { word(UInt64(bitPattern: Int64(x))) }
    mutating func string(_ s: String) {
        var acc: UInt64 = 0, k = 0, len = 0
        for u in s.utf8 {
            acc |= UInt64(u) << (8 * UInt64(k)); k += 1; len += 1
            if k == 8 { word(acc); acc = 0; k = 0 }
        }
        word(acc); int(len)
    }
    private static func fmix(_ x0: UInt64) -> UInt64 {
        var x = x0
        x ^= x >> 33; x &*= 0xFF51_AFD7_ED55_8CCD; x ^= x >> 33; x &*= 0xC4CE_B9FE_1A85_EC53; x ^= x >> 33
        return x
    }
    /// 32 lowercase hex digits.
    var hex: String {
        let h1 = Self.fmix(a ^ n), h2 = Self.fmix(b ^ (n &* 0x9E37_79B9_7F4A_7C15) ^ h1)
        func h(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return h(h1) + h(h2)
    }
}

extension TileContentBuilder {
    /// Version of the content encoding: bump when the bytes written for the same inputs change.
    static let encodingVersion = 2

    /// The hash of everything one tile's content depends on: the encoding version, `fingerprint` (options and
    /// projector probe, see `TilesetWriter`), the metadata schema, and every building of the tile in feature order with
    /// all its fields, footprint coordinates and extra column values.
    func contentHash(ids: [Int32], fingerprint: String) -> String {
        var h = ContentHasher()
        h.int(Self.encodingVersion)
        h.string(fingerprint)
        h.string((table ?? metadata).schemaJSON())
        for r in featureOrder(ids) {
            let b = buildings[r]
            h.word(UInt64(bitPattern: b.id)); h.string(b.sourceId)
            h.double(b.heightM); h.double(b.groundM ?? .nan); h.string(b.groundSource.rawValue); h.string(b.heightSource.rawValue); h.string(b.use.rawValue)
            h.int(b.floors ?? Int.min); h.int(b.yearBuilt ?? Int.min); h.double(b.residents ?? .nan)
            h.int(b.footprint.polygons.count)
            for p in b.footprint.polygons {
                h.int(p.rings.count)
                for ring in p.rings {
                    h.int(ring.count)
                    for q in ring { h.double(q.x); h.double(q.y) }
                }
            }
            for c in metadata.columns {
                switch c.values {
                case .float32(let v, _): h.word(UInt64(v[r].bitPattern))
                case .float64(let v, _): h.double(v[r])
                case .int32(let v, _): h.int(Int(v[r]))
                case .uint8(let v, _): h.int(Int(v[r]))
                case .string(let v): if let s = v[r] { h.string(s) } else { h.int(-1) }
                }
            }
        }
        return h.hex
    }
}
