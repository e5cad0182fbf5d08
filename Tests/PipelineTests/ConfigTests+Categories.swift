import CityModel
import Foundation
import Indicators
@testable import Pipeline
import Testing

/// `categories:` in city.yaml: labels mapped to categories, categories defined by the config (issue 13.1), and the
/// checkup categories built in (13.2).
@Suite struct ConfigCategoriesTests {
    /// The example, verbatim (the category `childcare` is defined here and in the ingest test the same way).
    static let section = """
    categories:
      elderly_care: elderly_daycare        # a label in the data → a built-in (or defined) category
      养老服务站: elderly_daycare
      childcare: {name_zh: 托育机构, name_en: childcare, life_circle: 5, threshold_m: 300, required_for_15: true}  # a new category
    """

    static func config(_ extra: String = section, file: String = "city.yaml") throws -> CityConfig {
        try CityConfig.parse("city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n" + extra + "\n", file: file)
    }

    func error(_ extra: String) -> String {
        do { _ = try Self.config(extra); return "no error" } catch { return "\(error)" }
    }

    @Test func labelsAndDefinitionsAreRead() throws {
        let c = try Self.config()
        #expect(c.categories.labels == ["elderly_care": "elderly_daycare", "养老服务站": "elderly_daycare"])
        let def = FacilityCategory(id: "childcare", nameZh: "托育机构", nameEn: "childcare", lifeCircle: 5, thresholdM: 300, requiredFor15: true)
        #expect(c.categories.defined == [def])
        // Known to every stage of the process: names of walk_cov rows, thresholds.
        #expect(FacilityCategory.named("childcare") == def)
        #expect(WalkCoverage.spec(category: "childcare", threshold: 300, weighting: "residents").nameZh.hasPrefix("托育机构步行300米"))
        // Classification: the config's labels, then ids, then the built-in names; unknown stays unknown.
        #expect(FacilityAliases.category("elderly_care", table: c.categories) == "elderly_daycare")
        #expect(FacilityAliases.category(" 养老服务站 ", table: c.categories) == "elderly_daycare")
        #expect(FacilityAliases.category("childcare", table: c.categories) == "childcare")
        #expect(FacilityAliases.category("childcare") == "infant_care")       // without the config: the built-in name
        #expect(FacilityAliases.category("托育机构") == "infant_care")
        #expect(FacilityAliases.category("elderly_care") == nil)
        // A label may map to a category the same section defines.
        let c2 = try Self.config("categories:\n  托育中心X: childcare\n  childcare: {name_zh: 托育机构, name_en: childcare, life_circle: 5, threshold_m: 300, required_for_15: true}")
        #expect(c2.categories.labels["托育中心X"] == "childcare")
        // Defaults of a definition: names = id, no life circle, not required.
        let c3 = try Self.config("categories:\n  cfgtest_kiosk: {threshold_m: 250}")
        #expect(c3.categories.defined == [FacilityCategory(id: "cfgtest_kiosk", nameZh: "cfgtest_kiosk", nameEn: "cfgtest_kiosk", lifeCircle: 0, thresholdM: 250, requiredFor15: false)])
    }

    @Test func badEntriesAreErrorsNamingKeyAndLine() {
        #expect(error("categories:\n  elderly_care: elderly_daycentre").contains("city.yaml:6: categories.elderly_care: unknown category 'elderly_daycentre' for label 'elderly_care'"))
        #expect(error("categories:\n  park: {threshold_m: 300}").contains("categories.park: 'park' is a built-in category"))
        #expect(error("categories:\n  Child-Care: {threshold_m: 300}").contains("cannot define category 'Child-Care'"))
        #expect(error("categories:\n  cfgtest_a: {name_zh: x}").contains("categories.cfgtest_a: a category definition needs threshold_m"))
        #expect(error("categories:\n  cfgtest_b: {threshold_m: 300, life_circle: 7}").contains("categories.cfgtest_b.life_circle: must be 0 (none), 5, 10 or 15"))
        #expect(error("categories:\n  cfgtest_c: {threshold_m: .nan}").contains("categories.cfgtest_c.threshold_m: expected a finite number"))
        #expect(error("categories:\n  cfgtest_d: {threshold_m: 0}").contains("categories.cfgtest_d.threshold_m: must be > 0 and ≤ 50000, not 0"))
        #expect(error("categories:\n  cfgtest_e: {threshold_m: 300, colour: red}").contains("categories.cfgtest_e.colour: unknown key 'colour'"))
        // One id, one meaning in a process: a second, different definition is refused (the definition is
        // registered first here, whichever test of the suite runs first).
        #expect(error(Self.section) == "no error")
        #expect(error("categories:\n  childcare: {name_zh: 托育机构, threshold_m: 500}").contains("'childcare' is already defined differently"))
    }

