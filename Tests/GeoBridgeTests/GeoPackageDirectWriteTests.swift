import CityModel
import Foundation
import GeoBridge
import TestSupport
import Testing

/// GeoPackageWriter's direct path (rows inserted with SQLite prepared statements) against its twin, the OGR path
/// (`direct: false`: one OGR feature per row, inserted by GDAL's GPKG driver). Both files must hold the same rows,
/// bytes of every geometry blob, spatial index, extents, feature counts, schema and triggers, and OGR must read the
/// same features back.
@Suite struct GeoPackageDirectWriteTests {
    static let fields = [FieldDef("i32", .integer, ""), FieldDef("i64", .integer64, ""), FieldDef("r", .real, ""), FieldDef("s", .string, "")]

    /// Values of every supported field type, NULLs, and the conversions OGR does for a value of another type.
    static func values(_ k: Int) -> [FieldValue] {
        switch k % 9 {
        case 0: return [.int(7), .int(-9_000_000_000), .real(2.5), .string("plain")]
        case 1: return [.null, .null, .null, .null]
        case 2: return [.int(3_000_000_000), .real(12.9), .int(4), .real(0.1)]   // int32 overflow, real → int64, int → real/text
        case 3: return [.string("42abc"), .string(" 17"), .string("3.25e2"), .int(-5)]  // text → numbers
        case 4: return [.real(-7.9), .int(1), .real(.nan), .real(1e300 / 3)]      // NaN → NULL, real → text
        case 5: return [.int(Int64(Int32.min)), .int(Int64.max), .real(-0.0), .string("中文 ' \" ; quote")]
        case 6: return [.int(1), .int(2)]                                              // fewer values than fields
        case 7: return [.int(1), .int(2), .real(3), .string("a\u{0}b"), .int(99)]     // NUL in text; one too many
        default: return [.int(Int64(k)), .int(Int64(k) * 1_000_003), .real(Double(k) / 7), .string("row \(k)")]
        }
    }

    static func polygon(_ x: Double, _ y: Double, _ s: Double) -> Polygon {
        Polygon([[Vec2(x, y), Vec2(x + s, y), Vec2(x + s, y + s), Vec2(x, y + s)]])
    }

    /// Layers with every geometry kind the writer takes: single and multi parts (coerced), holes (one lying outside
    /// its exterior, so the envelope must cover every ring), NULL and empty geometries, an attribute table and an empty
    /// layer.
    static func tables(_ n: Int) -> [FeatureTable] {
        var rng = SplitMix64(seed: 31)
        var polys = FeatureTable(name: "polys", geometryType: "MultiPolygon", fields: fields)
        var lines = FeatureTable(name: "lines", geometryType: "MultiLineString", fields: fields)
        var points = FeatureTable(name: "points", geometryType: "Point", fields: fields)
        var mixed = FeatureTable(name: "Mixed Case", geometryType: "Geometry", fields: fields)
        var attrs = FeatureTable(name: "attrs", geometryType: "None", fields: fields)
        let none = FeatureTable(name: "nothing", geometryType: "Polygon", fields: fields)
        // Rows need not have one value per field (FeatureTable.append checks; the writer takes what it gets).
        func add(_ t: inout FeatureTable, _ g: Geometry?, _ v: [FieldValue]) { t.rows.append(FeatureRow(geometry: g, values: v)) }
        for k in 0..<n {
            let x = rng.range(-50_000, 700_000), y = rng.range(3_300_000, 3_400_000), s = rng.range(0.01, 80)
            let v = values(k)
            switch k % 11 {
            case 3: add(&polys, nil, v)
            case 5: add(&polys, .polygon(Polygon([])), v)
            case 7: add(&polys, .multiPolygon(MultiPolygon([polygon(x, y, s), polygon(x + 2 * s, y, s / 2)])), v)
            case 8:
                var p = polygon(x, y, s)
                p.rings.append([Vec2(x + s, y - s), Vec2(x + 2 * s, y - s), Vec2(x + 2 * s, y - 2 * s)])  // hole outside
                add(&polys, .polygon(p), v)
            default: add(&polys, .polygon(polygon(x, y, s)), v)
            }
            add(&lines, k % 13 == 4 ? .lineString(LineString([])) : k % 2 == 0 ? .lineString(LineString([Vec2(x, y), Vec2(x + s, y - s)]))
                         : .multiLineString([LineString([Vec2(x, y), Vec2(x, y + s)]), LineString([Vec2(x - s, y), Vec2(x - 2 * s, y + 3)])]), v)
            add(&points, k % 17 == 2 ? .point(Vec2(.nan, .nan)) : k % 19 == 3 ? nil : .point(Vec2(x, y)), v)
            switch k % 4 {
            case 0: add(&mixed, .point(Vec2(x, y)), v)
            case 1: add(&mixed, .multiPoint([Vec2(x, y), Vec2(x + 1, y - 1)]), v)
            case 2: add(&mixed, .lineString(LineString([Vec2(x, y), Vec2(x + s, y + s), Vec2(x, y + 2 * s)])), v)
            default: add(&mixed, .multiPolygon(MultiPolygon([polygon(x, y, s)])), v)
            }
            add(&attrs, nil, v)
        }
        return [polys, lines, points, mixed, attrs, none]
    }

