import CityModel
import Foundation
import GeoBridge
import Testing
@testable import Tiles

/// Independent ECEF → geodetic (Bowring's iteration to convergence), for the containment checks.
private func geodetic(_ p: SIMD3<Double>) -> (lon: Double, lat: Double, h: Double) {
    let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f)
    let r = (p.x * p.x + p.y * p.y).squareRoot()
    var lat = atan2(p.z, r * (1 - e2))
    var h = 0.0
    for _ in 0..<10 {
        let n = a / (1 - e2 * sin(lat) * sin(lat)).squareRoot()
        h = r / cos(lat) - n
        lat = atan2(p.z, r * (1 - e2 * n / (n + h)))
    }
    return (atan2(p.y, p.x), lat, h)
}

private func syntheticCity(_ n: Int, seed: UInt64) -> [Building] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { i in
        let x = rng.range(-1500, 1500), y = rng.range(-1500, 1500)
        var rings = [rect(x, y, rng.range(5, 30), rng.range(5, 30))]
        if i % 7 == 0 { rings = [rect(x, y, 30, 30), Array(rect(x + 10, y + 10, 10, 10).reversed())] }
        let floors = 1 + Int(rng.next() % 30)
        return Building(id: Int64(1000 + i), sourceId: i % 5 == 0 ? "" : "src-\(i)-名", footprint: MultiPolygon([Polygon(rings)]),
                        heightM: Double(floors) * 3, heightSource: .floors, floors: i % 3 == 0 ? nil : floors,
                        use: BuildingUse.allCases[i % BuildingUse.allCases.count], residents: i % 2 == 0 ? Double(i) : nil,
                        yearBuilt: i % 4 == 0 ? nil : 1900 + i % 120, groundM: i % 10 == 0 ? 12.5 : nil)
    }
}

private struct Walked {
    var features = 0
    var ids: [Double] = []
    var contents = 0
    var maxOutsideRad = 0.0, maxOutsideH = 0.0
    var problems: [String] = []
}

