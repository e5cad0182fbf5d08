#if canImport(Tiles)
import CityModel
import Foundation
import Tiles

/// 3D Tiles export benchmark: synthetic city (or a GeoJSON of lon/lat footprints) → `TilesetWriter`.
///
/// `cimbase-bench tiles [--n N] [--seed S] [--out DIR] [--geojson FILE] [--max-per-tile K] [--serial]`
/// The synthetic city is a grid of 100 m blocks around Suzhou (120.6° E, 31.3° N) in a local tangent-plane working
/// CRS (`TangentPlaneProjector`), each block holding up to 12 buildings: rectangles, L-shapes and courtyards (one hole),
/// 3–120 m tall, with two extra columns (`d_school` Float32 with no-data −1, `cov_school` UInt8).
/// `--geojson` reads Polygon / MultiPolygon features in lon/lat (e.g. the Suzhou sample, property `Floor`), maps them to
/// the tangent plane at their mean position and uses 3 m per floor.
/// `--gen-only` builds the input and exits (its peak memory is the baseline of the export's).
/// `--dump-wkb DIR` writes the same extruded solids as one MultiPolygon Z WKB file per building (roof, floor and wall
/// faces, working-CRS metres) for `py3dtiles export -d DIR`, the anchor of scripts/bench_tiles.sh, and exits.
/// Prints one line: buildings, tiles, triangles, bytes, seconds, buildings/s (export only, generation excluded).
public func runTilesBench(args: [String]) throws {
    var n = 23_000, seed: UInt64 = 1, out = "/tmp/cimbase-tiles-bench", geojson: String? = nil, dumpWKB: String? = nil
    var genOnly = false
    var opts = TilesetOptions()
    var i = 0
    while i < args.count {
        let a = args[i], v = i + 1 < args.count ? args[i + 1] : ""
        switch a {
        case "--n": n = Int(v) ?? n; i += 1
        case "--seed": seed = UInt64(v) ?? seed; i += 1
        case "--out": out = v; i += 1
        case "--geojson": geojson = v; i += 1
        case "--max-per-tile": opts.maxBuildingsPerTile = Int(v) ?? opts.maxBuildingsPerTile; i += 1
        case "--coarse": opts.coarseBuildingsPerParent = Int(v) ?? opts.coarseBuildingsPerParent; i += 1
        case "--serial": opts.parallel = false
        case "--dump-wkb": dumpWKB = v; i += 1
        case "--gen-only": genOnly = true
        default: break
        }
        i += 1
    }
    let t0 = Date()
    let buildings: [Building]
    let projector: TangentPlaneProjector
    if let path = geojson {
        (buildings, projector) = try TilesBenchData.loadGeoJSON(path)
        opts.defaultGroundHeightM = 0   // on the ellipsoid: the ground of a client without terrain
    } else {
        buildings = TilesBenchData.synthetic(count: n, seed: seed)
        projector = TangentPlaneProjector(lonDeg: 120.6, latDeg: 31.3)
        opts.defaultGroundHeightM = 0
    }
    if let dir = dumpWKB {
        // Anchor input: the same extruded solids as one 3D MultiPolygon WKB per building (py3dtiles export -d DIR).
        try TilesBenchData.dumpWKB(buildings, groundM: opts.defaultGroundHeightM, to: dir)
        print("tiles: wrote \(buildings.count) WKB solids to \(dir)")
        return
    }
    var d = [Float](), cov = [UInt8]()
    var rng = TilesBenchData.SplitMix(seed: seed ^ 0x9e37)
    for _ in buildings {
        let r = rng.unit()
        d.append(r < 0.1 ? -1 : Float(50 + 1500 * rng.unit()))
        cov.append(d.last! >= 0 && d.last! <= 500 ? 1 : 0)
    }
    let cols = [BuildingColumn(name: "d_school", description: "Walk distance to the nearest school (m)", values: .float32(d, noData: -1)),
                BuildingColumn(name: "cov_school", description: "1 when a school is within 500 m", values: .uint8(cov, noData: nil))]
    let tGen = Date().timeIntervalSince(t0)
    if genOnly {   // memory baseline: the input alone
        print(String(format: "tiles: generated %d buildings in %.2f s (no export)", buildings.count, tGen))
        return
    }
    let dir = URL(fileURLWithPath: out)
    try? FileManager.default.removeItem(at: dir)
    let t1 = Date()
    let s = try TilesetWriter(opts).write(buildings: buildings, extraColumns: cols, projector: projector, to: dir)
    let dt = Date().timeIntervalSince(t1)
    print(String(format: "tiles: buildings=%d tiles=%d contentTiles=%d depth=%d triangles=%d vertices=%d bytes=%d gen_s=%.2f export_s=%.2f buildings_per_s=%.0f",
                 s.buildings, s.tiles, s.contentTiles, s.depth, s.triangles, s.vertices, s.bytes, tGen, dt, Double(s.buildings) / dt))
}

