import CGDAL
import CityModel
import Foundation
import Tiles

/// One layer of a vector tile set: its schema and the zoom levels it is written at.
public struct VectorTileLayer: Sendable {
    /// Layer name (the `source-layer` of a web map style).
    public var name: String
    /// OGC geometry type name (Point, LineString, Polygon, MultiPolygon, …).
    public var geometryType: String
    /// Attribute fields, in order; each feature's values follow them.
    public var fields: [FieldDef]
    /// Lowest and highest zoom level the layer appears in.
    public var minZoom: Int, maxZoom: Int
    /// One line for metadata.json.
    public var description: String
    /// A layer from its schema and zoom range.
    public init(name: String, geometryType: String, fields: [FieldDef], minZoom: Int, maxZoom: Int, description: String = "") {
        self.name = name; self.geometryType = geometryType; self.fields = fields
        self.minZoom = minZoom; self.maxZoom = maxZoom; self.description = description
    }
}

/// Writes Mapbox Vector Tiles with GDAL's MVT driver in Web Mercator (EPSG:3857, the driver's default tiling scheme):
/// a `{z}/{x}/{y}.pbf` directory with `metadata.json` (uncompressed tiles, so any static server can serve them) and,
/// optionally, the same tiles in one MBTiles file (gzip-compressed tiles, as the MBTiles 1.3 spec has them).
/// Features are given in `crs` and reprojected by the driver. Both outputs are written under temporary names and
/// renamed into place by `commit()` (tiles are generated when the datasets close).
public final class VectorTileWriter {
    public let directory: String
    public let mbtiles: String?
    private let tmpDirectory: String
    private let tmpMBTiles: String?
    private var datasets: [GDALDatasetH] = []
    private var layers: [OGRLayerH] = []
    private var features: [OGRFeatureH] = []
    private let srs: SpatialReference
    private var layerName = ""
    private var geometryType: OGRwkbGeometryType = wkbUnknown
    public private(set) var rowsWritten = 0

