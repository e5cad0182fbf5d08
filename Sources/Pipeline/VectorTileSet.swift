import CityModel
import Foundation
import GeoBridge
import Tiles

/// Writes a vector tile set of ``MVT`` layers: a `{z}/{x}/{y}.pbf` folder of uncompressed tiles with
/// `metadata.json`, and the same tiles gzip-compressed in an MBTiles file — the outputs GDAL's MVT driver wrote
/// (metadata.json and the MBTiles `metadata` rows carry the same keys: name, description, version, minzoom, maxzoom,
/// center, bounds, type, format and json with `vector_layers` and `tilestats`, which GDAL's MVT reader uses for field
/// types). Each zoom's tiles are encoded, written and compressed on all cores; the MBTiles rows are added in one
/// thread. Both outputs are made under temporary names and renamed into place at the end.
enum VectorTileSet {
    struct Result {
        /// Tiles with content per zoom.
        var tiles: [Int: Int] = [:]
        var folderBytes = 0, mbtilesBytes = 0
        /// The largest tile (uncompressed bytes) and where it is.
        var largest = 0, largestTile = MVT.TileID(z: 0, x: 0, y: 0)
        /// Seconds adding the MBTiles rows (in the zooms' seconds).
        var mbtilesSeconds = 0.0
        /// Seconds per zoom (encode + write).
        var seconds: [Int: Double] = [:]
    }

