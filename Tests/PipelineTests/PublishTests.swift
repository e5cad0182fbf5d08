import CityModel
import Foundation
import GeoBridge
import Scoring
import Testing
import TestSupport
@testable import Pipeline

/// A PostgreSQL + PostGIS server for the publish tests: `CIMBASE_TEST_PG` (set by .ci/run, which starts one with
/// scripts/pg_test_server.sh). Without it the tests that need a server are skipped with this reason.
enum PGServer {
    static let connection: String? = {
        guard let c = ProcessInfo.processInfo.environment["CIMBASE_TEST_PG"], !c.isEmpty else { return nil }
        guard let db = try? PostGISDatabase(connection: c), (try? db.query("SELECT extversion FROM pg_extension WHERE extname = 'postgis'"))?.first != nil else {
            print("skipped: CIMBASE_TEST_PG is set but no PostGIS database answers at \(PGConnectionString.mask(c))")
            return nil
        }
        return c
    }()
    static var available: Bool { connection != nil }
    static let reason: Comment = "needs a PostgreSQL server with PostGIS: set CIMBASE_TEST_PG=\"PG:host=127.0.0.1 port=… dbname=… user=…\" (.ci/run starts one with scripts/pg_test_server.sh)"

    /// A fresh schema name for one test (dropped first if a previous run left it).
    static func schema(_ name: String) throws -> String {
        let s = "t_" + name.lowercased().filter { $0.isLetter || $0.isNumber } + "_\(getpid())"
        let db = try PostGISDatabase(connection: connection!)
        try db.execute("DROP SCHEMA IF EXISTS \(s) CASCADE")
        return s
    }

    static func query(_ sql: String) throws -> [[String?]] { try PostGISDatabase(connection: connection!).query(sql) }
    static func count(_ sql: String) throws -> Int { Int(try query(sql).first?[0] ?? "") ?? -1 }
}

/// One finished synthetic run (1,500 buildings) shared by the publish tests, made once.
enum PublishFixture {
    static let run: String = {
        let dir = temporaryFolder("cimbase-publish", "fixture")
        try! SynthStage.run(buildings: 1500, seed: 11, outDir: dir, progress: Progress(quiet: true, summary: { _ in }))
        let cfg = try! CityConfig.load(path: dir + "/city.yaml")
        try! Stages.runAll(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true, summary: { _ in }))
        return dir
    }()
    static var out: String { run + "/out" }
    static var year: Int { try! CityConfig.load(path: run + "/city.yaml").year }
}

@Suite struct PublishUnitTests {
    @Test func passwordsAreMasked() {
        let cases: [(String, String)] = [
            ("PG:host=db dbname=x user=u password=s3cret", "PG:host=db dbname=x user=u password=***"),
            ("PG:password = 's3 cr\\'et' host=db", "PG:password = *** host=db"),
            ("PG:host=db PASSWORD=s3cret port=5", "PG:host=db PASSWORD=*** port=5"),
            ("postgresql://u:s3cret@db:5432/x", "postgresql://u:***@db:5432/x"),
            ("postgresql://db/x?user=u&password=s3cret", "postgresql://db/x?user=u&password=***"),
            ("PG:service=cimbase", "PG:service=cimbase"),
            ("error: cannot connect to PG:dbname=x password=s3cret: timeout", "error: cannot connect to PG:dbname=x password=*** timeout"),
        ]
        for (raw, masked) in cases {
            #expect(PGConnectionString.mask(raw) == masked)
            #expect(!PGConnectionString.mask(raw).contains("s3"), "\(raw)")
        }
        // Errors carry masked text whatever path they take.
        let e = GeoBridgeError.gdal(function: "GDALOpenEx", code: 4, message: "cannot open PG:dbname=x password=s3cret")
        #expect(!"\(e)".contains("s3cret") && "\(e)".contains("password=***"))
        let p = PipelineError.input(file: "PG:dbname=x password=s3cret", layer: "buildings", message: "no such table")
        #expect(!"\(p)".contains("s3cret"))
    }

