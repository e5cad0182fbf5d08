import CityModel
import Foundation
import GeoBridge
@testable import Pipeline
import Testing
import Tiles

@Suite struct TilesStageTests {
    /// The shipped sample through ingest and the 3D Tiles export with PROJ placement.
    @Test func helsinkiSampleTileset() throws { _ = try helsinkiTileset(tempDir()) }

    /// The official offline validator (../shared/tools/3dtiles) reports 0 errors on the sample's tileset.
    @Test(.enabled(if: Available.validator, Validator.reason)) func helsinkiSampleTilesetValidates() throws {
        try validateTileset(try helsinkiTileset(tempDir()))
    }

    func helsinkiTileset(_ dir: String) throws -> String {
        let cfg = try CityConfig.load(path: Paths.helsinkiSample)
        let (base, _) = try Ingest.run(config: cfg, outDir: dir, progress: Progress(quiet: true))
        let s = try TilesStage.run(config: cfg, base: base, extraColumns: [], outDir: dir, progress: Progress(quiet: true))
        #expect(s.buildings == base.buildings.count)
        #expect(s.skippedBuildings == 0)
        let path = dir + "/tiles/buildings/tileset.json"
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect((json["asset"] as? [String: Any])?["version"] as? String == "1.1")
        let region = ((json["root"] as! [String: Any])["boundingVolume"] as! [String: Any])["region"] as! [Double]
        // Helsinki centre: 24.935–24.954°E, 60.164–60.180°N; tallest building well under 100 m above the ellipsoid.
        #expect(region[0] * 180 / .pi > 24.93 && region[2] * 180 / .pi < 24.96)
        #expect(region[1] * 180 / .pi > 60.16 && region[3] * 180 / .pi < 60.18)
        #expect(region[4] > -1 && region[5] > 20 && region[5] < 150)
        // city.yaml's default compression is meshopt: every content requires EXT_meshopt_compression and
        // KHR_mesh_quantization and keeps the metadata extensions.
        let content = URL(fileURLWithPath: dir + "/tiles/buildings/content")
        let glbs = try FileManager.default.contentsOfDirectory(atPath: content.path).filter { $0.hasSuffix(".glb") }
        #expect(glbs.count == s.contentTiles && s.contentsWritten == s.contentTiles)
        for g in glbs {
            let d = [UInt8](try Data(contentsOf: content.appendingPathComponent(g)))
            let jl = Int(d[12]) | Int(d[13]) << 8 | Int(d[14]) << 16 | Int(d[15]) << 24
            let j = try JSONSerialization.jsonObject(with: Data(d[20..<(20 + jl)])) as! [String: Any]
            #expect(j["extensionsRequired"] as? [String] == ["EXT_meshopt_compression", "KHR_mesh_quantization"])
            #expect(Set(j["extensionsUsed"] as! [String]) == ["EXT_mesh_features", "EXT_structural_metadata", "EXT_meshopt_compression", "KHR_mesh_quantization"])
        }
        // A second run on the same base reuses every content.
        let again = try TilesStage.run(config: cfg, base: base, extraColumns: [], outDir: dir, progress: Progress(quiet: true))
        #expect(again.contentsWritten == 0 && again.contentsReused == s.contentTiles && again.bytes == s.bytes)
        return path
    }

    /// `tiles.compression`: typed, default meshopt, a bad value names the key, its line and the allowed values.
    @Test func compressionKey() throws {
        let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"
        #expect(try CityConfig.parse(head, file: "city.yaml").tiles.compression == .meshopt)
        #expect(try CityConfig.parse(head + "tiles: {compression: none}\n", file: "city.yaml").tiles.compression == TileCompression.none)
        #expect(try CityConfig.parse(head + "tiles: {compression: quantize}\n", file: "city.yaml").tiles.compression == .quantize)
        do {
            _ = try CityConfig.parse(head + "tiles:\n  compression: draco\n", file: "city.yaml")
            Issue.record("no error")
        } catch {
            let m = "\(error)"
            #expect(m.contains("city.yaml:6") && m.contains("tiles.compression") && m.contains("'draco' is not one of meshopt, quantize, none"), "\(m)")
        }
    }

