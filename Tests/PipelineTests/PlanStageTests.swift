import CityModel
import Foundation
@testable import Pipeline
import Testing

/// `cimbase plan` (issue 17): the coverage the plan predicts equals the coverage the walk stage computes with the
/// chosen sites added as facilities, exactly; the `plan:` section is typed and checked with its lines.
@Suite(.serialized) struct PlanStageTests {
    /// Coverage (%) of a category in a walk output, summed as the coverage indicator sums (origin order).
    static func coverage(_ w: WalkStage.Output, _ base: BaseLayer, _ cat: String, _ t: Double, _ weighting: String, _ fh: Double) -> Double {
        let d = w.access.distances[cat]!
        var num = 0.0, den = 0.0
        for (k, b) in w.access.origins.enumerated() {
            let x = PlanStage.weight(base.buildings[b], weighting, fh)
            den += x
            if Double(d[k]) <= t { num += x }
        }
        return num / den * 100
    }

    @Test func predictedCoverageEqualsTheWalkStageWithTheSitesBuilt() throws {
        var cfg = try CityConfig.load(path: Paths.helsinkiSample)
        cfg.walk.gridCellM = 0
        var kg = PlanStage.CategoryPlan(category: "kindergarten"); kg.sites = 3
        var ps = PlanStage.CategoryPlan(category: "primary_school"); ps.targetPct = 90; ps.spacingM = 200
        var cs = PlanStage.CategoryPlan(category: "community_service"); cs.sites = 2; cs.weighting = "floor_area"; cs.capacity = 5000
        cfg.plan.categories = [kg, ps, cs]
        let dir = tempDir()
        let (base, _) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        let walk = try #require(try WalkStage.run(config: cfg, base: base, outDir: dir, progress: Progress(quiet: true)))
        let plan = try #require(try PlanStage.run(config: cfg, base: base, walk: walk, outDir: dir, progress: Progress(quiet: true)))
        #expect(plan.categories.count == 3)
        #expect(plan.categories[0].sites.count == 3)
        #expect(plan.categories[1].reachedTarget)
        for r in plan.categories {
            // Today's coverage is the walk stage's.
            #expect(r.basePct == Self.coverage(walk, base, r.plan.category, r.thresholdM, r.plan.weighting, cfg.ingest.floorHeightM))
            // Coverage after the first 1…k sites equals a walk run with those sites built (every rank of the first
            // category, the full plan of the others).
            let ranks = r.plan.category == "kindergarten" ? Array(1 ... r.sites.count) : [r.sites.count]
            for k in ranks {
                var b2 = base
                for s in r.sites.prefix(k) {
                    b2.facilities.append(Facility(id: 9_000_000 + Int64(s.rank), sourceId: "plan", category: r.plan.category, geometry: .point(s.point)))
                }
                let w2 = try #require(try WalkStage.run(config: cfg, base: b2, outDir: tempDir("\(#function)-\(r.plan.category)-\(k)"), progress: Progress(quiet: true)))
                let got = Self.coverage(w2, b2, r.plan.category, r.thresholdM, r.plan.weighting, cfg.ingest.floorHeightM)
                #expect(got == r.sites[k - 1].coveragePct, "\(r.plan.category) after \(k) sites")
                if k == r.sites.count { #expect(w2.access.distances[r.plan.category]! == r.distancesAfter) }
            }
            // Coverage rises with every site; the newly covered weights add up.
            for (a, b) in zip(r.sites, r.sites.dropFirst()) { #expect(b.coveragePct > a.coveragePct) }
        }
        #expect(plan.categories[0].sites.last!.coveragePct > 30)
        // The outputs.
        let csv = try String(contentsOfFile: dir + "/plan.csv", encoding: .utf8)
        #expect(csv.hasPrefix("category,threshold_m,weighting,sites,coverage_pct,newly_covered,served,target_pct,capacity\nkindergarten,300.0,residents,0,"))
        #expect(FileManager.default.fileExists(atPath: dir + "/plan.gpkg"))
        #expect(FileManager.default.fileExists(atPath: dir + "/plan/report.html"))
        #expect(FileManager.default.fileExists(atPath: dir + "/plan/indicators.csv"))
        #expect(plan.indexAfter! > plan.indexBefore!)
        // Capacity: no site serves more than it.
        for s in plan.categories[2].sites { #expect(s.served <= 5000 + 1e-9) }
    }

    /// `cimbase plan` on a finished folder of a synthetic city (issue 17 speed path): reading only what the plan uses
    /// from base.gpkg and walk.gpkg gives the same sites, curve and treatments as the plan on the in-memory base and
    /// walk outputs of the run; the pipe gaps read from DIR/indicators.gpkg equal the indicators stage's; and the new
    /// fire station's coverage equals fire_5min_cov's sum with the station built (the walk stage's drive search).
    @Test func leanInputsGiveTheSamePlanOnASyntheticCity() throws {
        let dir = tempDir()
        try SynthStage.run(buildings: 1500, seed: 7, outDir: dir + "/src", progress: Progress(quiet: true))
        var cfg = try CityConfig.load(path: dir + "/src/city.yaml")
        var kg = PlanStage.CategoryPlan(category: "kindergarten"); kg.targetPct = 80
        cfg.plan.categories = [kg]
        cfg.plan.whatIf = false
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let q = Progress(quiet: true)
        var (base, _) = try Ingest.run(config: cfg, outDir: out, progress: q)
        // A city this small has no fire station: one facility (not a kindergarten) becomes one, with a 1-minute reach
        // (500 m), so that part of the city is beyond it.
        cfg.indicators.params["fire_5min_cov"] = ["minutes": 1]
        let fi = try #require(base.facilities.firstIndex { $0.category != "kindergarten" })
        base.facilities[fi].category = "fire_station"
        try BaseLayerIO.write(base, to: out + "/base.gpkg", config: cfg)
        let walk = try #require(try WalkStage.run(config: cfg, base: base, outDir: out, progress: q))
        let ind = try Stages.indicators(config: cfg, base: base, walk: walk.access, fireDrive: walk.fireDrive, outDir: out, progress: q)
        try FileManager.default.createDirectory(atPath: dir + "/full", withIntermediateDirectories: true)
        let full = try #require(try PlanStage.run(config: cfg, base: base, walk: walk, pipeGaps: ind.pipeGaps, outDir: dir + "/full", progress: q))
        let lean = try #require(try PlanStage.run(config: cfg, outDir: out, progress: q))
        let a = try #require(full.categories.first), b = try #require(lean.categories.first)
        #expect(a.sites.count > 0)
        #expect(a.basePct == b.basePct && a.candidates == b.candidates)
        #expect(a.sites.map(\.point) == b.sites.map(\.point))
        #expect(a.sites.map(\.coveragePct) == b.sites.map(\.coveragePct))
        #expect(a.sites.map(\.buildings) == b.sites.map(\.buildings))
        // Treatments: the same old stock, pipe gaps (lean: read back from indicators.gpkg) and fire station.
        let ta = try #require(full.treatments), tb = try #require(lean.treatments)
        #expect(ta.oldStock.rows == tb.oldStock.rows)
        #expect(ta.pipeGaps.missing == nil && tb.pipeGaps.missing == nil)
        #expect(ta.pipeGaps.gaps.count == tb.pipeGaps.gaps.count && ta.pipeGaps.gaps.count > 0)
        for (x, y) in zip(ta.pipeGaps.gaps, tb.pipeGaps.gaps) { #expect(abs(x.areaM2 - y.areaM2) < 1e-6 && abs(x.streetM - y.streetM) < 1e-6) }
        #expect(ta.fire.point == tb.fire.point && ta.fire.afterPct == tb.fire.afterPct && ta.fire.basePct == tb.fire.basePct)
        // The fire station: built as a facility, the walk stage's drive search and fire_5min_cov's sum give afterPct.
        let f = ta.fire
        if let pt = f.point {
            #expect(f.afterPct > f.basePct)
            let o = try WalkStage.options(cfg, base: base)
            let st = base.facilities.filter { $0.category == "fire_station" } + [Facility(id: 99_999_999, sourceId: "plan", category: "fire_station", geometry: .point(pt))]
            let d = try #require(try WalkInputs.fireDrive(base: base, stations: st, options: o, snap: SnapOptionsForTest.make(o)))
            let reach = Float(PlanStage.fireReach(cfg))
            var num = 0.0, den = 0.0
            for (i, x) in base.buildings.enumerated() { den += x.footprint.area; if d[i] <= reach { num += x.footprint.area } }
            #expect(num / den * 100 == f.afterPct)
            #expect(ind.values.contains { $0.spec.id == "fire_5min_cov" && $0.zoneID.isEmpty && abs(($0.value ?? -1) - f.basePct) < 1e-9 })
        } else {
            Issue.record("no fire station site on the synthetic city: \(f.missing ?? "")")
        }
    }

    static let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"
    func error(_ extra: String) -> String {
        do { _ = try CityConfig.parse(Self.head + extra + "\n", file: "city.yaml"); return "no error" } catch { return "\(error)" }
    }

    @Test func planSectionIsTypedAndChecked() throws {
        let c = try CityConfig.parse(Self.head + "plan:\n  kindergarten: {sites: 5, spacing_m: 300}\n  primary_school: {target_pct: 80, capacity: 2000, weighting: buildings}\n  candidates: {source: sites.gpkg, layer: sites}\n", file: "city.yaml")
        #expect(c.plan.categories.map(\.category) == ["kindergarten", "primary_school"])
        #expect(c.plan.categories[0].sites == 5 && c.plan.categories[0].spacingM == 300)
        #expect(c.plan.categories[1].targetPct == 80 && c.plan.categories[1].capacity == 2000 && c.plan.categories[1].weighting == "buildings")
        #expect(c.plan.candidates?.source == "sites.gpkg" && c.plan.candidates?.layer == "sites")
        // Default capacity (GB 50180-2018 table 3.0.4, the upper population of the facility's life circle) for the
        // residents weighting; the configured one otherwise; none for buildings weighting, parks, `capacity: none`.
        #expect(c.plan.categories[0].capacity == nil && c.plan.categories[0].capacityBasis == nil)
        #expect(c.plan.categories[1].capacityBasis == "config")
        let g = try CityConfig.parse(Self.head + "plan:\n  default_capacity: gb50180\n  kindergarten: {sites: 5}\n", file: "city.yaml")
        #expect(g.plan.categories[0].capacity == 12_000 && g.plan.categories[0].capacityBasis!.hasPrefix("GB 50180-2018 5-minute"))
        let d = try CityConfig.parse(Self.head + "plan:\n  default_capacity: gb50180\n  primary_school: {sites: 2}\n  middle_school: {sites: 2}\n  park: {sites: 1}\n  clinic: {sites: 1, capacity: none}\n  pharmacy: {sites: 1, weighting: floor_area}\n  hospital: {sites: 1}\n", file: "city.yaml")
        #expect(d.plan.categories.map(\.capacity) == [25_000, 100_000, nil, nil, nil, nil])
        #expect(d.plan.categories.map(\.capacityBasis) == [PlanStage.standardCapacity("primary_school", weighting: "residents")!.basis,
                                                          PlanStage.standardCapacity("middle_school", weighting: "residents")!.basis, nil, "none", nil, nil])
        let e = try CityConfig.parse(Self.head + "plan:\n  default_capacity: none\n  kindergarten: {sites: 2}\n  culture: {sites: 1, capacity: 30000}\n", file: "city.yaml")
        #expect(e.plan.categories[0].capacity == nil && e.plan.categories[1].capacity == 30_000)
        #expect(error("plan:\n  default_capacity: yes\n  kindergarten: {sites: 1}").contains("city.yaml:6: plan.default_capacity: must be gb50180"))
        #expect(error("plan:\n  kindergarten: {sites: 1, capacity: nil}").contains("plan.kindergarten.capacity"))
        #expect(error("plan:\n  kindergarten: {sitez: 5}").contains("city.yaml:6: plan.kindergarten.sitez: unknown key 'sitez'"))
        #expect(error("plan:\n  kindergarten: {sites: 0}") == "city.yaml:6: plan.kindergarten.sites: must be between 1 and 10000, not 0")
        #expect(error("plan:\n  kindergarten: {target_pct: 120}").contains("plan.kindergarten.target_pct: must be"))
        #expect(error("plan:\n  kindergarten: {spacing_m: 100}").contains("city.yaml:6: plan.kindergarten: give sites: N"))
        #expect(error("plan:\n  fire_station: {sites: 1}").contains("plan.fire_station: fire_station is reached by driving"))
        #expect(error("plan:\n  no_such: {sites: 1}").contains("city.yaml:6: plan.no_such: unknown category 'no_such'"))
        #expect(error("plan:\n  kindergarten: {sites: 1, threshold_m: 420}").contains("plan.kindergarten.threshold_m: must be a threshold the walk stage reports for kindergarten: 300, 500, 1000"))
        #expect(error("plan:\n  kindergarten: {sites: 1, weighting: people}").contains("must be residents, floor_area or buildings"))
        #expect(error("plan:\n  candidates: {layer: x}").contains("plan.candidates needs 'source'"))
    }
}
