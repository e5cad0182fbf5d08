import CityModel

/// Maps POI categories scraped from Chinese web maps (Amap/高德 typecodes and type strings, Baidu/百度 tags) and, where
/// the category is generic or absent, POI names to the facility category ids of `FacilityCategory.builtIn`.
///
/// Complexity: O(k + n·r) per call, where k is the number of `|`-joined alternatives, n the name length and r the
/// number of name rules (about 50 keywords); all table lookups are hash lookups.
///
/// Standards and sources (facts only, no code copied):
/// - Amap POI classification: 6-digit typecode = 大类 (2 digits) + 中类 (2) + 小类 (2), `type` string
///   "大类;中类;小类", several alternatives joined with `|` — Amap Web Service "搜索POI" documentation
///   (lbs.amap.com/api/webservice/guide/api/search, mirrored at amap.apifox.cn/project-759159/api-14633570, which shows
///   北京大学 → typecode 141201, type "科教文化服务;学校;高等院校") and the official "POI分类编码" table
///   (lbs.amap.com/api/webservice/download). Type strings of the 公园广场 rows from
///   gist.github.com/the1sky/a9340e01d3aff22abc746bce677d9854 ("高德POI类型描述映射").
/// - Baidu Place API `tag` ("一级行业;二级行业", e.g. "教育培训;幼儿园", "医疗;综合医院") — Baidu Place API v2
///   documentation (lbsyun.baidu.com/index.php?title=webapi/guide/webservice-placeapi), industry classification.
/// - Category semantics: GB 50180-2018 城市居住区规划设计标准 (life-circle facilities), CJJ/T 85-2017 城市绿地分类标准
///   (zoos and botanical gardens are 专类公园, city squares are not parks).
public enum WebMapPOI {

    // MARK: - Tables

    /// Amap rows: typecode, full type string ("大类;中类;小类") and our category id. Every row maps by code and by type string.
    /// Codes not listed inside the 中类 in `amapWholeMidClasses` map like their 中类 (brand stores, hospital grades).
    public static let amapTable: [(code: String, name: String, category: String)] = [
        // 科教文化服务;学校
        ("141204", "科教文化服务;学校;幼儿园", "kindergarten"),
        ("141203", "科教文化服务;学校;小学", "primary_school"),
        ("141202", "科教文化服务;学校;中学", "middle_school"),
        // 医疗保健服务
        ("090100", "医疗保健服务;综合医院;综合医院", "hospital"),
        ("090101", "医疗保健服务;综合医院;三级甲等医院", "hospital"),
        ("090102", "医疗保健服务;综合医院;卫生院", "health_center"),
        ("090300", "医疗保健服务;诊所;诊所", "clinic"),
        ("090601", "医疗保健服务;医药保健销售店;药房", "pharmacy"),
        // 购物服务
        ("060200", "购物服务;便民商店/便利店;便民商店/便利店", "convenience"),
        ("060201", "购物服务;便民商店/便利店;7-ELEVEn便利店", "convenience"),
        ("060202", "购物服务;便民商店/便利店;OK便利店", "convenience"),
        ("060400", "购物服务;超级市场;超市", "supermarket"),
        ("060703", "购物服务;综合市场;农副产品市场", "market"),
        ("060705", "购物服务;综合市场;蔬菜市场", "market"),
        ("060706", "购物服务;综合市场;水产海鲜市场", "market"),
        // 体育休闲服务;运动场馆
        ("080101", "体育休闲服务;运动场馆;综合体育馆", "sports_large"),
        ("080103", "体育休闲服务;运动场馆;网球场", "sports_mid"),
        ("080104", "体育休闲服务;运动场馆;篮球场馆", "sports_mid"),
        ("080105", "体育休闲服务;运动场馆;足球场", "football"),
        ("080108", "体育休闲服务;运动场馆;户外健身场所", "fitness"),
        ("080110", "体育休闲服务;运动场馆;游泳馆", "sports_mid"),
        ("080112", "体育休闲服务;运动场馆;乒乓球馆", "sports_mid"),
        ("080118", "体育休闲服务;运动场馆;羽毛球场", "sports_mid"),
        // 风景名胜;公园广场 (110104 水族馆, 110105 城市广场, 110106 公园内部设施 are not parks)
        ("110100", "风景名胜;公园广场;公园广场", "park"),
        ("110101", "风景名胜;公园广场;公园", "park"),
        ("110102", "风景名胜;公园广场;动物园", "park"),
        ("110103", "风景名胜;公园广场;植物园", "park"),
        // 科教文化服务;文化宫
        ("140800", "科教文化服务;文化宫;文化宫", "culture"),
        // 商务住宅;住宅区
        ("120304", "商务住宅;住宅区;社区中心", "community_service"),
        // 政府机构及社会团体;公检法机构
        ("130504", "政府机构及社会团体;公检法机构;消防机关", "fire_station"),
        // 公共设施
        ("200300", "公共设施;公共厕所;公共厕所", "public_toilet"),
        ("200400", "公共设施;紧急避难场所;紧急避难场所", "shelter"),
        // 交通设施服务 (bus, metro and light-rail stations; parking)
        ("150500", "交通设施服务;地铁站;地铁站", "rail_station"),
        ("150600", "交通设施服务;轻轨站;轻轨站", "rail_station"),
        ("150700", "交通设施服务;公交车站;公交车站相关", "bus_stop"),
        ("150702", "交通设施服务;公交车站;普通公交站", "bus_stop"),
        ("150900", "交通设施服务;停车场;停车场相关", "parking"),
        ("150904", "交通设施服务;停车场;公共停车场", "parking"),
        // 汽车服务;充电站
        ("011100", "汽车服务;充电站;充电站", "ev_charging"),
        // 生活服务 (post offices, parcel services)
        ("070400", "生活服务;邮局;邮局", "parcel"),
        ("070500", "生活服务;物流速递;物流速递", "parcel"),
    ]

