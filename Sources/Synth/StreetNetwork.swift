import CityModel

/// One road feature as the network enumerator produces it.
struct RoadLink {
    var points: [Vec2]
    var highway: String
    var name: String?
    var foot: Bool
    var oneway: Bool
    var bridge: Bool
    /// Sector whose own streets these are, or −1 for arterials and the ring motorway.
    var sector: Int
    var drivable: Bool { highway != "footway" && highway != "path" && highway != "steps" }
}

extension CityLayout {
    /// Enumerates the whole street network in a fixed order: per sector its lattice links (u-lines then v-lines),
    /// service spurs, park paths and river bank roads; then the arterial grid (north–south, then west–east lines);
    /// then the ring motorway. Streets meet only at shared vertices with identical coordinates: lattice ends are
    /// snapped onto the arterial edge and inserted into the arterial; bank crossings are inserted into the bank road;
    /// spur starts split their street. Crossings without a shared vertex are grade-separated (the motorway).
    /// Complexity: O(links) time, O(links of one line) memory.
    func forEachRoad(_ body: (RoadLink) -> Void) {
        for s in sectors {
            latticeLinks(s) { link, _ in if !link.points.isEmpty { body(link) } }
            for j in (s.jLo - 1)...s.jHi {
                for i in (s.iLo - 1)...s.iHi {
                    if hasSpur(s, i, j) {
                        let (a, b) = spur(s, i, j)
                        body(RoadLink(points: [a, b], highway: "service", name: nil, foot: true, oneway: false, bridge: false, sector: s.index))
                    }
                    if case .park = cellKind(s, i, j) {
                        let w = s.world((Double(i) + 0.12) * s.sx, (Double(j) + 0.88) * s.sy)
                        body(RoadLink(points: [s.node(i, j), w, s.node(i + 1, j + 1)], highway: "path", name: nil, foot: true,
                                      oneway: false, bridge: false, sector: s.index))
                    }
                }
            }
            if s.hasRiver { bankRoads(s, body) }
        }
        arterials(body)
        for arc in ring.arcs(parts: 16, step: 50) {
            // Split where the motorway enters and leaves the river zone; the part over the river is a bridge.
            var run = [arc[0]]
            var runBridge = river.inZone((arc[0] + arc[1]) * 0.5)
            for q in 1..<arc.count {
                run.append(arc[q])
                let nextBridge = q + 1 < arc.count ? river.inZone((arc[q] + arc[q + 1]) * 0.5) : runBridge
                if q + 1 == arc.count || nextBridge != runBridge {
                    body(RoadLink(points: run, highway: "motorway", name: "绕城高速", foot: false, oneway: false, bridge: runBridge, sector: -1))
                    run = [arc[q]]
                    runBridge = nextBridge
                }
            }
        }
    }

    /// Lattice links of a sector; `crossings` receives the bank crossing points of every existing link.
    func latticeLinks(_ s: Sector, _ body: (RoadLink, [(t: Double, p: Vec2, side: Double)]) -> Void) {
        for f in 0...1 {
            for l in s.lines(f) {
                guard let clip = s.clip(f, l) else { continue }
                let verts = s.vertices(f, l, clip)
                let lineName = Names.stem(SynthHash.key(seed, Tag.name, s.index, f, l)) + (s.isMain(l) ? "路" : Names.minorSuffix[Int(SynthHash.key(seed, Tag.name, s.index, f, l, 1) % 4)])
                for k in 0..<(verts.count - 1) {
                    let a = verts[k], b = verts[k + 1]
                    if a == b { continue }
                    let c = s.linkCell(f, a, b)
                    guard let (cls, oneway) = linkClass(s, f, l, c) else { continue }
                    let name: String? = cls.drivable ? lineName : nil
                    if cls == .stub {   // a cul-de-sac: the first half of a removed link
                        let m = (a + b) * 0.5
                        if s.hasRiver && (river.inZone(a, margin: 5) || river.inZone(m, margin: 5) || !river.bankCrossings(a, m).isEmpty) { continue }
                        body(RoadLink(points: [a, m], highway: cls.highway, name: name, foot: true, oneway: false, bridge: false, sector: s.index), [])
                        continue
                    }
                    if f == 1 && cls.drivable && hasSpur(s, c, l) {
                        let m = spur(s, c, l).0
                        body(RoadLink(points: [a, m], highway: cls.highway, name: name, foot: true, oneway: oneway, bridge: false, sector: s.index), [])
                        body(RoadLink(points: [m, b], highway: cls.highway, name: name, foot: true, oneway: oneway, bridge: false, sector: s.index), [])
                        continue
                    }
                    let cr = s.hasRiver ? river.bankCrossings(a, b) : []
                    if cr.isEmpty {
                        // Wholly between the banks: only bridge lines stay.
                        let inZone = s.hasRiver && river.inZone((a + b) * 0.5)
                        if inZone && !isBridgeLine(s, f, l) { continue }
                        body(RoadLink(points: [a, b], highway: cls.highway, name: name, foot: true, oneway: oneway, bridge: inZone, sector: s.index), [])
                        continue
                    }
                    var pts = [a]
                    for x in cr { pts.append(x.p) }
                    pts.append(b)
                    var first = true
                    for q in 0..<(pts.count - 1) {
                        let mid = (pts[q] + pts[q + 1]) * 0.5
                        let inZone = river.inZone(mid)
                        let bridge = isBridgeLine(s, f, l)
                        if inZone && !bridge { continue }
                        body(RoadLink(points: [pts[q], pts[q + 1]], highway: cls.highway, name: name, foot: true, oneway: oneway,
                                      bridge: inZone, sector: s.index), first ? cr : [])
                        first = false
                    }
                    if first { body(RoadLink(points: [], highway: "", name: nil, foot: false, oneway: false, bridge: false, sector: -2), cr) }
                }
            }
        }
    }

