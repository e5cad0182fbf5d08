import Foundation
import Testing
@testable import Scoring

@Suite struct NormalizationTests {
    @Test func positive() {
        #expect(Normalization.score(40, target: .higher(50)) == 80)
        #expect(Normalization.score(50, target: .higher(50)) == 100)
        #expect(Normalization.score(75, target: .higher(50)) == 100)   // capped
        #expect(Normalization.score(0, target: .higher(50)) == 0)
        #expect(Normalization.score(-5, target: .higher(50)) == 0)
    }

    @Test func negative() {
        #expect(Normalization.score(20, target: .lower(10)) == 50)
        #expect(Normalization.score(8, target: .lower(10)) == 100)
        #expect(Normalization.score(40, target: .lower(30)) == 75)
        #expect(Normalization.score(0, target: .lower(10)) == 100)     // x ≤ 0 → 100
        #expect(Normalization.score(-1, target: .lower(10)) == 100)
        #expect(Normalization.score(1, target: .lower(0)) == 0)        // T = 0: any occurrence scores 0
        #expect(Normalization.score(0, target: .lower(0)) == 100)
    }

    @Test func range() {
        let t = Target.range(0.7, 1.5)                                // width 0.8
        #expect(Normalization.score(0.7, target: t) == 100)
        #expect(Normalization.score(1.1, target: t) == 100)
        #expect(Normalization.score(1.5, target: t) == 100)
        #expect(abs(Normalization.score(1.7, target: t) - 75) < 1e-9)   // 0.2 beyond / 0.8 → 75
        #expect(abs(Normalization.score(0.5, target: t) - 75) < 1e-9)
        #expect(abs(Normalization.score(2.3, target: t)) < 1e-9)        // one width beyond → 0
        #expect(Normalization.score(5, target: t) == 0)
        #expect(Normalization.score(25, target: .range(10, 20)) == 50)
    }

    @Test func lights() {
        let l = LightThresholds()
        #expect(Normalization.light(score: 100, thresholds: l) == .green)
        #expect(Normalization.light(score: 80, thresholds: l) == .yellow)   // x = 0.8·T is yellow
        #expect(Normalization.light(score: 99.9, thresholds: l) == .yellow)
        #expect(Normalization.light(score: 79.9, thresholds: l) == .red)
        // Negative indicator: x = T/0.8 = 12.5 for T = 10 scores exactly 80 → yellow.
        #expect(Normalization.light(score: Normalization.score(12.5, target: .lower(10)), thresholds: l) == .yellow)
    }

    @Test func bandGrading() {
        let s = GradeScale.defaultScore
        #expect(s.bandIndex(score: 100, value: 0) == 0)
        #expect(s.bandIndex(score: 95, value: 0) == 0)
        #expect(s.bandIndex(score: 94.99, value: 0) == 1)
        #expect(s.bandIndex(score: 80, value: 0) == 1)
        #expect(s.bandIndex(score: 60, value: 0) == 2)
        #expect(s.bandIndex(score: 59.9, value: 0) == 3)
        #expect(s.bandIndex(score: 0, value: 0) == 3)
        let v = GradeScale(basis: .value, bands: [GradeBand(nameZh: "很好", nameEn: "", min: 40),
                                                  GradeBand(nameZh: "一般", nameEn: "", min: 30),
                                                  GradeBand(nameZh: "不足", nameEn: "")])
        #expect(v.bandIndex(score: 0, value: 45) == 0)
        #expect(v.bandIndex(score: 100, value: 35) == 1)
        #expect(v.bandIndex(score: 100, value: 10) == 2)
    }
}

