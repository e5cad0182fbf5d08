import CityModel
import Foundation
import GridCore
import Indicators

/// The grids behind the area indicators, so planners see where (DIR/grids/*.tif, COG, working CRS):
/// - `green_cover.tif`: share of each cell covered by green (exact coverage fractions of the green union), 0–1;
/// - `park_service.tif`: 1 where the park service area (300 m / 500 m by park size) covers the cell centre;
/// - `pipe_distance.tif`: exact distance (m) to the nearest drainage pipe, up to 1 km (−1 beyond);
/// - `built_up.tif`: 1 inside the built-up area.
enum IndicatorGrids {
    static func geometry(_ builtUp: MultiPolygon, cell: Double) throws -> GridGeometry? {
        let bb = builtUp.bbox
        guard !bb.isEmpty else { return nil }
        return try GridGeometry(covering: GridExtent(minX: bb.minX, minY: bb.minY, maxX: bb.maxX, maxY: bb.maxY), cellSize: cell)
    }

    /// Writes the grids; returns the file names written.
    static func write(inputs: IndicatorInputs, prepared: PreparedLayers, overrides: [String: [String: Double]], outDir: String, cell: Double) throws -> [String] {
        guard let geo = try geometry(prepared.builtUpPieces, cell: cell) else { return [] }
        let dir = (outDir as NSString).appendingPathComponent("grids")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var written: [String] = []
        func path(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
        let crs = inputs.base.crs

        let bu = Rasterizer.centreMask(polygons: prepared.builtUpPieces.gridRings, geometry: geo)
        try GridIO.write(bu, crs: crs, to: path("built_up.tif"), description: "built-up area (1)"); written.append("built_up.tif")

        if !inputs.base.green.isEmpty {
            // Exact coverage fractions of ∪green ∩ built-up, tile by tile (pieces are disjoint, so fractions add up).
            var g = Grid<Float>(geometry: geo, repeating: 0)
            Rasterizer.burnCoverage(multiPolygon: prepared.greenPieces.gridRings, value: 1, mode: .add, into: &g)
            // UInt8 percent (scale 0.01: QGIS shows the fraction).
            try GridIO.writePercent(g, crs: crs, to: path("green_cover.tif"), description: "green cover fraction"); written.append("green_cover.tif")
        }
        if inputs.base.green.contains(where: \.isPark) {
            var p = ParkServiceCoverage().spec.params
            for (k, v) in overrides["park_service_cov"] ?? [:] { p[k] = v }
            if case .success(let svc) = prepared.parkService(small: p["small_park_m2"]!, smallRadius: p["small_radius_m"]!,
                                                             large: p["large_park_m2"]!, largeRadius: p["large_radius_m"]!) {
                let m = Rasterizer.centreMask(polygons: svc.gridRings, geometry: geo)
                try GridIO.write(m, crs: crs, to: path("park_service.tif"), description: "within a park's service radius (1)")
                written.append("park_service.tif")
            }
        }
        let drains = inputs.base.pipes.filter { $0.kind.isDrainage }
        if !drains.isEmpty {
            let src = Rasterizer.lineMask(lines: drains.map(\.line.points), geometry: geo)
            let d = DistanceTransform.euclidean(sources: src, maxDistance: 1000)
            // UInt16 decimetres (scale 0.1, unit m); no-data beyond the 1,000 m the transform looks.
            try GridIO.writeDecimetres(d, crs: crs, to: path("pipe_distance.tif"), description: "distance to drainage pipe (m)")
            written.append("pipe_distance.tif")
        }
        return written
    }
}
