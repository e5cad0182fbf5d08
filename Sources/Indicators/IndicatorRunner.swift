import Dispatch
import CityModel

/// Evaluates every indicator for the city and for each zone.
public enum IndicatorRunner {
    /// The scopes: the city (built-up area; land = boundary when given) and one per zone (zone ∩ built-up area, from the
    /// tiled pass; buildings by footprint centroid).
    public static func scopes(_ i: IndicatorInputs, _ p: PreparedLayers) -> [Scope] {
        var out = [Scope(id: "", name: "", land: i.base.boundary, builtUp: p.builtUpPieces, buildings: Array(i.base.buildings.indices))]
        for (k, z) in i.base.zones.enumerated() {
            out.append(Scope(id: z.id, name: z.name, land: z.area, builtUp: p.zoneBuiltUp[k], buildings: p.zoneBuildings[k]))
        }
        return out
    }

    /// All values: per scope, the standard indicators then walk coverage.
    /// `progress` is called with (done, total) after each scope.
    public static func run(_ i: IndicatorInputs, indicators: [any Indicator] = standardIndicators,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> [IndicatorValue] {
        var timings: [String: Double] = [:]
        return try run(i, prepared: try PreparedLayers(i), indicators: indicators, timings: &timings, progress: progress)
    }

    /// As `run`, on layers prepared once for the run (`PreparedLayers(i)`: the tiled overlay pass, whose seconds the
    /// caller measures), also returning the seconds spent per indicator (all scopes; shared unions count where first used).
    public static func run(_ i: IndicatorInputs, prepared: PreparedLayers, indicators: [any Indicator] = standardIndicators,
                           timings: inout [String: Double], progress: (Int, Int) -> Void = { _, _ in }) throws -> [IndicatorValue] {
        let scopes = scopes(i, prepared)
        let originTable = WalkCoverage.originTable(i)
        var out: [IndicatorValue] = []
        for (n, s) in scopes.enumerated() {
            for ind in indicators {
                let t0 = DispatchTime.now().uptimeNanoseconds
                do { out.append(try ind.compute(i, prepared, s)) } catch {
                    out.append(.notComputed(ind.spec, s, "geometry error: \(error)"))
                }
                timings[ind.spec.id, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            out += WalkCoverage.compute(i, s, originTable: originTable)
            timings["walk_cov.*", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            progress(n + 1, scopes.count)
        }
        return out
    }
}