    func write(_ tables: [FeatureTable], _ path: String, direct: Bool, reproducible: Bool = true, declared: Bool = false) throws -> GeoPackageWriter {
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32650", reproducible: reproducible, direct: direct)
        if declared { try w.declare(tables) }
        for t in tables { try w.write(table: t) }
        try w.commit()
        return w
    }

    /// Every row of every table as SQL values (geometry blobs as hex), plus the GeoPackage metadata tables.
    func content(_ path: String) throws -> [String: [[FieldValue]]] {
        let ds = try VectorDataset(path: path)
        defer { try? ds.close() }
        var out: [String: [[FieldValue]]] = [:]
        for t in try ds.query("SELECT table_name FROM gpkg_contents ORDER BY table_name").map({ $0[0].string! }) {
            // quote(): the SQL literal of each value, blobs as X'…' (no OGR interpretation of the geometry column).
            let cols = try ds.query("SELECT name FROM pragma_table_info('\(t)')").map { "quote(\"\($0[0].string!)\")" }
            out[t] = try ds.query("SELECT \(cols.joined(separator: ", ")) FROM \"\(t)\" ORDER BY fid")
        }
        for r in try ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rtree_%' AND sql LIKE '%VIRTUAL%'") {
            let n = r[0].string!
            out[n] = try ds.query("SELECT * FROM \"\(n)\" ORDER BY id")
            #expect(try ds.query("SELECT rtreecheck('\(n)')") == [[.string("ok")]])
        }
        out["#contents"] = try ds.query("SELECT table_name, data_type, identifier, quote(min_x), quote(min_y), quote(max_x), quote(max_y), srs_id, last_change FROM gpkg_contents ORDER BY table_name")
        out["#ogr_contents"] = try ds.query("SELECT table_name, quote(feature_count) FROM gpkg_ogr_contents ORDER BY table_name")
        out["#geometry_columns"] = try ds.query("SELECT * FROM gpkg_geometry_columns ORDER BY table_name")
        out["#schema"] = try ds.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        out["#extensions"] = try ds.query("SELECT * FROM gpkg_extensions ORDER BY table_name, extension_name")
        return out
    }

    @Test(arguments: [0, 1, 40, 700, 9_000])
    func sameFileAsOGRPath(n: Int) throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = Self.tables(n)
        let d = try write(t, dir + "/direct.gpkg", direct: true), o = try write(t, dir + "/ogr.gpkg", direct: false)
        #expect(d.direct && !o.direct)
        #expect(d.rowsWritten == o.rowsWritten)
        let a = try content(dir + "/direct.gpkg"), b = try content(dir + "/ogr.gpkg")
        #expect(Set(a.keys) == Set(b.keys))
        for k in a.keys.sorted() {
            #expect(a[k]! == b[k] ?? [], "\(k)")
            if a[k]! != b[k] ?? [] {
                for (x, y) in zip(a[k]!, b[k] ?? []) where x != y { print("\(k):\n direct \(x)\n ogr    \(y)"); break }
            }
        }
        if n > 0 { #expect(a["polys"]!.count == n && a["attrs"]!.count == n) }

        // OGR reads the same features back from both (values, geometry, fid, feature count from gpkg_ogr_contents).
        let dd = try VectorDataset(path: dir + "/direct.gpkg"), od = try VectorDataset(path: dir + "/ogr.gpkg")
        defer { try? dd.close(); try? od.close() }
        #expect(dd.layerNames == od.layerNames)
        for name in od.layerNames {
            let l1 = try dd.layer(name), l2 = try od.layer(name)
            #expect(l1.featureCount == l2.featureCount, "\(name)")
            #expect(l1.fields == l2.fields)
            var f1: [(Int64, [FieldValue], [UInt8]?)] = [], f2: [(Int64, [FieldValue], [UInt8]?)] = []
            try l1.forEach { f in f1.append((f.fid, f.fields.indices.map { f.value($0) }, f.wkb())) }
            try l2.forEach { f in f2.append((f.fid, f.fields.indices.map { f.value($0) }, f.wkb())) }
            #expect(f1.count == f2.count)
            for (x, y) in zip(f1, f2) {
                #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2, "\(name) fid \(x.0)")
            }
            if name != "attrs" && name != "nothing" && n > 0 {
                #expect((try? l1.extent()) == (try? l2.extent()), "\(name) extent")
            }
        }
    }

    /// Layers declared up front (created by GDAL in one session, then filled through one SQLite connection) give the
    /// same file content as layers created one by one, including the row order of gpkg_ogr_contents and
    /// gpkg_extensions; a layer begun with another schema than declared is refused.
    @Test(arguments: [0, 40, 9_000])
    func declaredLayersSameFile(n: Int) throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = Self.tables(n)
        _ = try write(t, dir + "/declared.gpkg", direct: true, declared: true)
        _ = try write(t, dir + "/layered.gpkg", direct: true)
        let a = try content(dir + "/declared.gpkg"), b = try content(dir + "/layered.gpkg")
        #expect(Set(a.keys) == Set(b.keys))
        for k in a.keys.sorted() { #expect(a[k]! == b[k] ?? [], "\(k)") }
        for q in ["SELECT * FROM gpkg_ogr_contents ORDER BY rowid", "SELECT * FROM gpkg_extensions ORDER BY rowid", "SELECT table_name FROM gpkg_contents ORDER BY rowid"] {
            let x = try VectorDataset(path: dir + "/declared.gpkg"), y = try VectorDataset(path: dir + "/layered.gpkg")
            #expect(try x.query(q) == y.query(q), "\(q)")
            try x.close(); try y.close()
        }
        // A schema other than the declared one.
        let w = try GeoPackageWriter(path: dir + "/bad.gpkg", crs: "EPSG:32650")
        try w.declare([t[0]])
        var other = t[0]
        other.fields.removeLast()
        var thrown = false
        do { try w.begin(other) } catch { thrown = true }
        #expect(thrown)
        w.abort()
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.gpkg"))
    }

    /// Hand goldens for the direct blob: a point has no envelope, other geometries an XY one, empty ones the empty bit.
    @Test func geometryBlobGoldens() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var t = FeatureTable(name: "g", geometryType: "Geometry", fields: [])
        t.append(.point(Vec2(1, 2)), [])
        t.append(.lineString(LineString([Vec2(0, 0), Vec2(3, -1)])), [])
        t.append(.polygon(Polygon([])), [])
        _ = try write([t], dir + "/g.gpkg", direct: true)
        let ds = try VectorDataset(path: dir + "/g.gpkg")
        defer { try? ds.close() }
        let hex = try ds.query("SELECT hex(geom) FROM g ORDER BY fid").map { $0[0].string! }
        #expect(hex[0] == "475000018A7F00000101000000000000000000F03F0000000000000040")
        #expect(hex[1] == "475000038A7F000000000000000000000000000000000840000000000000F0BF0000000000000000010200000002000000000000000000000000000000000000000000000000000840000000000000F0BF")
        #expect(hex[2] == "475000118A7F0000010300000000000000")
        #expect(try ds.query("SELECT quote(min_x), quote(min_y), quote(max_x), quote(max_y) FROM gpkg_contents") == [[.string("0.0"), .string("-1.0"), .string("3.0"), .string("2.0")]])
    }

    /// A failure in the middle of writing (a second layer of the same name, after rows of other layers were
    /// inserted) leaves no file at the final path and no temporary file, and an existing file there untouched.
    @Test(arguments: [true, false])
    func failureLeavesNoFile(existing: Bool) throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.gpkg"
        if existing { try Data("old".utf8).write(to: URL(fileURLWithPath: path)) }
        let t = Self.tables(300)
        do {
            let w = try GeoPackageWriter(path: path, crs: "EPSG:32650")
            try w.write(table: t[0])
            try w.begin(t[1])
            for r in t[1].rows.prefix(150) { try w.write(r) }
            try w.end()
            var thrown = false
            do { try w.begin(t[0]) } catch { thrown = true }
            #expect(thrown, "a layer name written twice must fail")
            w.abort()
        }
        do {
            // Dropped without commit or abort, in the middle of a layer.
            let w = try GeoPackageWriter(path: path, crs: "EPSG:32650")
            try w.begin(t[0])
            for r in t[0].rows { try w.write(r) }
            _ = w
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left == (existing ? ["out.gpkg"] : []), "\(left)")
        if existing { #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old".utf8)) }
    }

    static let ogrinfo = ["/usr/bin/ogrinfo", "/usr/local/bin/ogrinfo"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `ogrinfo -al -so` (GDAL's own reader, as QGIS uses it) opens the direct file and reports the counts.
    @Test(.enabled(if: ogrinfo != nil, "ogrinfo (gdal-bin) not installed"))
    func ogrinfoReadsIt() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try write(Self.tables(500), dir + "/d.gpkg", direct: true, reproducible: false)
        let r = try runChildProcess(Self.ogrinfo!, ["-al", "-so", dir + "/d.gpkg"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("ERROR"), "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "Feature Count: 500").count - 1 == 5, "\(r.stdout)")
        #expect(r.stdout.contains("Feature Count: 0"))
        let check = try runChildProcess(Self.ogrinfo!, ["-q", dir + "/d.gpkg", "-sql", "PRAGMA integrity_check"])
        #expect(check.stdout.contains("integrity_check (String) = ok"), "\(check.stdout)")
    }
}
