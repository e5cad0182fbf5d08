import CityModel
import Foundation
import GeoBridge
import Testing
import TestSupport
@testable import Pipeline

/// A synthetic city and a copy with known edits: `removed` buildings gone, `added` new ones, `raised` three floors
/// higher, every other footprint jittered (each vertex moved 0.5 m in a random direction), plus a few road, green
/// and facility edits.
struct EditedCity {
    let old: String
    let new: String
    var removed: Set<String> = []
    var added: Set<String> = []
    var raised: Set<String> = []
    var roadsRemoved: Set<String> = []
    var greenChanged: Set<String> = []
    var facilityMoved: Set<String> = []
    var addedFloorArea = 0.0
    var removedFloorArea = 0.0

    /// `stableIds: false` gives every building of the copy a new source id (matching then needs the footprints).
    init(buildings: Int, seed: UInt64, stableIds: Bool, dir: String) throws {
        let src = dir + "/src"
        try SynthStage.run(buildings: buildings, seed: seed, outDir: src, progress: Progress(quiet: true, summary: { _ in }))
        old = dir + "/old"
        new = dir + "/new"
        _ = try Ingest.run(config: try CityConfig.load(path: src + "/city.yaml"), outDir: old, progress: Progress(quiet: true, summary: { _ in }))
        var b = try BaseLayerIO.read(path: old + "/base.gpkg")
        var rng = SplitMix64(seed: seed &+ 99)
        let ids = b.buildings.indices.shuffled(using: &rng)
        let drop = Set(ids.prefix(17)), raise = Set(ids.dropFirst(17).prefix(13))
        for i in drop {
            removed.insert(b.buildings[i].sourceId)
            removedFloorArea += b.buildings[i].floorArea(floorHeight: 3)
        }
        for i in raise { raised.insert(b.buildings[i].sourceId) }
        var next: [Building] = []
        for (i, var x) in b.buildings.enumerated() where !drop.contains(i) {
            if raise.contains(i) { x.floors = (x.floors ?? 3) + 3; x.heightM += 9 }
            // Survey jitter: every vertex 0.5 m in a random direction.
            x.footprint = MultiPolygon(x.footprint.polygons.map { p in
                Polygon(p.rings.map { r in r.map { v in
                    let a = Double.random(in: 0..<(2 * .pi), using: &rng)
                    return Vec2(v.x + 0.5 * cos(a), v.y + 0.5 * sin(a))
                } })
            })
            if !stableIds { x.sourceId = "resurvey-\(i)" }
            next.append(x)
        }
        // New buildings east of the city, 20 m squares 40 m apart.
        let ext = b.buildings.reduce(BBox.empty) { $0.union($1.footprint.bbox) }
        let proto = b.buildings[ids.last!]
        for k in 0..<11 {
            var x = proto
            let x0 = ext.maxX + 100 + Double(k) * 40, y0 = ext.minY + 50
            x.footprint = MultiPolygon([Polygon(exterior: [Vec2(x0, y0), Vec2(x0 + 20, y0), Vec2(x0 + 20, y0 + 20), Vec2(x0, y0 + 20)])])
            x.id = Int64(1_000_000 + k)
            x.sourceId = "new-\(k)"
            added.insert(x.sourceId)
            addedFloorArea += x.floorArea(floorHeight: 3)
            next.append(x)
        }
        b.buildings = next
        for i in 0..<3 { roadsRemoved.insert(b.roads[i * 7].sourceId) }
        b.roads.removeAll { roadsRemoved.contains($0.sourceId) }
        for i in 0..<2 { b.green[i * 5].kind = b.green[i * 5].kind == "park" ? "forest" : "park"; greenChanged.insert(b.green[i * 5].sourceId) }
        var f = b.facilities[4]
        if case .point(let p) = f.geometry { f.geometry = .point(Vec2(p.x + 20, p.y)) }
        b.facilities[4] = f
        facilityMoved.insert(f.sourceId)
        try FileManager.default.createDirectory(atPath: new, withIntermediateDirectories: true)
        try BaseLayerIO.write(b, to: new + "/base.gpkg")
    }
}

