import CityModel
import Foundation
@testable import Pipeline
import Testing

/// Every config value checked when the config is read (issue 13.6): the measured crashes and wrong acceptances are
/// errors naming the key and line; grid sizes are capped against the data's extent.
@Suite struct ConfigValidationTests {
    static let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"

    func error(_ extra: String) -> String {
        do { _ = try CityConfig.parse(Self.head + extra + "\n", file: "city.yaml"); return "no error" } catch { return "\(error)" }
    }

    @Test func measuredCrashesAndWrongAcceptancesAreErrors() {
        // Measured: SIGILL, SIGILL, SIGABRT before.
        #expect(error("walk: {k_nearest: 1e20}") == "city.yaml:5: walk.k_nearest: must be between 0 and 3, not 1e+20")
        #expect(error("indicators: {params: {dense_land_share: {cell_m: 0}}}") == "city.yaml:5: indicators.params.dense_land_share.cell_m: must be between 1 and 10000, not 0")
        #expect(error("walk: {grid_cell_m: 0.0001}") == "city.yaml:5: walk.grid_cell_m: must be 0 (no grids) or between 1 and 10000, not 0.0001")
        // Accepted but wrong before.
        #expect(error("walk: {entrance_spacing_m: 0}") == "city.yaml:5: walk.entrance_spacing_m: must be between 1 and 10000, not 0")
        #expect(error("ingest: {m2_per_resident: 0}") == "city.yaml:5: ingest.m2_per_resident: must be between 1 and 10000, not 0")
        #expect(error("indicators: {params: {green_cov: {no_such_param: 3}}}") == "city.yaml:5: indicators.params.green_cov.no_such_param: unknown parameter 'no_such_param': green_cov takes no parameters")
        #expect(error("indicators: {params: {park_service_cov: {small_radius: 3}}}").contains("indicators.params.park_service_cov.small_radius: unknown key 'small_radius' (allowed: large_park_m2, large_radius_m, small_park_m2, small_radius_m)"))
        #expect(error("indicators: {params: {no_such_indicator: {x: 1}}}").contains("indicators.params.no_such_indicator: unknown indicator 'no_such_indicator'"))
        #expect(error("indicators: {params: {walk_cov.park.500: {threshold_m: 400}}}").contains("walk coverage thresholds are set by walk.thresholds_m"))
        // A typo under score: is found when the config is read, before any stage.
        #expect(error("score: {defintion: x.yaml}").contains("city.yaml:5: score.defintion: unknown key 'defintion' (allowed: definition, non_spatial, previous)"))
    }

    @Test func numbersAreFiniteAndInRange() {
        for bad in [".nan", ".inf", "-.inf", "abc", "[1, 2]", "{a: 1}"] {
            #expect(error("walk: {max_snap_m: \(bad)}").contains("walk.max_snap_m: expected a finite number"), "\(bad)")
        }
        #expect(error("walk: {k_nearest: 1.5}").contains("walk.k_nearest: must be an integer"))
        #expect(error("walk: {k_nearest: -1}").contains("walk.k_nearest: must be between 0 and 3, not -1"))
        #expect(error("walk: {thresholds_m: [300, -5]}").contains("walk.thresholds_m[1]: must be > 0 and ≤ 50000, not -5"))
        #expect(error("walk: {stairs_penalty: 0.5}").contains("walk.stairs_penalty: must be between 1 and 100"))
        #expect(error("walk: {fire_minutes: 0}").contains("walk.fire_minutes: fire reach has one setting: indicators.params.fire_5min_cov.minutes"))
        #expect(error("walk: {node_crossings: maybe}").contains("walk.node_crossings: expected true or false"))
        #expect(error("tiles: {max_buildings_per_tile: 0}").contains("tiles.max_buildings_per_tile: must be between 1 and 1000000, not 0"))
        #expect(error("tiles: {geometric_error_scale: -1}").contains("tiles.geometric_error_scale: must be > 0 and ≤ 1000"))
        #expect(error("ingest: {floor_height_m: 1e300}").contains("ingest.floor_height_m: must be > 0 and ≤ 20"))
        #expect(error("ingest: {default_height_m: 50, max_height_m: 40}").contains("ingest.default_height_m: must not exceed ingest.max_height_m"))
        #expect(error("year: 2026").contains("year: key 'year' repeated"))
        #expect(error("walk: {k_nearest: 1, k_nearest: 2}").contains("walk.k_nearest: key 'k_nearest' repeated"))
        #expect(error("walk: {colour: 1}").contains("walk.colour: unknown key 'colour'"))
        #expect(error("walk: 3").contains("walk: expected a mapping"))
    }

