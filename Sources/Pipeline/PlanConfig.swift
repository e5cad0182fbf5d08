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
        var defaultCapacity = false
        for e in try r.entries(n, "plan") {
            switch e.name {
            case "candidates": o.candidates = try layerSource(e.value, "candidates", e.path, r, list: false)
            case "whatif": o.whatIf = try r.bool(e.value, e.path)
            case "treatments": o.treatments = try r.bool(e.value, e.path); o.treatmentsAsked = true
            case "old_year": o.oldYear = try r.integer(e.value, e.path, 1800...2100); o.treatmentsAsked = true
            case "default_capacity":
                let t = try r.text(e.value, e.path)
                guard t == "gb50180" || t == "none" else { throw r.fail(e.path, e.value, "must be gb50180 (the residents one facility serves per GB 50180-2018, where it gives one) or none (unlimited), not '\(t)'") }
                defaultCapacity = t == "gb50180"
            default:
                guard let cat = FacilityCategory.named(e.name) else {
                    throw r.fail(e.path, e.keyNode, "unknown category '\(e.name)' (plan takes candidates, whatif, treatments, old_year, or a facility category: \(FacilityCategory.builtIn.map(\.id).joined(separator: ", ")))")
                }
                guard !WalkStage.driveOnlyCategories.contains(cat.id) else {
                    throw r.fail(e.path, e.keyNode, "\(cat.id) is reached by driving, not walking: it cannot be planned by walk coverage")
                }
                var cp = PlanStage.CategoryPlan(category: cat.id)
                cp.line = e.keyNode.mark?.line
                var noCapacity = false
                for x in try r.entries(e.value, e.path, allowed: planKeys) {
                    let v = x.value, k = x.path
                    switch x.name {
                    case "sites": cp.sites = try r.integer(v, k, 1...10_000)
                    case "target_pct": cp.targetPct = try r.number(v, k, .positive(max: 100))
                    case "spacing_m": cp.spacingM = try r.number(v, k, .nonNegative(max: 50_000))
                    case "capacity":
                        if v.scalar?.string == "none" { noCapacity = true } else {
                            cp.capacity = try r.number(v, k, .positive(max: 1e12)); cp.capacityBasis = "config"
                        }
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
                if noCapacity { cp.capacityBasis = "none" }
                o.categories.append(cp)
            }
        }
        // The standard's capacity where none is configured, with `default_capacity: gb50180` (`capacity: none` opts a
        // category out). Not the default yet: the capacitated local search does not scale to dense cities (README).
        if defaultCapacity {
            for i in o.categories.indices where o.categories[i].capacityBasis == nil {
                if let d = PlanStage.standardCapacity(o.categories[i].category, weighting: o.categories[i].weighting) {
                    o.categories[i].capacity = d.residents; o.categories[i].capacityBasis = d.basis
                }
            }
        }
        return o
    }
}

extension PlanStage {
    /// Residents one facility of a category serves by default: GB 50180-2018 table 3.0.4 sizes the life circles by
    /// residents (5-minute 5,000–12,000, 10-minute 15,000–25,000, 15-minute 50,000–100,000) and appendix B provides
    /// each facility once per circle of its level, so one new facility serves at most the upper bound of its circle.
    /// Cross-check for kindergartens (appendix C: at most 12 classes of 20–35 places, 30 typical = 360 places): 12,000
    /// residents hold about 360 children of the three kindergarten years at ≈ 1 % of the population per year of age.
    /// Only for the `residents` weighting (the standard counts people) and the life-circle facilities; none for parks
    /// (sized by green area per resident, not by people served) and for categories outside the circles.
    public static func standardCapacity(_ category: String, weighting: String) -> (residents: Double, basis: String)? {
        guard weighting == "residents", category != "park", let c = FacilityCategory.named(category) else { return nil }
        switch c.lifeCircle {
        case 5: return (12_000, "GB 50180-2018 5-minute circle: 5,000–12,000 residents")
        case 10: return (25_000, "GB 50180-2018 10-minute circle: 15,000–25,000 residents")
        case 15: return (100_000, "GB 50180-2018 15-minute circle: 50,000–100,000 residents")
        default: return nil
        }
    }
}
