import CityModel
import Foundation
import GeoBridge
@testable import Pipeline
import Testing

@Suite struct OSMPresetTests {
    /// Counts made independently with an unfiltered `ogrinfo` dump of the PBF, e.g.
    /// `ogrinfo -ro -q Helsinki.osm.pbf multipolygons | grep '^  building (String) = ' | grep -vcE '= \(null\)|= no$'` → 494;
    /// roads: `ogrinfo -sql "SELECT COUNT(*) FROM lines WHERE highway IS NOT NULL AND highway NOT IN ('proposed',…)"` → 2467;
    /// pipelines: `… WHERE other_tags LIKE '%"man_made"=>"pipeline"%'` → 78; pharmacies (points) → 6, schools (ways) → 3.
    @Test func helsinkiSampleCounts() throws {
        let cfg = try CityConfig.load(path: Paths.helsinkiSample)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:32635")
        #expect(r.counts["buildings"]?.read == 494)
        #expect(r.counts["roads"]?.read == 2467)
        #expect(r.counts["pipes"]?.read == 78)
        for (_, c) in r.counts { #expect(c.accepted + c.rejected == c.read) }
        // 12 buildings are cut by the extract's edge to fewer than 3 distinct points.
        #expect(r.counts["buildings"]?.rejected == 12)
        #expect(base.rejects.filter { $0.layer == "buildings" }.allSatisfy { $0.reason.hasPrefix("degenerate polygon") })
        #expect(base.buildings.count == 482)
        #expect(r.facilityCategories["pharmacy"] == 6)
        #expect(r.facilityCategories["primary_school"] == 3)
        #expect(base.roads.allSatisfy { $0.line.points.count >= 2 })
        // Every building is in the UTM 35N box of the extract.
        let bb = base.buildings.reduce(BBox.empty) { $0.union($1.footprint.bbox) }
        #expect(bb.minX > 385_400 && bb.maxX < 386_500 && bb.minY > 6_671_400 && bb.maxY < 6_673_200)
        // Heights: 17 ways carry height, others fall back to levels or the default.
        #expect(base.buildings.contains { $0.heightSource == .measured })
        #expect(base.buildings.contains { $0.heightSource == .floors })
        #expect(base.buildings.contains { $0.heightSource == .default && $0.heightM == 9 })
        #expect(base.rejects.allSatisfy { $0.sourceFile.hasSuffix("Helsinki.osm.pbf") && !$0.sourceId.isEmpty && !$0.reason.isEmpty })
    }

    /// Reprojection and validation started during the OSM read (`IngestPrefetch`) give the same base layer, row for
    /// row, as the one-pass path; so does a prefetch whose provisional CRS turns out wrong (everything is then redone
    /// from the raw features), and one that assumes the final CRS from the start.
    @Test func prefetchGivesTheSameBaseLayer() throws {
        let cfg = try CityConfig.load(path: Paths.helsinkiSample)
        let (plain, r0) = try Ingest.build(config: cfg, progress: Progress(quiet: true), prefetch: false)
        #expect(r0.crs == "EPSG:32635")
        let expected = BaseLayerIO.tables(plain)
        #expect(expected.first { $0.name == "buildings" }?.rows.count == 482)
        for crs in [nil, "EPSG:32634", "EPSG:32635"] as [String?] {
            let (b, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true), prefetch: true, provisionalCRS: crs)
            #expect(r.crs == r0.crs && r.counts == r0.counts, "\(crs ?? "auto")")
            let got = BaseLayerIO.tables(b)
            #expect(got.map(\.name) == expected.map(\.name))
            for (x, y) in zip(got, expected) {
                #expect(x.fields == y.fields && x.rows == y.rows, "\(x.name), provisional CRS \(crs ?? "auto")")
            }
            #expect(b.rejects.map(\.reason) == plain.rejects.map(\.reason))
        }
    }

