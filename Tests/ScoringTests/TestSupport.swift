import Foundation
@testable import Scoring

/// The package root (resolving the scratch package's symlinks), for shipped data files.
let packageRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let defaultDefinitionURL = packageRoot.appendingPathComponent("data/indicator-systems/default.yaml")

/// A fresh temporary directory.
func tempDir(_ name: String = #function) -> URL { URL(fileURLWithPath: temporaryFolder("scoring-tests", name)) }

/// The small golden system: dimension A (0.6) with a1 higher T=50 (w .5) and a2 lower T=10 (w .5);
/// dimension B (0.4) with b1 range [10, 20] (w 1).
let goldenYAML = """
id: golden
name_zh: 测试体系
name_en: Test system
dimensions:
  - id: A
    name_zh: 甲
    name_en: Alpha
    weight: 0.6
    indicators:
      - {id: a1, name_zh: 指标一, name_en: One, unit: "%", direction: higher, target: 50, weight: 0.5}
      - {id: a2, name_zh: 指标二, name_en: Two, direction: lower, target: 10, weight: 0.5}
  - id: B
    name_zh: 乙
    name_en: Beta
    weight: 0.4
    indicators:
      - {id: b1, name_zh: 指标三, name_en: Three, direction: range, target: [10, 20], weight: 1}
"""

func goldenSystem() throws -> IndicatorSystem { try IndicatorSystem.parse(yaml: goldenYAML, source: "golden.yaml") }

/// Expects `body` to throw a ScoringError and returns its description.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}
