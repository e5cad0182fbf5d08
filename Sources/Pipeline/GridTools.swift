import CityModel
import Foundation
import GeoBridge
import GridCore

/// Grids in and out of GeoTIFF (through GeoBridge), and the `cimbase grid` tools: rasterize, distance, zonal.
public enum GridIO {
    /// Writes a Float32 grid as a Cloud-Optimized GeoTIFF; +∞ and NaN cells become `noData`.
    public static func write(_ g: Grid<Float>, crs: String?, to path: String, noData: Float = -1, description: String? = nil) throws {
        var out = g
        out.withUnsafeMutableBufferPointer { b in for i in b.indices where !b[i].isFinite { b[i] = noData } }
        try out.withUnsafeBufferPointer { b in
            try RasterIO.writeBand(path: path, width: g.geometry.cols, height: g.geometry.rows, geoTransform: g.geometry.geoTransform,
                                   crs: crs, noData: Double(noData), type: .float32, pixels: b, cog: true, description: description)
        }
    }

    /// Writes a byte grid (masks, classes) as a COG.
    public static func write(_ g: Grid<UInt8>, crs: String?, to path: String, noData: UInt8? = nil, description: String? = nil) throws {
        try g.withUnsafeBufferPointer { b in
            try RasterIO.writeBand(path: path, width: g.geometry.cols, height: g.geometry.rows, geoTransform: g.geometry.geoTransform,
                                   crs: crs, noData: noData.map(Double.init), type: .uint8, pixels: b, cog: true, description: description)
        }
    }

    /// Reads band 1 as Float32 (no-data preserved as the grid's `noData`).
    public static func read(_ path: String) throws -> (Grid<Float>, crsWKT: String) {
        let b = try RasterIO.readBand(path: path)
        let geo = try GridGeometry(geoTransform: b.geoTransform, rows: b.height, cols: b.width)
        let g = try Grid<Float>(geometry: geo, values: b.values.map { Float($0) }, noData: b.noData.map { Float($0) })
        return (g, b.crsWKT)
    }
}

extension MultiPolygon {
    /// Rings as GridCore takes them.
    var gridRings: [[[SIMD2<Double>]]] { polygons.map(\.rings) }
}

/// The `cimbase grid` tools; options mirror gdal_rasterize / gdal_proximity where they overlap.
public enum GridTools {
    public struct RasterizeOptions {
        public var layer: String?
        public var where_: String?
        public var attribute: String?
        public var burn: Double = 1
        public var resolution: (Double, Double)
        public var extent: (Double, Double, Double, Double)?
        public var coverage = false
        public var lineLength = false
        public var noData: Float = 0
        public init(resolution: (Double, Double)) { self.resolution = resolution }
    }

    /// Reads features (geometry + optional value) from any OGR source.
    static func features(_ src: String, layer: String?, where_: String?, attribute: String?) throws -> ([(Geometry, Double)], String?) {
        let ds: VectorDataset
        do { ds = try VectorDataset(path: src) } catch { throw PipelineError.input(file: src, layer: layer, message: "\(error)") }
        let l: VectorLayer
        do { l = try ds.layer(layer) } catch { throw PipelineError.input(file: src, layer: layer, message: "\(error)") }
        if let a = attribute, !l.fields.contains(where: { $0.name == a }) {
            throw PipelineError.input(file: src, layer: l.name, message: "field '\(a)' not found; fields are: \(l.fields.map(\.name).joined(separator: ", "))")
        }
        if let w = where_ { do { try l.setAttributeFilter(w) } catch { throw PipelineError.input(file: src, layer: l.name, message: "\(error)") } }
        var out: [(Geometry, Double)] = []
        let crs = l.spatialReference.map { $0.authorityCode ?? $0.wkt }
        do {
            try l.forEach { f in
                guard let g = try f.geometry(), !g.isEmpty else { return }
                out.append((g, attribute.flatMap { f.value($0).real } ?? .nan))
            }
        } catch { throw PipelineError.input(file: src, layer: l.name, message: "\(error)") }
        return (out, crs)
    }

