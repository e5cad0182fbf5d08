import CityModel
import Testing
@testable import Pipeline

private func cat(code: String? = nil, type: String? = nil, baidu: String? = nil, name: String? = nil) -> String? {
    WebMapPOI.category(amapTypecode: code, amapType: type, baiduTag: baidu, name: name)
}

@Suite struct WebMapPOITests {
    // MARK: tables

    @Test func everyAmapRowMapsByCodeAndByTypeString() {
        for r in WebMapPOI.amapTable {
            #expect(cat(code: r.code) == r.category, "code \(r.code)")
            #expect(cat(type: r.name) == r.category, "type \(r.name)")
            #expect(WebMapPOI.match(amapTypecode: r.code, amapType: nil, baiduTag: nil)?.source == .amapTypecode)
            #expect(WebMapPOI.match(amapTypecode: nil, amapType: r.name, baiduTag: nil)?.source == .amapType)
        }
    }

    @Test func everyBaiduRowMapsByFullTagAndBySecondLevel() {
        for r in WebMapPOI.baiduTable {
            #expect(cat(baidu: r.code) == r.category, "tag \(r.code)")
            #expect(cat(baidu: r.name) == r.category, "name \(r.name)")
            #expect(r.code.hasSuffix(";" + r.name))
        }
    }

