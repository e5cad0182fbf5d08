import CityModel
import ConfigReader
import Yams

/// The `plan:` section of city.yaml (issue 17), read into typed, range-checked options.
extension CityConfig {
    static let planKeys: Set<String> = ["sites", "target_pct", "spacing_m", "capacity", "weighting", "threshold_m", "candidate_spacing_m"]

    /// `plan:` — `candidates: {source, layer, …}`, `whatif: bool`, `treatments: bool` (default true), `old_year: Y`
    /// (default 2000), and per category `{sites: N}` or `{target_pct: P}`
    /// (or both: the fewest sites up to N that reach P), with optional `spacing_m`, `capacity`, `weighting`,
    /// `threshold_m` (one the walk stage reports) and `candidate_spacing_m`.
    static func readPlan(_ n: Node, _ r: ConfigReader, walk: WalkStage.Options) throws(ConfigError) -> PlanStage.Options {
        var o = PlanStage.Options()
        for e in try r.entries(n, "plan") {
            switch e.name {
            case "candidates": o.candidates = try layerSource(e.value, "candidates", e.path, r, list: false)
            case "whatif": o.whatIf = try r.bool(e.value, e.path)
            case "treatments": o.treatments = try r.bool(e.value, e.path); o.treatmentsAsked = true
            case "old_year": o.oldYear = try r.integer(e.value, e.path, 1800...2100); o.treatmentsAsked = true
            default:
                guard let cat = FacilityCategory.named(e.name) else {
                    throw r.fail(e.path, e.keyNode, "unknown category '\(e.name)' (plan takes candidates, whatif, treatments, old_year, or a facility category: \(FacilityCategory.builtIn.map(\.id).joined(separator: ", ")))")
                }
                guard !WalkStage.driveOnlyCategories.contains(cat.id) else {
                    throw r.fail(e.path, e.keyNode, "\(cat.id) is reached by driving, not walking: it cannot be planned by walk coverage")
                }
                var cp = PlanStage.CategoryPlan(category: cat.id)
                cp.line = e.keyNode.mark?.line
                for x in try r.entries(e.value, e.path, allowed: planKeys) {
                    let v = x.value, k = x.path
                    switch x.name {
                    case "sites": cp.sites = try r.integer(v, k, 1...10_000)
                    case "target_pct": cp.targetPct = try r.number(v, k, .positive(max: 100))
                    case "spacing_m": cp.spacingM = try r.number(v, k, .nonNegative(max: 50_000))
                    case "capacity": cp.capacity = try r.number(v, k, .positive(max: 1e12))
                    case "weighting":
                        let w = try r.text(v, k)
                        guard ["residents", "floor_area", "buildings"].contains(w) else { throw r.fail(k, v, "must be residents, floor_area or buildings, not '\(w)'") }
                        cp.weighting = w
                    case "threshold_m":
                        let t = try r.number(v, k, distanceRange)
                        let known = Set(walk.thresholdsM + [cat.thresholdM])
                        guard known.contains(t) else {
                            throw r.fail(k, v, "must be a threshold the walk stage reports for \(cat.id): \(known.sorted().map { String(format: "%g", $0) }.joined(separator: ", ")) (walk.thresholds_m or the category's threshold_m)")
                        }
                        cp.thresholdM = t
                    default: cp.candidateSpacingM = try r.number(v, k, .closed(1, 50_000))
                    }
                }
                guard cp.sites != nil || cp.targetPct != nil else { throw r.fail(e.path, e.value, "give sites: N (at most N new sites) or target_pct: P (the fewest sites that reach P %)") }
                o.categories.append(cp)
            }
        }
        return o
    }
}
