import CityModel
import Foundation
import GeoBridge
import Indicators
import Planning
import Scoring
import WalkNetwork

/// `cimbase plan`: where to build new facilities so that walk-coverage gaps close (maximal covering location problem,
/// issue 17) → DIR/plan.gpkg (`sites`, `newly_covered`), DIR/plan.csv (the curve "sites → coverage" per category) and
/// the what-if indicator table and score in DIR/plan/ (the walk coverage with the chosen sites built, scored by the
/// same indicator system).
///
/// Per planned category: the walk graph, origins and existing facilities exactly as the walk stage builds them; the
/// origins not yet covered within the category's threshold are the demand (weighted as the coverage indicator:
/// residents, floor area or buildings); candidates are the user's `plan.candidates` layer or, without one, network
/// points spaced evenly inside the gaps; one bounded Dijkstra per candidate gives its coverage row
/// (``CoverageRows``), and ``MaximalCovering`` chooses the sites. The predicted coverage equals what the walk stage
/// computes with the sites added as facilities (PlanStageTests check it by running the walk stage).
public enum PlanStage {
    /// One category's plan (`plan.<category>`).
    public struct CategoryPlan: Sendable, Equatable {
        /// Facility category (a built-in or config-defined id).
        public var category: String
        /// At most this many new sites (`sites`).
        public var sites: Int?
        /// The fewest sites that reach this coverage, per cent (`target_pct`).
        public var targetPct: Double?
        /// Minimum distance (m) between two new sites (`spacing_m`; 0: none).
        public var spacingM = 0.0
        /// Weight one new facility serves at most (`capacity`, in the weighting's unit; nil: unlimited).
        public var capacity: Double?
        /// Where `capacity` comes from: `config`, `none` (`capacity: none`), the standard's rule (``standardCapacity``),
        /// or nil (not from a config: unlimited unless `capacity` is set).
        public var capacityBasis: String?
        /// `residents` (default), `floor_area` or `buildings`, as the coverage indicator's weightings.
        public var weighting = "residents"
        /// Walking threshold (m); default the category's own (`threshold_m`, must be one the walk stage reports).
        public var thresholdM: Double?
        /// Spacing (m) of generated candidates inside the gaps (`candidate_spacing_m`; default half the threshold).
        public var candidateSpacingM: Double?
        /// Line of the entry in the config.
        public var line: Int?
        /// A plan for `category`.
        public init(category: String) { self.category = category }
    }

    /// The `plan:` section.
    public struct Options: Sendable, Equatable {
        /// Planned categories, in config order.
        public var categories: [CategoryPlan] = []
        /// Where new facilities could go (points or polygons; polygons enter at their representative point).
        public var candidates: LayerSource?
        /// Compute and score the what-if indicator table (`whatif`, default true).
        public var whatIf = true
        /// Report the other treatments (old residential stock, pipe gaps, one new fire station; `treatments`, default true).
        public var treatments = true
        /// Old residential stock: built in or before this year (`old_year`, default 2000: 2000年底前建成).
        public var oldYear = 2000
        /// `treatments` or `old_year` given explicitly: a plan of the treatments alone is not empty.
        public var treatmentsAsked = false
        /// Empty options (no plan).
        public init() {}
        /// True when nothing is planned.
        public var isEmpty: Bool { categories.isEmpty && !(treatments && treatmentsAsked) }
    }

    /// One chosen site.
    public struct Site: Sendable {
        public var category: String
        public var rank: Int
        public var point: Vec2
        /// Weight newly within reach (given the sites ranked before it).
        public var newlyCovered: Double
        /// Weight served (≤ capacity).
        public var served: Double
        /// Coverage (%) of the category after this site, in the plan's weighting.
        public var coveragePct: Double
        /// Indices into `base.buildings` of the residential buildings it newly covers.
        public var buildings: [Int]
    }

