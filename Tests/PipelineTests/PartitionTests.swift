import CityModel
import Foundation
@testable import Indicators
import GeoBridge
import Scoring
import Testing
@testable import Pipeline

/// Partitioned cities (issue 18): a synthetic city split into 4 and 9 partitions, run part by part and merged, against
/// one `cimbase run` of the same config. The merged walk access (every d_<category>, fire_drive_m), the indicator
/// table and the tileset must be the single run's.
@Suite(.serialized) struct PartitionTests {
    static let quiet = Progress(quiet: true, summary: { _ in })

    /// A 2,500-building synthetic city with `web: false`, and its single run.
    final class City: @unchecked Sendable {
        let dir: String, config: String, single: String
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("partition-tests-\(ProcessInfo.processInfo.processIdentifier)").path
            try? FileManager.default.removeItem(atPath: dir)
            try SynthStage.run(buildings: 2500, seed: 18, outDir: dir + "/src", progress: PartitionTests.quiet)
            config = dir + "/src/city.yaml"
            let yaml = try String(contentsOfFile: config, encoding: .utf8)
            try (yaml + "\nweb: false\n").write(toFile: config, atomically: true, encoding: .utf8)
            single = dir + "/single"
            try Stages.runAll(config: try CityConfig.load(path: config), outDir: single, progress: PartitionTests.quiet)
        }
    }
    static let city = Result { try City() }

    /// Partition, run every part, merge; returns the plan and the merged folder.
    static func partitioned(_ c: City, cells: Int) throws -> (PartitionPlan, String) {
        let cfg = try CityConfig.load(path: c.config)
        let out = c.dir + "/p\(cells)"
        let plan = try PartitionStage.run(config: cfg, cells: cells, sizeM: nil, outDir: out, k8s: true, image: "cimbase:test", progress: quiet)
        for p in plan.partitions {
            try PartitionRun.run(config: cfg, k: p.id, outDir: out + "/parts/\(p.id)", planPath: PartitionRun.defaultPlan(out: out + "/parts/\(p.id)"), progress: quiet)
        }
        try Merge.run(dir: out, progress: quiet)
        return (plan, out)
    }

    @Test(arguments: [4, 9]) func mergedEqualsSingleRun(cells: Int) throws {
        let c = try Self.city.get()
        let (plan, out) = try Self.partitioned(c, cells: cells)
        #expect(plan.partitions.count == cells)
        let base = try BaseLayerIO.read(path: c.single + "/base.gpkg")
        // Every building in exactly one core.
        #expect(plan.partitions.map(\.buildings).reduce(0, +) == base.buildings.count)
        #expect(plan.partitions.filter { $0.buildings > 0 }.count >= 2)

        // Walk access: exactly equal, per category.
        let a = try WalkStage.read(path: c.single + "/walk.gpkg", base: base)
        let b = try WalkStage.read(path: out + "/walk.gpkg", base: base)
        #expect(a.access.origins == b.access.origins)
        #expect(!a.access.distances.isEmpty)
        #expect(Set(a.access.distances.keys) == Set(b.access.distances.keys))
        for (cat, d) in a.access.distances {
            let e = try #require(b.access.distances[cat])
            let diff = zip(d, e).filter { $0.0 != $0.1 && !($0.0.isNaN && $0.1.isNaN) }.count
            #expect(diff == 0, "d_\(cat): \(diff) of \(d.count) origins differ")
        }
        // Most categories have reachable origins (a few have no facility in a city this small): the test proves something.
        let reached = a.access.distances.values.filter { $0.contains { $0.isFinite } }.count
        #expect(reached * 2 > a.access.distances.count, "\(reached) of \(a.access.distances.count) categories reach any origin")
        #expect(a.fireDrive == b.fireDrive)
        // Walk access bytes of the access table: the same rows in the same order (the gpkg itself carries timestamps).

        // Indicators: within 1e-9 relative.
        let ta = try IndicatorTable.read(at: URL(fileURLWithPath: c.single + "/indicators.csv"))
        let tb = try IndicatorTable.read(at: URL(fileURLWithPath: out + "/indicators.csv"))
        #expect(ta.rows.count == tb.rows.count)
        #expect(ta.rows.count > 100)
        for (x, y) in zip(ta.rows, tb.rows) {
            #expect(x.indicator == y.indicator && x.zoneID == y.zoneID)
            if let u = x.value, let v = y.value {
                #expect(abs(u - v) <= 1e-9 * max(abs(u), abs(v), 1e-300), "\(x.indicator) zone '\(x.zoneID)': \(u) vs \(v)")
            } else { #expect(x.value == nil && y.value == nil, "\(x.indicator) zone '\(x.zoneID)'") }
        }
        // Tiles: the merged tileset joins the parts' tilesets (external tilesets under one root) and holds the single
        // run's buildings, each once, with the same numeric properties (height, ground, d_<category>, …).
        let ja = try Self.tilesetBuildings(c.single + "/tiles/buildings/tileset.json")
        let jb = try Self.tilesetBuildings(out + "/tiles/buildings/tileset.json")
        #expect(ja.count == base.buildings.count, "the single run's tileset holds every building of the base layer")
        #expect(ja.count == jb.count)
        #expect(ja == jb)
        #expect(ja.values.first?.keys.contains { $0.hasPrefix("d_") } == true && ja.values.first?["height_m"] != nil)
        let joined = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/tiles/buildings/tileset.json"))) as? [String: Any]
        let kids = ((joined?["root"] as? [String: Any])?["children"] as? [[String: Any]]) ?? []
        #expect(kids.count == plan.partitions.filter { $0.buildings > 0 }.count)
        #expect(kids.allSatisfy { (($0["content"] as? [String: Any])?["uri"] as? String)?.hasPrefix("parts/") == true })
        // The generated Kubernetes Job.
        let job = try String(contentsOfFile: out + "/k8s-job.yaml", encoding: .utf8)
        #expect(job.contains("completionMode: Indexed"))
        #expect(job.contains("completions: \(cells)\n"))
        #expect(job.contains("--partition $JOB_COMPLETION_INDEX --out \(PartitionStage.absolute(out))/parts/$JOB_COMPLETION_INDEX"))
    }

    /// Buildings of a tileset by id (every feature of class `building`, following external tilesets), with their
    /// FLOAT32/FLOAT64 scalar properties; a building id twice is an error.
    static func tilesetBuildings(_ path: String, depth: Int = 0) throws -> [Double: [String: Double]] {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        let ts = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var out: [Double: [String: Double]] = [:]
        var stack = [try #require(ts["root"] as? [String: Any])]
        while let t = stack.popLast() {
            stack += (t["children"] as? [[String: Any]]) ?? []
            guard let uri = (t["content"] as? [String: Any])?["uri"] as? String else { continue }
            let f = dir.appendingPathComponent(uri).path
            let got = uri.hasSuffix(".json") ? try tilesetBuildings(f, depth: depth + 1) : try glbBuildings(f)
            for (k, v) in got {
                #expect(out[k] == nil, "building \(k) twice")
                out[k] = v
            }
        }
        return out
    }

    static func glbBuildings(_ path: String) throws -> [Double: [String: Double]] {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        let jl = u32(12)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(d[20..<(20 + jl)])) as? [String: Any])
        let bin = Array(d[(28 + jl)..<(28 + jl + u32(20 + jl))])
        guard let meta = (j["extensions"] as? [String: Any])?["EXT_structural_metadata"] as? [String: Any] else { return [:] }
        let views = try #require(j["bufferViews"] as? [[String: Any]])
        let classes = try #require((meta["schema"] as? [String: Any])?["classes"] as? [String: Any])
        // Parent tiles of merged blocks (tiles.lod: blocks) hold only the `block` class.
        guard let props = (classes["building"] as? [String: Any])?["properties"] as? [String: [String: Any]] else { return [:] }
        func view(_ i: Int) throws -> [UInt8] {
            let v = views[i]
            if let e = (v["extensions"] as? [String: Any])?["EXT_meshopt_compression"] as? [String: Any] {
                let o = e["byteOffset"] as? Int ?? 0, l = try #require(e["byteLength"] as? Int)
                let n = try #require(e["count"] as? Int), stride = try #require(e["byteStride"] as? Int)
                return try #require(MeshoptCodec().decodeVertexBuffer(Array(bin[o..<(o + l)]), count: n, stride: stride))
            }
            let o = v["byteOffset"] as? Int ?? 0
            let l = try #require(v["byteLength"] as? Int)
            return Array(bin[o..<(o + l)])
        }
        var out: [Double: [String: Double]] = [:]
        for t in (meta["propertyTables"] as? [[String: Any]]) ?? [] where t["class"] as? String == "building" {
            let n = try #require(t["count"] as? Int)
            var cols: [String: [Double]] = [:]
            for (name, p) in try #require(t["properties"] as? [String: [String: Any]]) {
                guard let ct = props[name]?["componentType"] as? String, ct == "FLOAT32" || ct == "FLOAT64", let vi = p["values"] as? Int else { continue }
                let b = try view(vi)
                cols[name] = (0..<n).map { i in
                    if ct == "FLOAT64" {
                        var u: UInt64 = 0
                        for k in 0..<8 { u |= UInt64(b[8 * i + k]) << (8 * UInt64(k)) }
                        return Double(bitPattern: u)
                    }
                    var u: UInt32 = 0
                    for k in 0..<4 { u |= UInt32(b[4 * i + k]) << (8 * UInt32(k)) }
                    return Double(Float(bitPattern: u))
                }
            }
            let ids = try #require(cols["id"])
            for i in 0..<n { out[ids[i]] = cols.mapValues { $0[i] } }
        }
        return out
    }

    /// With a `built_up` layer (here the study boundary) instead of the derived closing, the parts' overlay tiles over
    /// that layer still merge to the single run's indicators.
    @Test func givenBuiltUpLayerMergesToTheSingleRun() throws {
        let c = try Self.city.get()
        let path = c.dir + "/src/city-built-up.yaml"
        let yaml = try String(contentsOfFile: c.config, encoding: .utf8)
        #expect(yaml.contains("\n  boundary:"))
        try yaml.replacingOccurrences(of: "\n  boundary:", with: "\n  built_up:   {source: city.gpkg, layer: boundary}\n  boundary:")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let cfg = try CityConfig.load(path: path)
        let single = c.dir + "/single-built-up", out = c.dir + "/p4-built-up"
        try Stages.runAll(config: cfg, outDir: single, progress: Self.quiet)
        let plan = try PartitionStage.run(config: cfg, cells: 4, sizeM: nil, outDir: out, k8s: false, image: "x", progress: Self.quiet)
        for p in plan.partitions {
            try PartitionRun.run(config: cfg, k: p.id, outDir: out + "/parts/\(p.id)", planPath: out + "/partitions.json", progress: Self.quiet)
        }
        try Merge.run(dir: out, progress: Self.quiet)
        let ta = try IndicatorTable.read(at: URL(fileURLWithPath: single + "/indicators.csv"))
        let tb = try IndicatorTable.read(at: URL(fileURLWithPath: out + "/indicators.csv"))
        #expect(ta.rows.count == tb.rows.count && ta.rows.count > 100)
        let green = try #require(ta.rows.first { $0.indicator == "green_cov" && $0.zoneID.isEmpty })
        #expect(green.params.contains("built_up layer"))
        #expect((green.denominator ?? 0) > 1e5)
        for (x, y) in zip(ta.rows, tb.rows) {
            #expect(x.indicator == y.indicator && x.zoneID == y.zoneID)
            for (u, v) in [(x.value, y.value), (x.numerator, y.numerator), (x.denominator, y.denominator)] {
                if let u, let v { #expect(abs(u - v) <= 1e-9 * max(abs(u), abs(v), 1e-300), "\(x.indicator) zone '\(x.zoneID)': \(u) vs \(v)") } else { #expect(u == nil && v == nil) }
            }
        }
    }

    @Test func planJSONHasTheContractFields() throws {
        let c = try Self.city.get()
        let cfg = try CityConfig.load(path: c.config)
        let out = c.dir + "/plan-json"
        let plan = try PartitionStage.run(config: cfg, cells: 4, sizeM: nil, outDir: out, k8s: false, image: "x", progress: Self.quiet)
        let any = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: out + "/partitions.json"))) as! [String: Any]
        #expect(any["version"] as? Int == 1)
        #expect(any["config"] as? String == PartitionStage.absolute(c.config))
        #expect((any["crs"] as? String)?.isEmpty == false)
        // The walk cutoff (1000 m default) + 2 × 200 m snapping is the least; the fire reach (5 min at 30 km/h = 2500 m) dominates.
        #expect((any["halo_m"] as? NSNumber)?.doubleValue == 2900.0)
        let parts = try #require(any["partitions"] as? [[String: Any]])
        #expect(parts.count == 4)
        for (n, p) in parts.enumerated() {
            #expect(p["id"] as? Int == n)
            #expect((p["core"] as? [Double])?.count == 4)
            #expect((p["halo_extent"] as? [Double])?.count == 4)
            #expect(p["buildings"] is Int)
            let e = try #require(p["estimate"] as? [String: Any])
            #expect((e["memory_bytes"] as? Int ?? 0) > 0 && (e["cpus"] as? Int ?? 0) >= 1)
            // At least 128 MiB + 1.5 kB per building the part reads, which includes its core's.
            #expect((e["memory_bytes"] as? Int ?? 0) >= 128 << 20 + 1_500 * (p["buildings"] as? Int ?? 0))
            #expect((e["memory_bytes"] as? Int ?? 0) <= 128 << 20 + 1_500 * 2_500)
        }
        // Owner: half-open cores, every point in exactly one; shared edges go right/up; outside points are clamped.
        let x0 = plan.extent[0], y0 = plan.extent[1], s = plan.grid.sizeM
        #expect(plan.owner(Vec2(x0, y0)) == 0)
        #expect(plan.owner(Vec2(x0 + s, y0)) == 1)
        #expect(plan.owner(Vec2(x0 + s - 1e-6, y0 + s)) == 2)
        #expect(plan.owner(Vec2(x0 - 1e6, y0 + 10 * s)) == 2)
        #expect(plan.owner(Vec2(plan.extent[2], plan.extent[3])) == 3)
        // --size: a 1 km grid.
        let sized = try PartitionStage.plan(config: cfg, base: try BaseLayerIO.read(path: out + "/base.gpkg"), cells: nil, sizeM: 1000)
        #expect(sized.grid.sizeM == 1000)
        #expect(Double(sized.grid.nx) * 1000 >= plan.extent[2] - plan.extent[0])
    }

    /// The parts' shares of the tiled indicator work (built-up closing, area overlays), merged, are the single run's:
    /// the same closing pieces to the bit, in the same order, and the same per-scope sums; the binary form reads back
    /// exactly, and bad bytes or a tile in two parts are errors.
    @Test func partTileSharesMergeToTheSingleRunsTiles() throws {
        let c = try Self.city.get()
        let cfg = try CityConfig.load(path: c.config)
        let base = try BaseLayerIO.read(path: c.single + "/base.gpkg")
        let plan = try PartitionStage.run(config: cfg, cells: 4, sizeM: nil, outDir: c.dir + "/shares", k8s: false, image: "x", progress: Self.quiet)
        let all = try IndicatorStage.partShare(config: cfg, base: base, only: TileSelection { _ in true })
        var shares: [(part: Int, share: TileShare)] = []
        for p in plan.partitions {
            let s = try IndicatorStage.partShare(config: cfg, base: base, only: TileSelection.owned(by: p.id, owner: { plan.owner($0) }))
            let back = try TileShare(bytes: s.encoded())
            #expect(back.encoded() == s.encoded())
            #expect(back.closing == s.closing)
            shares.append((p.id, back))
        }
        #expect(shares.filter { !$0.share.closing.isEmpty }.count >= 2, "the city spans at least two parts' tiles")
        let merged = try TileShare.merged(shares)
        #expect(merged.derived && all.derived)
        #expect(!all.closing.isEmpty)
        #expect(merged.closing == all.closing)
        #expect(merged.builtUpPieces == (try BuiltUpArea.derive(buildings: base.buildings, ops: GEOSGeometryOps())))
        let d = Set(all.overlays.flatMap { $0.1.gaps.keys })
        let sumAll = TiledAreaPass.aggregate(all.overlays, scopes: all.scopes, pipeDistances: d)
        let sumParts = TiledAreaPass.aggregate(merged.overlays, scopes: merged.scopes, pipeDistances: d)
        #expect(sumAll.areas == sumParts.areas)
        #expect(sumAll.areas[0].builtUp > 1e5)
        #expect(sumAll.builtUp == sumParts.builtUp && sumAll.gaps == sumParts.gaps && sumAll.green == sumParts.green)
        // A tile in two parts, truncated bytes, another file.
        let some = try #require(shares.first { !$0.share.closing.isEmpty })
        #expect { try TileShare.merged(shares + [(7, some.share)]) } throws: { "\($0)".contains("is in parts \(some.part) and 7") }
        let bytes = shares[0].share.encoded()
        #expect { try TileShare(bytes: Array(bytes.dropLast(3))) } throws: { "\($0)".contains("truncated") || "\($0)".contains("exceeds") }
        #expect { try TileShare(bytes: Array("{\"id\": 1}".utf8)) } throws: { "\($0)".contains("not a CIMBase tile share") }
        var huge = bytes
        huge.replaceSubrange(16..<20, with: [0xff, 0xff, 0xff, 0x7f])
        #expect { try TileShare(bytes: huge) } throws: { "\($0)".contains("exceeds the data") }
    }

    /// A part reads the large layers near its core only: `BaseLayerIO.read(path:within:)` returns exactly the buildings,
    /// pipes and population cells whose box meets the window, in the whole layer's order, each with its index there,
    /// and their kept attributes on the same rows.
    @Test func windowedReadIsTheWholeLayersSubset() throws {
        let c = try Self.city.get()
        let path = c.single + "/base.gpkg"
        let whole = try BaseLayerIO.read(path: path)
        let ext = whole.buildings.reduce(BBox.empty) { $0.union($1.footprint.bbox) }
        let box = BBox(minX: ext.minX + 0.3 * ext.width, minY: ext.minY + 0.2 * ext.height, maxX: ext.minX + 0.6 * ext.width, maxY: ext.minY + 0.5 * ext.height)
        let (part, window) = try BaseLayerIO.read(path: path, within: box)
        let w = try #require(window)
        func meets(_ b: BBox) -> Bool { !b.isEmpty && b.minX <= box.maxX && b.maxX >= box.minX && b.minY <= box.maxY && b.maxY >= box.minY }
        #expect(w.buildings == whole.buildings.indices.filter { meets(whole.buildings[$0].footprint.bbox) })
        #expect(w.buildings.count > 50 && w.buildings.count < whole.buildings.count / 2)
        #expect(part.buildings == w.buildings.map { whole.buildings[$0] })
        #expect(w.pipes == whole.pipes.indices.filter { meets(whole.pipes[$0].line.bbox) })
        #expect(part.pipes == w.pipes.map { whole.pipes[$0] })
        #expect(w.population == whole.population.indices.filter { meets(whole.population[$0].area.bbox) })
        #expect(!w.population.isEmpty && part.population == w.population.map { whole.population[$0] })
        #expect(part.roads == whole.roads && part.zones == whole.zones && part.facilities == whole.facilities)
        for (name, t) in whole.attributes {
            let pt = try #require(part.attributes[name])
            let rows = name == "buildings" ? w.buildings : name == "pipes" ? w.pipes : name == "population" ? w.population : Array(0..<t.columns.first!.count)
            for (a, b) in zip(t.columns, pt.columns) { #expect(rows.map { a.value($0) } == (0..<b.count).map { b.value($0) }, "\(name).\(a.name)") }
        }
    }

    /// The direct SQLite read of base.gpkg (`VectorLayer.forEachDirect`) against its twin, OGR's features: the same
    /// layers, records and kept attributes, whole and windowed.
    @Test func directReadEqualsTheOGRRead() throws {
        let c = try Self.city.get()
        let path = c.single + "/base.gpkg"
        func read(direct: Bool, within: BBox?) throws -> (BaseLayer, BaseLayerIO.Window?) {
            let was = BaseLayerIO.directRead
            BaseLayerIO.directRead = direct
            defer { BaseLayerIO.directRead = was }
            return try BaseLayerIO.read(path: path, within: within)
        }
        let whole = try read(direct: false, within: nil).0
        let ext = whole.buildings.reduce(BBox.empty) { $0.union($1.footprint.bbox) }
        for box in [nil, BBox(minX: ext.minX, minY: ext.minY, maxX: ext.minX + 0.5 * ext.width, maxY: ext.minY + 0.4 * ext.height)] {
            let (a, wa) = try read(direct: false, within: box), (b, wb) = try read(direct: true, within: box)
            #expect(a.buildings.count > 100 && a.buildings == b.buildings)
            #expect(a.roads == b.roads && a.facilities == b.facilities && a.green == b.green && a.water == b.water)
            #expect(a.pipes == b.pipes && a.population == b.population && a.zones == b.zones && a.crs == b.crs)
            #expect(a.boundary == b.boundary && a.builtUp == b.builtUp && a.rejects == b.rejects)
            #expect(Set(a.attributes.keys) == Set(b.attributes.keys))
            for (k, t) in a.attributes { #expect(t == b.attributes[k], "attributes of \(k)") }
            #expect(wa?.buildings == wb?.buildings && wa?.population == wb?.population && wa?.pipes == wb?.pipes)
        }
    }

    @Test func badInputsAreClearErrors() throws {
        let c = try Self.city.get()
        let cfg = try CityConfig.load(path: c.config)
        let out = c.dir + "/bad"
        let plan = try PartitionStage.run(config: cfg, cells: 4, sizeM: nil, outDir: out, k8s: false, image: "x", progress: Self.quiet)
        // Bad K.
        #expect { try PartitionRun.run(config: cfg, k: 4, outDir: out + "/parts/4", planPath: out + "/partitions.json", progress: Self.quiet) } throws: {
            "\($0)".contains("--partition 4") && "\($0)".contains("0…3")
        }
        // Missing plan.
        #expect { try PartitionRun.run(config: cfg, k: 0, outDir: c.dir + "/nowhere/parts/0", planPath: PartitionRun.defaultPlan(out: c.dir + "/nowhere/parts/0"), progress: Self.quiet) } throws: {
            "\($0)".contains("no partition plan")
        }
        // A plan made for another config.
        let other = c.dir + "/src/other.yaml"
        try FileManager.default.copyItem(atPath: c.config, toPath: other)
        #expect { try PartitionRun.run(config: try CityConfig.load(path: other), k: 0, outDir: out + "/parts/0", planPath: out + "/partitions.json", progress: Self.quiet) } throws: {
            "\($0)".contains("made for") && "\($0)".contains("city.yaml")
        }
        // Missing parts: merge names them.
        try PartitionRun.run(config: cfg, k: 1, outDir: out + "/parts/1", planPath: out + "/partitions.json", progress: Self.quiet)
        #expect(plan.partitions.count == 4)
        #expect { try Merge.run(dir: out, progress: Self.quiet) } throws: { "\($0)".contains("3 of 4 parts missing") && "\($0)".contains(": 0, 2, 3;") }
        // A corrupt tile share: merge names the file.
        for k in [0, 2, 3] { try PartitionRun.run(config: cfg, k: k, outDir: out + "/parts/\(k)", planPath: out + "/partitions.json", progress: Self.quiet) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: out + "/parts/2/tiles_part.bin"))
        #expect { try Merge.run(dir: out, progress: Self.quiet) } throws: { "\($0)".contains("parts/2/tiles_part.bin") && "\($0)".contains("truncated") }
        // A corrupt walk part, and a part without its tileset.
        try PartitionRun.run(config: cfg, k: 2, outDir: out + "/parts/2", planPath: out + "/partitions.json", progress: Self.quiet)
        try Data("not a part".utf8).write(to: URL(fileURLWithPath: out + "/parts/3/walk_part.bin"))
        #expect { try Merge.run(dir: out, progress: Self.quiet) } throws: { "\($0)".contains("parts/3/walk_part.bin") && "\($0)".contains("not a CIMBase walk part") }
        try PartitionRun.run(config: cfg, k: 3, outDir: out + "/parts/3", planPath: out + "/partitions.json", progress: Self.quiet)
        try FileManager.default.removeItem(atPath: out + "/parts/0/tiles/buildings/tileset.json")
        #expect { try Merge.run(dir: out, progress: Self.quiet) } throws: { "\($0)".contains("parts/0/tiles/buildings/tileset.json") && "\($0)".contains("no tileset") }
        try PartitionRun.run(config: cfg, k: 0, outDir: out + "/parts/0", planPath: out + "/partitions.json", progress: Self.quiet)
        try Merge.run(dir: out, progress: Self.quiet)
        #expect(FileManager.default.fileExists(atPath: out + "/tiles/buildings/parts/0/tileset.json"))
    }
}
