/// A rigid (rotation + translation) transform of 3D space, e.g. a tile's local ENU frame → ECEF.
///
/// `apply(p) = x·p.x + y·p.y + z·p.z + origin`, with orthonormal columns x, y, z. O(1) per operation.
/// 3D Tiles 1.1 §"Tile transforms" stores it as a 4×4 column-major matrix (`columnMajor`).
public struct RigidTransform: Sendable, Equatable {
    public var x: SIMD3<Double>, y: SIMD3<Double>, z: SIMD3<Double>, origin: SIMD3<Double>
    public init(x: SIMD3<Double>, y: SIMD3<Double>, z: SIMD3<Double>, origin: SIMD3<Double>) {
        self.x = x; self.y = y; self.z = z; self.origin = origin
    }
    /// The identity transform.
    public static let identity = RigidTransform(x: SIMD3(1, 0, 0), y: SIMD3(0, 1, 0), z: SIMD3(0, 0, 1), origin: .zero)

    /// Local → world.
    @inlinable public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { x * p.x + y * p.y + z * p.z + origin }
    /// World → local (the inverse of `apply`; exact for an orthonormal rotation).
    @inlinable public func inverseApply(_ q: SIMD3<Double>) -> SIMD3<Double> {
        let d = q - origin
        return SIMD3((x * d).sum(), (y * d).sum(), (z * d).sum())
    }
    /// Rotates a direction local → world.
    @inlinable public func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> { x * v.x + y * v.y + z * v.z }
    /// Rotates a direction world → local.
    @inlinable public func inverseRotate(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3((x * v).sum(), (y * v).sum(), (z * v).sum()) }

    /// The inverse transform.
    public var inverse: RigidTransform {
        // Rows of the rotation become columns.
        let ix = SIMD3(x.x, y.x, z.x), iy = SIMD3(x.y, y.y, z.y), iz = SIMD3(x.z, y.z, z.z)
        let t = -(ix * origin.x + iy * origin.y + iz * origin.z)
        return RigidTransform(x: ix, y: iy, z: iz, origin: t)
    }
    /// `self ∘ other`: first `other`, then `self`.
    public func composed(with other: RigidTransform) -> RigidTransform {
        RigidTransform(x: rotate(other.x), y: rotate(other.y), z: rotate(other.z), origin: apply(other.origin))
    }
    /// The 4×4 matrix in column-major order, as 3D Tiles `transform` and glTF `matrix` expect.
    public var columnMajor: [Double] {
        [x.x, x.y, x.z, 0, y.x, y.y, y.z, 0, z.x, z.y, z.z, 0, origin.x, origin.y, origin.z, 1]
    }
}