    @Test func schemaNames() throws {
        #expect(PublishStage.schemaName(city: "Synthetic city (seed 11, 2000 buildings)") == "synthetic_city_seed_11_2000_buildings")
        #expect(PublishStage.schemaName(city: "赣州") == "u8d63u5dde")
        #expect(PublishStage.schemaName(city: "2024 Town") == "c2024_town")
        #expect(PublishStage.schemaName(city: String(repeating: "城", count: 40)).utf8.count <= 63)
        #expect(throws: PipelineError.self) { try PublishStage.checkSchema("drop table x;", key: "--schema") }
        #expect(throws: PipelineError.self) { try PublishStage.checkSchema("pg_catalog", key: "--schema") }
        #expect(throws: PipelineError.self) { try PublishStage.checkSchema("Ganzhou", key: "--schema") }
        try PublishStage.checkSchema("ganzhou_2", key: "--schema")
    }

    @Test func publishConfigKey() throws {
        let ok = try CityConfig.parse("city: A\nyear: 2024\nlayers: {buildings: {source: b.gpkg}}\npublish: {to: \"PG:service=cimbase\", schema: city_a}\n", file: "c.yaml", baseDirectory: "/tmp")
        #expect(ok.publish == PublishTarget(to: "PG:service=cimbase", schema: "city_a"))
        for (bad, msg) in [("publish: {to: out.gpkg}", "publish.to"), ("publish: {schema: a}", "publish"), ("publish: {to: \"PG:x\", colour: 1}", "colour"),
                           ("publish: {to: \"PG:x\", schema: \"1a\"}", "publish.schema")] {
            #expect { _ = try CityConfig.parse("city: A\nyear: 2024\nlayers: {buildings: {source: b.gpkg}}\n" + bad + "\n", file: "c.yaml", baseDirectory: "/tmp") } throws: { e in
                "\(e)".contains("c.yaml:4") && "\(e)".contains(msg)
            }
        }
    }

    @Test func missingBaseLayerIsAnErrorNamingTheFile() throws {
        let dir = tempDir()
        #expect { _ = try PublishStage.run(dir: dir, options: .init(to: "PG:dbname=none password=s3cret", city: "A", year: 2024), progress: Progress(quiet: true)) } throws: { e in
            "\(e)".contains("\(dir)/base.gpkg") && !"\(e)".contains("s3cret")
        }
    }

    @Test func unreachableServerErrorHasNoPassword() throws {
        let dir = tempDir()
        try FileManager.default.copyItem(atPath: PublishFixture.out + "/base.gpkg", toPath: dir + "/base.gpkg")
        #expect { _ = try PublishStage.run(dir: dir, options: .init(to: "PG:host=127.0.0.1 port=1 dbname=x user=u password=s3cret connect_timeout=2", city: "A", year: 2024), progress: Progress(quiet: true)) } throws: { e in
            "\(e)".contains("password=***") && !"\(e)".contains("s3cret")
        }
    }
}