    /// - Parameters:
    ///   - directory: the tile folder to create (replaced if it exists).
    ///   - mbtiles: an MBTiles file to write too (replaced if it exists), or nil.
    ///   - crs: CRS of the features (`EPSG:…` or WKT).
    ///   - minZoom, maxZoom: zoom range of the tile set (0…22); each layer may narrow it.
    ///   - name, description: tile set metadata.
    public init(directory: String, mbtiles: String?, crs: String, minZoom: Int, maxZoom: Int, name: String, description: String) throws {
        GDALEnvironment.ensure()
        guard (0...22).contains(minZoom), (minZoom...22).contains(maxZoom) else {
            throw GeoBridgeError.gdal(function: "MVT", code: 0, message: "zoom range \(minZoom)…\(maxZoom) is outside 0…22")
        }
        self.directory = directory
        self.mbtiles = mbtiles
        let pid = ProcessInfo.processInfo.processIdentifier
        tmpDirectory = directory + ".tmp-\(pid)"
        // The driver wants the .mbtiles extension on the file it creates.
        tmpMBTiles = mbtiles.map { (($0 as NSString).deletingPathExtension) + ".tmp-\(pid).mbtiles" }
        srs = try SpatialReference(crs)
        guard let drv = GDALGetDriverByName("MVT") else { throw GDALEnvironment.lastError("GDALGetDriverByName", fallback: "GDAL has no MVT driver") }
        try? FileManager.default.removeItem(atPath: tmpDirectory)
        if let t = tmpMBTiles { try? FileManager.default.removeItem(atPath: t) }
        let common: [(String, String)] = [("MINZOOM", "\(minZoom)"), ("MAXZOOM", "\(maxZoom)"), ("NAME", name), ("DESCRIPTION", description),
                                          // Simplification to the tile grid is the driver's; no MAX_SIZE drop below 2 MB a tile.
                                          ("MAX_SIZE", "2000000"), ("MAX_FEATURES", "400000"), ("TYPE", "overlay")]
        // Tiled once: with an MBTiles target GDAL writes only that, and `commit` extracts the folder from it (the
        // same tiles, gunzipped; issue 15 measured 4.4× ogr2ogr when GDAL tiled both).
        let targets: [(String, [(String, String)])] = tmpMBTiles.map { [($0, common + [("FORMAT", "MBTILES"), ("COMPRESS", "YES")])] }
            ?? [(tmpDirectory, common + [("FORMAT", "DIRECTORY"), ("COMPRESS", "NO")])]
        for (path, opts) in targets {
            GDALEnvironment.resetError()
            guard let d = CStringList(opts).with({ GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, $0) }) else {
                abort()
                throw GDALEnvironment.lastError("GDALCreate", fallback: "cannot create vector tiles at \(path)")
            }
            datasets.append(d)
        }
    }

    deinit { abort() }

    /// Starts a layer (finishing the previous one).
    public func begin(_ layer: VectorTileLayer) throws {
        endLayer()
        let gtype = GeoPackageWriter.ogrType(layer.geometryType)
        for ds in datasets {
            var opts = CStringList([("MINZOOM", "\(layer.minZoom)"), ("MAXZOOM", "\(layer.maxZoom)")])
            if !layer.description.isEmpty { opts.set("DESCRIPTION", layer.description) }
            GDALEnvironment.resetError()
            guard let l = opts.with({ GDALDatasetCreateLayer(ds, layer.name, srs.handle, gtype, $0) }) else {
                throw GDALEnvironment.lastError("GDALDatasetCreateLayer", fallback: "cannot create vector tile layer \(layer.name)")
            }
            try GeoPackageWriter.addFields(layer.fields, to: l, approxOK: false, context: "vector tile layer \(layer.name)")
            layers.append(l)
            features.append(OGR_F_Create(OGR_L_GetLayerDefn(l)))
            // Each layer in one transaction of the driver's temporary database.
            _ = GDALDatasetStartTransaction(ds, 0)
        }
        layerName = layer.name
        geometryType = gtype
    }

    /// Writes one feature of the current layer (values in the layer's field order; non-finite reals are left unset).
    public func write(_ row: FeatureRow) throws {
        guard !layers.isEmpty, let g = row.geometry else { return }
        let bytes = WKB.encode(GeoPackageWriter.coerce(g, to: geometryType))
        for (l, f) in zip(layers, features) {
            OGR_F_SetFID(f, GIntBig(OGRNullFID))
            for (i, v) in row.values.enumerated() {
                let i32 = Int32(i)
                switch v {
                case .null: OGR_F_UnsetField(f, i32)
                case .int(let x): OGR_F_SetFieldInteger64(f, i32, GIntBig(x))
                case .real(let x): if x.isFinite { OGR_F_SetFieldDouble(f, i32, x) } else { OGR_F_UnsetField(f, i32) }
                case .string(let s): OGR_F_SetFieldString(f, i32, s)
                }
            }
            var geom: OGRGeometryH? = nil
            let err = bytes.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, srs.handle, &geom, Int32(bytes.count)) }
            guard err == OGRERR_NONE, let geom else { throw GDALEnvironment.lastError("OGR_G_CreateFromWkb", fallback: "bad geometry in \(layerName)") }
            OGR_F_SetGeometryDirectly(f, geom)
            GDALEnvironment.resetError()
            guard OGR_L_CreateFeature(l, f) == OGRERR_NONE else {
                throw GDALEnvironment.lastError("OGR_L_CreateFeature", fallback: "cannot write feature to vector tile layer \(layerName)")
            }
        }
        rowsWritten += 1
    }

    private func endLayer() {
        for f in features { OGR_F_Destroy(f) }
        features = []
        if !layers.isEmpty { for ds in datasets { _ = GDALDatasetCommitTransaction(ds) } }
        layers = []
    }

    /// Generates the tiles (closing the datasets) and renames both outputs into place.
    public func commit() throws {
        endLayer()
        let ds = datasets
        datasets = []
        for d in ds {
            GDALEnvironment.resetError()
            GDALClose(d)
            if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
                let e = GDALEnvironment.lastError("GDALClose", fallback: "vector tile generation failed")
                removeTemporaries()
                throw e
            }
        }
        if let t = tmpMBTiles {
            do { try Self.extractDirectory(mbtiles: t, to: tmpDirectory) } catch { removeTemporaries(); throw error }
        }
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        guard rename(tmpDirectory, directory) == 0 else {
            let msg = String(cString: strerror(errno)); removeTemporaries()
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmpDirectory) to \(directory): \(msg)")
        }
        if let t = tmpMBTiles, let m = mbtiles, rename(t, m) != 0 {
            let msg = String(cString: strerror(errno)); removeTemporaries()
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(t) to \(m): \(msg)")
        }
    }

    /// Drops everything written so far.
    /// Writes the tiles of an MBTiles file (gzip-compressed, TMS rows) as an XYZ folder `{z}/{x}/{y}.pbf` of
    /// uncompressed tiles plus `metadata.json`, byte for byte what GDAL's MVT driver writes with FORMAT=DIRECTORY,
    /// COMPRESS=NO: the tiles are the same (checked against it in the tests) and metadata.json holds the MBTiles
    /// `metadata` rows in their order, `version`/`minzoom`/`maxzoom` as numbers, without `scheme` (the folder is XYZ).
    /// Reads with GDAL's SQLite driver (SQL on the tiles table), inflates with CPLZLibInflate. O(tiles).
    static func extractDirectory(mbtiles: String, to directory: String) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw GeoBridgeError.gdal(function: "mkdir", code: 0, message: "cannot create \(directory): \(error)")
        }
        // GDAL's SQLite driver leaves `.mbtiles` files to the MBTiles driver (which decodes the tiles): read it under
        // another name, then give the name back.
        let db = mbtiles + ".sqlite"
        guard rename(mbtiles, db) == 0 else {
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(mbtiles) to \(db): \(String(cString: strerror(errno)))")
        }
        defer { _ = rename(db, mbtiles) }
        GDALEnvironment.resetError()
        var drivers = CStringList(); drivers.append("SQLite")
        guard let ds = drivers.withConst({ GDALOpenEx(db, UInt32(GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR), $0, nil, nil) }) else {
            throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot open \(mbtiles) as SQLite")
        }
        defer { GDALClose(ds) }
        func query(_ sql: String, _ row: (OGRFeatureH) throws -> Void) throws {
            GDALEnvironment.resetError()
            guard let l = GDALDatasetExecuteSQL(ds, sql, nil, nil) else {
                throw GDALEnvironment.lastError("GDALDatasetExecuteSQL", fallback: "cannot read \(mbtiles): \(sql)")
            }
            defer { GDALDatasetReleaseResultSet(ds, l) }
            while let f = OGR_L_GetNextFeature(l) {
                defer { OGR_F_Destroy(f) }
                try row(f)
            }
        }
        var made = Set<String>()
        try query("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles") { f in
            let z = Int(OGR_F_GetFieldAsInteger(f, 0)), x = Int(OGR_F_GetFieldAsInteger(f, 1)), row = Int(OGR_F_GetFieldAsInteger(f, 2))
            guard (0...30).contains(z), x >= 0, x < 1 << z, row >= 0, row < 1 << z else {
                throw GeoBridgeError.gdal(function: "MBTiles", code: 0, message: "\(mbtiles): tile \(z)/\(x)/\(row) is outside its zoom level")
            }
            var n: Int32 = 0
            let p = OGR_F_GetFieldAsBinary(f, 3, &n)
            var tile = Data()
            if let p, n > 0 {
                var outN = 0
                guard let out = CPLZLibInflate(p, Int(n), nil, 0, &outN) else {
                    throw GeoBridgeError.gdal(function: "CPLZLibInflate", code: 0, message: "\(mbtiles): tile \(z)/\(x)/\(row) is not gzip data")
                }
                tile = Data(bytes: out, count: outN)
                VSIFree(out)
            }
            let dir = "\(directory)/\(z)/\(x)"
            if !made.contains(dir) {
                do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                    throw GeoBridgeError.gdal(function: "mkdir", code: 0, message: "cannot create \(dir): \(error)")
                }
                made.insert(dir)
            }
            let path = "\(dir)/\((1 << z) - 1 - row).pbf"
            guard fm.createFile(atPath: path, contents: tile) else {
                throw GeoBridgeError.gdal(function: "write", code: errno, message: "cannot write \(path)")
            }
        }
        var meta: [String] = []
        try query("SELECT name, value FROM metadata") { f in
            let k = String(cString: OGR_F_GetFieldAsString(f, 0)), v = String(cString: OGR_F_GetFieldAsString(f, 1))
            guard k != "scheme" else { return }
            let numeric = ["version", "minzoom", "maxzoom"].contains(k) && Int(v) != nil
            meta.append("  \(jsonStringLiteral(k)):" + (numeric ? v : jsonStringLiteral(v)))
        }
        let text = "{\n" + meta.joined(separator: ",\n") + "\n}\n"
        guard fm.createFile(atPath: directory + "/metadata.json", contents: Data(text.utf8)) else {
            throw GeoBridgeError.gdal(function: "write", code: errno, message: "cannot write \(directory)/metadata.json")
        }
    }

    public func abort() {
        for f in features { OGR_F_Destroy(f) }
        features = []; layers = []
        for d in datasets { GDALClose(d) }
        datasets = []
        removeTemporaries()
    }

    private func removeTemporaries() {
        try? FileManager.default.removeItem(atPath: tmpDirectory)
        if let t = tmpMBTiles { try? FileManager.default.removeItem(atPath: t) }
    }
}

