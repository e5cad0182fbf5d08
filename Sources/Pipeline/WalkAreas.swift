import CityModel
import Dispatch
import Foundation
import GeoBridge
import GridCore
import Indicators
import WalkNetwork

/// The walk grid and the areas traced on it.
///
/// Every cell centre within 100 m of a walkable street is snapped to it and searched like an origin, which gives the
/// walking distance to the nearest facility of each category per cell (DIR/grids/walk_<category>.tif). On that grid:
/// - **gaps** (`walk_gaps`): cells of the residential area whose walking distance exceeds the category's own
///   threshold (or that have no street within 100 m). The residential area is made of the cells holding a residential
///   origin (its centroid, or a cell centre inside its footprint), dilated by `closingM` (40 m) and eroded by one cell
///   less (20 m): houses up to about 60 m apart form one area, with one cell of margin around it.
/// - **service areas** (`service_areas`): cells whose walking distance is within the category's own threshold.
/// Both masks are traced into polygons with GDALPolygonize (4-connected), simplified by one cell (topology preserving;
/// a one-cell staircase deviates by cell/√2 from its diagonal, so half a cell would keep every step), and written as
/// one multipolygon per category. Their size is bounded by the grid, not by the number of buildings or streets: at most `maxVertices` vertices per category (the tolerance doubles until it holds).
enum WalkAreas {
    static let defaultCellM = 20.0
    /// Snap distance (m) of cell centres to the streets.
    static let cellSnapM = 100.0

    struct Options {
        var cellM: Double
        /// Write DIR/grids/walk_<category>.tif.
        var writeFiles: Bool
        var serviceAreas: Bool
        /// Dilation radius (m) of the residential area (eroded by one cell less).
        var closingM = 40.0
        /// Vertex bound per category and layer.
        var maxVertices = 200_000
    }

    struct CategoryAreas: Sendable {
        var category: String
        var thresholdM: Double
        var gaps: MultiPolygon
        var serviceArea: MultiPolygon?
        /// Residential origins beyond the threshold (counted from the per-building distances, as the coverage is).
        var gapBuildings: Int
        var gapResidents: Double
        /// Simplification tolerance actually used (m).
        var tolerance: Double
    }

    struct Computed {
        var areas: [CategoryAreas]
        var filesWritten: Int
    }