    /// One category's result.
    public struct CategoryResult: Sendable {
        public var plan: CategoryPlan
        public var thresholdM: Double
        public var candidates: Int
        /// Coverage (%) before any new site.
        public var basePct: Double
        public var sites: [Site]
        public var reachedTarget: Bool
        public var swaps: Int
        /// Per origin (walk order): walking distance with the sites built (what the walk stage would compute).
        public var distancesAfter: [Float]
    }

    /// What the plan stage computed.
    public struct Output: Sendable {
        public var categories: [CategoryResult]
        /// City health index before and with the sites (nil without what-if scoring).
        public var indexBefore: Double?
        public var indexAfter: Double?
        /// The other treatments (nil with `treatments: false`).
        public var treatments: Treatments?
    }

    /// Runs every planned category and the other treatments and writes the outputs; nil when nothing is planned.
    /// `pipeGaps`: the indicators stage's gap polygons (nil: read from DIR/indicators.gpkg when it exists).
    /// `known`: what the walk stage stored (origins, distances, fire drive), used instead of searching again (nil: taken
    /// from `walk` when given, else computed); `drainage`: whether drainage pipes exist (nil: from `base.pipes`).
    public static func run(config: CityConfig, base: BaseLayer, walk: WalkStage.Output?, pipeGaps: MultiPolygon? = nil,
                           outDir: String, progress: Progress) throws -> Output? {
        try run(config: config, base: base, walk: walk, known: nil, drainage: nil, pipeGaps: pipeGaps, outDir: outDir, progress: progress)
    }

    /// `cimbase plan` on DIR: with `whatif` (the default) the whole base layer and the walk outputs (the what-if
    /// indicator table needs them); without, when DIR/base.gpkg is fresh, only what the plan uses (``PlanInputs``),
    /// and the walk stage's stored origins and distances when DIR/walk.gpkg is fresh too. A stale base is ingested.
    public static func run(config: CityConfig, outDir: String, progress: Progress) throws -> Output? {
        let basePath = (outDir as NSString).appendingPathComponent("base.gpkg")
        guard !config.plan.whatIf, Stages.isFresh(basePath, config: config) else {
            let base = try Stages.baseLayer(config: config, outDir: outDir, progress: progress)
            let walk = config.plan.whatIf ? try Stages.walk(config: config, base: base, outDir: outDir, progress: progress) : nil
            return try run(config: config, base: base, walk: walk, outDir: outDir, progress: progress)
        }
        var timer = StepTimer()
        let (base, drainage) = try PlanInputs.readBase(path: basePath)
        timer.lap("read base.gpkg")
        progress.say("ingest      reusing \(basePath) (the layers the plan uses; newer than the config and its sources)")
        let walkPath = (outDir as NSString).appendingPathComponent("walk.gpkg")
        var known: PlanInputs.Known? = nil
        if Stages.isFresh(walkPath, config: config), let tb = Stages.mtime(basePath), let tw = Stages.mtime(walkPath), tw >= tb {
            known = PlanInputs.readWalk(path: walkPath, base: base, categories: config.plan.categories.map(\.category))
            timer.lap("read walk.gpkg")
            if known != nil { progress.say("walk        reusing \(walkPath) (origins and distances)") }
        }
        timer.report("plan inputs")
        return try run(config: config, base: base, walk: nil, known: known, drainage: drainage, pipeGaps: nil, outDir: outDir, progress: progress)
    }

