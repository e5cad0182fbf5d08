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
    /// One feature reused for every row of the layer (fields and geometry are all set again for each row).
    private var feature: OGRFeatureH?
    private var layerName = ""
    private var fieldTypes: [FieldType] = []
    private var inTransaction = false
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
        var opts = CStringList(driver == "GPKG" ? [("SPATIAL_INDEX", "YES"), ("FID", "fid")] : [])
        if schema.geometryType == "None" && driver == "GPKG" { opts.set("ASPATIAL_VARIANT", "GPKG_ATTRIBUTES") }
        for (k, v) in layerOptions.sorted(by: { $0.key < $1.key }) { opts.set(k, v) }
        GDALEnvironment.resetError()
        let gtype = Self.ogrType(schema.geometryType)
        guard let l = opts.with({ GDALDatasetCreateLayer(ds, schema.name, gtype == wkbNone ? nil : srs?.handle, gtype, $0) }) else {
            throw GDALEnvironment.lastError("GDALDatasetCreateLayer", fallback: "cannot create layer \(schema.name) in \(path)")
        }
        for f in schema.fields {
            let t: OGRFieldType
            switch f.type {
            case .integer: t = OFTInteger
            case .integer64: t = OFTInteger64
            case .real: t = OFTReal
            case .string: t = OFTString
            }
            let fd = OGR_Fld_Create(f.name, t)
            defer { OGR_Fld_Destroy(fd) }
            guard OGR_L_CreateField(l, fd, 1) == OGRERR_NONE else { throw GDALEnvironment.lastError("OGR_L_CreateField") }
        }
        layer = l
        feature = OGR_F_Create(OGR_L_GetLayerDefn(l))
        layerName = schema.name
        fieldTypes = schema.fields.map(\.type)
        if GDALDatasetTestCapability(ds, "Transactions") != 0 {
            guard GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE else { throw GDALEnvironment.lastError("GDALDatasetStartTransaction") }
            inTransaction = true
        }
    }

    public func write(_ row: FeatureRow) throws {
        guard let layer, let f = feature else { throw GeoBridgeError.gdal(function: "OGR_L_CreateFeature", code: 0, message: "no layer begun") }
        OGR_F_SetFID(f, GIntBig(OGRNullFID))
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
            let bytes = WKB.encode(Self.coerce(g, to: fieldGeometryType))
            var geom: OGRGeometryH? = nil
            let err = bytes.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, srs?.handle, &geom, Int32(bytes.count)) }
            guard err == OGRERR_NONE, let geom else { throw GDALEnvironment.lastError("OGR_G_CreateFromWkb", fallback: "bad geometry in \(layerName)") }
            OGR_F_SetGeometryDirectly(f, geom)
        } else {
            OGR_F_SetGeometryDirectly(f, nil)
        }
        GDALEnvironment.resetError()
        guard OGR_L_CreateFeature(layer, f) == OGRERR_NONE else {
            throw GDALEnvironment.lastError("OGR_L_CreateFeature", fallback: "cannot write feature to \(layerName)")
        }
        rowsWritten += 1
    }

    public func end() throws {
        if let f = feature { OGR_F_Destroy(f); feature = nil }
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
        if let f = feature { OGR_F_Destroy(f); feature = nil }
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