    static func compute(base: BaseLayer, graph: WalkGraph, index: EdgeSegmentIndex, engine: WalkAccessEngine, sets: [FacilitySet], cats: [String],
                        cutoff: Double, origins: [Int], originPoints: [Vec2], access: NetworkAccess, options o: Options,
                        outDir: String) throws -> Computed {
        // Every cell that can snap: the nodes' extent and the origins', grown by the cell snap distance.
        let bb = BBox(points: graph.nodes).union(BBox(points: originPoints)).expanded(by: cellSnapM)
        guard !bb.isEmpty, !cats.isEmpty else { return Computed(areas: [], filesWritten: 0) }
        var timer = StepTimer()
        let geo = try GridGeometry(covering: GridExtent(minX: bb.minX, minY: bb.minY, maxX: bb.maxX, maxY: bb.maxY), cellSize: o.cellM)
        var pts: [Vec2] = []
        pts.reserveCapacity(geo.cellCount)
        for r in 0..<geo.rows { for c in 0..<geo.cols { pts.append(geo.cellCentre(row: r, col: c)) } }
        let snaps = index.snap(pts, options: SnapOptions(maxSnap: cellSnapM, preferLargestComponent: false))
        pts = []
        timer.lap("cells \(geo.rows)x\(geo.cols)")
        let res = engine.originDistances(categories: sets, origins: snaps.positions, cutoff: cutoff, k: 0)
        timer.lap("cell search")
        let residential = residentialArea(base: base, origins: origins, points: originPoints, geometry: geo, dilation: o.closingM,
                                          erosion: max(0, o.closingM - o.cellM))

        timer.lap("residential")
        let dir = (outDir as NSString).appendingPathComponent("grids")
        if o.writeFiles { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let crs = base.crs
        // One job per category (parallel): the grid file, then its two masks traced and simplified.
        let out = ParallelResults<CategoryAreas?>(cats.count)
        DispatchQueue.concurrentPerform(iterations: cats.count) { ci in
            let c = cats[ci]
            do {
                let d = res[ci].distances
                let t0 = Date()
                if o.writeFiles {
                    let file = (dir as NSString).appendingPathComponent("walk_\(c).tif"), what = "walking distance (m) to the nearest \(c)"
                    // UInt16 decimetres (scale 0.1, no-data = off the network) whenever the search cutoff fits: cells
                    // beyond it hold 6553.4 m, above any threshold; Float32 (−1 off the network, +∞ beyond) otherwise.
                    let finiteMax = d.reduce(Float(0)) { $1.isFinite && $1 > $0 ? $1 : $0 }
                    if finiteMax <= 6553.3 {
                        try GridIO.writeDecimetres(try Grid<Float>(geometry: geo, values: d.map { $0.isInfinite ? 6553.4 : $0 }, noData: -1),
                                                   crs: crs, to: file, description: what)
                    } else {
                        try GridIO.write(try Grid<Float>(geometry: geo, values: d, noData: -1), crs: crs, to: file, noData: -1, description: what)
                    }
                }
                let t1 = Date()
                guard let th = FacilityCategory.named(c)?.thresholdM else { out.set(ci, .success(nil)); return }
                let gapMask = residential.withUnsafeBufferPointer { r in (0..<d.count).map { i in r[i] != 0 && !(Double(d[i]) <= th) ? UInt8(1) : 0 } }
                let (gaps, tol) = try traced(gapMask, geo, o)
                var svc: MultiPolygon? = nil
                if o.serviceAreas { svc = try traced(d.map { Double($0) <= th ? UInt8(1) : 0 }, geo, o).0 }
                if ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil {
                    FileHandle.standardError.write(String(format: "timing walk grid %@: file %.3f s, traces %.3f s\n", c, t1.timeIntervalSince(t0), Date().timeIntervalSince(t1)).data(using: .utf8)!)
                }
                let dist = access.distances[c]!
                var nb = 0, nr = 0.0
                for (k, i) in access.origins.enumerated() where !(Double(dist[k]) <= th) { nb += 1; nr += base.buildings[i].residents ?? 0 }
                out.set(ci, .success(CategoryAreas(category: c, thresholdM: th, gaps: gaps, serviceArea: svc, gapBuildings: nb, gapResidents: nr, tolerance: tol)))
            } catch {
                out.set(ci, .failure(error))
            }
        }
        timer.lap("files+traces")
        timer.report("walk grid")
        return Computed(areas: try out.values().compactMap { $0 }, filesWritten: o.writeFiles ? cats.count : 0)
    }

    /// The mask traced as polygons, simplified by one cell, more if the vertex bound requires it.
    static func traced(_ mask: [UInt8], _ geo: GridGeometry, _ o: Options) throws -> (MultiPolygon, Double) {
        var tol = o.cellM
        while true {
            let polys = try mask.withUnsafeBufferPointer {
                try Polygonizer.polygons(mask: $0, width: geo.cols, height: geo.rows, geoTransform: geo.geoTransform, tolerance: tol)
            }
            let vertices = polys.reduce(0) { $0 + $1.rings.reduce(0) { $0 + $1.count } }
            if ProcessInfo.processInfo.environment["CIMBASE_TIMINGS"] != nil {
                FileHandle.standardError.write("timing walk trace tolerance \(tol) m: \(polys.count) polygons, \(vertices) vertices\n".data(using: .utf8)!)
            }
            if vertices <= o.maxVertices || tol >= 64 * o.cellM { return (MultiPolygon(polys), tol) }
            tol *= 2
        }
    }

    /// 1 on the residential area: the cells holding a residential origin, dilated by `dilation` and eroded by `erosion`
    /// metres (a closing that bridges neighbouring houses; cell centres are points, so an erosion as large as the
    /// dilation would cut the bridges between houses one cell apart again).
    static func residentialArea(base: BaseLayer, origins: [Int], points: [Vec2], geometry geo: GridGeometry, dilation: Double,
                                erosion: Double) -> Grid<UInt8> {
        var seeds = Grid<UInt8>(geometry: geo)
        Rasterizer.burnCentre(multiPolygons: origins.map { base.buildings[$0].footprint.polygons.map(\.rings) },
                              values: [UInt8](repeating: 1, count: origins.count), into: &seeds)
        seeds.withUnsafeMutableBufferPointer { s in
            for p in points { if let rc = geo.cell(containing: p) { s[geo.index(row: rc.row, col: rc.col)] = 1 } }
        }
        let dilated = seeds.within(distance: dilation)
        var outside = Grid<UInt8>(geometry: geo)
        dilated.withUnsafeBufferPointer { d in outside.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] = d[i] == 0 ? 1 : 0 } } }
        let nearOutside = outside.within(distance: erosion)
        var closed = Grid<UInt8>(geometry: geo)
        dilated.withUnsafeBufferPointer { d in
            nearOutside.withUnsafeBufferPointer { n in
                closed.withUnsafeMutableBufferPointer { c in for i in 0..<c.count { c[i] = d[i] != 0 && n[i] == 0 ? 1 : 0 } }
            }
        }
        return closed
    }
}

/// Results of concurrent jobs, one slot each, collected under a lock.
final class ParallelResults<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLock()
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    /// The values in job order; rethrows the first job's error.
    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
