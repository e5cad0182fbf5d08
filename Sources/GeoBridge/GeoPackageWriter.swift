import CGDAL
import CityModel
import Foundation

/// Writes layers to a new GeoPackage atomically: everything goes to `<path>.tmp-<pid>` and is renamed to `path` only
/// by `commit()`. A crash or an error leaves no file at `path` that looks complete (and `abort()` removes the temp file).
///
/// Implements `FeatureSink` so generators and stages can stream into it; each layer is written in one transaction.
public final class GeoPackageWriter: FeatureSink {
    public let path: String
    let tmpPath: String
    private var ds: GDALDatasetH?
    private let srs: SpatialReference?
    private var layer: OGRLayerH?
    /// Rows written but not yet inserted (see `flush`).
    private var pending: [FeatureRow] = []
    private var layerName = ""
    private var fieldTypes: [FieldType] = []
    private var inTransaction = false
    /// The current layer's spatial index is bulk-loaded at `end()` from `indexEntries` (GPKG layers with geometry).
    private var bulkIndex = false
    private var indexEntries: [GPKGRTree.Entry] = []
    public private(set) var rowsWritten = 0

    /// - Parameters:
    ///   - crs: CRS of every layer (`EPSG:…` or WKT), nil for none.
    ///   - reproducible: fixes GeoPackage timestamps so the same content gives the same bytes.
    private let driver: String
    private let layerOptions: [String: String]

