import CityModel
import Foundation
@testable import Pipeline
import Testing

/// The Chinese samples in ../shared/data/china_samples end to end: ingest, walk, 3D tiles (skipped when absent).
@Suite struct ChinaSamplesTests {
    static let suzhou = "china_samples/bd_demo_2.json", shanghai = "china_samples/shangHai.js"

    /// Suzhou (Gusu) footprints with floor counts: fields recognised (Floor, height), CGCS2000 GK zone chosen.
    @Test(.enabled(if: Available.shared(suzhou), "needs ../shared/data/china_samples")) func suzhouBuildings() throws {
        _ = try suzhouTileset(tempDir())
    }

    /// The validator reports 0 errors on the Suzhou tileset.
    @Test(.enabled(if: Available.shared(suzhou), "needs ../shared/data/china_samples"), .enabled(if: Available.validator, Validator.reason))
    func suzhouTilesetValidates() throws {
        try validateTileset(try suzhouTileset(tempDir()))
    }

    // Same shape as shanghaiTileset below on purpose: one sample each, with its own config and pins; the tests read apart.
    func suzhouTileset(_ dir: String) throws -> String {
        let src = try #require(Paths.shared(Self.suzhou))
        let cfg = try CityConfig.parse("city: 苏州姑苏\nyear: 2026\ncrs: auto\nlayers:\n  buildings: {source: \(src)}\n", file: dir + "/c.yaml", baseDirectory: dir)
        let (base, r) = try Ingest.run(config: cfg, outDir: dir, progress: Progress(quiet: true))
        #expect(r.crs == "EPSG:4549")          // CGCS2000 / 3-degree GK CM 120°E
        #expect(r.counts["buildings"]?.read == 3076)
        #expect(r.notes.contains { $0.contains("floors ← Floor") && $0.contains("height ← height") })
        // Floors known for all (1–28); heights given as 3 m × floors.
        #expect(base.buildings.allSatisfy { ($0.floors ?? 0) >= 1 && $0.heightSource == .measured })
        #expect(base.buildings.filter { $0.floors == 2 }.count >= 850)
        let walk = try WalkStage.run(config: cfg, base: base, outDir: dir, progress: Progress(quiet: true))
        #expect(walk == nil)                    // no streets in this sample: reported, not faked
        let s = try TilesStage.run(config: cfg, base: base, extraColumns: [], outDir: dir, progress: Progress(quiet: true))
        #expect(s.buildings == base.buildings.count)
        return dir + "/tiles/buildings/tileset.json"
    }

    /// The Shanghai (Bund/Lujiazui) OSM vector-tile dump: features deduplicated by id across tiles (clipped parts
    /// gathered), then ingest → walk → indicators → tiles.
    @Test(.enabled(if: Available.shared(shanghai), "needs ../shared/data/china_samples")) func shanghaiOSMTiles() throws {
        _ = try shanghaiTileset(tempDir())
    }

    /// The validator reports 0 errors on the Shanghai tileset (with walking-distance metadata).
    @Test(.enabled(if: Available.shared(shanghai), "needs ../shared/data/china_samples"), .enabled(if: Available.validator, Validator.reason))
    func shanghaiTilesetValidates() throws {
        try validateTileset(try shanghaiTileset(tempDir()))
    }

