import CSQLite
import Foundation

/// Reads the geometries of a GeoPackage feature table (and one numeric column) straight from SQLite, without OGR's
/// feature objects in between: for `grid rasterize`, which only needs each feature's WKB and burn value. Rows come in
/// rowid (fid) order, as OGR's sequential read gives them; NULL and empty geometries are skipped, as the OGR path does.
public enum GeoPackageReader {
    /// Calls `body` with each feature's standard WKB (the GeoPackage blob without its header) and the value of
    /// `attribute` (NaN when nil or NULL). Returns false, without calling `body`, when the direct read does not apply —
    /// not a GeoPackage, `table` not a feature table, `attribute` not an INTEGER/REAL column — so the caller uses OGR.
    /// Where the standard WKB starts in a GeoPackage geometry blob (after "GP", version, flags — bit 0 byte order,
    /// bits 1–3 envelope kind, bit 4 empty — the SRS id and the envelope), or nil when it is not a valid blob.
    static func wkbStart(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let n = bytes.count
        guard n >= 8, bytes[0] == 0x47, bytes[1] == 0x50 else { return nil }
        let envelope = [0, 32, 48, 48, 64]
        let kind = Int((bytes[3] >> 1) & 7)
        guard kind < envelope.count, n >= 8 + envelope[kind] else { return nil }
        return 8 + envelope[kind]
    }

    public static func forEach(path: String, table: String, attribute: String?, _ body: ([UInt8], Double) throws -> Void) throws -> Bool {
        guard path.lowercased().hasSuffix(".gpkg"), FileManager.default.fileExists(atPath: path) else { return false }
        guard let db = try? SQLiteConnection(path: path, readOnly: true) else { return false }
        defer { db.close() }
        guard let geomRows = try? db.rows("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", [table]),
              geomRows.count == 1, let geomColumn = geomRows[0][0] else { return false }
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        if let a = attribute {
            guard let cols = try? db.rows("SELECT name, type FROM pragma_table_info(?)", [table]),
                  let col = cols.first(where: { $0[0] == a }) else { return false }
            let numeric: Set<String> = ["INTEGER", "INT", "SMALLINT", "MEDIUMINT", "TINYINT", "BOOLEAN", "REAL", "DOUBLE", "FLOAT"]
            guard numeric.contains((col[1] ?? "").uppercased()) else { return false }
        }
        let sql = "SELECT \(quoted(geomColumn))" + (attribute.map { ", " + quoted($0) } ?? "") + " FROM \(quoted(table))"
        let st = try db.prepare(sql)
        let h = st.handle
        while try st.step() {
            guard let p = sqlite3_column_blob(h, 0) else { continue }
            let n = Int(sqlite3_column_bytes(h, 0))
            let bytes = UnsafeRawBufferPointer(start: p, count: n)
            guard let start = Self.wkbStart(bytes) else {
                throw GeoBridgeError.gdal(function: "GeoPackageReader", code: 0, message: "\(path): \(table): a geometry is not a valid GeoPackage blob")
            }
            if bytes[3] & 0x10 != 0 { continue }   // empty
            let wkb = [UInt8](bytes[start...])
            let v = attribute == nil || sqlite3_column_type(h, 1) == SQLITE_NULL ? Double.nan : sqlite3_column_double(h, 1)
            try body(wkb, v)
        }
        return true
    }
}
