import CityModel
import Foundation
import GeoBridge
import Scoring
#if canImport(Glibc)
import Glibc
#endif

/// `cimbase web DIR` (and the web step of `run`): the city for a browser, from the files a run wrote.
///
/// - `web/vector/{z}/{x}/{y}.pbf` + `metadata.json` and `web/city.mbtiles`: Mapbox Vector Tiles (GDAL's MVT driver,
///   Web Mercator) with layers `zones` and `zone_points` (every indicator value of the zone as a property),
///   `gaps` and `gap_points` (walk gaps per category, pipe gaps), `facilities`, and `walk` (the walkable streets in
///   pieces of at most two walk-grid cells, `d_<category>` = the walking distance of the walk grid at the piece's
///   middle). The `*_points` layers hold one point on the surface of every polygon with the same properties, so no
///   polygon vanishes at low zoom (a polygon under a tile unit is dropped by the tiler; its point never is).
/// - `web/raster/<grid>/{z}/{x}/{y}.png`: every grid of `grids/` warped to Web Mercator by GDAL and coloured by
///   ``WebColorRamp`` (legend in data.json).
/// - `web/data.json` (indicator names, zone rows, layers, legends, zooms) and `web/index.html` (the viewer).
public enum WebStage {
    /// What the stage wrote.
    public struct Output: Sendable {
        /// Features written per vector layer.
        public var features: [String: Int] = [:]
        /// Zoom range of the vector tiles.
        public var zooms: ClosedRange<Int> = 0...0
        /// Grids tiled and PNG tiles written.
        public var grids = 0, pngTiles = 0
        /// Bytes of the vector tile folder and of the MBTiles file.
        public var vectorBytes = 0, mbtilesBytes = 0
        /// Vector tiles with content, the largest (uncompressed bytes), seconds per zoom of the vector tiles.
        public var vectorTiles = 0, largestTile = 0
        public var vectorSeconds: [Int: Double] = [:]
        public var seconds = 0.0
        /// The viewer page.
        public var index = ""
    }

    /// Sub-folder of the run folder the stage writes.
    public static let folder = "web"

