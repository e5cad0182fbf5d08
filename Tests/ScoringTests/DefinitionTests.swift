import Foundation
import Testing
@testable import Scoring

@Suite struct DefinitionTests {
    /// Ids the indicator stage computes (the caller's list), with a wildcard for walk coverages.
    static let known: Set<String> = [
        "walk_cov.*", "life_circle_15", "park_service_cov", "green_cov", "park_area_pc", "road_density", "pipe_cov",
        "pipe_gap_area", "pipe_density", "fire_5min_cov", "pop_density_built", "dense_land_share", "dev_intensity",
        "building_density", "far", "highrise_100m", "resi_over_80m", "permeable_share", "old_resi_share",
        "shelter_area_pc", "satisfaction_survey",
    ]

    @Test func shippedDefaultLoadsAndCoversTheIndicators() throws {
        // shipped with the repository: its absence is a failure, not a skip
        #expect(FileManager.default.fileExists(atPath: defaultDefinitionURL.path), "\(defaultDefinitionURL.path) is missing")
        let sys = try IndicatorSystem.load(from: defaultDefinitionURL, knownIndicatorIDs: Self.known)
        #expect(sys.dimensions.map(\.nameZh) == ["生态宜居", "健康舒适", "安全韧性", "交通便捷", "风貌特色", "整洁有序", "多元包容", "创新活力"])
        let ids = Set(sys.allIndicators.map(\.indicator.id))
        for c in ["kindergarten.300", "primary_school.500", "middle_school.1000", "health_center.1000", "clinic.300",
                  "elderly_daycare.300", "market.500", "convenience.300", "park.500"] {
            #expect(ids.contains("walk_cov.\(c)"), "missing walk_cov.\(c)")
        }
        for id in Self.known where !id.contains("*") { #expect(ids.contains(id), "missing \(id)") }
        #expect(sys.spec(for: "pop_density_built")?.target == .range(0.7, 1.5))
        #expect(sys.spec(for: "road_density")?.target == .higher(8))
        #expect(abs(sys.dimensions.reduce(0) { $0 + $1.weight } - 1) < 1e-9)
        #expect(sys.bands == .defaultScore)
    }

    @Test func globMatching() {
        #expect(globMatch("walk_cov.*", "walk_cov.park.500"))
        #expect(!globMatch("walk_cov.*", "walkcov.park"))
        #expect(globMatch("*.300", "walk_cov.clinic.300"))
        #expect(globMatch("a*b*c", "aXXbYc") && !globMatch("a*b*c", "aXXbY"))
    }

    /// Replaces `old` by `new` in the golden YAML and returns the load error text.
    func loadError(_ old: String, _ new: String, known: Set<String>? = nil) -> String? {
        let yaml = goldenYAML.replacingOccurrences(of: old, with: new)
        #expect(yaml != goldenYAML, "test edit did not apply: \(old)")
        return errorText { _ = try IndicatorSystem.parse(yaml: yaml, source: "sys.yaml", knownIndicatorIDs: known) }
    }

    @Test func goldenLoads() throws {
        let s = try goldenSystem()
        #expect(s.dimensions.count == 2 && s.spec(for: "b1")?.target == .range(10, 20))
        #expect(s.spec(for: "a2")?.warning == WarningRule(worsenPercent: 10, bandDrop: true, red: true))
    }

    @Test func unknownIndicatorID() {
        let e = loadError("{id: a2,", "{id: a3,", known: ["a1", "a2", "b1"])
        #expect(e?.contains("sys.yaml:") == true)
        #expect(e?.contains("dimensions.A.indicators.a3.id") == true)
        #expect(e?.contains("unknown indicator id 'a3'") == true)
    }

    @Test func indicatorWeightsNotSummingToOne() {
        let e = loadError("target: 10, weight: 0.5}", "target: 10, weight: 0.4}")
        #expect(e?.contains("dimensions.A.indicators:") == true)
        #expect(e?.contains("sum to 0.9") == true)
        #expect(e?.contains("a1=0.5, a2=0.4") == true)
    }

    @Test func dimensionWeightsNotSummingToOne() {
        let e = loadError("weight: 0.4\n", "weight: 0.5\n")
        #expect(e?.hasPrefix("sys.yaml:") == true)
        #expect(e?.contains(": dimensions: dimension weights sum to 1.1") == true)
    }

    @Test func weightWithinTolerancePasses() throws {
        let yaml = goldenYAML.replacingOccurrences(of: "weight: 0.4\n", with: "weight: 0.4000000001\n")
        _ = try IndicatorSystem.parse(yaml: yaml, source: "sys.yaml")
    }

    @Test func bandsOutOfOrder() {
        let bands = """
        bands:
          levels:
            - {zh: 很好, min: 95}
            - {zh: 较好, min: 96}
            - {zh: 不足}
        dimensions:
        """
        let e = loadError("dimensions:", bands)
        #expect(e?.contains("bands.levels[1].min") == true)
        #expect(e?.contains("out of order") == true)
        #expect(e?.hasPrefix("sys.yaml:7:") == true, "\(e ?? "")")  // line of the offending value
    }

    @Test func valueBandsOfALowerIndicatorUseIncreasingMax() throws {
        let ok = "target: 10, weight: 0.5, bands: {basis: value, levels: [{zh: 很好, max: 5}, {zh: 较好, max: 10}, {zh: 不足}]}}"
        let s = try IndicatorSystem.parse(yaml: goldenYAML.replacingOccurrences(of: "target: 10, weight: 0.5}", with: ok), source: "s")
        let scale = s.spec(for: "a2")!.bands
        #expect(scale.bandIndex(score: 0, value: 4) == 0)
        #expect(scale.bandIndex(score: 0, value: 10) == 1)
        #expect(scale.bandIndex(score: 0, value: 11) == 2)
        let bad = "target: 10, weight: 0.5, bands: {basis: value, levels: [{zh: 很好, max: 10}, {zh: 较好, max: 5}, {zh: 不足}]}}"
        let e = loadError("target: 10, weight: 0.5}", bad)
        #expect(e?.contains("dimensions.A.indicators.a2.bands.levels[1].max") == true)
        let wrongKey = "target: 10, weight: 0.5, bands: {basis: value, levels: [{zh: 很好, min: 10}, {zh: 不足}]}}"
        #expect(loadError("target: 10, weight: 0.5}", wrongKey)?.contains("a2.bands.levels[0].min") == true)
    }

    @Test func duplicateIDs() {
        let e = loadError("{id: a2,", "{id: a1,")
        #expect(e?.contains("dimensions.A.indicators.a1.id") == true && e?.contains("duplicate indicator id 'a1'") == true)
        let e2 = loadError("  - id: B\n", "  - id: A\n")
        #expect(e2?.contains("dimensions.A.id") == true && e2?.contains("duplicate dimension id") == true)
    }

    @Test func otherErrorsNameTheKey() {
        #expect(loadError("target: [10, 20]", "target: [20, 10]")?.contains("dimensions.B.indicators.b1.target") == true)
        #expect(loadError("direction: lower", "direction: down")?.contains("dimensions.A.indicators.a2.direction") == true)
        #expect(loadError("target: 50, weight", "taget: 50, weight")?.contains("dimensions.A.indicators[0].taget") == true)
        #expect(loadError("target: 50, weight", "target: fifty, weight")?.contains("dimensions.A.indicators.a1.target: expected a finite number") == true)
        #expect(loadError("higher, target: 50", "higher, target: -1")?.contains("a1.target") == true)
        #expect(loadError("id: golden", "id: golden\nlight: {green: 70, yellow: 80}")?.contains(": light:") == true)
        #expect(loadError("id: golden", "id: golden\nwarning: {worsen_pct: -3}")?.contains("warning.worsen_pct") == true)
        let notYAML = errorText { _ = try IndicatorSystem.parse(yaml: "a: [", source: "bad.yaml") }
        #expect(notYAML?.hasPrefix("bad.yaml: (root): not valid YAML") == true)
        let missing = errorText { _ = try IndicatorSystem.load(from: URL(fileURLWithPath: "/nonexistent/x.yaml")) }
        #expect(missing?.hasPrefix("/nonexistent/x.yaml:") == true)
    }

    @Test func warningOverrideMergesOverDefault() throws {
        let y = goldenYAML.replacingOccurrences(of: "id: golden", with: "id: golden\nwarning: {worsen_pct: 20, red: false}")
            .replacingOccurrences(of: "target: 50, weight: 0.5}", with: "target: 50, weight: 0.5, warning: {worsen_pct: off}}")
        let s = try IndicatorSystem.parse(yaml: y, source: "s")
        #expect(s.spec(for: "a1")?.warning == WarningRule(worsenPercent: nil, bandDrop: true, red: false))
        #expect(s.spec(for: "a2")?.warning == WarningRule(worsenPercent: 20, bandDrop: true, red: false))
    }
}
