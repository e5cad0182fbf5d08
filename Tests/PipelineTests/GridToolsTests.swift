import CityModel
import Foundation
import GeoBridge
import GridCore
@testable import Pipeline
import Testing

/// A square polygon layer in UTM 35N with a real field `v` (the cells of the tests below are counted by hand).
private func squareSource(_ dir: String, name: String = "sq", rings: [[Vec2]] = [[Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)]], v: Double = 2.5) throws -> String {
    let path = dir + "/\(name).gpkg"
    let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
    var t = FeatureTable(name: name, geometryType: "Polygon", fields: [FieldDef("v", .real, "")])
    t.append(.polygon(Polygon(rings)), [.real(v)])
    try w.write(table: t); try w.commit()
    return path
}

private let hasGDALTools = FileManager.default.isExecutableFile(atPath: "/usr/bin/gdal_rasterize")

@Suite struct GridToolsTests {
    /// rasterize → distance → zonal on a 10 m square, values by hand.
    @Test func rasterizeDistanceZonal() throws {
        let dir = tempDir()
        let sq = try squareSource(dir)
        var o = GridTools.RasterizeOptions(resolution: (1, 1))
        o.extent = (0, 0, 20, 20)
        o.attribute = "v"
        let r0 = try GridTools.rasterizeReport(src: sq, dst: dir + "/r.tif", options: o)
        #expect(r0.geometry.rows == 20 && r0.geometry.cols == 20)
        #expect(r0.type == .float32)   // 2.5 is not a whole number
        let (r, wkt) = try GridIO.read(dir + "/r.tif")
        #expect(wkt.contains("UTM zone 35N"))
        #expect(MapAlgebra.sum(r) == 250)   // 100 cells × 2.5

        // Exact coverage of a half-cell-offset square: 10 × 10 m over 1 m cells, shifted by 0.5 → fractions sum to 100.
        let off = try squareSource(dir, name: "off", rings: [[Vec2(0.5, 0.5), Vec2(10.5, 0.5), Vec2(10.5, 10.5), Vec2(0.5, 10.5)]])
        var oc = GridTools.RasterizeOptions(resolution: (1, 1)); oc.extent = (0, 0, 20, 20); oc.coverage = true
        _ = try GridTools.rasterize(src: off, dst: dir + "/c.tif", options: oc)
        let (c, _) = try GridIO.read(dir + "/c.tif")
        #expect(abs(MapAlgebra.sum(c) - 100) < 1e-4)
        #expect(abs(Double(c[19, 0]) - 0.25) < 1e-6)   // bottom-left corner cell: a quarter covered

        // Distances: 20 × 20 m grid → every distance fits UInt16 decimetres.
        var od = GridTools.DistanceOptions(); od.maxDistance = 8
        #expect(try GridTools.distance(src: dir + "/r.tif", dst: dir + "/d.tif", options: od) == .uint16)
        let info = try RasterIO.readBand(path: dir + "/d.tif")
        #expect(info.dataType == "UInt16" && info.scale == 0.1 && info.noData == 65535 && info.unit == "m")
        let (d, _) = try GridIO.read(dir + "/d.tif")
        // Row 14 = y 5.5; column 15 = x 15.5; nearest source centre (9.5, 5.5) → 6 m (stored 60).
        #expect(d[14, 15] == 6)
        #expect(info.values[14 * 20 + 15] == 60)
        #expect(d[14, 5] == 0)
        #expect(d[0, 19].isNaN)   // (19.5, 19.5) is 13.4 m away: beyond 8 m → no-data
        #expect(try GridIO.read(dir + "/d.tif", noDataAs: -1).0[0, 19] == -1)
        // Float32 on request keeps the old file (−1 beyond the max distance).
        od.output.type = .float32
        try GridTools.distance(src: dir + "/r.tif", dst: dir + "/df.tif", options: od)
        let (df, _) = try GridIO.read(dir + "/df.tif")
        #expect(df[14, 15] == 6 && df[0, 19] == -1)
        try GridTools.distance(src: dir + "/r.tif", dst: dir + "/m.tif", maxDistance: nil, values: [], within: 3)
        let (m, _) = try GridIO.read(dir + "/m.tif")
        #expect(m[14, 12] == 1 && m[14, 13] == 0)
        #expect(try RasterIO.readBand(path: dir + "/m.tif").dataType == "Byte")

        let n = try GridTools.zonal(zones: sq, layer: nil, idField: "v", values: dir + "/r.tif", csv: dir + "/z.csv")
        #expect(n == 1)
        let csv = try String(contentsOfFile: dir + "/z.csv", encoding: .utf8)
        #expect(csv.hasPrefix("id,count,sum,mean,min,max\r\n2.5,100.0,250.0,2.5,2.5,2.5"))
        // Zonal statistics read real units: the decimetre grid gives metres.
        _ = try GridTools.zonal(zones: sq, layer: nil, idField: nil, values: dir + "/d.tif", csv: dir + "/zd.csv")
        #expect(try String(contentsOfFile: dir + "/zd.csv", encoding: .utf8).contains("1,100.0,0.0,0.0,0.0,0.0"))
    }