/// Geometry helpers through OGR for the web outputs.
public enum OGRGeometryOps {
    /// A point guaranteed to lie on the surface of a polygon or multipolygon (OGR_G_PointOnSurface, GEOS underneath);
    /// nil when OGR cannot give one (empty or invalid input).
    public static func pointOnSurface(_ g: Geometry) -> Vec2? {
        GDALEnvironment.ensure()
        let bytes = WKB.encode(g)
        var geom: OGRGeometryH? = nil
        let err = bytes.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, nil, &geom, Int32(bytes.count)) }
        guard err == OGRERR_NONE, let geom else { return nil }
        defer { OGR_G_DestroyGeometry(geom) }
        guard let p = OGR_G_PointOnSurface(geom) else { return nil }
        defer { OGR_G_DestroyGeometry(p) }
        guard OGR_G_IsEmpty(p) == 0 else { return nil }
        return Vec2(OGR_G_GetX(p, 0), OGR_G_GetY(p, 0))
    }
}

/// gzip (RFC 1952) of a byte buffer: GDAL's zlib deflate (CPLZLibDeflate, RFC 1950) re-wrapped as a gzip member
/// (the zlib header and Adler-32 trailer replaced by the gzip header, CRC-32 and size). MBTiles 1.3 stores vector
/// tiles gzip-compressed. O(n).
public enum Gzip {
    public static func compress(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var n = 0
        guard let p = data.withUnsafeBytes({ CPLZLibDeflate($0.baseAddress, data.count, level, nil, 0, &n) }) else {
            throw GeoBridgeError.gdal(function: "CPLZLibDeflate", code: 0, message: "cannot compress \(data.count) bytes")
        }
        defer { VSIFree(p) }
        let z = UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n)
        guard n >= 6, z[0] & 0x0F == 8 else { throw GeoBridgeError.gdal(function: "CPLZLibDeflate", code: 0, message: "not a zlib stream") }
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        out.reserveCapacity(n + 12)
        out += z[2..<(n - 4)]
        let c = crc32(data), s = UInt32(truncatingIfNeeded: data.count)
        for v in [c, s] { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        return out
    }

    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (ISO 3309, as gzip and PNG use it). O(n).
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            data.withUnsafeBufferPointer { d in
                for b in d { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
            }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Inflates gzip or zlib data (CPLZLibInflate). O(n).
    public static func inflate(_ data: [UInt8]) throws -> [UInt8] {
        var outN = 0
        guard let out = data.withUnsafeBytes({ CPLZLibInflate($0.baseAddress, data.count, nil, 0, &outN) }) else {
            throw GeoBridgeError.gdal(function: "CPLZLibInflate", code: 0, message: "not gzip or zlib data")
        }
        defer { VSIFree(out) }
        return Array(UnsafeBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: outN))
    }
}