/// Synthetic and GeoJSON inputs of the tiles benchmark.
enum TilesBenchData {
    struct SplitMix {
        var s: UInt64
        init(seed: UInt64) { s = seed }
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// `count` buildings in 100 m blocks on a square grid centred on the origin.
    static func synthetic(count: Int, seed: UInt64) -> [Building] {
        var rng = SplitMix(seed: seed)
        let perBlock = 12
        let blocks = (count + perBlock - 1) / perBlock
        let side = Int(Double(blocks).squareRoot().rounded(.up))
        let half = Double(side) * 50
        var out: [Building] = []
        out.reserveCapacity(count)
        let uses = BuildingUse.allCases
        outer: for by in 0..<side {
            for bx in 0..<side {
                let ox = Double(bx) * 100 - half, oy = Double(by) * 100 - half
                for k in 0..<perBlock {
                    if out.count >= count { break outer }
                    // 4 × 3 lots of 22 × 30 m inside the block (with 6 m streets).
                    let lx = ox + 6 + Double(k % 4) * 23.5, ly = oy + 6 + Double(k / 4) * 29.3
                    let w = 8 + 12 * rng.unit(), h = 8 + 18 * rng.unit()
                    let x0 = lx + (22 - w) * rng.unit() * 0.9, y0 = ly + (28 - h) * rng.unit() * 0.9
                    let kind = rng.unit()
                    let poly: Polygon
                    if kind < 0.6 {
                        poly = Polygon([[Vec2(x0, y0), Vec2(x0 + w, y0), Vec2(x0 + w, y0 + h), Vec2(x0, y0 + h)]])
                    } else if kind < 0.9 {
                        let cw = w * (0.3 + 0.4 * rng.unit()), ch = h * (0.3 + 0.4 * rng.unit())
                        poly = Polygon([[Vec2(x0, y0), Vec2(x0 + w, y0), Vec2(x0 + w, y0 + ch), Vec2(x0 + cw, y0 + ch),
                                         Vec2(x0 + cw, y0 + h), Vec2(x0, y0 + h)]])
                    } else {
                        let m = 3.0
                        poly = Polygon([[Vec2(x0, y0), Vec2(x0 + w, y0), Vec2(x0 + w, y0 + h), Vec2(x0, y0 + h)],
                                        [Vec2(x0 + m, y0 + m), Vec2(x0 + m, y0 + h - m), Vec2(x0 + w - m, y0 + h - m), Vec2(x0 + w - m, y0 + m)]])
                    }
                    let floors = 1 + Int(rng.unit() * rng.unit() * 39)
                    out.append(Building(id: Int64(out.count + 1), sourceId: "syn-\(out.count + 1)", footprint: MultiPolygon([poly]),
                                        heightM: Double(floors) * 3, heightSource: .floors, floors: floors,
                                        use: uses[Int(rng.next() % UInt64(uses.count))],
                                        residents: rng.unit() < 0.5 ? Double(floors * 6) : nil,
                                        yearBuilt: rng.unit() < 0.7 ? 1950 + Int(rng.next() % 75) : nil))
                }
            }
        }
        return out
    }