    static func run(config: CityConfig, base: BaseLayer, walk: WalkStage.Output?, known known0: PlanInputs.Known?, drainage: Bool?,
                    pipeGaps: MultiPolygon?, outDir: String, progress: Progress) throws -> Output? {
        let opts = config.plan
        guard !opts.isEmpty else { return nil }
        let t0 = Date()
        var timer = StepTimer()
        let known = known0 ?? walk.map { PlanInputs.Known(origins: $0.access.origins, distances: $0.access.distances, fireDrive: $0.fireDrive) }
        let userCandidates = try opts.candidates.map { try readCandidates($0, config: config, base: base) }
        var results: [CategoryResult] = []
        if !opts.categories.isEmpty {
            let o = try WalkStage.options(config, base: base)
            if try WalkInputs.walkLines(base.roads, o, drive: false).isEmpty {
                progress.say("plan        no walkable roads: no facility sites planned")
            } else {
                results = try planCategories(config: config, base: base, known: known, userCandidates: userCandidates, timer: &timer, progress: progress)
            }
        }
        var treatments: Treatments? = nil
        if opts.treatments {
            progress.begin("plan: other treatments (old housing, pipe gaps, fire station)")
            treatments = try Self.treatments(config: config, base: base, fireDrive: known?.fireDrive, drainage: drainage, pipeGaps: pipeGaps,
                                             candidates: userCandidates, outDir: outDir)
            timer.lap("treatments")
        }
        progress.begin("plan: writing plan.gpkg, plan.csv")
        try writeGPKG(results, treatments: treatments, base: base, floorHeight: config.ingest.floorHeightM, path: (outDir as NSString).appendingPathComponent("plan.gpkg"))
        try writeCSV(results, fire: treatments?.fire, path: (outDir as NSString).appendingPathComponent("plan.csv"))
        if let treatments { try writeTreatmentCSVs(treatments, outDir: outDir) }
        timer.lap("write")
        var out = Output(categories: results, treatments: treatments)
        if opts.whatIf, let walk {
            (out.indexBefore, out.indexAfter) = try whatIf(results, treatments: treatments, config: config, base: base, walk: walk,
                                                           originIdx: WalkInputs.originIndices(base), outDir: outDir, progress: progress)
            timer.lap("what-if")
        }
        progress.end()
        timer.report("plan")
        for r in results {
            let last = r.sites.last?.coveragePct ?? r.basePct
            var s = String(format: "plan        %@ %.0f m: %d sites (of %d candidates): coverage %.1f %% → %.1f %%", r.plan.category, r.thresholdM,
                           r.sites.count, r.candidates, r.basePct, last)
            if let tp = r.plan.targetPct { s += String(format: " (target %.0f %%%@)", tp, r.reachedTarget ? "" : ", not reached") }
            if let cap = r.plan.capacity {
                s += " · capacity \(Int(cap.rounded()).grouped) per site"
                if let b = r.plan.capacityBasis, b != "config" { s += " (\(b))" }
            }
            progress.say(s)
        }
        if let t = treatments {
            let c = t.oldStock.rows[0]
            progress.say(t.oldStock.missing.map { "plan        old housing: \($0)" } ?? "plan        old housing (≤ \(t.oldStock.year)): \(c.old.grouped) buildings, \(Int(c.oldFloorAreaM2.rounded()).grouped) m², \(c.unknownYear.grouped) without a year")
            progress.say(t.pipeGaps.missing.map { "plan        pipe gaps: \($0)" } ?? String(format: "plan        pipe gaps: %d areas, %.0f m of streets inside", t.pipeGaps.gaps.count, t.pipeGaps.gaps.reduce(0) { $0 + $1.streetM }))
            let f = t.fire
            progress.say(f.point != nil ? String(format: "plan        fire station: one new site: fire_5min_cov %.1f %% → %.1f %%", f.basePct, f.afterPct) : "plan        fire station: \(f.missing ?? "")")
        }
        if let a = out.indexBefore, let b = out.indexAfter { progress.say(String(format: "plan        what-if city health index %.1f → %.1f (DIR/plan/)", a, b)) }
        progress.say(String(format: "plan        → plan.gpkg, plan.csv  %.1f s", Date().timeIntervalSince(t0)))
        return out
    }

