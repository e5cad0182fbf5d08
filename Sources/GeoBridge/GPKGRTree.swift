import CGDAL
import Foundation

/// Bulk loading of a GeoPackage spatial index (the `gpkg_rtree_index` extension, an SQLite R*Tree virtual table).
///
/// GDAL 3.6 fills the R-tree of a new layer at close by inserting the features one by one into the virtual table,
/// which costs about as much CPU as writing the features themselves (SQLite's R*Tree insertion: choose-subtree and
/// splits per entry). Here the tree is packed in memory instead (sort-tile-recursive order, nodes filled evenly) and
/// its three shadow tables are written directly, in SQLite's documented node format: what GDAL ≥ 3.7 does with its
/// bulk loader. The entries are those the one-by-one path stores: each feature's envelope rounded outwards to
/// `Float` exactly as SQLite's R-tree rounds doubles; the triggers and the `gpkg_extensions` row are those GDAL 3.6
/// writes. `rtreecheck()` of SQLite accepts the result (tested), and queries return what the one-by-one index returns.
enum GPKGRTree {
    /// One index entry: feature id and envelope in the virtual table's column order (minx, maxx, miny, maxy).
    struct Entry {
        var id: Int64
        var box: (Float, Float, Float, Float)
    }

    /// SQLite's rounding of a double bound stored in an R-tree of 32-bit floats (rtree.c rtreeValueDown): the
    /// nearest float, moved down when it is above `d`.
    static func down(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) > d { f = Float(d * (d < 0 ? 1.0 + 1.0 / 8_388_608.0 : 1.0 - 1.0 / 8_388_608.0)) }
        return f
    }

    /// As `down`, for an upper bound (rtreeValueUp).
    static func up(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) < d { f = Float(d * (d < 0 ? 1.0 - 1.0 / 8_388_608.0 : 1.0 + 1.0 / 8_388_608.0)) }
        return f
    }

    /// A packed tree: node blobs by node number (1 is the root), the leaf of each entry, the parent of each non-root node.
    struct Packed {
        var nodes: [(Int64, [UInt8])] = []
        var rowids: [(Int64, Int64)] = []
        var parents: [(Int64, Int64)] = []
    }

    /// Packs `entries` into nodes of `nodeSize` bytes (at most `maxCells` cells each): sort-tile-recursive order per
    /// level, every node of a level filled evenly, the root numbered 1 and carrying the tree depth.
    static func pack(_ entries: [Entry], nodeSize: Int, maxCells: Int = 51) -> Packed {
        let m = max(2, min(maxCells, (nodeSize - 4) / 24))
        var out = Packed()
        guard !entries.isEmpty else { return out }
        var level: [Entry] = entries
        var depth = 0
        var nextNo: Int64 = 2
        // Children of the previous level: node numbers are assigned when a level is grouped.
        var childNumbers: [Int64] = []
        while true {
            let groups = strGroups(level, m)
            let isRoot = groups.count == 1
            var numbers: [Int64] = []
            for _ in groups.indices { numbers.append(isRoot ? 1 : nextNo); if !isRoot { nextNo += 1 } }
            var parentEntries: [Entry] = []
            for (g, members) in groups.enumerated() {
                let no = numbers[g]
                var blob = [UInt8](repeating: 0, count: nodeSize)
                if isRoot { blob[0] = UInt8(depth >> 8); blob[1] = UInt8(depth & 0xff) }
                blob[2] = UInt8(members.count >> 8); blob[3] = UInt8(members.count & 0xff)
                var o = 4
                var bx: (Float, Float, Float, Float) = (.infinity, -.infinity, .infinity, -.infinity)
                for k in members {
                    let e = level[k]
                    let id = depth == 0 ? e.id : childNumbers[Int(e.id)]
                    withUnsafeBytes(of: UInt64(bitPattern: id).bigEndian) { for b in $0 { blob[o] = b; o += 1 } }
                    for v in [e.box.0, e.box.1, e.box.2, e.box.3] {
                        withUnsafeBytes(of: v.bitPattern.bigEndian) { for b in $0 { blob[o] = b; o += 1 } }
                    }
                    bx = (min(bx.0, e.box.0), max(bx.1, e.box.1), min(bx.2, e.box.2), max(bx.3, e.box.3))
                    if depth == 0 { out.rowids.append((e.id, no)) } else { out.parents.append((id, no)) }
                }
                out.nodes.append((no, blob))
                // The parent level refers to this node by its position (resolved through childNumbers).
                parentEntries.append(Entry(id: Int64(g), box: bx))
            }
            if isRoot { break }
            childNumbers = numbers
            level = parentEntries
            depth += 1
        }
        return out
    }

    /// Sort-tile-recursive grouping of `items` into nodes of at most `m`: ⌈√P⌉ vertical slices by centre x, each
    /// sorted by centre y and cut into nodes of equal size (± 1). Returns the member indices of each node.
    static func strGroups(_ items: [Entry], _ m: Int) -> [[Int]] {
        let n = items.count
        let p = (n + m - 1) / m
        if p <= 1 { return [Array(0..<n)] }
        let s = Int(Double(p).squareRoot().rounded(.up))
        let cx = items.map { Double($0.box.0) + Double($0.box.1) }
        let cy = items.map { Double($0.box.2) + Double($0.box.3) }
        let byX = (0..<n).sorted { cx[$0] != cx[$1] ? cx[$0] < cx[$1] : $0 < $1 }
        var groups: [[Int]] = []
        groups.reserveCapacity(p)
        let perSlice = ((p + s - 1) / s) * m
        var lo = 0
        while lo < n {
            let hi = min(n, lo + perSlice)
            let slice = byX[lo..<hi].sorted { cy[$0] != cy[$1] ? cy[$0] < cy[$1] : $0 < $1 }
            let k = (slice.count + m - 1) / m
            for i in 0..<k { groups.append(Array(slice[(slice.count * i / k)..<(slice.count * (i + 1) / k)])) }
            lo = hi
        }
        return groups
    }

    static func quoteName(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func quoteText(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The statements GDAL 3.6 runs to register the index of `table.column` (triggers and extension row), after
    /// the virtual table is filled. `fid` is the table's primary key.
    static func triggerSQL(table t: String, column c: String, fid: String) -> [String] {
        let r = quoteName("rtree_\(t)_\(c)")
        let rn = "rtree_\(t)_\(c)"
        let T = quoteName(t), C = quoteName(c), F = quoteName(fid)
        let values = "VALUES (NEW.\(F),ST_MinX(NEW.\(C)), ST_MaxX(NEW.\(C)),ST_MinY(NEW.\(C)), ST_MaxY(NEW.\(C)))"
        return [
            "CREATE TRIGGER \(quoteName(rn + "_insert")) AFTER INSERT ON \(T) WHEN (new.\(C) NOT NULL AND NOT ST_IsEmpty(NEW.\(C))) BEGIN INSERT OR REPLACE INTO \(r) \(values); END",
            "CREATE TRIGGER \(quoteName(rn + "_update1")) AFTER UPDATE OF \(C) ON \(T) WHEN OLD.\(F) = NEW.\(F) AND (NEW.\(C) NOTNULL AND NOT ST_IsEmpty(NEW.\(C))) BEGIN INSERT OR REPLACE INTO \(r) \(values); END",
            "CREATE TRIGGER \(quoteName(rn + "_update2")) AFTER UPDATE OF \(C) ON \(T) WHEN OLD.\(F) = NEW.\(F) AND (NEW.\(C) ISNULL OR ST_IsEmpty(NEW.\(C))) BEGIN DELETE FROM \(r) WHERE id = OLD.\(F); END",
            "CREATE TRIGGER \(quoteName(rn + "_update3")) AFTER UPDATE ON \(T) WHEN OLD.\(F) != NEW.\(F) AND (NEW.\(C) NOTNULL AND NOT ST_IsEmpty(NEW.\(C))) BEGIN DELETE FROM \(r) WHERE id = OLD.\(F); INSERT OR REPLACE INTO \(r) \(values); END",
            "CREATE TRIGGER \(quoteName(rn + "_update4")) AFTER UPDATE ON \(T) WHEN OLD.\(F) != NEW.\(F) AND (NEW.\(C) ISNULL OR ST_IsEmpty(NEW.\(C))) BEGIN DELETE FROM \(r) WHERE id IN (OLD.\(F), NEW.\(F)); END",
            "CREATE TRIGGER \(quoteName(rn + "_delete")) AFTER DELETE ON \(T) WHEN old.\(C) NOT NULL BEGIN DELETE FROM \(r) WHERE id = OLD.\(F); END",
        ]
    }

    /// Runs one SQL statement on `ds` (GDAL's SQLite connection); a failure throws with SQLite's message.
    static func exec(_ ds: GDALDatasetH, _ sql: String) throws {
        GDALEnvironment.resetError()
        let res = GDALDatasetExecuteSQL(ds, sql, nil, nil)
        if let res { GDALDatasetReleaseResultSet(ds, res) }
        let t = CPLGetLastErrorType()
        if t == CE_Failure || t == CE_Fatal {
            throw GDALEnvironment.lastError("GDALDatasetExecuteSQL", fallback: "SQL failed: \(sql.prefix(120))")
        }
    }

    /// First column of the first row of a query, as an integer (nil when there is none).
    static func queryInt(_ ds: GDALDatasetH, _ sql: String) -> Int? {
        GDALEnvironment.resetError()
        guard let res = GDALDatasetExecuteSQL(ds, sql, nil, nil) else { return nil }
        defer { GDALDatasetReleaseResultSet(ds, res) }
        guard let f = OGR_L_GetNextFeature(res) else { return nil }
        defer { OGR_F_Destroy(f) }
        return OGR_F_IsFieldSetAndNotNull(f, 0) != 0 ? Int(OGR_F_GetFieldAsInteger64(f, 0)) : nil
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Creates and fills the spatial index of `table.column` from `entries` and registers it as GDAL does.
    static func build(_ ds: GDALDatasetH, table: String, column: String, fid: String, entries: [Entry]) throws {
        let rn = "rtree_\(table)_\(column)"
        try exec(ds, "CREATE VIRTUAL TABLE \(quoteName(rn)) USING rtree(id, minx, maxx, miny, maxy)")
        let nodeSize = queryInt(ds, "SELECT length(data) FROM \(quoteName(rn + "_node")) WHERE nodeno = 1") ?? 1228
        let packed = pack(entries, nodeSize: nodeSize)
        var sql = [UInt8]()
        func flush() throws {
            guard !sql.isEmpty else { return }
            try exec(ds, String(decoding: sql, as: UTF8.self))
            sql.removeAll(keepingCapacity: true)
        }

        func rows(_ head: String, _ count: Int, per: Int, _ row: (Int, inout [UInt8]) -> Void) throws {
            var i = 0
            while i < count {
                sql.append(contentsOf: head.utf8)
                let end = min(count, i + per)
                for k in i..<end {
                    if k > i { sql.append(UInt8(ascii: ",")) }
                    row(k, &sql)
                }
                i = end
                try flush()
            }
        }
        func int(_ v: Int64, _ s: inout [UInt8]) {
            // Decimal digits without a String per number (ids are written once per entry).
            if v < 0 { s.append(UInt8(ascii: "-")) }
            var m = v.magnitude
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var k = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[k] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10; k += 1 } while m > 0
                while k > 0 { k -= 1; s.append(d[k]) }
            }
        }
        try rows("INSERT OR REPLACE INTO \(quoteName(rn + "_node")) VALUES ", packed.nodes.count, per: 256) { k, s in
            let (no, blob) = packed.nodes[k]
            s.append(UInt8(ascii: "(")); int(no, &s); s.append(contentsOf: ",X'".utf8)
            for b in blob { s.append(hexDigits[Int(b >> 4)]); s.append(hexDigits[Int(b & 15)]) }
            s.append(contentsOf: "')".utf8)
        }
        // Entry → leaf and child → parent maps: a few statements of about 1 MB, each a JSON array of
        // [node, id, id, …] (json_each is far cheaper for SQLite than parsing a long VALUES list).
        func mapping(_ table: String, _ pairs: [(Int64, Int64)]) throws {
            var i = 0
            while i < pairs.count {
                sql.append(contentsOf: "INSERT INTO \(quoteName(table)) SELECT c.value, json_extract(l.value, '$[0]') FROM json_each('[".utf8)
                var first = true
                while i < pairs.count && sql.count < 1 << 20 {
                    var j = i
                    while j < pairs.count && pairs[j].1 == pairs[i].1 { j += 1 }
                    if !first { sql.append(UInt8(ascii: ",")) }
                    first = false
                    sql.append(UInt8(ascii: "[")); int(pairs[i].1, &sql)
                    for k in i..<j { sql.append(UInt8(ascii: ",")); int(pairs[k].0, &sql) }
                    sql.append(UInt8(ascii: "]"))
                    i = j
                }
                sql.append(contentsOf: "]') l, json_each(l.value) c WHERE c.key > 0".utf8)
                try flush()
            }
        }
        try mapping(rn + "_rowid", packed.rowids)
        try mapping(rn + "_parent", packed.parents)
        for t in triggerSQL(table: table, column: column, fid: fid) { try exec(ds, t) }
        try exec(ds, "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
        try exec(ds, "INSERT INTO gpkg_extensions (table_name,column_name,extension_name,definition,scope) VALUES (\(quoteText(table)), \(quoteText(column)), 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')")
    }

    /// As `build(_:table:column:fid:entries:)`, on a direct SQLite connection (GeoPackageWriter's direct path):
    /// the same tables, rows, triggers and extension row, with node blobs and id pairs bound to prepared statements.
    static func build(_ db: SQLiteConnection, table: String, column: String, fid: String, entries: [Entry]) throws {
        let rn = "rtree_\(table)_\(column)"
        try db.exec("CREATE VIRTUAL TABLE \(quoteName(rn)) USING rtree(id, minx, maxx, miny, maxy)")
        let sizeText = try db.rows("SELECT length(data) FROM \(quoteName(rn + "_node")) WHERE nodeno = 1").first?.first ?? nil
        let nodeSize = sizeText.flatMap { Int($0) } ?? 1228
        let packed = pack(entries, nodeSize: nodeSize)
        let node = try db.prepare("INSERT OR REPLACE INTO \(quoteName(rn + "_node")) VALUES (?, ?)")
        for (no, blob) in packed.nodes {
            node.bind(1, int: no)
            node.bind(2, blob: blob)
            try node.step()
        }
        for (name, pairs) in [(rn + "_rowid", packed.rowids), (rn + "_parent", packed.parents)] {
            let st = try db.prepare("INSERT INTO \(quoteName(name)) VALUES (?, ?)")
            for (id, no) in pairs {
                st.bind(1, int: id)
                st.bind(2, int: no)
                try st.step()
            }
        }
        for t in triggerSQL(table: table, column: column, fid: fid) { try db.exec(t) }
        try db.exec("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
        try db.exec("INSERT INTO gpkg_extensions (table_name,column_name,extension_name,definition,scope) VALUES (\(quoteText(table)), \(quoteText(column)), 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')")
    }
}
