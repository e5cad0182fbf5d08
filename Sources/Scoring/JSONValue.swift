import Foundation

/// A JSON value with ordered object keys, and its serialiser (used for every JSON file the module writes,
/// so the output is deterministic and keeps the column order of the indicator table).
///
/// Numbers use the same formatting as the CSV writer (shortest round trip); non-finite numbers become `null`.
public indirect enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number (non-finite values are written as `null`).
    case number(Double)
    /// A string (escaped on output).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with its keys in the order given (written in that order).
    case object([(String, JSONValue)])

    /// Structural equality; objects compare key by key in order (so key order matters), numbers by `==` (NaN ≠ NaN).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// `nil` → `null`.
    public static func num(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
    /// `nil` → `null`.
    public static func str(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    /// Serialises; `pretty` indents by two spaces, one key per line.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : -1)
        if pretty { out += "\n" }
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pretty = indent >= 0
        func newline(_ level: Int) {
            if pretty { out += "\n"; out += String(repeating: "  ", count: level) }
        }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(x): out += x.isFinite ? formatNumber(x) : "null"
        case let .string(s): JSONValue.escape(s, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line.
            let flat = items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += flat && pretty ? ", " : "," }
                if !flat { newline(indent + 1) }
                item.write(into: &out, indent: pretty ? indent + 1 : -1)
            }
            if !flat { newline(indent) }
            out += "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (k, (key, value)) in pairs.enumerated() {
                if k > 0 { out += "," }
                newline(indent + 1)
                JSONValue.escape(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, indent: pretty ? indent + 1 : -1)
            }
            newline(indent)
            out += "}"
        }
    }

    /// JSON string escaping (RFC 8259): quote, backslash and control characters; everything else as UTF-8.
    // Same shape as Tiles' JSONText.string and esc (HTMLEscape.swift) on purpose: Tiles cannot import Scoring, and esc is the HTML table (entities), not JSON's.
    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
