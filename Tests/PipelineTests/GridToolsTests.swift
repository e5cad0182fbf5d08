import CityModel
import Foundation
import GeoBridge
import GridCore
@testable import Pipeline
import Testing

@Suite struct GridToolsTests {
    /// rasterize → distance → zonal on a 10 m square, values by hand.
    @Test func rasterizeDistanceZonal() throws {
        let dir = tempDir()
        let w = try GeoPackageWriter(path: dir + "/sq.gpkg", crs: "EPSG:32635")
        var t = FeatureTable(name: "sq", geometryType: "Polygon", fields: [FieldDef("v", .real, "")])
        t.append(.polygon(Polygon([[Vec2(0, 0), Vec2(10, 0), Vec2(10, 10), Vec2(0, 10)]])), [.real(2.5)])
        try w.write(table: t); try w.commit()

        var o = GridTools.RasterizeOptions(resolution: (1, 1))
        o.extent = (0, 0, 20, 20)
        o.attribute = "v"
        let geo = try GridTools.rasterize(src: dir + "/sq.gpkg", dst: dir + "/r.tif", options: o)
        #expect(geo.rows == 20 && geo.cols == 20)
        let (r, wkt) = try GridIO.read(dir + "/r.tif")
        #expect(wkt.contains("UTM zone 35N"))
        #expect(MapAlgebra.sum(r) == 250)   // 100 cells × 2.5 (no-data 0 cells skipped)

        // Exact coverage of a half-cell-offset square: 10 × 10 m over 1 m cells, shifted by 0.5 → fractions sum to 100.
        let w2 = try GeoPackageWriter(path: dir + "/off.gpkg", crs: "EPSG:32635")
        var t2 = FeatureTable(name: "off", geometryType: "Polygon", fields: [])
        t2.append(.polygon(Polygon([[Vec2(0.5, 0.5), Vec2(10.5, 0.5), Vec2(10.5, 10.5), Vec2(0.5, 10.5)]])), [])
        try w2.write(table: t2); try w2.commit()
        var oc = GridTools.RasterizeOptions(resolution: (1, 1)); oc.extent = (0, 0, 20, 20); oc.coverage = true
        _ = try GridTools.rasterize(src: dir + "/off.gpkg", dst: dir + "/c.tif", options: oc)
        let (c, _) = try GridIO.read(dir + "/c.tif")
        #expect(abs(MapAlgebra.sum(c) - 100) < 1e-4)
        #expect(abs(Double(c[19, 0]) - 0.25) < 1e-6)   // bottom-left corner cell: a quarter covered

        try GridTools.distance(src: dir + "/r.tif", dst: dir + "/d.tif", maxDistance: 8, values: [], within: nil)
        let (d, _) = try GridIO.read(dir + "/d.tif")
        // Row 14 = y 5.5; column 15 = x 15.5; nearest source centre (9.5, 5.5) → 6 m.
        #expect(d[14, 15] == 6)
        #expect(d[14, 5] == 0)
        #expect(d[0, 19] == -1)   // (19.5, 19.5) is 13.4 m away: beyond 8 m → no-data
        try GridTools.distance(src: dir + "/r.tif", dst: dir + "/m.tif", maxDistance: nil, values: [], within: 3)
        let (m, _) = try GridIO.read(dir + "/m.tif")
        #expect(m[14, 12] == 1 && m[14, 13] == 0)

        let n = try GridTools.zonal(zones: dir + "/sq.gpkg", layer: nil, idField: "v", values: dir + "/r.tif", csv: dir + "/z.csv")
        #expect(n == 1)
        let csv = try String(contentsOfFile: dir + "/z.csv", encoding: .utf8)
        #expect(csv.hasPrefix("id,count,sum,mean,min,max\r\n2.5,100.0,250.0,2.5,2.5,2.5"))
    }
}
