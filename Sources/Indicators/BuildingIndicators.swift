import CityModel

/// 建成区人口密度: residents ÷ built-up area (万人/km²); target range 0.7–1.5.
public struct PopulationDensityBuilt: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "pop_density_built", nameZh: "建成区人口密度", nameEn: "built-up population density", unit: "万人/km²", direction: .range,
                                    layers: ["buildings", "population", "boundary"], source: "MOHURD 城市体检; range 0.7–1.5")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let r = s.buildings.reduce(0.0) { $0 + (i.base.buildings[$1].residents ?? 0) }
        return .ratio(spec, s, r / 1e4, s.builtUpArea / 1e6, emptyReason: "no built-up area in scope")
    }
}

/// 人口密度超过每平方公里1.5万人的城市建设用地占比: built-up land in analysis cells (default 250 m) whose residents exceed
/// 15,000 per km² ÷ built-up land. Residents are placed at building centroids.
public struct DenseLandShare: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "dense_land_share", nameZh: "人口密度超过每平方公里1.5万人的城市建设用地占比", nameEn: "over-dense built land share",
                                    unit: "%", direction: .lower, layers: ["buildings", "population", "boundary"],
                                    params: ["cell_m": 250, "density_per_km2": 15000], source: "MOHURD 城市体检 2023+")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        if s.builtUpArea <= 0 { return .notComputed(spec, s, "no built-up area in scope") }
        // The tiled pass computed it for the run's parameters (cell_m, density_per_km2).
        let num = p.areas(s).dense
        return .ratio(spec, s, num, s.builtUpArea, scale: 100, params: pr, emptyReason: "no built-up area in scope")
    }
}

/// 区域开发强度: built-up area ÷ total land area of the scope (zone polygon, or the boundary layer for the city).
public struct DevelopmentIntensity: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "dev_intensity", nameZh: "区域开发强度", nameEn: "development intensity", unit: "%", direction: .lower,
                                    layers: ["boundary", "zones", "buildings"], source: "TD/T 1063-2021")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        guard let land = s.land else { return .notComputed(spec, s, "no boundary layer: total land area unknown") }
        return .ratio(spec, s, s.builtUpArea, land.area, scale: 100, emptyReason: "scope has no area")
    }
}

/// 建筑密度: building footprint area ÷ built-up land area.
public struct BuildingDensity: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "building_density", nameZh: "建筑密度", nameEn: "building coverage", unit: "%", direction: .none,
                                    layers: ["buildings", "boundary"], source: "GB 50180-2018")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let fp = s.buildings.reduce(0.0) { $0 + i.base.buildings[$1].footprint.area }
        return .ratio(spec, s, fp, s.builtUpArea, scale: 100, emptyReason: "no built-up area in scope")
    }
}

/// 容积率: gross floor area ÷ built-up land area.
public struct FloorAreaRatio: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "far", nameZh: "容积率", nameEn: "floor area ratio", unit: "", direction: .none,
                                    layers: ["buildings", "boundary"], source: "GB 50180-2018")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let fa = s.buildings.reduce(0.0) { $0 + i.base.buildings[$1].floorArea(floorHeight: i.floorHeight) }
        return .ratio(spec, s, fa, s.builtUpArea, emptyReason: "no built-up area in scope")
    }
}

/// 超高层建筑数量: buildings taller than 100 m.
public struct HighRiseCount: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "highrise_100m", nameZh: "超高层建筑数量", nameEn: "buildings over 100 m", unit: "栋", direction: .lower,
                                    layers: ["buildings"], params: ["height_m": 100], source: "MOHURD 城市体检 (风貌特色)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let h = i.params(spec)["height_m"]!
        let n = s.buildings.filter { i.base.buildings[$0].heightM > h }.count
        return IndicatorValue(spec: spec, scope: s, value: Double(n), numerator: Double(n), denominator: Double(s.buildings.count), params: i.params(spec))
    }
}

/// 新建住宅建筑高度超过80米的数量: residential buildings over 80 m built in the last `years` years up to the checkup year.
public struct ResidentialOver80m: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "resi_over_80m", nameZh: "新建住宅建筑高度超过80米的数量", nameEn: "new residential buildings over 80 m", unit: "栋",
                                    direction: .lower, layers: ["buildings"], params: ["height_m": 80, "years": 5], source: "MOHURD 城市体检 (风貌特色)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        let from = i.year - Int(pr["years"]!) + 1
        let resi = s.buildings.filter { i.base.buildings[$0].use.isResidential }
        if !resi.contains(where: { i.base.buildings[$0].yearBuilt != nil }) { return .notComputed(spec, s, "no residential building has a year built") }
        let n = resi.filter { let b = i.base.buildings[$0]; return b.heightM > pr["height_m"]! && (b.yearBuilt.map { $0 >= from && $0 <= i.year } ?? false) }.count
        return IndicatorValue(spec: spec, scope: s, value: Double(n), numerator: Double(n), denominator: Double(resi.count), params: pr)
    }
}

/// 老旧住宅建筑面积占比: residential floor area built before 2000 ÷ residential floor area of known age.
public struct OldResidentialShare: Indicator {
    public init() {}
    public let spec = IndicatorSpec(id: "old_resi_share", nameZh: "2000年前建成住宅建筑面积占比", nameEn: "residential floor area built before 2000", unit: "%",
                                    direction: .lower, layers: ["buildings"], params: ["before_year": 2000], source: "国办发〔2020〕23号 (老旧小区改造: 2000年底前建成)")
    public func compute(_ i: IndicatorInputs, _ p: PreparedLayers, _ s: Scope) throws -> IndicatorValue {
        let pr = i.params(spec)
        var old = 0.0, known = 0.0
        for b in s.buildings {
            let x = i.base.buildings[b]
            guard x.use.isResidential, let y = x.yearBuilt else { continue }
            let fa = x.floorArea(floorHeight: i.floorHeight)
            known += fa
            if Double(y) < pr["before_year"]! { old += fa }
        }
        return .ratio(spec, s, old, known, scale: 100, params: pr, emptyReason: "no residential building has a year built")
    }
}
