import CityModel
import Foundation
import GeoBridge
import Scoring

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
        for l in ["buildings", "roads", "zones", "facilities", "green"] where base.layerNames.contains(l) {
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

        progress.begin("web vector tiles")
        let vectorDir = (web as NSString).appendingPathComponent("vector")
        let mbtiles = (web as NSString).appendingPathComponent("city.mbtiles")
        let writer = try VectorTileWriter(directory: vectorDir, mbtiles: mbtiles, crs: crs, minZoom: zooms.lowerBound, maxZoom: zooms.upperBound,
                                          name: "cimbase", description: "CIMBase city checkup: zones with indicators, gaps, facilities, walk network")
        // Zones.
        let zoneIndicators = indicatorOrder.filter { id in zoneRows.values.contains { $0.contains { $0.indicator == id } } }
        let zoneFields = [FieldDef("zone_id", .string, ""), FieldDef("zone_name", .string, ""), FieldDef("level", .string, ""), FieldDef("area_m2", .real, "")]
            + zoneIndicators.map { FieldDef($0, .real, "") }
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
        try writePolygons(writer, name: "zones", fields: zoneFields, rows: zones, zooms: zooms, out: &out,
                          description: "zones (districts, sub-districts) with every indicator value of the zone")

        // Gaps: walk gaps per category, pipe gaps; one feature per polygon part.
        let gapFields = [FieldDef("kind", .string, "walk or pipe"), FieldDef("category", .string, ""), FieldDef("threshold_m", .real, ""),
                         FieldDef("area_m2", .real, "this part"), FieldDef("category_area_m2", .real, "all parts of the category"),
                         FieldDef("buildings", .integer, "residential buildings beyond the threshold (whole category)"),
                         FieldDef("residents", .real, "their residents (whole category)")]
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
        try writePolygons(writer, name: "gaps", fields: gapFields, rows: gaps, zooms: zooms, out: &out,
                          description: "walk gaps (residential area beyond the category's threshold) and pipe gaps, one feature per part")

        // Facilities.
        var facilityCategories: [String] = []
        try writer.begin(VectorTileLayer(name: "facilities", geometryType: "Point", fields: [FieldDef("id", .integer64, ""), FieldDef("category", .string, ""), FieldDef("name", .string, "")],
                                         minZoom: zooms.lowerBound, maxZoom: zooms.upperBound, description: "facilities by category"))
        var nFac = 0
        if base.layerNames.contains("facilities") {
            try base.layer("facilities").forEach { f in
                guard let g = try f.geometry() else { return }
                let cat = f.value("category").string ?? ""
                if !facilityCategories.contains(cat) { facilityCategories.append(cat) }
                try writer.write(FeatureRow(geometry: g, values: [f.value("id"), .string(cat), f.value("name")]))
                nFac += 1
            }
        }
        out.features["facilities"] = nFac

        // Walk network coloured by distance.
        let walkGrids = gridFiles(outDir).filter { ($0 as NSString).lastPathComponent.hasPrefix("walk_") }
        let walkMinZoom = max(zooms.lowerBound, zooms.upperBound - 3)
        let walkCats = walkGrids.map { String((($0 as NSString).lastPathComponent as NSString).deletingPathExtension.dropFirst(5)) }
        if base.layerNames.contains("roads") {
            try writeWalk(writer, base: base, grids: walkGrids, categories: walkCats, zooms: walkMinZoom...zooms.upperBound, out: &out)
        }
        progress.update(1, of: 2)
        try writer.commit()
        progress.end()
        // Every tile inside the data's box exists (a 0-byte file is a valid empty vector tile), so a static server
        // never answers 404 to the map (MapLibre reports those as errors).
        for z in zooms {
            let r = WebTiling.tileRange(merc, zoom: z)
            for x in r.x {
                let dir = "\(vectorDir)/\(z)/\(x)"
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for y in r.y where !fm.fileExists(atPath: "\(dir)/\(y).pbf") { _ = fm.createFile(atPath: "\(dir)/\(y).pbf", contents: Data()) }
            }
        }
        out.vectorBytes = folderBytes(vectorDir)
        out.mbtilesBytes = ((try? fm.attributesOfItem(atPath: mbtiles)[.size]) as? NSNumber)?.intValue ?? 0

        // Raster tiles of the grids.
        let rasters = try writeRasters(outDir: outDir, web: web, extent: merc, latitude: lat, minZoom: zooms.lowerBound, progress: progress, out: &out)

        // data.json and the page.
        let tilesetRel = fm.fileExists(atPath: path("tiles/buildings/tileset.json")) ? "../tiles/buildings/tileset.json" : nil
        var indicators: [[String: Any]] = []
        for id in indicatorOrder {
            guard let r = indicatorInfo[id] else { continue }
            let vs = zones.compactMap { z -> Double? in zoneValues[z.values[0].string ?? ""]?[id] }
            var e: [String: Any] = ["id": id, "name_zh": r.nameZh, "name_en": r.nameEn, "unit": r.unit, "direction": r.direction.rawValue,
                                    "zones": zoneIndicators.contains(id)]
            if let lo = vs.min(), let hi = vs.max() { e["min"] = lo; e["max"] = hi }
            if let c = table?.rows.first(where: { $0.indicator == id && $0.zoneID.isEmpty }), let v = c.value, v.isFinite { e["city"] = v }
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
        out.seconds = Date().timeIntervalSince(t0)
        return out
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

    /// A polygon layer and its `<name>_points` companion (one point on the surface of each polygon, same properties).
    static func writePolygons(_ w: VectorTileWriter, name: String, fields: [FieldDef], rows: [(geometry: Geometry, values: [FieldValue])],
                              zooms: ClosedRange<Int>, out: inout Output, description: String) throws {
        try w.begin(VectorTileLayer(name: name, geometryType: "MultiPolygon", fields: fields, minZoom: zooms.lowerBound, maxZoom: zooms.upperBound, description: description))
        for r in rows { try w.write(FeatureRow(geometry: r.geometry, values: r.values)) }
        out.features[name] = rows.count
        try w.begin(VectorTileLayer(name: name + "_points", geometryType: "Point", fields: fields, minZoom: zooms.lowerBound, maxZoom: zooms.upperBound,
                                    description: "one point on the surface of each feature of \(name), so none vanishes at low zoom"))
        var n = 0
        for r in rows {
            guard let p = OGRGeometryOps.pointOnSurface(r.geometry) ?? parts(r.geometry).first.map({ $0.centroid }) else { continue }
            try w.write(FeatureRow(geometry: .point(p), values: r.values)); n += 1
        }
        out.features[name + "_points"] = n
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
    static func writeWalk(_ w: VectorTileWriter, base: VectorDataset, grids: [String], categories: [String], zooms: ClosedRange<Int>, out: inout Output) throws {
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
        try w.begin(VectorTileLayer(name: "walk", geometryType: "LineString", fields: [FieldDef("length_m", .real, "")] + categories.map { FieldDef("d_\($0)", .real, "") },
                                    minZoom: zooms.lowerBound, maxZoom: zooms.upperBound, description: "walkable streets with the walking distance (m) to each category"))
        for (i, p) in pieces.enumerated() {
            var vals: [FieldValue] = [.real(p.length)]
            for c in columns { vals.append(c[i].isNaN ? .null : .real(c[i])) }
            try w.write(FeatureRow(geometry: .lineString(p), values: vals))
        }
        out.features["walk"] = pieces.count
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

    /// PNG tiles of every grid; returns the raster entries of data.json.
    static func writeRasters(outDir: String, web: String, extent: BBox, latitude: Double, minZoom: Int, progress: Progress, out: inout Output) throws -> [[String: Any]] {
        let fm = FileManager.default
        let grids = gridFiles(outDir)
        let final = (web as NSString).appendingPathComponent("raster")
        let tmp = final + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: tmp)
        var entries: [[String: Any]] = []
        progress.begin("web raster tiles")
        for (gi, g) in grids.enumerated() {
            let name = ((g as NSString).lastPathComponent as NSString).deletingPathExtension
            let d = try WebRaster.describe(path: g)
            let ramp = WebColorRamp.forGrid(name, minValue: d.min, maxValue: d.max)
            let maxZoom = WebTiling.rasterMaxZoom(extent: extent, latitude: latitude, cellM: d.cell, minZoom: minZoom)
            let categorical = name == "park_service" || name == "built_up"
            for z in minZoom...maxZoom {
                let r = WebTiling.tileRange(extent, zoom: z)
                let nw = WebTiling.tileBounds(z: z, x: r.x.lowerBound, y: r.y.lowerBound), se = WebTiling.tileBounds(z: z, x: r.x.upperBound, y: r.y.upperBound)
                let window = BBox(minX: nw.minX, minY: se.minY, maxX: se.maxX, maxY: nw.maxY)
                let w = r.x.count * 256, h = r.y.count * 256
                let warped = try WebRaster.warpToWebMercator(path: g, window: window, width: w, height: h,
                                                             resampling: z == maxZoom || categorical ? "near" : "average")
                var tile = [Float](repeating: .nan, count: 65_536)
                for (ix, x) in r.x.enumerated() {
                    let dir = "\(tmp)/\(name)/\(z)/\(x)"
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    for (iy, y) in r.y.enumerated() {
                        for row in 0..<256 {
                            let src = (iy * 256 + row) * w + ix * 256
                            for col in 0..<256 { tile[row * 256 + col] = warped.values[src + col] }
                        }
                        try WebRaster.writePNG(path: "\(dir)/\(y).png", width: 256, height: 256, rgba: ramp.colorize(tile))
                        out.pngTiles += 1
                    }
                }
            }
            entries.append(["id": name, "title": ramp.title, "tiles": "raster/\(name)/{z}/{x}/{y}.png", "minzoom": minZoom, "maxzoom": maxZoom,
                            "legend": ramp.legend, "cell_m": d.cell])
            out.grids += 1
            progress.update(gi + 1, of: grids.count)
        }
        progress.end()
        try? fm.removeItem(atPath: final)
        if grids.isEmpty { return [] }
        guard rename(tmp, final) == 0 else { throw PipelineError.output(path: final, message: "cannot move \(tmp) into place: \(String(cString: strerror(errno)))") }
        return entries
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
