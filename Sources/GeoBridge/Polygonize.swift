import CGDAL
import CityModel
import Foundation

/// Raster regions to polygons through GDAL: `GDALPolygonize` traces the connected regions of the non-zero cells of a
/// byte mask (4-connected, so every ring is valid and regions touching only at a corner stay apart), then each polygon
/// is simplified with `OGR_G_SimplifyPreserveTopology` (GEOS, Douglas–Peucker that keeps rings valid and holes inside).
///
/// Works entirely in memory (a MEM raster over the caller's pixels, no copy, and an OGR Memory layer) and is safe to
/// call from several threads at once (each call owns its datasets). Complexity: O(cells) for the tracing plus
/// O(v log v) per polygon of v vertices for the simplification.
public enum Polygonizer {
    /// Polygons of the non-zero cells of `mask` (row-major, `width` × `height`, north-up `geoTransform`).
    /// - Parameters:
    ///   - tolerance: simplification distance in map units (0: none; the traced outlines follow the cell edges).
    ///   - minArea: polygons whose area (after simplification) is below it are dropped.
    public static func polygons(mask: UnsafeBufferPointer<UInt8>, width: Int, height: Int, geoTransform: [Double],
                                tolerance: Double, minArea: Double = 0) throws -> [Polygon] {
        precondition(mask.count == width * height, "mask has \(mask.count) cells, not \(width)×\(height)")
        precondition(geoTransform.count == 6, "a geotransform has six numbers")
        guard width > 0, height > 0, let base = mask.baseAddress else { return [] }
        GDALEnvironment.ensure()
        guard let mem = GDALGetDriverByName("MEM") else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "MEM driver missing") }
        GDALEnvironment.resetError()
        // A MEM dataset over the caller's buffer (DATAPOINTER): no copy of the mask.
        guard let ds = GDALCreate(mem, "", Int32(width), Int32(height), 0, GDT_Byte, nil) else {
            throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create a MEM raster")
        }
        defer { GDALClose(ds) }
        let pointerText = String(format: "DATAPOINTER=%p", unsafeBitCast(base, to: Int.self))
        var bandOpts = CStringList()
        bandOpts.append(pointerText)
        guard bandOpts.with({ GDALAddBand(ds, GDT_Byte, $0) }) == CE_None, let band = GDALGetRasterBand(ds, 1) else {
            throw GDALEnvironment.lastError("GDALAddBand", fallback: "cannot wrap the mask")
        }
        var gt = geoTransform
        guard GDALSetGeoTransform(ds, &gt) == CE_None else { throw GDALEnvironment.lastError("GDALSetGeoTransform") }

        guard let vdrv = GDALGetDriverByName("Memory") else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "Memory driver missing") }
        guard let vds = GDALCreate(vdrv, "", 0, 0, 0, GDT_Unknown, nil) else {
            throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create a Memory vector dataset")
        }
        defer { GDALClose(vds) }
        guard let layer = GDALDatasetCreateLayer(vds, "regions", nil, wkbPolygon, nil) else {
            throw GDALEnvironment.lastError("GDALDatasetCreateLayer")
        }
        let fd = OGR_Fld_Create("v", OFTInteger)
        defer { OGR_Fld_Destroy(fd) }
        guard OGR_L_CreateField(layer, fd, 1) == OGRERR_NONE else { throw GDALEnvironment.lastError("OGR_L_CreateField") }
        // The band is its own mask: zero cells are not traced.
        guard GDALPolygonize(band, band, layer, 0, nil, nil, nil) == CE_None else {
            throw GDALEnvironment.lastError("GDALPolygonize")
        }

        var out: [Polygon] = []
        OGR_L_ResetReading(layer)
        while let f = OGR_L_GetNextFeature(layer) {
            defer { OGR_F_Destroy(f) }
            guard let g = OGR_F_GetGeometryRef(f) else { continue }
            // The traced rings have a vertex at every cell corner along straight runs: dropping the collinear ones
            // first changes nothing geometrically and makes the simplification several times cheaper.
            let traced = try WKB.decode(try wkb(g)).polygons.polygons.map { Polygon($0.rings.map(dropCollinear)) }
            if tolerance <= 0 { out += traced.filter { $0.area >= minArea && $0.area > 0 }; continue }
            for p in traced {
                let bytes = WKB.encode(.polygon(p))
                var h: OGRGeometryH? = nil
                guard bytes.withUnsafeBytes({ OGR_G_CreateFromWkb($0.baseAddress, nil, &h, Int32(bytes.count)) }) == OGRERR_NONE, let h else {
                    throw GDALEnvironment.lastError("OGR_G_CreateFromWkb")
                }
                defer { OGR_G_DestroyGeometry(h) }
                guard let simplified = OGR_G_SimplifyPreserveTopology(h, tolerance) else { throw GDALEnvironment.lastError("OGR_G_SimplifyPreserveTopology") }
                defer { OGR_G_DestroyGeometry(simplified) }
                for q in try WKB.decode(try wkb(simplified)).polygons.polygons where q.area >= minArea && q.area > 0 { out.append(q) }
            }
        }
        return out
    }

    static func wkb(_ h: OGRGeometryH) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: Int(OGR_G_WkbSize(h)))
        guard buf.withUnsafeMutableBufferPointer({ OGR_G_ExportToIsoWkb(h, wkbNDR, $0.baseAddress) }) == OGRERR_NONE else {
            throw GDALEnvironment.lastError("OGR_G_ExportToIsoWkb")
        }
        return buf
    }

    /// The ring without vertices that lie on the straight line between their neighbours (exactly, as on cell edges).
    static func dropCollinear(_ ring: [Vec2]) -> [Vec2] {
        // Rings are closed (first == last); work on the open ring and close it again.
        var pts = ring
        if pts.count > 1 && pts.first == pts.last { pts.removeLast() }
        guard pts.count > 3 else { return ring }
        var keep: [Vec2] = []
        keep.reserveCapacity(pts.count)
        let n = pts.count
        for i in 0..<n {
            let a = pts[(i + n - 1) % n], b = pts[i], c = pts[(i + 1) % n]
            let cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
            if cross != 0 { keep.append(b) }
        }
        guard keep.count >= 3 else { return ring }
        keep.append(keep[0])
        return keep
    }
}
