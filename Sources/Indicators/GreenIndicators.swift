import CityModel

/// 城市绿化覆盖率: union of green cover inside the built-up area ÷ built-up area (overlaps counted once).
/// Tiled exact overlay (`PreparedLayers`).
/// Source: MOHURD city checkup system (生态宜居); target ≥ 40 % (default).
public struct GreenCoverage: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "green_cov", nameZh: "城市绿化覆盖率", nameEn: "green coverage ratio", unit: "%", direction: .higher,
                                    layers: ["green", "boundary"], source: "MOHURD 城市体检指标体系")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        if i.base.green.isEmpty { return .notComputed(spec, s, "no green layer") }
        return .ratio(spec, s, p.areas(s).green, s.builtUpArea, scale: 100, emptyReason: "no built-up area in scope")
    }
}

/// 人均公园绿地面积: public park area ÷ residents (m² per resident). Parks are green features marked `is_park`,
/// unioned, inside the scope's land.
public struct ParkAreaPerCapita: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "park_area_pc", nameZh: "人均公园绿地面积", nameEn: "park area per resident", unit: "m²/人", direction: .higher,
                                    layers: ["green", "buildings", "population"], source: "GB/T 50563; MOHURD 城市体检")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        if !i.base.green.contains(where: \.isPark) { return .notComputed(spec, s, "no park green (is_park) in the green layer") }
        var u = try p.parkUnion.get(or: "park union")
        if let land = s.land { u = try PreparedLayers.clip(u, to: land, i.ops) }
        let residents = s.buildings.reduce(0.0) { $0 + (i.base.buildings[$1].residents ?? 0) }
        return .ratio(spec, s, u.area, residents, emptyReason: "no residents in scope")
    }
}

/// 公园绿化活动场地服务半径覆盖率: residential land within 300 m of parks of 400–5000 m² or 500 m of parks ≥ 5000 m²
/// ÷ residential land (area-based; residential land = residential building footprints when no land-use layer is given;
/// a footprint counts with its area inside the service area).
public struct ParkServiceCoverage: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "park_service_cov", nameZh: "公园绿化活动场地服务半径覆盖率", nameEn: "park service-radius coverage", unit: "%",
                                    direction: .higher, layers: ["green", "buildings"],
                                    params: ["small_park_m2": 400, "large_park_m2": 5000, "small_radius_m": 300, "large_radius_m": 500],
                                    source: "MOHURD 城市体检 (公园绿地服务半径覆盖率); target ≥ 90 % (default)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        if !i.base.green.contains(where: \.isPark) { return .notComputed(spec, s, "no park green (is_park) in the green layer") }
        let resi = s.buildings.filter { i.base.buildings[$0].use.isResidential }
        if resi.isEmpty { return .notComputed(spec, s, "no residential buildings in scope") }
        // Per building (computed once for the city): footprint area inside the service area; a scope sums its buildings.
        let key = [pr["small_park_m2"]!, pr["small_radius_m"]!, pr["large_park_m2"]!, pr["large_radius_m"]!]
        let served = try p.parkServedArea(key).get(or: "park service area")
        let land = resi.reduce(0.0) { $0 + i.base.buildings[$1].footprint.area }
        let covered = resi.reduce(0.0) { $0 + served[$1] }
        return .ratio(spec, s, covered, land, scale: 100, params: pr, emptyReason: "no residential land")
    }
}

/// 城市可渗透地面面积比例: permeable cover (green ∪ water) inside the built-up area ÷ built-up area.
public struct PermeableShare: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "permeable_share", nameZh: "城市可渗透地面面积比例", nameEn: "permeable surface share", unit: "%", direction: .higher,
                                    layers: ["green", "water"], source: "MOHURD 城市体检 (安全韧性)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        if i.base.green.isEmpty && i.base.water.isEmpty { return .notComputed(spec, s, "no green or water layer") }
        return .ratio(spec, s, p.areas(s).permeable, s.builtUpArea, scale: 100, emptyReason: "no built-up area in scope")
    }
}

/// 人均避难场所面积: emergency shelter area (polygon outlines of `shelter` facilities) ÷ residents.
public struct ShelterAreaPerCapita: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "shelter_area_pc", nameZh: "人均避难场所面积", nameEn: "shelter area per resident", unit: "m²/人", direction: .higher,
                                    layers: ["facilities", "buildings"], source: "GB 51143-2015; MOHURD 城市体检")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        guard var u = try p.shelterUnion.get(or: "shelter union") else {
            return .notComputed(spec, s, "no shelter facilities with an outline (facility_areas)")
        }
        if let land = s.land { u = try PreparedLayers.clip(u, to: land, i.ops) }
        let residents = s.buildings.reduce(0.0) { $0 + (i.base.buildings[$1].residents ?? 0) }
        return .ratio(spec, s, u.area, residents, emptyReason: "no residents in scope")
    }
}