/// Writes an MBTiles 1.3 file (SQLite: `metadata(name, value)`, `tiles(zoom_level, tile_column, tile_row,
/// tile_data)` with TMS rows, unique index on the tile address) through GDAL's SQLite driver, under a temporary name
/// renamed into place by `commit()`. Tiles are given in XYZ rows and already compressed as the format wants.
public final class MBTilesWriter {
    public let path: String
    private let tmp: String
    /// The file is written through SQLite directly (prepared INSERT, tile bytes bound as blobs), not through GDAL's
    /// SQL parser with hex literals.
    private var db: SQLiteConnection?
    private var insert: SQLiteStatement?
    private var pending = 0

    public init(path: String) throws {
        self.path = path
        tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier).sqlite"
        try? FileManager.default.removeItem(atPath: tmp)
        let c = try SQLiteConnection(path: tmp, create: true)
        db = c
        // The temp file becomes visible only by rename after one fsync (commit).
        try c.exec("PRAGMA synchronous = OFF")
        try c.exec("CREATE TABLE metadata (name text, value text)")
        try c.exec("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
        insert = try c.prepare("INSERT INTO tiles VALUES (?, ?, ?, ?)")
        try c.exec("BEGIN")
    }

    deinit { abort() }

    private func exec(_ sql: String) throws {
        guard let db else { throw GeoBridgeError.gdal(function: "MBTiles", code: 0, message: "\(path): already closed") }
        try db.exec(sql)
    }