    /// Builds the web outputs from `outDir`'s files (base.gpkg is needed; walk.gpkg, the indicator table, the grids
    /// and the tiles are used when present).
    @discardableResult
    public static func run(outDir: String, progress: Progress) throws -> Output {
        let t0 = Date()
        let fm = FileManager.default
        func path(_ p: String) -> String { (outDir as NSString).appendingPathComponent(p) }
        let basePath = path("base.gpkg")
        guard fm.fileExists(atPath: basePath) else {
            throw PipelineError.input(file: basePath, layer: nil, message: "no base layer: run `cimbase run city.yaml --out \(outDir)` (or ingest) first")
        }
        let web = path(folder)
        try fm.createDirectory(atPath: web, withIntermediateDirectories: true)
        var out = Output()

        let base = try VectorDataset(path: basePath)
        guard let crs = try base.layer("buildings").spatialReference?.wkt, !crs.isEmpty else {
            throw PipelineError.input(file: basePath, layer: "buildings", message: "the layer has no CRS")
        }
        // Extent of the data (working CRS) → Web Mercator and WGS 84.
        var ext = BBox.empty
        // Every mapped layer counts (a sewer-only city — pipes and a built-up layer, no buildings — still gets a map).
        for l in ["buildings", "roads", "zones", "facilities", "green", "water", "pipes", "built_up", "boundary"] where base.layerNames.contains(l) {
            let layer = try base.layer(l)
            if layer.featureCount > 0, let e = try? layer.extent() { ext = ext.union(e) }
        }
        guard !ext.isEmpty else { throw PipelineError.input(file: basePath, layer: nil, message: "the base layer is empty: nothing to map") }
        let toMerc = try ProjTransformer(from: crs, to: "EPSG:3857"), toGeo = try ProjTransformer(from: crs, to: "EPSG:4326")
        func boxIn(_ t: ProjTransformer) throws -> BBox {
            var xs: [Double] = [], ys: [Double] = []
            for i in 0...8 { for j in 0...8 { xs.append(ext.minX + ext.width * Double(i) / 8); ys.append(ext.minY + ext.height * Double(j) / 8) } }
            try t.transform(&xs, &ys)
            return BBox(points: zip(xs, ys).map { Vec2($0, $1) })
        }
        let merc = try boxIn(toMerc), geo = try boxIn(toGeo)
        let lat = geo.center.y
        let zooms = WebTiling.vectorZooms(extent: merc, latitude: lat)
        out.zooms = zooms

        // Indicator table (zone rows become zone properties).
        let table = try readIndicators(outDir: outDir)
        var indicatorOrder: [String] = [], indicatorInfo: [String: IndicatorRow] = [:]
        var zoneValues: [String: [String: Double]] = [:], zoneRows: [String: [IndicatorRow]] = [:]
        for r in table?.rows ?? [] {
            if indicatorInfo[r.indicator] == nil { indicatorOrder.append(r.indicator); indicatorInfo[r.indicator] = r }
            if !r.zoneID.isEmpty {
                zoneRows[r.zoneID, default: []].append(r)
                if let v = r.value, v.isFinite { zoneValues[r.zoneID, default: [:]][r.indicator] = v }
            }
        }

        var timer = StepTimer()
        timer.lap("read")
        progress.begin("web vector tiles")
        let vectorDir = (web as NSString).appendingPathComponent("vector")
        let mbtiles = (web as NSString).appendingPathComponent("city.mbtiles")
        var layers: [MVT.Layer] = []
        // Zones.
        let zoneIndicators = indicatorOrder.filter { id in zoneRows.values.contains { $0.contains { $0.indicator == id } } }
        let zoneFields = ["zone_id", "zone_name", "level", "area_m2"] + zoneIndicators
        var zones: [(geometry: Geometry, values: [FieldValue])] = []
        if base.layerNames.contains("zones") {
            try base.layer("zones").forEach { f in
                guard let g = try f.geometry() else { return }
                let id = f.value("zone_id").string ?? "\(f.fid)"
                let vals = zoneValues[id] ?? [:]
                zones.append((g, [.string(id), f.value("zone_name").string.map { .string($0) } ?? .null, f.value("level").string.map { .string($0) } ?? .null,
                                  f.value("area_m2")] + zoneIndicators.map { vals[$0].map { .real($0) } ?? .null }))
            }
        }
        layers += try polygonLayers(name: "zones", fields: zoneFields, rows: zones, toMerc: toMerc, zooms: zooms, out: &out,
                                    description: "zones (districts, sub-districts) with every indicator value of the zone")

        // Gaps: walk gaps per category, pipe gaps; one feature per polygon part.
        let gapFields = ["kind", "category", "threshold_m", "area_m2", "category_area_m2", "buildings", "residents"]
        var gaps: [(geometry: Geometry, values: [FieldValue])] = []
        var gapCategories: [String] = []
        let walkPath = path("walk.gpkg")
        if fm.fileExists(atPath: walkPath) {
            let w = try VectorDataset(path: walkPath)
            if w.layerNames.contains("walk_gaps") {
                try w.layer("walk_gaps").forEach { f in
                    guard let g = try f.geometry() else { return }
                    let cat = f.value("category").string ?? ""
                    if !gapCategories.contains(cat) { gapCategories.append(cat) }
                    for p in parts(g) {
                        gaps.append((.polygon(p), [.string("walk"), .string(cat), f.value("threshold_m"), .real(p.area), f.value("area_m2"), f.value("buildings"), f.value("residents")]))
                    }
                }
            }
        }
        let indGpkg = path("indicators.gpkg")
        if fm.fileExists(atPath: indGpkg) {
            let d = try VectorDataset(path: indGpkg)
            if d.layerNames.contains("pipe_gaps") {
                var total = 0.0
                var pieces: [Polygon] = []
                try d.layer("pipe_gaps").forEach { f in if let g = try f.geometry() { for p in parts(g) { pieces.append(p); total += p.area } } }
                let distance = table?.rows.first { $0.indicator == "pipe_cov" && $0.zoneID.isEmpty }.flatMap { Self.param($0.params, "distance_m") }
                if !pieces.isEmpty { gapCategories.append("pipe") }
                for p in pieces { gaps.append((.polygon(p), [.string("pipe"), .string("pipe"), distance.map { .real($0) } ?? .null, .real(p.area), .real(total), .null, .null])) }
            }
        }
        layers += try polygonLayers(name: "gaps", fields: gapFields, rows: gaps, toMerc: toMerc, zooms: zooms, out: &out,
                                    description: "walk gaps (residential area beyond the category's threshold) and pipe gaps, one feature per part")

        // Facilities.
        var facilityCategories: [String] = []
        var facilities: [(geometry: Geometry, values: [FieldValue])] = []
        if base.layerNames.contains("facilities") {
            try base.layer("facilities").forEach { f in
                guard let g = try f.geometry() else { return }
                let cat = f.value("category").string ?? ""
                if !facilityCategories.contains(cat) { facilityCategories.append(cat) }
                let pt: Geometry
                switch g { case .point, .multiPoint: pt = g; default: pt = .point(g.representativePoint) }
                facilities.append((pt, [f.value("id"), .string(cat), f.value("name")]))
            }
        }
        let facGeoms = try project(facilities.map(\.geometry), toMerc)
        layers.append(MVT.Layer(name: "facilities", fields: ["id", "category", "name"],
                                features: zip(facGeoms, facilities).compactMap { MVT.Feature($0, values: $1.values) }, zooms: zooms,
                                description: "facilities by category"))
        out.features["facilities"] = layers.last!.features.count

        // Walk network coloured by distance.
        let walkGrids = gridFiles(outDir).filter { ($0 as NSString).lastPathComponent.hasPrefix("walk_") }
        let walkCats = walkGrids.map { String((($0 as NSString).lastPathComponent as NSString).deletingPathExtension.dropFirst(5)) }
        // The walk layer (the densest) starts three levels below the highest, or higher where its pieces would average
        // more than `WebTiling.walkPiecesPerTile` a tile of the data's box (a city of 1M buildings: z12, not z11).
        var walkMinZoom = max(zooms.lowerBound, zooms.upperBound - 3)
        if base.layerNames.contains("roads") {
            var walk = try walkLayer(base: base, grids: walkGrids, categories: walkCats, toMerc: toMerc, zooms: zooms, out: &out)
            walkMinZoom = WebTiling.walkMinZoom(zooms: zooms, pieces: walk.features.count, extent: merc)
            walk.zooms = walkMinZoom...zooms.upperBound
            layers.append(walk)
        }
        progress.update(1, of: 2)
        timer.lap("vector features")
        let set = try VectorTileSet.write(layers: layers, directory: vectorDir, mbtiles: mbtiles, name: "cimbase",
                                          description: "CIMBase city checkup: zones with indicators, gaps, facilities, walk network",
                                          bounds: geo, fillBox: merc)
        progress.end()
        out.vectorBytes = set.folderBytes
        out.mbtilesBytes = set.mbtilesBytes
        out.vectorTiles = set.tiles.values.reduce(0, +)
        out.largestTile = set.largest
        out.vectorSeconds = set.seconds
        timer.lap("vector tiles")
        StepTimer.report("web", "  of which MBTiles rows", set.mbtilesSeconds)
        for (z, t) in set.seconds.sorted(by: { $0.key < $1.key }) { StepTimer.report("web", "  z\(z) (\(set.tiles[z] ?? 0) tiles)", t) }

        // Raster tiles of the grids.
        let rasters = try writeRasters(outDir: outDir, web: web, extent: merc, latitude: lat, minZoom: zooms.lowerBound, progress: progress, out: &out)
        timer.lap("raster tiles")

        // data.json and the page.
        let tilesetRel = fm.fileExists(atPath: path("tiles/buildings/tileset.json")) ? "../tiles/buildings/tileset.json" : nil
        var indicators: [[String: Any]] = []
        var cityRow: [String: IndicatorRow] = [:]
        for r in table?.rows ?? [] where r.zoneID.isEmpty && cityRow[r.indicator] == nil { cityRow[r.indicator] = r }
        let zoneIndicatorSet = Set(zoneIndicators)
        for id in indicatorOrder {
            guard let r = indicatorInfo[id] else { continue }
            let vs = zones.compactMap { z -> Double? in zoneValues[z.values[0].string ?? ""]?[id] }
            var e: [String: Any] = ["id": id, "name_zh": r.nameZh, "name_en": r.nameEn, "unit": r.unit, "direction": r.direction.rawValue,
                                    "zones": zoneIndicatorSet.contains(id)]
            if let lo = vs.min(), let hi = vs.max() { e["min"] = lo; e["max"] = hi }
            if let c = cityRow[id], let v = c.value, v.isFinite { e["city"] = v }
            indicators.append(e)
        }
        var zoneJSON: [String: Any] = [:]
        for (id, rows) in zoneRows {
            zoneJSON[id] = ["name": rows.first?.zoneName ?? "", "rows": rows.map { r -> [Any] in [r.indicator, r.value.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull()] }]
        }
        let names = Dictionary(FacilityCategory.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func categoryJSON(_ ids: [String]) -> [[String: String]] {
            ids.map { ["id": $0, "name_zh": $0 == "pipe" ? "排水管网空白区" : names[$0]?.nameZh ?? $0, "name_en": $0 == "pipe" ? "drainage pipe gaps" : names[$0]?.nameEn ?? $0] }
        }
        let data: [String: Any] = [
            "schema": "cimbase.web/1",
            "city": table?.rows.first?.city ?? "", "year": table?.rows.first?.year ?? 0,
            "bounds": [geo.minX, geo.minY, geo.maxX, geo.maxY], "center": [geo.center.x, geo.center.y],
            "minzoom": zooms.lowerBound, "maxzoom": zooms.upperBound, "walk_minzoom": walkMinZoom,
            "vector": "vector/{z}/{x}/{y}.pbf", "mbtiles": "city.mbtiles",
            "layers": out.features, "indicators": indicators, "zones": zoneJSON,
            "facility_categories": categoryJSON(facilityCategories), "gap_categories": categoryJSON(gapCategories),
            "walk_categories": categoryJSON(walkCats), "rasters": rasters,
            "tileset": tilesetRel as Any? ?? NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes])
        do {
            try AtomicFile.write(json, to: URL(fileURLWithPath: (web as NSString).appendingPathComponent("data.json")))
            out.index = (web as NSString).appendingPathComponent("index.html")
            try AtomicFile.write(WebViewerHTML.page(title: table?.rows.first.map { "\($0.city) \($0.year)" } ?? "CIMBase"), to: URL(fileURLWithPath: out.index))
        } catch { throw PipelineError.output(path: web, message: "\(error)") }
        timer.lap("page")
        timer.report("web")
        out.seconds = Date().timeIntervalSince(t0)
        return out
    }