    @Test func tablesAreWellFormed() {
        let ids = Set(FacilityCategory.builtIn.map(\.id))
        var codes = Set<String>(), types = Set<String>(), smalls = [String: String]()
        for r in WebMapPOI.amapTable {
            #expect(ids.contains(r.category), "\(r.category)")
            #expect(r.code.count == 6 && r.code.allSatisfy { $0.isASCII && $0.isNumber })
            #expect(r.name.split(separator: ";").count == 3, "\(r.name)")
            #expect(codes.insert(r.code).inserted, "duplicate \(r.code)")
            #expect(types.insert(r.name).inserted, "duplicate \(r.name)")
            let small = String(r.name.split(separator: ";")[2])
            if let prev = smalls[small] { #expect(prev == r.category, "小类 \(small) ambiguous") }
            smalls[small] = r.category
        }
        for r in WebMapPOI.baiduTable { #expect(ids.contains(r.category)) }
        for r in WebMapPOI.nameRules { #expect(ids.contains(r.category)); r.refines.forEach { #expect(ids.contains($0)) } }
        for m in WebMapPOI.amapWholeMidClasses { #expect(codes.contains(m) && m.hasSuffix("00")) }
        // The categories the issue names are all reachable from a table.
        let reached = Set(WebMapPOI.amapTable.map(\.category) + WebMapPOI.baiduTable.map(\.category) + WebMapPOI.nameRules.map(\.category))
        for id in ["kindergarten", "primary_school", "middle_school", "health_center", "clinic", "hospital", "elderly_home",
                   "elderly_daycare", "market", "supermarket", "park", "fire_station", "shelter"] {
            #expect(reached.contains(id), "\(id)")
        }
    }

    // MARK: hand-checked values

    @Test func knownCodesAndTypes() {
        #expect(cat(code: "141204") == "kindergarten")
        #expect(cat(code: "141203") == "primary_school")
        #expect(cat(code: "141202") == "middle_school")
        #expect(cat(code: "090100") == "hospital")
        #expect(cat(code: "090101") == "hospital")
        #expect(cat(code: "090102") == "health_center")
        #expect(cat(code: "090601") == "pharmacy")
        #expect(cat(code: "060703") == "market")
        #expect(cat(code: "110101") == "park")
        #expect(cat(code: "130504") == "fire_station")
        #expect(cat(code: "200400") == "shelter")
        #expect(cat(type: "科教文化服务;学校;幼儿园") == "kindergarten")
        #expect(cat(type: "医疗保健服务;综合医院;三级甲等医院") == "hospital")
        // An unknown 小类 under a whole 中类 falls back to the 中类 name.
        #expect(cat(type: "医疗保健服务;综合医院;三级甲等") == "hospital")
        #expect(cat(type: "购物服务;超级市场;家乐福") == "supermarket")
        #expect(cat(type: "幼儿园") == "kindergarten")
        #expect(cat(baidu: "教育培训;幼儿园") == "kindergarten")
        #expect(cat(baidu: "医疗;综合医院") == "hospital")
        #expect(cat(baidu: "购物;超市") == "supermarket")
        #expect(cat(baidu: "旅游景点;公园") == "park")
        #expect(cat(baidu: "公园") == "park")
    }

    @Test func wholeMidClassesAndExclusions() {
        #expect(cat(code: "060401") == "supermarket")   // 家乐福
        #expect(cat(code: "060201") == "convenience")
        #expect(cat(code: "090199") == "hospital")      // a 小类 newer than the table
        #expect(cat(code: "060411") == nil)             // 屈臣氏
        #expect(cat(code: "060415") == nil)             // 万宁超市
        #expect(cat(type: "购物服务;超级市场;屈臣氏") == nil)
        #expect(cat(code: "060411|060400") == "supermarket")
        // Codes of mixed 中类 do not fall back.
        #expect(cat(code: "110105") == nil)             // 城市广场
        #expect(cat(type: "风景名胜;公园广场;城市广场") == nil)
        #expect(cat(code: "110106") == nil)             // 公园内部设施
        #expect(cat(code: "060704") == nil)             // 果品市场
        #expect(cat(code: "090200") == nil)             // 专科医院
        #expect(cat(code: "090602") == nil)             // 医疗保健用品
        #expect(cat(code: "080111") == nil)             // 健身中心 (commercial gym)
    }

    @Test func typecodeWinsOverTypeAndBaidu() {
        let m = WebMapPOI.match(amapTypecode: "141204", amapType: "医疗保健服务;综合医院;综合医院", baiduTag: "购物;超市")
        #expect(m == WebMapPOI.Match(category: "kindergarten", source: .amapTypecode, key: "141204"))
        // A code that maps to nothing leaves the type string to decide.
        #expect(cat(code: "141207", type: "科教文化服务;学校;小学") == "primary_school")
        #expect(cat(code: "999999", type: nil, baidu: "医疗;诊所") == "clinic")
        #expect(cat(type: "科教文化服务;学校;中学", baidu: "教育培训;小学") == "middle_school")
    }

    @Test func multiCodeStrings() {
        #expect(cat(code: "141204|141203") == "kindergarten")
        #expect(cat(code: "141203|141204") == "primary_school")
        #expect(cat(code: "150200|141204") == "kindergarten")        // 火车站 is not mapped
        #expect(cat(code: "150700|141204") == "bus_stop")           // 公交车站 is (a checkup category)
        #expect(cat(code: "999999|abc|090300") == "clinic")
        #expect(cat(code: "150200|150300") == nil)
        #expect(cat(type: "科教文化服务;学校;中学|科教文化服务;培训机构;培训机构") == "middle_school")
        #expect(cat(type: "科教文化服务;培训机构;培训机构|科教文化服务;学校;小学") == "primary_school")
        #expect(cat(baidu: "生活服务;家政服务|医疗;药店") == "pharmacy")
    }

    @Test func unknownGivesNil() {
        #expect(cat() == nil)
        #expect(cat(code: "") == nil)
        #expect(cat(code: "141207") == nil)             // 学校内部设施
        #expect(cat(code: "999999") == nil)
        #expect(cat(code: "14120") == nil)              // 5 digits pad to 014120: unknown
        #expect(cat(code: "abcdef") == nil)
        #expect(cat(code: "1412041") == nil)
        #expect(cat(type: "科教文化服务;学校;学校内部设施") == nil)
        #expect(cat(type: "餐饮服务;中餐厅;中餐厅") == nil)
        #expect(cat(type: ";;") == nil)
        #expect(cat(baidu: "生活服务;家政服务") == nil)
        #expect(cat(baidu: "医疗") == nil)
        #expect(cat(baidu: "购物;商铺;书店") == nil)
        #expect(cat(baidu: "医疗;专科医院") == nil)
    }

    @Test func normalisation() {
        #expect(cat(code: "90100") == "hospital")       // leading zero lost in a spreadsheet
        #expect(cat(code: " 141204 ") == "kindergarten")
        #expect(cat(code: "141204.0") == "kindergarten")
        #expect(cat(code: "141204 | 141203") == "kindergarten")
        #expect(cat(type: " 科教文化服务；学校；小学 ") == "primary_school")
        #expect(cat(baidu: "教育培训 ; 中学") == "middle_school")
        #expect(cat(code: "141299｜141204") == "kindergarten") // full-width bar
    }

    // MARK: name rules

    @Test func healthCentreVersusStation() {
        #expect(cat(code: "090100", name: "姑苏区双塔街道社区卫生服务中心") == "health_center")
        #expect(cat(code: "090300", name: "姑苏区双塔街道社区卫生服务中心") == "health_center")
        #expect(cat(code: "090300", name: "沧浪新城社区卫生服务站") == "clinic")
        #expect(cat(code: "090100", name: "沧浪新城社区卫生服务站") == "clinic")
        #expect(cat(code: "090102", name: "某村卫生室") == "clinic")
        #expect(cat(code: "090300", name: "张三诊所") == "clinic")
        #expect(cat(code: "090100", name: "苏州市立医院") == "hospital")
        #expect(cat(baidu: "医疗;综合医院", name: "某镇卫生院") == "health_center")
        #expect(cat(name: "某街道社区卫生服务中心") == "health_center")
        let m = WebMapPOI.match(amapTypecode: "090100", amapType: nil, baiduTag: nil, name: "某社区卫生服务中心")
        #expect(m?.source == .name && m?.key == "社区卫生服务中心")
    }

    @Test func elderlyMarketFireShelter() {
        #expect(cat(name: "某区敬老院") == "elderly_home")
        #expect(cat(name: "某老年公寓") == "elderly_home")
        #expect(cat(baidu: "政府机构;福利机构", name: "某市社会福利院养老院") == "elderly_home")
        #expect(cat(code: "120304", name: "某街道日间照料中心") == "elderly_daycare")
        #expect(cat(code: "090100", name: "某医院养老中心") == "elderly_home")
        #expect(cat(type: "购物服务;综合市场;综合市场", name: "某农贸市场") == "market")
        #expect(cat(code: "060400", name: "某菜市场") == "market")
        #expect(cat(baidu: "政府机构;公检法机构", name: "某消防救援站") == "fire_station")
        #expect(cat(name: "某区消防救援大队") == "fire_station")
        #expect(cat(code: "110101", name: "某公园应急避难场所") == "shelter")
        #expect(cat(code: "110101", name: "某公园") == "park")
        #expect(cat(code: "120304", name: "某社区服务站") == "community_service")
        #expect(cat(type: "政府机构及社会团体;政府机关;乡镇以下级政府及事业单位", name: "某社区居委会") == "community_service")
        #expect(cat(code: "120304", name: "某社区文化活动中心") == "culture")
    }

    @Test func nameRulesDoNotOverreach() {
        #expect(cat(name: "某消防器材店") == nil)
        #expect(cat(name: "消防设备有限公司消防站") == nil)
        #expect(cat(code: "050100", name: "菜市场小炒") == nil)        // restaurant
        #expect(cat(code: "150700", name: "敬老院") == "bus_stop")     // a bus stop named after the home, typed as a bus stop
        #expect(cat(code: "150200", name: "敬老院") == nil)            // transport type: names never apply
        #expect(cat(name: "敬老院公交站") == nil)
        #expect(cat(name: "某医院停车场") == nil)
        #expect(cat(baidu: "美食;中餐厅", name: "养老院食堂") == nil)
        #expect(cat(type: "公司企业;公司;公司", name: "某养老院管理有限公司") == nil)
        #expect(cat(name: "某养老用品商店") == nil)
        // A specific category is not overridden by an unrelated keyword.
        #expect(cat(code: "141204", name: "卫生院幼儿园") == "kindergarten")
        #expect(cat(code: "090601", name: "社区卫生服务站药房") == "pharmacy")
        #expect(cat(name: "某小区") == nil)
        #expect(cat(name: "   ") == nil)
    }

    // MARK: random twins

    /// Random `|`-joined alternatives (mapped codes, unknown codes, junk): the result is the first alternative that maps
    /// on its own — a brute-force twin of the documented rule.
    @Test func randomAlternativesFirstThatMapsWins() {
        var rng = SplitMix64(seed: 20_261_129)   // TestSupport's
        let mapped = WebMapPOI.amapTable
        let junk = ["999999", "141207", "150700", "abc", "", "060411", "110105", "1"]
        for _ in 0..<2000 {
            let n = Int.random(in: 1...4, using: &rng)
            var parts: [String] = []
            for _ in 0..<n {
                if Bool.random(using: &rng) { parts.append(mapped.randomElement(using: &rng)!.code) }
                else { parts.append(junk.randomElement(using: &rng)!) }
            }
            let expected = parts.lazy.compactMap { cat(code: $0) }.first
            #expect(cat(code: parts.joined(separator: "|")) == expected, "\(parts)")
            let types = parts.map { p in mapped.first { $0.code == p }?.name ?? "未知;未知;\(p)" }
            let expectedT = types.lazy.compactMap { cat(type: $0) }.first
            #expect(cat(type: types.joined(separator: "|")) == expectedT, "\(types)")
        }
    }

    // MARK: outputs

    @Test func markdownTableListsEveryRowAndItsSource() {
        let md = WebMapPOI.markdownTable()
        for r in WebMapPOI.amapTable { #expect(md.contains("| Amap | \(r.code) | \(r.name) | `\(r.category)` |")) }
        for r in WebMapPOI.baiduTable { #expect(md.contains("| Baidu | \(r.code) | \(r.name) | `\(r.category)` |")) }
        #expect(md.contains("\nSource: "))
        #expect(md.contains("| 141204 | 科教文化服务;学校;幼儿园 | `kindergarten` | 幼儿园 |"))
        #expect(md.contains("060411 屈臣氏"))
        #expect(md.contains("社区卫生服务中心"))
    }

    @Test func typeLabelForUnknownListing() {
        #expect(WebMapPOI.typeLabel(amapTypecode: " 141207|141204", amapType: "科教文化服务;学校;学校内部设施", baiduTag: nil)
                == "amap 141207 科教文化服务;学校;学校内部设施")
        #expect(WebMapPOI.typeLabel(amapTypecode: nil, amapType: nil, baiduTag: "生活服务；家政服务") == "baidu 生活服务;家政服务")
        #expect(WebMapPOI.typeLabel(amapTypecode: "", amapType: nil, baiduTag: nil) == nil)
        #expect(WebMapPOI.typeLabel(amapTypecode: nil, amapType: nil, baiduTag: nil) == nil)
    }
}

@Suite struct WebMapPOIDocsTests {
    /// README carries the table with the checkup categories (the integrator pastes it from notes/config.md).
    static let readmeHasCheckupRows: Bool = {
        let t = try? String(contentsOf: Paths.root.appendingPathComponent("README.md"), encoding: .utf8)
        return t?.contains("| Amap | 150702 | 交通设施服务;公交车站;普通公交站 | `bus_stop` |") ?? false
    }()

    @Test(.enabled(if: readmeHasCheckupRows, "README's POI table predates the checkup categories (new text in notes/config.md)"))
    func readmeCarriesTheTable() throws {
        let readme = try String(contentsOf: Paths.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(WebMapPOI.markdownTable().trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