    /// Amap 中类 codes whose unlisted 小类 map like the 中类 itself (e.g. 060401 家乐福 → supermarket).
    public static let amapWholeMidClasses: [String] = ["060200", "060400", "090100"]

    /// Amap rows inside a whole 中类 that are deliberately not mapped, with the reason.
    public static let amapExcluded: [(code: String, name: String, reason: String)] = [
        ("060411", "购物服务;超级市场;屈臣氏", "personal-care chain, not a supermarket"),
        ("060415", "购物服务;超级市场;万宁超市", "personal-care chain, not a supermarket"),
    ]

    /// Baidu rows: full tag ("一级;二级"), second-level name and our category id.
    public static let baiduTable: [(code: String, name: String, category: String)] = [
        ("教育培训;幼儿园", "幼儿园", "kindergarten"),
        ("教育培训;小学", "小学", "primary_school"),
        ("教育培训;中学", "中学", "middle_school"),
        ("医疗;综合医院", "综合医院", "hospital"),
        ("医疗;诊所", "诊所", "clinic"),
        ("医疗;药店", "药店", "pharmacy"),
        ("购物;超市", "超市", "supermarket"),
        ("购物;便利店", "便利店", "convenience"),
        ("旅游景点;公园", "公园", "park"),
        ("旅游景点;动物园", "动物园", "park"),
        ("旅游景点;植物园", "植物园", "park"),
        ("运动健身;体育场馆", "体育场馆", "sports_mid"),
        ("文化传媒;文化宫", "文化宫", "culture"),
        ("交通设施;公交车站", "公交车站", "bus_stop"),
        ("交通设施;地铁站", "地铁站", "rail_station"),
        ("交通设施;停车场", "停车场", "parking"),
        ("汽车服务;充电站", "充电站", "ev_charging"),
        ("生活服务;公共厕所", "公共厕所", "public_toilet"),
        ("生活服务;邮局", "邮局", "parcel"),
    ]

