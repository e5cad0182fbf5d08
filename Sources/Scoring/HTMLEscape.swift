/// Escapes text for HTML/SVG element content and attribute values (&, <, >, ", ').
// Same switch shape as JSONValue.escape, but another table (HTML entities, not JSON backslashes): kept apart on purpose.
func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// A coordinate for SVG: one decimal, no trailing ".0".
func px(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    if r == r.rounded() { return String(Int(r)) }
    return String(r)
}
