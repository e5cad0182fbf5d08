/// Facility categories of the community life circles (GB 50180-2018 城市居住区规划设计标准, table 4.0.1 and appendix B)
/// and the checkup systems, with their default walking thresholds.
public struct FacilityCategory: Sendable, Equatable, Hashable, Codable {
    /// Stable id used in column names (`d_<id>`) and indicator ids (`walk_cov.<id>.<threshold>`).
    public var id: String
    public var nameZh: String
    public var nameEn: String
    /// Life circle the standard places it in: 5, 10 or 15 (minutes), 0 when it belongs to none.
    public var lifeCircle: Int
    /// Default walking distance threshold in metres (GB 50180: 5-min 300 m, 10-min 500 m, 15-min 1000 m).
    public var thresholdM: Double
    /// Required for a complete 15-minute life circle (`life_circle_15`).
    public var requiredFor15: Bool

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

    /// Category by id.
    public static func named(_ id: String) -> FacilityCategory? { all.first { $0.id == id } }
}
