import CityModel

/// Builds one tile's content: extruded building meshes in the tile's local ENU frame, encoded as a GLB with
/// EXT_mesh_features feature ids and an EXT_structural_metadata property table, plus the exact region of its vertices.
///
/// Steps: clean + ear-clip footprints, project every footprint point at ground and at roof height through the
/// `ECEFProjector` (one batch per tile), place the ENU frame at the projected centre of the content, convert the ECEF
/// vertices to that frame, and take the region from the ECEF → geodetic conversion of every vertex (plus a margin).
/// O(vertices of the tile); memory O(tile), released after the GLB is written.
struct TileContentBuilder {
    let buildings: [Building]
    let metadata: BuildingMetadata
    let options: TilesetOptions
    let projector: any ECEFProjector
    /// Needed for `TileCompression.meshopt`.
    var codec: (any MeshCodec)? = nil
    /// Writes the schema and property table instead of `metadata` (the `block` class of `TileLOD.blocks` parents).
    var table: (any PropertyTableEncoder)? = nil
    /// Implicit tiling (`ImplicitTilesetWriter`): tiles have no transform of their own, so the content carries its ENU
    /// frame relative to this frame (the implicit root's `transform`) as the matrix of a glTF root node.
    var rootFrame: RigidTransform? = nil

    /// A local ENU point as the glTF y-up Float32 position the mesh stores, in Double.
    @inline(__always) static func yUp(_ p: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(Double(Float(p.x)), Double(Float(p.z)), Double(Float(-p.y)))
    }

    struct Result {
        var glb: [UInt8]
        var region: GeodeticRegion
        var frame: RigidTransform
        var triangles: Int
        var vertices: Int
        var features: Int
    }

    /// Ground height above the ellipsoid used for a building.
    func ground(_ b: Building) -> Double {
        if let g = b.groundM, g.isFinite { return g + options.groundOffsetM }
        return options.defaultGroundHeightM
    }
    /// Extrusion height used for a building (at least `minimumHeightM`).
    func height(_ b: Building) -> Double {
        b.heightM.isFinite ? max(b.heightM, options.minimumHeightM) : options.minimumHeightM
    }

    /// Feature order: by use (one primitive / material per use), then input order.
    func featureOrder(_ ids: [Int32]) -> [Int] {
        let useRank = Dictionary(uniqueKeysWithValues: BuildingUse.allCases.enumerated().map { ($1, $0) })
        return ids.map(Int.init).sorted {
            let a = useRank[buildings[$0].use]!, b = useRank[buildings[$1].use]!
            return a != b ? a < b : $0 < $1
        }
    }

