/// The uniform grid a tile's positions are quantized to (KHR_mesh_quantization): glTF y-up local coordinates
/// `v ≈ origin + step · q` with `q` in 0…2^bits − 1 per axis (stored as non-normalized UINT16). The grid is cubic (one
/// step for all three axes) so the dequantization is a node translation + uniform scale, which leaves normals unchanged.
/// The step is the tile's largest extent / (2^bits − 1); positions move by at most step/2 per axis.
struct PositionGrid: Equatable {
    var origin: SIMD3<Double>
    var step: Double

    /// The grid covering the box `lo…hi` with `bits` (1…16) bits per axis.
    init(lo: SIMD3<Double>, hi: SIMD3<Double>, bits: Int) {
        origin = lo
        let ext = max(hi.x - lo.x, hi.y - lo.y, hi.z - lo.z)
        let levels = Double((1 << bits) - 1)
        step = ext > 0 && ext.isFinite ? ext / levels : 1
        maxQ = UInt16((1 << bits) - 1)
    }
    let maxQ: UInt16

    @inline(__always) func quantize(_ v: SIMD3<Double>) -> SIMD3<UInt16> {
        let q = ((v - origin) / step).rounded(.toNearestOrAwayFromZero)
        let c = q.clamped(lowerBound: .zero, upperBound: SIMD3(repeating: Double(maxQ)))
        return SIMD3(UInt16(c.x), UInt16(c.y), UInt16(c.z))
    }
    @inline(__always) func dequantize(_ q: SIMD3<UInt16>) -> SIMD3<Double> {
        origin + step * SIMD3(Double(q.x), Double(q.y), Double(q.z))
    }
    /// The glTF node fields that dequantize (translation, then uniform scale).
    var nodeJSON: String {
        var j = JSONText()
        j.raw("\"translation\":"); j.numbers([origin.x, origin.y, origin.z])
        j.raw(",\"scale\":"); j.numbers([step, step, step])
        return j.s
    }
}

/// A tile's mesh in quantized form: positions UINT16 ×4 (the 4th is 0 padding to the 4-byte vertex alignment glTF
/// requires), normals normalized INT8 ×4 (round(127·n), 4th 0), feature ids FLOAT, triangle indices relative to each
/// primitive's first vertex. With a codec, each primitive's triangles are reordered for the vertex cache and its
/// vertices for fetch order (unused vertices dropped) before encoding, which is what makes meshopt's delta codec small.
struct QuantizedMesh {
    var positions: [UInt16] = []
    var normals: [Int8] = []
    var featureIds: [Float] = []
    var indices: [UInt32] = []
    var primitives: [ExtrudedMesh.Primitive] = []
    var vertexCount: Int { featureIds.count }

    init(_ mesh: ExtrudedMesh, grid: PositionGrid, codec: (any MeshCodec)?) {
        positions.reserveCapacity(mesh.vertexCount * 4); normals.reserveCapacity(mesh.vertexCount * 4)
        featureIds.reserveCapacity(mesh.vertexCount); indices.reserveCapacity(mesh.indices.count)
        for p in mesh.primitives {
            var idx = Array(mesh.indices[p.firstIndex..<(p.firstIndex + p.indexCount)])
            var remap: [UInt32]? = nil
            var kept = p.vertexCount
            if let codec {
                codec.optimizeVertexCache(&idx, vertexCount: p.vertexCount)
                let r = codec.vertexFetchRemap(idx, vertexCount: p.vertexCount)
                for i in idx.indices { idx[i] = r.remap[Int(idx[i])] }
                remap = r.remap; kept = r.count
            }
            var order = [Int](repeating: -1, count: kept)   // new → old (within the primitive)
            if let remap {
                for old in 0..<p.vertexCount where remap[old] != UInt32.max { order[Int(remap[old])] = old }
            } else {
                for i in 0..<kept { order[i] = i }
            }
            let first = vertexCount
            var lo = SIMD3<UInt16>(repeating: .max), hi = SIMD3<UInt16>(repeating: 0)
            for old in order {
                let v = p.firstVertex + old
                let g = SIMD3(Double(mesh.positions[3 * v]), Double(mesh.positions[3 * v + 1]), Double(mesh.positions[3 * v + 2]))
                let q = grid.quantize(g)
                lo = pointwiseMin(lo, q); hi = pointwiseMax(hi, q)
                positions.append(q.x); positions.append(q.y); positions.append(q.z); positions.append(0)
                for k in 0..<3 {
                    let n = (Double(mesh.normals[3 * v + k]) * 127).rounded(.toNearestOrAwayFromZero)
                    normals.append(Int8(max(-127, min(127, n))))
                }
                normals.append(0)
                featureIds.append(mesh.featureIds[v])
            }
            let firstIndex = indices.count
            indices.append(contentsOf: idx)
            var q = p
            q.firstVertex = first; q.vertexCount = kept; q.firstIndex = firstIndex; q.indexCount = idx.count
            q.minP = SIMD3(Float(lo.x), Float(lo.y), Float(lo.z)); q.maxP = SIMD3(Float(hi.x), Float(hi.y), Float(hi.z))
            if kept > 0 && !idx.isEmpty { primitives.append(q) }
        }
    }
}