    @Test func goodValuesAreTyped() throws {
        let c = try CityConfig.parse(Self.head + """
        ingest: {floor_height_m: 3.2, ground_height_m: 12}
        walk: {thresholds_m: [300, 800], k_nearest: 2, grid_cell_m: 0, entrance_spacing_m: 25, service_areas: false}
        indicators: {grid_cell_m: 20, params: {dense_land_share: {cell_m: 100}, pipe_gap_area: {distance_m: 50}}}
        tiles: {max_buildings_per_tile: 500, color_by_use: no}
        score: {definition: def.yaml, previous: [a.csv, b.csv], non_spatial: n.csv}
        """, file: "/x/city.yaml", baseDirectory: "/x")
        #expect(c.walk.thresholdsM == [300, 800] && c.walk.k == 2 && c.walk.gridCellM == 0 && c.walk.entranceSpacingM == 25 && c.walk.serviceAreas == false)
        #expect(c.indicators.gridCellM == 20)
        #expect(c.indicators.params == ["dense_land_share": ["cell_m": 100], "pipe_gap_area": ["distance_m": 50]])
        #expect(c.tiles.maxBuildingsPerTile == 500 && c.tiles.colorByUse == false && c.tiles.defaultGroundHeightM == 12)
        #expect(c.score.definition?.path == "/x/def.yaml" && c.score.previous.map(\.path) == ["/x/a.csv", "/x/b.csv"] && c.score.nonSpatial.map(\.path) == ["/x/n.csv"])
        // Defaults when a section is absent or empty.
        let d = try CityConfig.parse(Self.head + "walk:\nscore: ~\n", file: "city.yaml")
        #expect(d.walk == WalkStage.Options() && d.indicators == IndicatorOptions() && d.score.definition == nil)
        #expect(try CityConfig.parse(Self.head + "walk: {service_areas: auto}\n").walk.serviceAreas == true)   // traced areas are bounded: auto is on
        #expect(try CityConfig.parse(Self.head + "walk: {service_areas: yes}\n").walk.serviceAreas == true)
    }

