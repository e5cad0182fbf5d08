import CityModel

/// 城市道路网密度: centreline length of roads open to vehicles inside the built-up area ÷ built-up area (km/km²).
/// Footways, paths, steps, cycleways and pedestrian streets are not city roads here.
public struct RoadDensity: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "road_density", nameZh: "城市道路网密度", nameEn: "road network density", unit: "km/km²", direction: .higher,
                                    layers: ["roads", "boundary"], source: "MOHURD 城市体检 (交通便捷); target ≥ 8")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        if !i.base.roads.contains(where: \.drivable) { return .notComputed(spec, s, "no drivable roads") }
        let len = p.areas(s).roadLength
        return .ratio(spec, s, len / 1000, s.builtUpArea / 1e6, emptyReason: "no built-up area in scope")
    }
}

/// 污水管网覆盖率: built-up area within D m (default 100) of a drainage pipe (sewer, storm, combined) ÷ built-up area.
public struct PipeCoverage: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "pipe_cov", nameZh: "污水管网覆盖率", nameEn: "sewer network coverage", unit: "%", direction: .higher,
                                    layers: ["pipes", "boundary"], params: ["distance_m": 100], source: "MOHURD 城市体检 (default D = 100 m)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        if let missing = noDrainage(i, spec, s) { return missing }
        let a = p.areas(s).pipeCovered[pr["distance_m"]!] ?? 0
        return .ratio(spec, s, a, s.builtUpArea, scale: 100, params: pr, emptyReason: "no built-up area in scope")
    }
}

/// 管网空白区面积: built-up area farther than D m from any drainage pipe (km²); the gap polygons are an output.
public struct PipeGapArea: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "pipe_gap_area", nameZh: "管网空白区面积", nameEn: "pipe-network gap area", unit: "km²", direction: .lower,
                                    layers: ["pipes", "boundary"], params: ["distance_m": 100], source: "MOHURD 城市体检 (default D = 100 m)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        if let missing = noDrainage(i, spec, s) { return missing }
        // Same lookup as PipeCoverage on purpose: only the area and the unit differ.
        let a = p.areas(s).pipeGap[pr["distance_m"]!] ?? 0
        return IndicatorValue(spec: spec, scope: s, value: a / 1e6, numerator: a / 1e6, denominator: s.builtUpArea / 1e6, params: pr)
    }

    /// Built-up area minus the pipe buffer, as pieces cut on the tile lattice (computed by the tiled pass for the
    /// distance of `pipe_gap_area`).
    public func gapPolygons(_ p: PreparedLayers, distance: Double) -> MultiPolygon? { p.gapPieces[distance] }
}

/// 排水管网密度: drainage pipe length inside the built-up area ÷ built-up area (km/km²).
public struct PipeDensity: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "pipe_density", nameZh: "排水管网密度", nameEn: "drainage pipe density", unit: "km/km²", direction: .higher,
                                    layers: ["pipes", "boundary"], source: "MOHURD 城市体检")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        if let missing = noDrainage(i, spec, s) { return missing }
        let len = p.areas(s).pipeLength
        return .ratio(spec, s, len / 1000, s.builtUpArea / 1e6, emptyReason: "no built-up area in scope")
    }
}

/// 消防救援5分钟可达覆盖率: built-up land reachable from a fire station within 5 minutes over roads open to vehicles
/// (default 30 km/h, so 2,500 m of network distance), measured on building footprints: footprint area of buildings whose
/// drive distance from the nearest station is within reach ÷ footprint area of all buildings in scope.
public struct FireReachCoverage: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "fire_5min_cov", nameZh: "消防救援5分钟可达覆盖率", nameEn: "fire rescue 5-minute reach", unit: "%", direction: .higher,
                                    layers: ["facilities", "roads", "buildings"], params: ["minutes": 5, "speed_kmh": 30],
                                    source: "MOHURD 城市体检 (安全韧性); default speed 30 km/h")
    public static func reachMetres(_ p: [String: Double]) -> Double { p["minutes"]! / 60 * p["speed_kmh"]! * 1000 }
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        if !i.base.facilities.contains(where: { $0.category == "fire_station" }) { return .notComputed(spec, s, "no fire stations in facilities") }
        guard let d = i.fireDrive else { return .notComputed(spec, s, "drive network not computed (no drivable roads)") }
        let reach = Float(Self.reachMetres(pr))
        var num = 0.0, den = 0.0
        for b in s.buildings {
            let a = i.base.buildings[b].footprint.area
            den += a
            if d[b] <= reach { num += a }
        }
        return .ratio(spec, s, num, den, scale: 100, params: pr, emptyReason: "no buildings in scope")
    }
}

/// The verdict the three pipe indicators give when the pipes layer has no drainage pipe (sewer, storm, combined).
private func noDrainage(_ i: IndicatorInputs, _ spec: IndicatorSpec, _ s: Scope) -> IndicatorValue? {
    i.base.pipes.contains(where: { $0.kind.isDrainage }) ? nil : .notComputed(spec, s, "no drainage pipes (sewer/storm/combined) in the pipes layer")
}
