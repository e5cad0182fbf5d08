/// How tile geometry is stored in the GLB content (`tiles.compression`).
public enum TileCompression: String, Sendable, CaseIterable {
    /// KHR_mesh_quantization + EXT_meshopt_compression (vertex/index buffers reordered and encoded by a `MeshCodec`).
    case meshopt
    /// KHR_mesh_quantization only: positions as UINT16 on a uniform grid (dequantized by the mesh node's
    /// translation/scale), normals as normalized INT8; pure Swift, no codec needed.
    case quantize
    /// Float32 positions and normals, as glTF 2.0 core.
    case none
}

/// The mesh optimisation and encoding a `TilesetWriter` needs for `TileCompression.meshopt`: the operations of
/// meshoptimizer's C API (zeux/meshoptimizer; EXT_meshopt_compression bitstream, vertex codec version 0, index codec
/// version 1). Tiles stays pure Swift: the implementation (GeoBridge's `MeshoptCodec`, on libmeshoptimizer) is passed in.
/// Implementations are called concurrently from several threads.
public protocol MeshCodec: Sendable {
    /// Reorders the triangles of an indexed triangle list for vertex-cache locality (meshopt_optimizeVertexCache).
    func optimizeVertexCache(_ indices: inout [UInt32], vertexCount: Int)
    /// The vertex order of first use by `indices` (meshopt_optimizeVertexFetchRemap): `remap[old]` is the new index, or
    /// `UInt32.max` for a vertex no triangle uses; also returns the number of vertices kept.
    func vertexFetchRemap(_ indices: [UInt32], vertexCount: Int) -> (remap: [UInt32], count: Int)
    /// Encodes `count` vertices of `stride` bytes (a multiple of 4, at most 256) as an EXT_meshopt_compression
    /// ATTRIBUTES stream (meshopt_encodeVertexBuffer).
    func encodeVertexBuffer(_ bytes: [UInt8], count: Int, stride: Int) -> [UInt8]
    /// Encodes a triangle list (count a multiple of 3, values < `vertexCount`) as an EXT_meshopt_compression TRIANGLES
    /// stream (meshopt_encodeIndexBuffer).
    func encodeIndexBuffer(_ indices: [UInt32], vertexCount: Int) -> [UInt8]
}