    @Test func checkupCategoriesAreBuiltIn() {
        let ids = ["infant_care", "elderly_station", "football", "public_toilet", "bus_stop", "rail_station", "ev_charging", "parking", "parcel"]
        #expect(FacilityCategory.checkup.map(\.id) == ids)
        #expect(FacilityCategory.named("bus_stop")?.thresholdM == 500)
        #expect(FacilityCategory.named("rail_station")?.thresholdM == 800)
        #expect(FacilityCategory.named("public_toilet")?.thresholdM == 300)
        #expect(FacilityCategory.named("infant_care")?.nameZh == "托育机构/托儿所")
        // The life-circle table the synthetic city provisions is unchanged (its pins depend on it), and no new
        // category is required for life_circle_15 (so no existing indicator changes).
        #expect(FacilityCategory.all.count == 20)
        #expect(FacilityCategory.checkup.allSatisfy { !$0.requiredFor15 })
        #expect(Set(FacilityCategory.builtIn.map(\.id)).count == FacilityCategory.builtIn.count)
        for c in FacilityCategory.builtIn { #expect(FacilityCategory.invalidID(c.id) == nil, "\(c.id)") }
        // Chinese and English labels of each.
        let labels: [String: String] = ["托儿所": "infant_care", "托育": "infant_care", "社区老年服务站": "elderly_station", "足球场": "football",
                                        "公共厕所": "public_toilet", "公厕": "public_toilet", "公交站": "bus_stop", "地铁站": "rail_station",
                                        "充电桩": "ev_charging", "公共停车场": "parking", "快递柜": "parcel", "邮局": "parcel", "toilets": "public_toilet"]
        for (l, id) in labels { #expect(FacilityAliases.category(l) == id, "\(l)") }
    }

    @Test func osmTagsOfTheCheckupCategories() {
        func cats(_ t: [String: String]) -> [String] { OSMPreset.facilityCategories(OSMPreset.Tags(t)) }
        #expect(cats(["amenity": "childcare"]) == ["infant_care"])
        #expect(cats(["amenity": "kindergarten"]) == ["kindergarten"])
        #expect(cats(["amenity": "toilets"]) == ["public_toilet"])
        #expect(cats(["amenity": "charging_station"]) == ["ev_charging"])
        #expect(cats(["amenity": "parking"]) == ["parking"])
        #expect(cats(["amenity": "parking", "access": "private"]) == [])
        #expect(cats(["amenity": "parcel_locker"]) == ["parcel"])
        #expect(cats(["amenity": "post_office"]) == ["parcel"])
        #expect(cats(["leisure": "pitch", "sport": "soccer"]) == ["sports_mid", "football"])
        #expect(cats(["leisure": "pitch", "sport": "tennis"]) == ["sports_mid"])
        #expect(cats(["highway": "bus_stop"]) == ["bus_stop"])
        #expect(cats(["public_transport": "platform", "bus": "yes"]) == ["bus_stop"])
        #expect(cats(["railway": "station", "station": "subway"]) == ["rail_station"])
        #expect(cats(["public_transport": "station", "light_rail": "yes"]) == ["rail_station"])
        #expect(cats(["railway": "station"]) == [])          // a mainline station is not urban rail transit
        #expect(cats(["railway": "tram_stop"]) == [])
    }

    @Test func webMapPOIsOfTheCheckupCategories() {
        func cat(code: String? = nil, type: String? = nil, baidu: String? = nil, name: String? = nil) -> String? {
            WebMapPOI.category(amapTypecode: code, amapType: type, baiduTag: baidu, name: name)
        }
        #expect(cat(code: "150702") == "bus_stop")
        #expect(cat(code: "150500") == "rail_station")
        #expect(cat(code: "200300") == "public_toilet")
        #expect(cat(code: "011100") == "ev_charging")
        #expect(cat(code: "150904") == "parking")
        #expect(cat(code: "070400") == "parcel")
        #expect(cat(code: "080105") == "football")
        #expect(cat(type: "交通设施服务;地铁站;地铁站") == "rail_station")
        #expect(cat(baidu: "交通设施;公交车站") == "bus_stop")
        #expect(cat(baidu: "生活服务;公共厕所") == "public_toilet")
        // Names: toddler care, elderly service stations and parcel stations have no type of their own.
        #expect(cat(name: "阳光宝贝托育中心") == "infant_care")
        #expect(cat(name: "XX社区老年服务站") == "elderly_station")
        #expect(cat(code: "120304", name: "XX社区养老服务站") == "elderly_station")      // refines 社区中心
        #expect(cat(name: "菜鸟驿站(XX小区店)") == "parcel")
        #expect(cat(name: "母婴托育用品店") == nil)
        #expect(cat(code: "080101", name: "XX足球场") == "football")                   // refines sports_large
    }

    /// A facility layer with its own labels: mapped ones kept, unknown ones rejected with their reason and listed
    /// with the lines to add.
    @Test func ingestMapsLabelsAndListsUnknownOnes() throws {
        let dir = tempDir()
        let f = dir + "/pois.geojson", b = dir + "/b.geojson"
        let labels = ["elderly_care", "养老服务站", "托育机构", "childcare", "公交站", "odd_label", "odd_label", "odd_label", "养生馆"]
        try writeGeoJSON(f, epsg: 32650, features: labels.enumerated().map { i, l in
            (["kind": l], ["type": "Point", "coordinates": [500_000.0 + Double(i) * 50, 3_000_000.0]] as [String: Any])
        })
        try writeGeoJSON(b, epsg: 32650, features: [(["h": 10], polygonJSON([rect(500_000, 3_000_100, 20, 20)]))])
        let yaml = """
        city: t
        year: 2026
        crs: EPSG:32650
        layers:
          buildings: {source: b.geojson, height: h}
          facilities: {source: pois.geojson, category: kind}
        \(Self.section)
        """
        let cfg = try CityConfig.parse(yaml, file: dir + "/city.yaml", baseDirectory: dir)
        let (base, report) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(base.facilities.map(\.category) == ["elderly_daycare", "elderly_daycare", "infant_care", "childcare", "bus_stop"])
        let rej = base.rejects.filter { $0.layer == "facilities" }.map(\.reason)
        #expect(rej == ["unknown facility category 'odd_label'", "unknown facility category 'odd_label'", "unknown facility category 'odd_label'",
                        "unknown facility category '养生馆'"])
        let note = try #require(report.notes.first { $0.contains("unknown category labels") })
        #expect(note.contains("4 rejected with 2 unknown category labels; most frequent: odd_label (3), 养生馆 (1)"))
        #expect(note.contains("categories:\n                odd_label: <category>\n                养生馆: <category>"))
        // The note's lines, pasted under categories:, are valid config once a category is filled in.
        let hint = FacilityAliases.unknownLabelNote(["elderly_care": 2, "养老服务站点": 1])!
        #expect(hint.contains("elderly_care: elderly_daycare") && hint.contains("养老服务站点: elderly_daycare"))
        #expect(FacilityAliases.yamlKey("yes") == "\"yes\"" && FacilityAliases.yamlKey("a: b") == "\"a: b\"" && FacilityAliases.yamlKey("托育") == "托育")
    }

