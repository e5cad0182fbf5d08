import CGDAL
import CSQLite
import CityModel
import Foundation

/// Writes layers to a new GeoPackage atomically: everything goes to `<path>.tmp-<pid>` and is renamed to `path` only
/// by `commit()`. A crash or an error leaves no file at `path` that looks complete (and `abort()` removes the temp file).
///
/// Implements `FeatureSink` so generators and stages can stream into it; each layer is written in one transaction.
///
/// Direct path (GPKG, the default): GDAL creates the file, each layer and its schema (gpkg_contents,
/// gpkg_geometry_columns, srs, feature-count triggers) and is closed; the rows are then inserted through one SQLite
/// connection with a prepared statement (GeoPackage geometry blob = GP header with envelope + the WKB), then the
/// spatial index (GPKGRTree), the feature count and the extent, as GDAL 3.6 writes them. GDAL's handle and the SQLite
/// connection are never open on the file at the same time. `direct: false` keeps the one-OGR-feature-per-row path.
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
    /// True when rows go through SQLite directly (see the type's documentation).
    public let direct: Bool
    private var db: SQLiteConnection?
    private var current: DirectLayer?
    private var committed = false

    /// - Parameters:
    ///   - crs: CRS of every layer (`EPSG:…` or WKT), nil for none.
    ///   - reproducible: fixes GeoPackage timestamps so the same content gives the same bytes.
    private let driver: String
    private let layerOptions: [String: String]
    private let reproducible: Bool

    /// - Parameters:
    ///   - driver: OGR driver short name; `GPKG` by default. Other drivers (e.g. `ESRI Shapefile` for test fixtures)
    ///     are written directly to `path`, without the temp-and-rename step, since they span several files.
    ///   - layerOptions: layer creation options (e.g. `ENCODING=GBK` for shapefiles).
    ///   - direct: insert GPKG rows with SQLite prepared statements (default); false writes one OGR feature per row.
    ///     Layer options that change the table GDAL writes (`SPATIAL_INDEX`) select the OGR path.
    public init(path: String, crs: String?, reproducible: Bool = false, driver: String = "GPKG", layerOptions: [String: String] = [:], direct: Bool = true) throws {
        GDALEnvironment.ensure()
        self.path = path
        self.driver = driver
        self.direct = direct && driver == "GPKG" && layerOptions["SPATIAL_INDEX"] == nil
        self.reproducible = reproducible
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

    /// Creates the given layers (empty, in this order) with GDAL in one session before any row is written, so the
    /// direct path then fills them through one SQLite connection, without reopening the file with GDAL per layer
    /// (each reopen + close cost ~5 ms). `begin` of a declared layer must pass the same schema; layers not declared
    /// are created by `begin` as before. Only on the direct path and before the first `begin` (no-op otherwise).
    public func declare(_ schemas: [FeatureTable]) throws {
        guard direct, current == nil, layer == nil, declared.isEmpty, let ds else { return }
        var infos: [String: DeclaredLayer] = [:]
        for schema in schemas {
            let l = try createLayer(ds, schema)
            infos[schema.name] = DeclaredLayer(schema: schema, info: Self.layerInfo(l))
        }
        try closeGDALForDirect(context: "cannot create layers in \(path)")
        try openDirectConnection()
        declared = infos
    }

    /// Layers created by `declare` and not yet begun: their schema as declared and their columns as GDAL made them.
    private struct DeclaredLayer {
        let schema: FeatureTable
        let info: LayerInfo
    }
    private var declared: [String: DeclaredLayer] = [:]

    /// What the direct path needs of a layer GDAL created: field names and types, geometry type, geometry and FID columns.
    private struct LayerInfo {
        let names: [String], types: [OGRFieldType]
        let gtype: OGRwkbGeometryType
        let gcol: String, fidc: String
    }

    private static func layerInfo(_ l: OGRLayerH) -> LayerInfo {
        let defn = OGR_L_GetLayerDefn(l)
        var names: [String] = [], types: [OGRFieldType] = []
        for i in 0..<OGR_FD_GetFieldCount(defn) {
            let fd = OGR_FD_GetFieldDefn(defn, i)
            names.append(String(cString: OGR_Fld_GetNameRef(fd)))
            types.append(OGR_Fld_GetType(fd))
        }
        return LayerInfo(names: names, types: types, gtype: OGR_FD_GetGeomType(defn),
                         gcol: String(cString: OGR_L_GetGeometryColumn(l)), fidc: String(cString: OGR_L_GetFIDColumn(l)))
    }

    /// Creates layer `schema` with its fields in `ds` (the index is left to `end()`, see `begin`).
    private func createLayer(_ ds: GDALDatasetH, _ schema: FeatureTable) throws -> OGRLayerH {
        let gtype = Self.ogrType(schema.geometryType)
        let bulk = driver == "GPKG" && gtype != wkbNone && layerOptions["SPATIAL_INDEX"] == nil
        var opts = CStringList(driver == "GPKG" ? [("SPATIAL_INDEX", bulk ? "NO" : "YES"), ("FID", "fid")] : [])
        if schema.geometryType == "None" && driver == "GPKG" { opts.set("ASPATIAL_VARIANT", "GPKG_ATTRIBUTES") }
        for (k, v) in layerOptions.sorted(by: { $0.key < $1.key }) { opts.set(k, v) }
        GDALEnvironment.resetError()
        guard let l = opts.with({ GDALDatasetCreateLayer(ds, schema.name, gtype == wkbNone ? nil : srs?.handle, gtype, $0) }) else {
            throw GDALEnvironment.lastError("GDALDatasetCreateLayer", fallback: "cannot create layer \(schema.name) in \(path)")
        }
        try Self.addFields(schema.fields, to: l, approxOK: true, context: "layer \(schema.name) in \(path)")
        return l
    }

    public func begin(_ schema: FeatureTable) throws {
        try end()
        if direct, let d = declared.removeValue(forKey: schema.name) {
            if db == nil {
                try closeGDALForDirect(context: "cannot create layer \(schema.name) in \(path)")
                try openDirectConnection()
            }
            guard d.schema.geometryType == schema.geometryType, d.schema.fields == schema.fields else {
                throw GeoBridgeError.gdal(function: "GDALDatasetCreateLayer", code: 0, message: "layer \(schema.name) in \(path) was declared with another schema")
            }
            bulkIndex = false
            indexEntries = []
            pending.reserveCapacity(Self.batchSize)
            layerName = schema.name
            fieldTypes = schema.fields.map(\.type)
            try startDirect(d.info)
            return
        }
        if direct { try reopenGDAL() }
        guard let ds else { throw GeoBridgeError.gdal(function: "GDALDatasetCreateLayer", code: 0, message: "writer is closed") }
        // The spatial index is packed and written by `end()` (GPKGRTree), not filled one feature at a time by GDAL.
        let gtype = Self.ogrType(schema.geometryType)
        bulkIndex = driver == "GPKG" && gtype != wkbNone && layerOptions["SPATIAL_INDEX"] == nil
        indexEntries = []
        let l = try createLayer(ds, schema)
        layer = l
        pending.reserveCapacity(Self.batchSize)
        layerName = schema.name
        fieldTypes = schema.fields.map(\.type)
        if direct {
            try beginDirect(l)
            return
        }
        if GDALDatasetTestCapability(ds, "Transactions") != 0 {
            guard GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE else { throw GDALEnvironment.lastError("GDALDatasetStartTransaction") }
            inTransaction = true
        }
    }

    /// Queues one row; rows are converted to OGR features on all cores and inserted in file order in batches
    /// (`batchSize`), so the single SQLite writer thread only inserts.
    public func write(_ row: FeatureRow) throws {
        guard layer != nil || current != nil else { throw GeoBridgeError.gdal(function: "OGR_L_CreateFeature", code: 0, message: "no layer begun") }
        pending.append(row)
        if pending.count >= Self.batchSize { try flush() }
    }

    /// Rows converted and inserted at a time.
    static let batchSize = 4096

    /// Converts the queued rows to OGR features (fields and geometry) on all cores, then inserts them in order.
    private func flush() throws {
        if current != nil { return try flushDirect() }
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
        if current != nil { return try endDirect() }
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
        if let c = db {
            db = nil
            c.close()
        } else {
            guard let d = ds else { return }
            ds = nil
            GDALEnvironment.resetError()
            GDALClose(d)
            if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
                let e = GDALEnvironment.lastError("GDALClose")
                try? FileManager.default.removeItem(atPath: tmpPath)
                throw e
            }
        }
        committed = true
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
        declared = [:]
        current = nil
        if let c = db { db = nil; c.close() }
        if let d = ds { ds = nil; GDALClose(d) }
        if !committed { try? FileManager.default.removeItem(atPath: tmpPath) }
    }

    // MARK: - Direct path (SQLite prepared statements)

    /// The layer being written on the direct path: its columns as GDAL created them and the prepared INSERT.
    private final class DirectLayer {
        let table: String
        /// Geometry column, nil for an attribute table.
        let geomColumn: String?
        let fid: String
        let gtype: OGRwkbGeometryType
        let fieldTypes: [OGRFieldType]
        let srsID: Int32
        let insert: SQLiteStatement
        /// GDAL's feature-count triggers (dropped while inserting, re-created with the same SQL at the end).
        let countTriggers: [String]
        /// A feature of the same field types, for the value conversions OGR does (e.g. text into an integer field).
        let scratchDefn: OGRFeatureDefnH
        let scratch: OGRFeatureH
        /// Union of the non-empty geometries' envelopes (minx, maxx, miny, maxy), as GDAL keeps the layer extent.
        var extent: (Double, Double, Double, Double)?
        var count: Int64 = 0

        init(table: String, geomColumn: String?, fid: String, gtype: OGRwkbGeometryType, fieldTypes: [OGRFieldType], srsID: Int32,
             insert: SQLiteStatement, countTriggers: [String]) {
            self.table = table; self.geomColumn = geomColumn; self.fid = fid; self.gtype = gtype; self.fieldTypes = fieldTypes
            self.srsID = srsID; self.insert = insert; self.countTriggers = countTriggers
            scratchDefn = OGR_FD_Create("scratch")
            OGR_FD_Reference(scratchDefn)
            for (i, t) in fieldTypes.enumerated() {
                let fd = OGR_Fld_Create("f\(i)", t)
                OGR_FD_AddFieldDefn(scratchDefn, fd)
                OGR_Fld_Destroy(fd)
            }
            scratch = OGR_F_Create(scratchDefn)
        }
        deinit {
            OGR_F_Destroy(scratch)
            OGR_FD_Release(scratchDefn)
        }
    }

    /// Closes the SQLite connection of the previous layer and reopens the file with GDAL (to create the next layer).
    private func reopenGDAL() throws {
        if let c = db { db = nil; c.close() }
        guard ds == nil else { return }
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
        defer { CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", nil) }
        GDALEnvironment.resetError()
        guard let d = GDALOpenEx(tmpPath, UInt32(GDAL_OF_VECTOR | GDAL_OF_UPDATE), nil, nil, nil) else {
            throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot reopen \(tmpPath)")
        }
        ds = d
    }

    /// Hands the file over from GDAL (which has created layer `l`) to a SQLite connection and prepares the INSERT.
    private func beginDirect(_ l: OGRLayerH) throws {
        guard ds != nil else { return }
        let info = Self.layerInfo(l)
        layer = nil
        bulkIndex = false
        try closeGDALForDirect(context: "cannot create layer \(layerName) in \(path)")
        try openDirectConnection()
        try startDirect(info)
    }

    /// Closes GDAL's handle: GDAL creates the tables (deferred until now), their gpkg_contents /
    /// gpkg_geometry_columns / gpkg_ogr_contents rows and triggers when the dataset is closed.
    private func closeGDALForDirect(context: String) throws {
        guard let d = ds else { return }
        ds = nil
        GDALEnvironment.resetError()
        GDALClose(d)
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
            throw GDALEnvironment.lastError("GDALClose", fallback: context)
        }
    }

    /// Opens the SQLite connection of the direct path on the temp file.
    private func openDirectConnection() throws {
        let c = try SQLiteConnection(path: tmpPath)
        db = c
        // The temp file becomes visible only by rename after one fsync (commit).
        try c.exec("PRAGMA synchronous = OFF")
    }

    /// Starts the current layer's transaction on the open connection: drops its feature-count triggers (re-created by
    /// `endDirect`) and prepares the INSERT.
    private func startDirect(_ info: LayerInfo) throws {
        guard let c = db else { return }
        try c.exec("BEGIN")
        let (names, types, gtype, gcol, fidc) = (info.names, info.types, info.gtype, info.gcol, info.fidc)
        let hasGeom = gtype != wkbNone
        let geomColumn = hasGeom ? (gcol.isEmpty ? "geom" : gcol) : nil
        var srsID: Int32 = 0
        if hasGeom, let v = try c.rows("SELECT srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)", [layerName]).first?.first, let v, let i = Int32(v) {
            srsID = i
        }
        var triggers: [String] = []
        for r in try c.rows("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND lower(tbl_name) = lower(?) AND name LIKE 'trigger_%_feature_count_%' ORDER BY name", [layerName]) {
            guard let name = r[0], let sql = r[1] else { continue }
            triggers.append(sql)
            try c.exec("DROP TRIGGER \(GPKGRTree.quoteName(name))")
        }
        let cols = (geomColumn.map { [$0] } ?? []) + names
        let sql = "INSERT INTO \(GPKGRTree.quoteName(layerName)) (" + cols.map(GPKGRTree.quoteName).joined(separator: ", ") + ") VALUES ("
            + Array(repeating: "?", count: cols.count).joined(separator: ", ") + ")"
        let insert = try c.prepare(sql)
        current = DirectLayer(table: layerName, geomColumn: geomColumn, fid: fidc.isEmpty ? "fid" : fidc, gtype: gtype, fieldTypes: types,
                              srsID: srsID, insert: insert, countTriggers: triggers)
        indexEntries = []
    }

    /// Makes the GeoPackage geometry blobs of the queued rows on all cores, then inserts the rows in order.
    private func flushDirect() throws {
        guard let cur = current, let c = db, !pending.isEmpty else { return }
        let rows = pending
        pending.removeAll(keepingCapacity: true)
        let n = rows.count
        var blobs = [[UInt8]?](repeating: nil, count: n)
        var envs = [(Double, Double, Double, Double)?](repeating: nil, count: n)
        if cur.geomColumn != nil {
            let workers = n < 512 ? 1 : max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
            let gtype = cur.gtype, srs = cur.srsID
            blobs.withUnsafeMutableBufferPointer { bb in
                envs.withUnsafeMutableBufferPointer { eb in
                    nonisolated(unsafe) let outBlob = bb, outEnv = eb
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        for i in (n * w / workers)..<(n * (w + 1) / workers) {
                            guard let g = rows[i].geometry else { continue }
                            (outBlob[i], outEnv[i]) = Self.gpkgGeometry(Self.coerce(g, to: gtype), srsID: srs)
                        }
                    }
                }
            }
        }
        let st = cur.insert
        let first: Int32 = cur.geomColumn != nil ? 2 : 1
        for i in 0..<n {
            let values = rows[i].values
            for k in cur.fieldTypes.indices {
                bind(st, first + Int32(k), k < values.count ? values[k] : .null, k, cur)
            }
            do {
                if cur.geomColumn != nil, let b = blobs[i] {
                    try b.withUnsafeBytes { p in
                        st.bind(1, staticBlob: p)
                        try st.step()
                    }
                } else {
                    if cur.geomColumn != nil { st.bindNull(1) }
                    try st.step()
                }
            } catch {
                throw GeoBridgeError.gdal(function: "sqlite3_step", code: 0, message: "cannot write feature \(rowsWritten + 1) to \(layerName): \(error)")
            }
            if let e = envs[i] {
                indexEntries.append(GPKGRTree.Entry(id: c.lastInsertRowID, box: (GPKGRTree.down(e.0), GPKGRTree.up(e.1), GPKGRTree.down(e.2), GPKGRTree.up(e.3))))
                if let x = cur.extent { cur.extent = (min(x.0, e.0), max(x.1, e.1), min(x.2, e.2), max(x.3, e.3)) } else { cur.extent = e }
            }
            cur.count += 1
            rowsWritten += 1
        }
    }

    /// Binds one field value as GDAL's GPKG driver binds it after OGR's conversion to the field's type.
    private func bind(_ st: SQLiteStatement, _ col: Int32, _ v: FieldValue, _ k: Int, _ cur: DirectLayer) {
        let t = cur.fieldTypes[k]
        switch v {
        case .null: st.bindNull(col); return
        case .int(let x) where t == OFTInteger64 || (t == OFTInteger && x >= Int64(Int32.min) && x <= Int64(Int32.max)):
            st.bind(col, int: x); return
        case .real(let x) where !x.isFinite: st.bindNull(col); return
        case .real(let x) where t == OFTReal: st.bind(col, double: x); return
        case .string(let s) where t == OFTString: st.bind(col, text: s); return
        default: break
        }
        // Any other combination is converted by OGR itself (the same setter as the OGR path) and bound from the result.
        let f = cur.scratch, i = Int32(k)
        OGR_F_UnsetField(f, i)
        switch v {
        case .int(let x): OGR_F_SetFieldInteger64(f, i, GIntBig(x))
        case .real(let x): OGR_F_SetFieldDouble(f, i, x)
        case .string(let s): OGR_F_SetFieldString(f, i, s)
        case .null: break
        }
        guard OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { st.bindNull(col); return }
        switch t {
        case OFTInteger, OFTInteger64: st.bind(col, int: Int64(OGR_F_GetFieldAsInteger64(f, i)))
        case OFTReal: st.bind(col, double: OGR_F_GetFieldAsDouble(f, i))
        default: st.bind(col, cText: OGR_F_GetFieldAsString(f, i))
        }
    }

    /// Finishes the layer on the direct path: spatial index, feature-count triggers and count, extent, last change,
    /// as GDAL's layer sync writes them; then commits the layer's transaction.
    private func endDirect() throws {
        guard let cur = current, let c = db else { return }
        try flushDirect()
        current = nil
        if let column = cur.geomColumn {
            let entries = indexEntries
            indexEntries = []
            try GPKGRTree.build(c, table: cur.table, column: column, fid: cur.fid, entries: entries)
        }
        for sql in cur.countTriggers { try c.exec(sql) }
        let name = GPKGRTree.quoteText(cur.table)
        // GDAL leaves the count of a layer it wrote no feature to as created (NULL).
        if cur.count > 0, try !c.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'").isEmpty {
            try c.exec("UPDATE gpkg_ogr_contents SET feature_count = \(cur.count) WHERE lower(table_name) = lower(\(name))")
        }
        if let e = cur.extent {
            // GDAL formats the bounds with SQLite's printf("%.18g") into the statement, and SQLite's parse of that text
            // is not always the double it came from: the same round trip here gives the same stored values.
            let st = try c.prepare("UPDATE gpkg_contents SET min_x = CAST(printf('%.18g', ?) AS REAL), min_y = CAST(printf('%.18g', ?) AS REAL), max_x = CAST(printf('%.18g', ?) AS REAL), max_y = CAST(printf('%.18g', ?) AS REAL) WHERE lower(table_name) = lower(?) AND lower(data_type) = 'features'")
            st.bind(1, double: e.0); st.bind(2, double: e.2); st.bind(3, double: e.1); st.bind(4, double: e.3)
            st.bind(5, text: cur.table)
            try st.step()
        }
        if cur.count > 0 {
            if let date = CPLGetConfigOption("OGR_CURRENT_DATE", nil) {
                try c.exec("UPDATE gpkg_contents SET last_change = \(GPKGRTree.quoteText(String(cString: date))) WHERE lower(table_name) = lower(\(name))")
            } else {
                try c.exec("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lower(table_name) = lower(\(name))")
            }
        }
        try c.exec("COMMIT")
    }

    /// True when OGR sees `g` as empty (every part without coordinates; a point is empty when both are NaN).
    static func ogrIsEmpty(_ g: Geometry) -> Bool {
        switch g {
        case .point(let p): return p.x.isNaN && p.y.isNaN
        case .multiPoint(let ps): return ps.allSatisfy { $0.x.isNaN && $0.y.isNaN }
        case .lineString(let l): return l.points.isEmpty
        case .multiLineString(let ls): return ls.allSatisfy { $0.points.isEmpty }
        case .polygon(let p): return p.rings.allSatisfy(\.isEmpty)
        case .multiPolygon(let m): return m.polygons.allSatisfy { $0.rings.allSatisfy(\.isEmpty) }
        }
    }

    /// The GeoPackage binary of `g` as GDAL 3.6 writes it (GPKGGeometryFromOGR): "GP", version 0, flags (little
    /// endian; XY envelope unless a point or empty; the empty bit), srs_id, envelope (minx, maxx, miny, maxy), then
    /// ISO WKB. Also returns the envelope (nil when empty). Thread-safe.
    static func gpkgGeometry(_ g: Geometry, srsID: Int32) -> ([UInt8], (Double, Double, Double, Double)?) {
        let empty = ogrIsEmpty(g)
        var isPoint = false
        if case .point = g { isPoint = true }
        var env: (Double, Double, Double, Double)? = nil
        if !empty {
            var e = (Double.infinity, -Double.infinity, Double.infinity, -Double.infinity)
            func add(_ p: Vec2) {
                if p.x < e.0 { e.0 = p.x }; if p.x > e.1 { e.1 = p.x }
                if p.y < e.2 { e.2 = p.y }; if p.y > e.3 { e.3 = p.y }
            }
            switch g {
            case .point(let p): add(p)
            case .multiPoint(let ps): for p in ps { add(p) }
            case .lineString(let l): for p in l.points { add(p) }
            case .multiLineString(let ls): for l in ls { for p in l.points { add(p) } }
            case .polygon(let p): for r in p.rings { for q in r { add(q) } }
            case .multiPolygon(let m): for p in m.polygons { for r in p.rings { for q in r { add(q) } } }
            }
            env = e
        }
        let withEnv = !empty && !isPoint
        let wkb: [UInt8]
        if empty && isPoint {
            // OGR writes POINT EMPTY with its quiet NaN, whatever NaN the point held.
            var w: [UInt8] = [1, 1, 0, 0, 0]
            for _ in 0..<2 { withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { w.append(contentsOf: $0) } }
            wkb = w
        } else {
            wkb = WKB.encode(g)
        }
        var out = [UInt8]()
        out.reserveCapacity(8 + (withEnv ? 32 : 0) + wkb.count)
        out.append(contentsOf: [0x47, 0x50, 0, UInt8(0x01 | (withEnv ? 0x02 : 0) | (empty ? 0x10 : 0))])
        withUnsafeBytes(of: srsID.littleEndian) { out.append(contentsOf: $0) }
        if withEnv, let e = env {
            for v in [e.0, e.1, e.2, e.3] { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        out.append(contentsOf: wkb)
        return (out, env)
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

