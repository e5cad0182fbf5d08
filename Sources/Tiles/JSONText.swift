/// A minimal append-only JSON text builder (objects, arrays, strings, finite numbers), used for glTF and tileset.json.
///
/// Faster and more predictable than a generic encoder: numbers use Swift's shortest round-trip formatting
/// (so a Float widened to Double is written exactly), non-finite numbers become 0. RFC 8259. O(output size).
struct JSONText {
    var s = ""
    init() { s.reserveCapacity(4096) }

    /// Appends raw, already valid JSON.
    mutating func raw(_ t: String) { s += t }

    // Same escaping as Scoring's JSONValue.escape on purpose: Tiles cannot import Scoring (nor Scoring Tiles), and this one appends to the builder in place.
    mutating func string(_ v: String) {
        s += "\""
        for u in v.unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    s += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { s.unicodeScalars.append(u) }
            }
        }
        s += "\""
    }
    mutating func number(_ v: Double) {
        guard v.isFinite else { s += "0"; return }
        if v == v.rounded(), abs(v) < 1e15 { s += String(Int64(v)) } else { s += "\(v)" }
    }
    mutating func number(_ v: Int) { s += String(v) }
    mutating func numbers(_ vs: [Double]) {
        s += "["
        for (i, v) in vs.enumerated() { if i > 0 { s += "," }; number(v) }
        s += "]"
    }
    /// `"key":` (with a leading comma unless `first`).
    mutating func key(_ k: String, first: Bool = false) {
        if !first { s += "," }
        string(k); s += ":"
    }
}

/// `v` as a JSON string literal (quotes and escapes as `JSONText.string`), for writers outside Tiles (GeoBridge's
/// vector-tile metadata.json) so the escaping lives in one place.
public func jsonStringLiteral(_ v: String) -> String {
    var j = JSONText()
    j.string(v)
    return j.s
}