    func build(ids: [Int32]) throws -> Result {
        let rows = featureOrder(ids)
        var clipper = EarClipper()
        var parts: [[PreparedPolygon]] = []
        parts.reserveCapacity(rows.count)
        var grounds: [Double] = []
        grounds.reserveCapacity(rows.count)
        var batch: [SIMD3<Double>] = []
        var bbox = BBox.empty
        var groundSum = 0.0
        for r in rows {
            let b = buildings[r]
            let g = ground(b), top = g + height(b)
            grounds.append(g); groundSum += g
            let ps = PreparedPolygon.prepare(b.footprint, clipper: &clipper)
            for p in ps {
                for q in p.points { batch.append(SIMD3(q.x, q.y, g)); bbox.expand(q) }
                for q in p.points { batch.append(SIMD3(q.x, q.y, top)) }
            }
            parts.append(ps)
        }
        let centre = bbox.isEmpty ? Vec2.zero : bbox.center
        batch.append(SIMD3(centre.x, centre.y, rows.isEmpty ? 0 : groundSum / Double(rows.count)))
        let ecef = try projector.toECEF(batch)
        guard ecef.count == batch.count else { throw TilesError.projection("projector returned \(ecef.count) points for \(batch.count)") }
        let c = WGS84.toGeodetic(ecef[ecef.count - 1])
        var frame = WGS84.enuFrame(lon: c.lon, lat: c.lat, h: 0)
        frame.origin = ecef[ecef.count - 1]

        var local = [SIMD3<Double>](repeating: .zero, count: ecef.count - 1)
        for i in 0..<(ecef.count - 1) {
            let p = ecef[i]
            guard p.x.isFinite && p.y.isFinite && p.z.isFinite else { throw TilesError.projection("non-finite ECEF point") }
            local[i] = frame.inverseApply(p)
        }
        // Quantized content: the region is taken from the dequantized vertices, so it contains what clients draw.
        var grid: PositionGrid? = nil
        if options.compression != .none {
            var lo = SIMD3<Double>(repeating: .infinity), hi = SIMD3<Double>(repeating: -.infinity)
            for p in local { let g = Self.yUp(p); lo = pointwiseMin(lo, g); hi = pointwiseMax(hi, g) }
            grid = local.isEmpty ? PositionGrid(lo: .zero, hi: .zero, bits: options.positionBits)
                                 : PositionGrid(lo: lo, hi: hi, bits: options.positionBits)
        }
        var region = GeodeticRegion.empty
        for i in local.indices {
            let g: (lon: Double, lat: Double, h: Double)
            if let grid {
                let d = grid.dequantize(grid.quantize(Self.yUp(local[i])))
                g = WGS84.toGeodetic(frame.apply(SIMD3(d.x, -d.z, d.y)))
            } else {
                g = WGS84.toGeodetic(ecef[i])
            }
            region.expand(lon: g.lon, lat: g.lat, h: g.h)
        }

        var mesh = ExtrudedMesh()
        var cursor = 0
        var currentUse: BuildingUse? = nil
        for (fi, r) in rows.enumerated() {
            let use = buildings[r].use
            if use != currentUse {
                mesh.beginPrimitive(use: use); currentUse = use
            }
            mesh.countFeature()
            for p in parts[fi] {
                let n = p.points.count
                mesh.addPrism(p, bottom: local[cursor..<(cursor + n)], top: local[(cursor + n)..<(cursor + 2 * n)], featureId: Float(fi))
                cursor += 2 * n
            }
        }
        mesh.endPrimitive()
        let glb = encodeGLB(mesh: mesh, grid: grid, rows: rows, grounds: grounds,
                            nodeMatrix: rootFrame.map { Self.yUpMatrix($0.inverse.composed(with: frame)) })
        return Result(glb: glb, region: region.padded(metres: options.boundsMarginM), frame: frame,
                      triangles: mesh.triangleCount, vertices: mesh.vertexCount, features: rows.count)
    }

    /// Assembles the glTF JSON and BIN chunk.
    /// `r` (a z-up rigid transform between two ENU-like frames) as the column-major matrix of a glTF node: glTF is
    /// y-up and 3D Tiles rotates content by Y→Z (x, y, z) ↦ (x, −z, y) after the node transforms, so the node needs
    /// Z→Y · r · Y→Z, which makes `tile transform · Y→Z · node` equal `tile transform · r · Y→Z`.
    static func yUpMatrix(_ r: RigidTransform) -> [Double] {
        let y2z = RigidTransform(x: SIMD3(1, 0, 0), y: SIMD3(0, 0, 1), z: SIMD3(0, -1, 0), origin: .zero)
        return y2z.inverse.composed(with: r.composed(with: y2z)).columnMajor
    }