    /// Adds one tile (XYZ row `y`; stored as the TMS row).
    public func add(z: Int, x: Int, y: Int, data: [UInt8]) throws {
        guard let insert else { throw GeoBridgeError.gdal(function: "MBTiles", code: 0, message: "\(path): already closed") }
        insert.bind(1, int: Int64(z))
        insert.bind(2, int: Int64(x))
        insert.bind(3, int: Int64((1 << z) - 1 - y))
        try data.withUnsafeBytes { p in
            insert.bind(4, staticBlob: p)
            try insert.step()
        }
        pending += 1
        if pending >= 2000 { try exec("COMMIT"); try exec("BEGIN"); pending = 0 }
    }

    /// Sets the metadata rows (in order).
    public func setMetadata(_ rows: [(String, String)]) throws {
        guard let db else { throw GeoBridgeError.gdal(function: "MBTiles", code: 0, message: "\(path): already closed") }
        let st = try db.prepare("INSERT INTO metadata VALUES (?, ?)")
        for (k, v) in rows {
            st.bind(1, text: k)
            st.bind(2, text: v)
            try st.step()
        }
    }

    /// Indexes the tiles, closes the file and renames it into place.
    public func commit() throws {
        try exec("COMMIT")
        try exec("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        try exec("CREATE UNIQUE INDEX name ON metadata (name)")
        insert = nil
        db?.close()
        db = nil
        let fd = open(tmp, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); _ = Foundation.close(fd) }
        guard rename(tmp, path) == 0 else {
            let msg = String(cString: strerror(errno)); try? FileManager.default.removeItem(atPath: tmp)
            throw GeoBridgeError.gdal(function: "rename", code: errno, message: "cannot move \(tmp) to \(path): \(msg)")
        }
    }

    /// Drops the file being written.
    public func abort() {
        insert = nil
        guard let c = db else { return }
        db = nil
        c.close()
        try? FileManager.default.removeItem(atPath: tmp)
    }
}
