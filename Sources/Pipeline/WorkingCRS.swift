import CityModel
import Foundation
import GeoBridge

/// Chooses the working metric CRS.
enum WorkingCRS {
    /// `auto`: for data in China the CGCS2000 3-degree Gauss–Krüger zone of the data's centre (EPSG:4534–4554, CM 75°E–135°E),
    /// elsewhere the WGS 84 UTM zone (EPSG:326zz north / 327zz south).
    static func auto(lon: Double, lat: Double) -> String {
        if inChina(lon: lon, lat: lat) {
            let cm = (lon / 3).rounded() * 3
            let code = 4534 + Int((cm - 75) / 3)
            return "EPSG:\(min(max(code, 4534), 4554))"
        }
        let zone = min(max(Int(((lon + 180) / 6).rounded(.down)) + 1, 1), 60)
        return "EPSG:\(lat >= 0 ? 32600 + zone : 32700 + zone)"
    }

    /// A coarse mainland-China-and-near-islands box (the GCJ-02 convention's own test is finer).
    static func inChina(lon: Double, lat: Double) -> Bool { lon >= 73.5 && lon <= 135.1 && lat >= 18.0 && lat <= 53.6 }

    /// Resolves the configured CRS, checking it is projected and metric.
    static func resolve(_ configured: String, centreLonLat: Vec2?) throws -> String {
        let def: String
        if configured.lowercased() == "auto" {
            guard let c = centreLonLat else { throw PipelineError.crs(message: "crs: auto needs data with a known CRS to find its centre; set crs: EPSG:…") }
            def = auto(lon: c.x, lat: c.y)
        } else {
            def = configured
        }
        let srs: SpatialReference
        do { srs = try SpatialReference(def) } catch let e as GeoBridgeError {
            throw PipelineError.crs(message: "cannot resolve '\(def)': \(e.message)")
        }
        guard srs.isProjected else { throw PipelineError.crs(message: "'\(def)' (\(srs.name)) is not a projected CRS: the working CRS must be metric") }
        guard abs(srs.linearUnitMetres - 1) < 1e-9 else { throw PipelineError.crs(message: "'\(def)' (\(srs.name)) is not in metres") }
        return srs.authorityCode ?? def
    }
}