    /// The narrowest type by default, -ot / -a_scale / -init / -of / -co honoured, and the file's metadata says so.
    @Test func typesScaleInitFormat() throws {
        let dir = tempDir()
        let sq = try squareSource(dir)
        var o = GridTools.RasterizeOptions(resolution: (1, 1)); o.extent = (0, 0, 20, 20)
        // Default: -burn 1 → Byte, DEFLATE without predictor (masks), COG.
        #expect(try GridTools.rasterizeReport(src: sq, dst: dir + "/b.tif", options: o).type == .uint8)
        var b = try RasterIO.readBand(path: dir + "/b.tif")
        #expect(b.dataType == "Byte" && b.noData == nil)
        #expect(b.structure["COMPRESSION"] == "DEFLATE" && b.structure["PREDICTOR"] == nil && b.structure["LAYOUT"] == "COG")
        #expect(b.values.reduce(0, +) == 100)
        // -burn 300 → UInt16; -burn -2 → Int32.
        o.burn = 300
        #expect(try GridTools.rasterizeReport(src: sq, dst: dir + "/u.tif", options: o).type == .uint16)
        o.burn = -2
        #expect(try GridTools.rasterizeReport(src: sq, dst: dir + "/i.tif", options: o).type == .int32)
        #expect(try RasterIO.readBand(path: dir + "/i.tif").values.reduce(0, +) == -200)
        // -a v (2.5) with -ot UInt16 -a_scale 0.1: stored 25, real 2.5; -init 7 (real) → stored 70 outside.
        o.burn = 1; o.attribute = "v"; o.output.type = .uint16; o.output.scale = 0.1; o.initValue = 7
        try GridTools.rasterize(src: sq, dst: dir + "/s.tif", options: o)
        b = try RasterIO.readBand(path: dir + "/s.tif")
        #expect(b.dataType == "UInt16" && b.scale == 0.1 && b.structure["PREDICTOR"] == "2")
        #expect(b.values[19 * 20 + 0] == 25 && b.values[0] == 70)
        let (real, _) = try GridIO.read(dir + "/s.tif")
        #expect(abs(Double(real[19, 0]) - 2.5) < 1e-6 && abs(Double(real[0, 0]) - 7) < 1e-5)
        // Coverage into Byte: percent (scale 0.01); a quarter-covered corner cell stores 25.
        let off = try squareSource(dir, name: "off", rings: [[Vec2(0.5, 0.5), Vec2(10.5, 0.5), Vec2(10.5, 10.5), Vec2(0.5, 10.5)]])
        var oc = GridTools.RasterizeOptions(resolution: (1, 1)); oc.extent = (0, 0, 20, 20); oc.coverage = true; oc.output.type = .uint8
        try GridTools.rasterize(src: off, dst: dir + "/p.tif", options: oc)
        b = try RasterIO.readBand(path: dir + "/p.tif")
        #expect(b.scale == 0.01 && b.values[19 * 20] == 25 && b.values[18 * 20 + 1] == 100 && b.values.reduce(0, +) == 10_000)
        // -of GTiff with -co COMPRESS=LZW -co PREDICTOR=1: a plain tiled GeoTIFF, as asked.
        var og = GridTools.RasterizeOptions(resolution: (1, 1)); og.extent = (0, 0, 20, 20)
        og.output.format = .gtiff; og.output.creationOptions = [("COMPRESS", "LZW"), ("PREDICTOR", "1")]
        try GridTools.rasterize(src: sq, dst: dir + "/g.tif", options: og)
        b = try RasterIO.readBand(path: dir + "/g.tif")
        #expect(b.structure["COMPRESSION"] == "LZW" && b.structure["LAYOUT"] == nil && b.structure["PREDICTOR"] == nil)
        #expect(b.values.reduce(0, +) == 100)
        // -a_nodata without -init: cells start at the no-data value (as gdal_rasterize).
        var on = GridTools.RasterizeOptions(resolution: (1, 1)); on.extent = (0, 0, 20, 20); on.noData = 9
        try GridTools.rasterize(src: sq, dst: dir + "/n.tif", options: on)
        b = try RasterIO.readBand(path: dir + "/n.tif")
        #expect(b.noData == 9 && b.values[0] == 9 && b.values[19 * 20] == 1)
    }

