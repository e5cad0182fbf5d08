import CityModel
import Foundation
import Testing
@testable import Pipeline

/// Paths the tests need.
enum Paths {
    /// The package root (as compiled; for `.build/…`).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The shipped sample city.
    static let helsinkiSample = root.appendingPathComponent("data/helsinki/city.yaml").path
    static let helsinkiPBF = root.appendingPathComponent("data/helsinki/Helsinki.osm.pbf").path
    /// ../shared/data, when present (CI and developer machines); nil elsewhere.
    static let sharedData: String? = {
        let real = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for base in [real, root] {
            let p = base.deletingLastPathComponent().appendingPathComponent("shared/data").path
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        return nil
    }()
    static func shared(_ rel: String) -> String? {
        guard let d = sharedData else {
            print("skipped: ../shared/data is absent, \(rel) not available")
            return nil
        }
        return d + "/" + rel
    }
    /// The built CLI (swift build --build-tests builds it).
    static var cli: String? {
        for c in ["debug", "release"] {
            let p = root.appendingPathComponent(".build/\(c)/cimbase").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

/// Conditions for tests that need something this machine may lack; used with `.enabled(if:)` so a run reports
/// them as skipped with the reason, never as passed.
enum Available {
    /// A file under ../shared/data exists.
    static func shared(_ rel: String) -> Bool { Paths.sharedData.map { FileManager.default.fileExists(atPath: $0 + "/" + rel) } ?? false }
    /// The built CLI exists (swift build --build-tests builds it).
    static var cli: Bool { Paths.cli != nil }
    /// The offline 3D Tiles validator (../shared/tools/3dtiles) and scripts/.venv with its packages.
    static let validator: Bool = Validator.python != nil
}

/// The offline 3D Tiles validator of ../shared/tools/3dtiles, run with scripts/.venv's Python (scripts/test prepares it).
enum Validator {
    static let tool: String? = Paths.sharedData.map { ($0 as NSString).deletingLastPathComponent + "/tools/3dtiles/validate_3dtiles.py" }
    static let python: String? = {
        let py = Paths.root.appendingPathComponent("scripts/.venv/bin/python").path
        guard let tool, FileManager.default.fileExists(atPath: tool), FileManager.default.isExecutableFile(atPath: py) else { return nil }
        // A venv that exists but lacks the validator's packages (no PyPI when scripts/test made it) cannot run it.
        guard (try? runChildProcess(py, ["-c", "import numpy, jsonschema, pyproj"]))?.status == 0 else { return nil }
        return py
    }()
    static let reason: Comment = "needs ../shared/tools/3dtiles and scripts/.venv with numpy, jsonschema, pyproj"
}

/// Runs the validator on a tileset and records an issue unless it reports 0 errors.
func validateTileset(_ tileset: String) throws {
    let (status, out, err) = try runProcess(try #require(Validator.python), [try #require(Validator.tool), tileset, "-q"])
    #expect(status == 0, "validator: \(out) \(err)")
    #expect(out.contains("0 errors") || out.isEmpty, "validator: \(out)")
}

func tempDir(_ name: String = #function) -> String { temporaryFolder("cimbase-pipeline", name) }

/// Writes a GeoJSON FeatureCollection in a projected CRS (GDAL honours the legacy `crs` member).
func writeGeoJSON(_ path: String, epsg: Int, features: [(props: [String: Any], geometry: [String: Any]?)]) throws {
    let fc: [String: Any] = [
        "type": "FeatureCollection",
        "crs": ["type": "name", "properties": ["name": "urn:ogc:def:crs:EPSG::\(epsg)"]],
        "features": features.map { f -> [String: Any] in
            ["type": "Feature", "properties": f.props, "geometry": f.geometry ?? NSNull()]
        },
    ]
    let data = try JSONSerialization.data(withJSONObject: fc, options: [.sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}

func polygonJSON(_ rings: [[(Double, Double)]]) -> [String: Any] {
    ["type": "Polygon", "coordinates": rings.map { r in (r + [r[0]]).map { [$0.0, $0.1] } }]
}

func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [(Double, Double)] {
    [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
}

/// Runs a process, returning exit status, stdout and stderr (both read at once: TestSupport's runner).
@discardableResult
func runProcess(_ exe: String, _ args: [String]) throws -> (Int32, String, String) {
    let r = try runChildProcess(exe, args)
    return (r.status, r.stdout, r.stderr)
}
