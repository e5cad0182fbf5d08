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
        "幼儿园": "kindergarten",
        "托儿所": "infant_care", "托育": "infant_care", "托育机构": "infant_care", "托育中心": "infant_care", "childcare": "infant_care",
        "doctors": "clinic", "社区卫生服务站": "clinic", "卫生站": "clinic", "诊所": "clinic",
        "社区卫生服务中心": "health_center", "health_centre": "health_center",
        "医院": "hospital", "药店": "pharmacy", "marketplace": "market", "菜市场": "market", "农贸市场": "market",
        "超市": "supermarket", "便利店": "convenience", "convenience_store": "convenience",
        "养老院": "elderly_home", "nursing_home": "elderly_home", "老年人日间照料中心": "elderly_daycare", "日间照料中心": "elderly_daycare",
        "社区老年服务站": "elderly_station", "老年服务站": "elderly_station", "社区养老服务站": "elderly_station",
        "社区服务站": "community_service", "community_centre": "community_service", "社区服务中心": "community_service",
        "文化活动中心": "culture", "library": "culture", "图书馆": "culture", "文化站": "culture",
        "公园": "park", "室外健身场地": "fitness", "playground": "fitness", "健身": "fitness",
        "运动场": "sports_mid", "体育场": "sports_large", "体育馆": "sports_large", "消防站": "fire_station",
        "避难场所": "shelter", "应急避难场所": "shelter",
        "足球场": "football", "社区足球场": "football", "社区足球场地": "football", "soccer": "football",
        "公共厕所": "public_toilet", "公厕": "public_toilet", "toilets": "public_toilet",
        "公交站": "bus_stop", "公交站点": "bus_stop", "公交车站": "bus_stop",
        "地铁站": "rail_station", "轨道站点": "rail_station", "轨道交通站": "rail_station", "轻轨站": "rail_station", "subway_station": "rail_station",
        "充电桩": "ev_charging", "充电站": "ev_charging", "charging_station": "ev_charging",
        "停车场": "parking", "公共停车场": "parking",
        "快递": "parcel", "快递点": "parcel", "快递柜": "parcel", "邮局": "parcel", "邮政": "parcel", "邮政所": "parcel",
        "parcel_locker": "parcel", "post_office": "parcel",
    ]

    /// The category of a label with the built-in names only.
    public static func category(_ s: String) -> String? { category(s, table: CategoryTable()) }

    /// The category of a label: the config's `categories:` labels first, then a category id (built-in or defined), then
    /// the built-in names above. nil when unknown.
    public static func category(_ s: String, table: CategoryTable) -> String? {
        let v = s.trimmingCharacters(in: .whitespaces)
        if let id = table.labels[v] { return id }
        if table.named(v) != nil { return v }
        if let a = aliases[v] ?? aliases[v.lowercased()] { return a }
        return nil
    }

    /// The note ingest prints when facilities were rejected for unknown labels: the most frequent labels with their
    /// counts, and the exact `categories:` lines to add (a guess of the category when a built-in name contains the
    /// label or the label contains one, else `<category>`). nil when there were none.
    public static func unknownLabelNote(_ counts: [String: Int], limit: Int = 10) -> String? {
        guard !counts.isEmpty else { return nil }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
        let total = counts.values.reduce(0, +)
        var s = "facilities: \(total) rejected with \(counts.count) unknown category labels; most frequent: "
        s += top.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        s += ". Map them in city.yaml (or define a new category: id: {name_zh: …, threshold_m: …}):\n              categories:"
        for (label, _) in top { s += "\n                \(yamlKey(label)): \(guess(label) ?? "<category>")" }
        return s
    }

    /// `unknownLabelNote` over ingest's rejects (reasons "unknown facility category '…'").
    public static func unknownLabelNote(rejects: [Reject]) -> String? {
        let prefix = "unknown facility category '"
        var counts: [String: Int] = [:]
        for r in rejects where r.layer == "facilities" && r.reason.hasPrefix(prefix) && r.reason.hasSuffix("'") {
            counts[String(r.reason.dropFirst(prefix.count).dropLast()), default: 0] += 1
        }
        return unknownLabelNote(counts)
    }

    /// A built-in category whose Chinese or English name shares a word with the label (a hint, never applied).
    static func guess(_ label: String) -> String? {
        let l = label.lowercased()
        var best: (id: String, length: Int)? = nil
        for c in FacilityCategory.builtIn {
            for n in c.nameZh.split(separator: "/").map({ $0.lowercased() }) + [c.nameEn.lowercased()] where n.count >= 2 {
                let m = l.contains(n) ? n.count : (l.count >= 2 && n.contains(l) ? l.count : 0)
                if m > (best?.length ?? 0) { best = (c.id, m) }
            }
        }
        if let best { return best.id }
        if l.contains("养老") || l.contains("elder") || l.contains("senior") { return "elderly_daycare" }
        if l.contains("托育") || l.contains("child") { return "infant_care" }
        return nil
    }

    /// The label as a YAML key (quoted when plain YAML would read it differently).
    static func yamlKey(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-" || $0.value > 0x2E7F }
        if plain, !s.isEmpty, !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(s.lowercased()), Double(s) == nil { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

import Foundation
