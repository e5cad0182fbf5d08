import CGDAL
import CityModel
import Foundation

/// A PostgreSQL/PostGIS database opened for writing through GDAL's PostgreSQL (`PG:`) driver: SQL statements,
/// queries, one explicit transaction, and bulk copies of OGR layers into existing tables (COPY).
///
/// Every error message masks the password of the connection string (`PGConnectionString.mask`).
public final class PostGISDatabase {
    private var ds: GDALDatasetH?
    /// The connection string with its password masked (safe to show).
    public let displayName: String
    private var inTransaction = false

    /// Connects (`PG:host=… dbname=…`, a `postgresql://` URI, or `PG:service=…`; libpq's PG* environment variables
    /// fill in what the string leaves out).
    public init(connection: String) throws {
        GDALEnvironment.ensure()
        displayName = PGConnectionString.mask(connection)
        let name = connection.lowercased().hasPrefix("pg:") ? connection : "PG:" + connection
        // Only the tables asked for by name are opened; no listing of every table of the database at open.
        var opts = CStringList([("LIST_ALL_TABLES", "NO")])
        GDALEnvironment.resetError()
        let h = opts.withConst { GDALOpenEx(name, UInt32(GDAL_OF_VECTOR | GDAL_OF_UPDATE | GDAL_OF_VERBOSE_ERROR), nil, $0, nil) }
        opts = CStringList()
        guard let h else {
            let e = GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot connect")
            throw GeoBridgeError.gdal(function: "GDALOpenEx", code: CPLE_OpenFailed, message: "cannot connect to \(displayName): \(e.message)")
        }
        guard let drv = GDALGetDatasetDriver(h), String(cString: GDALGetDriverShortName(drv)) == "PostgreSQL" else {
            GDALClose(h)
            throw GeoBridgeError.gdal(function: "GDALOpenEx", code: CPLE_OpenFailed, message: "\(displayName) is not a PostgreSQL database")
        }
        ds = h
    }

    deinit { close() }

    /// Closes the connection; an open transaction is rolled back by the server.
    public func close() {
        if let h = ds { ds = nil; GDALClose(h) }
    }

    private func handle() throws -> GDALDatasetH {
        guard let ds else { throw GeoBridgeError.gdal(function: "PostGISDatabase", code: 0, message: "connection to \(displayName) is closed") }
        return ds
    }

    private func failure(_ function: String, _ what: String) -> GeoBridgeError {
        let e = GDALEnvironment.lastError(function, fallback: "failed")
        return .gdal(function: function, code: CPLGetLastErrorNo(), message: "\(what): \(e.message)")
    }

    /// Runs one SQL statement (no result expected).
    public func execute(_ sql: String) throws {
        let h = try handle()
        GDALEnvironment.resetError()
        let r = GDALDatasetExecuteSQL(h, sql, nil, nil)
        if let r { GDALDatasetReleaseResultSet(h, r) }
        let t = CPLGetLastErrorType()
        if t == CE_Failure || t == CE_Fatal { throw failure("GDALDatasetExecuteSQL", "SQL failed on \(displayName) (\(Self.brief(sql)))") }
    }

