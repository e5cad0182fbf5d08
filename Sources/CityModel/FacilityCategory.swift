import Synchronization

/// Facility categories of the community life circles (GB 50180-2018 城市居住区规划设计标准, table 4.0.1 and appendix B)
/// and the checkup systems, with their default walking thresholds.
public struct FacilityCategory: Sendable, Equatable, Hashable, Codable {
    /// Stable id used in column names (`d_<id>`) and indicator ids (`walk_cov.<id>.<threshold>`).
    public var id: String
    /// Chinese name, as in GB 50180-2018.
    public var nameZh: String
    /// English name, for reports.
    public var nameEn: String
    /// Life circle the standard places it in: 5, 10 or 15 (minutes), 0 when it belongs to none.
    public var lifeCircle: Int
    /// Default walking distance threshold in metres (GB 50180: 5-min 300 m, 10-min 500 m, 15-min 1000 m).
    public var thresholdM: Double
    /// Required for a complete 15-minute life circle (`life_circle_15`).
    public var requiredFor15: Bool

    /// A category from its fields (thresholdM in metres, lifeCircle in minutes, 0 for none).
    public init(id: String, nameZh: String, nameEn: String, lifeCircle: Int, thresholdM: Double, requiredFor15: Bool) {
        self.id = id; self.nameZh = nameZh; self.nameEn = nameEn; self.lifeCircle = lifeCircle
        self.thresholdM = thresholdM; self.requiredFor15 = requiredFor15
    }

    /// The built-in table. Distances per GB 50180-2018 §3.0.4: 5-min circle 300 m, 10-min 500 m, 15-min 800–1000 m
    /// (1000 m used). Categories outside the life circles (hospital, fire station, shelter) carry 0 and are searched to the
    /// largest threshold.
    public static let all: [FacilityCategory] = [
        .init(id: "kindergarten", nameZh: "幼儿园", nameEn: "kindergarten", lifeCircle: 5, thresholdM: 300, requiredFor15: true),
        .init(id: "community_service", nameZh: "社区服务站", nameEn: "community service station", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "elderly_daycare", nameZh: "老年人日间照料中心", nameEn: "elderly day care", lifeCircle: 5, thresholdM: 300, requiredFor15: true),
        .init(id: "clinic", nameZh: "社区卫生服务站", nameEn: "community health station", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "convenience", nameZh: "便利店/商业网点", nameEn: "convenience shop", lifeCircle: 5, thresholdM: 300, requiredFor15: true),
        .init(id: "fitness", nameZh: "室外健身场地", nameEn: "outdoor fitness", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "primary_school", nameZh: "小学", nameEn: "primary school", lifeCircle: 10, thresholdM: 500, requiredFor15: true),
        .init(id: "market", nameZh: "菜市场/生鲜超市", nameEn: "fresh market", lifeCircle: 10, thresholdM: 500, requiredFor15: true),
        .init(id: "sports_mid", nameZh: "中型运动场地", nameEn: "mid-size sports ground", lifeCircle: 10, thresholdM: 500, requiredFor15: false),
        .init(id: "middle_school", nameZh: "初中", nameEn: "middle school", lifeCircle: 15, thresholdM: 1000, requiredFor15: true),
        .init(id: "health_center", nameZh: "社区卫生服务中心", nameEn: "community health centre", lifeCircle: 15, thresholdM: 1000, requiredFor15: true),
        .init(id: "elderly_home", nameZh: "养老院", nameEn: "elderly home", lifeCircle: 15, thresholdM: 1000, requiredFor15: false),
        .init(id: "culture", nameZh: "文化活动中心", nameEn: "cultural activity centre", lifeCircle: 15, thresholdM: 1000, requiredFor15: true),
        .init(id: "sports_large", nameZh: "大型运动场地", nameEn: "large sports ground", lifeCircle: 15, thresholdM: 1000, requiredFor15: false),
        .init(id: "park", nameZh: "公园", nameEn: "park", lifeCircle: 15, thresholdM: 500, requiredFor15: true),
        .init(id: "supermarket", nameZh: "超市", nameEn: "supermarket", lifeCircle: 10, thresholdM: 500, requiredFor15: false),
        .init(id: "pharmacy", nameZh: "药店", nameEn: "pharmacy", lifeCircle: 10, thresholdM: 500, requiredFor15: false),
        .init(id: "hospital", nameZh: "医院", nameEn: "hospital", lifeCircle: 0, thresholdM: 1000, requiredFor15: false),
        .init(id: "fire_station", nameZh: "消防站", nameEn: "fire station", lifeCircle: 0, thresholdM: 2500, requiredFor15: false),
        .init(id: "shelter", nameZh: "应急避难场所", nameEn: "emergency shelter", lifeCircle: 0, thresholdM: 1000, requiredFor15: false),
    ]

