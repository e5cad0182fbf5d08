/// The columns of one EXT_structural_metadata property table as they are appended to a tile's binary buffer: shared by
/// the `building` and `block` encoders so the column layout (numeric views, UINT32 string offsets, meshopt ATTRIBUTES
/// streams for 4- and 8-byte elements) is written in one place. O(values).
struct PropertyColumns {
    private(set) var props: [(String, String)] = []
    let codec: (any MeshCodec)?

    init(codec: (any MeshCodec)?) { self.codec = codec }

    /// A buffer view of `v`: plain, or with a codec an EXT_meshopt_compression ATTRIBUTES stream (stride = element
    /// size) in the fallback buffer at `fallback` when the element size is a multiple of 4.
    private func view<T: BitwiseCopyable>(_ v: [T], _ bin: inout BinaryBuffer, _ fallback: inout Int) -> Int {
        let size = MemoryLayout<T>.stride
        guard let codec, size % 4 == 0, !v.isEmpty else { return bin.append(v) }
        let bytes = v.withUnsafeBytes { Array($0) }
        return bin.appendMeshopt(codec.encodeVertexBuffer(bytes, count: v.count, stride: size), byteLength: bytes.count,
                                 byteStride: size, count: v.count, mode: "ATTRIBUTES", target: nil, fallback: &fallback)
    }

    mutating func numeric<T: BitwiseCopyable>(_ name: String, _ v: [T], bin: inout BinaryBuffer, fallback: inout Int) {
        props.append((name, "{\"values\":\(view(v, &bin, &fallback))}"))
    }

    /// A STRING column; left out when every value is empty (an empty buffer view is invalid; the property is optional).
    mutating func strings(_ name: String, _ v: [String], bin: inout BinaryBuffer, fallback: inout Int) {
        var bytes: [UInt8] = []
        var offs: [UInt32] = [0]
        offs.reserveCapacity(v.count + 1)
        for s in v { bytes.append(contentsOf: s.utf8); offs.append(UInt32(bytes.count)) }
        guard !bytes.isEmpty else { return }
        let vv = bin.append(bytes), ov = view(offs, &bin, &fallback)
        props.append((name, "{\"values\":\(vv),\"stringOffsets\":\(ov),\"stringOffsetType\":\"UINT32\"}"))
    }

    /// The propertyTable JSON object of class `className` with `count` rows.
    func tableJSON(className: String, count: Int) -> String {
        var j = JSONText()
        j.raw("{\"class\":"); j.string(className); j.raw(",\"count\":\(count),\"properties\":{")
        for (i, (name, body)) in props.enumerated() {
            if i > 0 { j.raw(",") }
            j.string(name); j.raw(":"); j.raw(body)
        }
        j.raw("}}")
        return j.s
    }
}