    /// Bank roads (滨江路) of a river sector, north and south, from arterial to arterial, split at every street that
    /// reaches them.
    func bankRoads(_ s: Sector, _ body: (RoadLink) -> Void) {
        var junctions: [[Vec2]] = [[], []]
        latticeLinks(s) { _, cr in
            for x in cr { junctions[x.side > 0 ? 1 : 0].append(x.p) }
        }
        for sideIdx in 0...1 {
            let side: Double = sideIdx == 1 ? 1 : -1
            let a = bankNode(s.ix, side), b = bankNode(s.ix + 1, side)
            var pts = junctions[sideIdx].map { ($0, true) }
            pts.append((a, true)); pts.append((b, true))
            var n = Int(((a.x - extent.minX) / 20).rounded(.down)) + 1
            while true {
                let x = extent.minX + Double(n) * 20
                if x >= b.x - 1 { break }
                if x > a.x + 1 { pts.append((Vec2(x, river.bank(side, x)), false)) }
                n += 1
            }
            emitCurve(pts, byX: true, highway: "secondary", name: side > 0 ? "滨江北路" : "滨江南路", sector: s.index, bridges: false, body)
        }
    }

    /// Emits a polyline given as junction (true) and shape (false) vertices, ordered by x (or y), as links split at the
    /// junctions. Shape vertices within 1 m of a junction are dropped.
    private func emitCurve(_ input: [(Vec2, Bool)], byX: Bool, highway: String, name: String, sector: Int, bridges: Bool,
                           _ body: (RoadLink) -> Void) {
        var pts = input
        pts.sort {
            let ka = byX ? $0.0.x : $0.0.y, kb = byX ? $1.0.x : $1.0.y
            return ka < kb || (ka == kb && $0.1 && !$1.1)
        }
        var clean: [(Vec2, Bool)] = []
        for (k, p) in pts.enumerated() {
            if let last = clean.last, last.0 == p.0 { continue }
            if !p.1 {
                let nearPrev = k > 0 && pts[k - 1].1 && simdLength(pts[k - 1].0 - p.0) < 1
                let nearNext = k + 1 < pts.count && pts[k + 1].1 && simdLength(pts[k + 1].0 - p.0) < 1
                if nearPrev || nearNext { continue }
            }
            clean.append(p)
        }
        var cur: [Vec2] = []
        for (p, isJunction) in clean {
            cur.append(p)
            if isJunction && cur.count > 1 {
                let bridge = bridges && river.inZone((cur[(cur.count - 1) / 2] + cur[cur.count / 2]) * 0.5)
                body(RoadLink(points: cur, highway: highway, name: name, foot: true, oneway: false, bridge: bridge, sector: sector))
                cur = [p]
            }
        }
    }

    /// End points of lattice lines of sector s lying on side `side` of its rectangle.
    func sideJunctions(_ s: Sector, _ side: Side) -> [Vec2] {
        var out: [Vec2] = []
        for f in 0...1 {
            for l in s.lines(f) {
                guard let c = s.clip(f, l) else { continue }
                if c.sideMin == side { out.append(c.pmin) }
                if c.sideMax == side { out.append(c.pmax) }
            }
        }
        return out
    }

    /// The arterial grid: north–south lines k, then west–east lines m, each drawn along its curve and split at every
    /// junction (grid nodes, lattice ends, bank roads).
    func arterials(_ body: (RoadLink) -> Void) {
        for k in 0...gx {
            let primary = k == gx / 2
            let name = Names.stem(SynthHash.key(seed, Tag.name, 1000, k)) + (primary ? "大道" : "路")
            for iy in 0..<gy {
                var pts = verticalChain(k, iy, iy + 1).enumerated().map { ($1, $0 == 0) }
                pts[pts.count - 1].1 = true
                if k > 0 { pts += sideJunctions(sectors[iy * gx + k - 1], 1).map { ($0, true) } }
                if k < gx { pts += sideJunctions(sectors[iy * gx + k], 0).map { ($0, true) } }
                if iy == riverRow { pts.append((bankNode(k, -1), true)); pts.append((bankNode(k, 1), true)) }
                emitCurve(pts, byX: false, highway: primary ? "primary" : "secondary", name: name, sector: -1, bridges: iy == riverRow, body)
            }
        }
        // Mirror of the north–south loop above on purpose (axes and side indices swapped); a shared helper would need both as parameters and read worse.
        for m in 0...gy {
            let primary = m == gy / 2
            let name = Names.stem(SynthHash.key(seed, Tag.name, 2000, m)) + (primary ? "大道" : "路")
            for ix in 0..<gx {
                var pts = horizontalChain(m, ix, ix + 1).enumerated().map { ($1, $0 == 0) }
                pts[pts.count - 1].1 = true
                if m > 0 { pts += sideJunctions(sectors[(m - 1) * gx + ix], 3).map { ($0, true) } }
                if m < gy { pts += sideJunctions(sectors[m * gx + ix], 2).map { ($0, true) } }
                emitCurve(pts, byX: true, highway: primary ? "primary" : "secondary", name: name, sector: -1, bridges: false, body)
            }
        }
    }
}
