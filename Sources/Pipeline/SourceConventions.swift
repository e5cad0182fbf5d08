import CityModel
import Foundation

/// How Chinese (and other) sources really arrive: missing CRS, zone-prefixed Gauss–Krüger eastings, GBK attribute
/// tables without a .cpg, and Chinese field names. Each rule here reports what it did; nothing is guessed silently.
enum SourceConventions {
    /// Field names recognised for canonical attributes when the config does not name one (case-insensitive).
    static let recognisedFields: [String: [String: [String]]] = [
        "buildings": [
            "floors": ["floors", "floor", "层数", "楼层", "楼层数", "地上层数", "building_levels", "levels", "storeys"],
            "height": ["height", "height_m", "建筑高度", "高度", "建筑高度m"],
            "use": ["use", "building_use", "用途", "建筑用途", "用地性质", "建筑类型", "建筑性质"],
            "year_built": ["year_built", "year", "built_year", "建成年代", "建成年份", "建成时间", "竣工年份", "建造年代"],
            "residents": ["residents", "population", "人口", "居住人口", "户籍人口"],
        ],
        "facilities": [
            "category": ["category", "kind", "类别", "设施类别", "设施类型"],
            "name": ["name", "名称", "设施名称"],
            "amap_typecode": ["typecode", "type_code", "amap_typecode", "类型编码"],
            "amap_type": ["amap_type", "poi_type"],
            "baidu_tag": ["tag", "baidu_tag", "detail_info_tag"],
        ],
        "roads": [
            "highway": ["highway", "class", "fclass", "道路等级", "等级"],
            "name": ["name", "道路名称", "名称"],
        ],
        "green": ["kind": ["kind", "type", "绿地类型", "类型"], "name": ["name", "名称"], "park": ["is_park", "park"]],
        "water": ["kind": ["kind", "type", "水体类型", "类型"]],
        "pipes": ["kind": ["kind", "type", "管线类型", "管类", "类型"], "diameter": ["diameter", "dn", "管径"]],
        "zones": ["id": ["code", "id", "编码", "行政区划代码"], "name": ["name", "名称", "街道名称", "社区名称"]],
        "population": ["value": ["population", "pop", "人口", "value"]],
    ]

    /// Fills unmapped canonical attributes from recognised field names; returns the mapping made (for the summary).
    static func recognise(layer: String, fields: [String], mapped: inout [String: String]) -> [String] {
        guard let table = recognisedFields[layer] else { return [] }
        var made: [String] = []
        let lower = Dictionary(fields.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        for canon in table.keys.sorted() where mapped[canon] == nil {
            for cand in table[canon]! {
                if let f = lower[cand.lowercased()] { mapped[canon] = f; made.append("\(canon) ← \(f)"); break }
            }
        }
        return made
    }

    /// Why a layer without a CRS cannot be used, and which `crs:` to set. Zone-prefixed Gauss–Krüger eastings are
    /// recognised (3-degree zones 25–45: EPSG:4513–4533; 6-degree zones 13–23: EPSG:4491–4501, for CGCS2000), but the
    /// datum cannot be read from coordinates (Beijing 1954 and Xi'an 1980 use the same zones), so the user decides.
    static func missingCRSMessage(_ bb: BBox, key: String) -> String {
        let base = "the layer has no CRS (no .prj or CRS metadata)"
        guard !bb.isEmpty else { return "\(base): set layers.\(key).crs" }
        let p0 = Int((bb.minX / 1e6).rounded(.down)), p1 = Int((bb.maxX / 1e6).rounded(.down))
        if abs(bb.minX) <= 180 && abs(bb.maxX) <= 180 && abs(bb.minY) <= 90 && abs(bb.maxY) <= 90 {
            return "\(base); coordinates look like longitude/latitude: set layers.\(key).crs: EPSG:4490 (CGCS2000) or EPSG:4326 (WGS 84)"
        }
        if p0 == p1, bb.minY > 0, bb.maxY < 1e7 {
            if (25...45).contains(p0) {
                return "\(base); eastings \(Int(bb.minX))… carry the 3-degree Gauss–Krüger zone prefix \(p0) (central meridian \(p0 * 3)°E): for CGCS2000 set layers.\(key).crs: EPSG:\(4488 + p0) (other datums use other codes)"
            }
            if (13...23).contains(p0) {
                return "\(base); eastings \(Int(bb.minX))… carry the 6-degree Gauss–Krüger zone prefix \(p0) (central meridian \(p0 * 6 - 3)°E): for CGCS2000 set layers.\(key).crs: EPSG:\(4478 + p0) (other datums use other codes)"
            }
            if p0 == 0 {
                return "\(base); eastings \(Int(bb.minX))… have no zone prefix (Gauss–Krüger or UTM): set layers.\(key).crs to the zone's code, e.g. EPSG:4534–4554 for CGCS2000 3-degree zones CM 75°E–135°E"
            }
        }
        return "\(base): set layers.\(key).crs (e.g. EPSG:4490 or a Gauss–Krüger zone)"
    }

    /// For a shapefile without a .cpg whose DBF declares no code page (LDID 0): when its bytes are not valid UTF-8,
    /// the encoding to assume (GB18030, a superset of GBK) and a warning naming the file; nil when nothing is needed.
    static func shapefileEncoding(path: String) -> (encoding: String, warning: String)? {
        let url = URL(fileURLWithPath: path)
        guard url.pathExtension.lowercased() == "shp" else { return nil }
        let stem = url.deletingPathExtension()
        let fm = FileManager.default
        for ext in ["cpg", "CPG"] where fm.fileExists(atPath: stem.appendingPathExtension(ext).path) { return nil }
        var dbf: URL?
        for ext in ["dbf", "DBF"] where fm.fileExists(atPath: stem.appendingPathExtension(ext).path) { dbf = stem.appendingPathExtension(ext) }
        guard let dbf, let h = try? FileHandle(forReadingFrom: dbf) else { return nil }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 32), head.count == 32 else { return nil }
        if head[29] != 0 { return nil } // GDAL recodes from the declared code page
        let headerLen = Int(head[8]) | Int(head[9]) << 8
        try? h.seek(toOffset: UInt64(headerLen))
        let body = (try? h.read(upToCount: 4 << 20)) ?? Data()
        if String(data: body, encoding: .utf8) != nil { return nil }
        return ("GB18030", "\(path): no .cpg and the attribute table is not UTF-8: read as GB18030/GBK (set `encoding:` to override)")
    }
}