    /// A name-keyword rule: when the POI name contains one of `keywords` (and none of `excludes`), the category is
    /// `category` — if the type gave no category (and is not of a non-facility kind, see `nonFacilityAmapBig`), or if it
    /// gave one of the generic categories in `refines`.
    public struct NameRule: Sendable {
        public var keywords: [String]
        public var excludes: [String]
        public var category: String
        public var refines: [String]
    }

    /// Name rules, first match wins (so 社区卫生服务中心 is tested before 社区卫生服务站).
    public static let nameRules: [NameRule] = [
        NameRule(keywords: ["社区卫生服务中心", "卫生服务中心", "卫生院"], excludes: [],
                 category: "health_center", refines: ["hospital", "clinic"]),
        NameRule(keywords: ["社区卫生服务站", "卫生服务站", "卫生室"], excludes: [],
                 category: "clinic", refines: ["hospital", "health_center"]),
        NameRule(keywords: ["日间照料", "日照中心", "托老所", "托老中心"], excludes: [],
                 category: "elderly_daycare", refines: ["community_service", "elderly_home", "hospital", "clinic", "health_center"]),
        NameRule(keywords: ["养老院", "敬老院", "老年公寓", "养老公寓", "养老中心", "老人院"], excludes: [],
                 category: "elderly_home", refines: ["community_service", "hospital", "clinic", "health_center"]),
        NameRule(keywords: ["菜市场", "农贸市场", "农副产品市场", "肉菜市场", "生鲜市场", "集贸市场"], excludes: [],
                 category: "market", refines: ["supermarket", "convenience"]),
        NameRule(keywords: ["消防站", "消防救援站", "消防中队", "消防大队", "消防支队", "消防救援大队", "消防救援支队"],
                 excludes: ["器材", "设备", "工程", "培训", "检测", "维保", "科技"],
                 category: "fire_station", refines: []),
        NameRule(keywords: ["避难场所", "应急避难", "避难所"], excludes: [],
                 category: "shelter", refines: ["park"]),
        NameRule(keywords: ["文化活动中心", "文化活动室", "文化站", "文化馆"], excludes: [],
                 category: "culture", refines: ["community_service"]),
        NameRule(keywords: ["老年服务站", "养老服务站", "老年人服务站", "为老服务站"], excludes: [],
                 category: "elderly_station", refines: ["community_service", "elderly_home"]),
        NameRule(keywords: ["托育", "托儿所", "婴幼儿照护"], excludes: ["用品", "培训"],
                 category: "infant_care", refines: ["community_service"]),
        NameRule(keywords: ["社区服务站", "社区服务中心", "党群服务中心", "居委会", "居民委员会"], excludes: [],
                 category: "community_service", refines: []),
        NameRule(keywords: ["足球场", "足球公园"], excludes: [], category: "football", refines: ["sports_mid", "sports_large", "park"]),
        NameRule(keywords: ["公共厕所", "公厕"], excludes: [], category: "public_toilet", refines: []),
        NameRule(keywords: ["快递驿站", "菜鸟驿站", "快递柜", "丰巢", "邮政所", "邮政支局"], excludes: [], category: "parcel", refines: []),
    ]

    /// Words that disqualify a name from every name rule (shops selling to, or access points of, a facility).
    public static let nameExcludesAll: [String] = ["用品", "器材", "公交站", "停车场", "出入口"]

    /// Amap 大类 (code prefix and name) that are never facilities: name rules do not apply when the type is of one of these.
    public static let nonFacilityAmapBig: [(code: String, name: String)] = [
        ("01", "汽车服务"), ("02", "汽车销售"), ("03", "汽车维修"), ("04", "摩托车服务"), ("05", "餐饮服务"),
        ("10", "住宿服务"), ("15", "交通设施服务"), ("16", "金融保险服务"), ("17", "公司企业"), ("18", "道路附属设施"),
        ("19", "地名地址信息"), ("22", "事件活动"), ("97", "室内设施"), ("99", "通行设施"),
    ]

