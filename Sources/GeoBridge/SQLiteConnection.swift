import CSQLite
import Foundation

/// A minimal SQLite connection for GeoBridge's direct GeoPackage writes (prepared statements, no GDAL in between).
/// Not thread-safe: one thread uses a connection at a time. Errors carry SQLite's message and the file.
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?

    /// Opens a file read-write; `create` also creates a missing file (GDAL creates GeoPackages, MBTilesWriter its own).
    init(path: String, create: Bool = false, readOnly: Bool = false) throws {
        self.path = path
        var db: OpaquePointer?
        let mode = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        let rc = sqlite3_open_v2(path, &db, mode | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(rc)"
            if let db { sqlite3_close_v2(db) }
            throw GeoBridgeError.gdal(function: "sqlite3_open_v2", code: rc, message: "\(path): \(msg)")
        }
        handle = db
    }

    deinit { close() }

    /// Closes the connection (an open transaction is rolled back by SQLite).
    func close() {
        guard let h = handle else { return }
        handle = nil
        sqlite3_close_v2(h)
    }

    func error(_ function: String, _ rc: Int32, _ what: String) -> GeoBridgeError {
        let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        return .gdal(function: function, code: rc, message: "\(what) in \(path): \(msg)")
    }

    /// Runs one or more statements without results.
    func exec(_ sql: String) throws {
        guard let h = handle else { throw GeoBridgeError.gdal(function: "sqlite3_exec", code: 0, message: "\(path) is closed") }
        let rc = sqlite3_exec(h, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error("sqlite3_exec", rc, String(sql.prefix(160))) }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        guard let h = handle else { throw GeoBridgeError.gdal(function: "sqlite3_prepare_v2", code: 0, message: "\(path) is closed") }
        var st: OpaquePointer?
        let rc = sqlite3_prepare_v2(h, sql, -1, &st, nil)
        guard rc == SQLITE_OK, let st else { throw error("sqlite3_prepare_v2", rc, String(sql.prefix(160))) }
        return SQLiteStatement(st, self, sql)
    }

    /// Every row of a query, each column as text (NULL as nil); `bind` binds text parameters 1, 2, …
    func rows(_ sql: String, _ bind: [String] = []) throws -> [[String?]] {
        let st = try prepare(sql)
        for (i, s) in bind.enumerated() { st.bind(Int32(i + 1), text: s) }
        var out: [[String?]] = []
        while try st.step() {
            out.append((0..<sqlite3_column_count(st.handle)).map { c in
                sqlite3_column_text(st.handle, c).map { String(cString: $0) }
            })
        }
        return out
    }

    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }
}

/// A prepared statement of a `SQLiteConnection` (finalized on deinit).
final class SQLiteStatement {
    let handle: OpaquePointer
    private let db: SQLiteConnection
    private let sql: String

    init(_ h: OpaquePointer, _ db: SQLiteConnection, _ sql: String) { handle = h; self.db = db; self.sql = sql }
    deinit { sqlite3_finalize(handle) }

    func bindNull(_ i: Int32) { sqlite3_bind_null(handle, i) }
    func bind(_ i: Int32, int v: Int64) { sqlite3_bind_int64(handle, i, v) }
    func bind(_ i: Int32, double v: Double) { sqlite3_bind_double(handle, i, v) }
    /// Text up to its first NUL byte, as OGR's C string API stores it.
    func bind(_ i: Int32, text s: String) {
        s.withCString { _ = cimbase_sqlite3_bind_text_copy(handle, i, $0, -1) }
    }
    func bind(_ i: Int32, cText p: UnsafePointer<CChar>) { _ = cimbase_sqlite3_bind_text_copy(handle, i, p, -1) }
    /// Binds bytes SQLite copies.
    func bind(_ i: Int32, blob b: [UInt8]) {
        b.withUnsafeBytes { _ = cimbase_sqlite3_bind_blob_copy(handle, i, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32($0.count)) }
    }
    /// Binds bytes without copying: `p` must stay valid until the next `step`/`reset`.
    func bind(_ i: Int32, staticBlob p: UnsafeRawBufferPointer) {
        _ = cimbase_sqlite3_bind_blob_static(handle, i, p.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(p.count))
    }

    /// Steps once: true for a row, false when done (the statement is then reset for reuse).
    @discardableResult
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else { throw db.error("sqlite3_step", rc, String(sql.prefix(160))) }
        return false
    }

    func clearBindings() { sqlite3_clear_bindings(handle) }
}
