import CityModel

/// A feature as read from a source, before validation: canonical attribute names → values, geometry in the source CRS.
struct RawFeature {
    var sourceId: String
    var attrs: [String: FieldValue]
    var geometry: Geometry?
    /// Index into `IngestSources.origins` (which file and layer it came from).
    var origin: Int
    /// Row of the feature in its origin's kept source attributes (`SourceOrigin.extra`); -1 when none.
    var row: Int32 = -1

    func string(_ k: String) -> String? {
        guard let raw = attrs[k]?.string, !raw.isEmpty else { return nil }
        // Most values need no trimming: ASCII ends other than space and tab (the only ASCII members of
        // CharacterSet.whitespaces) skip Foundation's trimming, which was ~5 % of OSM ingest's CPU.
        let u = raw.utf8
        if let a = u.first, let b = u.last, a < 0x80, b < 0x80, a != 0x20, a != 0x09, b != 0x20, b != 0x09 { return raw }
        let s = raw.trimmingCharacters(in: .whitespaces)
        return s.isEmpty ? nil : s
    }
    func number(_ k: String) -> Double? {
        guard let v = attrs[k] else { return nil }
        if let d = v.real, d.isFinite { return d }
        if let s = v.string { return parseMeasure(s) }
        return nil
    }
}

/// Which file and layer features came from, and their CRS.
struct SourceOrigin {
    var file: String
    var layer: String
    /// CRS definition for PROJ (WKT or authority code); nil when unknown.
    var crs: String?
    /// Coordinate convention (wgs84 / gcj02 / bd09).
    var coords: String = "wgs84"
    /// Source fields that map to no canonical attribute, one row per feature read (`RawFeature.row`).
    var extra = AttributeTable()
}

/// Names of kept source fields in base.gpkg: the source name, or `src_<name>` when it collides (case-insensitively, as
/// SQLite compares column names) with a canonical field of the layer's table, its `fid` or its geometry column `geom`.
enum SourceFieldNames {
    static func reserved(_ canonical: String) -> Set<String> {
        var s: Set<String> = ["fid", "geom"]
        for f in CanonicalLayer(rawValue: canonical)?.fields ?? [] { s.insert(f.name.lowercased()) }
        return s
    }

    /// base.gpkg names for `fields` of a source read for `canonical`, unique within the table.
    static func names(_ fields: [String], canonical: String) -> [String] {
        var taken = reserved(canonical)
        var out: [String] = []
        for f in fields {
            var n = taken.contains(f.lowercased()) ? "src_" + f : f
            var k = 2
            while taken.contains(n.lowercased()) { n = "src_\(f)_\(k)"; k += 1 }
            taken.insert(n.lowercased())
            out.append(n)
        }
        return out
    }
}

/// Parses numbers as written in attribute tables and OSM tags: "12", "12.5", "12 m", "12,5", "40 ft" (→ metres), "3;4" (first).
func parseMeasure(_ s0: String) -> Double? {
    var s = s0.trimmingCharacters(in: .whitespaces).lowercased()
    if let semi = s.firstIndex(of: ";") { s = String(s[..<semi]) }
    var factor = 1.0
    for (suffix, f) in [("meters", 1.0), ("metres", 1.0), ("m", 1.0), ("米", 1.0), ("ft", 0.3048), ("'", 0.3048), ("层", 1.0)] where s.hasSuffix(suffix) {
        s = String(s.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces); factor = f; break
    }
    s = s.replacingOccurrences(of: ",", with: ".")
    guard let v = Double(s), v.isFinite else { return nil }
    return v * factor
}

import Foundation