    /// `grid rasterize`: polygons (centre sampling, or exact coverage fractions with `coverage`) or lines (cells passed
    /// through, or length per cell with `lineLength`) → Float32 COG.
    public static func rasterize(src: String, dst: String, options o: RasterizeOptions) throws -> GridGeometry {
        let (feats, crs) = try features(src, layer: o.layer, where_: o.where_, attribute: o.attribute)
        var ext: GridExtent
        if let e = o.extent { ext = GridExtent(minX: e.0, minY: e.1, maxX: e.2, maxY: e.3) } else {
            let bb = feats.reduce(BBox.empty) { $0.union($1.0.bbox) }
            guard !bb.isEmpty else { throw PipelineError.input(file: src, layer: o.layer, message: "no features to rasterize (give -te)") }
            ext = GridExtent(minX: bb.minX, minY: bb.minY, maxX: bb.maxX, maxY: bb.maxY)
        }
        let geo: GridGeometry
        do { geo = try GridGeometry(gdalExtent: ext, dx: o.resolution.0, dy: o.resolution.1) } catch {
            throw PipelineError.usage("grid rasterize: \(error)")
        }
        var grid = Grid<Float>(geometry: geo, repeating: o.noData, noData: o.noData)
        let values = feats.map { Float($0.1.isNaN ? o.burn : $0.1) }
        let polys = feats.enumerated().filter { !$0.element.0.polygons.polygons.isEmpty }
        let lines = feats.enumerated().filter { !$0.element.0.lines.isEmpty }
        if !polys.isEmpty {
            let mps = polys.map { $0.element.0.polygons.gridRings }
            let vs = polys.map { values[$0.offset] }
            if o.coverage {
                if o.noData != 0 { grid.fill(0) }
                Rasterizer.burnCoverage(multiPolygons: mps, values: vs, mode: .add, into: &grid)
            } else {
                Rasterizer.burnCentre(multiPolygons: mps, values: vs, mode: .set, into: &grid)
            }
        }
        if !lines.isEmpty {
            let ls = lines.flatMap { $0.element.0.lines.map(\.points) }
            let vs = lines.flatMap { e in e.element.0.lines.map { _ in values[e.offset] } }
            if o.lineLength {
                if o.noData != 0 { grid.fill(0) }
                Rasterizer.burnLineLength(lines: ls, into: &grid)
            } else {
                Rasterizer.burnLineCells(lines: ls, values: vs, mode: .set, into: &grid)
            }
        }
        try GridIO.write(grid, crs: crs, to: dst, noData: o.noData)
        return geo
    }

    /// `grid distance`: Euclidean distance (georeferenced units) from every cell to the nearest source cell (value ≠ 0
    /// and ≠ no-data, or one of `values`), exact; beyond `maxDistance` → no-data (−1). With `within`, a 0/1 mask instead.
    public static func distance(src: String, dst: String, maxDistance: Double?, values: [Double], within: Double?) throws {
        let (g, wkt) = try GridIO.read(src)
        var sources = Grid<UInt8>(geometry: g.geometry, repeating: 0)
        g.withUnsafeBufferPointer { v in
            sources.withUnsafeMutableBufferPointer { s in
                for i in v.indices {
                    let x = v[i]
                    if let nd = g.noData, x == nd { continue }
                    if values.isEmpty ? (x != 0 && !x.isNaN) : values.contains(Double(x)) { s[i] = 1 }
                }
            }
        }
        let crs = wkt.isEmpty ? nil : wkt
        if let d = within {
            try GridIO.write(DistanceTransform.within(sources: sources, distance: d), crs: crs, to: dst)
        } else {
            try GridIO.write(DistanceTransform.euclidean(sources: sources, maxDistance: maxDistance), crs: crs, to: dst, noData: -1)
        }
    }

    /// `grid zonal`: per polygon of `zones` (exact coverage fractions): count, sum, mean, min, max of `values` → CSV.
    public static func zonal(zones: String, layer: String?, idField: String?, values: String, csv: String) throws -> Int {
        let (g, wkt) = try GridIO.read(values)
        var (feats, zcrs) = try features(zones, layer: layer, where_: nil, attribute: nil)
        if let zcrs, !wkt.isEmpty {
            let t = try ProjTransformer(from: zcrs, to: wkt)
            feats = try feats.map { f in
                let pts = f.0.allPoints
                var xs = pts.map(\.x), ys = pts.map(\.y)
                try t.transform(&xs, &ys)
                var i = 0
                return (f.0.mapPoints { _ in defer { i += 1 }; return Vec2(xs[i], ys[i]) }, f.1)
            }
        }
        var ids: [String] = []
        if let idField {
            let ds = try VectorDataset(path: zones)
            try ds.layer(layer).forEach { f in if let g = try f.geometry(), !g.isEmpty { ids.append(f.value(idField).string ?? "") } }
        } else {
            ids = feats.indices.map { String($0 + 1) }
        }
        let stats = ZonalStatistics.byPolygons(feats.map { $0.0.polygons.gridRings }, values: g)
        // count = covered cells weighted by their coverage fraction (the covered area in cells).
        var text = "id,count,sum,mean,min,max\r\n"
        for (i, s) in stats.enumerated() {
            func f(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "" } ?? "" }
            text += "\(ids[i]),\(f(s.weight)),\(f(s.sum)),\(f(s.mean)),\(f(s.min)),\(f(s.max))\r\n"
        }
        let tmp = csv + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        guard rename(tmp, csv) == 0 else { throw PipelineError.output(path: csv, message: "cannot rename") }
        return stats.count
    }
}
