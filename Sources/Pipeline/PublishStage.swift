import CityModel
import Foundation
import GeoBridge
import ConfigReader
import Scoring
import Yams

/// `cimbase publish DIR --to PG:…`: the outputs of a run (base layer, walk access, indicators, scores, gap polygons)
/// into PostGIS, one schema per city, every table partitioned by year.
///
/// Design (README "Publishing to PostGIS"): each table `T` is a partitioned parent (`PARTITION BY LIST (year)`) with
/// its primary key and a GiST index on `geom`; a year's rows are the partition `T_<year>`. A publish runs in one
/// transaction per city and year: it takes an advisory lock on the schema (two publishes of one city wait for each
/// other; different cities run side by side), copies each layer with COPY into a fresh staging table, then detaches
/// and drops the old `T_<year>`, renames the staging table and attaches it (its indexes are built once, after the
/// load). Nothing is visible to readers before COMMIT; a killed publish is rolled back by the server (the staging
/// tables were created inside the transaction, so none is left behind), and the earlier state stays as it was.
public enum PublishStage {
    /// What to publish and where.
    public struct Options: Sendable {
        /// Connection string (`PG:…`, `postgresql://…`, `PG:service=…`).
        public var to: String
        /// Schema (default: the city's name made an identifier, see `schemaName(city:)`).
        public var schema: String?
        /// City (default: the config's, else indicators.csv's).
        public var city: String?
        /// Year (default: the config's, else indicators.csv's).
        public var year: Int?
        public init(to: String, schema: String? = nil, city: String? = nil, year: Int? = nil) {
            self.to = to; self.schema = schema; self.city = city; self.year = year
        }
    }

    /// What a publish wrote.
    public struct Result: Sendable {
        public var schema: String
        public var city: String
        public var year: Int
        /// Table and rows written, in order.
        public var tables: [(String, Int)]
        public var seconds: Double
        /// Connection string with the password masked.
        public var target: String
        /// One summary line.
        public var summary: String {
            let rows = tables.reduce(0) { $0 + $1.1 }
            let b = tables.first { $0.0 == "buildings" }?.1 ?? 0
            return String(format: "publish     %@ %d → %@ schema %@: %d tables, %@ rows (%@ buildings)  %.1f s",
                          city, year, target, schema, tables.count, rows.grouped, b.grouped, seconds)
        }
    }

    /// Whether `s` is a PostgreSQL connection string (`PG:…`, `postgresql://…`).
    public static func isPostgres(_ s: String) -> Bool { PGConnectionString.isPostgres(s) }

    /// `s` with any password in it masked (`password=***`).
    public static func mask(_ s: String) -> String { PGConnectionString.mask(s) }

    /// One layer to publish: where it is read and which table it goes to.
    struct Item {
        var path: String
        var layer: String
        var table: String
        /// Keyed by (city, year, zone_id, indicator) instead of (year, fid).
        var keyed: Bool
    }

    /// The schema name for a city: ASCII letters and digits lower-cased, other characters as one `_` (ASCII; none at the ends) or
    /// `u<hex>` (non-ASCII, e.g. 赣州 → `u8d63u5dde`), a leading digit prefixed with `c`, at most 63 bytes.
    public static func schemaName(city: String) -> String {
        var s = ""
        for u in city.unicodeScalars {
            if u.isASCII {
                let c = Character(u)
                s += c.isLetter || c.isNumber ? String(c).lowercased() : "_"
            } else {
                s += "u" + String(u.value, radix: 16)
            }
        }
        // Runs of `_` collapse to one; none at either end ("Synthetic city (seed 11)" → synthetic_city_seed_11).
        s = s.split(separator: "_", omittingEmptySubsequences: true).joined(separator: "_")
        if s.isEmpty { s = "city" }
        if let f = s.first, f.isNumber { s = "c" + s }
        if s.utf8.count > 63 {
            var h: UInt64 = 0xcbf29ce484222325
            for b in city.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            s = String(s.prefix(50)) + "_" + String(String(h, radix: 16).prefix(12))
        }
        return s
    }

