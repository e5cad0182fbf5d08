import ConfigReader
import Foundation
import Yams

/// Loading and validating an indicator-system definition from YAML.
///
/// Format (all keys snake_case; unknown keys are errors, so typos are caught):
/// ```yaml
/// schema: cimbase.indicator-system/1        # optional
/// id: mohurd-2021-default
/// name_zh: …                                 # name_en, version optional
/// bands:                                     # default grade bands; also grade dimensions and the index
///   basis: score                             # score (0–100 normalised, default) or value (raw value)
///   levels:                                  # ordered best first; the last may omit its threshold
///     - {zh: 很好, en: very good, min: 95}
///     - {zh: 较好, en: good, min: 80}
///     - {zh: 一般, en: fair, min: 60}
///     - {zh: 不足, en: insufficient}
/// light: {green: 100, yellow: 80}            # traffic light on the normalised score
/// warning: {worsen_pct: 10, band_drop: true, red: true}   # default warning rule
/// dimensions:
///   - id: eco
///     name_zh: 生态宜居
///     name_en: Ecological livability
///     weight: 0.15                           # dimension weights sum to 1 (±1e-6)
///     indicators:
///       - id: green_cov                      # matches the indicator table's `indicator` column
///         name_zh: 城市绿化覆盖率
///         name_en: Green coverage ratio
///         unit: "%"
///         direction: higher                  # higher | lower | range
///         target: 40                         # for range: target: [0.7, 1.5]  (or range: [0.7, 1.5])
///         weight: 0.2                        # indicator weights in a dimension sum to 1; 0 = monitor only
///         source: MOHURD checkup (default)   # optional citation of the target
///         bands: {…}                         # optional override (same form as above)
///         warning: {worsen_pct: 5}           # optional, merged over the default rule
/// ```
/// Validation: unknown indicator ids (against `knownIndicatorIDs`, entries may use `*` wildcards), weights not
/// summing to 1 per level, bands out of order, duplicate dimension or indicator ids, bad targets. Every error names
/// the file, the dotted key (e.g. `dimensions.eco.indicators.green_cov.weight`) and the YAML line when known.
extension IndicatorSystem {
    /// Loads and validates a definition file.
    public static func load(from url: URL, knownIndicatorIDs: Set<String>? = nil) throws(ScoringError) -> IndicatorSystem {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .io(path: url.path, message: "cannot read the indicator-system definition: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: url.path, knownIndicatorIDs: knownIndicatorIDs)
    }

    /// Parses and validates definition YAML text; `source` names the file in errors.
    public static func parse(yaml: String, source: String, knownIndicatorIDs: Set<String>? = nil) throws(ScoringError) -> IndicatorSystem {
        let r = DefinitionReader(file: source)
        guard let root = try r.lift({ () throws(ConfigError) in try r.reader.compose(yaml) }) else {
            throw ScoringError.definition(file: source, key: "(root)", line: nil, column: nil, message: "empty definition")
        }
        return try r.system(root, known: knownIndicatorIDs)
    }
}

/// Matches `id` against a pattern where `*` stands for any run of characters. O(|id|·|pattern|).
func globMatch(_ pattern: String, _ id: String) -> Bool {
    let p = Array(pattern.unicodeScalars), s = Array(id.unicodeScalars)
    var pi = 0, si = 0, star = -1, mark = 0
    while si < s.count {
        if pi < p.count, p[pi] != "*", p[pi] == s[si] { pi += 1; si += 1 }
        else if pi < p.count, p[pi] == "*" { star = pi; mark = si; pi += 1 }
        else if star >= 0 { pi = star + 1; mark += 1; si = mark }
        else { return false }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
}

/// Walks the YAML node tree with key paths and positions for errors; the primitives are the project's one YAML
/// reader (`ConfigReader`), its errors turned into `ScoringError.definition`.
private struct DefinitionReader {
    let file: String
    var reader: ConfigReader { ConfigReader(file: file) }

    func fail(_ key: String, _ node: Node?, _ message: String) -> ScoringError {
        .definition(file: file, key: key, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    func lift<T>(_ body: () throws(ConfigError) -> T) throws(ScoringError) -> T {
        do { return try body() } catch { throw .definition(file: error.file, key: error.key, line: error.line, column: error.column, message: error.message) }
    }

    /// A mapping keyed by name; checks keys are allowed and not repeated.
    func mapping(_ node: Node, _ key: String, allowed: Set<String>) throws(ScoringError) -> [String: Node] {
        try lift { () throws(ConfigError) in try reader.mapping(node, key, allowed: allowed) }
    }

    func string(_ m: [String: Node], _ name: String, _ key: String, required: Bool, parent: Node) throws(ScoringError) -> String? {
        let path = ConfigReader.join(key, name)
        guard let n = m[name] else {
            if required { throw fail(path, parent, "missing required key '\(name)'") }
            return nil
        }
        return try lift { () throws(ConfigError) in try reader.text(n, path, nonEmpty: required) }
    }

    func number(_ n: Node, _ path: String) throws(ScoringError) -> Double {
        try lift { () throws(ConfigError) in try reader.number(n, path) }
    }

    func number(_ m: [String: Node], _ name: String, _ key: String, required: Bool, parent: Node) throws(ScoringError) -> Double? {
        let path = ConfigReader.join(key, name)
        guard let n = m[name] else {
            if required { throw fail(path, parent, "missing required key '\(name)'") }
            return nil
        }
        return try number(n, path)
    }

    func bool(_ m: [String: Node], _ name: String, _ key: String) throws(ScoringError) -> Bool? {
        guard let n = m[name] else { return nil }
        return try lift { () throws(ConfigError) in try reader.bool(n, "\(key).\(name)") }
    }

    func system(_ root: Node, known: Set<String>?) throws(ScoringError) -> IndicatorSystem {
        let m = try mapping(root, "", allowed: ["schema", "id", "name_zh", "name_en", "version", "bands", "light",
                                                "warning", "dimensions"])
        if let s = try string(m, "schema", "", required: false, parent: root), s != IndicatorSystem.schemaVersion {
            throw fail("schema", m["schema"], "schema '\(s)' is not \(IndicatorSystem.schemaVersion)")
        }
        let id = try string(m, "id", "", required: true, parent: root)!
        let nameZh = try string(m, "name_zh", "", required: false, parent: root) ?? id
        let nameEn = try string(m, "name_en", "", required: false, parent: root) ?? id
        let version = try string(m, "version", "", required: false, parent: root) ?? ""
        let bands = try m["bands"].map { n throws(ScoringError) in try gradeScale(n, "bands", direction: .none) } ?? .defaultScore
        if bands.basis != .score {
            throw fail("bands.basis", m["bands"], "the default bands grade dimensions and the index, so their basis must be score")
        }
        var light = LightThresholds()
        if let ln = m["light"] {
            let lm = try mapping(ln, "light", allowed: ["green", "yellow"])
            light.green = try number(lm, "green", "light", required: false, parent: ln) ?? light.green
            light.yellow = try number(lm, "yellow", "light", required: false, parent: ln) ?? light.yellow
            guard light.yellow >= 0, light.yellow < light.green, light.green <= 100 else {
                throw fail("light", ln, "need 0 ≤ yellow < green ≤ 100 (got yellow \(light.yellow), green \(light.green))")
            }
        }
        let warning = try m["warning"].map { n throws(ScoringError) in try warningRule(n, "warning", base: WarningRule()) } ?? WarningRule()

        guard let dn = m["dimensions"] else { throw fail("dimensions", root, "missing required key 'dimensions'") }
        guard let seq = dn.sequence, !seq.isEmpty else { throw fail("dimensions", dn, "expected a non-empty list of dimensions") }
        var dims: [Dimension] = []
        var seenDim: Set<String> = []
        var seenInd: [String: String] = [:]
        for (k, node) in seq.enumerated() {
            let tmpKey = "dimensions[\(k)]"
            let dm = try mapping(node, tmpKey, allowed: ["id", "name_zh", "name_en", "weight", "indicators"])
            let did = try string(dm, "id", tmpKey, required: true, parent: node)!
            let key = "dimensions.\(did)"
            if !seenDim.insert(did).inserted { throw fail("\(key).id", dm["id"], "duplicate dimension id '\(did)'") }
            let w = try number(dm, "weight", key, required: true, parent: node)!
            if w < 0 { throw fail("\(key).weight", dm["weight"], "weight must be ≥ 0") }
            guard let ins = dm["indicators"] else { throw fail("\(key).indicators", node, "missing required key 'indicators'") }
            guard let iseq = ins.sequence, !iseq.isEmpty else {
                throw fail("\(key).indicators", ins, "expected a non-empty list of indicators")
            }
            var specs: [IndicatorSpec] = []
            for (j, inode) in iseq.enumerated() {
                let spec = try indicator(inode, "\(key).indicators[\(j)]", parentKey: "\(key).indicators",
                                         bands: bands, warning: warning)
                let ikey = "\(key).indicators.\(spec.id)"
                if let other = seenInd[spec.id] {
                    throw fail("\(ikey).id", inode.mapping?["id"] ?? inode, "duplicate indicator id '\(spec.id)' (also in \(other))")
                }
                seenInd[spec.id] = key
                if let known, !known.contains(spec.id), !known.contains(where: { $0.contains("*") && globMatch($0, spec.id) }) {
                    throw fail("\(ikey).id", inode.mapping?["id"] ?? inode,
                               "unknown indicator id '\(spec.id)': no indicator of the pipeline has this id")
                }
                specs.append(spec)
            }
            let sum = specs.reduce(0) { $0 + $1.weight }
            if abs(sum - 1) > IndicatorSystem.weightTolerance {
                let list = specs.map { "\($0.id)=\(sig($0.weight))" }.joined(separator: ", ")
                throw fail("\(key).indicators", ins, "indicator weights sum to \(sig(sum)), expected 1 (±1e-6): \(list)")
            }
            dims.append(Dimension(id: did, nameZh: try string(dm, "name_zh", key, required: false, parent: node) ?? did,
                                  nameEn: try string(dm, "name_en", key, required: false, parent: node) ?? did,
                                  weight: w, indicators: specs))
        }
        let sum = dims.reduce(0) { $0 + $1.weight }
        if abs(sum - 1) > IndicatorSystem.weightTolerance {
            let list = dims.map { "\($0.id)=\(sig($0.weight))" }.joined(separator: ", ")
            throw fail("dimensions", dn, "dimension weights sum to \(sig(sum)), expected 1 (±1e-6): \(list)")
        }
        return IndicatorSystem(id: id, nameZh: nameZh, nameEn: nameEn, version: version, source: file, bands: bands,
                               light: light, warning: warning, dimensions: dims)
    }

    func indicator(_ node: Node, _ tmpKey: String, parentKey: String, bands: GradeScale, warning: WarningRule) throws(ScoringError) -> IndicatorSpec {
        let m = try mapping(node, tmpKey, allowed: ["id", "name_zh", "name_en", "unit", "direction", "target", "range",
                                                    "weight", "source", "bands", "warning"])
        let id = try string(m, "id", tmpKey, required: true, parent: node)!.trimmingCharacters(in: .whitespaces)
        let key = "\(parentKey).\(id)"
        let dirText = try string(m, "direction", key, required: true, parent: node)!
        guard let dir = IndicatorDirection(rawValue: dirText), dir != .none else {
            throw fail("\(key).direction", m["direction"], "direction '\(dirText)' is not one of higher, lower, range")
        }
        if m["target"] != nil, m["range"] != nil {
            throw fail("\(key).range", m["range"], "give either target or range, not both")
        }
        guard let tn = m["target"] ?? m["range"] else {
            throw fail("\(key).target", node, "missing required key 'target' (a number, or [a, b] for a range)")
        }
        let tkey = m["target"] != nil ? "\(key).target" : "\(key).range"
        let target: Target
        switch dir {
        case .range:
            guard let s = tn.sequence, s.count == 2 else { throw fail(tkey, tn, "a range indicator needs [a, b]") }
            let a = try number(s[0], tkey), b = try number(s[1], tkey)
            guard a < b else { throw fail(tkey, tn, "range [\(formatNumber(a)), \(formatNumber(b))] needs a < b") }
            target = .range(a, b)
        case .higher:
            let t = try number(tn, tkey)
            guard t > 0 else { throw fail(tkey, tn, "a higher-is-better target must be > 0") }
            target = .higher(t)
        case .lower:
            let t = try number(tn, tkey)
            guard t >= 0 else { throw fail(tkey, tn, "a lower-is-better target must be ≥ 0") }
            target = .lower(t)
        case .none:
            fatalError("unreachable")
        }
        let w = try number(m, "weight", key, required: true, parent: node)!
        if w < 0 { throw fail("\(key).weight", m["weight"], "weight must be ≥ 0") }
        let scale = try m["bands"].map { n throws(ScoringError) in try gradeScale(n, "\(key).bands", direction: dir) } ?? bands
        let rule = try m["warning"].map { n throws(ScoringError) in try warningRule(n, "\(key).warning", base: warning) } ?? warning
        return IndicatorSpec(id: id, nameZh: try string(m, "name_zh", key, required: false, parent: node) ?? id,
                             nameEn: try string(m, "name_en", key, required: false, parent: node) ?? id,
                             unit: try string(m, "unit", key, required: false, parent: node) ?? "",
                             target: target, weight: w, bands: scale, warning: rule,
                             targetSource: try string(m, "source", key, required: false, parent: node) ?? "")
    }

    func gradeScale(_ node: Node, _ key: String, direction: IndicatorDirection) throws(ScoringError) -> GradeScale {
        let m = try mapping(node, key, allowed: ["basis", "levels"])
        let basisText = try string(m, "basis", key, required: false, parent: node) ?? "score"
        guard let basis = GradeScale.Basis(rawValue: basisText) else {
            throw fail("\(key).basis", m["basis"], "basis '\(basisText)' is not score or value")
        }
        if basis == .value && direction == .range {
            throw fail("\(key).basis", m["basis"], "a range indicator is graded on the score (basis: score)")
        }
        guard let ln = m["levels"] else { throw fail("\(key).levels", node, "missing required key 'levels'") }
        guard let seq = ln.sequence, seq.count >= 2 else { throw fail("\(key).levels", ln, "expected a list of at least two bands") }
        // Which threshold key the bands use: score and higher → min (decreasing); lower → max (increasing).
        let useMax = basis == .value && direction == .lower
        let want = useMax ? "max" : "min"
        var out: [GradeBand] = []
        for (k, n) in seq.enumerated() {
            let bkey = "\(key).levels[\(k)]"
            let bm = try mapping(n, bkey, allowed: ["zh", "en", "min", "max"])
            let zh = try string(bm, "zh", bkey, required: true, parent: n)!
            let en = try string(bm, "en", bkey, required: false, parent: n) ?? zh
            let other = useMax ? "min" : "max"
            if bm[other] != nil {
                throw fail("\(bkey).\(other)", bm[other], basis == .score
                           ? "bands on the score use min (the score to reach the band)"
                           : "bands on the value of a \(direction.rawValue)-is-better indicator use \(want)")
            }
            let t = try number(bm, want, bkey, required: k < seq.count - 1, parent: n)
            if let t, let prev = out.last.flatMap({ useMax ? $0.max : $0.min }) {
                if useMax ? !(t > prev) : !(t < prev) {
                    throw fail("\(bkey).\(want)", bm[want], "bands out of order: \(want) \(formatNumber(t)) must be "
                               + (useMax ? "greater" : "less") + " than the previous band's \(formatNumber(prev)) (list the best band first)")
                }
            }
            out.append(GradeBand(nameZh: zh, nameEn: en, min: useMax ? nil : t, max: useMax ? t : nil))
        }
        return GradeScale(basis: basis, bands: out)
    }

    func warningRule(_ node: Node, _ key: String, base: WarningRule) throws(ScoringError) -> WarningRule {
        let m = try mapping(node, key, allowed: ["worsen_pct", "band_drop", "red"])
        var r = base
        if let n = m["worsen_pct"] {
            if n.scalar?.string == "off" || n.null != nil { r.worsenPercent = nil } else {
                let p = try number(n, "\(key).worsen_pct")
                guard p >= 0 else { throw fail("\(key).worsen_pct", n, "must be ≥ 0 (or off)") }
                r.worsenPercent = p
            }
        }
        r.bandDrop = try bool(m, "band_drop", key) ?? r.bandDrop
        r.red = try bool(m, "red", key) ?? r.red
        return r
    }
}

/// A number with up to 10 significant digits (weights in messages: 0.85 rather than 0.8500000000000001).
func sig(_ x: Double) -> String { String(format: "%.10g", x) }