    @Test func scoreFilesAreCheckedWhenTheConfigIsLoaded() throws {
        let dir = tempDir()
        try (Self.head + "score: {definition: nope.yaml}\n").write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try CityConfig.load(path: dir + "/city.yaml") }
        try "id: x\ndimensions: 3\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        try (Self.head + "score: {definition: bad.yaml}\n").write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        do { _ = try CityConfig.load(path: dir + "/city.yaml"); Issue.record("accepted") } catch {
            #expect("\(error)".contains("score.definition: ") && "\(error)".contains("bad.yaml"))
        }
        let shipped = Paths.root.appendingPathComponent("data/indicator-systems/default.yaml").path
        try (Self.head + "score: {definition: \(shipped), previous: [missing.csv]}\n").write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        do { _ = try CityConfig.load(path: dir + "/city.yaml"); Issue.record("accepted") } catch {
            #expect("\(error)".contains("score.previous: no such file") && "\(error)".contains("missing.csv"))
        }
    }

    static var cliBuilt: Bool { Paths.cli != nil }

    /// The README's config example (every key with its default) is a valid config.
    @Test func readmeExampleIsValid() throws {
        let readme = try String(contentsOf: Paths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## The city config").map { readme[$0.upperBound...] })
        let start = try #require(section.range(of: "```yaml\n"))
        let end = try #require(section[start.upperBound...].range(of: "```"))
        let c = try CityConfig.parse(String(section[start.upperBound..<end.lowerBound]), file: "README.md", baseDirectory: "/x")
        // The example shows the defaults: reading it gives the default options.
        #expect(c.walk == WalkStage.Options())
        #expect(c.ingest == IngestOptions())
        #expect(c.indicators.gridCellM == 10)
        #expect(c.score.definition?.path == "/x/my-system.yaml")
    }

    /// Measured before: a typo under score: was reported only after ingest, walk, indicators and tiles had run.
    @Test(.enabled(if: cliBuilt, "the cimbase binary is not built (swift build)"))
    func scoreTypoStopsTheRunBeforeIngest() throws {
        let dir = tempDir()
        let yaml = try String(contentsOfFile: Paths.helsinkiSample, encoding: .utf8)
            .replacingOccurrences(of: "osm: Helsinki.osm.pbf", with: "osm: \(Paths.helsinkiPBF)") + "score: {defintion: my.yaml}\n"
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        let (status, _, err) = try runProcess(Paths.cli!, ["run", dir + "/city.yaml", "--out", dir + "/out", "--quiet"])
        #expect(status == 1)
        #expect(err.hasPrefix("error: \(dir)/city.yaml:") && err.contains("score.defintion: unknown key 'defintion'"))
        #expect(err.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/base.gpkg"))
    }

    @Test func gridSizesAreCappedWithSizeAndMemory() throws {
        // 100 km × 50 km at 1 m: 5e9 cells.
        let ext = BBox(minX: 0, minY: 0, maxX: 100_000, maxY: 50_000)
        do {
            try GridBudget.check(key: "walk.grid_cell_m", cell: 1, extent: ext, bytesPerCell: 100, file: "city.yaml")
            Issue.record("accepted")
        } catch {
            let e = "\(error)"
            #expect(e.hasPrefix("city.yaml: walk.grid_cell_m: a 1 m cell over the data's 100.0 × 50.0 km would make a grid of 100000 × 50000 = 5e+09 cells needing about 465.7 GiB"))
            #expect(e.contains("the cap is 100,000,000 cells (use a cell of at least 8 m)"))
        }
        try GridBudget.check(key: "walk.grid_cell_m", cell: 8, extent: ext, bytesPerCell: 100, file: "city.yaml")
        // In the walk stage: a town with one building 2,000 km away.
        var base = WalkStageTests.town()
        base.buildings[2].footprint = MultiPolygon([Polygon([[Vec2(2e6, 2e6), Vec2(2e6 + 10, 2e6), Vec2(2e6 + 10, 2e6 + 10), Vec2(2e6, 2e6 + 10)]])])
        var cfg = CityConfig(city: "t", year: 2026)
        cfg.walk.gridCellM = 20
        #expect { try WalkStage.run(config: cfg, base: base, outDir: tempDir(), progress: Progress(quiet: true)) } throws: { e in
            "\(e)".contains("walk.grid_cell_m: a 20 m cell over the data's 2000.0 × 2000.0 km")
        }
    }

    @Test func batchFileIsCheckedToo() throws {
        let dir = tempDir()
        func plan(_ text: String) -> String {
            try? text.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
            do { _ = try BatchStage.plan(path: dir + "/p.yaml", outDir: dir + "/out"); return "ok" } catch { return "\(error)" }
        }
        #expect(plan("province: p\ncities: [a]\njobs: 1e20\n").contains("p.yaml:3: jobs: must be between 1 and 256"))
        #expect(plan("province: p\ncities: [a]\nscore: {defintion: x}\n").contains("score.defintion: unknown key"))
        #expect(plan("province: p\ncities: [a]\ncategories: {cfgtest_batchlabel: cfgtest_nothing}\n").contains("categories.cfgtest_batchlabel: unknown category 'cfgtest_nothing'"))
        #expect(plan("province: p\n").contains("cities: no cities listed"))
        #expect(plan("province: p\ncities: [a]\ncategories: {养老驿站: elderly_daycare}\n") == "ok")
        // A city picks up the batch file's categories (`cimbase run --categories province.yaml`, as batch does).
        let t = try CityConfig.categories(fromFile: dir + "/p.yaml")
        #expect(t.labels == ["养老驿站": "elderly_daycare"])
    }
}
