import Foundation
import Yams

/// A config value that cannot be used: the file, the dotted key (`walk.k_nearest`), the YAML position when known and
/// what is wrong. Every config reader of the project (city.yaml, the batch file, indicator-system definitions) throws it.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    /// Dotted key path, e.g. `indicators.params.dense_land_share.cell_m`; `(root)` for the document itself.
    public var key: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, key: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file; self.key = key; self.line = line; self.column = column; self.message = message
    }

    /// `file:line: key: message` (one line).
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key == "(root)" || key.isEmpty ? "" : "\(key): ")\(message)"
    }
}

/// Allowed interval of a number (both ends optional, each inclusive or not). Checked before any conversion, so no
/// value can trap an `Int(…)` or size an allocation.
public struct NumberRange: Sendable, Equatable, CustomStringConvertible {
    public var min: Double?
    public var minInclusive: Bool
    public var max: Double?
    public var maxInclusive: Bool

    public init(min: Double? = nil, minInclusive: Bool = true, max: Double? = nil, maxInclusive: Bool = true) {
        self.min = min; self.minInclusive = minInclusive; self.max = max; self.maxInclusive = maxInclusive
    }
    /// Any finite number.
    public static let any = NumberRange()
    /// > 0, up to `max` (inclusive).
    public static func positive(max: Double? = nil) -> NumberRange { NumberRange(min: 0, minInclusive: false, max: max) }
    /// ≥ 0, up to `max`.
    public static func nonNegative(max: Double? = nil) -> NumberRange { NumberRange(min: 0, max: max) }
    /// [a, b].
    public static func closed(_ a: Double, _ b: Double) -> NumberRange { NumberRange(min: a, max: b) }

    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if let a = min, minInclusive ? x < a : x <= a { return false }
        if let b = max, maxInclusive ? x > b : x >= b { return false }
        return true
    }

    static func fmt(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }

    /// "> 0 and ≤ 1000", "between 0 and 3", …
    public var description: String {
        switch (min, max) {
        case let (a?, b?) where minInclusive && maxInclusive: return "between \(Self.fmt(a)) and \(Self.fmt(b))"
        case let (a?, b?): return "\(minInclusive ? "≥" : ">") \(Self.fmt(a)) and \(maxInclusive ? "≤" : "<") \(Self.fmt(b))"
        case let (a?, nil): return "\(minInclusive ? "≥" : ">") \(Self.fmt(a))"
        case let (nil, b?): return "\(maxInclusive ? "≤" : "<") \(Self.fmt(b))"
        default: return "finite"
        }
    }
}

/// One entry of a mapping: its name, dotted path, key node (for positions) and value node.
public struct ConfigEntry {
    public var name: String
    public var path: String
    public var keyNode: Node
    public var value: Node
}

/// The project's one YAML reader: walks Yams nodes with dotted key paths and positions, and turns every value into a
/// typed, range-checked Swift value or a `ConfigError`. Pure (Yams only), so Scoring and Pipeline both use it.
///
/// Messages: "expected a mapping (key: value)", "unknown key 'x' (allowed: …)", "key 'x' repeated", "expected text",
/// "expected a finite number", "must be an integer", "must be > 0 …", "expected true or false".
public struct ConfigReader: Sendable {
    public let file: String
    public init(file: String) { self.file = file }

    /// Parses YAML text into a node tree (nil for an empty document); syntax errors name the file and position.
    public func compose(_ text: String) throws(ConfigError) -> Node? {
        // One line, with the position in the message (Yams' own description spans several lines).
        do { return try Yams.compose(yaml: text) } catch let e as YamlError {
            var what: String
            switch e {
            case .scanner(let c, let p, let m, _), .parser(let c, let p, let m, _), .composer(let c, let p, let m, _):
                what = "line \(m.line), column \(m.column): \(p)"
                if let c { what += " (\(c.text) at line \(c.mark.line), column \(c.mark.column))" }
            case .reader(let p, let offset, _, _): what = "\(p)\(offset.map { " at byte \($0)" } ?? "")"
            default: what = "\(e)".split(whereSeparator: \.isNewline).joined(separator: " ")
            }
            throw ConfigError(file: file, key: "(root)", message: "not valid YAML (YAML syntax): \(what)")
        } catch {
            throw ConfigError(file: file, key: "(root)", message: "not valid YAML (YAML syntax): \(error)")
        }
    }

