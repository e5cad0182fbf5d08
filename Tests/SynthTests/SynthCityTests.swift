import CityModel
import Foundation
import Testing
@testable import Synth

/// The pinned small city: 10 000 buildings, seed 42.
private func city(_ n: Int = 10_000, seed: UInt64 = 42) throws -> (SynthCity, CollectingSink, SynthManifest) {
    let c = try SynthCity(options: SynthOptions(buildings: n, seed: seed))
    var sink = CollectingSink()
    let m = try c.generate(into: &sink)
    return (c, sink, m)
}

private func digest(_ n: Int, seed: UInt64) throws -> UInt64 {
    var h = FNVHashingSink()
    _ = try SynthCity(options: SynthOptions(buildings: n, seed: seed)).generate(into: &h)
    return h.digest
}

private func str(_ v: FieldValue) -> String? { if case .string(let s) = v { return s }; return nil }

@Suite("Synthetic city")
struct SynthCityTests {
    @Test("10k city, seed 42: pinned counts per layer, kind, size class and the FNV-1a digest")
    func pinnedCounts() throws {
        let (_, sink, m) = try city()
        #expect(m.layers.map(\.name) == SynthLayer.allCases.map(\.rawValue))
        #expect(sink.tables.map(\.name) == SynthLayer.allCases.map(\.rawValue))
        for t in sink.tables { #expect(t.rows.count == m.count(t.name), "\(t.name)") }
        #expect(m.count("buildings") == 10_000)
        #expect(m.regularBuildings == 10_000 - 9)
        #expect(m.bad == BadFeatureCounts())
        #expect(m.bad.total == 9)
        #expect(m.layers.map(\.count) == PINNED_LAYERS)
        #expect(m.poisByKind.map(\.count) == PINNED_POIS)
        #expect(m.poisByKind.map(\.name) == FacilityCategory.all.map(\.id))
        #expect(m.greenBySize.map(\.count) == PINNED_GREEN)
        #expect(m.roadsByClass.map(\.count) == PINNED_ROADS)
        #expect(m.pipesByType.map(\.count) == PINNED_PIPES)
        #expect(Int(m.residents) == PINNED_RESIDENTS)
        #expect(m.poiPolygons == PINNED_POI_POLYGONS)
        #expect(m.bridges == PINNED_BRIDGES)
        #expect(m.sewerGapSubdistricts == 1 && m.subdistricts == 4 && m.districts == 2)
        var h = FNVHashingSink()
        _ = try SynthCity(options: SynthOptions(buildings: 10_000, seed: 42)).generate(into: &h)
        #expect(h.digest == PINNED_DIGEST)
        #expect(h.counts == m.layers)
    }

    @Test("same seed twice → identical features; another seed → different")
    func determinism() throws {
        let a = try digest(3_000, seed: 7), b = try digest(3_000, seed: 7), c = try digest(3_000, seed: 8)
        #expect(a == b)
        #expect(a != c)
        let (_, s1, m1) = try city(2_000, seed: 5)
        let (_, s2, m2) = try city(2_000, seed: 5)
        #expect(m1 == m2)
        for (t1, t2) in zip(s1.tables, s2.tables) { #expect(t1.rows == t2.rows) }
    }

    @Test("the buildings layer has exactly N rows for several sizes and seeds")
    func exactCount() throws {
        for (n, seed) in [(100, 1), (257, 2), (1_000, 3), (4_321, 4)] as [(Int, UInt64)] {
            var s = CountingSink()
            let m = try SynthCity(options: SynthOptions(buildings: n, seed: seed)).generate(into: &s)
            #expect(s.counts.first?.count == n)
            #expect(m.regularBuildings == n - 9)
        }
        #expect(throws: SynthError.tooFewBuildings(99)) { try SynthCity(options: SynthOptions(buildings: 99, seed: 1)) }
    }

    @Test("regular building footprints are valid simple polygons, inside the study area, and never overlap")
    func buildingValidity() throws { try checkBuildings(10_000, seed: 42) }

    @Test("walk network: one connected component, dead ends, the river crossed only on bridges")
    func network() throws { try checkNetwork(10_000, seed: 42) }

    /// Opt-in (SYNTH_BIG=1, best with `swift test -c release`): the same checks on 100k-building cities.
    @Test("large cities (opt-in): validity, no overlaps, network",
          .enabled(if: ProcessInfo.processInfo.environment["SYNTH_BIG"] == "1", "opt-in: set SYNTH_BIG=1 to check 100k-building cities"))
    func large() throws {
        for seed: UInt64 in [1, 42] {
            try checkBuildings(100_000, seed: seed)
            try checkNetwork(100_000, seed: seed)
        }
    }

    func checkBuildings(_ n: Int, seed: UInt64) throws {
        let (c, sink, _) = try city(n, seed: seed)
        let b = sink.table("buildings")!
        let nameIdx = b.fieldIndex("name")!
        var polys: [(Polygon, BBox, Int)] = []
        var holes = 0, multi = 0
        let regular = b.rows.count - BadFeatureCounts().total
        for (k, row) in b.rows.enumerated() {
            if k >= regular { continue }
            if let n = str(row.values[nameIdx]) { #expect(!n.hasPrefix("bad:")) }
            guard case .multiPolygon(let mp)? = row.geometry else { Issue.record("row \(k) not a multipolygon"); continue }
            #expect(!mp.polygons.isEmpty)
            if mp.polygons.count > 1 { multi += 1 }
            for p in mp.polygons {
                #expect(Check.validSimplePolygon(p), "building row \(k)")
                holes += p.rings.count - 1
                #expect(c.extent.contains(p.bbox.center))
                polys.append((p, p.bbox, k))
            }
        }
        #expect(holes > 0)    // courtyards exist
        #expect(multi > 0)    // multipolygons exist
        // Sweep by min x; brute-force test every pair whose boxes meet.
        polys.sort { $0.1.minX < $1.1.minX }
        var pairs = 0
        for i in 0..<polys.count {
            var j = i + 1
            while j < polys.count && polys[j].1.minX <= polys[i].1.maxX {
                if polys[i].1.intersects(polys[j].1) {
                    pairs += 1
                    #expect(!Check.polygonsTouch(polys[i].0, polys[j].0), "rows \(polys[i].2) and \(polys[j].2) overlap")
                }
                j += 1
            }
        }
        #expect(pairs > 0 || polys.count < 2)
    }

    @Test("the deliberate bad features are the last 9 buildings, as the manifest says")
    func badFeatures() throws {
        let (_, sink, m) = try city(1_000, seed: 11)
        let b = sink.table("buildings")!
        let nameIdx = b.fieldIndex("name")!, hIdx = b.fieldIndex("height_m")!
        let tail = Array(b.rows.suffix(m.bad.total))
        let names = tail.map { str($0.values[nameIdx]) }
        #expect(Array(names[0..<2]) == ["bad:bow-tie", "bad:bow-tie"])
        #expect(Array(names[2..<4]) == ["bad:zero-height", "bad:zero-height"])
        #expect(names[4] == "bad:height-5000")
        #expect(names[7] == "bad:degenerate-ring")
        #expect(names[8] == "bad:empty")
        #expect(tail[2].values[hIdx] == .real(0) && tail[3].values[hIdx] == .real(0))
        #expect(tail[4].values[hIdx] == .real(5000))
        // Duplicates: same geometry and values as regular rows 1 and 2, except the id.
        for d in 0..<2 {
            #expect(tail[5 + d].geometry == b.rows[d].geometry)
            #expect(Array(tail[5 + d].values.dropFirst()) == Array(b.rows[d].values.dropFirst()))
            #expect(tail[5 + d].values[0] != b.rows[d].values[0])
        }
        // Bow-ties fail the simple-polygon check; the degenerate ring has 2 points; the empty geometry is empty.
        for k in 0..<2 {
            guard case .multiPolygon(let mp)? = tail[k].geometry else { Issue.record("bow-tie"); continue }
            #expect(!Check.validSimplePolygon(mp.polygons[0]))
        }
        guard case .multiPolygon(let deg)? = tail[7].geometry else { Issue.record("degenerate"); return }
        #expect(deg.polygons[0].exterior.count == 2)
        #expect(tail[8].geometry?.isEmpty == true)
        #expect(WKB.encode(tail[8].geometry!) == [1, 6, 0, 0, 0, 0, 0, 0, 0])
        // Every non-bad row is otherwise plausible: height in (0, 300) when given.
        for row in b.rows.dropLast(m.bad.total) {
            if case .real(let h) = row.values[hIdx] { #expect(h > 0 && h < 300) }
        }
    }

    @Test("population grid sums to the residents drawn from residential floor area (35 m² per person ± 15 %)")
    func populationConsistency() throws {
        let (c, sink, m) = try city()
        let pop = sink.table("population")!
        var total = 0.0
        for row in pop.rows {
            total += row.values[1].real!
            guard case .multiPolygon(let mp)? = row.geometry else { Issue.record("cell"); continue }
            #expect(mp.area > 0 && mp.area <= 100 * 100 + 1e-3)
            #expect(c.extent.contains(mp.centroid))
        }
        #expect(abs(total - m.residents) <= 0.05 * Double(pop.rows.count) + 1e-6)
        let perPerson = m.residentialFloorArea / m.residents
        #expect(perPerson > 35 / 1.15 && perPerson < 35 / 0.85)
        // Reported residents agree with footprint × floors / 35 within the noise.
        let b = sink.table("buildings")!
        let fl = b.fieldIndex("floors")!, res = b.fieldIndex("residents")!, use = b.fieldIndex("use")!
        var checked = 0
        for row in b.rows {
            guard let r = row.values[res].real, let f = row.values[fl].int, case .multiPolygon(let mp)? = row.geometry else { continue }
            let share = str(row.values[use]) == "mixed" ? 0.6 : 1.0
            let base = mp.area * Double(f) / 35 * share
            #expect(r >= 0.85 * base - 0.5 && r <= 1.15 * base + 0.5)
            checked += 1
        }
        #expect(checked > 100)
        #expect(m.buildingsWithResidents > checked)
        // Gross density of a plausible Chinese city: 0.7–3 万 per km².
        let density = m.residents / (c.side * c.side / 1e6)
        #expect(density > 7_000 && density < 30_000)
    }

    func checkNetwork(_ n: Int, seed: UInt64) throws {
        let (_, sink, m) = try city(n, seed: seed)
        let roads = sink.table("roads")!
        let hw = roads.fieldIndex("highway")!, foot = roads.fieldIndex("foot")!, br = roads.fieldIndex("bridge")!
        // Union-find over exact vertex coordinates of walkable roads (sorted keys, no hashing order involved).
        var keys: [Vec2] = []
        var lines: [[Vec2]] = []
        for row in roads.rows where str(row.values[foot]) == "yes" {
            guard case .lineString(let l)? = row.geometry else { continue }
            lines.append(l.points); keys += l.points
        }
        keys.sort { ($0.x, $0.y) < ($1.x, $1.y) }
        var uniq: [Vec2] = []
        for k in keys where uniq.last != k { uniq.append(k) }
        func id(_ p: Vec2) -> Int {
            var lo = 0, hi = uniq.count
            while lo < hi { let mid = (lo + hi) / 2; if (uniq[mid].x, uniq[mid].y) < (p.x, p.y) { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var parent = Array(0..<uniq.count)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        var degree = [Int](repeating: 0, count: uniq.count)
        for l in lines {
            let ids = l.map(id)
            degree[ids.first!] += 1; degree[ids.last!] += 1
            for k in 1..<ids.count { parent[find(ids[k])] = find(ids[k - 1]) }
        }
        var compSize = [Int](repeating: 0, count: uniq.count)
        for k in 0..<uniq.count { compSize[find(k)] += 1 }
        // One giant component (a footway or cul-de-sac whose neighbours were all removed may stay apart, as in OSM).
        #expect(Double(compSize.max()!) >= 0.99 * Double(uniq.count), "walk network is fragmented")
        #expect(degree.filter { $0 == 1 }.count >= 20)   // dead ends
        #expect(degree.filter { $0 >= 3 }.count >= 200)  // junctions
        #expect(m.bridges >= 3)
        #expect(m.roads("footway") > 0 && m.roads("steps") > 0 && m.roads("path") > 0 && m.roads("motorway") > 0)
        // No road but a bridge crosses the water polygon.
        guard case .multiPolygon(let river)? = sink.table("water")!.rows[0].geometry else { Issue.record("river"); return }
        let water = river.polygons[0]
        let wEdges = Check.edges(water)
        let wbox = water.bbox
        for row in roads.rows where row.values[br] == .null {
            guard case .lineString(let l)? = row.geometry, l.bbox.intersects(wbox) else { continue }
            for k in 1..<l.points.count {
                let a = l.points[k - 1], b = l.points[k]
                #expect(!water.contains(a) && !water.contains(b), "\(str(row.values[hw]) ?? "") enters the river")
                for (_, _, c, d) in wEdges where Check.segmentsIntersect(a, b, c, d) {
                    Issue.record("a non-bridge \(str(row.values[hw]) ?? "") crosses the river")
                }
            }
        }
        // The motorway is closed to walkers.
        for row in roads.rows where str(row.values[hw]) == "motorway" { #expect(str(row.values[foot]) == "no") }
    }

    @Test("facilities of every category, densities near the provision rates; park sizes of all three classes")
    func facilitiesAndGreen() throws {
        let (_, sink, m) = try city()
        for cat in FacilityCategory.all { #expect(m.pois(cat.id) > 0, "\(cat.id)") }
        let kindergartens = Double(m.pois("kindergarten")), conv = Double(m.pois("convenience"))
        #expect(kindergartens > m.residents / 9_000 * 0.5 && kindergartens < m.residents / 9_000 * 1.5)
        #expect(conv > m.residents / 1_200 * 0.5 && conv < m.residents / 1_200 * 1.5)
        let pois = sink.table("pois")!
        let kinds = Set(FacilityCategory.all.map(\.id))
        var polygons = 0
        for row in pois.rows {
            #expect(kinds.contains(str(row.values[1]) ?? ""))
            if case .polygon(let p)? = row.geometry { polygons += 1; #expect(Check.validSimplePolygon(p)) }
        }
        #expect(polygons == m.poiPolygons && polygons > 0)
        #expect(m.green(size: "lt400") > 0 && m.green(size: "400to5000") > 0 && m.green(size: "ge5000") > 0)
        let green = sink.table("green")!
        for row in green.rows {
            guard case .multiPolygon(let mp)? = row.geometry else { Issue.record("green"); continue }
            for p in mp.polygons { #expect(Check.validSimplePolygon(p)) }
            #expect(abs(mp.area - row.values[3].real!) < 0.06)
        }
        // Park points: one per park polygon.
        #expect(m.pois("park") == m.greenByKind.first { $0.name == "park" }!.count)
        guard case .multiPolygon(let river)? = sink.table("water")!.rows[0].geometry else { Issue.record("river"); return }
        #expect(Check.validSimplePolygon(river.polygons[0]))
    }

    @Test("a sub-district without sewer: its own streets have water pipes but no sewer")
    func sewerGap() throws {
        let (_, sink, m) = try city()
        #expect(m.sewerGapSubdistricts >= 1)
        #expect(m.pipesByType.allSatisfy { $0.name == "heat" || $0.count > 0 })
        // Find the gap sub-district: the one (among all) with water pipes strictly inside and no sewer strictly inside.
        let pipes = sink.table("pipes")!
        var gaps = 0
        for z in sink.table("subdistricts")!.rows {
            let zone = z.geometry!.polygons
            var sewer = 0, water = 0
            for p in pipes.rows {
                guard case .lineString(let l)? = p.geometry else { continue }
                let mid = l.pointAt(fraction: 0.5)
                // Strictly inside by 5 m: not on the arterials bounding the zone.
                guard [Vec2(5, 0), Vec2(-5, 0), Vec2(0, 5), Vec2(0, -5)].allSatisfy({ zone.contains(mid + $0) }) else { continue }
                if str(p.values[1]) == "sewer" { sewer += 1 } else if str(p.values[1]) == "water" { water += 1 }
            }
            if sewer == 0 && water > 0 { gaps += 1 }
        }
        #expect(gaps == m.sewerGapSubdistricts)
    }

    @Test("zones tile the study area; codes are unique and nested")
    func zones() throws {
        let (c, sink, m) = try city()
        let area = c.side * c.side
        for layer in ["districts", "subdistricts"] {
            let t = sink.table(layer)!
            let sum = t.rows.reduce(0.0) { $0 + $1.geometry!.polygons.area }
            #expect(abs(sum - area) < 1e-6 * area, "\(layer)")
            let codes = t.rows.map { str($0.values[0])! }
            #expect(Set(codes).count == codes.count)
        }
        let dcodes = Set(sink.table("districts")!.rows.map { str($0.values[0])! })
        for row in sink.table("subdistricts")!.rows {
            let code = str(row.values[0])!, d = str(row.values[2])!
            #expect(code.hasPrefix(d) && code.count == 9 && dcodes.contains(d))
        }
        #expect(m.subdistricts == sink.table("subdistricts")!.rows.count)
        #expect(abs(sink.table("boundary")!.rows[0].geometry!.polygons.area - area) < 1e-6 * area)
    }

    @Test("city.yaml text")
    func yaml() throws {
        let c = try SynthCity(options: SynthOptions(buildings: 10_000, seed: 42))
        #expect(c.configYAML() == """
        city: Synthetic city (seed 42, 10000 buildings)
        year: 2026
        crs: EPSG:4548
        layers:
          buildings:  {source: city.gpkg, layer: buildings, height: height_m, floors: floors, use: use, year_built: year_built, residents: residents}
          roads:      {source: city.gpkg, layer: roads}
          facilities: {source: city.gpkg, layer: pois, category: kind}
          green:      {source: city.gpkg, layer: green}
          water:      {source: city.gpkg, layer: water}
          pipes:      {source: city.gpkg, layer: pipes, kind: type}
          population: {source: city.gpkg, layer: population, value: population}
          zones:      {source: city.gpkg, layer: subdistricts, id: code, name: name}
          boundary:   {source: city.gpkg, layer: boundary}
          dem:        {source: dem.tif, sample: min}

        """)
        #expect(c.configYAML(gpkgName: "x.gpkg").contains("{source: x.gpkg, layer: pois, category: kind}"))
        #expect(!c.configYAML(demName: nil).contains("dem:"))
    }

    @Test("terrain: a flat river at the valley floor, hills around it, the DEM its cell-centre samples")
    func terrain() throws {
        let c = try SynthCity(options: SynthOptions(buildings: 2000, seed: 11))
        let t = c.terrain, r = c.layout.river
        let dem = c.dem()
        // On the water: 45 m falling 0.5 m/km eastward, whatever the offset across the river.
        for k in 0...20 {
            let x = r.x0 + Double(k) / 20 * (r.x1 - r.x0)
            for o in [-0.49, 0, 0.49] {
                let e = t.elevation(Vec2(x, r.centre(x) + o * r.width))
                #expect(abs(e - (45 - 0.0005 * (x - r.x0))) < 1e-9)
            }
            // 700 m or more from the banks the ground is the river level + 8 m + hills (≥ −6 m): above the water.
            let far = t.elevation(Vec2(x, r.centre(x) + r.width / 2 + 800))
            #expect(far >= 45 - 0.0005 * (x - r.x0) + 1.9)
        }
        #expect(dem.cell == 10 && dem.values.count == dem.cols * dem.rows)
        #expect(dem.minX <= c.extent.minX - 100 && dem.maxY >= c.extent.maxY + 100)
        let (mn, mx) = (dem.values.min()!, dem.values.max()!)
        #expect(mn > 40 && mx < 100 && mx - mn > 15)
        // Cell (r, c) holds the elevation at its centre.
        for (row, col) in [(0, 0), (dem.rows / 2, dem.cols / 3), (dem.rows - 1, dem.cols - 1)] {
            let p = Vec2(dem.minX + (Double(col) + 0.5) * dem.cell, dem.maxY - (Double(row) + 0.5) * dem.cell)
            #expect(dem.values[row * dem.cols + col] == Float(t.elevation(p)))
        }
    }

    @Test("SplitMix64 matches the reference sequence for seed 1234567")
    func splitMix() {
        // Reference values from Vigna's splitmix64.c with x = 1234567.
        var r = SplitMix64(seed: 1234567)
        #expect(r.next() == 6457827717110365317)
        #expect(r.next() == 3203168211198807973)
        #expect(r.next() == 9817491932198370423)
    }

    @Test("test predicates: hand-made cases")
    func predicates() {
        let sq = Polygon(exterior: [Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)])
        #expect(Check.validSimplePolygon(sq))
        #expect(!Check.validSimplePolygon(Polygon(exterior: [Vec2(0, 0), Vec2(10, 10), Vec2(10, 0), Vec2(0, 10)])))
        let ring = Polygon(exterior: sq.exterior, holes: [[Vec2(2, 2), Vec2(2, 8), Vec2(8, 8), Vec2(8, 2)]])
        #expect(Check.validSimplePolygon(ring))
        let badHole = Polygon(exterior: sq.exterior, holes: [[Vec2(2, 2), Vec2(2, 18), Vec2(8, 18), Vec2(8, 2)]])
        #expect(!Check.validSimplePolygon(badHole))
        #expect(Check.polygonsTouch(sq, Polygon(exterior: [Vec2(10, 0), Vec2(20, 0), Vec2(20, 10), Vec2(10, 10)])))
        #expect(!Check.polygonsTouch(sq, Polygon(exterior: [Vec2(11, 0), Vec2(20, 0), Vec2(20, 10), Vec2(11, 10)])))
        #expect(Check.polygonsTouch(sq, Polygon(exterior: [Vec2(2, 2), Vec2(3, 2), Vec2(3, 3)])))
        // Random segments: intersection test agrees with a parametric solve away from degeneracy.
        var rng = TestRNG(seed: 99)
        for _ in 0..<2000 {
            let p = (0..<4).map { _ in Vec2(rng.unit() * 10, rng.unit() * 10) }
            let d1 = p[1] - p[0], d2 = p[3] - p[2]
            let den = d1.x * d2.y - d1.y * d2.x
            guard abs(den) > 1e-6 else { continue }
            let w = p[2] - p[0]
            let t = (w.x * d2.y - w.y * d2.x) / den, u = (w.x * d1.y - w.y * d1.x) / den
            guard abs(t) > 1e-9, abs(t - 1) > 1e-9, abs(u) > 1e-9, abs(u - 1) > 1e-9 else { continue }
            #expect(Check.segmentsIntersect(p[0], p[1], p[2], p[3]) == (t > 0 && t < 1 && u > 0 && u < 1))
        }
    }
}
