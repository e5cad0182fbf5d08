import CityModel
import Foundation
@testable import Pipeline
import Testing

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
        return path
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