    /// Baidu first-level tags that are never facilities (same role as `nonFacilityAmapBig`).
    public static let nonFacilityBaiduTop: [String] = [
        "美食", "酒店", "汽车服务", "交通设施", "金融", "公司企业", "出入口", "自然地物", "行政地标", "门址", "道路", "铁路",
    ]

    // MARK: - Result

    /// Where a category came from.
    public enum Source: String, Sendable, Equatable {
        case amapTypecode, amapType, baiduTag, name
    }

    /// A category with its provenance: `key` is the code, type string, tag or name keyword that decided.
    // Stored properties with doc comments, like CityModel's FieldDef: alike in shape only.
    public struct Match: Sendable, Equatable {
        public var category: String
        public var source: Source
        public var key: String
    }

    // MARK: - API

    /// Our facility category id for a web-map POI, or nil when none of the inputs maps.
    ///
    /// Order: Amap typecode (exact 小类, then whole 中类), Amap type string (小类 name, then whole-中类 name), Baidu tag
    /// (full "一级;二级", then the level names from most specific); the first of several `|`-joined alternatives that
    /// maps wins. A name keyword then refines a generic result (社区卫生服务中心 typed as 综合医院 → health_center) or
    /// supplies one when the type maps to nothing, unless the type is of a non-facility kind (restaurants, roads, …).
    public static func category(amapTypecode: String?, amapType: String?, baiduTag: String?, name: String? = nil) -> String? {
        match(amapTypecode: amapTypecode, amapType: amapType, baiduTag: baiduTag, name: name)?.category
    }

    /// As `category(…)`, with the source that decided.
    public static func match(amapTypecode: String?, amapType: String?, baiduTag: String?, name: String? = nil) -> Match? {
        var base: Match?
        if let c = amapTypecode { base = matchAmapCodes(c) }
        if base == nil, let t = amapType { base = matchAmapTypes(t) }
        if base == nil, let b = baiduTag { base = matchBaiduTags(b) }
        guard let n = name?.filter({ !$0.isWhitespace }), !n.isEmpty,
              !nameExcludesAll.contains(where: { n.contains($0) }) else { return base }
        if let b = base {
            for r in nameRules where r.refines.contains(b.category) {
                if let k = hit(r, n) { return Match(category: r.category, source: .name, key: k) }
            }
            return b
        }
        if isNonFacility(amapTypecode: amapTypecode, amapType: amapType, baiduTag: baiduTag) { return nil }
        for r in nameRules { if let k = hit(r, n) { return Match(category: r.category, source: .name, key: k) } }
        return nil
    }

    /// A normalised label of the raw type, for counting and listing unmapped POIs ("amap 141207 科教文化服务;学校;学校内部设施",
    /// "baidu 生活服务;家政服务"); nil when all inputs are empty.
    public static func typeLabel(amapTypecode: String?, amapType: String?, baiduTag: String?) -> String? {
        let code = amapTypecode.flatMap { alternatives($0).first.map(normaliseCode) } ?? ""
        let type = amapType.flatMap { alternatives($0).first.map(normaliseType) } ?? ""
        let amap = [code, type].filter { !$0.isEmpty }.joined(separator: " ")
        if !amap.isEmpty { return "amap " + amap }
        if let b = baiduTag.flatMap({ alternatives($0).first.map(normaliseType) }), !b.isEmpty { return "baidu " + b }
        return nil
    }