    /// `OSMPreset.Tags` behaves as the dictionary it replaces: the last value of a key wins, nil removes, absent keys
    /// read nil (checked against a Dictionary on random key sequences, with keys longer than a small string).
    @Test func tagsActAsADictionary() {
        var rng = SplitMix64(seed: 5)
        let keys = ["name", "building", "amenity", "building:levels", "addr:housenumber_and_more_than_15_bytes", "nom", "名称"]
        for _ in 0..<200 {
            var t = OSMPreset.Tags(), d: [String: String] = [:]
            for _ in 0..<Int(rng.next() % 12) {
                let k = keys[Int(rng.next() % UInt64(keys.count))]
                let v: String? = rng.next() % 5 == 0 ? nil : "v\(rng.next() % 3)"
                t[k] = v; d[k] = v
            }
            for k in keys + ["absent"] { #expect(t[k] == d[k]) }
            #expect(t.dictionary == d && t.count == d.count)
        }
    }

    /// A file GDAL opens with another driver is refused before any feature is used (the reader thread's open is
    /// the only one), with the driver named.
    @Test func notAnOSMFile() throws {
        let dir = tempDir()
        var t = FeatureTable(name: "x", geometryType: "Point", fields: [])
        t.append(.point(Vec2(1, 2)), [])
        let w = try GeoPackageWriter(path: dir + "/x.gpkg", crs: "EPSG:4326")
        try w.write(table: t); try w.commit()
        do { _ = try Ingest.build(config: CityConfig(city: "x", year: 2026, preset: "osm", osm: dir + "/x.gpkg"), progress: Progress(quiet: true))
            Issue.record("expected an error for a GeoPackage given as OSM")
        } catch let e as PipelineError {
            #expect("\(e)".contains("not an OSM file (opened by the GPKG driver)"), "\(e)")
        }
        try Data("not a file GDAL knows".utf8).write(to: URL(fileURLWithPath: dir + "/junk.txt"))
        do { _ = try Ingest.build(config: CityConfig(city: "x", year: 2026, preset: "osm", osm: dir + "/junk.txt"), progress: Progress(quiet: true))
            Issue.record("expected an error for a file GDAL cannot open")
        } catch let e as PipelineError {
            #expect("\(e)".contains("cannot open OSM file"), "\(e)")
        }
    }

    /// Monaco from ../shared (23k buildings). Independent counts (unfiltered ogrinfo dump as above): buildings 23,334,
    /// roads 2,899, pharmacies 23 (points), schools 15 (10 points + 5 ways).
    @Test(.enabled(if: Available.shared("monaco_osm/monaco.osm.pbf"), "needs ../shared/data/monaco_osm")) func monacoCounts() throws {
        let pbf = try #require(Paths.shared("monaco_osm/monaco.osm.pbf"))
        let cfg = CityConfig(city: "Monaco", year: 2026, preset: "osm", osm: pbf)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:32632")
        #expect(r.counts["buildings"]?.read == 23_334)
        #expect(r.counts["roads"]?.read == 2_899)
        #expect(r.facilityCategories["pharmacy"] == 23)
        #expect(r.facilityCategories["primary_school"] == 15)
        #expect(base.buildings.count + (r.counts["buildings"]?.rejected ?? 0) == 23_334)
    }

    @Test func otherTagsParsing() {
        let t = OSMPreset.parseOtherTags(#""building:levels"=>"5","name:fi"=>"Koulu \"A\"","height"=>"12 m""#)
        #expect(t.count == 3)
        #expect(t[0] == ("building:levels", "5"))
        #expect(t[1].1 == "Koulu \"A\"")
        #expect(parseMeasure(t[2].1) == 12)
        #expect(parseMeasure("40 ft")! - 12.192 < 1e-9)
        #expect(parseMeasure("3;4") == 3)
        #expect(parseMeasure("12,5") == 12.5)
        #expect(parseMeasure("tall") == nil)
    }

    @Test func tagMapping() {
        #expect(OSMPreset.facilityCategories(["amenity": "school", "isced:level": "2"]) == ["middle_school"])
        #expect(OSMPreset.facilityCategories(["amenity": "school"]) == ["primary_school"])
        #expect(OSMPreset.facilityCategories(["amenity": "social_facility", "social_facility": "nursing_home"]) == ["elderly_home"])
        #expect(OSMPreset.facilityCategories(["amenity": "social_facility", "social_facility": "day_care", "social_facility:for": "senior"]) == ["elderly_daycare"])
        #expect(OSMPreset.facilityCategories(["leisure": "park"]) == ["park"])
        #expect(OSMPreset.facilityCategories(["shop": "convenience"]) == ["convenience"])
        #expect(OSMPreset.facilityCategories(["amenity": "bench"]).isEmpty)
        #expect(OSMPreset.buildingUse("apartments", [:]) == "residential")
        #expect(OSMPreset.buildingUse("yes", ["shop": "bakery"]) == "commercial")
        #expect(OSMPreset.buildingUse("yes", [:]) == "unknown")
        #expect(OSMPreset.pipeKind(["substance": "sewage"]) == "sewer")
        #expect(OSMPreset.year("~1923-05") == 1923)
    }
}

@Suite struct IngestRulesTests {
    /// A small city in EPSG:32635 written as GeoJSON by the test.
    func writeCity(_ dir: String, extraBuildings: [(props: [String: Any], geometry: [String: Any]?)] = []) throws -> String {
        var b: [(props: [String: Any], geometry: [String: Any]?)] = [
            (["fid_": "a", "h": 12.0, "fl": 2, "use": "住宅"], polygonJSON([rect(388000, 6672000, 10, 20)])),          // measured 12
            (["fid_": "b", "fl": 4, "use": "residential"], polygonJSON([rect(388020, 6672000, 10, 10)])),             // floors 4 → 12
            (["fid_": "c", "use": "commercial"], polygonJSON([rect(388040, 6672000, 10, 10)])),                       // default 9
            (["fid_": "d", "h": 0.0], polygonJSON([rect(388060, 6672000, 10, 10)])),                                   // absurd
            (["fid_": "e", "h": 5000.0], polygonJSON([rect(388080, 6672000, 10, 10)])),                                // absurd
            (["fid_": "f", "fl": "5层"], polygonJSON([[(388100, 6672000), (388110, 6672010), (388110, 6672000), (388100, 6672010)]])), // bow-tie
            (["fid_": "g", "fl": 4, "use": "residential"], polygonJSON([rect(388020, 6672000, 10, 10)])),              // duplicate of b
            (["fid_": "h"], ["type": "Point", "coordinates": [388000.0, 6672000.0]]),                                   // wrong type
            (["fid_": "i"], nil),                                                                                      // no geometry
            (["fid_": "j", "h": 30.0, "use": "住宅"], polygonJSON([rect(388200, 6672000, 20, 20), rect(388205, 6672005, 10, 10)])), // courtyard
        ]
        b += extraBuildings
        try writeGeoJSON(dir + "/buildings.geojson", epsg: 32635, features: b)
        try writeGeoJSON(dir + "/roads.geojson", epsg: 32635, features: [
            (["fid_": "r1", "cls": "residential"], ["type": "LineString", "coordinates": [[388000.0, 6671990.0], [388300.0, 6671990.0]]]),
            (["fid_": "r2", "cls": "motorway"], ["type": "LineString", "coordinates": [[388000.0, 6671900.0], [388300.0, 6671900.0]]]),
            (["fid_": "r3", "cls": "footway"], ["type": "LineString", "coordinates": [[388000.0, 6671950.0], [388000.0, 6671950.0]]]),
        ])
        let yaml = """
        city: Test town
        year: 2026
        crs: auto
        layers:
          buildings: {source: buildings.geojson, height: h, floors: fl, use: use, id: fid_}
          roads: {source: roads.geojson, highway: cls, id: fid_}
        """
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        return dir + "/city.yaml"
    }

    @Test func heightRulesRepairAndRejects() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeCity(dir))
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:32635")
        let byId = Dictionary(uniqueKeysWithValues: base.buildings.map { ($0.sourceId, $0) })
        #expect(byId["a"]?.heightM == 12 && byId["a"]?.heightSource == .measured && byId["a"]?.use == .residential)
        #expect(byId["b"]?.heightM == 12 && byId["b"]?.heightSource == .floors && byId["b"]?.floors == 4)
        #expect(byId["c"]?.heightM == 9 && byId["c"]?.heightSource == .default && byId["c"]?.use == .commercial)
        #expect(byId["f"]?.heightM == 15 && byId["f"]?.heightSource == .floors)     // "5层" parsed; bow-tie repaired
        #expect(abs((byId["f"]?.footprint.area ?? 0) - 50) < 1e-6)
        #expect(abs((byId["j"]?.footprint.area ?? 0) - 300) < 1e-6)                 // hole kept
        #expect(r.counts["buildings"] == { var c = LayerCount(); c.read = 10; c.accepted = 5; c.rejected = 5; c.repaired = 1; return c }())
        let reasons = Dictionary(uniqueKeysWithValues: base.rejects.filter { $0.layer == "buildings" }.map { ($0.sourceId, $0.reason) })
        #expect(reasons["d"]?.contains("absurd height 0.0 m") == true)
        #expect(reasons["e"]?.contains("absurd height 5000.0 m") == true)
        #expect(reasons["g"] == "duplicate of b")
        #expect(reasons["h"]?.contains("wrong geometry type Point") == true)
        #expect(reasons["i"] == "no geometry")
        #expect(base.rejects.allSatisfy { $0.sourceFile.hasSuffix(".geojson") && $0.sourceLayer == ($0.layer == "buildings" ? "buildings" : "roads") })
        // Roads: motorway not walkable; zero-length footway rejected.
        #expect(base.roads.count == 2)
        #expect(base.roads.first { $0.sourceId == "r2" }?.walkable == false)
        #expect(base.rejects.first { $0.sourceId == "r3" }?.reason.hasPrefix("degenerate line") == true)
        // Residents estimated from residential floor area: a is 200 m² × 2 floors (35 m² per resident).
        let a = byId["a"]!
        #expect(abs(a.residents! - 200.0 * 2 / 35) < 1e-9)
        #expect(byId["c"]?.residents == 0)
    }