    func encodeGLB(mesh: ExtrudedMesh, grid: PositionGrid?, rows: [Int], grounds: [Double], nodeMatrix: [Double]? = nil) -> [UInt8] {
        var bin = BinaryBuffer()
        var accessors: [String] = []
        var attrs: [String] = []   // per primitive: the attributes + indices JSON
        var extensions = ["EXT_mesh_features", "EXT_structural_metadata"]
        var required: [String] = []
        var fallbackLength = 0
        var primitives = mesh.primitives
        if let grid {
            let codec = options.compression == .meshopt ? codec : nil
            let q = QuantizedMesh(mesh, grid: grid, codec: codec)
            primitives = q.primitives
            let small = q.primitives.allSatisfy { $0.vertexCount <= 65_535 }
            let isz = small ? 2 : 4
            let posView: Int, nrmView: Int, fidView: Int, idxView: Int
            if let codec {
                func bytes<T: BitwiseCopyable>(_ v: [T]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }
                let n = q.vertexCount
                posView = bin.appendMeshopt(codec.encodeVertexBuffer(bytes(q.positions), count: n, stride: 8), byteLength: n * 8,
                                            byteStride: 8, count: n, mode: "ATTRIBUTES", target: 34962, fallback: &fallbackLength)
                nrmView = bin.appendMeshopt(codec.encodeVertexBuffer(bytes(q.normals), count: n, stride: 4), byteLength: n * 4,
                                            byteStride: 4, count: n, mode: "ATTRIBUTES", target: 34962, fallback: &fallbackLength)
                fidView = bin.appendMeshopt(codec.encodeVertexBuffer(bytes(q.featureIds), count: n, stride: 4), byteLength: n * 4,
                                            byteStride: 4, count: n, mode: "ATTRIBUTES", target: 34962, fallback: &fallbackLength)
                idxView = bin.appendMeshopt(codec.encodeIndexBuffer(q.indices, vertexCount: n), byteLength: q.indices.count * isz,
                                            byteStride: isz, count: q.indices.count, mode: "TRIANGLES", target: 34963, fallback: &fallbackLength)
                extensions.append("EXT_meshopt_compression"); required.append("EXT_meshopt_compression")
            } else {
                posView = bin.appendStrided(q.positions, byteStride: 8)
                nrmView = bin.appendStrided(q.normals, byteStride: 4)
                fidView = bin.append(q.featureIds, target: 34962)
                idxView = small ? bin.append(q.indices.map { UInt16(truncatingIfNeeded: $0) }, target: 34963)
                                : bin.append(q.indices, target: 34963)
            }
            extensions.append("KHR_mesh_quantization"); required.append("KHR_mesh_quantization")
            for p in q.primitives {
                let a0 = accessors.count
                var pa = JSONText()
                pa.raw("{\"bufferView\":\(posView),\"byteOffset\":\(p.firstVertex * 8),\"componentType\":5123,\"count\":\(p.vertexCount),\"type\":\"VEC3\",\"min\":")
                pa.numbers([Double(p.minP.x), Double(p.minP.y), Double(p.minP.z)]); pa.raw(",\"max\":")
                pa.numbers([Double(p.maxP.x), Double(p.maxP.y), Double(p.maxP.z)]); pa.raw("}")
                accessors.append(pa.s)
                accessors.append("{\"bufferView\":\(nrmView),\"byteOffset\":\(p.firstVertex * 4),\"componentType\":5120,\"normalized\":true,\"count\":\(p.vertexCount),\"type\":\"VEC3\"}")
                accessors.append("{\"bufferView\":\(fidView),\"byteOffset\":\(p.firstVertex * 4),\"componentType\":5126,\"count\":\(p.vertexCount),\"type\":\"SCALAR\"}")
                accessors.append("{\"bufferView\":\(idxView),\"byteOffset\":\(p.firstIndex * isz),\"componentType\":\(small ? 5123 : 5125),\"count\":\(p.indexCount),\"type\":\"SCALAR\"}")
                attrs.append("\"attributes\":{\"POSITION\":\(a0),\"NORMAL\":\(a0 + 1),\"_FEATURE_ID_0\":\(a0 + 2)},\"indices\":\(a0 + 3)")
            }
        } else {
            // The same accessors as the quantized branch above, with float positions and normals (strides 12, types
            // 5126): written out in full so that each branch reads as the glTF it produces.
            let small = mesh.primitives.allSatisfy { $0.vertexCount <= 65_535 }
            let posView = bin.append(mesh.positions, target: 34962)
            let nrmView = bin.append(mesh.normals, target: 34962)
            let fidView = bin.append(mesh.featureIds, target: 34962)
            let idxView = small ? bin.append(mesh.indices.map { UInt16(truncatingIfNeeded: $0) }, target: 34963)
                                : bin.append(mesh.indices, target: 34963)
            for p in mesh.primitives {
                let a0 = accessors.count
                var pa = JSONText()
                pa.raw("{\"bufferView\":\(posView),\"byteOffset\":\(p.firstVertex * 12),\"componentType\":5126,\"count\":\(p.vertexCount),\"type\":\"VEC3\",\"min\":")
                pa.numbers([Double(p.minP.x), Double(p.minP.y), Double(p.minP.z)]); pa.raw(",\"max\":")
                pa.numbers([Double(p.maxP.x), Double(p.maxP.y), Double(p.maxP.z)]); pa.raw("}")
                accessors.append(pa.s)
                accessors.append("{\"bufferView\":\(nrmView),\"byteOffset\":\(p.firstVertex * 12),\"componentType\":5126,\"count\":\(p.vertexCount),\"type\":\"VEC3\"}")
                accessors.append("{\"bufferView\":\(fidView),\"byteOffset\":\(p.firstVertex * 4),\"componentType\":5126,\"count\":\(p.vertexCount),\"type\":\"SCALAR\"}")
                accessors.append("{\"bufferView\":\(idxView),\"byteOffset\":\(p.firstIndex * (small ? 2 : 4)),\"componentType\":\(small ? 5123 : 5125),\"count\":\(p.indexCount),\"type\":\"SCALAR\"}")
                attrs.append("\"attributes\":{\"POSITION\":\(a0),\"NORMAL\":\(a0 + 1),\"_FEATURE_ID_0\":\(a0 + 2)},\"indices\":\(a0 + 3)")
            }
        }
        let encoder: any PropertyTableEncoder = self.table ?? metadata
        let table = encoder.encodeTable(rows: rows, buildings: buildings, grounds: grounds, bin: &bin,
                                         codec: grid != nil && options.compression == .meshopt ? codec : nil, fallback: &fallbackLength)

        // Materials: one per use present.
        var materialOf: [BuildingUse: Int] = [:]
        var materials: [String] = []
        for p in primitives where materialOf[p.use] == nil {
            materialOf[p.use] = materials.count
            let c = options.colorByUse ? TilesetOptions.color(for: p.use) : options.baseColor
            var m = JSONText()
            m.raw("{\"name\":"); m.string(p.use.rawValue)
            m.raw(",\"pbrMetallicRoughness\":{\"baseColorFactor\":"); m.numbers([c.x, c.y, c.z, 1])
            m.raw(",\"metallicFactor\":0,\"roughnessFactor\":0.9}}")
            materials.append(m.s)
        }
        var prims: [String] = []
        for (p, a) in zip(primitives, attrs) {
            prims.append("{" + a + ",\"material\":\(materialOf[p.use]!),\"mode\":4,\"extensions\":{\"EXT_mesh_features\":{\"featureIds\":[{\"featureCount\":\(p.featureCount),\"attribute\":0,\"propertyTable\":0}]}}}")
        }
        var j = JSONText()
        j.raw("{\"asset\":{\"version\":\"2.0\",\"generator\":\"CIMBase Tiles\"}")
        j.raw(",\"extensionsUsed\":["); j.raw(extensions.map { "\"\($0)\"" }.joined(separator: ",")); j.raw("]")
        if !required.isEmpty { j.raw(",\"extensionsRequired\":["); j.raw(required.map { "\"\($0)\"" }.joined(separator: ",")); j.raw("]") }
        // A tile whose buildings all had unusable footprints keeps a valid glTF: a node without a mesh. Quantized
        // content: the node's translation and uniform scale are the dequantization (KHR_mesh_quantization).
        let node = prims.isEmpty ? "{}" : (grid.map { "{\"mesh\":0,\($0.nodeJSON)}" } ?? "{\"mesh\":0}")
        if let nodeMatrix {
            // Node 0 places the tile's frame in the implicit root's; node 1 is the mesh node above.
            var m = JSONText(); m.numbers(nodeMatrix)
            j.raw(",\"scene\":0,\"scenes\":[{\"nodes\":[0]}],\"nodes\":[{\"matrix\":" + m.s + ",\"children\":[1]}," + node + "]")
        } else {
            j.raw(",\"scene\":0,\"scenes\":[{\"nodes\":[0]}],\"nodes\":[" + node + "]")
        }
        if !prims.isEmpty {
            j.raw(",\"meshes\":[{\"primitives\":[" + prims.joined(separator: ",") + "]}]")
            j.raw(",\"materials\":[" + materials.joined(separator: ",") + "]")
            j.raw(",\"accessors\":[" + accessors.joined(separator: ",") + "]")
        }
        j.raw(",\"bufferViews\":[" + bin.views.joined(separator: ",") + "]")
        var binLen = bin.bytes.count
        while binLen % 8 != 0 { binLen += 1 }
        j.raw(",\"buffers\":[{\"byteLength\":\(binLen)}")
        if fallbackLength > 0 {
            // EXT_meshopt_compression fallback buffer: no data (the extension is required), only the decoded layout.
            while fallbackLength % 8 != 0 { fallbackLength += 1 }
            j.raw(",{\"byteLength\":\(fallbackLength),\"extensions\":{\"EXT_meshopt_compression\":{\"fallback\":true}}}")
        }
        j.raw("]")
        j.raw(",\"extensions\":{\"EXT_structural_metadata\":{\"schema\":" + encoder.schemaJSON() + ",\"propertyTables\":[" + table + "]}}")
        j.raw("}")
        return GLBContainer.encode(json: j.s, bin: bin.bytes)
    }
}