    /// The facility categories of `plan:` (item 1): one maximal-covering plan each.
    static func planCategories(config: CityConfig, base: BaseLayer, known: PlanInputs.Known? = nil, userCandidates: [Vec2]?,
                               timer: inout StepTimer, progress: Progress) throws -> [CategoryResult] {
        let opts = config.plan
        let o = try WalkStage.options(config, base: base)
        let lines = try WalkInputs.walkLines(base.roads, o, drive: false)
        progress.begin("plan: graph")
        let graph: WalkGraph
        do { graph = try WalkGraph(lines: lines) } catch { throw PipelineError.input(file: "base.gpkg", layer: "roads", message: "walk graph: \(error)") }
        let index = EdgeSegmentIndex(graph: graph)
        let engine = WalkAccessEngine(graph: graph)
        let snapOpts = SnapOptions(maxSnap: o.maxSnapM, preferLargestComponent: true)
        // The walk stage's origins when it stored them (the same filter; no boundary test per building again).
        let originIdx = known?.origins ?? WalkInputs.originIndices(base)
        let originPts = originIdx.map { base.buildings[$0].footprint.centroid }
        progress.begin("plan: snapping \(originIdx.count.grouped) origins")
        let snapped = index.snap(originPts, options: snapOpts).positions
        let byCat = Dictionary(grouping: base.facilities + WalkInputs.greenParks(base), by: \.category)
        timer.lap("graph+snap")

        // The walk stage's search cutoff: every threshold of the searched categories (the planned ones included).
        var allThresholds = o.thresholdsM
        for c in Set(byCat.keys).union(opts.categories.map(\.category)) where !WalkStage.driveOnlyCategories.contains(c) {
            if let t = FacilityCategory.named(c)?.thresholdM { allThresholds.append(t) }
        }
        let cutoff = (allThresholds + [o.thresholdsM.max() ?? 1000]).max()!

        var results: [CategoryResult] = []
        for cp in opts.categories {
            let c = cp.category
            let t = cp.thresholdM ?? FacilityCategory.named(c)!.thresholdM
            progress.begin("plan: \(c)")
            let existing = WalkInputs.facilitySet(c, byCat[c] ?? [], index: index, spacing: o.entranceSpacingM, snap: snapOpts).set
            // Today's distances: the walk stage's (its Float values, exact) when stored, else the same search.
            let d0 = known?.distances[c].flatMap { $0.count == originIdx.count ? $0 : nil }
                ?? engine.originDistances(categories: [existing], origins: snapped, cutoff: cutoff)[0].distances
            let w = originIdx.map { weight(base.buildings[$0], cp.weighting, config.ingest.floorHeightM) }
            var covered0 = 0.0, total = 0.0
            for k in originIdx.indices { total += w[k]; if Double(d0[k]) <= t { covered0 += w[k] } }
            let demand = originIdx.indices.filter { !(Double(d0[$0]) <= t) && w[$0] > 0 && snapped[$0].edge >= 0 }
            let candPts = userCandidates ?? gapCandidates(demand.map { originPts[$0] }, spacing: cp.candidateSpacingM ?? t / 2,
                                                         index: index, graph: graph, snap: snapOpts)
            let candPos = index.snap(candPts, options: snapOpts).positions
            let rows = CoverageRows.build(engine: engine, origins: demand.map { snapped[$0] }, candidates: candPos, threshold: t, cutoff: cutoff)
            timer.lap("rows \(c)")
            let problem = CoverageProblem(weights: demand.map { w[$0] }, start: rows.start, items: rows.items, itemCost: rows.cost,
                                          positions: candPts, baseCovered: covered0, totalWeight: total)
            var po = PlanOptions(maxSites: cp.sites, targetShare: cp.targetPct.map { $0 / 100 }, capacity: cp.capacity, spacing: cp.spacingM)
            if cp.sites == nil { po.maxSites = nil }
            progress.begin("plan: \(c): choosing among \(candPts.count.grouped) candidates (\(rows.items.count.grouped) row entries)")
            let sol = MaximalCovering.solve(problem, po)
            timer.lap("solve \(c)")

            // Coverage per rank, summed as the coverage indicator sums (so the values are identical; CoverageCurve).
            var firstRank = [Int32](repeating: CoverageCurve.never, count: originIdx.count)
            for k in originIdx.indices where Double(d0[k]) <= t { firstRank[k] = -1 }
            var byRank = [[Int]](repeating: [], count: sol.sites.count)   // newly covered buildings per rank
            for (r, s) in sol.sites.enumerated() {
                for i in problem.row(s) where firstRank[demand[Int(i)]] == CoverageCurve.never {
                    firstRank[demand[Int(i)]] = Int32(r)
                    byRank[r].append(originIdx[demand[Int(i)]])
                }
            }
            for r in byRank.indices { byRank[r].sort() }
            let curve = CoverageCurve.numerators(weights: w, firstRank: firstRank, ranks: sol.sites.count)
            func pct(upTo r: Int) -> Double { curve.den > 0 ? curve.num[r] / curve.den * 100 : 0 }
            var sites: [Site] = []
            for (r, s) in sol.sites.enumerated() {
                let bs = byRank[r]
                sites.append(Site(category: c, rank: r + 1, point: candPts[s], newlyCovered: sol.newlyCovered[r], served: sol.served[r],
                                  coveragePct: pct(upTo: r), buildings: bs))
            }
            // The walk stage's distances with the sites built: one search from existing + new entrances.
            let all = FacilitySet(name: c, positions: existing.positions + sol.sites.map { candPos[$0] },
                                  ids: existing.ids + sol.sites.indices.map { -Int64($0) - 1 })
            // Only the what-if needs them (one more search over all origins).
            let dAfter = opts.whatIf ? engine.originDistances(categories: [all], origins: snapped, cutoff: cutoff)[0].distances.map { $0.isNaN ? .infinity : $0 } : []
            results.append(CategoryResult(plan: cp, thresholdM: t, candidates: candPts.count, basePct: total > 0 ? covered0 / total * 100 : 0,
                                          sites: sites, reachedTarget: sol.reachedTarget, swaps: sol.swaps, distancesAfter: dAfter))
            timer.lap("after \(c)")
        }
        return results
    }