    func shanghaiTileset(_ dir: String) throws -> String {
        let js = try #require(Paths.shared(Self.shanghai))
        let layers = try ShanghaiDump.convert(js, into: dir)
        // Independent count (Python json on the same text, unique ids): 1,321 building + 129 building_part polygons.
        #expect(layers["buildings"] == 1450)
        #expect(layers["roads"]! > 1000)
        let yaml = """
        city: 上海外滩—陆家嘴
        year: 2026
        crs: auto
        layers:
          buildings:  {source: buildings.geojson, height: height}
          roads:      {source: roads.geojson, highway: highway, name: name}
          facilities: {source: pois.geojson, category: kind, where: "kind IN ('school','kindergarten','hospital','pharmacy','supermarket','park','marketplace','clinic','doctors','library')"}
          green:      {source: green.geojson, kind: kind}
          water:      {source: water.geojson, kind: kind}
        """
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        let cfg = try CityConfig.load(path: dir + "/city.yaml")
        let (base, r) = try Ingest.run(config: cfg, outDir: dir, progress: Progress(quiet: true))
        // The data straddles 121.5°E, the border of the 3-degree zones CM 120°E (EPSG:4549) and CM 123°E (EPSG:4550).
        #expect(r.crs == "EPSG:4549" || r.crs == "EPSG:4550")
        for (_, c) in r.counts { #expect(c.accepted + c.rejected == c.read) }
        #expect(base.buildings.contains { $0.heightSource == .measured })
        let walk = try #require(try WalkStage.run(config: cfg, base: base, outDir: dir, progress: Progress(quiet: true)))
        #expect(walk.access.origins.count > 100)
        let ind = try Stages.indicators(config: cfg, base: base, walk: walk.access, fireDrive: walk.fireDrive, outDir: dir, progress: Progress(quiet: true))
        #expect(ind.table.rows.contains { $0.indicator == "walk_cov.primary_school.500" && $0.value != nil })
        let s = try TilesStage.run(config: cfg, base: base, extraColumns: TilesStage.columns(walk), outDir: dir, progress: Progress(quiet: true))
        #expect(s.buildings == base.buildings.count)
        return dir + "/tiles/buildings/tileset.json"
    }
}

/// Converts the Tilezen/Nextzen dump (`var shangHaiData = [ {layer: FeatureCollection, …}, … ];`, unquoted keys) into
/// GeoJSON files per layer, gathering the parts of features clipped at tile edges by their OSM id.
enum ShanghaiDump {
    static func convert(_ path: String, into dir: String) throws -> [String: Int] {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        if let eq = text.firstIndex(of: "=") { text = String(text[text.index(after: eq)...]) }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(";") { text.removeLast() }
        // Quote bare keys (most start their line in this file).
        let re = try NSRegularExpression(pattern: #"(?m)^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:"#)
        text = re.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1\"$2\":")
        // …and inline objects (`{ type: "Point", coordinates: […] }`).
        let inline = try NSRegularExpression(pattern: #"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:"#)
        text = inline.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1\"$2\":")
        guard let tiles = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { throw CocoaError(.fileReadCorruptFile) }
        // layer → id → (properties, [geometry parts])
        var groups: [String: [Int: ([String: Any], [[String: Any]])]] = [:]
        var order: [String: [Int]] = [:]
        for t in tiles {
            for (layer, fc) in t {
                for f in ((fc as? [String: Any])?["features"] as? [[String: Any]]) ?? [] {
                    guard let p = f["properties"] as? [String: Any], let id = (p["id"] as? NSNumber)?.intValue, let g = f["geometry"] as? [String: Any] else { continue }
                    if groups[layer]?[id] == nil { groups[layer, default: [:]][id] = (p, []); order[layer, default: []].append(id) }
                    groups[layer]![id]!.1.append(g)
                }
            }
        }
        func merged(_ parts: [[String: Any]], polygon: Bool) -> [String: Any]? {
            var coords: [Any] = []
            for g in parts {
                let t = g["type"] as? String ?? ""
                if polygon {
                    if t == "Polygon" { coords.append(g["coordinates"]!) } else if t == "MultiPolygon" { coords += (g["coordinates"] as? [Any]) ?? [] }
                } else {
                    if t == "LineString" { coords.append(g["coordinates"]!) } else if t == "MultiLineString" { coords += (g["coordinates"] as? [Any]) ?? [] }
                }
            }
            if coords.isEmpty { return nil }
            return ["type": polygon ? "MultiPolygon" : "MultiLineString", "coordinates": coords]
        }
        var counts: [String: Int] = [:]
        func write(_ name: String, _ feats: [[String: Any]]) throws {
            let fc: [String: Any] = ["type": "FeatureCollection", "features": feats]
            try JSONSerialization.data(withJSONObject: fc).write(to: URL(fileURLWithPath: "\(dir)/\(name).geojson"))
            counts[name] = feats.count
        }
        var b: [[String: Any]] = [], r: [[String: Any]] = [], pois: [[String: Any]] = [], green: [[String: Any]] = [], water: [[String: Any]] = []
        for id in order["buildings"] ?? [] {
            let (p, parts) = groups["buildings"]![id]!
            let kind = p["kind"] as? String ?? ""
            guard kind == "building" || kind == "building_part", let g = merged(parts, polygon: true) else { continue }
            var props: [String: Any] = ["osm_id": id, "kind": kind]
            if let h = p["height"] as? NSNumber { props["height"] = h }
            b.append(["type": "Feature", "properties": props, "geometry": g])
        }
        for id in order["roads"] ?? [] {
            let (p, parts) = groups["roads"]![id]!
            let kind = p["kind"] as? String ?? ""
            guard kind != "rail", kind != "ferry", let g = merged(parts, polygon: false) else { continue }
            let hw = (p["kind_detail"] as? String) ?? (kind == "path" ? "footway" : kind)
            r.append(["type": "Feature", "properties": ["osm_id": id, "highway": hw, "name": p["name"] ?? NSNull()], "geometry": g])
        }
        for id in order["pois"] ?? [] {
            let (p, parts) = groups["pois"]![id]!
            guard let g = parts.first, g["type"] as? String == "Point" else { continue }
            pois.append(["type": "Feature", "properties": ["osm_id": id, "kind": p["kind"] ?? "", "name": p["name"] ?? NSNull()], "geometry": g])
        }
        for id in order["landuse"] ?? [] {
            let (p, parts) = groups["landuse"]![id]!
            let kind = p["kind"] as? String ?? ""
            guard ["park", "grass", "garden", "forest", "wood", "recreation_ground"].contains(kind), let g = merged(parts, polygon: true) else { continue }
            green.append(["type": "Feature", "properties": ["osm_id": id, "kind": kind], "geometry": g])
        }
        for id in order["water"] ?? [] {
            let (p, parts) = groups["water"]![id]!
            guard let g = merged(parts, polygon: true) else { continue }
            water.append(["type": "Feature", "properties": ["osm_id": id, "kind": p["kind"] ?? "water"], "geometry": g])
        }
        try write("buildings", b); try write("roads", r); try write("pois", pois); try write("green", green); try write("water", water)
        return counts
    }
}