@Suite struct DiffTests {
    static let progress = Progress(quiet: true, summary: { _ in })

    @Test func vertexDistanceAndMatchingPrimitives() {
        let sq = Geometry.polygon(Polygon(exterior: [Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)]))
        #expect(DiffMatcher.vertexDistance(sq, sq) == 0)
        // Translated by (0.3, 0.4): the corner (10.3, 10.4) is 0.5 from the corner (10, 10); no vertex is farther.
        let moved = Geometry.polygon(Polygon(exterior: [Vec2(0.3, 0.4), Vec2(10.3, 0.4), Vec2(10.3, 10.4), Vec2(0.3, 10.4)]))
        #expect(abs(DiffMatcher.vertexDistance(sq, moved) - 0.5) < 1e-12)
        let grown = Geometry.polygon(Polygon(exterior: [Vec2(0, 0), Vec2(15, 0), Vec2(15, 10), Vec2(0, 10)]))
        #expect(abs(DiffMatcher.vertexDistance(sq, grown) - 5) < 1e-12)
        // Keys: unique keys pair up, duplicated keys do not.
        func f(_ k: String, _ x: Double) -> DiffFeature {
            DiffFeature(id: 0, key: k, geometry: .point(Vec2(x, 0)), values: [])
        }
        let m = DiffMatcher.match(old: [f("a", 0), f("b", 100), f("d", 200), f("d", 300)], new: [f("b", 100), f("c", 0.5), f("d", 200), f("d", 300)], grow: 1) { x, y in
            let d = DiffMatcher.vertexDistance(x.geometry, y.geometry); return d <= 1 ? 1 / (1 + d) : nil
        }
        #expect(m.pairs.map { [$0.0, $0.1] } == [[0, 1], [1, 0], [2, 2], [3, 3]])
        #expect(m.pairs.map(\.2) == [false, true, false, false])
        #expect(m.removed.isEmpty && m.added.isEmpty)
    }

    /// Known edits on a synthetic city are found exactly, ids stable (matched by source_id).
    @Test func findsExactlyTheEditsWithStableIds() throws {
        let dir = tempDir()
        let c = try EditedCity(buildings: 1500, seed: 21, stableIds: true, dir: dir)
        let r = try DiffStage.compare(old: .folder(c.old), new: .folder(c.new), progress: Self.progress)
        let b = try #require(r.layer("buildings"))
        #expect(Set(b.removed.map { b.old[$0].key }) == c.removed)
        #expect(Set(b.added.map { b.new[$0].key }) == c.added)
        #expect(Set(b.changed.map { b.new[$0.new].key }) == c.raised)
        for p in b.changed { #expect(p.changes == ["height_m", "floors"], "\(b.new[p.new].key): \(p.changes)") }
        // Jitter is no change, and it is really there.
        #expect(b.pairs.filter { $0.changes.isEmpty }.allSatisfy { $0.shift > 0.05 && $0.shift <= 0.5 + 1e-9 })
        #expect(b.matchedByGeometry == 0)
        let roads = try #require(r.layer("roads"))
        #expect(Set(roads.removed.map { roads.old[$0].key }) == c.roadsRemoved && roads.added.isEmpty && roads.changed.isEmpty)
        let green = try #require(r.layer("green"))
        #expect(Set(green.changed.map { green.new[$0.new].key }) == c.greenChanged && green.added.isEmpty && green.removed.isEmpty)
        #expect(green.changed.allSatisfy { $0.changes == ["kind", "is_park"] || $0.changes == ["kind"] })
        let fac = try #require(r.layer("facilities"))
        #expect(Set(fac.changed.map { fac.new[$0.new].key }) == c.facilityMoved && fac.changed.first?.changes == ["geometry"])
        #expect(abs((fac.changed.first?.shift ?? 0) - 20) < 1e-6)
        // Outputs: the layers hold those features; the summary the counts and floor areas.
        try DiffStage.write(r, old: .folder(c.old), new: .folder(c.new), outDir: dir + "/diff")
        let ds = try VectorDataset(path: dir + "/diff/diff.gpkg")
        #expect(try ds.layer("added").featureCount == 11)
        #expect(try ds.layer("removed").featureCount == 17)
        #expect(try ds.layer("changed").featureCount == 13)
        #expect(try ds.layer("roads_removed").featureCount == 3)
        var oldFloors: [String: (Int64, Int64)] = [:]
        try ds.layer("changed").forEach { f in oldFloors[f.value("source_id").string!] = (f.value("old_floors").int ?? -1, f.value("new_floors").int ?? -1) }
        #expect(oldFloors.values.allSatisfy { $0.0 == -1 ? $0.1 == 6 : $0.1 == $0.0 + 3 }, "\(oldFloors)")
        let rows = DiffStage.summaryRows(r)
        let addedArea = rows.filter { $0.0 == "floor_area_m2" && $0.2.hasPrefix("added:") }.reduce(0) { $0 + ($1.6 ?? 0) }
        let removedArea = rows.filter { $0.0 == "floor_area_m2" && $0.2.hasPrefix("removed:") }.reduce(0) { $0 + ($1.6 ?? 0) }
        #expect(abs(addedArea - c.addedFloorArea) < 1e-6 * max(1, c.addedFloorArea))
        #expect(abs(removedArea - c.removedFloorArea) < 1e-6 * max(1, c.removedFloorArea))
        let html = try String(contentsOfFile: dir + "/diff/diff.html", encoding: .utf8)
        #expect(html.contains("What changed since last year") && html.contains("<svg"))
        let csv = try String(contentsOfFile: dir + "/diff/summary.csv", encoding: .utf8)
        #expect(csv.contains("count,buildings,added,,,,11"))
    }

    /// The same edits with every id renumbered: the footprints (IoU ≥ 0.5) find the same buildings.
    @Test func findsExactlyTheEditsByFootprint() throws {
        let dir = tempDir()
        let c = try EditedCity(buildings: 1500, seed: 21, stableIds: false, dir: dir)
        let r = try DiffStage.compare(old: .folder(c.old), new: .folder(c.new), progress: Self.progress)
        let b = try #require(r.layer("buildings"))
        #expect(b.matchedByGeometry == b.pairs.count)
        // Old side keys are the original ids: removed and raised are found by footprint.
        #expect(Set(b.removed.map { b.old[$0].key }) == c.removed)
        #expect(Set(b.changed.map { b.old[$0.old].key }) == c.raised)
        #expect(b.added.count == 11 && Set(b.added.map { b.new[$0].key }) == c.added)
        for p in b.changed { #expect(p.changes == ["height_m", "floors"]) }
    }

    @Test func badSidesAreClearErrors() throws {
        #expect(throws: PipelineError.self) { _ = try DiffStage.Side.parse("PG:dbname=x password=s3cret") }
        do { _ = try DiffStage.Side.parse("PG:dbname=x password=s3cret#a/99") } catch { #expect(!"\(error)".contains("s3cret")) }
        #expect(try DiffStage.Side.parse("PG:dbname=x#city_a/2024") == .postgis(connection: "PG:dbname=x", schema: "city_a", year: 2024))
        #expect { _ = try DiffStage.compare(old: .folder("/nonexistent"), new: .folder("/nonexistent"), progress: Self.progress) } throws: { e in
            "\(e)".contains("/nonexistent/base.gpkg")
        }
    }
}

@Suite(.enabled(if: PGServer.available, PGServer.reason)) struct DiffPostGISTests {
    /// Two published years compare as the two folders do.
    @Test func diffOfTwoPublishedYears() throws {
        let dir = tempDir()
        let c = try EditedCity(buildings: 800, seed: 5, stableIds: true, dir: dir)
        let s = try PGServer.schema("diffyears")
        let conn = PGServer.connection!
        for (d, y) in [(c.old, 2024), (c.new, 2025)] {
            _ = try PublishStage.run(dir: d, options: .init(to: conn, schema: s, city: "A", year: y), progress: DiffTests.progress)
        }
        let r = try DiffStage.compare(old: try .parse(conn + "#\(s)/2024"), new: try .parse(conn + "#\(s)/2025"), progress: DiffTests.progress)
        let b = try #require(r.layer("buildings"))
        #expect(Set(b.removed.map { b.old[$0].key }) == c.removed)
        #expect(Set(b.added.map { b.new[$0].key }) == c.added)
        #expect(Set(b.changed.map { b.new[$0.new].key }) == c.raised)
    }
}

/// `cimbase run` with `score.previous` naming last year's run: the report says what changed since, from the same
/// comparison as `cimbase diff` (written to DIR/diff/).
@Suite struct RunChangeSectionTests {
    @Test func reportSaysWhatChangedSinceLastYear() throws {
        let d = temporaryFolder()
        let quiet = Progress(quiet: true, summary: { _ in })
        try SynthStage.run(buildings: 600, seed: 5, outDir: d + "/src", progress: quiet)
        let yaml = try String(contentsOfFile: d + "/src/city.yaml", encoding: .utf8)
        // Last year's run (2025), then this year's.
        let last = yaml.replacingOccurrences(of: "year: 2026", with: "year: 2025")
        #expect(last != yaml)
        try last.write(toFile: d + "/src/city1.yaml", atomically: true, encoding: .utf8)
        try Stages.runAll(config: try CityConfig.load(path: d + "/src/city1.yaml"), outDir: d + "/y1", progress: quiet)
        // Next year: the buildings with fid ≤ 40 are gone, and last year's table is named as the previous one.
        let next = yaml.replacingOccurrences(of: "layer: buildings,", with: "layer: buildings, where: \"fid > 40\",")
            + "score: {previous: [\(d)/y1/indicators.csv]}\n"
        #expect(next != yaml + "score: {previous: [\(d)/y1/indicators.csv]}\n")
        try next.write(toFile: d + "/src/city2.yaml", atomically: true, encoding: .utf8)
        try Stages.runAll(config: try CityConfig.load(path: d + "/src/city2.yaml"), outDir: d + "/y2", progress: quiet)
        let report = try String(contentsOfFile: d + "/y2/report.html", encoding: .utf8)
        #expect(report.contains("What changed since last year"))
        #expect(FileManager.default.fileExists(atPath: d + "/y2/diff/diff.gpkg"))
        let r = try DiffStage.compare(old: .folder(d + "/y1"), new: .folder(d + "/y2"), progress: quiet)
        let b = try #require(r.layer("buildings"))
        let n1 = try BaseLayerIO.read(path: d + "/y1/base.gpkg").buildings.count, n2 = try BaseLayerIO.read(path: d + "/y2/base.gpkg").buildings.count
        #expect(n1 - n2 > 20 && b.removed.count == n1 - n2 && b.added.isEmpty && b.changed.isEmpty)
        // The report's counts row for buildings: old, new, added 0, removed n1 − n2.
        #expect(report.contains("<td>buildings</td><td class=\"num\">\(n1.grouped)</td><td class=\"num\">\(n2.grouped)</td><td class=\"num\">0</td><td class=\"num\">\((n1 - n2).grouped)</td>"))
        // Without a previous run folder there is no such section.
        let y1 = try String(contentsOfFile: d + "/y1/report.html", encoding: .utf8)
        #expect(!y1.contains("What changed since last year"))
    }
}
