/// Writes the binary glTF 2.0 container (GLB): 12-byte header, a JSON chunk and a BIN chunk.
///
/// glTF 2.0 §4.4 "GLB File Format Specification". The JSON chunk is padded with spaces so that the BIN chunk's data
/// starts at an 8-byte boundary of the file (what EXT_structural_metadata buffer views need); the BIN chunk is padded
/// with zeros to a multiple of 8. O(size).
enum GLBContainer {
    static func encode(json: String, bin: [UInt8]) -> [UInt8] {
        var j = Array(json.utf8)
        // header 12 + chunk header 8 + json + chunk header 8 must be ≡ 0 (mod 8) ⇒ json.count ≡ 4 (mod 8).
        while j.count % 8 != 4 { j.append(0x20) }
        var b = bin
        while b.count % 8 != 0 { b.append(0) }
        let total = 12 + 8 + j.count + (b.isEmpty ? 0 : 8 + b.count)
        var out: [UInt8] = []
        out.reserveCapacity(total)
        func u32(_ v: Int) { let x = UInt32(v); out.append(UInt8(x & 0xff)); out.append(UInt8((x >> 8) & 0xff)); out.append(UInt8((x >> 16) & 0xff)); out.append(UInt8(x >> 24)) }
        u32(0x4654_6C67)   // "glTF"
        u32(2)
        u32(total)
        u32(j.count); u32(0x4E4F_534A)   // "JSON"
        out.append(contentsOf: j)
        if !b.isEmpty {
            u32(b.count); u32(0x004E_4942)   // "BIN\0"
            out.append(contentsOf: b)
        }
        return out
    }
}

/// Accumulates the BIN chunk of a glTF: each appended block starts 8-byte aligned and becomes one bufferView.
struct BinaryBuffer {
    var bytes: [UInt8] = []
    /// bufferViews JSON entries, in order.
    var views: [String] = []

    /// Appends raw little-endian data of a trivially copyable array; returns the bufferView index.
    mutating func append<T: BitwiseCopyable>(_ values: [T], target: Int? = nil, count: Int? = nil) -> Int {
        while bytes.count % 8 != 0 { bytes.append(0) }
        let offset = bytes.count
        let n = count ?? values.count
        values.withUnsafeBytes { raw in bytes.append(contentsOf: raw.prefix(n * MemoryLayout<T>.stride)) }
        let len = bytes.count - offset
        var v = "{\"buffer\":0,\"byteOffset\":\(offset),\"byteLength\":\(len)"
        if let t = target { v += ",\"target\":\(t)" }
        v += "}"
        views.append(v)
        return views.count - 1
    }

    /// Appends an EXT_meshopt_compression bufferView: `encoded` goes into this buffer (buffer 0), the view itself lives
    /// in the fallback buffer 1 at `fallback` (advanced by `byteLength`, 8-byte aligned), which has no data.
    /// `mode` is ATTRIBUTES (with `byteStride`) or TRIANGLES (`byteStride` = index size). Returns the bufferView index.
    mutating func appendMeshopt(_ encoded: [UInt8], byteLength: Int, byteStride: Int, count: Int, mode: String,
                                target: Int?, fallback: inout Int) -> Int {
        while bytes.count % 8 != 0 { bytes.append(0) }
        let offset = bytes.count
        bytes.append(contentsOf: encoded)
        while fallback % 8 != 0 { fallback += 1 }
        var v = "{\"buffer\":1,\"byteOffset\":\(fallback),\"byteLength\":\(byteLength)"
        if mode == "ATTRIBUTES" { v += ",\"byteStride\":\(byteStride)" }
        if let target { v += ",\"target\":\(target)" }
        v += ",\"extensions\":{\"EXT_meshopt_compression\":{\"buffer\":0,\"byteOffset\":\(offset),\"byteLength\":\(encoded.count),\"byteStride\":\(byteStride),\"mode\":\"\(mode)\",\"count\":\(count)}}}"
        fallback += byteLength
        views.append(v)
        return views.count - 1
    }

    /// Appends raw data as a vertex bufferView with an explicit `byteStride`.
    mutating func appendStrided<T: BitwiseCopyable>(_ values: [T], byteStride: Int) -> Int {
        let i = append(values, target: 34962)
        views[i] = String(views[i].dropLast()) + ",\"byteStride\":\(byteStride)}"
        return i
    }
}