    /// A schema name a user gave: lower-case ASCII letters, digits and `_`, not starting with a digit, at most 63 bytes.
    static func checkSchema(_ s: String, key: String) throws {
        // Lower case only: PostgreSQL folds unquoted names to lower case, so QGIS users and SQL typed by hand find it.
        let ok = !s.isEmpty && s.utf8.count <= 63 && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            && !(s.first!.isNumber) && !s.hasPrefix("pg_")
        if !ok { throw PipelineError.usage("\(key): schema name '\(s)' must be 1–63 lower-case ASCII letters, digits or _, not start with a digit or pg_") }
    }

    /// The layers of a run folder that are published, in order (files that are not there are skipped, except base.gpkg).
    static func items(dir: String, scoresPath: String?) throws -> [Item] {
        let base = (dir as NSString).appendingPathComponent("base.gpkg")
        guard FileManager.default.fileExists(atPath: base) else {
            throw PipelineError.input(file: base, layer: nil, message: "base layer not found: run `cimbase ingest` (or `cimbase run`) into \(dir) first")
        }
        var out: [Item] = []
        func add(_ path: String, _ map: (String) -> (String, Bool)?) throws {
            guard FileManager.default.fileExists(atPath: path) else { return }
            let names: [String]
            do { names = try VectorDataset(path: path).layerNames } catch { throw PipelineError.input(file: path, layer: nil, message: "\(error)") }
            for n in names { if let (t, k) = map(n) { out.append(Item(path: path, layer: n, table: t, keyed: k)) } }
        }
        try add(base) { CanonicalLayer(rawValue: $0) != nil ? ($0, false) : nil }
        try add((dir as NSString).appendingPathComponent("walk.gpkg")) { ($0.hasPrefix("walk_") ? $0 : "walk_" + $0, false) }
        try add((dir as NSString).appendingPathComponent("indicators.gpkg")) { n in
            switch n {
            case "indicators": return ("indicators", true)
            case "built_up": return ("indicator_built_up", false)
            case "pipe_gaps": return ("pipe_gaps", false)
            default: return nil
            }
        }
        if let scoresPath { out.append(Item(path: scoresPath, layer: "scores", table: "scores", keyed: true)) }
        return out
    }

    /// City and year of a run folder from its indicators.csv (nil when there is none).
    static func cityYear(dir: String) throws -> (String, Int)? {
        let p = (dir as NSString).appendingPathComponent("indicators.csv")
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let t: IndicatorTable
        do { t = try IndicatorTable.read(at: URL(fileURLWithPath: p)) } catch { throw PipelineError.input(file: p, layer: nil, message: "\(error)") }
        guard let r = t.rows.first else { return nil }
        return (r.city, r.year)
    }

    /// Column types of score.csv (others are text).
    static let scoreTypes: [String: FieldType] = [
        "year": .integer, "target": .real, "range_low": .real, "range_high": .real, "value": .real, "score": .real, "weight": .real,
        "effective_weight": .real, "index_weight": .real, "dimension_score": .real, "index": .real, "previous_year": .integer,
        "previous_value": .real, "change_abs": .real, "change_pct": .real,
    ]