    /// One `.wkb` file per building: a MultiPolygon Z (ISO type 1006) of its faces, rings closed.
    static func dumpWKB(_ buildings: [Building], groundM: Double, to dir: String) throws {
        let url = URL(fileURLWithPath: dir)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for b in buildings {
            var faces: [[[SIMD3<Double>]]] = []
            let g = b.groundM ?? groundM, t = g + b.heightM
            for p in b.footprint.polygons {
                let n = p.normalized()
                faces.append(n.rings.map { r in r.map { SIMD3($0.x, $0.y, t) } })
                faces.append(n.rings.map { r in r.reversed().map { SIMD3($0.x, $0.y, g) } })
                for r in n.rings {
                    for i in r.indices {
                        let a = r[i], c = r[(i + 1) % r.count]
                        faces.append([[SIMD3(a.x, a.y, g), SIMD3(c.x, c.y, g), SIMD3(c.x, c.y, t), SIMD3(a.x, a.y, t)]])
                    }
                }
            }
            var w: [UInt8] = []
            func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { w.append(contentsOf: $0) } }
            func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { w.append(contentsOf: $0) } }
            w.append(1); u32(1006); u32(faces.count)
            for f in faces {
                w.append(1); u32(1003); u32(f.count)
                for r in f {
                    u32(r.count + 1)
                    for q in r + [r[0]] { f64(q.x); f64(q.y); f64(q.z) }
                }
            }
            try Data(w).write(to: url.appendingPathComponent("b\(b.id).wkb"))
        }
    }

    /// Reads lon/lat Polygon / MultiPolygon features; working CRS = tangent plane at their mean position.
    static func loadGeoJSON(_ path: String) throws -> ([Building], TangentPlaneProjector) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let feats = root["features"] as? [[String: Any]] else { throw TilesError.io("not a FeatureCollection: \(path)") }
        func rings(_ g: Any?) -> [[[[Double]]]] {
            guard let g = g as? [String: Any], let t = g["type"] as? String else { return [] }
            if t == "Polygon", let c = g["coordinates"] as? [[[Double]]] { return [c] }
            if t == "MultiPolygon", let c = g["coordinates"] as? [[[[Double]]]] { return c }
            return []
        }
        var sx = 0.0, sy = 0.0, np = 0.0
        for f in feats { for p in rings(f["geometry"]) { for q in p.first ?? [] where q.count >= 2 { sx += q[0]; sy += q[1]; np += 1 } } }
        let lon0 = np > 0 ? sx / np : 0, lat0 = np > 0 ? sy / np : 0
        let proj = TangentPlaneProjector(lonDeg: lon0, latDeg: lat0)
        func local(_ q: [Double]) -> Vec2 {
            let e = WGS84.toECEF(lon: q[0] * .pi / 180, lat: q[1] * .pi / 180, h: 0)
            let l = proj.frame.inverseApply(e)
            return Vec2(l.x, l.y)
        }
        var out: [Building] = []
        for (i, f) in feats.enumerated() {
            let props = f["properties"] as? [String: Any] ?? [:]
            let polys = rings(f["geometry"]).map { Polygon($0.map { r in r.map(local) }) }
            let floors = (props["Floor"] as? NSNumber)?.intValue ?? (props["floors"] as? NSNumber)?.intValue
            let hm = (props["height"] as? NSNumber)?.doubleValue
            // ids are the feature's 1-based position (source ids need not be unique: the Suzhou sample's are all 0).
            let src = (props["Id"] as? NSNumber)?.stringValue ?? (props["id"] as? String) ?? ""
            out.append(Building(id: Int64(i + 1), sourceId: src, footprint: MultiPolygon(polys),
                                heightM: hm ?? Double(floors ?? 1) * 3, heightSource: hm != nil ? .measured : .floors,
                                floors: floors, use: .unknown))
        }
        return (out, proj)
    }
}
#else
/// 3D Tiles benchmark: needs the `Tiles` module linked into cimbase-bench (add it to the target's dependencies).
public func runTilesBench(args: [String]) throws {
    print("tiles bench: cimbase-bench is not linked with the Tiles module")
}
#endif