    public func fail(_ key: String, _ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, key: key.isEmpty ? "(root)" : key, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    public static func join(_ key: String, _ name: String) -> String { key.isEmpty ? name : "\(key).\(name)" }

    /// A mapping's entries in document order; keys must be text, unique and (when `allowed` is given) allowed.
    public func entries(_ node: Node, _ key: String, allowed: Set<String>? = nil) throws(ConfigError) -> [ConfigEntry] {
        guard let m = node.mapping else { throw fail(key, node, "expected a mapping (key: value)") }
        var out: [ConfigEntry] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = k.scalar?.string else { throw fail(key, k, "keys must be text") }
            let path = Self.join(key, name)
            if let allowed, !allowed.contains(name) {
                throw fail(path, k, "unknown key '\(name)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard seen.insert(name).inserted else { throw fail(path, k, "key '\(name)' repeated") }
            out.append(ConfigEntry(name: name, path: path, keyNode: k, value: v))
        }
        return out
    }

    /// As `entries`, keyed by name.
    public func mapping(_ node: Node, _ key: String, allowed: Set<String>? = nil) throws(ConfigError) -> [String: Node] {
        var out: [String: Node] = [:]
        for e in try entries(node, key, allowed: allowed) { out[e.name] = e.value }
        return out
    }

    /// True when the node is YAML null (`~`, `null` or nothing).
    public func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A scalar as text.
    public func text(_ node: Node, _ key: String, nonEmpty: Bool = false) throws(ConfigError) -> String {
        guard let s = node.scalar?.string else { throw fail(key, node, "expected text") }
        if nonEmpty && s.trimmingCharacters(in: .whitespaces).isEmpty { throw fail(key, node, "must not be empty") }
        return s
    }

    /// A finite number within `range`.
    public func number(_ node: Node, _ key: String, _ range: NumberRange = .any) throws(ConfigError) -> Double {
        guard node.scalar != nil, let d = node.float, d.isFinite else { throw fail(key, node, "expected a finite number") }
        guard range.contains(d) else { throw fail(key, node, "must be \(range), not \(NumberRange.fmt(d))") }
        return d
    }

    /// A whole number within `range` (the range is checked on the number first, so `1e20` is an error, not a trap).
    public func integer(_ node: Node, _ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard node.scalar != nil, let d = node.float, d.isFinite, d == d.rounded() else { throw fail(key, node, "must be an integer") }
        guard d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw fail(key, node, "must be between \(range.lowerBound) and \(range.upperBound), not \(NumberRange.fmt(d))")
        }
        return Int(d)
    }

    public func bool(_ node: Node, _ key: String) throws(ConfigError) -> Bool {
        guard node.scalar != nil else { throw fail(key, node, "expected true or false") }
        switch node.scalar!.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(key, node, "expected true or false")
        }
    }

    /// One text or a list of texts.
    public func texts(_ node: Node, _ key: String) throws(ConfigError) -> [String] {
        if node.scalar != nil { return [try text(node, key)] }
        guard let seq = node.sequence else { throw fail(key, node, "expected a list") }
        var out: [String] = []
        for (i, n) in seq.enumerated() { out.append(try text(n, "\(key)[\(i)]")) }
        return out
    }

    /// One number or a list of numbers, each within `range`; at most `maxCount`.
    public func numbers(_ node: Node, _ key: String, _ range: NumberRange, maxCount: Int = 64) throws(ConfigError) -> [Double] {
        if node.scalar != nil { return [try number(node, key, range)] }
        guard let seq = node.sequence else { throw fail(key, node, "expected a list of numbers") }
        guard seq.count <= maxCount else { throw fail(key, node, "at most \(maxCount) values, not \(seq.count)") }
        var out: [Double] = []
        for (i, n) in seq.enumerated() { out.append(try number(n, "\(key)[\(i)]", range)) }
        return out
    }
}
