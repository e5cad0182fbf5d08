import CityModel

/// Flat-roofed prism meshes of building footprints, in a tile's local frame, as glTF-ready arrays.
///
/// For each footprint part: a roof (the ear-clipped triangles at ground+height, normal +up), a floor (the same
/// triangles reversed at ground, normal −up) and one quad per ring edge (two triangles, normal = edge × up, which points
/// outward because exteriors are counter-clockwise and holes clockwise). Walls never share vertices with roof or floor
/// (hard edges). Vertical = the direction from a footprint point at ground to the same point at the top, so the
/// solid follows the ellipsoid normal exactly as the projector defines it. The result is closed: its volume
/// (divergence theorem) is footprint area × height. O(vertices).
///
/// Positions are stored in glTF's y-up convention: local ENU (e, n, u) is written as (e, u, −n); the 3D Tiles client
/// rotates y-up glTF content to z-up before applying the tile transform (3D Tiles 1.1 §"glTF transforms").
struct ExtrudedMesh {
    var positions: [Float] = []
    var normals: [Float] = []
    var featureIds: [Float] = []
    /// Triangle indices, relative to `primitiveStart` of the current primitive.
    var indices: [UInt32] = []

    struct Primitive {
        var firstVertex: Int, vertexCount: Int, firstIndex: Int, indexCount: Int
        var minP: SIMD3<Float>, maxP: SIMD3<Float>
        var use: BuildingUse
        var featureCount: Int
    }
    var primitives: [Primitive] = []
    private var minP = SIMD3<Float>(repeating: .infinity), maxP = SIMD3<Float>(repeating: -.infinity)
    private var primFirstVertex = 0, primFirstIndex = 0, primUse: BuildingUse = .unknown, primFeatures = 0
    var triangleCount: Int { indices.count / 3 }
    var vertexCount: Int { positions.count / 3 }

    /// Starts a new primitive (one per material).
    mutating func beginPrimitive(use: BuildingUse) {
        endPrimitive()
        primFirstVertex = vertexCount; primFirstIndex = indices.count; primUse = use; primFeatures = 0
        minP = SIMD3(repeating: .infinity); maxP = SIMD3(repeating: -.infinity)
    }
    /// Closes the current primitive if it has geometry.
    mutating func endPrimitive() {
        if vertexCount > primFirstVertex && indices.count > primFirstIndex {
            primitives.append(Primitive(firstVertex: primFirstVertex, vertexCount: vertexCount - primFirstVertex,
                                        firstIndex: primFirstIndex, indexCount: indices.count - primFirstIndex,
                                        minP: minP, maxP: maxP, use: primUse, featureCount: primFeatures))
        }
        primFirstVertex = vertexCount; primFirstIndex = indices.count; primFeatures = 0
    }

    @inline(__always) private mutating func vertex(_ p: SIMD3<Double>, _ n: SIMD3<Double>, _ fid: Float) {
        // ENU → glTF y-up: (e, n, u) ↦ (e, u, −n).
        let g = SIMD3<Float>(Float(p.x), Float(p.z), Float(-p.y))
        positions.append(g.x); positions.append(g.y); positions.append(g.z)
        normals.append(Float(n.x)); normals.append(Float(n.z)); normals.append(Float(-n.y))
        featureIds.append(fid)
        minP = pointwiseMin(minP, g); maxP = pointwiseMax(maxP, g)
    }
    @inline(__always) private mutating func tri(_ a: Int, _ b: Int, _ c: Int) {
        indices.append(UInt32(a - primFirstVertex)); indices.append(UInt32(b - primFirstVertex)); indices.append(UInt32(c - primFirstVertex))
    }

    /// Adds one building part. `bottom[i]` / `top[i]` are the local-frame positions of `poly.points[i]` at ground and
    /// at ground + height.
    mutating func addPrism(_ poly: PreparedPolygon, bottom: ArraySlice<SIMD3<Double>>, top: ArraySlice<SIMD3<Double>>, featureId: Float) {
        let n = poly.points.count
        guard n >= 3 else { return }
        let b0 = bottom.startIndex, t0 = top.startIndex
        var up = top[t0] - bottom[b0]
        let ul = (up * up).sum().squareRoot()
        guard ul > 0, ul.isFinite else { return }
        up /= ul
        // Roof.
        let roof = vertexCount
        for i in 0..<n { vertex(top[t0 + i], up, featureId) }
        var k = 0
        while k < poly.triangles.count {
            tri(roof + Int(poly.triangles[k]), roof + Int(poly.triangles[k + 1]), roof + Int(poly.triangles[k + 2]))
            k += 3
        }
        // Floor (reversed winding).
        let floor = vertexCount
        for i in 0..<n { vertex(bottom[b0 + i], -up, featureId) }
        k = 0
        while k < poly.triangles.count {
            tri(floor + Int(poly.triangles[k]), floor + Int(poly.triangles[k + 2]), floor + Int(poly.triangles[k + 1]))
            k += 3
        }
        // Walls.
        for r in 0..<poly.ringStarts.count {
            let s = poly.ringStarts[r], e = r + 1 < poly.ringStarts.count ? poly.ringStarts[r + 1] : n
            for i in s..<e {
                let j = i + 1 < e ? i + 1 : s
                let p0 = bottom[b0 + i], p1 = bottom[b0 + j], q1 = top[t0 + j], q0 = top[t0 + i]
                let d = p1 - p0
                var nrm = SIMD3(d.y * up.z - d.z * up.y, d.z * up.x - d.x * up.z, d.x * up.y - d.y * up.x)
                let nl = (nrm * nrm).sum().squareRoot()
                guard nl > 1e-12 else { continue }
                nrm /= nl
                let v = vertexCount
                vertex(p0, nrm, featureId); vertex(p1, nrm, featureId); vertex(q1, nrm, featureId); vertex(q0, nrm, featureId)
                tri(v, v + 1, v + 2); tri(v, v + 2, v + 3)
            }
        }
    }
    /// Counts one more feature in the current primitive.
    mutating func countFeature() { primFeatures += 1 }
}