    @Test func repairDisabledRejectsWithGEOSReason() throws {
        let dir = tempDir()
        var cfg = try CityConfig.load(path: try writeCity(dir))
        cfg.ingest.repairInvalid = false
        let (base, _) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(base.rejects.first { $0.sourceId == "f" }?.reason.contains("Self-intersection") == true)
    }

    @Test func populationLayerIsDistributedByResidentialFloorArea() throws {
        let dir = tempDir()
        let path = try writeCity(dir)
        try writeGeoJSON(dir + "/pop.geojson", epsg: 32635, features: [
            (["population": 100.0], polygonJSON([rect(387990, 6671990, 100, 50)])),
            (["population": 7.0], polygonJSON([rect(389000, 6671990, 100, 50)])),    // no building inside
        ])
        var cfg = try CityConfig.load(path: path)
        cfg.layers["population"] = LayerSource(source: "pop.geojson", fields: ["value": "population"])
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        let byId = Dictionary(uniqueKeysWithValues: base.buildings.map { ($0.sourceId, $0) })
        // Residential a (200 m² × 2 floors) and b (100 m² × 4) share the 100 residents 1:1; commercial c gets none.
        #expect(abs(byId["a"]!.residents! - 50) < 1e-9)
        #expect(abs(byId["b"]!.residents! - 50) < 1e-9)
        #expect(byId["c"]!.residents == 0)
        #expect(r.unassignedPopulation == 7)
    }

