import CityModel
import Dispatch
import Foundation
import GeoBridge
import Synchronization

/// Ingest step 2: chooses the working CRS from the features whose coordinates make sense, then reprojects every
/// feature, rejecting (with the reason) each one whose coordinates cannot be reprojected or that lies outside the
/// working CRS's area of use. One bad feature never stops the file.
///
/// - The data's centre is the median longitude and latitude of one vertex per feature (a strided sample of at most
///   65,536 per layer) of the first layer that has any, counting only vertices that PROJ can bring to longitude/
///   latitude and that lie inside the source CRS's area of use (widened by `marginDegrees`).
/// - The accepted domain is the working CRS's area of use, widened by `marginDegrees` (3°: half a UTM zone, so a city
///   that straddles a zone edge stays whole), as a box in working coordinates; a feature whose bounding box leaves it
///   is rejected. A CRS without an area of use accepts every finite coordinate.
/// Complexity: O(points), on all cores; one PROJ context per worker.
struct Reprojection {
    static let marginDegrees = 3.0
    static let centreSample = 65_536

    let crs: String
    let origins: [SourceOrigin]
    /// Where accepted features must lie, in working coordinates (nil: anywhere finite).
    let domain: BBox?
    let domainText: String
    private let same: [Bool]
    /// One transformer per origin and worker (made once, reused for every layer).
    private let pool: TransformerPool

    init(config: CityConfig, sources: IngestSources) throws {
        let centre = try Self.centreLonLat(sources)
        try self.init(crs: WorkingCRS.resolve(config.crs, centreLonLat: centre), origins: sources.origins)
    }

    init(crs: String, origins: [SourceOrigin]) throws {
        self.crs = crs
        self.origins = origins
        same = origins.map { $0.crs == crs }
        var ts: [ProjTransformer?] = []
        var byCRS: [String: ProjTransformer] = [:]
        for o in origins {
            if o.crs == crs { ts.append(nil); continue }
            if let t = byCRS[o.crs!] { ts.append(try t.clone()); continue }
            do { let t = try ProjTransformer(from: o.crs!, to: crs); byCRS[o.crs!] = t; ts.append(t) } catch let e as GeoBridgeError {
                throw PipelineError.crs(message: "\(o.file) (layer \(o.layer)): cannot transform \(o.crs!) to \(crs): \(e.message)")
            }
        }
        (domain, domainText) = Self.domain(of: crs, lonLatTransformer: byCRS["EPSG:4326"])
        byCRS = [:]
        pool = TransformerPool(first: ts, sources: origins.map { $0.crs == crs ? nil : $0.crs }, target: crs)
    }

    /// Makes the transformers of every worker now, e.g. while the caller would otherwise wait.
    func warm() { pool.warm() }

    // MARK: Centre

    static let centreLayers = ["buildings", "roads", "facilities", "boundary", "zones", "green", "population"]

