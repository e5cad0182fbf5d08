import CMeshopt
import Tiles

/// `MeshCodec` on Debian's libmeshoptimizer (C API of zeux/meshoptimizer), for `tiles.compression: meshopt`.
/// Stateless and thread-safe (the library's functions only touch the buffers they are given). The decoders are here
/// for tests and checks: they return nil when the data does not decode.
public struct MeshoptCodec: MeshCodec {
    /// EXT_meshopt_compression requires index codec version 1 (header 0xE1); libmeshoptimizer 0.18 encodes version 0
    /// unless told otherwise (a process-wide setting, made once before the first encoder exists).
    private static let indexVersion: Void = { meshopt_encodeIndexVersion(1) }()
    public init() { _ = Self.indexVersion }

    public func optimizeVertexCache(_ indices: inout [UInt32], vertexCount: Int) {
        guard !indices.isEmpty else { return }
        let src = indices
        src.withUnsafeBufferPointer { s in
            indices.withUnsafeMutableBufferPointer { d in
                meshopt_optimizeVertexCache(d.baseAddress, s.baseAddress, s.count, vertexCount)
            }
        }
    }

    public func vertexFetchRemap(_ indices: [UInt32], vertexCount: Int) -> (remap: [UInt32], count: Int) {
        var remap = [UInt32](repeating: UInt32.max, count: vertexCount)
        guard vertexCount > 0, !indices.isEmpty else { return (remap, 0) }
        let n = indices.withUnsafeBufferPointer { s in
            remap.withUnsafeMutableBufferPointer { d in
                meshopt_optimizeVertexFetchRemap(d.baseAddress, s.baseAddress, s.count, vertexCount)
            }
        }
        return (remap, n)
    }

    public func encodeVertexBuffer(_ bytes: [UInt8], count: Int, stride: Int) -> [UInt8] {
        precondition(stride > 0 && stride % 4 == 0 && stride <= 256 && bytes.count >= count * stride)
        var out = [UInt8](repeating: 0, count: meshopt_encodeVertexBufferBound(count, stride))
        let n = bytes.withUnsafeBytes { s in
            out.withUnsafeMutableBufferPointer { d in meshopt_encodeVertexBuffer(d.baseAddress, d.count, s.baseAddress, count, stride) }
        }
        out.removeSubrange(n...)
        return out
    }

    public func encodeIndexBuffer(_ indices: [UInt32], vertexCount: Int) -> [UInt8] {
        precondition(indices.count % 3 == 0)
        var out = [UInt8](repeating: 0, count: meshopt_encodeIndexBufferBound(indices.count, max(vertexCount, 1)))
        let n = indices.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in meshopt_encodeIndexBuffer(d.baseAddress, d.count, s.baseAddress, s.count) }
        }
        out.removeSubrange(n...)
        return out
    }

    /// Decodes an ATTRIBUTES stream of `count` vertices of `stride` bytes (meshopt_decodeVertexBuffer).
    public func decodeVertexBuffer(_ encoded: [UInt8], count: Int, stride: Int) -> [UInt8]? {
        guard stride > 0, stride % 4 == 0, stride <= 256, count >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: count * stride)
        let rc = encoded.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBytes { d in meshopt_decodeVertexBuffer(d.baseAddress, count, stride, s.baseAddress, s.count) }
        }
        return rc == 0 ? out : nil
    }

    /// Decodes a TRIANGLES stream of `count` indices (meshopt_decodeIndexBuffer).
    public func decodeIndexBuffer(_ encoded: [UInt8], count: Int) -> [UInt32]? {
        guard count % 3 == 0, count >= 0 else { return nil }
        var out = [UInt32](repeating: 0, count: count)
        let rc = encoded.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBytes { d in meshopt_decodeIndexBuffer(d.baseAddress, count, 4, s.baseAddress, s.count) }
        }
        return rc == 0 ? out : nil
    }
}
