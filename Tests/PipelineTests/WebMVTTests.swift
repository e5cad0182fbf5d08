import CityModel
import Foundation
import GeoBridge
import Testing
import TestSupport
@testable import Pipeline

/// Our MVT encoder against the spec's examples, brute-force twins of its clipping, and GDAL's MVT reader (an
/// independent decoder) on a tile set it wrote; the gzip and PNG bytes against GDAL's readers.
@Suite struct WebMVTTests {
    @Test func specExamplesOfGeometryCommands() {
        // vector-tile-spec 2.1 §4.3.5.1–3: Point(25 17) → [9 50 34]; LineString (2 2, 2 10, 10 10) → [9 4 4 18 0 16 16 0];
        // Polygon (3 6, 8 12, 20 34) → [9 6 12 18 10 12 24 44 15].
        var e = GeometryEncoder()
        e.command(1, count: 1); e.delta(25, 17)
        #expect(e.commands == [9, 50, 34])
        let s = MVT.scale(0)
        // A tile at zoom 0 whose origin is the grid origin: points given on the global grid.
        func merc(_ x: Double, _ y: Double) -> Vec2 { Vec2(x / s - WebTiling.originShift, WebTiling.originShift - y / s) }
        let line = MVT.Feature(kind: .line, parts: [[merc(2, 2), merc(2, 10), merc(10, 10)]], values: [])
        #expect(MVT.geometry(line, scale: s, ox: 0, oy: 0) == [9, 4, 4, 18, 0, 16, 16, 0])
        let poly = MVT.Feature(kind: .polygon, parts: [[merc(3, 6), merc(8, 12), merc(20, 34), merc(3, 6)]], ringsPerPolygon: [1], values: [])
        #expect(MVT.geometry(poly, scale: s, ox: 0, oy: 0) == [9, 6, 12, 18, 10, 12, 24, 44, 15])
        // Reversed input: the exterior is made clockwise on screen (positive area) again.
        let rev = MVT.Feature(kind: .polygon, parts: [[merc(3, 6), merc(20, 34), merc(8, 12)]], ringsPerPolygon: [1], values: [])
        let g = MVT.geometry(rev, scale: s, ox: 0, oy: 0)!
        #expect(g.count == 9 && g.last == 15)
        // [MoveTo 1, x, y, LineTo 2, x, y, x, y, ClosePath]: decode the deltas, the ring's area is positive.
        func unzig(_ v: UInt32) -> Int32 { Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1))) }
        var x: Int32 = 0, y: Int32 = 0, ring: [(Int32, Int32)] = []
        for k in [1, 4, 6] { x += unzig(g[k]); y += unzig(g[k + 1]); ring.append((x, y)) }
        #expect(MVT.area2(ring) > 0)
    }

    @Test func ringClipMatchesABruteForceAreaCount() {
        // Random polygons (star-shaped, so simple) clipped by the square: the clipped area equals the area of the
        // polygon inside the square, counted on a fine lattice.
        var rng = SplitMix64(seed: 5)
        for _ in 0..<40 {
            let cx = Double(rng.next() % 200) - 50, cy = Double(rng.next() % 200) - 50
            let n = 5 + Int(rng.next() % 8)
            var ring: [(Double, Double)] = []
            for k in 0..<n {
                let a = Double(k) / Double(n) * 2 * .pi, r = 20 + Double(rng.next() % 60)
                ring.append((cx + r * cos(a), cy + r * sin(a)))
            }
            let c = MVT.clipRing(ring, lo: 0, hi: 100)
            func area(_ r: [(Double, Double)]) -> Double {
                guard r.count >= 3 else { return 0 }
                var s = 0.0
                for i in r.indices { let p = r[i], q = r[(i + 1) % r.count]; s += p.0 * q.1 - q.0 * p.1 }
                return abs(s) / 2
            }
            func inside(_ x: Double, _ y: Double) -> Bool {
                var c = false
                for i in ring.indices {
                    let a = ring[i], b = ring[(i + 1) % ring.count]
                    if (a.1 > y) != (b.1 > y), x < a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1) { c.toggle() }
                }
                return c
            }
            var count = 0
            let step = 0.5
            for i in 0..<200 { for j in 0..<200 { if inside((Double(i) + 0.5) * step, (Double(j) + 0.5) * step) { count += 1 } } }
            let brute = Double(count) * step * step
            #expect(abs(area(c) - brute) <= 0.02 * 10_000 * 0.05 + 0.01 * brute, "clipped \(area(c)) vs lattice \(brute)")
            #expect(c.allSatisfy { $0.0 >= -1e-9 && $0.0 <= 100 + 1e-9 && $0.1 >= -1e-9 && $0.1 <= 100 + 1e-9 })
        }
    }

    @Test func lineClipKeepsExactlyTheInsideLength() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<100 {
            var pts: [(Double, Double)] = []
            for _ in 0..<(2 + Int(rng.next() % 6)) { pts.append((Double(rng.next() % 300) - 100, Double(rng.next() % 300) - 100)) }
            let pieces = MVT.clipLine(pts, lo: 0, hi: 100)
            func len(_ l: [(Double, Double)]) -> Double { zip(l, l.dropFirst()).reduce(0) { $0 + hypot($1.1.0 - $1.0.0, $1.1.1 - $1.0.1) } }
            // Brute force: each segment sampled finely, the inside share of its length.
            var brute = 0.0
            for (a, b) in zip(pts, pts.dropFirst()) {
                let m = 4000, d = hypot(b.0 - a.0, b.1 - a.1)
                var inside = 0
                for k in 0..<m {
                    let t = (Double(k) + 0.5) / Double(m)
                    let x = a.0 + t * (b.0 - a.0), y = a.1 + t * (b.1 - a.1)
                    if x >= 0 && x <= 100 && y >= 0 && y <= 100 { inside += 1 }
                }
                brute += d * Double(inside) / Double(m)
            }
            let got = pieces.reduce(0) { $0 + len($1) }
            #expect(abs(got - brute) <= 0.2, "\(got) vs \(brute)")
            #expect(pieces.allSatisfy { $0.count >= 2 && $0.allSatisfy { $0.0 >= -1e-9 && $0.0 <= 100 + 1e-9 && $0.1 >= -1e-9 && $0.1 <= 100 + 1e-9 } })
        }
    }

    @Test func pointOnSurfaceIsInside() {
        // A U shape whose centroid lies in the notch, and a square with a hole in the middle.
        let u = [Vec2(0, 0), Vec2(30, 0), Vec2(30, 30), Vec2(20, 30), Vec2(20, 10), Vec2(10, 10), Vec2(10, 30), Vec2(0, 30), Vec2(0, 0)]
        let p = try! #require(MVT.pointOnSurface([u]))
        #expect(Polygon([u]).contains(p))
        #expect(!Polygon([u]).contains(Polygon([u]).centroid))
        let sq = [Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)], hole = [Vec2(3, 3), Vec2(3, 7), Vec2(7, 7), Vec2(7, 3)]
        let q = try! #require(MVT.pointOnSurface([sq, hole]))
        #expect(Polygon([sq, hole]).contains(q))
        var rng = SplitMix64(seed: 8)
        for _ in 0..<200 {
            let n = 5 + Int(rng.next() % 10)
            var ring: [Vec2] = []
            for k in 0..<n {
                let a = Double(k) / Double(n) * 2 * .pi, r = 1 + Double(rng.next() % 100)
                ring.append(Vec2(r * cos(a), r * sin(a)))
            }
            let s = try! #require(MVT.pointOnSurface([ring]))
            #expect(Polygon([ring]).contains(s))
        }
        #expect(MVT.pointOnSurface([[Vec2(0, 0), Vec2(1, 1), Vec2(2, 2)]]) == nil)
    }

    @Test func walkLayerStartsWhereItsTilesAreNotTooDense() {
        // 3 × 3 tiles at z11, 6 × 6 at z12 (the box's tile range doubles), 12 × 12 at z13.
        let a = WebTiling.tileBounds(z: 11, x: 1000, y: 800), b = WebTiling.tileBounds(z: 11, x: 1002, y: 802)
        let box = BBox(minX: a.minX + 1, minY: b.minY + 1, maxX: b.maxX - 1, maxY: a.maxY - 1)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 0, extent: box) == 11)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 9 * 16_384, extent: box) == 11)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 9 * 16_384 + 1, extent: box) == 12)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 320_000, extent: box) == 12)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 36 * 16_384 + 1, extent: box) == 13)
        #expect(WebTiling.walkMinZoom(zooms: 8...14, pieces: 1 << 40, extent: box) == 14)
        #expect(WebTiling.walkMinZoom(zooms: 12...13, pieces: 0, extent: box) == 12)
    }

    @Test func gzipAndPNGReadBackWithGDAL() throws {
        #expect(Gzip.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        var rng = SplitMix64(seed: 1)
        let data = (0..<50_000).map { _ in UInt8(rng.next() % 7) }
        let gz = try Gzip.compress(data)
        #expect(gz[0] == 0x1F && gz[1] == 0x8B)
        #expect(try Gzip.inflate(gz) == data)
        // Python's gzip module as the independent reader.
        let d = tempDir("web-mvt-gzip")
        try Data(gz).write(to: URL(fileURLWithPath: d + "/a.gz"))
        try Data(data).write(to: URL(fileURLWithPath: d + "/raw"))
        let py = try runProcess("/usr/bin/python3", ["-c", "import gzip,sys;sys.exit(0 if gzip.open(sys.argv[1]).read()==open(sys.argv[2],'rb').read() else 3)", d + "/a.gz", d + "/raw"])
        #expect(py.0 == 0, "python's gzip reads it back: \(py)")
        var rgba = [UInt8](repeating: 0, count: 256 * 256 * 4)
        for i in 0..<(256 * 256) { rgba[4 * i] = UInt8(i % 256); rgba[4 * i + 1] = UInt8(i / 256); rgba[4 * i + 2] = 7; rgba[4 * i + 3] = i % 3 == 0 ? 0 : 200 }
        let png = try WebRaster.encodePNG(width: 256, height: 256, rgba: rgba)
        try Data(png).write(to: URL(fileURLWithPath: d + "/t.png"))
        for b in 0..<4 {
            let band = try RasterIO.readBand(path: d + "/t.png", index: b + 1)
            #expect(band.width == 256 && band.height == 256)
            #expect((0..<(256 * 256)).allSatisfy { UInt8(band.values[$0]) == rgba[4 * $0 + b] }, "band \(b + 1)")
        }
    }

    /// A tile set of every geometry kind and value type, read back by GDAL's MVT reader from the folder and the
    /// MBTiles: the same features and values, geometry within a tile unit.
    @Test func tileSetReadsBackWithGDAL() throws {
        let d = tempDir("web-mvt-set-\(UUID().uuidString)")
        // Around Beijing, Web Mercator metres.
        let c = Vec2(12_958_000, 4_852_000)
        var pts: [MVT.Feature] = [], lines: [MVT.Feature] = [], polys: [MVT.Feature] = []
        var rng = SplitMix64(seed: 4)
        for i in 0..<300 {
            let p = c + Vec2(Double(rng.next() % 20_000) - 10_000, Double(rng.next() % 20_000) - 10_000)
            pts.append(MVT.Feature(kind: .point, parts: [[p]], values: [.int(Int64(i) - 50), .string("名\(i % 7)"), i % 5 == 0 ? .null : .real(Double(i) / 3)]))
            lines.append(MVT.Feature(kind: .line, parts: [[p, p + Vec2(3000, 10), p + Vec2(3000, 2500)]], values: [.int(Int64(i)), .string("l"), .real(1.5)]))
            let sq = [p, p + Vec2(0, 1500), p + Vec2(1500, 1500), p + Vec2(1500, 0), p]
            let hole = [p + Vec2(500, 500), p + Vec2(1000, 500), p + Vec2(1000, 1000), p + Vec2(500, 1000), p + Vec2(500, 500)]
            polys.append(MVT.Feature(kind: .polygon, parts: [sq, hole], ringsPerPolygon: [2], values: [.int(Int64(i)), .string("p"), .real(-2.25)]))
        }
        let f = ["n", "s", "r"]
        let layers = [MVT.Layer(name: "pts", fields: f, features: pts, zooms: 11...13), MVT.Layer(name: "lines", fields: f, features: lines, zooms: 12...13),
                      MVT.Layer(name: "polys", fields: f, features: polys, zooms: 11...13)]
        let box = BBox(minX: c.x - 12_000, minY: c.y - 12_000, maxX: c.x + 12_000, maxY: c.y + 12_000)
        let r = try VectorTileSet.write(layers: layers, directory: d + "/vector", mbtiles: d + "/t.mbtiles", name: "t", description: "test",
                                        bounds: BBox(minX: 116.3, minY: 39.8, maxX: 116.5, maxY: 40.0), fillBox: box)
        #expect(r.tiles[11]! > 0 && r.tiles[13]! > r.tiles[11]!)
        #expect(!FileManager.default.fileExists(atPath: d + "/lines/11"))
        for z in 11...13 {
            let ds = try VectorDataset(path: "MVT:\(d)/vector/\(z)")
            // Points: each once, values equal, within one tile unit of the input.
            var got: [Int64: (FieldValue, FieldValue, Vec2)] = [:]
            try ds.layer("pts").forEach { feat in
                let p: Vec2
                switch try feat.geometry() {
                case .point(let q)?: p = q
                case .multiPoint(let q)? where q.count == 1: p = q[0]
                case let other: Issue.record("point \(String(describing: other))"); return
                }
                let n = try #require(feat.value("n").int)
                #expect(got[n] == nil, "point \(n) twice at z\(z)")
                got[n] = (feat.value("s"), feat.value("r"), p)
            }
            #expect(got.count == 300)
            let unit = WebTiling.tileSize(z) / 4096
            for (i, p) in pts.enumerated() {
                let g = try #require(got[Int64(i) - 50])
                #expect(g.0.string == p.values[1].string)
                if let want = p.values[2].real { #expect(abs((g.1.real ?? .nan) - want) < 1e-12) } else { #expect(g.1.isNull) }
                #expect(abs(g.2.x - p.parts[0][0].x) <= unit && abs(g.2.y - p.parts[0][0].y) <= unit)
            }
            // Polygons: the area inside the tiles (clipped per tile by the reader) sums to the input's.
            var area: [Int64: Double] = [:]
            try ds.layer("polys").forEach { feat in
                let g = try feat.geometry()
                let a: Double
                switch g { case .polygon(let p)?: a = p.area; case .multiPolygon(let m)?: a = m.area; default: a = 0 }
                area[feat.value("n").int ?? -1, default: 0] += a
                #expect(feat.value("r").real == -2.25)
            }
            #expect(area.count == 300)
            for (_, a) in area { #expect(abs(a - (1500 * 1500 - 500 * 500)) <= unit * 8000 + 1, "\(a)") }
            // Lines only from zoom 12 (the reader lists every layer of metadata.json; the tiles of z11 have none).
            var nLines = 0
            if ds.layerNames.contains("lines") { try ds.layer("lines").forEach { _ in nLines += 1 } }
            #expect((nLines > 0) == (z >= 12), "z\(z): \(nLines) line pieces")
        }
        let mb = try VectorDataset(path: d + "/t.mbtiles")
        #expect(Set(mb.layerNames) == ["pts", "lines", "polys"])
        var n = 0
        try mb.layer("pts").forEach { _ in n += 1 }
        #expect(n == 300)
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/vector/metadata.json"))) as? [String: Any])
        #expect(meta["minzoom"] as? Int == 11 && meta["maxzoom"] as? Int == 13 && meta["format"] as? String == "pbf")
    }
}