    /// Removes `outDir/web/` left by an earlier run (with `web: false` this run makes none, and an old viewer would
    /// show the earlier data while the report linked it). True when there was one.
    @discardableResult
    public static func removeStale(outDir: String) -> Bool {
        let web = (outDir as NSString).appendingPathComponent(folder)
        guard FileManager.default.fileExists(atPath: web) else { return false }
        return (try? FileManager.default.removeItem(atPath: web)) != nil
    }

    /// The run's indicator table (indicators.json, else indicators.csv), nil when neither exists.
    static func readIndicators(outDir: String) throws -> IndicatorTable? {
        for name in ["indicators.json", "indicators.csv"] {
            let p = (outDir as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: p) {
                do { return try IndicatorTable.read(at: URL(fileURLWithPath: p)) } catch { throw PipelineError.input(file: p, layer: nil, message: "\(error)") }
            }
        }
        return nil
    }

    /// A number in a compact-JSON `params` string.
    static func param(_ params: String, _ key: String) -> Double? {
        guard let d = params.data(using: .utf8), let o = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] else { return nil }
        return (o[key] as? NSNumber)?.doubleValue
    }

    static func parts(_ g: Geometry) -> [Polygon] {
        switch g {
        case .polygon(let p): return [p]
        case .multiPolygon(let m): return m.polygons
        default: return []
        }
    }

    /// A polygon layer and its `<name>_points` companion (one point on the surface of each polygon, same properties),
    /// reprojected to Web Mercator.
    static func polygonLayers(name: String, fields: [String], rows: [(geometry: Geometry, values: [FieldValue])], toMerc: ProjTransformer,
                              zooms: ClosedRange<Int>, out: inout Output, description: String) throws -> [MVT.Layer] {
        // The point of a polygon: on the surface of its largest part (in the working CRS; the projection keeps it inside).
        let points: [Geometry] = rows.map { r in
            let ps = parts(r.geometry)
            guard let big = ps.max(by: { $0.area < $1.area }) else { return .point(r.geometry.representativePoint) }
            return .point(MVT.pointOnSurface(big.rings) ?? big.centroid)
        }
        let geoms = try project(rows.map(\.geometry), toMerc), pts = try project(points, toMerc)
        let poly = MVT.Layer(name: name, fields: fields, features: zip(geoms, rows).compactMap { MVT.Feature($0, values: $1.values) }, zooms: zooms,
                             description: description)
        let point = MVT.Layer(name: name + "_points", fields: fields, features: zip(pts, rows).compactMap { MVT.Feature($0, values: $1.values) }, zooms: zooms,
                              description: "one point on the surface of each feature of \(name), so none vanishes at low zoom")
        out.features[name] = rows.count
        out.features[name + "_points"] = point.features.count
        return [poly, point]
    }

    /// Geometries reprojected with one PROJ call for all their vertices.
    static func project(_ gs: [Geometry], _ t: ProjTransformer) throws -> [Geometry] {
        var xs: [Double] = [], ys: [Double] = []
        for g in gs { _ = g.mapPoints { p in xs.append(p.x); ys.append(p.y); return p } }
        guard !xs.isEmpty else { return gs }
        try t.transform(&xs, &ys)
        var k = 0
        return gs.map { g in g.mapPoints { _ in defer { k += 1 }; return Vec2(xs[k], ys[k]) } }
    }

    /// The grids of the run (sorted paths of `grids/*.tif`).
    static func gridFiles(_ outDir: String) -> [String] {
        let dir = (outDir as NSString).appendingPathComponent("grids")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".tif") && !$0.contains(".tmp") }.sorted()
            .map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Walkable roads in pieces of at most two walk-grid cells, each with `d_<category>` read from the walk grids at
    /// the piece's middle: metres; −1 beyond the search cutoff; null off the walk grid (no street within 100 m of the
    /// cell, or outside the grid).
    static func walkLayer(base: VectorDataset, grids: [String], categories: [String], toMerc: ProjTransformer, zooms: ClosedRange<Int>,
                          out: inout Output) throws -> MVT.Layer {
        let cell = try grids.first.map { try WebRaster.describe(path: $0).cell } ?? 20
        let maxLen = 2 * cell
        var pieces: [LineString] = []
        try base.layer("roads").forEach { f in
            guard f.value("walkable").int == 1, let g = try f.geometry() else { return }
            let lines: [LineString]
            switch g { case .lineString(let l): lines = [l]; case .multiLineString(let ls): lines = ls; default: lines = [] }
            for l in lines { pieces += split(l, maxLength: maxLen) }
        }
        let mids = pieces.map(midpoint)
        // One grid in memory at a time; the distances per category (NaN: absent).
        var columns: [[Double]] = []
        for g in grids {
            let b = try RasterIO.readBand(path: g)
            columns.append(mids.map { sample(b, $0).real ?? .nan })
        }
        let geoms = try project(pieces.map { .lineString($0) }, toMerc)
        var features: [MVT.Feature] = []
        features.reserveCapacity(pieces.count)
        for (i, p) in pieces.enumerated() {
            var vals: [FieldValue] = [.real(p.length)]
            for c in columns { vals.append(c[i].isNaN ? .null : .real(c[i])) }
            if let f = MVT.Feature(geoms[i], values: vals) { features.append(f) }
        }
        out.features["walk"] = pieces.count
        return MVT.Layer(name: "walk", fields: ["length_m"] + categories.map { "d_\($0)" }, features: features, zooms: zooms,
                         description: "walkable streets with the walking distance (m) to each category")
    }

    /// A walk-grid value at a point: metres, −1 beyond the cutoff (UInt16 65534), null for no data or outside.
    static func sample(_ b: RasterIO.Band, _ p: Vec2) -> FieldValue {
        let gt = b.geoTransform
        let c = Int(((p.x - gt[0]) / gt[1]).rounded(.down)), r = Int(((p.y - gt[3]) / gt[5]).rounded(.down))
        guard c >= 0, r >= 0, c < b.width, r < b.height else { return .null }
        let v = b.values[r * b.width + c]
        if let nd = b.noData, v == nd { return .null }
        if v.isNaN { return .null }
        if b.dataType == "UInt16" && v >= 65534 { return .real(-1) }
        let real = v * b.scale + b.offset
        return real < 0 ? .null : .real((real * 10).rounded() / 10)
    }

    /// Cuts a line into pieces of at most `maxLength` (each segment into equal parts; vertices kept).
    static func split(_ l: LineString, maxLength: Double) -> [LineString] {
        var out: [LineString] = [], cur: [Vec2] = [], curLen = 0.0
        guard l.points.count >= 2 else { return [] }
        cur = [l.points[0]]
        for i in 1..<l.points.count {
            let a = l.points[i - 1], b = l.points[i]
            let d = ((b - a) * (b - a)).sum().squareRoot()
            let n = max(1, Int((d / maxLength).rounded(.up)))
            for k in 1...n {
                let q = a + (b - a) * (Double(k) / Double(n))
                let step = d / Double(n)
                if curLen + step > maxLength * (1 + 1e-9), cur.count >= 2 {
                    out.append(LineString(cur)); cur = [cur.last!]; curLen = 0
                }
                cur.append(q); curLen += step
            }
        }
        if cur.count >= 2 { out.append(LineString(cur)) }
        return out
    }

    /// The point halfway along a line.
    static func midpoint(_ l: LineString) -> Vec2 {
        let half = l.length / 2
        var acc = 0.0
        for i in 1..<l.points.count {
            let a = l.points[i - 1], b = l.points[i]
            let d = ((b - a) * (b - a)).sum().squareRoot()
            if acc + d >= half, d > 0 { return a + (b - a) * ((half - acc) / d) }
            acc += d
        }
        return l.points.last ?? .zero
    }

    struct RasterDone: Sendable { var name: String, title: String, maxZoom: Int, legend: [[String: String]], cell: Double, tiles: Int }

    /// PNG tiles of every grid; returns the raster entries of data.json. The grids are tiled in parallel (one per
    /// core at a time: one warp of at most `WebTiling.rasterMaxZoom`'s pixel cap each in memory); tiles without a
    /// coloured pixel share one encoded transparent PNG.
    static func writeRasters(outDir: String, web: String, extent: BBox, latitude: Double, minZoom: Int, progress: Progress, out: inout Output) throws -> [[String: Any]] {
        let fm = FileManager.default
        let grids = gridFiles(outDir)
        let final = (web as NSString).appendingPathComponent("raster")
        let tmp = final + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: tmp)
        progress.begin("web raster tiles")
        let blank = try WebRaster.encodePNG(width: 256, height: 256, rgba: [UInt8](repeating: 0, count: 256 * 256 * 4))
        let jobs = ParallelResults<RasterDone>(grids.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, grids.count))
        final class Counter: @unchecked Sendable { var next = 0, done = 0; let lock = NSLock() }
        let counter = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            // One PROJ transformer per worker and CRS (creating one from WKT takes a database search).
            var transformers: [String: ProjTransformer] = [:]
            while true {
                counter.lock.lock(); let gi = counter.next; counter.next += 1; counter.lock.unlock()
                guard gi < grids.count else { return }
                jobs.set(gi, Result { try rasterTiles(grids[gi], tmp: tmp, extent: extent, latitude: latitude, minZoom: minZoom, blank: blank, transformers: &transformers) })
                counter.lock.lock(); counter.done += 1; let d = counter.done; counter.lock.unlock()
                progress.update(d, of: grids.count)
            }
        }
        let done: [RasterDone]
        do { done = try jobs.values() } catch { try? fm.removeItem(atPath: tmp); throw error }
        progress.end()
        var entries: [[String: Any]] = []
        for d in done {
            entries.append(["id": d.name, "title": d.title, "tiles": "raster/\(d.name)/{z}/{x}/{y}.png", "minzoom": minZoom, "maxzoom": d.maxZoom,
                            "legend": d.legend, "cell_m": d.cell])
            out.grids += 1
            out.pngTiles += d.tiles
        }
        try? fm.removeItem(atPath: final)
        if grids.isEmpty { return [] }
        guard rename(tmp, final) == 0 else { throw PipelineError.output(path: final, message: "cannot move \(tmp) into place: \(String(cString: strerror(errno)))") }
        return entries
    }

    /// One grid's tiles, every zoom, without GDAL's warper: the grid is read once; at the highest zoom each tile's
    /// pixel centres are mapped to the grid (PROJ on a 17 × 17 lattice of every 16th pixel, bilinear in between:
    /// well under a pixel for these projections, as GDAL's approximate transformer) and take the value of the cell
    /// holding them (nearest, as before); each lower zoom is the 2 × 2 mean of the one above (no-data ignored; the
    /// maximum for the categorical grids), which is GDAL's `average` of the cells to within the pixel edges.
    static func rasterTiles(_ g: String, tmp: String, extent: BBox, latitude: Double, minZoom: Int, blank: [UInt8], transformers: inout [String: ProjTransformer]) throws -> RasterDone {
        let fm = FileManager.default
        let name = ((g as NSString).lastPathComponent as NSString).deletingPathExtension
        var tRead = 0.0, tSample = 0.0, tColor = 0.0, tPNG = 0.0, tWrite = 0.0
        var clock = Date()
        func lap(_ acc: inout Double) { if StepTimer.enabled { let now = Date(); acc += now.timeIntervalSince(clock); clock = now } }
        // The grid as real values (NaN: no data).
        let b = try RasterIO.readBand(path: g)
        let gt = b.geoTransform
        guard gt.count == 6, gt[2] == 0, gt[4] == 0, gt[1] != 0, gt[5] != 0 else {
            throw PipelineError.input(file: g, layer: nil, message: "the grid is rotated or has no geotransform; web raster tiles need a north-up grid")
        }
        var cells = [Float](repeating: .nan, count: b.width * b.height)
        var lo = Double.infinity, hi = -Double.infinity
        for i in cells.indices {
            let v = b.values[i]
            if v.isNaN || v == b.noData { continue }
            let r = v * b.scale + b.offset
            cells[i] = Float(r); lo = min(lo, r); hi = max(hi, r)
        }
        let cellM = abs(gt[1])
        let ramp = WebColorRamp.forGrid(name, minValue: lo, maxValue: hi)
        let maxZoom = WebTiling.rasterMaxZoom(extent: extent, latitude: latitude, cellM: cellM, minZoom: minZoom)
        let categorical = name == "park_service" || name == "built_up"
        let toGrid: ProjTransformer
        if let t = transformers[b.crsWKT] { toGrid = t } else { toGrid = try ProjTransformer(from: "EPSG:3857", to: b.crsWKT); transformers[b.crsWKT] = toGrid }
        let gw = b.width, gh = b.height
        lap(&tRead)
        var n = 0
        // Values of the tile block of the zoom above (and its first pixel column and row, global).
        var above: (values: [Float], w: Int, h: Int, x0: Int, y0: Int)? = nil
        for z in stride(from: maxZoom, through: minZoom, by: -1) {
            let r = WebTiling.tileRange(extent, zoom: z)
            let w = r.x.count * 256, h = r.y.count * 256, x0 = r.x.lowerBound * 256, y0 = r.y.lowerBound * 256
            var vals = [Float](repeating: .nan, count: w * h)
            if let a = above {
                for py in 0..<h {
                    let ay = 2 * (y0 + py) - a.y0
                    guard ay >= 0, ay + 1 < a.h else { continue }
                    for px in 0..<w {
                        let ax = 2 * (x0 + px) - a.x0
                        guard ax >= 0, ax + 1 < a.w else { continue }
                        var s: Float = 0, k: Float = 0, m = -Float.infinity
                        @inline(__always) func add(_ v: Float) { if !v.isNaN { s += v; k += 1; m = max(m, v) } }
                        let o = ay * a.w + ax
                        add(a.values[o]); add(a.values[o + 1]); add(a.values[o + a.w]); add(a.values[o + a.w + 1])
                        if k > 0 { vals[py * w + px] = categorical ? m : s / k }
                    }
                }
            } else {
                let step = 16, nodes = 256 / step + 1
                for (ix, tx) in r.x.enumerated() {
                    for (iy, ty) in r.y.enumerated() {
                        let tb = WebTiling.tileBounds(z: z, x: tx, y: ty)
                        var xs = [Double](), ys = [Double]()
                        xs.reserveCapacity(nodes * nodes); ys.reserveCapacity(nodes * nodes)
                        for j in 0..<nodes { for i in 0..<nodes {
                            xs.append(tb.minX + (Double(i * step) + 0.5) * tb.width / 256); ys.append(tb.maxY - (Double(j * step) + 0.5) * tb.height / 256)
                        } }
                        try toGrid.transform(&xs, &ys)
                        // Lattice → fractional cell coordinates.
                        for k in xs.indices { xs[k] = (xs[k] - gt[0]) / gt[1]; ys[k] = (ys[k] - gt[3]) / gt[5] }
                        // Per pixel row: the lattice columns interpolated to the row, then linear along it.
                        var rowX = [Double](repeating: 0, count: nodes), rowY = [Double](repeating: 0, count: nodes)
                        cells.withUnsafeBufferPointer { cp in
                            vals.withUnsafeMutableBufferPointer { vp in
                                for py in 0..<256 {
                                    let j = min(py / step, nodes - 2), fy = Double(py - j * step) / Double(step)
                                    for i in 0..<nodes {
                                        let a = j * nodes + i
                                        rowX[i] = xs[a] + (xs[a + nodes] - xs[a]) * fy; rowY[i] = ys[a] + (ys[a + nodes] - ys[a]) * fy
                                    }
                                    let base = (iy * 256 + py) * w + ix * 256
                                    for i in 0..<(nodes - 1) {
                                        let x0 = rowX[i], dx = (rowX[i + 1] - x0) / Double(step), y0 = rowY[i], dy = (rowY[i + 1] - y0) / Double(step)
                                        for k in 0..<step {
                                            let cx = x0 + dx * Double(k), cy = y0 + dy * Double(k)
                                            guard cx >= 0, cy >= 0 else { continue }
                                            let col = Int(cx), row = Int(cy)
                                            guard col < gw, row < gh else { continue }
                                            vp[base + i * step + k] = cp[row * gw + col]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            lap(&tSample)
            var tile = [Float](repeating: .nan, count: 65_536)
            for (ix, x) in r.x.enumerated() {
                let dir = "\(tmp)/\(name)/\(z)/\(x)"
                do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch { throw PipelineError.output(path: dir, message: "\(error)") }
                for (iy, y) in r.y.enumerated() {
                    var empty = true
                    for row in 0..<256 {
                        let src = (iy * 256 + row) * w + ix * 256
                        for col in 0..<256 { let v = vals[src + col]; tile[row * 256 + col] = v; if !v.isNaN { empty = false } }
                    }
                    var png = blank
                    if !empty {
                        let rgba = ramp.colorize(tile)
                        var any = false
                        var i = 3
                        while i < rgba.count { if rgba[i] != 0 { any = true; break }; i += 4 }
                        lap(&tColor)
                        if any { png = try WebRaster.encodePNG(width: 256, height: 256, rgba: rgba, level: 1) }
                        lap(&tPNG)
                    }
                    let path = "\(dir)/\(y).png"
                    try writeFile(path, png)
                    lap(&tWrite)
                    n += 1
                }
            }
            above = (vals, w, h, x0, y0)
        }
        StepTimer.report("web", String(format: "  %@ z%d–%d: read %.2f sample %.2f colour %.2f png %.2f write %.2f", name, minZoom, maxZoom, tRead, tSample, tColor, tPNG, tWrite),
                         tRead + tSample + tColor + tPNG + tWrite)
        return RasterDone(name: name, title: ramp.title, maxZoom: maxZoom, legend: ramp.legend, cell: cellM, tiles: n)
    }

    /// Writes a whole file with POSIX calls (no temporary: the folder it is in is renamed into place when complete).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PipelineError.output(path: path, message: "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            guard n > 0 else { throw PipelineError.output(path: path, message: "cannot write: \(String(cString: strerror(errno)))") }
            off += n
        }
    }

    static func folderBytes(_ dir: String) -> Int {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return 0 }
        var n = 0
        while let f = e.nextObject() as? String {
            n += ((try? FileManager.default.attributesOfItem(atPath: (dir as NSString).appendingPathComponent(f))[.size]) as? NSNumber)?.intValue ?? 0
        }
        return n
    }

    /// The folder holding the viewer's libraries (`maplibre-gl.js`, `Cesium/Cesium.js`): `explicit`, else
    /// `$CIMBASE_WEB_VENDOR`, else `web/vendor` in the current folder or above the executable (a build in the
    /// repository); nil when none holds maplibre-gl.js.
    public static func vendorFolder(explicit: String?, executable: String) -> String? {
        var candidates: [String] = []
        if let e = explicit { candidates.append(e) }
        if let e = ProcessInfo.processInfo.environment["CIMBASE_WEB_VENDOR"], !e.isEmpty { candidates.append(e) }
        candidates.append((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent("web/vendor"))
        var d = (URL(fileURLWithPath: executable).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        for _ in 0..<5 { candidates.append((d as NSString).appendingPathComponent("web/vendor")); d = (d as NSString).deletingLastPathComponent }
        return candidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("maplibre-gl.js")) }
    }

    /// The one-line summary of the stage.
    public static func summary(_ o: Output, outDir: String) -> String {
        func g(_ v: Int) -> String {
            let s = String(v.magnitude)
            var out = ""
            for (i, ch) in s.enumerated() { if i > 0 && (s.count - i) % 3 == 0 { out += "," }; out.append(ch) }
            return (v < 0 ? "-" : "") + out
        }
        func n(_ k: String) -> String { g(o.features[k] ?? 0) }
        return String(format: "web         zones %@ · gaps %@ parts · facilities %@ · walk %@ pieces · vector z%d–%d %.1f MB (MBTiles %.1f MB) · %d grids, %@ PNG tiles  %.1f s → %@",
                      n("zones"), n("gaps"), n("facilities"), n("walk"), o.zooms.lowerBound, o.zooms.upperBound,
                      Double(o.vectorBytes) / 1e6, Double(o.mbtilesBytes) / 1e6, o.grids, g(o.pngTiles), o.seconds, o.index)
    }
}