    /// - Parameters:
    ///   - driver: OGR driver short name; `GPKG` by default. Other drivers (e.g. `ESRI Shapefile` for test fixtures)
    ///     are written directly to `path`, without the temp-and-rename step, since they span several files.
    ///   - layerOptions: layer creation options (e.g. `ENCODING=GBK` for shapefiles).
    public init(path: String, crs: String?, reproducible: Bool = false, driver: String = "GPKG", layerOptions: [String: String] = [:]) throws {
        GDALEnvironment.ensure()
        self.path = path
        self.driver = driver
        self.layerOptions = layerOptions
        self.tmpPath = driver == "GPKG" ? path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)" : path
        self.srs = try crs.map { try SpatialReference($0) }
        try? FileManager.default.removeItem(atPath: tmpPath)
        if reproducible { CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z") }
        guard let drv = GDALGetDriverByName(driver) else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "\(driver) driver missing") }
        GDALEnvironment.resetError()
        // The temp file becomes visible only by rename after one fsync (commit), so SQLite need not sync every
        // transaction (measured: journal_mode=OFF is slower for large layers here, so the journal stays).
        if driver == "GPKG" {
            CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
        }
        defer {
            CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", nil)
        }
        guard let d = GDALCreate(drv, tmpPath, 0, 0, 0, GDT_Unknown, nil) else {
            throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create \(tmpPath)")
        }
        ds = d
    }

    deinit { abort() }

    /// Writes a whole table.
    public func write(table: FeatureTable) throws {
        try begin(table)
        for r in table.rows { try write(r) }
        try end()
    }

    public func begin(_ schema: FeatureTable) throws {
        guard let ds else { throw GeoBridgeError.gdal(function: "GDALDatasetCreateLayer", code: 0, message: "writer is closed") }
        try end()
        // The spatial index is packed and written by `end()` (GPKGRTree), not filled one feature at a time by GDAL.
        let gtype = Self.ogrType(schema.geometryType)
        bulkIndex = driver == "GPKG" && gtype != wkbNone && layerOptions["SPATIAL_INDEX"] == nil
        indexEntries = []
        var opts = CStringList(driver == "GPKG" ? [("SPATIAL_INDEX", bulkIndex ? "NO" : "YES"), ("FID", "fid")] : [])
        if schema.geometryType == "None" && driver == "GPKG" { opts.set("ASPATIAL_VARIANT", "GPKG_ATTRIBUTES") }
        for (k, v) in layerOptions.sorted(by: { $0.key < $1.key }) { opts.set(k, v) }
        GDALEnvironment.resetError()
        guard let l = opts.with({ GDALDatasetCreateLayer(ds, schema.name, gtype == wkbNone ? nil : srs?.handle, gtype, $0) }) else {
            throw GDALEnvironment.lastError("GDALDatasetCreateLayer", fallback: "cannot create layer \(schema.name) in \(path)")
        }
        try Self.addFields(schema.fields, to: l, approxOK: true, context: "layer \(schema.name) in \(path)")
        layer = l
        pending.reserveCapacity(Self.batchSize)
        layerName = schema.name
        fieldTypes = schema.fields.map(\.type)
        if GDALDatasetTestCapability(ds, "Transactions") != 0 {
            guard GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE else { throw GDALEnvironment.lastError("GDALDatasetStartTransaction") }
            inTransaction = true
        }
    }

    /// Queues one row; rows are converted to OGR features on all cores and inserted in file order in batches
    /// (`batchSize`), so the single SQLite writer thread only inserts.
    public func write(_ row: FeatureRow) throws {
        guard layer != nil else { throw GeoBridgeError.gdal(function: "OGR_L_CreateFeature", code: 0, message: "no layer begun") }
        pending.append(row)
        if pending.count >= Self.batchSize { try flush() }
    }

    /// Rows converted and inserted at a time.
    static let batchSize = 4096

    /// Converts the queued rows to OGR features (fields and geometry) on all cores, then inserts them in order.
    private func flush() throws {
        guard let layer, !pending.isEmpty else { return }
        let rows = pending
        pending.removeAll(keepingCapacity: true)
        let n = rows.count
        let gtype = fieldGeometryType
        nonisolated(unsafe) let defn = OGR_L_GetLayerDefn(layer)
        var feats = [OGRFeatureH?](repeating: nil, count: n)
        var boxes = [(Float, Float, Float, Float)?](repeating: nil, count: n)
        let workers = n < 512 ? 1 : max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let wantBoxes = bulkIndex
        feats.withUnsafeMutableBufferPointer { fb in
            boxes.withUnsafeMutableBufferPointer { bb in
                nonisolated(unsafe) let out = fb, outBox = bb
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for i in (n * w / workers)..<(n * (w + 1) / workers) {
                        out[i] = Self.makeFeature(defn, rows[i], gtype)
                        if wantBoxes, let f = out[i] { outBox[i] = Self.indexBox(f) }
                    }
                }
            }
        }
        defer {
            feats.withUnsafeBufferPointer { fb in
                nonisolated(unsafe) let all = fb
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for i in (n * w / workers)..<(n * (w + 1) / workers) { if let f = all[i] { OGR_F_Destroy(f) } }
                }
            }
        }
        for i in 0..<n {
            guard let f = feats[i] else {
                throw GeoBridgeError.gdal(function: "OGR_G_CreateFromWkb", code: 0, message: "bad geometry in \(layerName) (row \(rowsWritten + 1))")
            }
            GDALEnvironment.resetError()
            guard OGR_L_CreateFeature(layer, f) == OGRERR_NONE else {
                throw GDALEnvironment.lastError("OGR_L_CreateFeature", fallback: "cannot write feature to \(layerName)")
            }
            if let b = boxes[i] { indexEntries.append(GPKGRTree.Entry(id: Int64(OGR_F_GetFID(f)), box: b)) }
            rowsWritten += 1
        }
    }

    /// The R-tree entry of a feature's geometry as GDAL's index stores it (envelope rounded outwards to floats);
    /// nil for no or an empty geometry, which the index leaves out.
    private static func indexBox(_ f: OGRFeatureH) -> (Float, Float, Float, Float)? {
        guard let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0 else { return nil }
        var e = OGREnvelope()
        OGR_G_GetEnvelope(g, &e)
        return (GPKGRTree.down(e.MinX), GPKGRTree.up(e.MaxX), GPKGRTree.down(e.MinY), GPKGRTree.up(e.MaxY))
    }

    /// A new OGR feature holding `row` (nil when its geometry cannot be built). Thread-safe: touches only the new
    /// feature and reads the layer definition (its reference count is atomic); geometries carry no SRS object (the
    /// layer has it), so no shared SRS is referenced from worker threads.
    private static func makeFeature(_ defn: OGRFeatureDefnH?, _ row: FeatureRow, _ gtype: OGRwkbGeometryType) -> OGRFeatureH? {
        guard let f = OGR_F_Create(defn) else { return nil }
        for (i, v) in row.values.enumerated() {
            let i32 = Int32(i)
            switch v {
            case .null: OGR_F_SetFieldNull(f, i32)
            case .int(let x): OGR_F_SetFieldInteger64(f, i32, GIntBig(x))
            case .real(let x): if x.isFinite { OGR_F_SetFieldDouble(f, i32, x) } else { OGR_F_SetFieldNull(f, i32) }
            case .string(let s): OGR_F_SetFieldString(f, i32, s)
            }
        }
        if let g = row.geometry {
            let bytes = WKB.encode(coerce(g, to: gtype))
            var geom: OGRGeometryH? = nil
            let err = bytes.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, nil, &geom, Int32(bytes.count)) }
            guard err == OGRERR_NONE, let geom else { OGR_F_Destroy(f); return nil }
            OGR_F_SetGeometryDirectly(f, geom)
        }
        return f
    }

    public func end() throws {
        if let layer {
            try flush()
            if bulkIndex, let ds {
                bulkIndex = false
                let column = String(cString: OGR_L_GetGeometryColumn(layer))
                let fid = String(cString: OGR_L_GetFIDColumn(layer))
                let entries = indexEntries
                indexEntries = []
                try GPKGRTree.build(ds, table: layerName, column: column.isEmpty ? "geom" : column, fid: fid.isEmpty ? "fid" : fid, entries: entries)
            }
        }
        if inTransaction, let ds {
            inTransaction = false
            guard GDALDatasetCommitTransaction(ds) == OGRERR_NONE else { throw GDALEnvironment.lastError("GDALDatasetCommitTransaction") }
        }
        layer = nil
    }

    /// Closes the file and renames it into place.
    public func commit() throws {
        try end()
        guard let d = ds else { return }
        ds = nil
        GDALEnvironment.resetError()
        GDALClose(d)
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
            let e = GDALEnvironment.lastError("GDALClose")
            try? FileManager.default.removeItem(atPath: tmpPath)
            throw e
        }
        if tmpPath != path {
            // One fsync, so that the file renamed into place is whole on disk (the writes themselves did not sync).
            let fd = open(tmpPath, O_RDONLY)
            if fd >= 0 { _ = fsync(fd); _ = Foundation.close(fd) }
        }
        if tmpPath != path, rename(tmpPath, path) != 0 {
            let msg = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmpPath)
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmpPath) to \(path): \(msg)")
        }
    }

    /// Drops everything written so far (no file at `path` is created or replaced).
    public func abort() {
        pending = []
        indexEntries = []
        guard let d = ds else { return }
        ds = nil
        GDALClose(d)
        try? FileManager.default.removeItem(atPath: tmpPath)
    }

    private var fieldGeometryType: OGRwkbGeometryType {
        guard let layer else { return wkbUnknown }
        return OGR_FD_GetGeomType(OGR_L_GetLayerDefn(layer))
    }

    /// Promotes single parts to the layer's multi type so a layer has one geometry type.
    static func coerce(_ g: Geometry, to t: OGRwkbGeometryType) -> Geometry {
        switch (g, t) {
        case (.polygon(let p), wkbMultiPolygon): return .multiPolygon(MultiPolygon([p]))
        case (.lineString(let l), wkbMultiLineString): return .multiLineString([l])
        case (.point(let p), wkbMultiPoint): return .multiPoint([p])
        default: return g
        }
    }

    /// Creates `fields` on an OGR layer, in order (`approxOK`: the driver may adapt a type it lacks). Also used by the
    /// vector-tile writer.
    static func addFields(_ fields: [FieldDef], to l: OGRLayerH, approxOK: Bool, context: String) throws {
        for f in fields {
            let t: OGRFieldType
            switch f.type {
            case .integer: t = OFTInteger
            case .integer64: t = OFTInteger64
            case .real: t = OFTReal
            case .string: t = OFTString
            }
            let fd = OGR_Fld_Create(f.name, t)
            defer { OGR_Fld_Destroy(fd) }
            guard OGR_L_CreateField(l, fd, approxOK ? 1 : 0) == OGRERR_NONE else {
                throw GDALEnvironment.lastError("OGR_L_CreateField", fallback: "field \(f.name) of \(context)")
            }
        }
    }

    static func ogrType(_ name: String) -> OGRwkbGeometryType {
        switch name {
        case "Point": return wkbPoint
        case "LineString": return wkbLineString
        case "Polygon": return wkbPolygon
        case "MultiPoint": return wkbMultiPoint
        case "MultiLineString": return wkbMultiLineString
        case "MultiPolygon": return wkbMultiPolygon
        case "None": return wkbNone
        default: return wkbUnknown
        }
    }
}
