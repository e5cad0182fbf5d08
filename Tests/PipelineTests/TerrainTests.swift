import CityModel
import Foundation
import GeoBridge
import GridCore
import Testing
import TestSupport
@testable import Pipeline

/// Terrain (issue 15, item 2): `layers.dem` sampled under each building footprint.
///
/// Cell rule checked here by brute force: a DEM cell counts for a footprint when its centre is inside the footprint
/// (even-odd point-in-polygon over every ring, `Polygon.contains`); a footprint holding no cell centre takes the cell
/// under the centroid of its largest part. No-data cells are skipped.
@Suite struct TerrainTests {
    /// Writes a Float32 DEM (row-major from the north-west corner).
    static func writeDEM(_ path: String, cols: Int, rows: Int, gt: [Double], crs: String, values: [Float], noData: Double? = nil) throws {
        try values.withUnsafeBufferPointer { b in
            try RasterIO.writeBand(path: path, width: cols, height: rows, geoTransform: gt, crs: crs, noData: noData, type: .float32,
                                   pixels: b, cog: false)
        }
    }

    static func rectFP(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, hole: [Vec2]? = nil) -> MultiPolygon {
        MultiPolygon([Polygon(exterior: [Vec2(x0, y0), Vec2(x1, y0), Vec2(x1, y1), Vec2(x0, y1)], holes: hole.map { [$0] } ?? [])])
    }

    /// The tiny DEM of the hand-computed goldens: 4 × 4 cells of 10 m from (500000, 4000040), EPSG:32650.
    ///     row 0: 10 11 12 13
    ///     row 1: 20 21 nd 23      (nd = −9999, no-data)
    ///     row 2: 30 31 32 33
    ///     row 3: 40 41 42 43
    /// Cell (r, c) has its centre at (500005 + 10c, 4000035 − 10r).
    static func tinyDEM(_ dir: String) throws -> String {
        let p = dir + "/tiny.tif"
        try writeDEM(p, cols: 4, rows: 4, gt: [500000, 10, 0, 4000040, 0, -10], crs: "EPSG:32650",
                     values: [10, 11, 12, 13, 20, 21, -9999, 23, 30, 31, 32, 33, 40, 41, 42, 43], noData: -9999)
        return p
    }

    static let X = 500000.0, Y = 4000000.0
    /// A: centres of (0,0) (0,1) (1,0) (1,1). B: row 1, columns 1–3 (one no-data). C: 2 × 2 m, no centre, centroid in
    /// (2,2). D: outside the DEM. E: 2 × 2 m, centroid on the no-data cell. F: rows 2–3 with a hole around (3,0).
    static let tinyFootprints: [MultiPolygon] = [
        rectFP(X + 1, Y + 21, X + 19, Y + 39),
        rectFP(X + 11, Y + 21, X + 39, Y + 29),
        rectFP(X + 22, Y + 12, X + 24, Y + 14),
        rectFP(X - 1000, Y + 10, X - 990, Y + 20),
        rectFP(X + 21, Y + 21, X + 23, Y + 23),
        rectFP(X + 0.5, Y + 0.5, X + 39.5, Y + 19.5, hole: [Vec2(X + 1, Y + 1), Vec2(X + 1, Y + 9), Vec2(X + 9, Y + 9), Vec2(X + 9, Y + 1)]),
    ]

    @Test func tinyDEMGoldens() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let dem = try Self.tinyDEM(dir)
        // Hand-computed: F's mean is (30+31+32+33+41+42+43)/7 = 36; F's centroid is (500021.4, 4000010.5) → cell (2,2).
        let expected: [GroundStatistic: [Double?]] = [
            .min: [10, 21, 32, nil, nil, 30],
            .mean: [15.5, 22, 32, nil, nil, 36],
            .max: [21, 23, 32, nil, nil, 43],
            .centroid: [21, nil, 32, nil, nil, 32],
        ]
        for (mode, want) in expected {
            let s = try DEMSampler.sample(footprints: Self.tinyFootprints, workingCRS: "EPSG:32650", request: DEMRequest(path: dem, statistic: mode))
            #expect(s.ground == want, "\(mode)")
            #expect(s.missing == want.filter { $0 == nil }.count)
            if mode != .centroid { #expect(s.subCell == 2) }   // C and E hold no cell centre
        }
    }

