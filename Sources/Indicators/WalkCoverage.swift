import CityModel

/// 社区X步行N分钟覆盖率 (`walk_cov.<category>.<threshold>`): share of residents whose network walking distance to the
/// nearest facility of the category is within the threshold, plus the same weighted by residential floor area
/// (`….floor_area`) and by residential buildings (`….buildings`). Origins that could not be snapped to the network count
/// as not covered. GB 50180-2018 life circles; TD/T 1063-2021.
public enum WalkCoverage {
    public static let weightings = ["residents", "floor_area", "buildings"]

    public static func spec(category: String, threshold: Double, weighting: String) -> IndicatorSpec {
        let cat = FacilityCategory.named(category)
        let t = Int(threshold.rounded())
        let minutes = Int((threshold / 80).rounded())
        let suffix = weighting == "residents" ? "" : ".\(weighting)"
        let wz = ["residents": "", "floor_area": "(按住宅建筑面积)", "buildings": "(按住宅建筑栋数)"][weighting] ?? ""
        let we = ["residents": "", "floor_area": " (by residential floor area)", "buildings": " (by residential buildings)"][weighting] ?? ""
        return IndicatorSpec(id: "walk_cov.\(category).\(t)\(suffix)",
                             nameZh: "\(cat?.nameZh ?? category)步行\(t)米(约\(minutes)分钟)覆盖率\(wz)",
                             nameEn: "walk coverage of \(cat?.nameEn ?? category) within \(t) m\(we)", unit: "%", direction: .higher,
                             layers: ["roads", "facilities", "buildings"], params: ["threshold_m": threshold], source: "GB 50180-2018; TD/T 1063-2021")
    }

    static func weight(_ b: Building, _ w: String, _ floorHeight: Double) -> Double {
        switch w {
        case "residents": return b.residents ?? 0
        case "floor_area": return b.floorArea(floorHeight: floorHeight)
        default: return 1
        }
    }

    /// Per building, its position in `w.origins` (−1 when not an origin); nil when a building is an origin twice.
    public static func originTable(_ i: IndicatorInputs) -> [Int32]? {
        guard let w = i.walk else { return nil }
        var t = [Int32](repeating: -1, count: i.base.buildings.count)
        for (k, b) in w.origins.enumerated() {
            guard b >= 0, b < t.count, t[b] < 0 else { return nil }
            t[b] = Int32(k)
        }
        return t
    }

    /// Indices into `w.origins` of the origins whose building is in the scope, ascending (the order of a filter over all
    /// origins, so sums add in the same order). With the table: O(scope log scope) instead of O(origins) per scope.
    static func originIndices(_ w: NetworkAccess, _ scope: Scope, _ table: [Int32]?) -> [Int] {
        if scope.id.isEmpty && scope.buildings.count == table?.count { return Array(w.origins.indices) }
        guard let table else {
            let inScope = Set(scope.buildings)
            return w.origins.indices.filter { inScope.contains(w.origins[$0]) }
        }
        var out: [Int] = []
        for b in scope.buildings where table[b] >= 0 { out.append(Int(table[b])) }
        return out.sorted()
    }

    /// Rows for one scope: every category × threshold × weighting, then `life_circle_15`.
    public static func compute(_ i: IndicatorInputs, _ scope: Scope, originTable: [Int32]? = nil) -> [IndicatorValue] {
        guard let w = i.walk else { return [] }
        // The scope's origins in origin order (so every sum adds in the same order as over all origins), found through
        // the scope's own buildings: O(scope), not O(origins) per scope.
        let originIdx = originIndices(w, scope, originTable ?? Self.originTable(i))
        // Weights per origin of the scope, per weighting (same values as `weight`, computed once).
        let weights: [[Double]] = weightings.map { wt in originIdx.map { weight(i.base.buildings[w.origins[$0]], wt, i.floorHeight) } }
        var out: [IndicatorValue] = []
        for cat in w.distances.keys.sorted() {
            let d = w.distances[cat]!
            for t in w.thresholds[cat] ?? [] {
                for (n, wt) in weightings.enumerated() {
                    let spec = spec(category: cat, threshold: t, weighting: wt)
                    var num = 0.0, den = 0.0
                    let ws = weights[n]
                    for (j, k) in originIdx.enumerated() {
                        let x = ws[j]
                        den += x
                        if Double(d[k]) <= t { num += x }
                    }
                    out.append(.ratio(spec, scope, num, den, scale: 100, emptyReason: "no residential origins in scope"))
                }
            }
        }
        // Complete 15-minute life circle: every required category within its threshold.
        let lcSpec = IndicatorSpec(id: "life_circle_15", nameZh: "15分钟社区生活圈覆盖率", nameEn: "complete 15-minute life circle", unit: "%",
                                   direction: .higher, layers: ["roads", "facilities", "buildings"],
                                   params: w.lifeCircle.mapValues { $0 }, source: "GB 50180-2018")
        let required = w.lifeCircle.keys.sorted()
        let missing = required.filter { w.distances[$0] == nil }
        if required.isEmpty {
            out.append(.notComputed(lcSpec, scope, "no life-circle categories configured"))
        } else if !missing.isEmpty {
            out.append(.notComputed(lcSpec, scope, "categories not searched: \(missing.joined(separator: ", "))"))
        } else {
            var num = 0.0, den = 0.0
            for k in originIdx {
                let r = i.base.buildings[w.origins[k]].residents ?? 0
                den += r
                if required.allSatisfy({ Double(w.distances[$0]![k]) <= w.lifeCircle[$0]! }) { num += r }
            }
            out.append(.ratio(lcSpec, scope, num, den, scale: 100, emptyReason: "no residents in scope"))
        }
        return out
    }
}
