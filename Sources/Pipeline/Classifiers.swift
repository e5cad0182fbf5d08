import CityModel

/// Maps use strings as found in sources (OSM-style English, Chinese land-use / building-type names) to canonical uses.
public enum UseClassifier {
    public static func classify(_ s: String) -> BuildingUse {
        let v = s.lowercased().trimmingCharacters(in: .whitespaces)
        if let u = BuildingUse(rawValue: v) { return u }
        if v.contains("商住") || v.contains("mixed") { return .mixed }
        if ["apartments", "house", "detached", "dormitory", "terrace", "semidetached_house", "housing", "resi"].contains(v)
            || v.contains("住宅") || v.contains("居住") || v.hasPrefix("r") && v.count <= 3 && v.dropFirst().allSatisfy(\.isNumber) { return .residential }
        if ["retail", "office", "hotel", "shop", "business"].contains(v) || v.contains("商业") || v.contains("商务") || v.contains("办公") || v.contains("商场") { return .commercial }
        if ["school", "hospital", "civic", "government", "university", "education", "church", "kindergarten"].contains(v)
            || v.contains("公共") || v.contains("教育") || v.contains("医疗") || v.contains("学校") || v.contains("医院") || v.contains("行政") || v.contains("文化") { return .public }
        if ["warehouse", "factory", "manufacture", "logistics"].contains(v) || v.contains("工业") || v.contains("仓储") || v.contains("厂") { return .industrial }
        if v.isEmpty || v == "yes" || v == "unknown" || v == "未知" { return .unknown }
        return .other
    }
}

/// Maps pipe kind strings (English, OSM substance values, Chinese 污水/雨水/合流/给水/燃气/热力) to `PipeKind`.
public enum PipeKindClassifier {
    public static func classify(_ s: String) -> String {
        let v = s.lowercased()
        if let k = PipeKind(rawValue: v) { return k.rawValue }
        if v.contains("sew") || v.contains("waste") || v.contains("污水") || v == "ws" { return "sewer" }
        if v.contains("storm") || v.contains("rain") || v.contains("雨水") || v == "ys" { return "storm" }
        if v.contains("combined") || v.contains("合流") { return "combined" }
        if v.contains("water") || v.contains("给水") || v.contains("供水") || v == "js" { return "water" }
        if v.contains("gas") || v.contains("燃气") || v.contains("天然气") || v == "rq" { return "gas" }
        if v.contains("heat") || v.contains("热力") || v.contains("供热") || v == "rl" { return "heat" }
        return "unknown"
    }
}

/// Facility category names as they arrive (our ids, common English and Chinese names) → category ids.
public enum FacilityAliases {
    static let aliases: [String: String] = [
        "school": "primary_school", "primary": "primary_school", "小学": "primary_school",
        "middle": "middle_school", "secondary_school": "middle_school", "初中": "middle_school", "中学": "middle_school",
        "幼儿园": "kindergarten", "托儿所": "kindergarten", "childcare": "kindergarten",
        "doctors": "clinic", "社区卫生服务站": "clinic", "卫生站": "clinic", "诊所": "clinic",
        "社区卫生服务中心": "health_center", "health_centre": "health_center",
        "医院": "hospital", "药店": "pharmacy", "marketplace": "market", "菜市场": "market", "农贸市场": "market",
        "超市": "supermarket", "便利店": "convenience", "convenience_store": "convenience",
        "养老院": "elderly_home", "nursing_home": "elderly_home", "老年人日间照料中心": "elderly_daycare", "日间照料中心": "elderly_daycare",
        "社区服务站": "community_service", "community_centre": "community_service", "社区服务中心": "community_service",
        "文化活动中心": "culture", "library": "culture", "图书馆": "culture", "文化站": "culture",
        "公园": "park", "室外健身场地": "fitness", "playground": "fitness", "健身": "fitness",
        "运动场": "sports_mid", "体育场": "sports_large", "体育馆": "sports_large", "消防站": "fire_station",
        "避难场所": "shelter", "应急避难场所": "shelter",
    ]
    public static func category(_ s: String) -> String? {
        let v = s.trimmingCharacters(in: .whitespaces)
        if FacilityCategory.named(v) != nil { return v }
        if let a = aliases[v] ?? aliases[v.lowercased()] { return a }
        return nil
    }
}

import Foundation
