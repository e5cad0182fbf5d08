import Foundation
import GeoBridge
@testable import Pipeline
import Testing

@Suite struct SynthStageTests {
    /// `cimbase synth`: the same seed gives the same bytes (city.gpkg and city.yaml), another seed other bytes,
    /// and the city runs through ingest with exactly the deliberately bad buildings rejected or repaired.
    @Test func sameSeedSameBytes() throws {
        let dir = tempDir()
        let m1 = try SynthStage.run(buildings: 2000, seed: 7, outDir: dir + "/a", progress: Progress(quiet: true))
        try SynthStage.run(buildings: 2000, seed: 7, outDir: dir + "/b", progress: Progress(quiet: true))
        try SynthStage.run(buildings: 2000, seed: 8, outDir: dir + "/c", progress: Progress(quiet: true))
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/city.gpkg"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b/city.gpkg"))
        let c = try Data(contentsOf: URL(fileURLWithPath: dir + "/c/city.gpkg"))
        #expect(a == b)
        #expect(a != c)
        #expect(try String(contentsOfFile: dir + "/a/city.yaml", encoding: .utf8) == String(contentsOfFile: dir + "/b/city.yaml", encoding: .utf8))
        // The terrain (dem.tif) too.
        let da = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/dem.tif")), dc = try Data(contentsOf: URL(fileURLWithPath: dir + "/c/dem.tif"))
        #expect(da == (try Data(contentsOf: URL(fileURLWithPath: dir + "/b/dem.tif"))))
        #expect(da != dc)

        let cfg = try CityConfig.load(path: dir + "/a/city.yaml")
        let (base, r) = try Ingest.build(config: cfg, progress: Progress(quiet: true))
        #expect(r.counts["buildings"]?.read == 2000)
        // 2 bow-ties repaired; zero heights (2), 5000 m (1), duplicates (2), two-point ring (1), empty (1) rejected.
        #expect(r.counts["buildings"]?.repaired == m1.bad.bowTie)
        #expect(r.counts["buildings"]?.rejected == m1.bad.total - m1.bad.bowTie)
        #expect(base.buildings.count == 2000 - (m1.bad.total - m1.bad.bowTie))
        #expect(r.counts["facilities"]?.rejected == 0)
        #expect(base.zones.count == m1.subdistricts)
    }
}