    /// The README table (Markdown): Amap rows, Baidu rows, name rules, and a "Source:" line.
    public static func markdownTable() -> String {
        func zh(_ id: String) -> String { FacilityCategory.named(id)?.nameZh ?? "" }
        var s = "| Source | Code / tag | Type | Category | 类别 |\n|---|---|---|---|---|\n"
        for r in amapTable { s += "| Amap | \(r.code) | \(r.name) | `\(r.category)` | \(zh(r.category)) |\n" }
        for r in baiduTable { s += "| Baidu | \(r.code) | \(r.name) | `\(r.category)` | \(zh(r.category)) |\n" }
        s += "\nOther Amap 小类 in the 中类 \(amapWholeMidClasses.joined(separator: ", ")) map like their 中类, except "
        s += amapExcluded.map { "\($0.code) \($0.name.split(separator: ";").last ?? "") (\($0.reason))" }.joined(separator: ", ")
        s += ". Several codes or types joined with `|`: the first that maps wins.\n\n"
        s += "| Name contains | Category | Also overrides |\n|---|---|---|\n"
        for r in nameRules {
            let ex = r.excludes.isEmpty ? "" : " (not: \(r.excludes.joined(separator: "、")))"
            let ov = r.refines.isEmpty ? "—" : r.refines.map { "`\($0)`" }.joined(separator: ", ")
            s += "| \(r.keywords.joined(separator: "、"))\(ex) | `\(r.category)` | \(ov) |\n"
        }
        s += "\nName rules apply when the type maps to nothing (except for types of a non-facility kind: "
        s += nonFacilityAmapBig.map(\.name).joined(separator: "、")
        s += "; Baidu " + nonFacilityBaiduTop.joined(separator: "、")
        s += "), or to override a generic category listed above; names containing "
        s += nameExcludesAll.joined(separator: "、") + " never match.\n\n"
        s += "Source: Amap POI分类编码 (typecode 大类/中类/小类, https://lbs.amap.com/api/webservice/download; search API "
        s += "https://lbs.amap.com/api/webservice/guide/api/search); type strings as returned by the Amap API "
        s += "(https://gist.github.com/the1sky/a9340e01d3aff22abc746bce677d9854); Baidu Place API tags "
        s += "(https://lbsyun.baidu.com/index.php?title=webapi/guide/webservice-placeapi); category semantics "
        s += "GB 50180-2018 and CJJ/T 85-2017; transport, toilet, charging, parking and parcel rows per the Amap and Baidu "
        s += "classifications above (README \"Facility categories\" gives each category's standard).\n"
        return s
    }

    // MARK: - Lookups

    private static let amapByCode: [String: String] = Dictionary(amapTable.map { ($0.code, $0.category) }, uniquingKeysWith: { a, _ in a })
    private static let amapByType: [String: String] = Dictionary(amapTable.map { ($0.name, $0.category) }, uniquingKeysWith: { a, _ in a })
    private static let amapBySmallName: [String: String] = Dictionary(
        amapTable.compactMap { r in r.name.split(separator: ";").last.map { (String($0), r.category) } }, uniquingKeysWith: { a, _ in a })
    /// 中类 name → category, for the whole-中类 codes only.
    private static let amapByMidName: [String: String] = Dictionary(
        amapTable.filter { amapWholeMidClasses.contains($0.code) }.compactMap { r in
            let p = r.name.split(separator: ";"); return p.count >= 2 ? (String(p[1]), r.category) : nil
        }, uniquingKeysWith: { a, _ in a })
    private static let amapExcludedCodes: Set<String> = Set(amapExcluded.map(\.code))
    private static let amapExcludedSmallNames: Set<String> = Set(amapExcluded.compactMap { $0.name.split(separator: ";").last.map(String.init) })
    private static let baiduByTag: [String: String] = Dictionary(baiduTable.map { ($0.code, $0.category) }, uniquingKeysWith: { a, _ in a })
    private static let baiduByName: [String: String] = Dictionary(baiduTable.map { ($0.name, $0.category) }, uniquingKeysWith: { a, _ in a })