    /// -ts and -tap build the grids gdal_rasterize builds.
    @Test func sizeAndTargetAligned() throws {
        let dir = tempDir()
        let sq = try squareSource(dir, rings: [[Vec2(0.3, 0.2), Vec2(9.7, 0.2), Vec2(9.7, 9.9), Vec2(0.3, 9.9)]])
        var o = GridTools.RasterizeOptions(); o.size = (47, 5)
        let g = try GridTools.rasterize(src: sq, dst: dir + "/ts.tif", options: o)
        #expect(g.cols == 47 && g.rows == 5 && abs(g.dx - 9.4 / 47) < 1e-12 && abs(g.dy - 9.7 / 5) < 1e-12)
        var t = GridTools.RasterizeOptions(resolution: (2, 2)); t.targetAligned = true
        let a = try GridTools.rasterize(src: sq, dst: dir + "/tap.tif", options: t)
        #expect(a.minX == 0 && a.maxY == 10 && a.cols == 5 && a.rows == 5)
    }

    /// The same file as gdal_rasterize + gdal_translate -of COG, cell for cell, on random polygons (Byte and Float32).
    @Test(.enabled(if: hasGDALTools, "gdal_rasterize is not installed"))
    func sameCellsAsGDAL() throws {
        let dir = tempDir()
        let path = dir + "/rnd.gpkg"
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
        var t = FeatureTable(name: "rnd", geometryType: "Polygon", fields: [FieldDef("h", .real, "")])
        var seed: UInt64 = 7
        func next() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        for _ in 0..<60 {
            let cx = next() * 300, cy = next() * 200, n = 5 + Int(next() * 6)
            let ring = (0..<n).map { k -> Vec2 in
                let a = Double(k) / Double(n) * 2 * .pi, r = 3 + next() * 12
                return Vec2(cx + r * cos(a), cy + r * sin(a))
            }
            t.append(.polygon(Polygon([ring])), [.real((next() * 400).rounded() / 4)])
        }
        try w.write(table: t); try w.commit()
        for (ot, burn) in [("Byte", ["-burn", "1"]), ("Float32", ["-a", "h"])] {
            let (s1, _, e1) = try runProcess("/usr/bin/gdal_rasterize", ["-q"] + burn + ["-ot", ot, "-tr", "0.7", "0.7", "-te", "-5", "-5", "310", "210", path, dir + "/g0.tif"])
            #expect(s1 == 0, "\(e1)")
            let (s2, _, e2) = try runProcess("/usr/bin/gdal_translate", ["-q", "-of", "COG", "-co", "COMPRESS=DEFLATE", dir + "/g0.tif", dir + "/g.tif"])
            #expect(s2 == 0, "\(e2)")
            var o = GridTools.RasterizeOptions(resolution: (0.7, 0.7)); o.extent = (-5, -5, 310, 210)
            if ot == "Float32" { o.attribute = "h" }
            o.output.type = RasterIO.PixelType(gdalName: ot)
            try GridTools.rasterize(src: path, dst: dir + "/ours.tif", options: o)
            let a = try RasterIO.readBand(path: dir + "/ours.tif"), b = try RasterIO.readBand(path: dir + "/g.tif")
            #expect(a.width == b.width && a.height == b.height && a.geoTransform == b.geoTransform && a.dataType == b.dataType)
            #expect(a.values == b.values)
            #expect(a.values.contains { $0 != 0 })
            #expect(a.overviews == b.overviews)
        }
    }