    /// `tiles.lod`: typed, default blocks in city.yaml; a bad value names the key, its line and the allowed values.
    @Test func lodKey() throws {
        let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"
        #expect(try CityConfig.parse(head, file: "city.yaml").tiles.lod == .blocks)
        #expect(try CityConfig.parse(head + "tiles: {lod: largest}\n", file: "city.yaml").tiles.lod == .largest)
        do {
            _ = try CityConfig.parse(head + "tiles:\n  lod: tiny\n", file: "city.yaml")
            Issue.record("no error")
        } catch {
            let m = "\(error)"
            #expect(m.contains("city.yaml:6") && m.contains("tiles.lod") && m.contains("'tiny' is not one of blocks, largest"), "\(m)")
        }
    }

    /// `web:` as a boolean or `{enabled: …}`, default on; bad values name the key and line.
    @Test func webKey() throws {
        let head = "city: t\nyear: 2026\nlayers:\n  roads: {source: r.gpkg}\n"
        #expect(try CityConfig.parse(head, file: "city.yaml").webEnabled)
        #expect(try !CityConfig.parse(head + "web: false\n", file: "city.yaml").webEnabled)
        #expect(try !CityConfig.parse(head + "web: {enabled: false}\n", file: "city.yaml").webEnabled)
        #expect(try CityConfig.parse(head + "web:\n  enabled: yes\n", file: "city.yaml").webEnabled)
        for (text, key, line) in [("web: maybe\n", "web", 5), ("web:\n  enabled: 3\n", "web.enabled", 6), ("web:\n  mbtiles: false\n", "web", 6)] {
            do {
                _ = try CityConfig.parse(head + text, file: "city.yaml")
                Issue.record("no error for \(text)")
            } catch {
                let m = "\(error)"
                #expect(m.contains("city.yaml:\(line)") && m.contains(key), "\(m)")
            }
        }
    }

    /// Block LOD content (class `block`, refine REPLACE) with meshopt compression passes the offline validator.
    @Test(.enabled(if: Available.validator, Validator.reason)) func blockLODTilesetValidates() throws {
        var state: UInt64 = 42   // a fixed LCG (Knuth's MMIX constants): the same city every run
        func u(_ a: Double, _ b: Double) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return a + (b - a) * Double(state >> 11) / Double(1 << 53)
        }
        let b: [Building] = (0..<5000).map { i in
            let x = 385_000 + u(0, 3000), y = 6_672_000 + u(0, 3000)
            let w = u(6, 30), h = u(6, 30)
            return Building(id: Int64(i + 1), sourceId: "\(i)", footprint: MultiPolygon([Polygon([[Vec2(x, y), Vec2(x + w, y), Vec2(x + w, y + h), Vec2(x, y + h)]])]),
                            heightM: u(3, 80), heightSource: .measured, use: i % 3 == 0 ? .commercial : .residential)
        }
        var o = TilesetOptions(); o.lod = .blocks; o.compression = .meshopt; o.maxBuildingsPerTile = 300
        let dir = URL(fileURLWithPath: tempDir())
        let s = try TilesetWriter(o, codec: MeshoptCodec()).write(buildings: b, projector: try PROJECEFProjector(crs: "EPSG:32635"), to: dir)
        #expect(s.buildings == 5000 && s.blocks > 0 && s.depth >= 3)
        try validateTileset(dir.appendingPathComponent("tileset.json").path)
    }

    /// PROJ's 2D projected → geocentric keeps z as the ellipsoidal height.
    @Test func projectorKeepsHeight() throws {
        let p = try PROJECEFProjector(crs: "EPSG:32635")
        let a = try p.toECEF([SIMD3(388455.958, 6653097.4353, 0), SIMD3(388455.958, 6653097.4353, 100)])
        #expect(abs(simd_length3(a[1] - a[0]) - 100) < 1e-6)
        let r = simd_length3(a[0])
        #expect(r > 6_356_000 && r < 6_378_200)
    }
}

func simd_length3(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
