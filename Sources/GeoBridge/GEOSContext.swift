import CGEOS
import CityModel

/// A GEOS reentrant-API context for one worker (thread or task), with an error handler that collects GEOS's messages.
/// Not thread-safe: give each worker its own (`GEOS_USE_ONLY_R_API` is defined by the shim).
///
/// Geometry crosses the boundary as WKB (CityModel.WKB), so callers never hold GEOS pointers.
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    private let box: MessageBox
    private let reader: OpaquePointer
    private let writer: OpaquePointer

    final class MessageBox { var messages: [String] = [] }

    public init() {
        handle = GEOS_init_r()
        box = MessageBox()
        let user = Unmanaged.passUnretained(box).toOpaque()
        GEOSContext_setErrorMessageHandler_r(handle, { msg, user in
            guard let msg, let user else { return }
            Unmanaged<MessageBox>.fromOpaque(user).takeUnretainedValue().messages.append(String(cString: msg))
        }, user)
        reader = GEOSWKBReader_create_r(handle)
        writer = GEOSWKBWriter_create_r(handle)
        GEOSWKBWriter_setOutputDimension_r(handle, writer, 2)
        GEOSWKBWriter_setByteOrder_r(handle, writer, Int32(GEOS_WKB_NDR.rawValue))
    }

    deinit {
        GEOSWKBReader_destroy_r(handle, reader)
        GEOSWKBWriter_destroy_r(handle, writer)
        GEOS_finish_r(handle)
    }

    public static var version: String { String(cString: GEOSversion()) }

    private func fail(_ function: String) -> GeoBridgeError {
        let m = box.messages.joined(separator: "; ")
        box.messages.removeAll()
        return .geos(function: function, message: m.isEmpty ? "no message" : m)
    }

    // MARK: WKB in and out

    /// Parses WKB into an owned GEOS geometry.
    public func read(wkb: [UInt8]) throws -> GEOSGeometry {
        box.messages.removeAll()
        let g = wkb.withUnsafeBufferPointer { GEOSWKBReader_read_r(handle, reader, $0.baseAddress, $0.count) }
        guard let g else { throw fail("GEOSWKBReader_read_r") }
        return GEOSGeometry(g, self)
    }

    public func read(_ geometry: Geometry) throws -> GEOSGeometry { try read(wkb: WKB.encode(geometry)) }

    func wkb(_ g: GEOSGeometry) throws -> [UInt8] {
        var size = 0
        guard let p = GEOSWKBWriter_write_r(handle, writer, g.ptr, &size) else { throw fail("GEOSWKBWriter_write_r") }
        defer { GEOSFree_r(handle, p) }
        return Array(UnsafeBufferPointer(start: p, count: size))
    }

    func wrap(_ p: OpaquePointer?, _ function: String) throws -> GEOSGeometry {
        guard let p else { throw fail(function) }
        return GEOSGeometry(p, self)
    }

    // MARK: Operations

    /// Validity and, when invalid, GEOS's reason (e.g. "Self-intersection[x y]").
    public func validity(_ g: GEOSGeometry) throws -> (valid: Bool, reason: String) {
        let v = GEOSisValid_r(handle, g.ptr)
        if v == 2 { throw fail("GEOSisValid_r") }
        if v == 1 { return (true, "") }
        guard let r = GEOSisValidReason_r(handle, g.ptr) else { return (false, "invalid") }
        defer { GEOSFree_r(handle, r) }
        return (false, String(cString: r))
    }

    /// GEOS MakeValid (the "structure" method keeps areas; linework method in GEOS 3.11 default).
    public func makeValid(_ g: GEOSGeometry) throws -> GEOSGeometry {
        try wrap(GEOSMakeValid_r(handle, g.ptr), "GEOSMakeValid_r")
    }

    /// Union of many geometries without double counting (cascaded unary union).
    public func unaryUnion(_ gs: [GEOSGeometry]) throws -> GEOSGeometry {
        let coll = try collection(gs)
        return try wrap(GEOSUnaryUnion_r(handle, coll.ptr), "GEOSUnaryUnion_r")
    }

    public func unaryUnion(_ g: GEOSGeometry) throws -> GEOSGeometry {
        try wrap(GEOSUnaryUnion_r(handle, g.ptr), "GEOSUnaryUnion_r")
    }

    /// A geometry collection owning clones of the given geometries.
    public func collection(_ gs: [GEOSGeometry]) throws -> GEOSGeometry {
        var ptrs: [OpaquePointer?] = try gs.map { g in
            guard let c = GEOSGeom_clone_r(handle, g.ptr) else { throw fail("GEOSGeom_clone_r") }
            return c
        }
        let c = ptrs.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(GEOS_GEOMETRYCOLLECTION.rawValue), $0.baseAddress, UInt32($0.count))
        }
        return try wrap(c, "GEOSGeom_createCollection_r")
    }

    /// Buffer with `quadrantSegments` segments per quarter circle.
    public func buffer(_ g: GEOSGeometry, _ width: Double, quadrantSegments: Int32 = 8) throws -> GEOSGeometry {
        try wrap(GEOSBuffer_r(handle, g.ptr, width, quadrantSegments), "GEOSBuffer_r")
    }

    /// The part of `g` inside an axis-parallel box (GEOS's fast rectangle clipping).
    public func clipByRect(_ g: GEOSGeometry, _ b: BBox) throws -> GEOSGeometry {
        try wrap(GEOSClipByRect_r(handle, g.ptr, b.minX, b.minY, b.maxX, b.maxY), "GEOSClipByRect_r")
    }

    public func intersection(_ a: GEOSGeometry, _ b: GEOSGeometry) throws -> GEOSGeometry {
        try wrap(GEOSIntersection_r(handle, a.ptr, b.ptr), "GEOSIntersection_r")
    }

    public func difference(_ a: GEOSGeometry, _ b: GEOSGeometry) throws -> GEOSGeometry {
        try wrap(GEOSDifference_r(handle, a.ptr, b.ptr), "GEOSDifference_r")
    }

    /// Fully nodes a set of lines (adds vertices where they cross), returning a multilinestring.
    public func node(_ g: GEOSGeometry) throws -> GEOSGeometry {
        try wrap(GEOSNode_r(handle, g.ptr), "GEOSNode_r")
    }

    public func area(_ g: GEOSGeometry) throws -> Double {
        var a = 0.0
        guard GEOSArea_r(handle, g.ptr, &a) == 1 else { throw fail("GEOSArea_r") }
        return a
    }

    public func length(_ g: GEOSGeometry) throws -> Double {
        var a = 0.0
        guard GEOSLength_r(handle, g.ptr, &a) == 1 else { throw fail("GEOSLength_r") }
        return a
    }

    public func intersects(_ a: GEOSGeometry, _ b: GEOSGeometry) throws -> Bool {
        let r = GEOSIntersects_r(handle, a.ptr, b.ptr)
        if r == 2 { throw fail("GEOSIntersects_r") }
        return r == 1
    }

    public func isEmpty(_ g: GEOSGeometry) -> Bool { GEOSisEmpty_r(handle, g.ptr) == 1 }

    /// Area of each part inside `area`: a prepared `area` answers "fully inside" and "disjoint" quickly, and only
    /// parts crossing its boundary are intersected. O(n log m) for n parts and an area of m vertices.
    public func areasInside(_ parts: [GEOSGeometry], _ area: GEOSGeometry) throws -> [Double] {
        guard let prep = GEOSPrepare_r(handle, area.ptr) else { throw fail("GEOSPrepare_r") }
        defer { GEOSPreparedGeom_destroy_r(handle, prep) }
        var out = [Double](repeating: 0, count: parts.count)
        for (i, p) in parts.enumerated() {
            let inter = GEOSPreparedIntersects_r(handle, prep, p.ptr)
            if inter == 2 { throw fail("GEOSPreparedIntersects_r") }
            if inter == 0 { continue }
            let cont = GEOSPreparedContains_r(handle, prep, p.ptr)
            if cont == 2 { throw fail("GEOSPreparedContains_r") }
            out[i] = cont == 1 ? try self.area(p) : try self.area(try intersection(p, area))
        }
        return out
    }

    /// Total length of `lines` inside `area`, each line measured on its own (overlapping lines both count): a prepared
    /// `area` answers "inside" and "disjoint" quickly; only lines crossing its boundary are intersected.
    ///
    /// With `edgeBand` ε > 0, a line lying along the area's boundary (within ε of it) counts half: the length is
    /// ½ (length in the area grown by ε + length in the area shrunk by ε). Areas that share an edge then split a road
    /// drawn on it between them, so lengths over a partition (zones, tiles) add up to the whole, whatever the last
    /// bits of the edge's coordinates are; a line that crosses the boundary loses ε on one side and gains it on the
    /// other. Lines farther than ε from the boundary count as with ε = 0.
    public func lengthInside(_ lines: [GEOSGeometry], _ area: GEOSGeometry, edgeBand: Double = 0) throws -> Double {
        if edgeBand > 0 {
            let grown = try buffer(area, edgeBand), shrunk = try buffer(area, -edgeBand)
            return (try lengthInside(lines, grown) + lengthInside(lines, shrunk)) / 2
        }
        guard let prep = GEOSPrepare_r(handle, area.ptr) else { throw fail("GEOSPrepare_r") }
        defer { GEOSPreparedGeom_destroy_r(handle, prep) }
        var total = 0.0
        for l in lines {
            let inter = GEOSPreparedIntersects_r(handle, prep, l.ptr)
            if inter == 2 { throw fail("GEOSPreparedIntersects_r") }
            if inter == 0 { continue }
            let cont = GEOSPreparedContains_r(handle, prep, l.ptr)
            if cont == 2 { throw fail("GEOSPreparedContains_r") }
            total += cont == 1 ? try length(l) : try length(try intersection(l, area))
        }
        return total
    }

    /// Morphological closing (buffer out, then in), used to derive a built-up area from buildings.
    public func closing(_ g: GEOSGeometry, _ d: Double) throws -> GEOSGeometry {
        try buffer(try buffer(g, d), -d)
    }

    /// Simplifies preserving topology (for maps and gap polygons).
    public func simplify(_ g: GEOSGeometry, tolerance: Double) throws -> GEOSGeometry {
        try wrap(GEOSTopologyPreserveSimplify_r(handle, g.ptr, tolerance), "GEOSTopologyPreserveSimplify_r")
    }
}

/// An owned GEOS geometry; destroyed with its context's `GEOSGeom_destroy_r`.
public final class GEOSGeometry {
    let ptr: OpaquePointer
    let ctx: GEOSContext
    init(_ ptr: OpaquePointer, _ ctx: GEOSContext) { self.ptr = ptr; self.ctx = ctx }
    deinit { GEOSGeom_destroy_r(ctx.handle, ptr) }

    /// Back to CityModel.
    public func geometry() throws -> Geometry { try WKB.decode(try ctx.wkb(self)) }
    public var typeName: String {
        GEOSGeomType_r(ctx.handle, ptr).map { p in defer { GEOSFree_r(ctx.handle, p) }; return String(cString: p) } ?? ""
    }
}