    @Test func missingFieldLayerAndCRSAreClearErrors() throws {
        let dir = tempDir()
        let path = try writeCity(dir)
        var cfg = try CityConfig.load(path: path)
        cfg.layers["buildings"]?.fields["floors"] = "levels"
        #expect(throws: PipelineError.input(file: dir + "/buildings.geojson", layer: "buildings",
                                           message: "field 'levels' (layers.buildings.floors) not found; fields are: fid_, fl, h, use")) {
            try Ingest.build(config: cfg, progress: Progress(quiet: true))
        }
        cfg = try CityConfig.load(path: path)
        cfg.layers["buildings"]?.layer = "houses"
        do { _ = try Ingest.build(config: cfg, progress: Progress(quiet: true)); Issue.record("expected error") } catch {
            #expect("\(error)".contains("no layer 'houses'") && "\(error)".contains("buildings.geojson"))
        }
        cfg = try CityConfig.load(path: path)
        cfg.layers["roads"]?.source = "nothere.gpkg"
        #expect(throws: PipelineError.input(file: dir + "/nothere.gpkg", layer: nil, message: "file not found (layers.roads.source)")) {
            try Ingest.build(config: cfg, progress: Progress(quiet: true))
        }
        cfg = try CityConfig.load(path: path)
        cfg.crs = "EPSG:4326"
        do { _ = try Ingest.build(config: cfg, progress: Progress(quiet: true)); Issue.record("expected error") } catch {
            #expect("\(error)".contains("not a projected CRS"))
        }
        cfg.crs = "EPSG:999999"
        do { _ = try Ingest.build(config: cfg, progress: Progress(quiet: true)); Issue.record("expected error") } catch {
            #expect("\(error)".contains("cannot resolve 'EPSG:999999'"))
        }
    }

    @Test func truncatedAndCorruptInputs() throws {
        let dir = tempDir()
        // A real GeoPackage, then cut in half.
        var t = FeatureTable(name: "buildings", geometryType: "MultiPolygon", fields: [FieldDef("h", .real, "")])
        for i in 0..<2000 { t.append(.polygon(Polygon([rect(388000 + Double(i) * 20, 6672000, 10, 10).map { Vec2($0.0, $0.1) }])), [.real(10)]) }
        let w = try GeoPackageWriter(path: dir + "/full.gpkg", crs: "EPSG:32635")
        try w.write(table: t); try w.commit()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.gpkg"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.gpkg"))
        let cfg = try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  buildings: {source: cut.gpkg, layer: buildings}\n", file: dir + "/c.yaml", baseDirectory: dir)
        do { _ = try Ingest.build(config: cfg, progress: Progress(quiet: true)); Issue.record("expected an error for a truncated file") } catch let e as PipelineError {
            guard case .input(let file, _, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(file == dir + "/cut.gpkg")
        }
        // Garbage with an OSM extension.
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }).write(to: URL(fileURLWithPath: dir + "/bad.osm.pbf"))
        let osm = CityConfig(city: "x", year: 2026, preset: "osm", osm: dir + "/bad.osm.pbf")
        do { _ = try Ingest.build(config: osm, progress: Progress(quiet: true)); Issue.record("expected an error for a corrupt PBF") } catch let e as PipelineError {
            #expect("\(e)".contains("bad.osm.pbf"))
        }
        // A truncated PBF (the shipped sample cut at 60 %).
        let pbf = try Data(contentsOf: URL(fileURLWithPath: Paths.helsinkiPBF))
        try pbf.prefix(pbf.count * 6 / 10).write(to: URL(fileURLWithPath: dir + "/cut.osm.pbf"))
        do { _ = try Ingest.build(config: CityConfig(city: "x", year: 2026, preset: "osm", osm: dir + "/cut.osm.pbf"), progress: Progress(quiet: true))
            Issue.record("expected an error for a truncated PBF")
        } catch let e as PipelineError {
            #expect("\(e)".contains("cut.osm.pbf"))
        }
    }

    @Test func baseGeoPackageHasDocumentedSchemaAndCRS() throws {
        let dir = tempDir()
        let cfg = try CityConfig.load(path: try writeCity(dir))
        try Ingest.run(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true))
        let ds = try VectorDataset(path: dir + "/out/base.gpkg")
        #expect(Set(ds.layerNames) == Set(CanonicalLayer.allCases.map(\.rawValue)))
        for l in CanonicalLayer.allCases {
            let layer = try ds.layer(l.rawValue)
            #expect(layer.fields.map(\.name) == l.fields.map(\.name), "schema of \(l.rawValue)")
            if l != .rejects { #expect(layer.spatialReference?.authorityCode == "EPSG:32635") }
        }
        #expect(try ds.layer("buildings").featureCount == 5)
        #expect(try ds.layer("rejects").featureCount == 6)
        // And it reads back into the same records.
        let back = try BaseLayerIO.read(path: dir + "/out/base.gpkg")
        #expect(back.buildings.count == 5)
        #expect(back.crs == "EPSG:32635")
        #expect(back.buildings.first { $0.sourceId == "j" }?.footprint.polygons.first?.rings.count == 2)
    }
}

