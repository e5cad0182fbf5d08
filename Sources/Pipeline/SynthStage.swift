import CityModel
import Foundation
import GeoBridge
import Synth

/// `cimbase synth`: writes a deterministic synthetic city (DIR/city.gpkg + DIR/city.yaml) ready for `cimbase run`.
public enum SynthStage {
    @discardableResult
    public static func run(buildings: Int, seed: UInt64, outDir: String, progress: Progress) throws -> SynthManifest {
        let t0 = Date()
        let city: SynthCity
        do { city = try SynthCity(options: SynthOptions(buildings: buildings, seed: seed)) } catch {
            throw PipelineError.usage("synth: \(error)")
        }
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let gpkg = (outDir as NSString).appendingPathComponent("city.gpkg")
        progress.begin("synth: generating \(buildings.grouped) buildings")
        let writer = try GeoPackageWriter(path: gpkg, crs: "EPSG:4548", reproducible: true)
        var sink = writer
        let manifest: SynthManifest
        do {
            manifest = try city.generate(into: &sink)
            try writer.commit()
        } catch {
            writer.abort()
            throw PipelineError.output(path: gpkg, message: "\(error)")
        }
        progress.end()
        // The terrain (hills and the river valley) beside city.gpkg, named in city.yaml as layers.dem.
        let demPath = (outDir as NSString).appendingPathComponent("dem.tif")
        let dem = city.dem()
        do {
            try dem.values.withUnsafeBufferPointer { b in
                try RasterIO.writeBand(path: demPath, width: dem.cols, height: dem.rows, geoTransform: dem.geoTransform, crs: "EPSG:4548",
                                     noData: nil, type: .float32, pixels: b, cog: false, description: "elevation (m above the ellipsoid)")
            }
        } catch { throw PipelineError.output(path: demPath, message: "\(error)") }
        let yamlPath = (outDir as NSString).appendingPathComponent("city.yaml")
        let tmp = yamlPath + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try city.configYAML(gpkgName: "city.gpkg", demName: "dem.tif").write(toFile: tmp, atomically: false, encoding: .utf8)
        guard rename(tmp, yamlPath) == 0 else { throw PipelineError.output(path: yamlPath, message: "cannot rename \(tmp)") }
        let layers = manifest.layers.map { "\($0.name) \($0.count.grouped)" }.joined(separator: " · ")
        progress.say(String(format: "synth       %@ · %@ · %d deliberately bad buildings  %.1f s → %@", layers, manifest.crs, manifest.bad.total,
                   Date().timeIntervalSince(t0), outDir))
        return manifest
    }
}