@Suite struct ScoringEngineTests {
    /// Golden: a1 = 40 → 80, a2 = 20 → 50, b1 = 25 → 50; A = 0.5·80 + 0.5·50 = 65, B = 50;
    /// index = 0.6·65 + 0.4·50 = 59.
    @Test func goldenIndex() throws {
        let e = ScoringEngine(system: try goldenSystem())
        let s = e.score(city: "甲市", year: 2024, values: ["a1": 40, "a2": 20, "b1": 25])
        #expect(abs(s.index! - 59) < 1e-9)
        #expect(s.indexGrade?.nameZh == "不足")
        #expect(s.dimensions.map(\.score) == [65, 50])
        #expect(s.dimensions.map(\.effectiveWeight) == [0.6, 0.4])
        #expect(s.indicators.map(\.score) == [80, 50, 50])
        #expect(s.indicators.map(\.light) == [.yellow, .red, .red])
        #expect(s.indicators.map { $0.grade?.nameZh } == ["较好", "不足", "不足"])
        #expect(abs(s.indicators[0].indexWeight - 0.3) < 1e-12)
        #expect(s.notes.isEmpty && s.missingIndicators.isEmpty)
        #expect(s.warnings.map(\.kind) == [.red, .red])   // a2 and b1 red, no history
    }

    /// Missing a2: A re-weighted to a1 alone (80); index = 0.6·80 + 0.4·50 = 68. Never 0.
    @Test func reweightingWithinDimension() throws {
        let e = ScoringEngine(system: try goldenSystem())
        let s = e.score(city: "c", year: 2024, values: ["a1": 40, "b1": 25])
        #expect(abs(s.index! - 68) < 1e-9)
        #expect(s.dimensions[0].score == 80 && s.dimensions[0].reweighted && s.dimensions[0].missing == ["a2"])
        #expect(s.indicators[0].effectiveWeight == 1 && s.indicators[1].effectiveWeight == 0)
        #expect(s.missingIndicators == ["a2"])
        #expect(s.notes.count == 1 && s.notes[0].zh.contains("a2") && s.notes[0].en.contains("rescaled"))
        // A value present in the table but empty (nil) is missing too.
        let s2 = e.score(city: "c", year: 2024, values: ["a1": 40, "a2": nil, "b1": 25])
        #expect(abs(s2.index! - 68) < 1e-9)
    }

    /// Missing b1: B dropped, A's weight rescaled to 1; index = 65.
    @Test func droppedDimension() throws {
        let e = ScoringEngine(system: try goldenSystem())
        let s = e.score(city: "c", year: 2024, values: ["a1": 40, "a2": 20, "extra": 3])
        #expect(abs(s.index! - 65) < 1e-9)
        #expect(s.dimensions[1].dropped && s.dimensions[1].effectiveWeight == 0 && s.dimensions[0].effectiveWeight == 1)
        #expect(s.notes.contains { $0.en.contains("left out of the index") })
        #expect(s.unscoredIndicators == ["extra"])
        let none = e.score(city: "c", year: 2024, values: [:])
        #expect(none.index == nil && none.indexGrade == nil && none.missingIndicators.count == 3)
    }

    /// Warnings with a previous year: a1 40 → 30 (−25 % > 10 %, band 较好 → 一般, score 60 → red);
    /// a2 20 → 21 (+5 %, no worsen warning; already 不足 so no band drop; red);
    /// b1 15 → 21 (score 100 → 90: 10 % fall is not > 10 %; band 很好 → 较好: band drop).
    @Test func yearOverYearWarnings() throws {
        let e = ScoringEngine(system: try goldenSystem())
        let s = e.score(city: "c", year: 2024, values: ["a1": 30, "a2": 21, "b1": 21],
                        history: [2023: ["a1": 40, "a2": 20, "b1": 15]])
        let a1 = s.indicators[0]
        #expect(a1.change?.previousYear == 2023 && a1.change?.absolute == -10 && a1.change?.percent == -25)
        #expect(a1.trend?.kind == .worsening)
        let kinds = s.warnings.map { "\($0.indicator):\($0.kind.rawValue)" }
        #expect(kinds == ["a1:red", "a1:worsened", "a1:band_drop", "a2:red", "b1:band_drop"])
        let w = s.warnings[1]
        #expect(w.reason.zh == "「指标一」较 2023 年下降 25%（40 → 30%），超过预警阈值 10%")
        #expect(w.reason.en == "One fell by 25% since 2023 (40 → 30%), beyond the 10 % warning margin")
        #expect(s.warnings[2].reason.zh == "「指标一」等级由 2023 年的「较好」降为「一般」")
        // Lower indicator rising 20 % triggers the rule.
        let s2 = e.score(city: "c", year: 2024, values: ["a2": 24], history: [2022: ["a2": 10], 2023: ["a2": 20]])
        #expect(s2.warnings.contains { $0.indicator == "a2" && $0.kind == .worsened && $0.reason.zh.contains("上升 20%") })
        #expect(s2.indicators[1].change?.previousYear == 2023)
        #expect(s2.indicators[1].trend?.years == [2022, 2023, 2024])
    }