    /// The coverage indicator's weight of a building (WalkCoverage's weightings).
    static func weight(_ b: Building, _ w: String, _ floorHeight: Double) -> Double {
        switch w {
        case "residents": return b.residents ?? 0
        case "floor_area": return b.floorArea(floorHeight: floorHeight)
        default: return 1
        }
    }

    /// Candidates inside the gaps: per square cell of `spacing` m holding uncovered origins, the point of the walk
    /// network nearest to their centroid (cells in row order; duplicates removed).
    static func gapCandidates(_ pts: [Vec2], spacing: Double, index: EdgeSegmentIndex, graph: WalkGraph, snap: SnapOptions) -> [Vec2] {
        guard !pts.isEmpty else { return [] }
        var keyed: [(key: SIMD2<Int64>, p: Vec2)] = pts.map { (SIMD2(Int64(($0.y / spacing).rounded(.down)), Int64(($0.x / spacing).rounded(.down))), $0) }
        keyed.sort { $0.key.x != $1.key.x ? $0.key.x < $1.key.x : $0.key.y < $1.key.y }
        var centroids: [Vec2] = []
        var i = 0
        while i < keyed.count {
            var j = i, sum = Vec2(0, 0)
            while j < keyed.count && keyed[j].key == keyed[i].key { sum += keyed[j].p; j += 1 }
            centroids.append(sum / Double(j - i))
            i = j
        }
        var seen = Set<SIMD2<Double>>()
        var out: [Vec2] = []
        for pos in index.snap(centroids, options: snap).positions where pos.edge >= 0 {
            let p = graph.point(onEdge: Int(pos.edge), offset: pos.offset)
            if seen.insert(p).inserted { out.append(p) }
        }
        return out
    }