@Suite struct CLITests {
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func errorIsOneLineAndNonZeroExit() throws {
        let cli = try #require(Paths.cli)
        let dir = tempDir()
        let (status, out, err) = try runProcess(cli, ["ingest", "/nonexistent/city.yaml", "--out", dir, "--quiet"])
        #expect(status != 0)
        #expect(err == "error: /nonexistent/city.yaml: cannot read the config file\n")
        #expect(out.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/base.gpkg"))
    }

    /// Killing the process at each of ingest's own steps (read from its progress lines, not from a fixed sleep) never
    /// leaves a base.gpkg that is not complete: killed while reading, validating or writing, there is none; after the
    /// summary, there is the whole file.
    @Test(.enabled(if: Available.cli, "needs the built cimbase (swift build)")) func interruptedRunLeavesNoPartialOutput() throws {
        let cli = try #require(Paths.cli)
        for (step, expectFile) in [("ingest: reading", false), ("ingest: validating", false), ("ingest: writing base.gpkg", false), ("", true)] {
            let dir = tempDir()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: cli)
            p.arguments = ["ingest", Paths.helsinkiSample, "--out", dir]
            var env = ProcessInfo.processInfo.environment; env["CIMBASE_PROGRESS"] = "lines"
            p.environment = env
            let err = Pipe(), out = Pipe()
            p.standardError = err; p.standardOutput = out
            try p.run()
            // Kill on the first line that starts the step ("" = on the stdout summary, i.e. after the file is complete).
            let reader = step.isEmpty ? out.fileHandleForReading : err.fileHandleForReading
            var seen = "", killed = false
            while !killed {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
                if step.isEmpty ? seen.contains("ingest ") : seen.contains("progress: \(step)") {
                    kill(p.processIdentifier, SIGKILL); killed = true
                }
            }
            p.waitUntilExit()
            #expect(killed, "the step '\(step)' was reported before the process ended (saw: \(seen.suffix(200)))")
            let path = dir + "/base.gpkg"
            #expect(FileManager.default.fileExists(atPath: path) == expectFile, "killed at '\(step)'")
            if FileManager.default.fileExists(atPath: path) {
                // If it is there, it is complete: every canonical layer present.
                let ds = try VectorDataset(path: path)
                #expect(Set(ds.layerNames).isSuperset(of: CanonicalLayer.allCases.map(\.rawValue)))
                #expect(try ds.layer("buildings").featureCount == 482)
            }
        }
    }
}

