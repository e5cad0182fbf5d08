/// Why a WKB blob could not be decoded.
public enum WKBError: Error, Equatable, CustomStringConvertible {
    /// The blob ends before the geometry does (byte offset of the failed read).
    case truncated(offset: Int)
    /// A geometry type code other than Point … GeometryCollection (1–7), after removing Z/M/EWKB flags.
    case unsupportedType(UInt32)
    /// A NaN or infinite coordinate (not raised by `WKB.decode`, which does not check: test `Geometry.isFinite`).
    case nonFinite
    /// Human-readable message for error reports.
    public var description: String {
        switch self {
        case .truncated(let o): return "WKB truncated at byte \(o)"
        case .unsupportedType(let t): return "WKB geometry type \(t) is not supported"
        case .nonFinite: return "WKB holds a NaN or infinite coordinate"
        }
    }
}

/// Well-known binary (ISO / OGC 06-103r4) for 2D geometries: the format GeoBridge exchanges with GDAL and GEOS.
///
/// Reading accepts little- and big-endian, ISO Z/M/ZM codes and EWKB flags (extra ordinates are dropped) and
/// closed rings (the closing point is removed, since `Polygon` rings are open). A GeometryCollection is reduced to its
/// polygons, else its lines, else its points. Writing emits little-endian 2D ISO WKB with closed rings.
public enum WKB {
    /// Decodes one geometry; throws ``WKBError`` for truncated blobs and unsupported types. O(bytes).
    public static func decode(_ bytes: [UInt8]) throws -> Geometry {
        var r = Reader(bytes: bytes)
        return try r.geometry()
    }
    /// Decodes one geometry from raw memory (copied first), e.g. a blob returned by GDAL or GEOS. O(bytes).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        try decode(Array(bytes))
    }

    /// Encodes as little-endian 2D ISO WKB, closing every ring. O(points).
    public static func encode(_ g: Geometry) -> [UInt8] {
        var w = Writer()
        w.geometry(g)
        return w.out
    }

    struct Reader {
        let bytes: [UInt8]
        var pos = 0
        var little = true
        var dims = 2

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func u8() throws -> UInt8 {
            guard pos < bytes.count else { throw WKBError.truncated(offset: pos) }
            defer { pos += 1 }
            return bytes[pos]
        }
        mutating func u32() throws -> UInt32 {
            guard pos + 4 <= bytes.count else { throw WKBError.truncated(offset: pos) }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
            pos += 4
            return little ? v : v.byteSwapped
        }
        mutating func f64() throws -> Double {
            guard pos + 8 <= bytes.count else { throw WKBError.truncated(offset: pos) }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8
            return Double(bitPattern: little ? v : v.byteSwapped)
        }
        mutating func point() throws -> Vec2 {
            let x = try f64(), y = try f64()
            for _ in 2..<dims { _ = try f64() }
            return Vec2(x, y)
        }
        mutating func points() throws -> [Vec2] {
            let n = Int(try u32())
            guard n <= (bytes.count - pos) / 16 else { throw WKBError.truncated(offset: pos) }
            var out = [Vec2](); out.reserveCapacity(n)
            for _ in 0..<n { out.append(try point()) }
            return out
        }
        mutating func ring() throws -> [Vec2] {
            var r = try points()
            if r.count > 1, r.first == r.last { r.removeLast() }
            return r
        }
        mutating func header() throws -> UInt32 {
            little = try u8() == 1
            var t = try u32()
            // EWKB flags
            var z = false, m = false
            if t & 0x8000_0000 != 0 { z = true }
            if t & 0x4000_0000 != 0 { m = true }
            if t & 0x2000_0000 != 0 { _ = try u32() } // SRID
            t &= 0x0FFF_FFFF
            switch t / 1000 {
            case 1: z = true
            case 2: m = true
            case 3: z = true; m = true
            default: break
            }
            dims = 2 + (z ? 1 : 0) + (m ? 1 : 0)
            return t % 1000
        }
        mutating func geometry() throws -> Geometry {
            let t = try header()
            switch t {
            case 1:
                let p = try point()
                return .point(p)
            case 2: return .lineString(LineString(try points()))
            case 3:
                let n = Int(try u32())
                var rings = [[Vec2]]()
                for _ in 0..<n { rings.append(try ring()) }
                return .polygon(Polygon(rings))
            case 4, 5, 6, 7:
                let n = Int(try u32())
                var parts = [Geometry]()
                for _ in 0..<n { parts.append(try geometry()) }
                switch t {
                case 4: return .multiPoint(parts.compactMap { if case .point(let p) = $0 { return p }; return nil })
                case 5: return .multiLineString(parts.flatMap { $0.lines })
                case 6: return .multiPolygon(MultiPolygon(parts.flatMap { $0.polygons.polygons }))
                default:
                    // Geometry collection: keep the polygonal parts if any, else lines, else points.
                    let polys = parts.flatMap { $0.polygons.polygons }
                    if !polys.isEmpty { return .multiPolygon(MultiPolygon(polys)) }
                    let lines = parts.flatMap { $0.lines }
                    if !lines.isEmpty { return .multiLineString(lines) }
                    return .multiPoint(parts.flatMap { $0.allPoints })
                }
            default: throw WKBError.unsupportedType(t)
            }
        }
    }

    struct Writer {
        var out: [UInt8] = []
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        mutating func head(_ t: UInt32) { out.append(1); u32(t) }
        mutating func pts(_ p: [Vec2]) { u32(UInt32(p.count)); for q in p { f64(q.x); f64(q.y) } }
        mutating func ring(_ r: [Vec2]) {
            if let f = r.first, r.last != f || r.count == 1 { pts(r + [f]) } else { pts(r) }
        }
        mutating func polygon(_ p: Polygon) { head(3); u32(UInt32(p.rings.count)); for r in p.rings { ring(r) } }
        mutating func geometry(_ g: Geometry) {
            switch g {
            case .point(let p): head(1); f64(p.x); f64(p.y)
            case .multiPoint(let ps): head(4); u32(UInt32(ps.count)); for p in ps { head(1); f64(p.x); f64(p.y) }
            case .lineString(let l): head(2); pts(l.points)
            case .multiLineString(let ls): head(5); u32(UInt32(ls.count)); for l in ls { head(2); pts(l.points) }
            case .polygon(let p): polygon(p)
            case .multiPolygon(let m): head(6); u32(UInt32(m.polygons.count)); for p in m.polygons { polygon(p) }
            }
        }
    }
}

extension Geometry {
    /// True when every coordinate is finite.
    public var isFinite: Bool { allPoints.allSatisfy { $0.x.isFinite && $0.y.isFinite } }
    /// True when the geometry has no coordinates (or only empty parts).
    public var isEmpty: Bool {
        switch self {
        case .point(let p): return !(p.x.isFinite || p.y.isFinite) // WKB POINT EMPTY is NaN NaN
        case .multiPoint(let ps): return ps.isEmpty
        case .lineString(let l): return l.points.isEmpty
        case .multiLineString(let ls): return ls.allSatisfy { $0.points.isEmpty }
        case .polygon(let p): return p.exterior.isEmpty
        case .multiPolygon(let m): return m.polygons.allSatisfy { $0.exterior.isEmpty }
        }
    }
}
