import CityModel
import Foundation
import GeoBridge
import Testing

/// A fresh temporary folder per test.
func tempDir(_ name: String = #function) -> String { temporaryFolder("cimbase-geobridge", name) }

@Suite struct GDALBindingTests {
    @Test func missingFileSurfacesGDALMessage() throws {
        do {
            _ = try VectorDataset(path: "/nonexistent/city.gpkg")
            Issue.record("expected an error")
        } catch let e as GeoBridgeError {
            guard case .gdal(let fn, _, let msg) = e else { Issue.record("wrong error \(e)"); return }
            #expect(fn == "GDALOpenEx")
            #expect(msg.contains("/nonexistent/city.gpkg"))
            #expect(msg.contains("No such file"))
        }
    }

    @Test func unknownCRSSurfacesOSRMessage() throws {
        #expect(throws: GeoBridgeError.self) { _ = try SpatialReference("EPSG:999999") }
        do { _ = try SpatialReference("EPSG:999999") } catch let e as GeoBridgeError {
            guard case .gdal(let fn, _, let msg) = e else { Issue.record("wrong error \(e)"); return }
            #expect(fn == "OSRSetFromUserInput")
            #expect(msg.contains("999999"))
        }
    }

    @Test func spatialReferenceProperties() throws {
        let utm = try SpatialReference("EPSG:32635")
        #expect(utm.isProjected)
        #expect(!utm.isGeographic)
        #expect(utm.authorityCode == "EPSG:32635")
        #expect(utm.linearUnitMetres == 1)
        #expect(utm.wkt.contains("UTM zone 35N"))
        #expect(try SpatialReference("EPSG:4326").isGeographic)
    }

    @Test func geoPackageRoundTrip() throws {
        let dir = tempDir()
        let path = dir + "/t.gpkg"
        var t = FeatureTable(name: "things", geometryType: "MultiPolygon",
                             fields: [FieldDef("id", .integer64, ""), FieldDef("name", .string, ""), FieldDef("h", .real, "")])
        let square = Polygon([[Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)], [Vec2(2, 2), Vec2(2, 4), Vec2(4, 4), Vec2(4, 2)]])
        t.append(.polygon(square), [.int(7), .string("苏州 – Gusu"), .real(12.5)])
        t.append(nil, [.int(8), .null, .null])
        let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
        try w.write(table: t)
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the final path before commit")
        try w.commit()
        #expect(FileManager.default.fileExists(atPath: path))

        let ds = try VectorDataset(path: path)
        let l = try ds.layer("things")
        #expect(l.featureCount == 2)
        #expect(l.spatialReference?.authorityCode == "EPSG:32635")
        var rows: [(Int64?, String?, Double?, Geometry?)] = []
        try l.forEach { f in rows.append((f.value("id").int, f.value("name").string, f.value("h").real, try f.geometry())) }
        #expect(rows[0].0 == 7)
        #expect(rows[0].1 == "苏州 – Gusu")
        #expect(rows[0].2 == 12.5)
        #expect(rows[0].3?.polygons.area == 96)
        #expect(rows[1].1 == nil && rows[1].3 == nil)
        try ds.close()
    }

    @Test func uncommittedWriterLeavesNoFile() throws {
        let dir = tempDir()
        let path = dir + "/partial.gpkg"
        do {
            let w = try GeoPackageWriter(path: path, crs: "EPSG:32635")
            var t = FeatureTable(name: "a", geometryType: "Point", fields: [FieldDef("v", .integer, "")])
            t.append(.point(Vec2(1, 2)), [.int(1)])
            try w.write(table: t)
            // dropped without commit (as when an error interrupts a stage)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(leftovers.isEmpty, "temp file removed: \(leftovers)")
    }

    @Test func badWhereClauseSurfacesOGRMessage() throws {
        let dir = tempDir()
        let path = dir + "/w.gpkg"
        let w = try GeoPackageWriter(path: path, crs: nil)
        var t = FeatureTable(name: "a", geometryType: "Point", fields: [FieldDef("v", .integer, "")])
        t.append(.point(Vec2(1, 2)), [.int(1)])
        try w.write(table: t); try w.commit()
        let l = try VectorDataset(path: path).layer("a")
        do { try l.setAttributeFilter("v >>> 3"); Issue.record("expected an error") } catch let e as GeoBridgeError {
            #expect(e.message.lowercased().contains("syntax") || e.message.contains("v >>> 3"))
        }
        #expect(throws: GeoBridgeError.self) { try VectorDataset(path: path).layer("nope") }
    }

    @Test func rasterCOGRoundTrip() throws {
        let dir = tempDir()
        let path = dir + "/g.tif"
        let w = 300, h = 200
        let px = (0..<(w * h)).map { Float($0 % 97) }
        try px.withUnsafeBufferPointer {
            try RasterIO.writeBand(path: path, width: w, height: h, geoTransform: [388000, 10, 0, 6653000, 0, -10], crs: "EPSG:32635",
                                   noData: -1, type: .float32, pixels: $0, cog: true)
        }
        let b = try RasterIO.readBand(path: path)
        #expect(b.width == w && b.height == h)
        #expect(b.geoTransform == [388000, 10, 0, 6653000, 0, -10])
        #expect(b.noData == -1)
        #expect(b.crsWKT.contains("UTM zone 35N"))
        #expect(b.values[12345] == Double(12345 % 97))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(ProcessInfo.processInfo.processIdentifier).tif"))
    }
}

@Suite struct GEOSBindingTests {
    @Test func badWKBSurfacesGEOSMessage() throws {
        let g = GEOSContext()
        do { _ = try g.read(wkb: [1, 3, 0, 0, 0, 9, 9]); Issue.record("expected an error") } catch let e as GeoBridgeError {
            guard case .geos(let fn, let msg) = e else { Issue.record("wrong error \(e)"); return }
            #expect(fn == "GEOSWKBReader_read_r")
            #expect(msg.contains("ParseException"))
        }
    }

    @Test func validityRepairUnionBuffer() throws {
        let g = GEOSContext()
        // Bow-tie: two triangles of area 25 each, crossing at (5,5).
        let bow = try g.read(.polygon(Polygon([[Vec2(0, 0), Vec2(10, 10), Vec2(10, 0), Vec2(0, 10)]])))
        let (valid, reason) = try g.validity(bow)
        #expect(!valid)
        #expect(reason.contains("Self-intersection"))
        let fixed = try g.makeValid(bow)
        #expect(abs(try g.area(fixed) - 50) < 1e-9)
        #expect(try g.validity(fixed).valid)

        let a = try g.read(.polygon(Polygon([[Vec2(0, 0), Vec2(2, 0), Vec2(2, 2), Vec2(0, 2)]])))
        let b = try g.read(.polygon(Polygon([[Vec2(1, 1), Vec2(3, 1), Vec2(3, 3), Vec2(1, 3)]])))
        let u = try g.unaryUnion([a, b])
        #expect(abs(try g.area(u) - 7) < 1e-12)   // 4 + 4 − 1: no double counting
        let buf = try g.buffer(try g.read(.point(Vec2(0, 0))), 10, quadrantSegments: 64)
        #expect(abs(try g.area(buf) - Double.pi * 100) / (Double.pi * 100) < 1e-3)
        let back = try u.geometry()
        #expect(abs(back.polygons.area - 7) < 1e-12)
    }

    @Test func nodingAddsCrossingVertex() throws {
        let g = GEOSContext()
        let lines = try g.read(.multiLineString([LineString([Vec2(0, 0), Vec2(10, 0)]), LineString([Vec2(5, -5), Vec2(5, 5)])]))
        let noded = try g.node(lines).geometry()
        #expect(noded.lines.count == 4)
        #expect(noded.lines.contains { $0.points.contains(Vec2(5, 0)) })
    }

    /// Lengths with the 1 cm edge band: a road on the edge two squares share counts half in each, whatever the last
    /// bits of its coordinates; a crossing road counts its length inside exactly.
    @Test func lengthInsideSplitsEdgeLinesBetweenNeighbours() throws {
        let g = GEOSContext()
        func square(_ x: Double) throws -> GEOSGeometry {
            try g.read(.polygon(Polygon([[Vec2(x, 0), Vec2(x + 100, 0), Vec2(x + 100, 100), Vec2(x, 100)]])))
        }
        let west = try square(0), east = try square(100)
        for dx in [0.0, 1e-9, -1e-9, 3e-3] {
            let edge = try g.read(.lineString(LineString([Vec2(100 + dx, 10), Vec2(100 - dx, 90)])))
            let w = try g.lengthInside([edge], west, edgeBand: 0.01), e = try g.lengthInside([edge], east, edgeBand: 0.01)
            #expect(abs(w - 40) < 1e-6 && abs(e - 40) < 1e-6, "dx \(dx): \(w) + \(e)")
        }
        let across = try g.read(.lineString(LineString([Vec2(50, 30), Vec2(170, 30)])))
        #expect(abs(try g.lengthInside([across], west, edgeBand: 0.01) - 50) < 1e-9)
        #expect(abs(try g.lengthInside([across], east, edgeBand: 0.01) - 70) < 1e-9)
        let oblique = try g.read(.lineString(LineString([Vec2(50, 20), Vec2(150, 80)])))
        let total = try g.lengthInside([oblique], west, edgeBand: 0.01) + g.lengthInside([oblique], east, edgeBand: 0.01)
        #expect(abs(total - (100 * 100 + 60 * 60).squareRoot()) < 1e-6)
        // An edge line from corner to corner: half of its length.
        let corner = try g.read(.lineString(LineString([Vec2(0, 0), Vec2(100, 0)])))
        #expect(abs(try g.lengthInside([corner], west, edgeBand: 0.01) - 50) < 1e-9)
        // Without the band the edge road counts in both (closed sets).
        let edge = try g.read(.lineString(LineString([Vec2(100, 10), Vec2(100, 90)])))
        #expect(try g.lengthInside([edge], west) == 80 && g.lengthInside([edge], east) == 80)
    }
}

@Suite struct PROJBindingTests {
    @Test func knownPointToUTM() throws {
        // Reference: `echo "60 25" | cs2cs -f %.4f EPSG:4326 EPSG:32635` → 388455.9580 6653097.4353
        let t = try ProjTransformer(from: "EPSG:4326", to: "EPSG:32635")
        let p = try t.transform(Vec2(25, 60))
        #expect(abs(p.x - 388455.9580) < 1e-3)
        #expect(abs(p.y - 6653097.4353) < 1e-3)
    }

    @Test func gaussKrugerAxisOrderNormalised() throws {
        // EPSG:4548 is northing/easting in the registry; normalised, x is the easting.
        // Reference: `echo "28.68 115.9" | cs2cs -f %.4f EPSG:4326 EPSG:4548` → 3174298.0684 392485.1655
        let t = try ProjTransformer(from: "EPSG:4326", to: "EPSG:4548")
        let p = try t.transform(Vec2(115.9, 28.68))
        #expect(abs(p.x - 392485.1655) < 1e-3)
        #expect(abs(p.y - 3174298.0684) < 1e-3)
    }

    @Test func unknownCRSSurfacesPROJMessage() throws {
        do { _ = try ProjTransformer(from: "EPSG:4326", to: "EPSG:999999"); Issue.record("expected an error") } catch let e as GeoBridgeError {
            guard case .proj(let fn, _, let msg) = e else { Issue.record("wrong error \(e)"); return }
            #expect(fn == "proj_create_crs_to_crs")
            #expect(msg.lowercased().contains("crs not found") || msg.contains("999999"), "got: \(msg)")
        }
    }

    @Test func ecefThreeD() throws {
        let t = try ProjTransformer(from: "EPSG:4979", to: "EPSG:4978")
        var pts = [SIMD3<Double>(0, 0, 0), SIMD3<Double>(90, 0, 100)]
        try t.transform(&pts)
        #expect(abs(pts[0].x - 6378137) < 1e-6)
        #expect(abs(pts[1].y - 6378237) < 1e-6)
    }
}

@Suite struct CoordinateOperationTests {
    /// EPSG's published area of use of UTM zone 35N: 24°E–30°E, 0°N–84°N.
    @Test func areaOfUse() throws {
        let a = try #require(try SpatialReference("EPSG:32635").areaOfUse)
        #expect(a.west == 24 && a.east == 30 && a.south == 0 && a.north == 84)
        #expect(try SpatialReference("EPSG:32635").authorityCode == "EPSG:32635")
    }

    /// A failing point becomes (inf, inf) and only that one; the message is PROJ's; a clone gives the same results.
    @Test func failuresStayPerPointAndClonesAgree() throws {
        let t = try ProjTransformer(from: "EPSG:4326", to: "EPSG:32635")
        let c = try t.clone()
        var xs = [24.94, 1e300, 25.0], ys = [60.17, 60.17, 95.0]
        var xs2 = xs, ys2 = ys
        let msg = xs.withUnsafeMutableBufferPointer { xb in ys.withUnsafeMutableBufferPointer { yb in t.transformAllowingFailures(xb, yb) } }
        _ = xs2.withUnsafeMutableBufferPointer { xb in ys2.withUnsafeMutableBufferPointer { yb in c.transformAllowingFailures(xb, yb) } }
        #expect(!msg.isEmpty)
        #expect(xs[0].isFinite && ys[0].isFinite && !xs[1].isFinite && !xs[2].isFinite)
        let one = try t.transform(SIMD2(24.94, 60.17))
        #expect(xs[0] == one.x && ys[0] == one.y && xs2[0] == xs[0] && ys2[0] == ys[0])
    }
}