    /// Splits `a|b|c` (also full-width ｜) into trimmed non-empty alternatives.
    static func alternatives(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == "|" || $0 == "｜" }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// "141204", " 141204 ", "141204.0" → "141204"; "90100" (leading zero lost in a spreadsheet) → "090100".
    static func normaliseCode(_ s: String) -> String {
        var c = s.trimmingWhitespace()
        if c.hasSuffix(".0") { c.removeLast(2) }
        if c.count == 5, c.allSatisfy(\.isASCIIDigitChar) { c = "0" + c }
        return c
    }

    /// Trims every level and uses ASCII ';' (full-width '；' is common in spreadsheets).
    static func normaliseType(_ s: String) -> String {
        s.replacingAll("；", with: ";").split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace() }.joined(separator: ";")
    }

    private static func matchAmapCode(_ raw: String) -> String? {
        let c = normaliseCode(raw)
        guard c.count == 6, c.allSatisfy(\.isASCIIDigitChar), !amapExcludedCodes.contains(c) else { return nil }
        if let cat = amapByCode[c] { return cat }
        let mid = String(c.prefix(4)) + "00"
        if amapWholeMidClasses.contains(mid) { return amapByCode[mid] }
        return nil
    }

    private static func matchAmapCodes(_ s: String) -> Match? {
        for a in alternatives(s) { if let cat = matchAmapCode(a) { return Match(category: cat, source: .amapTypecode, key: normaliseCode(a)) } }
        return nil
    }

    private static func matchAmapType(_ raw: String) -> String? {
        let t = normaliseType(raw)
        if let cat = amapByType[t] { return cat }
        let parts = t.split(separator: ";").map(String.init)
        guard let small = parts.last else { return nil }
        if amapExcludedSmallNames.contains(small) { return nil }
        if let cat = amapBySmallName[small] { return cat }
        if parts.count >= 2, let cat = amapByMidName[parts[1]] { return cat }
        return nil
    }

    private static func matchAmapTypes(_ s: String) -> Match? {
        for a in alternatives(s) { if let cat = matchAmapType(a) { return Match(category: cat, source: .amapType, key: normaliseType(a)) } }
        return nil
    }

    private static func matchBaiduTag(_ raw: String) -> String? {
        let t = normaliseType(raw)
        let parts = t.split(separator: ";").map(String.init)
        guard !parts.isEmpty else { return nil }
        for i in stride(from: parts.count - 1, through: 0, by: -1) {
            if let cat = baiduByTag[parts[0...i].joined(separator: ";")] { return cat }
        }
        for i in stride(from: parts.count - 1, through: 0, by: -1) {
            if let cat = baiduByName[parts[i]] { return cat }
        }
        return nil
    }

    private static func matchBaiduTags(_ s: String) -> Match? {
        for a in alternatives(s) { if let cat = matchBaiduTag(a) { return Match(category: cat, source: .baiduTag, key: normaliseType(a)) } }
        return nil
    }

    private static func hit(_ r: NameRule, _ name: String) -> String? {
        guard !r.excludes.contains(where: { name.contains($0) }) else { return nil }
        return r.keywords.first { name.contains($0) }
    }

    /// True when the first alternative of the type says the POI is of a kind that is never a facility.
    private static func isNonFacility(amapTypecode: String?, amapType: String?, baiduTag: String?) -> Bool {
        if let c = amapTypecode.flatMap({ alternatives($0).first.map(normaliseCode) }), c.count == 6,
           nonFacilityAmapBig.contains(where: { $0.code == c.prefix(2) }) { return true }
        if let t = amapType.flatMap({ alternatives($0).first.map(normaliseType) }),
           let big = t.split(separator: ";").first, nonFacilityAmapBig.contains(where: { $0.name == big }) { return true }
        if let b = baiduTag.flatMap({ alternatives($0).first.map(normaliseType) }),
           let top = b.split(separator: ";").first, nonFacilityBaiduTop.contains(String(top)) { return true }
        return false
    }
}

private extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func replacingAll(_ target: Character, with r: Character) -> String { String(map { $0 == target ? r : $0 }) }
}

private extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
