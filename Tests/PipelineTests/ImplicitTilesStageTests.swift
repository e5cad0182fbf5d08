import CityModel
import Foundation
@testable import Pipeline
import Testing
import Tiles

/// `tiles.implicit: true` (issue 15): the shipped sample as an implicit quadtree, checked by the offline validator and
/// loaded in CesiumJS; the config key's validation.
@Suite struct ImplicitTilesStageTests {
    /// The sample city's config with `tiles.implicit: true`, and small tiles (30 buildings, 20 on parents, 2-level
    /// subtrees) so that the 482 buildings make several levels and subtree files.
    static func sampleTileset(_ dir: String) throws -> (path: String, summary: TilesetSummary, buildings: Int) {
        var cfg = try CityConfig.load(path: Paths.helsinkiSample)
        cfg.tiles.implicit = true; cfg.tiles.lod = .largest
        cfg.tiles.maxBuildingsPerTile = 30; cfg.tiles.coarseBuildingsPerParent = 20; cfg.tiles.subtreeLevels = 2
        let (base, _) = try Ingest.run(config: cfg, outDir: dir, progress: Progress(quiet: true))
        let s = try TilesStage.run(config: cfg, base: base, extraColumns: [], outDir: dir, progress: Progress(quiet: true))
        #expect(s.buildings == base.buildings.count && s.skippedBuildings == 0)
        #expect(s.depth >= 3 && s.subtrees > 1, "depth \(s.depth), subtrees \(s.subtrees)")
        let path = dir + "/tiles/buildings/tileset.json"
        let root = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any])["root"] as! [String: Any]
        let it = root["implicitTiling"] as! [String: Any]
        #expect(it["subdivisionScheme"] as? String == "QUADTREE" && it["subtreeLevels"] as? Int == 2 && it["availableLevels"] as? Int == s.depth)
        #expect((root["content"] as? [String: Any])?["uri"] as? String == "content/{level}/{x}/{y}.glb")
        #expect((it["subtrees"] as? [String: Any])?["uri"] as? String == "subtrees/{level}/{x}/{y}.subtree")
        // A second run reuses every content.
        let again = try TilesStage.run(config: cfg, base: base, extraColumns: [], outDir: dir, progress: Progress(quiet: true))
        #expect(again.contentsWritten == 0 && again.contentsReused == s.contentTiles && again.bytes == s.bytes)
        return (path, s, base.buildings.count)
    }

    /// The offline validator (schemas, subtree availability, every vertex inside its derived tile volume, metadata,
    /// meshopt streams decoded) reports 0 errors.
    @Test(.enabled(if: Available.validator, Validator.reason)) func sampleImplicitTilesetValidates() throws {
        let t = try Self.sampleTileset(tempDir())
        try validateTileset(t.path)
        let (_, out, _) = try runProcess(try #require(Validator.python), [try #require(Validator.tool), t.path, "-q"])
        // The validator walked the same tiles (its IMPLICIT_SUMMARY is an INFO; the counts are in the last line).
        #expect(out.contains("\(t.summary.contentTiles) contents"), "\(out.suffix(300))")
    }

    /// CesiumJS (headless Chromium, ../shared/tools/3dtiles/render_cesium.py) loads it at maximum detail: 0 failed
    /// tiles, every building's feature loaded, and a picked building has the metadata of the explicit tileset.
    @Test(.enabled(if: ViewerCheck.python != nil && FileManager.default.fileExists(atPath: RenderCheck.tool), ViewerCheck.reason))
    func sampleImplicitTilesetRendersInCesium() throws {
        let dir = tempDir()
        let t = try Self.sampleTileset(dir)
        let json = dir + "/cesium.json"
        let (status, out, err) = try runProcess(try #require(ViewerCheck.python),
                                                [RenderCheck.tool, dir + "/tiles/buildings", "--cesium-dir", Paths.root.appendingPathComponent("web/vendor/Cesium").path,
                                                 "--out", dir + "/shot.png", "--json", json])
        #expect(status == 0, "render_cesium: \(out.suffix(2000)) \(err.suffix(1000))")
        let r = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect((r["tileFailed"] as? [Any])?.isEmpty == true && (r["errors"] as? [Any])?.isEmpty == true, "\(r["tileFailed"] ?? "") \(r["errors"] ?? "")")
        #expect(r["numberOfFeaturesLoaded"] as? Int == t.buildings, "\(r["numberOfFeaturesLoaded"] ?? "nil")")
        #expect((r["tilesLoaded"] as? Int ?? 0) >= t.summary.contentTiles)
        let picked = try #require(r["picked"] as? [String: Any])
        #expect(picked["id"] != nil && picked["height_m"] != nil && picked["use"] != nil)
    }

    /// `tiles.implicit`: boolean, default false; with it the level of detail is `largest`; a bad value, or
    /// `lod: blocks` next to it, names the key and its line.
    @Test func implicitKey() throws {
        let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"
        #expect(try !CityConfig.parse(head, file: "city.yaml").tiles.implicit)
        let c = try CityConfig.parse(head + "tiles: {implicit: true}\n", file: "city.yaml")
        #expect(c.tiles.implicit && c.tiles.lod == .largest)
        #expect(try CityConfig.parse(head + "tiles: {implicit: true, lod: largest}\n", file: "city.yaml").tiles.implicit)
        #expect(try CityConfig.parse(head + "tiles: {implicit: false, lod: blocks}\n", file: "city.yaml").tiles.lod == .blocks)
        for (text, want) in [("tiles:\n  implicit: maybe\n", ["city.yaml:6", "tiles.implicit"]),
                             ("tiles:\n  implicit: true\n  lod: blocks\n", ["city.yaml:7", "tiles.lod", "tiles.implicit", "largest"])] {
            do {
                _ = try CityConfig.parse(head + text, file: "city.yaml")
                Issue.record("no error for \(text)")
            } catch {
                let m = "\(error)"
                #expect(want.allSatisfy { m.contains($0) }, "\(m)")
            }
        }
    }
}

/// ../shared/tools/3dtiles/render_cesium.py (a real CesiumJS client in headless Chromium).
enum RenderCheck {
    static let tool: String = (Validator.tool.map { ($0 as NSString).deletingLastPathComponent } ?? "/nonexistent") + "/render_cesium.py"
}