    /// Median longitude/latitude of the plausible features of the first layer that has any; nil when no layer has.
    static func centreLonLat(_ s: IngestSources) throws -> Vec2? {
        var rejectedAll: (layer: String, origin: Int)? = nil
        for layer in centreLayers {
            guard let feats = s.raw[layer], !feats.isEmpty else { continue }
            let step = max(1, feats.count / centreSample)
            var byOrigin: [Int: [Vec2]] = [:]
            for i in Swift.stride(from: 0, to: feats.count, by: step) {
                if let p = feats[i].geometry?.firstPoint, p.x.isFinite, p.y.isFinite { byOrigin[feats[i].origin, default: []].append(p) }
            }
            var lons: [Double] = [], lats: [Double] = []
            for (o, pts) in byOrigin.sorted(by: { $0.key < $1.key }) {
                let crs = s.origins[o].crs!
                var xs = pts.map(\.x), ys = pts.map(\.y)
                if crs != "EPSG:4326" && crs != "OGC:CRS84" {
                    let t: ProjTransformer
                    do { t = try ProjTransformer(from: crs, to: "EPSG:4326") } catch {
                        throw PipelineError.crs(message: "\(s.origins[o].file): cannot find the data's longitude/latitude from \(crs): \(error)")
                    }
                    xs.withUnsafeMutableBufferPointer { xb in ys.withUnsafeMutableBufferPointer { yb in _ = t.transformAllowingFailures(xb, yb) } }
                }
                let area = (try? SpatialReference(crs))?.areaOfUse
                for k in xs.indices where abs(xs[k]) <= 180 && abs(ys[k]) <= 90 && inside(lon: xs[k], lat: ys[k], area) {
                    lons.append(xs[k]); lats.append(ys[k])
                }
                if lons.isEmpty { rejectedAll = (layer, o) }
            }
            if !lons.isEmpty { return Vec2(median(&lons), median(&lats)) }
        }
        if let (layer, o) = rejectedAll {
            throw PipelineError.input(file: s.origins[o].file, layer: s.origins[o].layer,
                                      message: "no \(layer) feature has coordinates inside the area of use of \(s.origins[o].crs!): is layers.\(layer).crs right?")
        }
        return nil
    }