/// Walks the tileset: geometric errors, region nesting, content GLBs (structure, accessors, metadata) and every vertex
/// inside its tile's region and all ancestors' regions.
private func walk(_ tile: [String: Any], dir: URL, parentWorld: RigidTransform, ancestors: [[Double]], parentGE: Double?,
                  buildings: [Int64: Building], out: inout Walked) {
    let ge = tile["geometricError"] as! Double
    if let p = parentGE, !(ge < p) { out.problems.append("geometricError \(ge) not < parent \(p)") }
    let children = tile["children"] as? [[String: Any]] ?? []
    if children.isEmpty && ge != 0 { out.problems.append("leaf geometricError \(ge)") }
    let region = (tile["boundingVolume"] as! [String: Any])["region"] as! [Double]
    if let a = ancestors.last {
        if region[0] < a[0] || region[1] < a[1] || region[2] > a[2] || region[3] > a[3] || region[4] < a[4] || region[5] > a[5] {
            out.problems.append("region not inside parent region")
        }
    }
    var world = parentWorld
    if let t = tile["transform"] as? [Double] {
        #expect(t[3] == 0 && t[7] == 0 && t[11] == 0 && t[15] == 1)
        let m = RigidTransform(x: SIMD3(t[0], t[1], t[2]), y: SIMD3(t[4], t[5], t[6]), z: SIMD3(t[8], t[9], t[10]), origin: SIMD3(t[12], t[13], t[14]))
        world = parentWorld.composed(with: m)
    }
    let regions = ancestors + [region]
    if let c = tile["content"] as? [String: Any], let uri = c["uri"] as? String {
        out.contents += 1
        let bytes = [UInt8]((try? Data(contentsOf: dir.appendingPathComponent(uri))) ?? Data())
        let g = ParsedGLB(bytes)
        out.problems += g.problems
        let table = g.propertyTable
        let count = table["count"] as? Int ?? -1
        out.features += count
        let ids = g.numbers("id", "FLOAT64") ?? []
        out.ids += ids
        // Metadata decodes back to the input.
        let src = g.strings("source_id"), groundSrc = g.strings("ground_source"), floors = g.numbers("floors", "INT32"), use = g.strings("use")
        let year = g.numbers("year_built", "INT32"), dist = g.numbers("d_test", "FLOAT32"), flag = g.numbers("flag", "UINT8")
        for (k, id) in ids.enumerated() {
            guard let b = buildings[Int64(id)] else { out.problems.append("unknown id \(id)"); continue }
            if let src, src[k] != b.sourceId { out.problems.append("source_id \(src[k]) != \(b.sourceId)") }
            if groundSrc?[k] != b.groundSource.rawValue { out.problems.append("ground_source \(groundSrc?[k] ?? "absent") != \(b.groundSource.rawValue)") }
            if floors?[k] != Double(b.floors ?? -1) { out.problems.append("floors") }
            if use?[k] != b.use.rawValue { out.problems.append("use") }
            if year?[k] != Double(b.yearBuilt ?? -1) { out.problems.append("year") }
            let i = Int(b.id - 1000)
            if dist?[k] != Double(Float(i % 9 == 0 ? -1 : Double(i) * 1.5)) { out.problems.append("d_test") }
            if flag?[k] != Double(i % 2) { out.problems.append("flag") }
        }
        let prims = ((g.json["meshes"] as? [[String: Any]])?.first?["primitives"] as? [[String: Any]]) ?? []
        for p in prims {
            let at = p["attributes"] as! [String: Int]
            let Q = g.read(at["POSITION"]!), N = g.read(at["NORMAL"]!), F = g.read(at["_FEATURE_ID_0"]!), I = g.read(p["indices"] as! Int)
            let acc = g.accessors[at["POSITION"]!]
            let quantized = acc["componentType"] as! Int != 5126
            // KHR_mesh_quantization: min/max are in stored units; the node's translation + scale dequantize.
            let P = quantized ? Q.enumerated().map { g.nodeTranslation[$0.offset % 3] + g.nodeScale[$0.offset % 3] * $0.element } : Q
            let mn = acc["min"] as! [Double], mx = acc["max"] as! [Double]
            for d in 0..<3 {
                let col = stride(from: d, to: Q.count, by: 3).map { Q[$0] }
                // Float32 comparison: Foundation's JSON parser on Linux may be off in the last digit of a Double.
                if Float(col.min()!) != Float(mn[d]) || Float(col.max()!) != Float(mx[d]) { out.problems.append("POSITION min/max \(col.min()!) \(mn[d]) \(col.max()!) \(mx[d])") }
            }
            // Normalized INT8 normals are unit within their rounding (≤ √3 · 0.5/127 ≈ 0.007).
            let unitTol = quantized ? 0.007 : 1e-5
            for k in stride(from: 0, to: N.count, by: 3) where abs((N[k] * N[k] + N[k + 1] * N[k + 1] + N[k + 2] * N[k + 2]).squareRoot() - 1) > unitTol {
                out.problems.append("normal not unit"); break
            }
            if I.contains(where: { Int($0) >= F.count }) { out.problems.append("index out of range") }
            let fc = (((p["extensions"] as! [String: Any])["EXT_mesh_features"] as! [String: Any])["featureIds"] as! [[String: Any]])[0]
            if Set(F).count != fc["featureCount"] as! Int { out.problems.append("featureCount") }
            if F.contains(where: { $0 < 0 || $0 >= Double(count) || $0 != $0.rounded() }) { out.problems.append("feature id range") }
            for k in stride(from: 0, to: P.count, by: 3) {
                let w = world.apply(SIMD3(P[k], -P[k + 2], P[k + 1]))   // glTF y-up → z-up, then tile transforms
                let g = geodetic(w)
                for r in regions {
                    let dl = max(r[0] - g.lon, g.lon - r[2], r[1] - g.lat, g.lat - r[3], 0)
                    let dh = max(r[4] - g.h, g.h - r[5], 0)
                    out.maxOutsideRad = max(out.maxOutsideRad, dl); out.maxOutsideH = max(out.maxOutsideH, dh)
                }
            }
        }
    }
    for ch in children {
        walk(ch, dir: dir, parentWorld: world, ancestors: regions, parentGE: ge, buildings: buildings, out: &out)
    }
}

