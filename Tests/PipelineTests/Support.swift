import CityModel
import Foundation
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