    /// score.csv as a typed table in a temporary GeoPackage (so it is copied like every other layer), with a
    /// `zone_id` column ('' : scores are city-level) so that it is keyed like the indicators.
    static func scoresTable(csv: String, tmpDir: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: csv) else { return nil }
        let recs: [CSVRecord]
        do { recs = try CSV.parse(bytes: [UInt8](data), source: csv) } catch { throw PipelineError.input(file: csv, layer: nil, message: "\(error)") }
        guard let header = recs.first?.fields, header.contains("indicator"), header.contains("city") else {
            throw PipelineError.input(file: csv, layer: nil, message: "not a score table (no city/indicator columns)")
        }
        var fields = header.map { FieldDef($0, scoreTypes[$0] ?? .string, "") }
        fields.insert(FieldDef("zone_id", .string, ""), at: 1)
        var t = FeatureTable(name: "scores", geometryType: "None", fields: fields)
        for r in recs.dropFirst() {
            guard r.fields.count == header.count else { throw PipelineError.input(file: csv, layer: nil, message: "line \(r.line): \(r.fields.count) fields, the header has \(header.count)") }
            var v: [FieldValue] = []
            for (i, s) in r.fields.enumerated() {
                switch scoreTypes[header[i]] {
                case .integer?: v.append(Int64(s).map { .int($0) } ?? .null)
                case .real?: v.append(Double(s).map { .real($0) } ?? .null)
                default: v.append(.string(s))
                }
            }
            v.insert(.string(""), at: 1)
            t.append(nil, v)
        }
        let p = (tmpDir as NSString).appendingPathComponent("scores.gpkg")
        let w = try GeoPackageWriter(path: p, crs: nil)
        do { try w.write(table: t); try w.commit() } catch { w.abort(); throw PipelineError.output(path: p, message: "\(error)") }
        return p
    }

    static func sqlType(_ t: FieldType) -> String {
        switch t {
        case .integer: return "integer"
        case .integer64: return "bigint"
        case .real: return "double precision"
        case .string: return "text"
        }
    }

    /// Publishes the run folder `dir`. `config` (optional) gives city, year and the `publish:` defaults.
    public static func run(dir: String, options o: Options, config: CityConfig? = nil, progress: Progress) throws -> Result {
        let t0 = Date()
        let fromFolder = try cityYear(dir: dir)
        guard let city = o.city ?? config?.city ?? fromFolder?.0, !city.isEmpty else {
            throw PipelineError.usage("publish: no city: give --city, a config, or a folder with indicators.csv")
        }
        guard let year = o.year ?? config?.year ?? fromFolder?.1 else {
            throw PipelineError.usage("publish: no year: give --year, a config, or a folder with indicators.csv")
        }
        guard (1900...2200).contains(year) else { throw PipelineError.usage("publish: year \(year) is outside 1900–2200") }
        if let s = o.schema { try checkSchema(s, key: "--schema") }
        let schema = o.schema ?? schemaName(city: city)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cimbase-publish-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let scores = try scoresTable(csv: (dir as NSString).appendingPathComponent("score.csv"), tmpDir: tmp)
        let items = try items(dir: dir, scoresPath: scores)

        let target = PGConnectionString.mask(o.to)
        let db: PostGISDatabase
        do { db = try PostGISDatabase(connection: o.to) } catch { throw PipelineError.output(path: target, message: "\(error)") }
        defer { db.close() }
        var written: [(String, Int)] = []
        do {
            guard try db.query("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").first != nil else {
                throw PipelineError.output(path: target, message: "the PostGIS extension is not installed in this database (CREATE EXTENSION postgis)")
            }
            let S = PostGISDatabase.identifier(schema)
            try db.begin()
            // One publisher per city at a time (the lock ends with the transaction).
            try db.execute("SELECT pg_advisory_xact_lock(hashtext(\(PostGISDatabase.literal("cimbase.publish:" + schema))))")
            try db.execute("CREATE SCHEMA IF NOT EXISTS \(S)")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS \(S).publish_log (city text NOT NULL, year integer NOT NULL, published_at timestamptz NOT NULL,
                source_dir text NOT NULL, inputs_hash text, tables text NOT NULL, rows bigint NOT NULL, PRIMARY KEY (city, year))
                """)
            var srid: [String: Int] = [:]
            for it in items {
                step("publish: \(it.table)", progress)
                let layer: VectorLayer
                do { layer = try VectorLayer.open(it.path, layer: it.layer) } catch { throw PipelineError.input(file: it.path, layer: it.layer, message: "\(error)") }
                var geomSQL: String? = nil
                if let gt = layer.postgisGeometryType {
                    var code = 0
                    if let srs = layer.spatialReference {
                        let key = srs.authorityCode ?? srs.wkt
                        if let c = srid[key] { code = c } else { code = try db.srid(for: srs); srid[key] = code }
                    }
                    geomSQL = "geometry(\(gt),\(code))"
                }
                try ensureParent(db, schema: schema, item: it, fields: layer.fields, geometry: geomSQL)
                let stage = "_stage_\(it.table)_\(year)"
                let part = "\(it.table)_\(year)"
                let ST = "\(S).\(PostGISDatabase.identifier(stage))"
                try db.execute("CREATE TABLE \(ST) (LIKE \(S).\(PostGISDatabase.identifier(it.table)) INCLUDING DEFAULTS)")
                // Reals travel as exact text (see PostGISDatabase.copy): text while the driver reads the columns,
                // double precision again before the first row.
                let reals = layer.fields.filter { $0.type == .real }.map { PostGISDatabase.identifier($0.name) }
                if !reals.isEmpty { try db.execute("ALTER TABLE \(ST) " + reals.map { "ALTER COLUMN \($0) TYPE text" }.joined(separator: ", ")) }
                let restore = { if !reals.isEmpty { try db.execute("ALTER TABLE \(ST) " + reals.map { "ALTER COLUMN \($0) TYPE double precision USING \($0)::double precision" }.joined(separator: ", ")) } }
                let constants: [(String, FieldValue)] = it.keyed ? [("city", .string(city)), ("year", .int(Int64(year)))] : [("year", .int(Int64(year)))]
                let total = max(layer.featureCount, 1)
                let n = try db.copy(from: layer, into: "\(schema).\(stage)", constants: constants, fidColumn: it.keyed ? nil : "fid", beforeWrite: restore) { progress.update($0, of: total) }
                if it.keyed {
                    let bad = try db.query("SELECT count(*) FROM \(S).\(PostGISDatabase.identifier(stage)) WHERE year <> \(year) OR city <> \(PostGISDatabase.literal(city))")
                    if let c = bad.first?[0].flatMap({ Int($0) }), c > 0 {
                        throw PipelineError.input(file: it.path, layer: it.layer, message: "\(c) rows are not of city \(city), year \(year)")
                    }
                }
                try swap(db, schema: schema, parent: it.table, stage: stage, partition: part, year: year)
                written.append((it.table, n))
                progress.end()
            }
            // A re-run of a year replaces all of that year: partitions of this year in tables not written now go.
            let done = Set(written.map(\.0))
            let rows = try db.query("""
                SELECT p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = \(PostGISDatabase.literal(schema)) AND c.relname = p.relname || '_\(year)'
                """)
            for r in rows { if let p = r[0], !done.contains(p) { try db.execute("DROP TABLE \(S).\(PostGISDatabase.identifier("\(p)_\(year)"))") } }
            let hash = try? IndicatorTable.read(at: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("indicators.csv"))).rows.first?.inputsHash
            let total = written.reduce(0) { $0 + $1.1 }
            try db.execute("DELETE FROM \(S).publish_log WHERE city = \(PostGISDatabase.literal(city)) AND year = \(year)")
            try db.execute("""
                INSERT INTO \(S).publish_log VALUES (\(PostGISDatabase.literal(city)), \(year), now(), \(PostGISDatabase.literal(URL(fileURLWithPath: dir).standardizedFileURL.path)),
                \(hash.map { PostGISDatabase.literal($0) } ?? "NULL"), \(PostGISDatabase.literal(written.map { "\($0.0):\($0.1)" }.joined(separator: ","))), \(total))
                """)
            step("publish: commit", progress)
            try db.commit()
            progress.end()
        } catch let e as PipelineError {
            db.rollback()
            progress.end()
            throw e
        } catch {
            db.rollback()
            progress.end()
            throw PipelineError.output(path: target, message: "\(error)")
        }
        return Result(schema: schema, city: city, year: year, tables: written, seconds: Date().timeIntervalSince(t0), target: target)
    }

    /// `CIMBASE_TEST_HOLD_AT=<step>` (tests only): the publish stops for 120 s right after announcing that step, inside
    /// its transaction, so that a test can kill it at a known point instead of racing it.
    static let holdAt = ProcessInfo.processInfo.environment["CIMBASE_TEST_HOLD_AT"]

    static func step(_ name: String, _ progress: Progress) {
        progress.begin(name)
        if holdAt == name { Thread.sleep(forTimeInterval: 120) }
    }

    /// Creates the partitioned parent of a table when missing; adds columns a new year brings; refuses a column whose
    /// type or a geometry whose type/SRID differs from what the table has.
    static func ensureParent(_ db: PostGISDatabase, schema: String, item: Item, fields: [FieldInfo], geometry: String?) throws {
        let S = PostGISDatabase.identifier(schema), T = PostGISDatabase.identifier(item.table)
        let lead: [(String, String)] = item.keyed ? [("city", "text"), ("year", "integer")] : [("year", "integer"), ("fid", "bigint")]
        let leadNames = Set(lead.map(\.0))
        let cols = lead + fields.filter { !leadNames.contains($0.name) }.map { ($0.name, sqlType($0.type)) } + (geometry.map { [("geom", $0)] } ?? [])
        let existing = try db.query("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(PostGISDatabase.literal(schema)) AND c.relname = \(PostGISDatabase.literal(item.table))
            AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """)
        if existing.isEmpty {
            let key = item.keyed ? "city, year, zone_id, indicator" : "year, fid"
            var defs = cols.map { "\(PostGISDatabase.identifier($0.0)) \($0.1)\(["city", "year", "fid", "zone_id", "indicator"].contains($0.0) ? " NOT NULL" : "")" }
            defs.append("PRIMARY KEY (\(key))")
            try db.execute("CREATE TABLE \(S).\(T) (\(defs.joined(separator: ", "))) PARTITION BY LIST (year)")
            if geometry != nil { try db.execute("CREATE INDEX \(PostGISDatabase.identifier(item.table + "_geom_idx")) ON \(S).\(T) USING GIST (geom)") }
            return
        }
        var have: [String: String] = [:]
        for r in existing { if let n = r[0], let t = r[1] { have[n] = t } }
        for (name, type) in cols {
            if let t = have[name] {
                if t.lowercased() != type.lowercased() {
                    throw PipelineError.input(file: item.path, layer: item.layer,
                                              message: "column \(name) is \(type) here but \(t) in \(schema).\(item.table) (earlier years): publish into another schema or rename the field")
                }
            } else {
                try db.execute("ALTER TABLE \(S).\(T) ADD COLUMN \(PostGISDatabase.identifier(name)) \(type)")
            }
        }
    }

    /// Replaces partition `partition` of `parent` by the loaded staging table.
    static func swap(_ db: PostGISDatabase, schema: String, parent: String, stage: String, partition: String, year: Int) throws {
        let S = PostGISDatabase.identifier(schema), P = PostGISDatabase.identifier(parent), Q = PostGISDatabase.identifier(partition)
        let old = try db.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(PostGISDatabase.literal(schema)) AND c.relname = \(PostGISDatabase.literal(partition))")
        if !old.isEmpty {
            try db.execute("ALTER TABLE \(S).\(P) DETACH PARTITION \(S).\(Q)")
            try db.execute("DROP TABLE \(S).\(Q)")
        }
        try db.execute("ALTER TABLE \(S).\(PostGISDatabase.identifier(stage)) RENAME TO \(Q)")
        try db.execute("ALTER TABLE \(S).\(P) ATTACH PARTITION \(S).\(Q) FOR VALUES IN (\(year))")
    }
}