@Suite(.enabled(if: PGServer.available, PGServer.reason)) struct PublishTests {
    func publish(_ dir: String, schema: String, year: Int? = nil, city: String? = nil) throws -> PublishStage.Result {
        try PublishStage.run(dir: dir, options: .init(to: PGServer.connection!, schema: schema, city: city, year: year), progress: Progress(quiet: true, summary: { _ in }))
    }

    /// Every base layer, the walk access table and the indicator rows come back equal: counts, every attribute value,
    /// geometries coordinate for coordinate (COPY carries doubles losslessly; the bound 1e-9 m is checked).
    @Test func roundTripIsExact() throws {
        let s = try PGServer.schema("roundtrip")
        let year = PublishFixture.year
        let r = try publish(PublishFixture.out, schema: s)
        #expect(r.year == year)
        let pg = try VectorDataset(path: PGServer.connection!)
        for (file, layer, table) in BaseLayerIO.written.map({ ("base.gpkg", $0.rawValue, $0.rawValue) }) + [("walk.gpkg", "access", "walk_access"), ("indicators.gpkg", "pipe_gaps", "pipe_gaps")] {
            let src = try VectorDataset(path: PublishFixture.out + "/" + file).layer(layer)
            var want: [Int64: ([FieldValue], Geometry?)] = [:]
            let fields = src.fields
            try src.forEach { f in want[f.fid] = (fields.indices.map { f.value($0) }, try f.geometry()) }
            let dst = try pg.layer("\(s).\(table)_\(year)")
            var seen = 0
            try dst.forEach { f in
                seen += 1
                #expect(f.value("year") == .int(Int64(year)))
                guard let fid = f.value("fid").int, let (values, geom) = want[fid] else { Issue.record("\(table): row with unknown fid"); return }
                for (i, fd) in fields.enumerated() {
                    let got = f.value(fd.name)
                    if case .real(let a) = values[i], case .real(let b) = got { #expect(a == b, "\(table).\(fd.name) fid \(fid)") } else {
                        #expect(got == values[i], "\(table).\(fd.name) fid \(fid)")
                    }
                }
                let g = try f.geometry()
                #expect(g == geom, "\(table) fid \(fid) geometry")
                if let g, let geom { #expect(maxCoordinateDifference(g, geom) <= 1e-9) }
            }
            #expect(seen == want.count, "\(table): \(seen) rows, \(want.count) in \(file)")
        }
        // The indicator table: keyed rows, values as in indicators.csv.
        let table = try IndicatorTable.read(at: URL(fileURLWithPath: PublishFixture.out + "/indicators.csv"))
        let rows = try PGServer.query("SELECT zone_id, indicator, value::text FROM \(s).indicators WHERE year = \(year) ORDER BY zone_id, indicator")
        #expect(rows.count == table.rows.count)
        var byKey: [String: String?] = [:]
        for r in rows { byKey[(r[0] ?? "") + "|" + (r[1] ?? "")] = r[2] }
        for row in table.rows {
            let got = byKey[row.zoneID + "|" + row.indicator]
            #expect(got != nil, "\(row.zoneID) \(row.indicator)")
            let value: Double? = (got ?? nil).flatMap { Double($0) }
            #expect(value == row.value, "\(row.zoneID) \(row.indicator)")
        }
        // The score table and the log.
        #expect(try PGServer.count("SELECT count(*) FROM \(s).scores WHERE year = \(year)") == (try CSV.parse(try String(contentsOfFile: PublishFixture.out + "/score.csv", encoding: .utf8), source: "score.csv")).count - 1)
        #expect(try PGServer.count("SELECT count(*) FROM \(s).publish_log") == 1)
        // Keys, index and column types as documented.
        let pk = try PGServer.query("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '\(s).indicators'::regclass AND contype = 'p'")
        #expect(pk.first?[0] == "PRIMARY KEY (city, year, zone_id, indicator)")
        let types = try PGServer.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '\(s)' AND table_name = 'buildings' ORDER BY ordinal_position")
        let map = Dictionary(uniqueKeysWithValues: types.map { ($0[0]!, $0[1]!) })
        #expect(map["year"] == "integer" && map["id"] == "bigint" && map["height_m"] == "double precision" && map["use"] == "text" && map["floors"] == "integer")
        #expect(try PGServer.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '\(s)' AND tablename = 'buildings_\(year)' AND indexdef LIKE '%gist%'") == 1)
    }

    /// `source: "PG:…"` reads the published base layer back: ingesting it gives the same counts and, run through the
    /// indicators, the same indicator values as the original run.
    @Test func ingestFromPostGISGivesTheSameIndicators() throws {
        let s = try PGServer.schema("readback")
        let year = PublishFixture.year
        _ = try publish(PublishFixture.out, schema: s)
        let src = PGServer.connection!.replacingOccurrences(of: "\"", with: "\\\"")
        func l(_ t: String, _ extra: String = "") -> String { "{source: \"\(src)\", layer: \(s).\(t), where: \"year = \(year)\"\(extra)}" }
        let original = try CityConfig.load(path: PublishFixture.run + "/city.yaml")
        let yaml = """
            city: \(original.city)
            year: \(year)
            crs: \(original.crs)
            layers:
              buildings: \(l("buildings", ", height: height_m, floors: floors, use: use, year_built: year_built, residents: residents, id: source_id"))
              roads: \(l("roads", ", highway: highway, name: name, id: source_id"))
              facilities: \(l("facilities", ", category: category, name: name, id: source_id"))
              green: \(l("green", ", kind: kind, name: name, id: source_id"))
              water: \(l("water", ", kind: kind, id: source_id"))
              pipes: \(l("pipes", ", kind: kind, id: source_id"))
              population: \(l("population", ", value: population"))
              zones: \(l("zones", ", id: zone_id, name: zone_name, level: level"))
              boundary: \(l("boundary"))

            """
        let dir = tempDir()
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        let cfg = try CityConfig.load(path: dir + "/city.yaml")
        let progress = Progress(quiet: true, summary: { _ in })
        let (base, _) = try Ingest.run(config: cfg, outDir: dir + "/out", progress: progress)
        let before = try BaseLayerIO.read(path: PublishFixture.out + "/base.gpkg")
        #expect(base.buildings.count == before.buildings.count)
        #expect(base.roads.count == before.roads.count)
        #expect(base.facilities.count == before.facilities.count)
        #expect(base.green.count == before.green.count)
        #expect(base.pipes.count == before.pipes.count)
        #expect(base.population.count == before.population.count)
        #expect(base.zones.count == before.zones.count)
        #expect(base.buildings.map(\.heightM).reduce(0, +) == before.buildings.map(\.heightM).reduce(0, +))
        let walk = try WalkStage.run(config: cfg, base: base, outDir: dir + "/out", progress: progress)
        let ind = try Stages.indicators(config: cfg, base: base, walk: walk?.access, fireDrive: walk?.fireDrive, outDir: dir + "/out", progress: progress)
        let want = try IndicatorTable.read(at: URL(fileURLWithPath: PublishFixture.out + "/indicators.csv"))
        var got: [String: Double?] = [:]
        for r in ind.table.rows { got[r.zoneID + "|" + r.indicator] = r.value }
        #expect(ind.table.rows.count == want.rows.count)
        for r in want.rows {
            guard let g = got[r.zoneID + "|" + r.indicator] else { Issue.record("missing \(r.zoneID) \(r.indicator)"); continue }
            switch (g, r.value) {
            case (nil, nil): break
            case let (a?, b?): #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(r.zoneID) \(r.indicator): \(a) vs \(b)")
            default: Issue.record("\(r.zoneID) \(r.indicator): \(String(describing: g)) vs \(String(describing: r.value))")
            }
        }
    }

    /// Years add history; a re-run of a year replaces that year's rows only (also with different content), in every
    /// table, and the log has one row per year.
    @Test func rerunReplacesOnlyThatYear() throws {
        let s = try PGServer.schema("rerun")
        let small = tempDir() + "/small"
        try SynthStage.run(buildings: 300, seed: 4, outDir: small, progress: Progress(quiet: true, summary: { _ in }))
        _ = try Ingest.run(config: try CityConfig.load(path: small + "/city.yaml"), outDir: small + "/out", progress: Progress(quiet: true, summary: { _ in }))
        let full = try BaseLayerIO.read(path: PublishFixture.out + "/base.gpkg").buildings.count
        let few = try BaseLayerIO.read(path: small + "/out/base.gpkg").buildings.count
        #expect(few < full)
        _ = try publish(PublishFixture.out, schema: s, year: 2024)
        _ = try publish(PublishFixture.out, schema: s, year: 2025)
        func counts() throws -> [String: Int] {
            var c: [String: Int] = [:]
            for r in try PGServer.query("SELECT year, count(*) FROM \(s).buildings GROUP BY year") { c[r[0]!] = Int(r[1]!) }
            return c
        }
        #expect(try counts() == ["2024": full, "2025": full])
        let ind2024 = try PGServer.count("SELECT count(*) FROM \(s).indicators WHERE year = 2024")
        #expect(ind2024 > 0)
        // The same year again: no duplicates.
        _ = try publish(PublishFixture.out, schema: s, year: 2025)
        #expect(try counts() == ["2024": full, "2025": full])
        // 2025 again from a folder with fewer buildings and no indicators: 2025 is that folder, 2024 unchanged.
        _ = try publish(small + "/out", schema: s, year: 2025, city: try CityConfig.load(path: PublishFixture.run + "/city.yaml").city)
        #expect(try counts() == ["2024": full, "2025": few])
        #expect(try PGServer.count("SELECT count(*) FROM \(s).indicators WHERE year = 2025") == 0)
        #expect(try PGServer.count("SELECT count(*) FROM \(s).indicators WHERE year = 2024") == ind2024)
        #expect(try PGServer.count("SELECT count(*) FROM \(s).publish_log") == 2)
    }

    /// SIGKILL in the middle of a publish (at the first table, after the buildings went into their staging table, at
    /// the last table, and just before COMMIT): the previous year is intact, the new year is not there at all, and no
    /// staging table is left.
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func killedPublishLeavesThePreviousState() throws {
        let cli = try #require(Paths.cli)
        let s = try PGServer.schema("killed")
        _ = try publish(PublishFixture.out, schema: s, year: 2024)
        func snapshot() throws -> [[String?]] {
            try PGServer.query("SELECT c.relname, c.reltuples::bigint, (SELECT count(*) FROM \(s).buildings) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '\(s)' ORDER BY 1")
        }
        let before = try snapshot()
        for step in ["publish: buildings", "publish: walk_access", "publish: scores", "publish: commit"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: cli)
            p.arguments = ["publish", PublishFixture.out, "--to", PGServer.connection!, "--schema", s, "--year", "2025"]
            var env = ProcessInfo.processInfo.environment; env["CIMBASE_PROGRESS"] = "lines"
            // The publisher waits at that step (inside its transaction) until it is killed: no race with its speed.
            env["CIMBASE_TEST_HOLD_AT"] = step
            p.environment = env
            let err = Pipe()
            p.standardError = err; p.standardOutput = FileHandle.nullDevice
            try p.run()
            var seen = "", killed = false
            while !killed {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
                if seen.contains("progress: \(step)\n") { kill(p.processIdentifier, SIGKILL); killed = true }
            }
            p.waitUntilExit()
            #expect(killed, "step \(step) seen before the end (\(seen.suffix(200)))")
            #expect(try snapshot() == before, "killed at \(step)")
            #expect(try PGServer.count("SELECT count(*) FROM \(s).buildings WHERE year = 2025") == 0)
            #expect(try PGServer.count("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '\(s)' AND c.relname LIKE '%stage%'") == 0)
        }
        // The server let go of the killed sessions' locks: the next publish goes through.
        _ = try publish(PublishFixture.out, schema: s, year: 2025)
        #expect(try PGServer.count("SELECT count(*) FROM \(s).buildings WHERE year = 2025") == (try PGServer.count("SELECT count(*) FROM \(s).buildings WHERE year = 2024")))
    }

    /// Two cities publishing at the same time (two connections, two schemas) both land whole; two publishes of the
    /// same city and year at once serialise on the schema lock and leave one copy.
    @Test func concurrentPublishesDoNotInterfere() throws {
        let a = try PGServer.schema("cityA"), b = try PGServer.schema("cityB")
        let want = try BaseLayerIO.read(path: PublishFixture.out + "/base.gpkg").buildings.count
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do { _ = try publish(PublishFixture.out, schema: i % 2 == 0 ? a : b, year: 2030); results.add(nil) } catch { results.add("\(error)") }
        }
        #expect(results.errors.isEmpty, "\(results.errors)")
        for s in [a, b] {
            #expect(try PGServer.count("SELECT count(*) FROM \(s).buildings WHERE year = 2030") == want)
            #expect(try PGServer.count("SELECT count(DISTINCT fid) FROM \(s).buildings WHERE year = 2030") == want)
        }
    }

    /// The CLI: the password of --to appears nowhere in what it prints, on success or on failure.
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func cliNeverPrintsThePassword() throws {
        let cli = try #require(Paths.cli)
        let s = try PGServer.schema("masked")
        let secret = "Zq9secretpw"
        // Loopback trust authentication ignores the password, so the publish succeeds with it in the string.
        let good = try runChildProcess(cli, ["publish", PublishFixture.out, "--to", PGServer.connection! + " password=\(secret)", "--schema", s],
                                       environment: ProcessInfo.processInfo.environment.merging(["CIMBASE_PROGRESS": "lines"]) { $1 })
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("password=***"))
        #expect(!(good.stdout + good.stderr).contains(secret))
        let log = try PGServer.query("SELECT * FROM \(s).publish_log")
        #expect(!log.flatMap { $0 }.compactMap { $0 }.joined().contains(secret))
        let bad = try runChildProcess(cli, ["publish", PublishFixture.out, "--to", "PG:host=127.0.0.1 port=1 dbname=x connect_timeout=2 password=\(secret)", "--schema", s])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("error: ") && bad.stderr.contains("password=***"))
        #expect(!(bad.stdout + bad.stderr).contains(secret))
    }
}