    @Test func trendSlopes() {
        // values 10, 12, 14 over 2022–2024: slope 2/yr; mean 12 → +16.7 %/yr, improving for higher.
        let t = YearOverYear.trend([(2022, 10), (2023, 12), (2024, 14)], target: .higher(20))
        #expect(abs(t.slopePerYear - 2) < 1e-12 && t.kind == .improving)
        #expect(abs(t.scoreSlopePerYear - 10) < 1e-9)
        #expect(YearOverYear.trend([(2022, 10), (2023, 12), (2024, 14)], target: .lower(20)).kind == .worsening)
        #expect(YearOverYear.trend([(2022, 100), (2023, 100.5)], target: .higher(20)).kind == .stable)
        #expect(YearOverYear.trend([(2022, 1.0), (2023, 1.9)], target: .range(0.7, 1.5)).kind == .worsening)
    }

    /// A city's history scored as a series: each year sees only the earlier ones.
    @Test func seriesScoring() throws {
        let e = ScoringEngine(system: try goldenSystem())
        let series = e.scoreSeries(city: "c", yearly: [
            2022: ["a1": 50, "a2": 10, "b1": 15],   // 100
            2023: ["a1": 40, "a2": 20, "b1": 25],   // 59
            2024: ["a1": 40, "a2": 10, "b1": 15],   // 0.6·90 + 0.4·100 = 94
        ])
        #expect(series.map(\.year) == [2022, 2023, 2024])
        #expect(series.map { ($0.index! * 1e6).rounded() / 1e6 } == [100, 59, 94])
        #expect(series[2].history == [YearIndex(year: 2022, index: 100), YearIndex(year: 2023, index: series[1].index)])
        #expect(series[0].warnings.isEmpty)
        #expect(series[1].warnings.contains { $0.kind == .worsened && $0.indicator == "a1" })
    }

    /// Brute-force twin: the engine's index equals a direct re-implementation on random inputs.
    @Test func randomTwin() throws {
        let sys = try goldenSystem()
        let e = ScoringEngine(system: sys)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            var v: [String: Double?] = [:]
            for id in ["a1", "a2", "b1"] where Double.random(in: 0..<1, using: &rng) < 0.8 {
                v[id] = Double.random(in: -5...60, using: &rng)
            }
            let s1 = v["a1"].flatMap { $0 }.map { $0 <= 0 ? 0 : 100 * min($0 / 50, 1) }
            let s2 = v["a2"].flatMap { $0 }.map { $0 <= 0 ? 100 : 100 * min(10 / $0, 1) }
            let s3 = v["b1"].flatMap { $0 }.map { x -> Double in
                x >= 10 && x <= 20 ? 100 : 100 * max(0, 1 - (x < 10 ? 10 - x : x - 20) / 10) }
            let a = [s1, s2].compactMap { $0 }
            let A: Double? = a.isEmpty ? nil : a.reduce(0, +) / Double(a.count)
            var num = 0.0, den = 0.0
            if let A { num += 0.6 * A; den += 0.6 }
            if let s3 { num += 0.4 * s3; den += 0.4 }
            let expected: Double? = den > 0 ? num / den : nil
            let got = e.score(city: "r", year: 2024, values: v).index
            #expect((got == nil) == (expected == nil))
            if let got, let expected { #expect(abs(got - expected) < 1e-9) }
        }
    }
}