    static func median(_ v: inout [Double]) -> Double {
        v.sort()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    static func inside(lon: Double, lat: Double, _ a: (west: Double, south: Double, east: Double, north: Double)?) -> Bool {
        guard let a else { return true }
        let m = marginDegrees
        guard lat >= a.south - m && lat <= a.north + m else { return false }
        if a.west > a.east { return true } // crosses the antimeridian: no longitude test
        return lon >= a.west - m && lon <= a.east + m
    }

    /// The working CRS's widened area of use as a box in its own coordinates, and its description for reasons.
    static func domain(of crs: String, lonLatTransformer: ProjTransformer? = nil) -> (BBox?, String) {
        guard let srs = try? SpatialReference(crs), let a = srs.areaOfUse,
              let t = (try? lonLatTransformer?.clone()) ?? (try? ProjTransformer(from: "EPSG:4326", to: crs)) else { return (nil, "") }
        let m = marginDegrees
        let s = max(-89.5, a.south - m), n = min(89.5, a.north + m)
        let (w, e) = a.west > a.east ? (-180.0, 180.0) : (max(-180, a.west - m), min(180, a.east + m))
        var xs: [Double] = [], ys: [Double] = []
        let k = 32
        for i in 0...k { for j in 0...k { xs.append(w + (e - w) * Double(i) / Double(k)); ys.append(s + (n - s) * Double(j) / Double(k)) } }
        xs.withUnsafeMutableBufferPointer { xb in ys.withUnsafeMutableBufferPointer { yb in _ = t.transformAllowingFailures(xb, yb) } }
        var bb = BBox.empty
        for i in xs.indices where xs[i].isFinite && ys[i].isFinite { bb.expand(Vec2(xs[i], ys[i])) }
        if bb.isEmpty { return (nil, "") }
        func deg(_ v: Double, _ pos: String, _ neg: String) -> String { String(format: "%g°%@", abs(v), v < 0 ? neg : pos) }
        let text = "\(crs) (\(srs.name): \(deg(a.west, "E", "W"))–\(deg(a.east, "E", "W")), \(deg(a.south, "N", "S"))–\(deg(a.north, "N", "S")), widened by \(Int(m))°)"
        return (bb, text)
    }

    // MARK: Reprojection

    /// Reprojects `feats` in place; returns the reject reason of each feature (nil: accepted, or left to the
    /// geometry checks because it has no usable coordinates at all). Rejected features lose their geometry (it is in
    /// no meaningful CRS), their reason says where they were.
    /// `from`: only the features from this index on are reprojected (the result is for those).
    func reproject(_ feats: inout [RawFeature], from start: Int = 0) -> [String?] {
        let n = feats.count - start
        var errors = [String?](repeating: nil, count: n)
        let workers = n < 4_096 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let blocks = workers == 1 ? 1 : workers * 8
        let crs = crs, origins = origins, same = same, domain = domain, domainText = domainText
        let pool = pool
        feats.withUnsafeMutableBufferPointer { all in
            errors.withUnsafeMutableBufferPointer { eb in
                nonisolated(unsafe) let f = UnsafeMutableBufferPointer(rebasing: all[start...]), e = eb
                let next = Counter()
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var xs: [Double] = [], ys: [Double] = []
                    while true {
                        let b = next.take()
                        if b >= blocks { break }
                        let lo = n * b / blocks, hi = n * (b + 1) / blocks
                        var i = lo
                        while i < hi {
                            // One PROJ call per run of features from the same origin (at most 512 features).
                            let o = f[i].origin
                            var j = i
                            xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true)
                            while j < hi && j - i < 512 && f[j].origin == o {
                                if var g = f[j].geometry, !g.isEmpty, g.allFinite {
                                    f[j].geometry = nil // g is then the only reference: converted in place
                                    if origins[o].coords == "gcj02" { g.updatePoints { $0 = ChinaCoords.gcj02ToWGS84($0) } }
                                    else if origins[o].coords == "bd09" { g.updatePoints { $0 = ChinaCoords.bd09ToWGS84($0) } }
                                    if !same[o] { g.forEachPoint { xs.append($0.x); ys.append($0.y) } }
                                    f[j].geometry = g
                                }
                                j += 1
                            }
                            var message = ""
                            if !same[o] && !xs.isEmpty {
                                if let m = pool.transform(worker: w, origin: o, &xs, &ys) {
                                    message = m
                                } else {
                                    for k in xs.indices { xs[k] = .infinity; ys[k] = .infinity }
                                }
                            }
                            var k = 0
                            for q in i..<j {
                                guard var g = f[q].geometry, !g.isEmpty, g.allFinite else { continue }
                                f[q].geometry = nil
                                let first = g.firstPoint ?? .zero
                                if !same[o] {
                                    var bad: Vec2? = nil
                                    g.updatePoints { p in
                                        if !xs[k].isFinite, bad == nil { bad = p }
                                        p = Vec2(xs[k], ys[k]); k += 1
                                    }
                                    if let bad {
                                        e[q] = "cannot reproject from \(origins[o].crs!) to \(crs): \(message.isEmpty ? "point outside the CRS's domain" : message) (point \(fmt(bad)))"
                                        continue
                                    }
                                }
                                if let d = domain {
                                    let bb = g.bbox
                                    if !(bb.minX >= d.minX && bb.maxX <= d.maxX && bb.minY >= d.minY && bb.maxY <= d.maxY) {
                                        e[q] = "coordinates outside the area of use of \(domainText) (first point \(fmt(first)) in \(origins[o].crs!))"
                                        continue
                                    }
                                }
                                f[q].geometry = g
                            }
                            i = j
                        }
                    }
                }
            }
        }
        return errors
    }
}

private func fmt(_ p: Vec2) -> String { String(format: "%.9g %.9g", p.x, p.y) }

/// The origins' transformers, one set per worker: PROJ objects are never shared between threads. Worker w's set lives in
/// slot w behind its own mutex (only worker w takes it, so the lock is never contended), and every transformation runs
/// inside that lock, so the compiler checks that no PROJ object leaves it. Slot 0 holds the transformers made (and
/// checked) up front; the others are made from the CRS names on first use and kept for every later layer.
final class TransformerPool: Sendable {
    private let sources: [String?]
    private let target: String
    private let slots: [Slot]

    private final class Slot: Sendable {
        let set: Mutex<[ProjTransformer?]?>
        init(_ s: consuming sending [ProjTransformer?]?) { set = Mutex(s) }
    }

    init(first: consuming sending [ProjTransformer?], sources: [String?], target: String) {
        self.sources = sources
        self.target = target
        var s = [Slot(first)]
        for _ in 1 ..< max(1, ProcessInfo.processInfo.activeProcessorCount) { s.append(Slot(nil)) }
        slots = s
    }