extension PublishTests {
    /// The README's way without a password on the command line: a libpq service file (PGSERVICEFILE) and
    /// `--to PG:service=NAME`, and libpq's PG* environment variables with a bare `--to PG:`.
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func serviceFileAndEnvironment() throws {
        let cli = try #require(Paths.cli)
        let s = try PGServer.schema("service")
        var pairs: [String: String] = [:]
        for kv in PGServer.connection!.dropFirst(3).split(separator: " ") {
            let p = kv.split(separator: "=", maxSplits: 1).map(String.init)
            if p.count == 2 { pairs[p[0]] = p[1] }
        }
        let dir = tempDir()
        try ("[cimtest]\n" + pairs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/pg_service.conf", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["PGSERVICEFILE"] = dir + "/pg_service.conf"
        let r = try runChildProcess(cli, ["publish", PublishFixture.out, "--to", "PG:service=cimtest", "--schema", s, "--year", "2031"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        env["PGSERVICEFILE"] = nil
        for (k, v) in ["host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER"] { env[v] = pairs[k] }
        let e = try runChildProcess(cli, ["publish", PublishFixture.out, "--to", "PG:", "--schema", s, "--year", "2032"], environment: env)
        #expect(e.status == 0, "\(e.stderr)")
        #expect(try PGServer.count("SELECT count(DISTINCT year) FROM \(s).buildings") == 2)
    }
}

extension PublishTests {
    /// `publish:` in the batch file: every finished city lands in its own schema; one city's config names its own
    /// schema (and is published by its own run).
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func batchPublishesEveryCity() throws {
        let cli = try #require(Paths.cli)
        let dir = tempDir()
        let tag = "\(getpid())"
        for c in ["a", "b"] {
            try SynthStage.run(buildings: 300, seed: 40, outDir: "\(dir)/\(c)", progress: Progress(quiet: true, summary: { _ in }))
            let yaml = "\(dir)/\(c)/city.yaml"
            var text = try String(contentsOfFile: yaml, encoding: .utf8)
                .replacingOccurrences(of: #"Synthetic city \(seed \d+, 300 buildings\)"#, with: "Batch city \(c) \(tag)", options: .regularExpression)
            if c == "b" { text += "publish: {to: \"\(PGServer.connection!)\", schema: t_batch_own_\(tag)}\n" }
            try text.write(toFile: yaml, atomically: true, encoding: .utf8)
        }
        let a = PublishStage.schemaName(city: "Batch city a \(tag)")
        try PostGISDatabase(connection: PGServer.connection!).execute("DROP SCHEMA IF EXISTS \(a) CASCADE; DROP SCHEMA IF EXISTS t_batch_own_\(tag) CASCADE")
        try "province: P\njobs: 2\ncities: [a, b]\npublish: {to: \"\(PGServer.connection!)\"}\n".write(toFile: "\(dir)/province.yaml", atomically: true, encoding: .utf8)
        let r = try runChildProcess(cli, ["batch", "\(dir)/province.yaml", "--out", "\(dir)/out", "--quiet"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let n = try BaseLayerIO.read(path: "\(dir)/out/a/base.gpkg").buildings.count
        #expect(try PGServer.count("SELECT count(*) FROM \(a).buildings") == n)
        #expect(try PGServer.count("SELECT count(*) FROM t_batch_own_\(tag).buildings") == n)
        // A schema in the batch file is refused: one schema per city.
        try "province: P\ncities: [a]\npublish: {to: \"PG:x\", schema: s}\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { _ = try BatchStage.plan(path: "\(dir)/bad.yaml", outDir: dir) }
    }
}

/// Errors collected from concurrent work.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ e: String?) { lock.lock(); if let e { list.append(e) }; lock.unlock() }
    var errors: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

/// The largest difference between corresponding coordinates of two geometries with the same number of points
/// (∞ when the point counts differ).
func maxCoordinateDifference(_ a: Geometry, _ b: Geometry) -> Double {
    let pa = a.allPoints, pb = b.allPoints
    guard pa.count == pb.count else { return .infinity }
    return zip(pa, pb).reduce(0) { max($0, abs($1.0.x - $1.1.x), abs($1.0.y - $1.1.y)) }
}