    /// The user's candidate layer, reprojected to the working CRS: one point per feature (representative point).
    static func readCandidates(_ spec: LayerSource, config: CityConfig, base: BaseLayer) throws -> [Vec2] {
        var notes: [String] = []
        let path = config.resolve(spec.source)
        let (origin, feats0) = try SourceReader.read(canonical: "candidates", spec: spec, path: path, originIndex: 0, notes: &notes)
        var feats = feats0
        let proj = try Reprojection(crs: base.crs, origins: [origin])
        let errors = proj.reproject(&feats)
        var out: [Vec2] = []
        for (f, e) in zip(feats, errors) {
            if let e { throw PipelineError.input(file: path, layer: origin.layer, message: "plan.candidates feature \(f.sourceId): \(e)") }
            guard let g = f.geometry else { throw PipelineError.input(file: path, layer: origin.layer, message: "plan.candidates feature \(f.sourceId) has no geometry") }
            let p = g.representativePoint
            guard p.x.isFinite && p.y.isFinite else { throw PipelineError.input(file: path, layer: origin.layer, message: "plan.candidates feature \(f.sourceId) has no usable point") }
            out.append(p)
        }
        guard !out.isEmpty else { throw PipelineError.input(file: path, layer: origin.layer, message: "plan.candidates: the layer has no features") }
        return out
    }

    /// DIR/plan.gpkg: `sites` (points) and `newly_covered` (the footprints of the buildings each site newly covers).
    static func writeGPKG(_ results: [CategoryResult], treatments: Treatments?, base: BaseLayer, floorHeight: Double, path: String) throws {
        let w = try GeoPackageWriter(path: path, crs: base.crs)
        do {
            var sites = FeatureTable(name: "sites", geometryType: "Point", fields: [
                FieldDef("category", .string, "facility category"), FieldDef("rank", .integer, "order of choice (1 = first)"),
                FieldDef("threshold_m", .real, "walking threshold (m)"), FieldDef("weighting", .string, "residents | floor_area | buildings"),
                FieldDef("newly_covered", .real, "weight newly within the threshold, given the sites ranked before"),
                FieldDef("served", .real, "weight served (capacity-limited)"),
                FieldDef("coverage_pct", .real, "coverage (%) of the category after this site"),
                FieldDef("buildings", .integer, "residential buildings newly covered"),
                FieldDef("capacity", .real, "weight one new site serves at most (null: unlimited)"),
                FieldDef("capacity_basis", .string, "config, or the standard the default capacity comes from")])
            var areas = FeatureTable(name: "newly_covered", geometryType: "MultiPolygon", fields: [
                FieldDef("category", .string, ""), FieldDef("rank", .integer, ""), FieldDef("buildings", .integer, ""), FieldDef("residents", .real, "")])
            for r in results {
                for s in r.sites {
                    sites.append(.point(s.point), [.string(s.category), .int(Int64(s.rank)), .real(r.thresholdM), .string(r.plan.weighting),
                                                   .real(s.newlyCovered), .real(s.served), .real(s.coveragePct), .int(Int64(s.buildings.count)),
                                                   r.plan.capacity.map { .real($0) } ?? .null, r.plan.capacityBasis.map { .string($0) } ?? .null])
                    let mp = MultiPolygon(s.buildings.flatMap { base.buildings[$0].footprint.polygons })
                    areas.append(.multiPolygon(mp), [.string(s.category), .int(Int64(s.rank)), .int(Int64(s.buildings.count)),
                                                     .real(s.buildings.reduce(0) { $0 + (base.buildings[$1].residents ?? 0) })])
                }
            }
            try w.write(table: sites)
            try w.write(table: areas)
            if let treatments { try appendTreatmentLayers(treatments, base: base, to: w, floorHeight: floorHeight) }
            try w.commit()
        } catch {
            w.abort()
            throw PipelineError.output(path: path, message: "\(error)")
        }
    }

    /// DIR/plan.csv: category, threshold, weighting, sites (0 = today), coverage_pct, newly_covered, served, target_pct,
    /// capacity (empty: unlimited).
    static func writeCSV(_ results: [CategoryResult], fire: FireSite?, path: String) throws {
        var s = "category,threshold_m,weighting,sites,coverage_pct,newly_covered,served,target_pct,capacity\n"
        for r in results {
            let tp = r.plan.targetPct.map { String($0) } ?? ""
            let cap = r.plan.capacity.map { String($0) } ?? ""
            s += "\(r.plan.category),\(r.thresholdM),\(r.plan.weighting),0,\(r.basePct),0,0,\(tp),\(cap)\n"
            for x in r.sites { s += "\(r.plan.category),\(r.thresholdM),\(r.plan.weighting),\(x.rank),\(x.coveragePct),\(x.newlyCovered),\(x.served),\(tp),\(cap)\n" }
        }
        if let fire { s += fireCSVRows(fire) }
        do { try AtomicFile.write(s, to: URL(fileURLWithPath: path)) } catch { throw PipelineError.output(path: path, message: "\(error)") }
    }