    /// Too many row spans for the budget (a DEM far finer than the buildings) is an error, not an allocation.
    @Test func spanBudgetIsAnError() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let dem = try Self.tinyDEM(dir)
        #expect(throws: DEMError.tooFine(path: dem, spans: 3)) {
            try DEMSampler.sample(footprints: Self.tinyFootprints, workingCRS: "EPSG:32650", request: DEMRequest(path: dem), maxSpans: 3)
        }
        // Heights in feet are refused, not taken as metres.
        let feet = dir + "/feet.tif"
        var o = RasterWriteOptions(format: .gtiff, crs: "EPSG:32650")
        o.unit = "ft"
        try RasterIO.write(Grid<Float>(geometry: try GridGeometry(geoTransform: [500000, 10, 0, 4000040, 0, -10], rows: 4, cols: 4), noData: nil),
                           to: feet, options: o)
        #expect(throws: DEMError.unit(path: feet, unit: "ft")) {
            try DEMSampler.sample(footprints: Self.tinyFootprints, workingCRS: "EPSG:32650", request: DEMRequest(path: feet))
        }
        // Not georeferenced: named as such.
        let plain = dir + "/plain.tif"
        try Self.writeDEM(plain, cols: 2, rows: 2, gt: [0, 1, 0.5, 0, 0, -1], crs: "EPSG:32650", values: [1, 2, 3, 4])
        #expect(throws: DEMError.rotated(path: plain)) {
            try DEMSampler.sample(footprints: Self.tinyFootprints, workingCRS: "EPSG:32650", request: DEMRequest(path: plain))
        }
    }

    /// The same buildings given in EPSG:4326 (a DEM CRS ≠ working CRS the other way round) sample the same cells.
    @Test func workingCRSDifferentFromDEM() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let dem = try Self.tinyDEM(dir)
        let t = try ProjTransformer(from: "EPSG:32650", to: "EPSG:4326")
        let fps = try Self.tinyFootprints.map { mp in
            MultiPolygon(try mp.polygons.map { p in Polygon(try p.rings.map { r in try r.map { try t.transform($0) } }) })
        }
        let s = try DEMSampler.sample(footprints: fps, workingCRS: "EPSG:4326", request: DEMRequest(path: dem))
        #expect(s.ground == [10, 21, 32, nil, nil, 30])
    }

    /// A DEM in EPSG:4326 under buildings in EPSG:32650: every ground equals the minimum over the cells whose centres
    /// (in degrees) are inside the footprint transformed to degrees, found by brute force.
    @Test func demInGeographicCRSBruteForce() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let lon0 = 116.99, lat0 = 36.01, d = 0.0001, cols = 220, rows = 200   // ≈ 20 km²·10⁻², cells ≈ 9 × 11 m
        var rng = SplitMix64(seed: 42)
        var values = [Float](repeating: 0, count: cols * rows)
        for r in 0..<rows { for c in 0..<cols {
            values[r * cols + c] = Float(50 + 10 * sin(Double(c) / 7) + 8 * cos(Double(r) / 5) + Double.random(in: 0..<3, using: &rng))
        } }
        values[57 * cols + 101] = -32768   // a no-data cell
        let dem = dir + "/geo.tif"
        try Self.writeDEM(dem, cols: cols, rows: rows, gt: [lon0, d, 0, lat0, 0, -d], crs: "EPSG:4326", values: values, noData: -32768)
        let toUTM = try ProjTransformer(from: "EPSG:4326", to: "EPSG:32650"), toGeo = try ProjTransformer(from: "EPSG:32650", to: "EPSG:4326")
        let centre = try toUTM.transform(SIMD2(lon0 + d * Double(cols) / 2, lat0 - d * Double(rows) / 2))
        var fps: [MultiPolygon] = []
        for k in 0..<300 {
            let c = centre + SIMD2(Double.random(in: -1100...1100, using: &rng), Double.random(in: -1200...1200, using: &rng))
            let w = k % 10 == 0 ? Double.random(in: 1...5, using: &rng) : Double.random(in: 5...70, using: &rng)
            let h = Double.random(in: 3...50, using: &rng), a = Double.random(in: 0..<Double.pi, using: &rng)
            let e1 = SIMD2(cos(a), sin(a)), e2 = SIMD2(-sin(a), cos(a))
            let ring = [c - w / 2 * e1 - h / 2 * e2, c + w / 2 * e1 - h / 2 * e2, c + w / 2 * e1 + h / 2 * e2, c - w / 2 * e1 + h / 2 * e2]
            fps.append(MultiPolygon([Polygon(exterior: k % 3 == 0 ? Array(ring.prefix(3)) : ring)]))
        }
        let s = try DEMSampler.sample(footprints: fps, workingCRS: "EPSG:32650", request: DEMRequest(path: dem))
        var mismatches = 0, fallbacks = 0, outside = 0
        for (i, fp) in fps.enumerated() {
            let g = MultiPolygon(try fp.polygons.map { p in Polygon(try p.rings.map { r in try r.map { try toGeo.transform($0) } }) })
            let want = Self.bruteMin(g, values: values, cols: cols, rows: rows, minX: lon0, maxY: lat0, dx: d, dy: d, noData: -32768, fallback: &fallbacks)
            if want == nil { outside += 1 }
            if s.ground[i] != want { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(fallbacks > 0 && outside > 0)   // both rules were exercised
        #expect(s.subCell == fallbacks)
    }

    /// Brute force: the minimum over every cell whose centre is inside `fp`, else the cell under its largest part's centroid.
    static func bruteMin(_ fp: MultiPolygon, values: [Float], cols: Int, rows: Int, minX: Double, maxY: Double, dx: Double, dy: Double,
                         noData: Float?, fallback: inout Int) -> Double? {
        var mean: Double? = nil
        return brute(fp, values: values, cols: cols, rows: rows, minX: minX, maxY: maxY, dx: dx, dy: dy, noData: noData, fallback: &fallback, mean: &mean)
    }

    /// The brute-force minimum (returned) and mean (`mean`) under the stated cell rule.
    static func brute(_ fp: MultiPolygon, values: [Float], cols: Int, rows: Int, minX: Double, maxY: Double, dx: Double, dy: Double,
                      noData: Float?, fallback: inout Int, mean: inout Double?) -> Double? {
        let b = fp.bbox
        var best: Double? = nil, any = false, sum = 0.0, n = 0
        mean = nil
        let c0 = max(0, Int(((b.minX - minX) / dx).rounded(.down)) - 1), c1 = min(cols - 1, Int(((b.maxX - minX) / dx).rounded(.up)) + 1)
        let r0 = max(0, Int(((maxY - b.maxY) / dy).rounded(.down)) - 1), r1 = min(rows - 1, Int(((maxY - b.minY) / dy).rounded(.up)) + 1)
        if c0 <= c1 && r0 <= r1 {
            for r in r0...r1 { for c in c0...c1 where fp.contains(Vec2(minX + (Double(c) + 0.5) * dx, maxY - (Double(r) + 0.5) * dy)) {
                any = true
                let v = values[r * cols + c]
                if v == noData || !v.isFinite { continue }
                best = min(best ?? .infinity, Double(v)); sum += Double(v); n += 1
            } }
        }
        if any { mean = n > 0 ? sum / Double(n) : nil; return best }
        let p = fp.largest!.centroid
        let c = Int(((p.x - minX) / dx).rounded(.down)), r = Int(((maxY - p.y) / dy).rounded(.down))
        guard c >= 0, r >= 0, c < cols, r < rows else { return nil }
        fallback += 1
        guard values[r * cols + c] != noData else { return nil }
        mean = Double(values[r * cols + c])
        return Double(values[r * cols + c])
    }

    /// True when some cell centre lies on an edge of the footprint (within 1e-9 m).
    static func centreOnOutline(_ fp: MultiPolygon, minX: Double, maxY: Double, d: Double) -> Bool {
        for p in fp.polygons { for r in p.rings where r.count >= 2 {
            for i in r.indices {
                let a = r[i], b = r[(i + 1) % r.count]
                let lo = SIMD2(min(a.x, b.x), min(a.y, b.y)), hi = SIMD2(max(a.x, b.x), max(a.y, b.y))
                let c0 = Int(((lo.x - minX) / d - 0.5).rounded(.down)), c1 = Int(((hi.x - minX) / d - 0.5).rounded(.up))
                let r0 = Int(((maxY - hi.y) / d - 0.5).rounded(.down)), r1 = Int(((maxY - lo.y) / d - 0.5).rounded(.up))
                for row in r0...r1 { for col in c0...c1 {
                    let q = SIMD2(minX + (Double(col) + 0.5) * d, maxY - (Double(row) + 0.5) * d)
                    guard q.x >= lo.x - 1e-9, q.x <= hi.x + 1e-9, q.y >= lo.y - 1e-9, q.y <= hi.y + 1e-9 else { continue }
                    let e = b - a, w = q - a
                    if abs(e.x * w.y - e.y * w.x) <= 1e-9 * max(1, (e.x * e.x + e.y * e.y).squareRoot()) { return true }
                } }
            }
        } }
        return false
    }

    /// `cimbase synth` writes dem.tif and names it in city.yaml; after ingest every building's ground is the DEM's
    /// minimum under it (brute force over the GeoTIFF read back), ground_source is `dem`, and both survive base.gpkg.
    @Test func synthCityGroundIsDEMMinimum() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        try SynthStage.run(buildings: 1500, seed: 11, outDir: dir + "/city", progress: Progress(quiet: true))
        let cfg = try CityConfig.load(path: dir + "/city/city.yaml")
        #expect(cfg.dem?.source == dir + "/city/dem.tif")
        try Ingest.run(config: cfg, outDir: dir + "/out", progress: Progress(quiet: true))
        let base = try BaseLayerIO.read(path: dir + "/out/base.gpkg")
        let band = try RasterIO.readBand(path: dir + "/city/dem.tif")
        let vals = band.values.map { Float($0) }
        let gt = band.geoTransform
        var mismatches = 0, fallbacks = 0, ties = 0
        for b in base.buildings {
            // A cell centre exactly on the outline (the deliberately bad buildings have vertices on whole 5 m) may go
            // either way under the stated rule: such buildings are counted, not compared.
            if Self.centreOnOutline(b.footprint, minX: gt[0], maxY: gt[3], d: gt[1]) { ties += 1; continue }
            let want = Self.bruteMin(b.footprint, values: vals, cols: band.width, rows: band.height, minX: gt[0], maxY: gt[3], dx: gt[1], dy: -gt[5],
                                     noData: nil, fallback: &fallbacks)
            if b.groundM != want || b.groundSource != .dem {
                mismatches += 1
            }
        }
        #expect(base.buildings.count > 1400)
        #expect(mismatches == 0)
        #expect(ties <= 9)   // at most the deliberately bad buildings
        // The mean mode on the same buildings, straight through the sampler: the brute-force mean (summation order aside).
        let means = try DEMSampler.sample(footprints: base.buildings.map(\.footprint), workingCRS: base.crs,
                                          request: DEMRequest(path: dir + "/city/dem.tif", statistic: .mean))
        var meanMismatches = 0, compared = 0
        for (i, b) in base.buildings.enumerated() where !Self.centreOnOutline(b.footprint, minX: gt[0], maxY: gt[3], d: gt[1]) {
            var fb = 0, m: Double? = nil
            _ = Self.brute(b.footprint, values: vals, cols: band.width, rows: band.height, minX: gt[0], maxY: gt[3], dx: gt[1], dy: -gt[5],
                           noData: nil, fallback: &fb, mean: &m)
            compared += 1
            if let m, let got = means.ground[i], abs(m - got) < 1e-9 { continue }
            meanMismatches += 1
        }
        #expect(compared > 1400 && meanMismatches == 0)
        #expect(fallbacks > 0)
        // The terrain has relief: hills and the valley (the river at ≈ 45 m).
        let g = base.buildings.compactMap(\.groundM)
        #expect(g.max()! - g.min()! > 10)
        #expect(g.min()! > 40)
    }

    /// A `ground` attribute wins over the DEM; buildings outside the DEM get the default (no ground_m).
    @Test func attributeWinsAndOutsideIsDefault() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.tinyDEM(dir)
        try writeGeoJSON(dir + "/b.geojson", epsg: 32650, features: [
            (["h": 10, "g": 77.5], polygonJSON([rect(Self.X + 1, Self.Y + 21, 18, 18)])),
            (["h": 10], polygonJSON([rect(Self.X + 1, Self.Y + 21, 18, 18).map { ($0.0 + 20, $0.1) }])),
            (["h": 10], polygonJSON([rect(Self.X - 500, Self.Y, 20, 20)])),
        ])
        let yaml = """
        city: T
        year: 2024
        crs: EPSG:32650
        layers:
          buildings: {source: b.geojson, height: h, ground: g}
          dem: {source: tiny.tif}
        """
        try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
        let (base, report) = try Ingest.build(config: try CityConfig.load(path: dir + "/city.yaml"), progress: Progress(quiet: true))
        let byX = base.buildings.sorted { $0.footprint.bbox.minX < $1.footprint.bbox.minX }
        #expect(byX.map(\.groundSource) == [.default, .attribute, .dem])
        #expect(byX.map(\.groundM) == [nil, 77.5, 12])   // cells (0,2) (0,3) (1,2)=nd (1,3): min 12
        #expect(report.notes.contains { $0.hasPrefix("terrain: 1 buildings on the DEM") && $0.contains("1 outside the DEM") })
    }

    // MARK: geoid

    static let egm96: String? = ["/usr/share/proj/egm96_15.gtx"].first { FileManager.default.fileExists(atPath: $0) }
    static let egm08Installed = ["/usr/share/proj/us_nga_egm08_25.tif", "/usr/share/proj/egm08_25.gtx",
                                 NSHomeDirectory() + "/.local/share/proj/us_nga_egm08_25.tif"].contains { FileManager.default.fileExists(atPath: $0) }

    /// EGM96 undulation by bilinear interpolation read straight from the GTX file (big-endian header + Float32 grid).
    static func gtxUndulation(_ path: String, lon: Double, lat: Double) throws -> Double {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func d(_ o: Int) -> Double { Double(bitPattern: data[o..<o + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        func i(_ o: Int) -> Int { Int(Int32(bitPattern: data[o..<o + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })) }
        func f(_ r: Int, _ c: Int) -> Double {
            let o = 40 + 4 * (r * i(36) + c)
            return Double(Float(bitPattern: data[o..<o + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        }
        let lat0 = d(0), lon0 = d(8), dlat = d(16), dlon = d(24)
        let y = (lat - lat0) / dlat, x = (lon - lon0) / dlon
        let r = Int(y), c = Int(x), fy = y - Double(r), fx = x - Double(c)
        return f(r, c) * (1 - fx) * (1 - fy) + f(r, c + 1) * fx * (1 - fy) + f(r + 1, c) * (1 - fx) * fy + f(r + 1, c + 1) * fx * fy
    }

    /// A DEM of orthometric heights (constant 100 m above EGM96) in EPSG:4326+5773: ground = 100 + N, with N read
    /// independently from the grid file; `geoid: egm96_15.gtx` gives the same.
    @Test(.enabled(if: TerrainTests.egm96 != nil, "EGM96 grid (egm96_15.gtx) not installed"))
    func orthometricDEMThroughCompoundCRSAndGeoidKey() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let dem = dir + "/ortho.tif"
        try Self.writeDEM(dem, cols: 20, rows: 20, gt: [116.9, 0.01, 0, 36.2, 0, -0.01], crs: "EPSG:4326", values: [Float](repeating: 100, count: 400))
        let toUTM = try ProjTransformer(from: "EPSG:4326", to: "EPSG:32650")
        let c = try toUTM.transform(SIMD2(117.0, 36.1))
        let fp = [Self.rectFP(c.x - 10, c.y - 10, c.x + 10, c.y + 10)]
        let a = try DEMSampler.sample(footprints: fp, workingCRS: "EPSG:32650", request: DEMRequest(path: dem, crs: "EPSG:4326+5773"))
        let b = try DEMSampler.sample(footprints: fp, workingCRS: "EPSG:32650", request: DEMRequest(path: dem, geoid: "egm96_15.gtx"))
        let n = try Self.gtxUndulation(Self.egm96!, lon: 117.0, lat: 36.1)
        #expect(abs(n) > 1)   // a real undulation, not zero
        #expect(abs(a.ground[0]! - (100 + n)) < 0.01, "\(a.ground[0]!) vs \(100 + n)")
        #expect(abs(b.ground[0]! - (100 + n)) < 0.01)
        #expect(a.vertical.contains("orthometric"))
    }

    /// EGM2008 heights (EPSG:4326+3855) without us_nga_egm08_25.tif: the error names the grid and the config key/line.
    @Test(.enabled(if: !TerrainTests.egm08Installed, "the EGM2008 grid is installed here, so it cannot be missing"))
    func orthometricDEMWithoutGridNamesTheGrid() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.tinyDEM(dir)
        try writeGeoJSON(dir + "/b.geojson", epsg: 32650, features: [(["h": 10], polygonJSON([rect(Self.X + 1, Self.Y + 21, 18, 18)]))])
        for (dem, grid, key, line) in [("{source: tiny.tif,\n         crs: \"EPSG:32650+3855\"}", "us_nga_egm08_25.tif", "layers.dem.crs", 7),
                                       ("{source: tiny.tif,\n         geoid: no_such_geoid.tif}", "no_such_geoid.tif", "layers.dem.geoid", 7)] {
            let yaml = "city: T\nyear: 2024\ncrs: EPSG:32650\nlayers:\n  buildings: {source: b.geojson, height: h}\n  dem: \(dem)\n"
            try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
            let cfg = try CityConfig.load(path: dir + "/city.yaml")
            do {
                _ = try Ingest.build(config: cfg, progress: Progress(quiet: true))
                Issue.record("no error for \(grid)")
            } catch let e as PipelineError {
                let s = "\(e)"
                #expect(s.contains(grid) && s.contains(key) && s.contains("city.yaml:\(line)"), "\(s)")
            }
        }
    }

    // MARK: config

    @Test func configErrorsNameKeyAndLine() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.tinyDEM(dir)
        try writeGeoJSON(dir + "/b.geojson", epsg: 32650, features: [(["h": 10], polygonJSON([rect(Self.X + 1, Self.Y + 21, 18, 18)]))])
        let cases: [(String, String)] = [
            ("{source: missing.tif}", "city.yaml:6: layers.dem.source: no such file"),
            ("{source: tiny.tif, band: 3}", "city.yaml:6: layers.dem.band: 3 is out of range: "),
            ("{source: tiny.tif, sample: median}", "city.yaml:6: layers.dem.sample: unknown sample mode 'median'"),
            ("{band: 1}", "city.yaml:6: layers.dem: layers.dem needs 'source'"),
            ("{source: tiny.tif, band: 0}", "city.yaml:6: layers.dem.band"),
            ("{source: tiny.tif, colour: red}", "city.yaml:6: layers.dem"),
        ]
        for (dem, want) in cases {
            let yaml = "city: T\nyear: 2024\ncrs: EPSG:32650\nlayers:\n  buildings: {source: b.geojson, height: h}\n  dem: \(dem)\n"
            try yaml.write(toFile: dir + "/city.yaml", atomically: true, encoding: .utf8)
            do {
                _ = try CityConfig.load(path: dir + "/city.yaml")
                Issue.record("no error for \(dem)")
            } catch {
                #expect("\(error)".contains(want), "\(error)")
            }
        }
    }
}

/// CesiumJS pick test (issue 15, terrain): the web fixture's synthetic city (placed on its DEM) in headless Chromium on
/// a terrain made from the same DEM; no building floats above the drawn terrain, none reaches below its ground
/// (scripts/check_terrain_cesium.py: horizontal ray picks at ground ± a few decimetres and sampled terrain heights).
@Suite struct TerrainCesiumTests {
    @Test(.enabled(if: ViewerCheck.python != nil && Available.cli, ViewerCheck.reason)) func noFloatingBuildingsInCesium() throws {
        let d = try #require(WebFixture.dir)
        let dem = URL(fileURLWithPath: d).deletingLastPathComponent().appendingPathComponent("src/dem.tif").path
        let (status, out, err) = try runProcess(try #require(ViewerCheck.python), [Paths.root.appendingPathComponent("scripts/check_terrain_cesium.py").path,
                                                                                  d, dem, "--n", "6"])
        #expect(status == 0, "check_terrain_cesium: \(out.suffix(3000)) \(err.suffix(2000))")
        #expect(err.contains("terrain check: 24 passed, 0 failed"), "\(err.suffix(500))")
        // the report lists the six buildings with their ground and the terrain under them
        #expect(out.components(separatedBy: "\"ray_hits_at_ground+0.2\": true").count == 7)
        // The check can fail: on a terrain 3 m lower than the DEM the tiles were placed on, every building floats.
        let low = tempDir("terrain-cesium-low") + "/dem-3m.tif"
        let (ts, _, terr) = try runProcess("/usr/bin/gdal_translate", ["-q", "-ot", "Float32", "-scale", "0", "1000", "-3", "997", dem, low])
        #expect(ts == 0, "\(terr)")
        let (s2, out2, err2) = try runProcess(try #require(ViewerCheck.python), [Paths.root.appendingPathComponent("scripts/check_terrain_cesium.py").path,
                                                                                d, low, "--n", "2"])
        #expect(s2 == 1, "\(err2.suffix(500))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any])
        let failed = try #require(report["failed"] as? [String])
        #expect(failed.filter { $0.contains("not above the terrain at its centroid") }.count == 2, "\(failed)")
    }
}
