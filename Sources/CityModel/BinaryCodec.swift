/// A little-endian binary writer for CIMBase's own exchange files (the parts of a partitioned city): doubles and floats
/// as IEEE bit patterns, so values come back exact.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func string(_ s: String) {
        let u = Array(s.utf8)
        u32(UInt32(u.count)); bytes.append(contentsOf: u)
    }
    /// A count, then the values (4 bytes each).
    public mutating func u32s(_ v: [UInt32]) {
        u32(UInt32(v.count))
        bytes.reserveCapacity(bytes.count + 4 * v.count)
        for x in v { u32(x) }
    }
}

/// Reads `BinaryWriter` bytes with bounds checks: truncated data or a count larger than the bytes left is an error,
/// never a trap or a huge allocation.
public struct BinaryReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var at = 0
    public init(_ b: [UInt8]) { bytes = b }
    public var atEnd: Bool { at == bytes.count }
    public mutating func u32() throws -> UInt32 {
        guard at + 4 <= bytes.count else { throw BinaryFormatError("truncated at byte \(at)") }
        let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        at += 4
        return v
    }
    public mutating func f64() throws -> Double {
        let lo = UInt64(try u32()), hi = UInt64(try u32())
        return Double(bitPattern: lo | hi << 32)
    }
    /// A count of items of at least `minBytes` each, checked against the bytes left.
    public mutating func count(minBytes: Int) throws -> Int {
        let n = Int(try u32())
        guard n <= (bytes.count - at) / max(minBytes, 1) else { throw BinaryFormatError("count \(n) at byte \(at - 4) exceeds the data") }
        return n
    }
    public mutating func string() throws -> String {
        let n = try count(minBytes: 1)
        defer { at += n }
        return String(decoding: bytes[at..<(at + n)], as: UTF8.self)
    }
    public mutating func u32s() throws -> [UInt32] {
        let n = try count(minBytes: 4)
        var out = [UInt32](repeating: 0, count: n)
        for i in 0..<n { out[i] = try u32() }
        return out
    }
}

public struct BinaryFormatError: Error, CustomStringConvertible {
    public let description: String
    public init(_ m: String) { description = m }
}