    /// The what-if: the indicator table with the planned categories' distances as the walk stage would compute them
    /// with the sites built, scored by the same system into DIR/plan/ (score.json, report.html with the plan map).
    static func whatIf(_ results: [CategoryResult], treatments: Treatments?, config: CityConfig, base: BaseLayer, walk: WalkStage.Output, originIdx: [Int],
                       outDir: String, progress: Progress) throws -> (Double?, Double?) {
        guard walk.access.origins == originIdx else { return (nil, nil) }
        var access = walk.access
        for r in results {
            access.distances[r.plan.category] = r.distancesAfter
            if access.thresholds[r.plan.category] == nil { access.thresholds[r.plan.category] = [r.thresholdM] }
        }
        let dir = (outDir as NSString).appendingPathComponent("plan")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let before = try IndicatorStage.compute(config: config, base: base, walk: walk.access, fireDrive: walk.fireDrive,
                                                overrides: config.indicators.params, progress: progress, inputsHash: "")
        let after = try IndicatorStage.compute(config: config, base: base, walk: access, fireDrive: walk.fireDrive,
                                               overrides: config.indicators.params, progress: progress, inputsHash: "")
        try IndicatorStage.write(after, base: base, outDir: dir)
        let scoreDir = (dir as NSString).appendingPathComponent("before")
        try FileManager.default.createDirectory(atPath: scoreDir, withIntermediateDirectories: true)
        let a = try ScoreStage.run(tables: [before.table], options: config.score, config: config, maps: [:], outDir: scoreDir)
        let b = try ScoreStage.run(tables: [after.table], options: config.score, config: config,
                                   maps: [config.city: [mapPanel(results, base: base)]], outDir: dir,
                                   sections: treatments.map { [config.city: treatmentSection($0, base: base)] } ?? [:])
        return (a.scores.first?.index, b.scores.first?.index)
    }

    /// The report's plan map: gaps before (buildings still uncovered), newly covered buildings and the sites.
    public static func mapPanel(_ results: [CategoryResult], base: BaseLayer) -> MapPanel {
        var polys: [MapPolygon] = []
        var title = results.map { r in
            String(format: "%@ %d sites: %.1f %% → %.1f %%", r.plan.category, r.sites.count, r.basePct, r.sites.last?.coveragePct ?? r.basePct)
        }.joined(separator: "; ")
        if title.isEmpty { title = "no sites" }
        for r in results {
            for s in r.sites {
                for b in s.buildings { for p in base.buildings[b].footprint.polygons { polys.append(MapPolygon(rings: p.rings, fill: .covered)) } }
                let h = r.thresholdM / 20
                polys.append(MapPolygon(rings: [[s.point + Vec2(-h, -h), s.point + Vec2(h, -h), s.point + Vec2(h, h), s.point + Vec2(-h, h)]], fill: .gap))
            }
        }
        var panel = MapPanel(titleZh: "新建设施选址(" + title + ")", titleEn: "New facility sites (" + title + ")", polygons: polys,
                             legend: [MapLegendEntry(fill: .covered, labelZh: "新覆盖住宅", labelEn: "newly covered housing"),
                                      MapLegendEntry(fill: .gap, labelZh: "新建设施", labelEn: "new site")])
        panel.curves = results.map { r in
            MapCurve(label: String(format: "%@ %.0f m", r.plan.category, r.thresholdM), values: [r.basePct] + r.sites.map(\.coveragePct))
        }
        return panel
    }
}
