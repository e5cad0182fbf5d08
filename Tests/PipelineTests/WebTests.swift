import CityModel
import Foundation
import GeoBridge
import Scoring
import Testing
import TestSupport
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

// MARK: the server

/// A raw HTTP/1.1 exchange over a socket (no client library that would normalise the path or follow redirects).
func rawHTTP(port: UInt16, _ request: String) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET); addr.sin_port = port.bigEndian; addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    try #require(ok == 0)
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    var all: [UInt8] = [], buf = [UInt8](repeating: 0, count: 65536)
    while true { let n = recv(fd, &buf, buf.count, 0); if n <= 0 { break }; all += buf[0..<n] }
    let end = try #require(WebServer.headEnd(all))
    let head = String(decoding: all[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let status = Int(head[0].split(separator: " ")[1]) ?? 0
    var h: [String: String] = [:]
    for l in head.dropFirst() { if let c = l.firstIndex(of: ":") { h[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces) } }
    return (status, h, Array(all[(end + 4)...]))
}

@Suite struct WebServerTests {
    /// A served folder: a 1000-byte file of known bytes, a folder with index.html, a symlink to a folder outside.
    static func fixture() throws -> (dir: String, data: [UInt8], server: WebServer) {
        let dir = tempDir("webserver-\(UUID().uuidString)")
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try Data(data).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try "<p>index</p>".write(toFile: dir + "/sub/index.html", atomically: true, encoding: .utf8)
        try "中文".write(toFile: dir + "/sub/名称 1.txt", atomically: true, encoding: .utf8)
        let outside = tempDir("webserver-outside-\(UUID().uuidString)")
        try "secret".write(toFile: outside + "/secret.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/escape", withDestinationPath: outside)
        let s = try WebServer(root: dir, port: 0)
        s.start()
        return (dir, data, s)
    }

    @Test func wholeFileAndHead() throws {
        let (_, data, s) = try Self.fixture()
        defer { s.stop() }
        let r = try rawHTTP(port: s.port, "GET /a.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(r.status == 200)
        #expect(r.body == data)
        #expect(r.headers["accept-ranges"] == "bytes")
        #expect(r.headers["content-length"] == "1000")
        let h = try rawHTTP(port: s.port, "HEAD /a.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(h.status == 200 && h.body.isEmpty && h.headers["content-length"] == "1000")
        let u = try rawHTTP(port: s.port, "GET /sub/%E5%90%8D%E7%A7%B0%201.txt HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(u.status == 200 && String(decoding: u.body, as: UTF8.self) == "中文")
        #expect(u.headers["content-type"] == "text/plain; charset=utf-8")
    }

    @Test(arguments: [
        ("bytes=10-19", 10, 19), ("bytes=990-", 990, 999), ("bytes=-5", 995, 999), ("bytes=995-2000", 995, 999),
        ("bytes=0-0", 0, 0), ("bytes=-2000", 0, 999),
    ])
    func ranges(_ spec: String, _ lo: Int, _ hi: Int) throws {
        let (_, data, s) = try Self.fixture()
        defer { s.stop() }
        let r = try rawHTTP(port: s.port, "GET /a.bin HTTP/1.1\r\nRange: \(spec)\r\nConnection: close\r\n\r\n")
        #expect(r.status == 206)
        #expect(r.headers["content-range"] == "bytes \(lo)-\(hi)/1000")
        #expect(r.headers["content-length"] == "\(hi - lo + 1)")
        #expect(r.body == Array(data[lo...hi]))
    }

    @Test func unsatisfiableRanges() throws {
        let (_, _, s) = try Self.fixture()
        defer { s.stop() }
        for spec in ["bytes=1000-", "bytes=5000-6000", "bytes=-0"] {
            let r = try rawHTTP(port: s.port, "GET /a.bin HTTP/1.1\r\nRange: \(spec)\r\nConnection: close\r\n\r\n")
            #expect(r.status == 416, "\(spec)")
            #expect(r.headers["content-range"] == "bytes */1000", "\(spec)")
        }
        // Malformed or multiple ranges are ignored (RFC 9110): the whole file.
        for spec in ["bytes=abc", "bytes=5-1", "items=0-1", "bytes=0-1,5-6"] {
            let r = try rawHTTP(port: s.port, "GET /a.bin HTTP/1.1\r\nRange: \(spec)\r\nConnection: close\r\n\r\n")
            #expect(r.status == 200 && r.body.count == 1000, "\(spec)")
        }
    }

    @Test func refusesPathsOutsideTheFolder() throws {
        let (_, _, s) = try Self.fixture()
        defer { s.stop() }
        for target in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/sub/../../etc/passwd", "/escape/secret.txt", "/sub/..%2f..%2fetc/passwd",
                       "/a.bin%00.html", "etc/passwd", "/.%2e/etc/passwd"] {
            let r = try rawHTTP(port: s.port, "GET \(target) HTTP/1.1\r\nConnection: close\r\n\r\n")
            #expect(r.status == 403, "\(target) → \(r.status)")
            #expect(!String(decoding: r.body, as: UTF8.self).contains("secret") && !String(decoding: r.body, as: UTF8.self).contains("root:"))
        }
        #expect(try rawHTTP(port: s.port, "GET /missing HTTP/1.1\r\nConnection: close\r\n\r\n").status == 404)
        let d = try rawHTTP(port: s.port, "GET /sub HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(d.status == 301 && d.headers["location"] == "/sub/")
        let i = try rawHTTP(port: s.port, "GET /sub/?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(i.status == 200 && String(decoding: i.body, as: UTF8.self) == "<p>index</p>")
        #expect(try rawHTTP(port: s.port, "POST /a.bin HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").status == 405)
        #expect(try rawHTTP(port: s.port, "garbage\r\n\r\n").status == 400)
    }

    @Test func keepAliveAnswersSeveralRequests() throws {
        let (_, data, s) = try Self.fixture()
        defer { s.stop() }
        let r = try rawHTTP(port: s.port, "GET /a.bin HTTP/1.1\r\nRange: bytes=0-9\r\n\r\nGET /a.bin HTTP/1.1\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n")
        #expect(r.status == 206)
        // The first body, then the second response.
        let second = String(decoding: r.body[10...], as: UTF8.self)
        #expect(Array(r.body[0..<10]) == Array(data[0..<10]))
        #expect(second.hasPrefix("HTTP/1.1 206") && second.contains("Content-Range: bytes 10-19/1000"))
    }

    @Test func mountsServeTheLibrariesWhenTheFolderLacksThem() throws {
        let root = tempDir("webserver-mount-root"), lib = tempDir("webserver-mount-lib")
        try FileManager.default.createDirectory(atPath: root + "/web", withIntermediateDirectories: true)
        try "lib".write(toFile: lib + "/maplibre-gl.js", atomically: true, encoding: .utf8)
        let s = try WebServer(root: root, mounts: [("/web/vendor/", lib)], port: 0)
        s.start()
        defer { s.stop() }
        let r = try rawHTTP(port: s.port, "GET /web/vendor/maplibre-gl.js HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self) == "lib")
        #expect(r.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(try rawHTTP(port: s.port, "GET /web/vendor/../../etc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n").status == 403)
    }

    @Test func portInUseIsAClearError() throws {
        let a = try WebServer(root: tempDir("webserver-port"), port: 0)
        defer { a.stop() }
        #expect(throws: PipelineError.self) { _ = try WebServer(root: tempDir("webserver-port2"), port: a.port) }
        #expect(throws: PipelineError.self) { _ = try WebServer(root: "/nonexistent/folder", port: 0) }
    }

    @Test func parseRangeTable() {
        #expect(WebServer.parseRange(nil, size: 10) == .whole)
        #expect(WebServer.parseRange("bytes=2-4", size: 10) == .partial(lower: 2, upper: 4))
        #expect(WebServer.parseRange("bytes=0-", size: 0) == .unsatisfiable)
        #expect(WebServer.parseRange("bytes=-3", size: 10) == .partial(lower: 7, upper: 9))
        #expect(WebServer.parseRange("bytes=99999999999999999999-", size: 10) == .whole)
        #expect(WebServer.parseRange("bytes= 3 - 5", size: 10) == .partial(lower: 3, upper: 5))
    }
}

// MARK: tiling arithmetic

@Suite struct WebTilingTests {
    @Test func tileBoundsAndRanges() {
        let s = WebTiling.originShift
        // Hand goldens: zoom 1 tile (0, 0) is the north-west quarter; zoom 0 is the whole square.
        #expect(WebTiling.tileBounds(z: 1, x: 0, y: 0) == BBox(minX: -s, minY: 0, maxX: 0, maxY: s))
        #expect(WebTiling.tileBounds(z: 0, x: 0, y: 0) == BBox(minX: -s, minY: -s, maxX: s, maxY: s))
        // A box is covered by the tiles of its range, and their union is the tight cover.
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let z = Int(rng.next() % 18)
            let x0 = (Double(rng.next() % 1_000_000) / 1_000_000 * 2 - 1) * s * 0.9, y0 = (Double(rng.next() % 1_000_000) / 1_000_000 * 2 - 1) * s * 0.9
            let b = BBox(minX: x0, minY: y0, maxX: x0 + 5000, maxY: y0 + 3000)
            let r = WebTiling.tileRange(b, zoom: z)
            let nw = WebTiling.tileBounds(z: z, x: r.x.lowerBound, y: r.y.lowerBound), se = WebTiling.tileBounds(z: z, x: r.x.upperBound, y: r.y.upperBound)
            #expect(nw.minX <= b.minX && nw.maxY >= b.maxY && se.maxX >= b.maxX && se.minY <= b.minY)
            #expect(nw.maxX > b.minX && se.minX < b.maxX && nw.minY < b.maxY && se.maxY > b.minY)
        }
    }

    @Test func zoomsFromTheExtent() {
        // A 2 km city at 28.7°N: tiles of zoom 14 (2,446 m) hold it → lowest 12. Precision: a tile unit at zoom 13 is
        // 4,892 m / 4096 × cos 28.7° = 1.047 m on the ground (> 1 m), at zoom 14 0.52 m → highest 14.
        let b = BBox(minX: 12_900_000, minY: 3_335_000, maxX: 12_902_000, maxY: 3_337_000)
        #expect(WebTiling.vectorZooms(extent: b, latitude: 28.7) == 12...14)
        // A 60 km region: zoom 9 tiles (78 km) hold it → lowest 7; precision again zoom 14.
        let big = BBox(minX: 12_900_000, minY: 3_335_000, maxX: 12_960_000, maxY: 3_395_000)
        #expect(WebTiling.vectorZooms(extent: big, latitude: 28.7) == 7...14)
        // Raster: 10 m cells at 28.7°N → first zoom with ≤ 10 m pixels: 156,543 m × cos / 2^z ≤ 10 → z = 14 (20 m: 13).
        #expect(WebTiling.rasterMaxZoom(extent: b, latitude: 28.7, cellM: 10, minZoom: 12) == 14)
        #expect(WebTiling.rasterMaxZoom(extent: b, latitude: 28.7, cellM: 20, minZoom: 12) == 13)
        // A pixel budget of 10 tiles caps the zoom: at zoom 10 (39.1 km tiles) the region spans columns 841–843 and
        // rows 425–426 (6 tiles), at zoom 11 4 × 4.
        #expect(WebTiling.rasterMaxZoom(extent: big, latitude: 28.7, cellM: 1, minZoom: 7, maxPixels: 10 * 65_536) == 10)
    }

    @Test func rampsColourByClass() {
        let w = WebColorRamp.forGrid("walk_school", minValue: 0, maxValue: 6553.4)
        #expect(w.color(.nan).3 == 0)
        #expect(w.color(300).0 == 26 && w.color(300.1).0 == 145 && w.color(1000).0 == 254 && w.color(1000.1).0 == 244 && w.color(6553.4).0 == 165)
        let g = WebColorRamp.forGrid("green_cover", minValue: 0, maxValue: 1)
        #expect(g.color(0).3 == 0 && g.color(0.01).3 > 0 && g.color(0.9).1 == 90)
        let o = WebColorRamp.forGrid("other", minValue: 0, maxValue: 10)
        #expect(o.steps.count == 5 && o.color(1.9).0 == 68 && o.color(2.1).0 == 59 && o.color(50).0 == 253)
    }

    @Test func splitKeepsTheLineAndBoundsPieces() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<100 {
            var pts: [Vec2] = [Vec2(0, 0)]
            for _ in 0..<(2 + Int(rng.next() % 6)) { pts.append(pts.last! + Vec2(Double(rng.next() % 200), Double(rng.next() % 200) - 100)) }
            let l = LineString(pts)
            let pieces = WebStage.split(l, maxLength: 40)
            #expect(abs(pieces.reduce(0) { $0 + $1.length } - l.length) < 1e-6 * max(1, l.length))
            #expect(pieces.allSatisfy { $0.length <= 40 * (1 + 1e-9) })
            for (a, b) in zip(pieces, pieces.dropFirst()) { #expect(a.points.last == b.points.first) }
        }
        #expect(WebStage.midpoint(LineString([Vec2(0, 0), Vec2(10, 0), Vec2(10, 10)])) == Vec2(10, 0))
    }
}

// MARK: the web outputs of a run

/// One small synthetic city run end to end (shared by the tests below).
enum WebFixture {
    static let dir: String? = {
        let d = tempDir("web-fixture")
        do {
            try SynthStage.run(buildings: 600, seed: 11, outDir: d + "/src", progress: Progress(quiet: true))
            let cfg = try CityConfig.load(path: d + "/src/city.yaml")
            try Stages.runAll(config: cfg, outDir: d + "/out", progress: Progress(quiet: true, summary: { _ in }))
            return d + "/out"
        } catch {
            Issue.record("web fixture: \(error)")
            return nil
        }
    }()
    static var data: [String: Any] {
        get throws {
            let d = try #require(dir)
            return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/web/data.json"))) as? [String: Any])
        }
    }
}

@Suite(.serialized) struct WebStageTests {
    /// Features of a layer decoded from the MVT folder at zoom `z` with GDAL's MVT reader (geometries clipped to
    /// each tile, EPSG:3857).
    func decoded(_ layer: String, zoom z: Int) throws -> [(props: [String: FieldValue], geometry: Geometry)] {
        let d = try #require(WebFixture.dir)
        let ds = try VectorDataset(path: "MVT:\(d)/web/vector/\(z)")
        var out: [(props: [String: FieldValue], geometry: Geometry)] = []
        guard ds.layerNames.contains(layer) else { return [] }
        try ds.layer(layer).forEach { f in
            var p: [String: FieldValue] = [:]
            for (i, fi) in f.fields.enumerated() { p[fi.name] = f.value(i) }
            if let g = try f.geometry() { out.append((p, g)) }
        }
        return out
    }

    func area(_ g: Geometry) -> Double {
        switch g { case .polygon(let p): return p.area; case .multiPolygon(let m): return m.area; default: return 0 }
    }

    @Test func zonesCarryEveryIndicatorAndTheirShape() throws {
        let d = try #require(WebFixture.dir)
        let data = try WebFixture.data
        let maxZ = try #require(data["maxzoom"] as? Int)
        let table = try IndicatorTable.read(at: URL(fileURLWithPath: d + "/indicators.csv"))
        var want: [String: [String: Double?]] = [:]
        for r in table.rows where !r.zoneID.isEmpty { want[r.zoneID, default: [:]][r.indicator] = r.value }
        #expect(want.count >= 2)
        // Reference shapes: base.gpkg's zones, reprojected to EPSG:3857 with PROJ.
        let base = try VectorDataset(path: d + "/base.gpkg")
        let crs = try #require(try base.layer("zones").spatialReference?.wkt)
        let t = try ProjTransformer(from: crs, to: "EPSG:3857")
        var refArea: [String: Double] = [:], refPerimeter: [String: Double] = [:]
        try base.layer("zones").forEach { f in
            guard case .multiPolygon(let m)? = try f.geometry() else { return }
            var a = 0.0, per = 0.0
            for p in m.polygons {
                var rings: [[Vec2]] = []
                for r in p.rings {
                    var xs = r.map(\.x), ys = r.map(\.y)
                    try t.transform(&xs, &ys)
                    rings.append(zip(xs, ys).map { Vec2($0, $1) })
                }
                let q = Polygon(rings)
                a += q.area; per += q.perimeter
            }
            refArea[f.value("zone_id").string ?? ""] = a; refPerimeter[f.value("zone_id").string ?? ""] = per
        }
        let pieces = try decoded("zones", zoom: maxZ)
        var gotArea: [String: Double] = [:]
        for p in pieces {
            let id = try #require(p.props["zone_id"]?.string)
            gotArea[id, default: 0] += area(p.geometry)
            // Every indicator of the zone is a property with the table's value (NULL where not computed).
            for (ind, v) in try #require(want[id]) {
                if let v { #expect(abs((p.props[ind]?.real ?? .nan) - v) <= 1e-9 * max(1, abs(v)), "\(id) \(ind)") } else { #expect(p.props[ind]?.isNull ?? true, "\(id) \(ind)") }
            }
        }
        #expect(Set(gotArea.keys) == Set(refArea.keys))
        // Within tile precision: the grid unit (tile / 4096) times the perimeter.
        let unit = WebTiling.tileSize(maxZ) / 4096
        for (id, a) in refArea {
            let got = try #require(gotArea[id])
            #expect(abs(got - a) <= unit * (refPerimeter[id] ?? 0) + 1, "zone \(id): \(got) vs \(a) m² (Web Mercator)")
        }
    }

    @Test func noPolygonVanishesAtLowZoom() throws {
        let d = try #require(WebFixture.dir)
        let data = try WebFixture.data
        let minZ = try #require(data["minzoom"] as? Int)
        // Every zone and every gap part has its point at the lowest zoom, whatever its size there.
        let zonePts = Set(try decoded("zones_points", zoom: minZ).compactMap { $0.props["zone_id"]?.string })
        let base = try VectorDataset(path: d + "/base.gpkg")
        var zoneIDs: Set<String> = []
        try base.layer("zones").forEach { zoneIDs.insert($0.value("zone_id").string ?? "") }
        #expect(zonePts == zoneIDs)
        var parts: [String] = []
        try VectorDataset(path: d + "/walk.gpkg").layer("walk_gaps").forEach { f in
            for p in WebStage.parts(try f.geometry()!) { parts.append("\(f.value("category").string ?? "") \(String(format: "%.3f", p.area))") }
        }
        let pts = try decoded("gaps_points", zoom: minZ).filter { $0.props["kind"]?.string == "walk" }
            .map { "\($0.props["category"]?.string ?? "") \(String(format: "%.3f", $0.props["area_m2"]?.real ?? -1))" }
        #expect(!parts.isEmpty)
        #expect(pts.sorted() == parts.sorted(), "\(pts.count) points for \(parts.count) gap parts")
    }

    @Test func facilitiesAndMBTiles() throws {
        let d = try #require(WebFixture.dir)
        let data = try WebFixture.data
        let maxZ = try #require(data["maxzoom"] as? Int)
        var want: [String] = []
        try VectorDataset(path: d + "/base.gpkg").layer("facilities").forEach { want.append("\($0.value("id").int ?? -1) \($0.value("category").string ?? "")") }
        let got = try decoded("facilities", zoom: maxZ).map { "\($0.props["id"]?.int ?? -1) \($0.props["category"]?.string ?? "")" }
        #expect(got.sorted() == want.sorted())
        // The MBTiles file holds the same layers (read at its highest zoom).
        let mb = try VectorDataset(path: d + "/web/city.mbtiles")
        for l in ["zones", "zones_points", "gaps", "gaps_points", "facilities", "walk"] { #expect(mb.layerNames.contains(l), "\(l)") }
        // (Iterated: the driver's feature count is the tile statistics' estimate, which counts tile-edge duplicates.)
        var n = 0
        try mb.layer("facilities").forEach { _ in n += 1 }
        #expect(n == want.count)
    }

    @Test func walkNetworkCarriesTheGridDistances() throws {
        let d = try #require(WebFixture.dir)
        let data = try WebFixture.data
        let maxZ = try #require(data["maxzoom"] as? Int)
        let cats = try #require(data["walk_categories"] as? [[String: String]]).compactMap { $0["id"] }
        #expect(!cats.isEmpty)
        let band = try RasterIO.readBand(path: d + "/grids/walk_\(cats[0]).tif")
        let pieces = try decoded("walk", zoom: maxZ)
        #expect(pieces.count > 50)
        // Distances are metres at the grid's resolution, −1 beyond the cutoff, or NULL off the walk grid.
        let vals = pieces.compactMap { $0.props["d_\(cats[0])"]?.real }
        #expect(vals.count > pieces.count / 2)
        #expect(vals.allSatisfy { $0 == -1 || ($0 >= 0 && $0 <= 6553.4) })
        // Every value is one of the grid's values.
        var gridValues: Set<Int> = []
        for v in band.values where v != band.noData { gridValues.insert(Int((v * band.scale * 10).rounded())) }
        #expect(vals.filter { $0 >= 0 }.allSatisfy { gridValues.contains(Int(($0 * 10).rounded())) })
    }

    @Test func rasterTilesColourTheGridCells() throws {
        let d = try #require(WebFixture.dir)
        let data = try WebFixture.data
        let rasters = try #require(data["rasters"] as? [[String: Any]])
        let walk = try #require(rasters.first { ($0["id"] as? String)?.hasPrefix("walk_") == true })
        let id = try #require(walk["id"] as? String), z = try #require(walk["maxzoom"] as? Int)
        #expect((walk["legend"] as? [[String: String]])?.count == 5)
        let grid = try RasterIO.readBand(path: "\(d)/grids/\(id).tif")
        let ramp = WebColorRamp.forGrid(id, minValue: 0, maxValue: 6553.4)
        let toGrid = try ProjTransformer(from: "EPSG:3857", to: grid.crsWKT)
        let tileDir = "\(d)/web/raster/\(id)/\(z)"
        var compared = 0, equal = 0, coloured = 0
        for x in try FileManager.default.contentsOfDirectory(atPath: tileDir) {
            for yf in try FileManager.default.contentsOfDirectory(atPath: "\(tileDir)/\(x)") {
                let y = Int(yf.dropLast(4))!, xi = Int(x)!
                let bands = try (1...4).map { try RasterIO.readBand(path: "\(tileDir)/\(x)/\(yf)", index: $0) }
                let tb = WebTiling.tileBounds(z: z, x: xi, y: y)
                // Pixel centres (every 7th) → the grid's CRS → the cell's value → the ramp's colour: as in the PNG.
                for row in stride(from: 3, to: 256, by: 7) {
                    for col in stride(from: 3, to: 256, by: 7) {
                        var xs = [tb.minX + (Double(col) + 0.5) * tb.width / 256], ys = [tb.maxY - (Double(row) + 0.5) * tb.height / 256]
                        try toGrid.transform(&xs, &ys)
                        let gt = grid.geoTransform
                        let c = Int(((xs[0] - gt[0]) / gt[1]).rounded(.down)), r = Int(((ys[0] - gt[3]) / gt[5]).rounded(.down))
                        var v = Float.nan
                        if c >= 0, r >= 0, c < grid.width, r < grid.height {
                            let s = grid.values[r * grid.width + c]
                            if s != grid.noData { v = Float(s * grid.scale + grid.offset) }
                        }
                        let want = ramp.color(v)
                        let i = row * 256 + col
                        let got = (UInt8(bands[0].values[i]), UInt8(bands[1].values[i]), UInt8(bands[2].values[i]), UInt8(bands[3].values[i]))
                        compared += 1
                        if got.3 > 0 { coloured += 1 }
                        if got == want || (got.3 == 0 && want.3 == 0) { equal += 1 }
                    }
                }
            }
        }
        #expect(compared > 1000 && coloured > compared / 20)
        // Cell edges may fall either way between GDAL's and this lookup's rounding: 99 % agree exactly.
        #expect(Double(equal) >= 0.99 * Double(compared), "\(equal) of \(compared) pixels")
    }

    @Test func pageAndReportLinks() throws {
        let d = try #require(WebFixture.dir)
        let html = try String(contentsOfFile: d + "/web/index.html", encoding: .utf8)
        #expect(html.contains("vendor/maplibre-gl.js") && html.contains("vendor/Cesium/Cesium.js"))
        #expect(html.contains("scripts/install-web-viewer.sh"))
        // The page loads nothing from outside: no URL but the local server's address in its help text.
        #expect(!html.contains("https://"))
        #expect(html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("127.0.0.1:") })
        let report = try String(contentsOfFile: d + "/report.html", encoding: .utf8)
        #expect(report.contains("href=\"web/index.html\""))
        let data = try WebFixture.data
        #expect((data["tileset"] as? String) == "../tiles/buildings/tileset.json")
        let inds = try #require(data["indicators"] as? [[String: Any]])
        #expect(inds.contains { $0["id"] as? String == "green_cov" && $0["name_zh"] as? String == "城市绿化覆盖率" })
    }

    @Test func missingBaseLayerIsAClearError() throws {
        let d = tempDir("web-empty")
        #expect(throws: PipelineError.self) { try WebStage.run(outDir: d, progress: Progress(quiet: true)) }
        do { try WebStage.run(outDir: d, progress: Progress(quiet: true)) } catch { #expect("\(error)".contains("base.gpkg")) }
    }
}

/// The viewer in headless Chromium (scripts/check_viewer.py): map and 3D view render, recolouring, clicks, no request
/// leaves 127.0.0.1.
enum ViewerCheck {
    static let python: String? = {
        let py = Paths.root.appendingPathComponent("scripts/.venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: py), FileManager.default.fileExists(atPath: "/usr/bin/chromium"),
              FileManager.default.fileExists(atPath: "/usr/bin/chromedriver"),
              FileManager.default.fileExists(atPath: Paths.root.appendingPathComponent("web/vendor/maplibre-gl.js").path),
              FileManager.default.fileExists(atPath: Paths.root.appendingPathComponent("web/vendor/Cesium/Cesium.js").path),
              (try? runChildProcess(py, ["-c", "import selenium"]))?.status == 0 else { return nil }
        return py
    }()
    static let reason: Comment = "needs chromium + chromium-driver, selenium in scripts/.venv and web/vendor (scripts/install-web-viewer.sh)"
}

@Suite struct ViewerTests {
    @Test(.enabled(if: ViewerCheck.python != nil && Available.cli, ViewerCheck.reason)) func viewerInHeadlessChromium() throws {
        let d = try #require(WebFixture.dir)
        let (status, out, err) = try runProcess(try #require(ViewerCheck.python), [Paths.root.appendingPathComponent("scripts/check_viewer.py").path, d,
                                                                                  "--cimbase", try #require(Paths.cli), "--shots", tempDir("viewer-shots")])
        #expect(status == 0, "check_viewer: \(out.suffix(4000)) \(err.prefix(3000))")
        #expect(out.contains(" passed, 0 failed"))
    }
}