    /// Categories the checkup systems name besides the life-circle table above (README "Facility categories" gives
    /// the standard behind each threshold; "default" where it could not be checked). None is required for
    /// `life_circle_15`, so adding them changes no existing indicator. Not in `all`: the synthetic city provisions `all`
    /// and its pins depend on that list. (A data table: its rows have the shape of `all`'s rows on purpose.)
    public static let checkup: [FacilityCategory] = [
        .init(id: "infant_care", nameZh: "托育机构/托儿所", nameEn: "infant and toddler care", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "elderly_station", nameZh: "社区老年服务站", nameEn: "community elderly service station", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "football", nameZh: "社区足球场地", nameEn: "community football field", lifeCircle: 10, thresholdM: 500, requiredFor15: false),
        .init(id: "public_toilet", nameZh: "公共厕所", nameEn: "public toilet", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
        .init(id: "bus_stop", nameZh: "公交站点", nameEn: "bus stop", lifeCircle: 0, thresholdM: 500, requiredFor15: false),
        .init(id: "rail_station", nameZh: "轨道站点", nameEn: "rail transit station", lifeCircle: 0, thresholdM: 800, requiredFor15: false),
        .init(id: "ev_charging", nameZh: "充电桩", nameEn: "EV charging", lifeCircle: 0, thresholdM: 500, requiredFor15: false),
        .init(id: "parking", nameZh: "公共停车场", nameEn: "public parking", lifeCircle: 0, thresholdM: 500, requiredFor15: false),
        .init(id: "parcel", nameZh: "快递/邮政网点", nameEn: "parcel and post point", lifeCircle: 5, thresholdM: 300, requiredFor15: false),
    ]

    /// Every built-in category: the life-circle table, then the checkup additions.
    public static let builtIn: [FacilityCategory] = all + checkup

    /// Category by id: a built-in one, else one a config defined (`categories:` in city.yaml, see `register`).
    public static func named(_ id: String) -> FacilityCategory? {
        if let c = builtInByID[id] { return c }
        return registry.withLock { $0[id] }
    }

    static let builtInByID: [String: FacilityCategory] = Dictionary(uniqueKeysWithValues: builtIn.map { ($0.id, $0) })
    static let registry = Mutex<[String: FacilityCategory]>([:])

    /// Makes categories defined by a config known to every stage of this process (walk thresholds, `d_<id>`,
    /// `walk_cov.<id>.*`, life circles, names in the report). Defining an id twice the same way is fine; a built-in id,
    /// or one already defined differently, is refused (one id means one category throughout a run or a province).
    /// Returns the ids refused, with the reason.
    @discardableResult
    public static func register(_ defined: [FacilityCategory]) -> [(id: String, reason: String)] {
        registry.withLock { r in
            var refused: [(String, String)] = []
            for c in defined {
                if builtInByID[c.id] != nil { refused.append((c.id, "'\(c.id)' is a built-in category: map labels to it (`label: \(c.id)`) instead of defining it")); continue }
                if let old = r[c.id], old != c { refused.append((c.id, "'\(c.id)' is already defined differently in this run (\(old.nameEn), \(Int(old.thresholdM)) m)")); continue }
                r[c.id] = c
            }
            return refused
        }
    }

    /// Checks that `id` can name a category: lower-case ASCII letters, digits and `_`, starting with a letter, at most
    /// 40 characters (it becomes a column name `d_<id>` and part of indicator ids). nil when valid, else the reason.
    public static func invalidID(_ id: String) -> String? {
        let u = Array(id.unicodeScalars)
        guard let f = u.first, ("a"..."z").contains(f) else { return "a category id starts with a lower-case letter (a–z)" }
        guard u.count <= 40 else { return "a category id has at most 40 characters" }
        guard u.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return "a category id has only a–z, 0–9 and _ (it becomes the column d_<id> and indicator ids walk_cov.<id>.*)"
        }
        return nil
    }
}

/// The facility categories of one config: labels found in the data mapped to category ids (`categories:` entries with
/// a text value), and categories the config defines (entries with a mapping value).
public struct CategoryTable: Sendable, Equatable {
    /// Label (as in the data, trimmed) → category id.
    public var labels: [String: String]
    /// Categories defined by the config, in the order given.
    public var defined: [FacilityCategory]

    /// A table of labels and defined categories (both empty by default: the built-in table only).
    public init(labels: [String: String] = [:], defined: [FacilityCategory] = []) { self.labels = labels; self.defined = defined }

    /// A category by id: the config's definitions, then the built-in table (never another config's definitions).
    public func named(_ id: String) -> FacilityCategory? { defined.first { $0.id == id } ?? FacilityCategory.builtInByID[id] }

    /// The built-in categories followed by the config's definitions.
    public var all: [FacilityCategory] { FacilityCategory.builtIn + defined }

    /// Merges `other` under this table (this table's labels win; definitions of the same id must agree).
    public func merging(_ other: CategoryTable) -> CategoryTable {
        var t = self
        for (k, v) in other.labels where t.labels[k] == nil { t.labels[k] = v }
        for c in other.defined where !t.defined.contains(where: { $0.id == c.id }) { t.defined.append(c) }
        return t
    }
}