/// `publish:` of city.yaml: where `cimbase publish` (and `cimbase run`, after scoring) writes the run.
public struct PublishTarget: Sendable, Equatable {
    /// Connection string (`PG:…`; prefer `PG:service=…` or libpq's environment variables to a password in the file).
    public var to: String
    /// Schema; nil: the city's name as an identifier.
    public var schema: String?

    public init(to: String, schema: String? = nil) { self.to = to; self.schema = schema }

    /// Reads `publish: {to: "PG:…", schema: name}`.
    /// `allowSchema: false` for the batch file (one schema per city: each city's name, or its config's `publish.schema`).
    static func read(_ n: Node, _ r: ConfigReader, key: String, allowSchema: Bool = true) throws(ConfigError) -> PublishTarget {
        var t = PublishTarget(to: "")
        var sawTo = false
        for e in try r.entries(n, key, allowed: allowSchema ? ["to", "schema"] : ["to"]) {
            switch e.name {
            case "to":
                t.to = try r.text(e.value, e.path, nonEmpty: true)
                guard PGConnectionString.isPostgres(t.to) else { throw r.fail(e.path, e.value, "must be a PostgreSQL connection string starting with PG: (e.g. \"PG:service=cimbase\")") }
                sawTo = true
            default:
                let s = try r.text(e.value, e.path, nonEmpty: true)
                do { try PublishStage.checkSchema(s, key: e.path) } catch { throw r.fail(e.path, e.value, "schema name '\(s)' must be 1–63 lower-case ASCII letters, digits or _, not start with a digit or pg_") }
                t.schema = s
            }
        }
        guard sawTo else { throw r.fail(key, n, "missing required key 'to'") }
        return t
    }
}