    /// - Parameters:
    ///   - bounds: the data's box in WGS 84 (lon/lat) for the metadata; `center` at the lowest zoom.
    ///   - fillBox: Web Mercator box whose every tile gets a file (empty when it has no feature), so a static server
    ///     never answers 404 to the map.
    static func write(layers: [MVT.Layer], directory: String, mbtiles: String, name: String, description: String,
                      bounds: BBox, fillBox: BBox, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Result {
        let fm = FileManager.default
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmpDir = directory + ".tmp-\(pid)"
        try? fm.removeItem(atPath: tmpDir)
        do { try fm.createDirectory(atPath: tmpDir, withIntermediateDirectories: true) } catch {
            throw PipelineError.output(path: tmpDir, message: "\(error)")
        }
        var ok = false
        defer { if !ok { try? fm.removeItem(atPath: tmpDir) } }
        let db: MBTilesWriter
        do { db = try MBTilesWriter(path: mbtiles) } catch { throw PipelineError.output(path: mbtiles, message: "\(error)") }
        var res = Result()
        guard let zmin = layers.map(\.zooms.lowerBound).min(), let zmax = layers.map(\.zooms.upperBound).max() else {
            throw PipelineError.output(path: directory, message: "no vector tile layer to write")
        }
        // Values numbered once per layer, in parallel.
        let prepJobs = ParallelResults<MVT.Prepared>(layers.count)
        DispatchQueue.concurrentPerform(iterations: layers.count) { i in prepJobs.set(i, .success(MVT.Prepared(layers[i]))) }
        let prepared = try prepJobs.values()
        for z in zmin...zmax {
            let t0 = Date()
            let active = prepared.filter { $0.layer.zooms.contains(z) }
            let bucketJobs = ParallelResults<[MVT.TileID: [Int32]]>(active.count)
            DispatchQueue.concurrentPerform(iterations: active.count) { i in bucketJobs.set(i, .success(MVT.buckets(active[i].layer, zoom: z))) }
            let perLayer = try bucketJobs.values()
            var ids = Set<MVT.TileID>()
            for b in perLayer { ids.formUnion(b.keys) }
            let tiles = ids.sorted()
            // Encode, write the folder file and gzip, in parallel; MBTiles rows after.
            let n = max(1, min(workers, tiles.count))
            let jobs = ParallelResults<[(Int, [UInt8], Int)]>(n)
            DispatchQueue.concurrentPerform(iterations: n) { w in
                var mine: [(Int, [UInt8], Int)] = []
                do {
                    var i = w
                    while i < tiles.count {
                        let t = tiles[i]
                        if let bytes = MVT.encodeTile(t, layers: active, members: perLayer.map { $0[t] ?? [] }) {
                            let dir = "\(tmpDir)/\(t.z)/\(t.x)"
                            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                            let path = "\(dir)/\(t.y).pbf"
                            try WebStage.writeFile(path, bytes)
                            mine.append((i, try Gzip.compress(bytes, level: 1), bytes.count))
                        }
                        i += n
                    }
                    jobs.set(w, .success(mine))
                } catch { jobs.set(w, .failure(error)) }
            }
            var done = try jobs.values().flatMap { $0 }
            done.sort { $0.0 < $1.0 }
            let tdb = Date()
            for (i, gz, raw) in done {
                let t = tiles[i]
                do { try db.add(z: t.z, x: t.x, y: t.y, data: gz) } catch { throw PipelineError.output(path: mbtiles, message: "\(error)") }
                res.folderBytes += raw
                if raw > res.largest { res.largest = raw; res.largestTile = t }
            }
            res.tiles[z] = done.count
            res.mbtilesSeconds += Date().timeIntervalSince(tdb)
            // Empty files for the other tiles of the data's box.
            let r = WebTiling.tileRange(fillBox, zoom: z)
            for x in r.x {
                let dir = "\(tmpDir)/\(z)/\(x)"
                try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for y in r.y where !ids.contains(MVT.TileID(z: z, x: x, y: y)) { _ = fm.createFile(atPath: "\(dir)/\(y).pbf", contents: Data()) }
            }
            res.seconds[z] = Date().timeIntervalSince(t0)
        }
        let meta = metadata(layers: layers, name: name, description: description, bounds: bounds, zooms: zmin...zmax)
        var json = "{\n"
        json += meta.map { k, v in
            "  \(jsonStringLiteral(k)):" + (["version", "minzoom", "maxzoom"].contains(k) ? v : jsonStringLiteral(v))
        }.joined(separator: ",\n")
        json += "\n}\n"
        guard fm.createFile(atPath: tmpDir + "/metadata.json", contents: Data(json.utf8)) else {
            throw PipelineError.output(path: tmpDir + "/metadata.json", message: "cannot write")
        }
        do {
            try db.setMetadata(meta)
            try db.commit()
        } catch { throw PipelineError.output(path: mbtiles, message: "\(error)") }
        try? fm.removeItem(atPath: directory)
        guard rename(tmpDir, directory) == 0 else {
            throw PipelineError.output(path: directory, message: "cannot move \(tmpDir) into place: \(String(cString: strerror(errno)))")
        }
        ok = true
        res.mbtilesBytes = ((try? fm.attributesOfItem(atPath: mbtiles)[.size]) as? NSNumber)?.intValue ?? 0
        return res
    }

    /// The metadata rows (MBTiles 1.3 keys, in GDAL's order), `json` holding vector_layers and tilestats.
    static func metadata(layers: [MVT.Layer], name: String, description: String, bounds: BBox, zooms: ClosedRange<Int>) -> [(String, String)] {
        func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)" }
        var vl: [String] = [], ts: [String] = []
        for l in layers {
            let geom = l.features.first.map { $0.kind == .point ? "Point" : $0.kind == .line ? "LineString" : "Polygon" } ?? "Unknown"
            var fields: [String] = [], attrs: [String] = []
            for (i, f) in l.fields.enumerated() {
                var count = 0, isString = false
                var distinct: [FieldValue] = [], seen: Set<FieldValue> = []
                var lo = Double.infinity, hi = -Double.infinity
                for feat in l.features {
                    let v = feat.values[i]
                    switch v {
                    case .null: continue
                    case .real(let d): guard d.isFinite else { continue }; lo = min(lo, d); hi = max(hi, d)
                    case .int(let d): lo = min(lo, Double(d)); hi = max(hi, Double(d))
                    case .string: isString = true
                    }
                    count += 1
                    if distinct.count < 100, seen.insert(v).inserted { distinct.append(v) }
                }
                fields.append("\(jsonStringLiteral(f)):\"\(isString ? "String" : "Number")\"")
                let vals = distinct.map { v -> String in
                    switch v { case .string(let s): return jsonStringLiteral(s); case .int(let d): return "\(d)"; case .real(let d): return num(d); case .null: return "null" }
                }
                var a = "{\"attribute\":\(jsonStringLiteral(f)),\"count\":\(count),\"type\":\"\(isString ? "string" : "number")\",\"values\":[\(vals.joined(separator: ","))]"
                if !isString, lo <= hi { a += ",\"min\":\(num(lo)),\"max\":\(num(hi))" }
                attrs.append(a + "}")
            }
            vl.append("{\"id\":\(jsonStringLiteral(l.name)),\"description\":\(jsonStringLiteral(l.description)),\"minzoom\":\(l.zooms.lowerBound),\"maxzoom\":\(l.zooms.upperBound),\"fields\":{\(fields.joined(separator: ","))}}")
            ts.append("{\"layer\":\(jsonStringLiteral(l.name)),\"count\":\(l.features.count),\"geometry\":\"\(geom)\",\"attributeCount\":\(l.fields.count),\"attributes\":[\(attrs.joined(separator: ","))]}")
        }
        let json = "{\"vector_layers\":[\(vl.joined(separator: ","))],\"tilestats\":{\"layerCount\":\(layers.count),\"layers\":[\(ts.joined(separator: ","))]}}"
        let c = bounds.center
        return [("name", name), ("description", description), ("version", "2"), ("minzoom", "\(zooms.lowerBound)"), ("maxzoom", "\(zooms.upperBound)"),
                ("center", String(format: "%.7f,%.7f,%d", c.x, c.y, zooms.lowerBound)),
                ("bounds", String(format: "%.7f,%.7f,%.7f,%.7f", bounds.minX, bounds.minY, bounds.maxX, bounds.maxY)),
                ("type", "overlay"), ("format", "pbf"), ("json", json)]
    }
}
