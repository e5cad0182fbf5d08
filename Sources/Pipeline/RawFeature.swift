import CityModel

/// A feature as read from a source, before validation: canonical attribute names → values, geometry in the source CRS.
struct RawFeature {
    var sourceId: String
    var attrs: [String: FieldValue]
    var geometry: Geometry?
    /// Index into `IngestInputs.origins` (which file and layer it came from).
    var origin: Int

    func string(_ k: String) -> String? {
        guard let s = attrs[k]?.string?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        return s
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
