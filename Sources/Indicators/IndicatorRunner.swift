import Dispatch
import CityModel

/// Evaluates every indicator for the city and for each zone.
public enum IndicatorRunner {
    /// Builds the scopes: the city (built-up area; land = boundary when given) and one per zone (zone ∩ built-up area;
    /// buildings by centroid).
    public static func scopes(_ i: IndicatorInputs) throws -> [Scope] {
        let centroids = i.base.buildings.map { $0.footprint.centroid }
        var out = [Scope(id: "", name: "", land: i.base.boundary, builtUp: i.builtUp, buildings: Array(i.base.buildings.indices))]
        for z in i.base.zones {
            let bu = try i.ops.intersection(i.builtUp, z.area)
            let bb = z.area.bbox
            let idx = i.base.buildings.indices.filter { bb.contains(centroids[$0]) && z.area.contains(centroids[$0]) }
            out.append(Scope(id: z.id, name: z.name, land: z.area, builtUp: bu, buildings: idx))
        }
        return out
    }

    /// All values: per scope, the standard indicators then walk coverage.
    /// `progress` is called with (done, total) after each scope.
    public static func run(_ i: IndicatorInputs, indicators: [any Indicator] = standardIndicators,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> [IndicatorValue] {
        var timings: [String: Double] = [:]
        return try run(i, indicators: indicators, timings: &timings, progress: progress)
    }

    /// As `run`, also returning the seconds spent per indicator (all scopes; shared unions count where first used).
    public static func run(_ i: IndicatorInputs, indicators: [any Indicator] = standardIndicators, timings: inout [String: Double],
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> [IndicatorValue] {
        let prepared = PreparedLayers(i)
        let scopes = try scopes(i)
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
            out += WalkCoverage.compute(i, s)
            timings["walk_cov.*", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            progress(n + 1, scopes.count)
        }
        return out
    }
}