@Suite struct BoundaryTests {
    /// A boundary given as several features sharing edges (subcatchments, sub-districts) is dissolved into valid geometry.
    @Test func boundaryPartsAreDissolved() throws {
        let dir = tempDir()
        try writeGeoJSON(dir + "/b.geojson", epsg: 32635, features: [
            ([:], polygonJSON([rect(388000, 6672000, 100, 100)])),
            ([:], polygonJSON([rect(388100, 6672000, 100, 100)])),
            ([:], polygonJSON([rect(388500, 6672000, 50, 50)])),
        ])
        try writeGeoJSON(dir + "/r.geojson", epsg: 32635, features: [
            (["cls": "residential"], ["type": "LineString", "coordinates": [[388000.0, 6672000.0], [388200.0, 6672000.0]]]),
        ])
        let cfg = try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  roads: {source: r.geojson, highway: cls}\n  boundary: {source: b.geojson}\n",
                                       file: dir + "/c.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.counts["boundary"]?.accepted == 3)
        #expect(base.boundary?.polygons.count == 2)          // the two touching squares became one
        #expect(abs((base.boundary?.area ?? 0) - 22_500) < 1e-6)
    }
}

@Suite struct ReporterTests {
    /// The library prints nothing itself: stage summaries go to the reporter the caller passes in.
    @Test func summariesGoToTheCallersReporter() throws {
        final class Lines: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
        let lines = Lines()
        let progress = Progress(quiet: true) { s in lines.lock.lock(); lines.all.append(s); lines.lock.unlock() }
        let cfg = try CityConfig.load(path: Paths.helsinkiSample)
        let (base, _) = try Ingest.run(config: cfg, outDir: tempDir(), progress: progress)
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("ingest      buildings \(base.buildings.count)") == true)
    }
}