    /// Negative numbers after grid options reach their option; other commands are left alone.
    @Test func negativeNumbersReachTheirOption() {
        #expect(GridTools.normaliseArguments(["grid", "rasterize", "a.gpkg", "b.tif", "-te", "-10", "-5", "10", "5", "-burn", "-1", "-tr", "1", "1"])
                == ["grid", "rasterize", "a.gpkg", "b.tif", "-te=-10,-5,10,5", "-burn=-1", "-tr", "1", "1"])
        #expect(GridTools.normaliseArguments(["run", "-x", "-1"]) == ["run", "-x", "-1"])
    }

    /// Every bad value a user can type ends with exit 1 and a one-line error that names the option (issue 13).
    @Test(.enabled(if: Paths.cli != nil, "the cimbase executable is not built"))
    func badValuesExitOneWithOneLine() throws {
        let dir = tempDir()
        let sq = try squareSource(dir)
        let cases: [([String], String)] = [
            (["-tr", "1e-6", "1e-6"], "-tr"), (["-tr", "1", "1", "-te", "0", "0", "inf", "10"], "-te"), (["-tr", "0", "1"], "-tr"),
            (["-tr", "-1", "1"], "-tr"), (["-tr", "nan", "1"], "-tr"), (["-tr", "abc", "1"], "-tr"), (["-tr", "1"], "-tr"),
            (["-tr", "1e308", "1e308", "-te", "0", "0", "1", "1"], "-tr"), (["-tr", "1e-300", "1e-300", "-te", "0", "0", "1e300", "1e300"], "-tr"),
            (["-ts", "0", "10"], "-ts"), (["-ts", "1e20", "5"], "-ts"), (["-ts", "100000", "100000"], "-ts"), (["-ts", "2.5", "3"], "-ts"),
            (["-tr", "1", "1", "-ts", "3", "3"], "-ts"), ([], "-tr"),
            (["-tr", "1", "1", "-te", "10", "0", "0", "10"], "-te"), (["-tr", "1", "1", "-te", "0", "0", "1e300", "10"], "-tr"),
            (["-tr", "1", "1", "-ot", "Int16"], "-ot"), (["-tr", "1", "1", "-ot", "x"], "-ot"),
            (["-tr", "1", "1", "-of", "PNG"], "-of"), (["-tr", "1", "1", "-co", "FOO"], "-co"), (["-tr", "1", "1", "-co", "COMPRESS=FOO"], "-co"),
            (["-tr", "1", "1", "-init", "inf"], "-init"), (["-tr", "1", "1", "-init", "300", "-ot", "Byte"], "-init"),
            (["-tr", "1", "1", "-burn", "1e300"], "1e+300"), (["-tr", "1", "1", "-burn", "nan"], "-burn"),
            (["-tr", "1", "1", "-burn", "300", "-ot", "Byte"], "Byte"), (["-tr", "1", "1", "-a_nodata", "300", "-ot", "Byte"], "-a_nodata"),
            (["-tr", "1", "1", "-a_scale", "0"], "-a_scale"), (["-tr", "1", "1", "-a_offset", "inf"], "-a_offset"),
            (["-tr", "1", "1", "-tap", "-ts", "2", "2"], "-t"),
        ]
        for (args, names) in cases {
            let (status, out, err) = try runProcess(Paths.cli!, ["grid", "rasterize", sq, dir + "/x.tif"] + args)
            let lines = err.split(separator: "\n")
            #expect(status == 1 && lines.count == 1 && err.hasPrefix("error: ") && err.contains(names), "\(args): status \(status), \(err)\(out)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.tif"))
        // Distance options.
        _ = try GridTools.rasterize(src: sq, dst: dir + "/r.tif", options: { var o = GridTools.RasterizeOptions(resolution: (1, 1)); o.extent = (0, 0, 20, 20); return o }())
        for (args, names) in [(["-maxdist", "0"], "-maxdist"), (["-maxdist", "inf"], "-maxdist"), (["--within", "-1"], "--within"),
                              (["-values", "nan"], "-values"), (["-ot", "Byte", "-maxdist", "1000"], "Byte"), (["-a_scale", "nan"], "-a_scale")] {
            let (status, _, err) = try runProcess(Paths.cli!, ["grid", "distance", dir + "/r.tif", dir + "/y.tif"] + args)
            #expect(status == 1 && err.split(separator: "\n").count == 1 && err.contains(names), "\(args): status \(status), \(err)")
        }
    }

    /// The size check happens before any allocation and names the size and the memory.
    @Test func gridSizeCapNamesSizeAndMemory() throws {
        var o = GridTools.RasterizeOptions(resolution: (1e-6, 1e-6)); o.extent = (0, 0, 1000, 1000)
        do { try GridTools.rasterize(src: "/nonexistent.gpkg", dst: "/tmp/never.tif", options: o); Issue.record("expected an error") } catch let e as PipelineError {
            let m = "\(e)"
            #expect(m.contains("-tr 1e-06 1e-06") && m.contains("1000000000 × 1000000000 cells") && m.contains("888.2 PiB") && m.contains("limit 8.0 GiB"))
        }
    }
}