    /// Makes every worker's transformers now (each is otherwise made on its worker's first use).
    func warm() {
        for w in slots.indices {
            var xs: [Double] = [], ys: [Double] = []
            for o in sources.indices where sources[o] != nil { _ = transform(worker: w, origin: o, &xs, &ys) }
        }
    }

    /// Transforms the points of origin `o` in place with worker `w`'s transformer, allowing per-point failures
    /// (set to infinity); returns PROJ's messages, or nil when the origin has no transformer (same CRS, or PROJ
    /// could not make one for this worker).
    func transform(worker w: Int, origin o: Int, _ xs: inout [Double], _ ys: inout [Double]) -> String? {
        let (sources, target) = (self.sources, self.target)
        return slots[w % slots.count].set.withLock { set -> String? in
            if set == nil { set = sources.map { src in src.flatMap { try? ProjTransformer(from: $0, to: target) } } }
            guard let t = set![o] else { return nil }
            return xs.withUnsafeMutableBufferPointer { xb in ys.withUnsafeMutableBufferPointer { yb in t.transformAllowingFailures(xb, yb) } }
        }
    }
}

/// A shared work counter for dynamic block scheduling.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    /// The next block number (0, 1, 2, … across all callers).
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}

extension Geometry {
    /// True when every coordinate is finite (as `isFinite`, without building an array of all points).
    var allFinite: Bool {
        var ok = true
        forEachPoint { if !($0.x.isFinite && $0.y.isFinite) { ok = false } }
        return ok
    }

    /// The first coordinate, nil when there is none.
    var firstPoint: Vec2? {
        switch self {
        case .point(let p): return p
        case .multiPoint(let ps): return ps.first
        case .lineString(let l): return l.points.first
        case .multiLineString(let ls): return ls.first { !$0.points.isEmpty }?.points.first
        case .polygon(let p): return p.exterior.first
        case .multiPolygon(let m): return m.polygons.first { !$0.exterior.isEmpty }?.exterior.first
        }
    }

    /// Visits every coordinate in order (as `allPoints`, without building an array).
    func forEachPoint(_ body: (Vec2) -> Void) {
        switch self {
        case .point(let p): body(p)
        case .multiPoint(let ps): ps.forEach(body)
        case .lineString(let l): l.points.forEach(body)
        case .multiLineString(let ls): for l in ls { l.points.forEach(body) }
        case .polygon(let p): for r in p.rings { r.forEach(body) }
        case .multiPolygon(let m): for p in m.polygons { for r in p.rings { r.forEach(body) } }
        }
    }

    /// Replaces every coordinate in order, in place (the payload is released from `self` first, so the arrays are
    /// uniquely referenced and are not copied).
    mutating func updatePoints(_ body: (inout Vec2) -> Void) {
        switch self {
        case .point(var p): body(&p); self = .point(p)
        case .multiPoint(var ps): self = .point(.zero); for i in ps.indices { body(&ps[i]) }; self = .multiPoint(ps)
        case .lineString(var l): self = .point(.zero); for i in l.points.indices { body(&l.points[i]) }; self = .lineString(l)
        case .multiLineString(var ls):
            self = .point(.zero)
            for a in ls.indices { for i in ls[a].points.indices { body(&ls[a].points[i]) } }
            self = .multiLineString(ls)
        case .polygon(var p):
            self = .point(.zero)
            for r in p.rings.indices { for i in p.rings[r].indices { body(&p.rings[r][i]) } }
            self = .polygon(p)
        case .multiPolygon(var m):
            self = .point(.zero)
            for a in m.polygons.indices { for r in m.polygons[a].rings.indices { for i in m.polygons[a].rings[r].indices { body(&m.polygons[a].rings[r][i]) } } }
            self = .multiPolygon(m)
        }
    }
}