    /// Runs a query; every value as text (nil for NULL), rows in the server's order. GDAL formats numbers with 15
    /// significant digits: cast a double to text in the SQL (`value::text`) to get it exactly.
    public func query(_ sql: String) throws -> [[String?]] {
        let h = try handle()
        GDALEnvironment.resetError()
        let r = GDALDatasetExecuteSQL(h, sql, nil, nil)
        var t = CPLGetLastErrorType()
        if t == CE_Failure || t == CE_Fatal {
            if let r { GDALDatasetReleaseResultSet(h, r) }
            throw failure("GDALDatasetExecuteSQL", "query failed on \(displayName) (\(Self.brief(sql)))")
        }
        guard let r else { return [] }
        defer { GDALDatasetReleaseResultSet(h, r) }
        var rows: [[String?]] = []
        let n = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(r))
        OGR_L_ResetReading(r)
        while let f = OGR_L_GetNextFeature(r) {
            rows.append((0..<n).map { i in OGR_F_IsFieldSetAndNotNull(f, i) != 0 ? String(cString: OGR_F_GetFieldAsString(f, i)) : nil })
            OGR_F_Destroy(f)
        }
        t = CPLGetLastErrorType()
        if t == CE_Failure || t == CE_Fatal { throw failure("OGR_L_GetNextFeature", "query failed on \(displayName) (\(Self.brief(sql)))") }
        return rows
    }

    /// Starts the one transaction of this connection (everything until `commit` lands together or not at all).
    public func begin() throws {
        let h = try handle()
        GDALEnvironment.resetError()
        guard GDALDatasetStartTransaction(h, 0) == OGRERR_NONE else { throw failure("GDALDatasetStartTransaction", "cannot start a transaction on \(displayName)") }
        inTransaction = true
    }

    /// Commits the transaction.
    public func commit() throws {
        let h = try handle()
        GDALEnvironment.resetError()
        inTransaction = false
        guard GDALDatasetCommitTransaction(h) == OGRERR_NONE else { throw failure("GDALDatasetCommitTransaction", "commit failed on \(displayName)") }
    }

    /// Rolls the transaction back (nothing of it stays in the database).
    public func rollback() {
        guard inTransaction, let h = ds else { return }
        inTransaction = false
        GDALEnvironment.resetError()
        _ = GDALDatasetRollbackTransaction(h)
    }

    /// The SRID of `crs` in the database's spatial_ref_sys: its EPSG code when PostGIS knows it, else a row added
    /// (srid ≥ 910000) with the CRS's WKT and PROJ string, or the one added before for the same definition.
    public func srid(for crs: SpatialReference) throws -> Int {
        if let code = crs.authorityCode, code.hasPrefix("EPSG:"), let n = Int(code.dropFirst(5)),
           let r = try query("SELECT srid FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND auth_srid = \(n) LIMIT 1").first, let s = r[0], let v = Int(s) {
            return v
        }
        var p4: UnsafeMutablePointer<CChar>? = nil
        _ = OSRExportToProj4(crs.handle, &p4)
        let proj = p4.map { String(cString: $0) } ?? ""
        VSIFree(p4)
        let wkt = crs.wkt
        if let r = try query("SELECT srid FROM spatial_ref_sys WHERE srtext = \(Self.literal(wkt)) LIMIT 1").first, let s = r[0], let v = Int(s) { return v }
        try execute("LOCK TABLE spatial_ref_sys IN EXCLUSIVE MODE")
        let next = try query("SELECT GREATEST(COALESCE(MAX(srid), 0) + 1, 910000) FROM spatial_ref_sys WHERE srid >= 910000 AND srid < 998999").first?[0].flatMap { Int($0) } ?? 910000
        try execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES (\(next), 'CIMBASE', \(next), \(Self.literal(wkt)), \(Self.literal(proj)))")
        return next
    }

    /// Copies every feature of `source` into the existing table `table` (`schema.name`) with COPY: the fields of
    /// `source` go to the table's columns of the same name, the geometry to its geometry column, `constants` (column
    /// name and value) are set on every row and the source's feature id goes to column `fidColumn` when given.
    /// `progress` gets the rows copied so far every 10,000 rows. Returns the number of rows.
    ///
    /// Reals are sent as the shortest text that reads back as the same double (GDAL's own formatting keeps 15
    /// significant digits): the caller makes those columns `text` before the copy and `beforeWrite` (called once
    /// the driver has read the table's columns, before the first row) turns them back into `double precision`, so the
    /// server parses the exact text.
    public func copy(from source: VectorLayer, into table: String, constants: [(String, FieldValue)], fidColumn: String?,
                     beforeWrite: () throws -> Void = {}, progress: ((Int) -> Void)? = nil) throws -> Int {
        let h = try handle()
        CPLSetThreadLocalConfigOption("PG_USE_COPY", "YES")
        defer { CPLSetThreadLocalConfigOption("PG_USE_COPY", nil) }
        GDALEnvironment.resetError()
        guard let dst = GDALDatasetGetLayerByName(h, table) else { throw failure("GDALDatasetGetLayerByName", "no table \(table) in \(displayName)") }
        let ddefn = OGR_L_GetLayerDefn(dst)
        let sdefn = OGR_L_GetLayerDefn(source.handle)
        let nSrc = OGR_FD_GetFieldCount(sdefn)
        var map = [Int32](repeating: -1, count: Int(max(nSrc, 1)))
        for i in 0..<nSrc {
            let name = String(cString: OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(sdefn, i)))
            let j = OGR_FD_GetFieldIndex(ddefn, name)
            guard j >= 0 else { throw GeoBridgeError.gdal(function: "OGR_FD_GetFieldIndex", code: CPLE_AppDefined, message: "table \(table) has no column \(name)") }
            map[Int(i)] = j
        }
        func index(_ name: String) throws -> Int32 {
            let j = OGR_FD_GetFieldIndex(ddefn, name)
            guard j >= 0 else { throw GeoBridgeError.gdal(function: "OGR_FD_GetFieldIndex", code: CPLE_AppDefined, message: "table \(table) has no column \(name)") }
            return j
        }
        let fixed = try constants.map { (try index($0.0), $0.1) }
        let fidIndex = try fidColumn.map(index)
        guard let out = OGR_F_Create(ddefn) else { throw failure("OGR_F_Create", "cannot copy into \(table)") }
        defer { OGR_F_Destroy(out) }
        let hasGeom = OGR_FD_GetGeomFieldCount(ddefn) > 0 && OGR_FD_GetGeomFieldCount(sdefn) > 0
        let realAsText = (0..<nSrc).map { i in OGR_Fld_GetType(OGR_FD_GetFieldDefn(ddefn, map[Int(i)])) == OFTString }
        try beforeWrite()
        var n = 0
        OGR_L_ResetReading(source.handle)
        while true {
            GDALEnvironment.resetError()
            let next = OGR_L_GetNextFeature(source.handle)
            let t = CPLGetLastErrorType()
            if t == CE_Failure || t == CE_Fatal {
                if let next { OGR_F_Destroy(next) }
                throw failure("OGR_L_GetNextFeature", "cannot read \(source.name)")
            }
            guard let f = next else { break }
            defer { OGR_F_Destroy(f) }
            OGR_F_SetFID(out, GIntBig(OGRNullFID))
            for i in 0..<nSrc {
                let j = map[Int(i)]
                if OGR_F_IsFieldSetAndNotNull(f, i) == 0 { OGR_F_SetFieldNull(out, j); continue }
                switch OGR_Fld_GetType(OGR_FD_GetFieldDefn(sdefn, i)) {
                case OFTInteger, OFTInteger64: OGR_F_SetFieldInteger64(out, j, OGR_F_GetFieldAsInteger64(f, i))
                case OFTReal:
                    let x = OGR_F_GetFieldAsDouble(f, i)
                    if realAsText[Int(i)] { OGR_F_SetFieldString(out, j, x.isFinite ? "\(x)" : (x.isNaN ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"))) } else { OGR_F_SetFieldDouble(out, j, x) }
                default: OGR_F_SetFieldString(out, j, OGR_F_GetFieldAsString(f, i))
                }
            }
            for (j, v) in fixed {
                switch v {
                case .null: OGR_F_SetFieldNull(out, j)
                case .int(let x): OGR_F_SetFieldInteger64(out, j, GIntBig(x))
                case .real(let x): OGR_F_SetFieldString(out, j, "\(x)")
                case .string(let s): OGR_F_SetFieldString(out, j, s)
                }
            }
            if let fi = fidIndex { OGR_F_SetFieldInteger64(out, fi, OGR_F_GetFID(f)) }
            if hasGeom {
                // The geometry moves from the source feature to the output (no copy); the source is destroyed next.
                OGR_F_SetGeometryDirectly(out, OGR_F_StealGeometry(f))
            }
            GDALEnvironment.resetError()
            guard OGR_L_CreateFeature(dst, out) == OGRERR_NONE else { throw failure("OGR_L_CreateFeature", "cannot write row \(n + 1) of \(source.name) into \(table)") }
            n += 1
            if n % 10_000 == 0 { progress?(n) }
        }
        // Ends the COPY (the rows are sent; errors of the server show here).
        GDALEnvironment.resetError()
        if OGR_L_SyncToDisk(dst) != OGRERR_NONE || CPLGetLastErrorType() == CE_Failure {
            throw failure("OGR_L_SyncToDisk", "cannot write \(source.name) into \(table)")
        }
        return n
    }

    /// `s` as a SQL string literal (standard_conforming_strings: quotes doubled).
    public static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// `s` as a SQL identifier (double quotes doubled).
    public static func identifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func brief(_ sql: String) -> String {
        let one = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
        return one.count > 160 ? String(one.prefix(160)) + " …" : one
    }
}

extension VectorLayer {
    /// The PostGIS geometry type of the layer (`MultiPolygon`, `Point`, …; `Geometry` for mixed layers), nil for a
    /// table without geometry.
    public var postgisGeometryType: String? {
        let t = OGR_L_GetGeomType(handle)
        if t == wkbNone { return nil }
        switch OGR_GT_Flatten(t) {
        case wkbPoint: return "Point"
        case wkbLineString: return "LineString"
        case wkbPolygon: return "Polygon"
        case wkbMultiPoint: return "MultiPoint"
        case wkbMultiLineString: return "MultiLineString"
        case wkbMultiPolygon: return "MultiPolygon"
        default: return "Geometry"
        }
    }

    /// Opens `path` and returns its layer `name` (the dataset stays open as long as the layer).
    public static func open(_ path: String, layer name: String) throws -> VectorLayer {
        try VectorDataset(path: path).layer(name)
    }
}