/// The read path of `grid rasterize`: only the burned field is parsed (the others are ignored unless `-where` needs
/// them), and the WKB is decoded in parallel batches of 16,384 features, whose order must not change the result.
@Suite struct GridRasterizeReadTests {
    /// 17,000 unit squares (two decode batches) on a 170 × 100 grid, one per cell, v = i % 7 + 1, k = "a"/"b".
    @Test func burnedFieldAcrossBatchesAndWhereOnAnotherField() throws {
        let dir = tempDir()
        let path = dir + "/many.gpkg"
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
        var t = FeatureTable(name: "many", geometryType: "Polygon", fields: [FieldDef("k", .string, ""), FieldDef("v", .integer, "")])
        var expectAll = 0.0, expectA = 0.0
        var cellValue = [Double](repeating: 0, count: 17_000)
        for i in 0..<17_000 {
            let x = Double(i % 170), y = Double(i / 170)
            let v = i % 7 + 1
            t.append(.polygon(Polygon([[Vec2(x, y), Vec2(x + 1, y), Vec2(x + 1, y + 1), Vec2(x, y + 1)]])), [.string(i % 3 == 0 ? "a" : "b"), .int(Int64(v))])
            expectAll += Double(v); if i % 3 == 0 { expectA += Double(v) }
            cellValue[(99 - i / 170) * 170 + i % 170] = Double(v)
        }
        try w.write(table: t); try w.commit()
        var o = GridTools.RasterizeOptions(resolution: (1, 1))
        o.extent = (0, 0, 170, 100); o.attribute = "v"
        let r = try GridTools.rasterizeReport(src: path, dst: dir + "/all.tif", options: o)
        #expect(r.type == .uint8)
        let band = try RasterIO.readBand(path: dir + "/all.tif")
        #expect(band.values.reduce(0, +) == expectAll)
        #expect(band.values == cellValue)   // every square in its own cell: order and values kept across batches
        o.where_ = "k = 'a'"
        _ = try GridTools.rasterizeReport(src: path, dst: dir + "/a.tif", options: o)
        #expect(try RasterIO.readBand(path: dir + "/a.tif").values.reduce(0, +) == expectA)
    }
}

/// `grid rasterize` reads GeoPackages straight from SQLite (`GeoPackageReader`): the same features, in the same order,
/// with the same burn values as through OGR — NULL and empty geometries skipped, NULL values as NaN, holes and
/// multipolygons kept — and OGR is used where the direct read does not apply (a text field, a -where).
@Suite struct GeoPackageDirectReadTests {
    @Test func directReadEqualsOGR() throws {
        let dir = tempDir()
        let path = dir + "/mix.gpkg"
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
        var t = FeatureTable(name: "mix", geometryType: "MultiPolygon",
                             fields: [FieldDef("h", .real, ""), FieldDef("n", .integer, ""), FieldDef("s", .string, "")])
        let sq: [Vec2] = [Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)]
        let hole: [Vec2] = [Vec2(2, 2), Vec2(4, 2), Vec2(4, 4), Vec2(2, 4)]
        t.append(.multiPolygon(MultiPolygon([Polygon([sq, hole])])), [.real(2.5), .int(3), .string("7")])
        t.append(nil, [.real(1), .int(1), .string("1")])
        t.append(.multiPolygon(MultiPolygon([])), [.real(4), .int(4), .string("4")])
        t.append(.multiPolygon(MultiPolygon([Polygon([sq.map { $0 + Vec2(20, 0) }]), Polygon([sq.map { $0 + Vec2(40, 0) }])])), [.null, .int(9), .null])
        for i in 0..<40 { t.append(.multiPolygon(MultiPolygon([Polygon([sq.map { $0 + Vec2(Double(i) * 11, 30) }])])), [.real(Double(i) / 4), .null, .string("x")]) }
        try w.write(table: t); try w.commit()
        #expect(try GeoPackageReader.forEach(path: path, table: "mix", attribute: "h") { _, _ in })
        #expect(!(try GeoPackageReader.forEach(path: path, table: "mix", attribute: "s") { _, _ in }))   // text: OGR
        #expect(!(try GeoPackageReader.forEach(path: path, table: "nope", attribute: nil) { _, _ in }))
        for attribute in [nil, "h", "n", "s"] as [String?] {
            let (a, crsA) = try GridTools.features(path, layer: "mix", where_: nil, attribute: attribute, direct: true)
            let (b, crsB) = try GridTools.features(path, layer: "mix", where_: nil, attribute: attribute, direct: false)
            #expect(crsA == crsB)
            #expect(a.count == 42 && b.count == 42, "\(attribute ?? "-"): \(a.count) / \(b.count)")
            #expect(a.map(\.0) == b.map(\.0))
            #expect(zip(a, b).allSatisfy { $0.1 == $1.1 || ($0.1.isNaN && $1.1.isNaN) }, "\(attribute ?? "-") values")
        }
        let (h, _) = try GridTools.features(path, layer: "mix", where_: nil, attribute: "h", direct: true)
        #expect(h[0].1 == 2.5 && h[1].1.isNaN && h[2].1 == 0)
    }
}