@Suite struct LayerMeaningTests {
    /// One meaning per layer (issue 13): `boundary` is the administrative area, `built_up` the 建成区. With both,
    /// dev_intensity = built-up ÷ boundary (25 % here, by hand); with the boundary alone the built-up area is derived
    /// from the footprints (two 20 × 20 m houses far apart: their closing is the two squares), not the boundary.
    @Test func boundaryIsTheAreaAndBuiltUpItsOwnLayer() throws {
        let dir = tempDir()
        try writeGeoJSON(dir + "/b.geojson", epsg: 32635, features: [([:], polygonJSON([rect(388000, 6672000, 1000, 1000)]))])
        try writeGeoJSON(dir + "/u.geojson", epsg: 32635, features: [([:], polygonJSON([rect(388000, 6672000, 500, 500)]))])
        try writeGeoJSON(dir + "/h.geojson", epsg: 32635, features: [
            (["use": "residential"], polygonJSON([rect(388100, 6672100, 20, 20)])), (["use": "residential"], polygonJSON([rect(388700, 6672700, 20, 20)])),
        ])
        func devIntensity(_ layers: String) throws -> Double? {
            let cfg = try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  buildings: {source: h.geojson, use: use}\n" + layers, file: dir + "/c.yaml", baseDirectory: dir)
            let (base, _) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
            let out = try Stages.indicators(config: cfg, base: base, walk: nil, fireDrive: nil, outDir: tempDir(), progress: Progress(quiet: true))
            let row = try #require(out.table.rows.first { $0.indicator == "dev_intensity" && $0.zoneID.isEmpty })
            return row.value
        }
        let both = try devIntensity("  boundary: {source: b.geojson}\n  built_up: {source: u.geojson}\n")
        #expect(both.map { abs($0 - 25) < 1e-9 } == true, "built_up 250,000 m² of a 1,000,000 m² boundary")
        let derived = try devIntensity("  boundary: {source: b.geojson}\n")
        #expect(derived.map { abs($0 - 0.08) < 0.08 * 0.01 } == true, "two 400 m² houses closed by 50 m stay 800 m²: \(derived ?? -1)")
    }
}