    /// A defined category works in the walk like a built-in one: its own threshold, `d_<id>`, and the life circle.
    @Test func definedCategoryInTheWalk() throws {
        var cfg = try Self.config()
        cfg.walk.gridCellM = 0
        var base = WalkStageTests.town()
        base.facilities.append(Facility(id: 10, sourceId: "c", category: "childcare", geometry: .point(Vec2(210, 300))))
        let w = try #require(try WalkStage.run(config: cfg, base: base, outDir: tempDir(), progress: Progress(quiet: true)))
        #expect(w.access.thresholds["childcare"] == [300, 500, 1000])
        #expect(w.access.lifeCircle["childcare"] == 300)
        // Building 1 (220, 300): 20 m leg to the street, 10 m leg to the facility beside it at (210, 300) = 30 m.
        #expect(w.access.distances["childcare"].map { abs(Double($0[0]) - 30) < 1e-3 } == true)
        #expect(w.extraColumns.contains { $0.name == "d_childcare" })
        // Required by this config but absent from the data: still in the life circle, unreachable for everyone.
        var noChild = base
        noChild.facilities.removeLast()
        let w2 = try #require(try WalkStage.run(config: cfg, base: noChild, outDir: tempDir("absent"), progress: Progress(quiet: true)))
        #expect(w2.access.lifeCircle["childcare"] == 300)
        #expect(w2.access.distances["childcare"]?.allSatisfy { $0 == .infinity } == true)
        // A config that does not define it does not require it, even in the same process.
        let w3 = try #require(try WalkStage.run(config: CityConfig(city: "t", year: 2026), base: noChild, outDir: tempDir("other"), progress: Progress(quiet: true)))
        #expect(w3.access.lifeCircle["childcare"] == nil)
    }
}