private func columns(_ n: Int) -> [BuildingColumn] {
    [BuildingColumn(name: "d_test", values: .float32((0..<n).map { Float($0 % 9 == 0 ? -1 : Double($0) * 1.5) }, noData: -1)),
     BuildingColumn(name: "flag", values: .uint8((0..<n).map { UInt8($0 % 2) }, noData: nil))]
}

@Test(arguments: TileCompression.allCases) func tilesetInvariantsAndRoundTrip(_ compression: TileCompression) throws {
    let city = syntheticCity(900, seed: 3)
    var o = TilesetOptions()
    o.compression = compression
    o.maxBuildingsPerTile = 120
    o.coarseBuildingsPerParent = 25
    o.defaultGroundHeightM = 3
    try withTempDir { dir in
        let s = try TilesetWriter(o, codec: MeshoptCodec()).write(buildings: city, extraColumns: columns(city.count),
                                           projector: TestTangentProjector(lonDeg: 120.6, latDeg: 31.3), to: dir)
        #expect(s.buildings == 900)
        #expect(s.skippedBuildings == 0)
        #expect(s.contentTiles > 8)
        #expect(s.depth >= 2)
        let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
        #expect((ts["asset"] as! [String: Any])["version"] as? String == "1.1")
        #expect(ts["extensionsUsed"] == nil && ts["extensionsRequired"] == nil)
        let root = ts["root"] as! [String: Any]
        #expect(root["transform"] == nil && root["content"] == nil)
        #expect(root["refine"] as? String == "ADD")
        #expect(ts["geometricError"] as! Double > root["geometricError"] as! Double)
        var w = Walked()
        walk(root, dir: dir, parentWorld: .identity, ancestors: [], parentGE: nil,
             buildings: Dictionary(uniqueKeysWithValues: city.map { ($0.id, $0) }), out: &w)
        #expect(w.problems.isEmpty, "\(w.problems.prefix(5))")
        #expect(w.features == 900)
        #expect(Set(w.ids) == Set(city.map { Double($0.id) }))
        #expect(w.contents == s.contentTiles)
        // Vertices inside every region (radians; 1e-9 rad ≈ 6 mm) and heights (m).
        #expect(w.maxOutsideRad < 1e-9)
        #expect(w.maxOutsideH < 1e-3)
    }
}

