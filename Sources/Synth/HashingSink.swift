import CityModel

/// A `FeatureSink` that keeps nothing but an FNV-1a 64-bit digest of everything written, and row counts per layer.
///
/// Hashed, in order: each layer's name, geometry type and field names/types; per row a geometry marker and its ISO WKB
/// (`WKB.encode`), then each value as a type tag and its bytes (integers and reals little-endian, strings UTF-8 with
/// their length). Same features in the same order ⇔ same digest (up to FNV collisions). Fowler–Noll–Vo, FNV-1a 64
/// (offset basis 0xcbf29ce484222325, prime 0x100000001b3). Complexity O(bytes).
public struct FNVHashingSink: FeatureSink {
    public private(set) var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    public private(set) var counts: [NamedCount] = []
    /// Total WKB bytes seen (a size proxy for benchmarks).
    public private(set) var wkbBytes = 0
    public init() {}

    @inline(__always) mutating func byte(_ b: UInt8) { digest = (digest ^ UInt64(b)) &* 0x100_0000_01b3 }
    mutating func u64(_ v: UInt64) { var x = v; for _ in 0..<8 { byte(UInt8(truncatingIfNeeded: x)); x >>= 8 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); for b in s.utf8 { byte(b) } }

    public mutating func begin(_ schema: FeatureTable) throws {
        string(schema.name); string(schema.geometryType)
        for f in schema.fields { string(f.name); string(f.type.rawValue) }
        counts.append(NamedCount(schema.name, 0))
    }
    public mutating func write(_ row: FeatureRow) throws {
        if let g = row.geometry {
            byte(1)
            let w = WKB.encode(g)
            wkbBytes += w.count
            u64(UInt64(w.count))
            for b in w { byte(b) }
        } else { byte(0) }
        for v in row.values {
            switch v {
            case .null: byte(0)
            case .int(let i): byte(1); u64(UInt64(bitPattern: i))
            case .real(let d): byte(2); u64(d.bitPattern)
            case .string(let s): byte(3); string(s)
            }
        }
        counts[counts.count - 1].count += 1
    }
    public mutating func end() throws { byte(0xFF) }
}

/// A `FeatureSink` that only counts rows per layer (for benchmarks of the generator alone).
public struct CountingSink: FeatureSink {
    public private(set) var counts: [NamedCount] = []
    public private(set) var vertices = 0
    public init() {}
    public mutating func begin(_ schema: FeatureTable) throws { counts.append(NamedCount(schema.name, 0)) }
    public mutating func write(_ row: FeatureRow) throws {
        counts[counts.count - 1].count += 1
        if let g = row.geometry {
            switch g {
            case .point: vertices += 1
            case .lineString(let l): vertices += l.points.count
            case .polygon(let p): for r in p.rings { vertices += r.count }
            case .multiPolygon(let m): for p in m.polygons { for r in p.rings { vertices += r.count } }
            default: vertices += g.allPoints.count
            }
        }
    }
    public mutating func end() throws {}
}
