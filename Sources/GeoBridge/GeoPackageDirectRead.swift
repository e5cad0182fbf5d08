import CGDAL
import CSQLite
import CityModel
import Dispatch
import Foundation

extension VectorLayer {
    /// Reads a GeoPackage feature table straight from SQLite instead of through OGR's feature objects: the rows in fid
    /// order (as OGR's sequential read gives them), `where` (SQL on the table's own columns) applied by SQLite, each
    /// batch of WKB decoded on all cores. Every value is converted as `Feature.value` converts OGR's (integers, reals,
    /// text; NULL as `.null`), and the geometry is the blob's WKB without its GeoPackage header, so `body` sees what
    /// `forEach` would show. Returns false, without calling `body`, when the layer is not a GeoPackage table whose
    /// fields are all OGR integers, reals or strings (dates, binary, lists go through OGR), so the caller uses
    /// `forEach`. With `geometry: false` the geometry column is not read (features have none).
    public func forEachDirect(where sqlWhere: String? = nil, geometry: Bool = true, batch: Int = 16_384, _ body: (Feature) throws -> Void) throws -> Bool {
        guard dataset.driverName == "GPKG", let defn = OGR_L_GetLayerDefn(handle) else { return false }
        for i in 0..<OGR_FD_GetFieldCount(defn) {
            let t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i))
            guard t == OFTInteger || t == OFTInteger64 || t == OFTReal || t == OFTString else { return false }
        }
        let fields = self.fields
        let fidColumn = String(cString: OGR_L_GetFIDColumn(handle)), geomColumn = String(cString: OGR_L_GetGeometryColumn(handle))
        guard !fidColumn.isEmpty, !geometry || !geomColumn.isEmpty else { return false }
        guard let db = try? SQLiteConnection(path: dataset.path, readOnly: true) else { return false }
        defer { db.close() }
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let cols = [q(fidColumn), geometry ? q(geomColumn) : "NULL"] + fields.map { q($0.name) }
        let sql = "SELECT " + cols.joined(separator: ", ") + " FROM " + q(name) + (sqlWhere.map { " WHERE " + $0 } ?? "") + " ORDER BY " + q(fidColumn)
        let st = try db.prepare(sql)
        let h = st.handle
        let path = dataset.path, table = name
        var fids: [Int64] = [], blobs: [[UInt8]?] = [], values: [[FieldValue]] = []
        func flush() throws {
            if fids.isEmpty { return }
            let n = fids.count
            let snaps = UnsafeMutableBufferPointer<FeatureSnapshot?>.allocate(capacity: n)
            snaps.initialize(repeating: nil)
            defer { snaps.deinitialize(); snaps.deallocate() }
            let chunk = 1024
            let (f, b, v) = (fids, blobs, values)
            nonisolated(unsafe) let out = snaps
            DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(n, (c + 1) * chunk) {
                    var g: Result<Geometry?, WKBError> = .success(nil)
                    if let w = b[i] {
                        do { g = .success(try WKB.decode(w)) } catch let e as WKBError { g = .failure(e) } catch { g = .failure(.truncated(offset: 0)) }
                    }
                    out[i] = FeatureSnapshot(fid: f[i], fields: fields, values: v[i], wkb: nil, decoded: g)
                }
            }
            for s in snaps { try body(Feature(snapshot: s!)) }
            fids.removeAll(keepingCapacity: true); blobs.removeAll(keepingCapacity: true); values.removeAll(keepingCapacity: true)
        }
        while try st.step() {
            fids.append(sqlite3_column_int64(h, 0))
            if geometry, let p = sqlite3_column_blob(h, 1) {
                let n = Int(sqlite3_column_bytes(h, 1))
                let bytes = UnsafeRawBufferPointer(start: p, count: n)
                guard let start = GeoPackageReader.wkbStart(bytes) else {
                    throw GeoBridgeError.gdal(function: "GeoPackage read", code: 0, message: "\(path): \(table) fid \(fids.last!): the geometry is not a valid GeoPackage blob")
                }
                blobs.append([UInt8](bytes[start...]))
            } else {
                blobs.append(nil)
            }
            var row: [FieldValue] = []
            row.reserveCapacity(fields.count)
            for (k, fd) in fields.enumerated() {
                let c = Int32(k + 2)
                if sqlite3_column_type(h, c) == SQLITE_NULL { row.append(.null); continue }
                switch fd.type {
                case .integer, .integer64: row.append(.int(sqlite3_column_int64(h, c)))
                case .real: row.append(.real(sqlite3_column_double(h, c)))
                case .string: row.append(.string(sqlite3_column_text(h, c).map { String(cString: $0) } ?? ""))
                }
            }
            values.append(row)
            if fids.count >= batch { try flush() }
        }
        try flush()
        return true
    }
}