@Test func tileBudgetsAreRespected() throws {
    let city = syntheticCity(2000, seed: 9)
    var o = TilesetOptions()
    o.maxBuildingsPerTile = 150
    o.coarseBuildingsPerParent = 10
    let ext = city.map { b -> Float in
        let bb = b.footprint.bbox
        return Float(max((bb.width * bb.width + bb.height * bb.height).squareRoot(), b.heightM))
    }
    var tri = [Int32](repeating: 0, count: city.count)
    for (i, b) in city.enumerated() { tri[i] = Int32(b.footprint.polygons.reduce(0) { $0 + $1.rings.reduce(0) { $0 + 4 * $1.count + 4 } }) }
    let plan = QuadtreePlan(anchors: city.map { $0.footprint.bbox.center }, extents: ext, triangleEstimates: tri,
                            ids: (0..<Int32(city.count)).map { $0 }, options: o)
    var seen = Set<Int32>()
    for t in plan.tiles {
        if t.children.isEmpty { #expect(t.content.count <= 150) } else { #expect(t.content.count <= 10) }
        for i in t.content { #expect(seen.insert(i).inserted) }
        // A parent's coarse content is at least as large as anything below it.
        if !t.children.isEmpty, let minCoarse = t.content.map({ ext[Int($0)] }).min() {
            var stack = t.children
            while let c = stack.popLast() {
                for i in plan.tiles[c].content { #expect(ext[Int(i)] <= minCoarse) }
                stack += plan.tiles[c].children
            }
        }
    }
    #expect(seen.count == city.count)
}

@Test func badColumnsAndEmptyInputs() throws {
    let city = syntheticCity(10, seed: 1)
    let p = TestTangentProjector(lonDeg: 0, latDeg: 0)
    try withTempDir { dir in
        #expect(throws: TilesError.columnLength(name: "x", count: 3, expected: 10)) {
            _ = try TilesetWriter().write(buildings: city, extraColumns: [BuildingColumn(name: "x", values: .uint8([1, 2, 3], noData: nil))], projector: p, to: dir)
        }
        #expect(throws: TilesError.duplicateColumn("height_m")) {
            _ = try TilesetWriter().write(buildings: city, extraColumns: [BuildingColumn(name: "height_m", values: .uint8(Array(repeating: 0, count: 10), noData: nil))], projector: p, to: dir)
        }
        #expect(BuildingColumn(name: "d-公园 2", values: .string([])).identifier == "d_u516cu56ed_2")   // 公 U+516C, 园 U+56ED
        #expect(BuildingColumn(name: "3x", values: .string([])).identifier == "_3x")
        // No buildings, and a building without coordinates: a valid, empty tileset.
        let empty = Building(id: 1, sourceId: "e", footprint: MultiPolygon([]), heightM: 5, heightSource: .default)
        let s = try TilesetWriter().write(buildings: [empty], projector: p, to: dir)
        #expect(s.buildings == 0 && s.skippedBuildings == 1 && s.contentTiles == 0)
        let ts = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tileset.json"))) as! [String: Any]
        #expect((ts["asset"] as! [String: Any])["version"] as? String == "1.1")
    }
}

@Test func serialAndParallelWriteTheSameBytes() throws {
    let city = syntheticCity(400, seed: 5)
    var o = TilesetOptions(); o.maxBuildingsPerTile = 60
    try withTempDir { d1 in
        try withTempDir { d2 in
            o.parallel = true
            let a = try TilesetWriter(o).write(buildings: city, projector: TestTangentProjector(lonDeg: 5, latDeg: 45), to: d1)
            o.parallel = false
            let b = try TilesetWriter(o).write(buildings: city, projector: TestTangentProjector(lonDeg: 5, latDeg: 45), to: d2)
            #expect(a == b)
            #expect(try Data(contentsOf: d1.appendingPathComponent("tileset.json")) == Data(contentsOf: d2.appendingPathComponent("tileset.json")))
        }
    }
}

@Test func wgs84RoundTripAndKnownPoints() {
    let eq = WGS84.toECEF(lon: 0, lat: 0, h: 0)
    #expect(abs(eq.x - 6_378_137) < 1e-9 && abs(eq.y) < 1e-9 && abs(eq.z) < 1e-9)
    let pole = WGS84.toECEF(lon: 0, lat: .pi / 2, h: 100)
    #expect(abs(pole.z - (6_356_752.314245 + 100)) < 1e-5)
    var rng = SplitMix64(seed: 11)
    var worstAngle = 0.0, worstH = 0.0
    for _ in 0..<2000 {
        let lon = rng.range(-.pi, .pi), lat = rng.range(-1.55, 1.55), h = rng.range(-500, 9000)
        let g = WGS84.toGeodetic(WGS84.toECEF(lon: lon, lat: lat, h: h))
        let ref = geodetic(WGS84.toECEF(lon: lon, lat: lat, h: h))
        worstAngle = max(worstAngle, abs(g.lon - lon), abs(g.lat - lat), abs(ref.lat - g.lat))
        worstH = max(worstH, abs(g.h - h))
    }
    #expect(worstAngle < 1e-11)   // ~0.06 mm
    #expect(worstH < 1e-5)
}

@Test func enuFrameIsOrthonormalAndInvertible() {
    let f = WGS84.enuFrame(lon: 2.1, lat: 0.55, h: 10)
    for (a, b) in [(f.x, f.y), (f.y, f.z), (f.x, f.z)] { #expect(abs((a * b).sum()) < 1e-15) }
    for v in [f.x, f.y, f.z] { #expect(abs((v * v).sum() - 1) < 1e-15) }
    let p = SIMD3<Double>(123.4, -56.7, 89)
    let q = f.inverse.apply(f.apply(p))
    #expect(simd_len(q - p) < 1e-8)
    #expect(simd_len(f.inverseApply(f.apply(p)) - p) < 1e-8)
    let cm = f.columnMajor
    #expect(cm.count == 16 && cm[15] == 1 && cm[3] == 0)
}

private func simd_len(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
