import CityModel

/// Side of a sector rectangle: 0 west, 1 east, 2 south, 3 north.
typealias Side = Int

/// A lattice line clipped to its sector rectangle (Liang–Barsky), with end points snapped onto the rectangle edge so
/// that the arterial running along that edge can share them bit for bit.
struct LineClip {
    var tmin: Double, tmax: Double
    var pmin: Vec2, pmax: Vec2
    var sideMin: Side, sideMax: Side
}

/// Street lattice of one sector: lines, their junctions, links, cells and what each cell holds.
extension Sector {
    /// Base point and direction of line `l` of family `f` (0: u-lines u = l·sx running along e2; 1: v-lines along e1).
    @inline(__always) func lineFrame(_ f: Int, _ l: Int) -> (base: Vec2, dir: Vec2, cross: Double) {
        f == 0 ? (origin + (Double(l) * sx) * e1, e2, sy) : (origin + (Double(l) * sy) * e2, e1, sx)
    }

    /// Clips line (f, l) to the curved sector: first to its bounding box (Liang–Barsky), then to each of the four grid
    /// curves, whose signed distance along the line is monotone (slopes < 0.1, lattice ≥ 8° off the axes) so each
    /// has at most one root, found by 60 bisections. End points are snapped onto the curve (x = west.at(y), …) so the
    /// arterial can insert the very same vertex. Nil when the line misses the sector.
    func clip(_ f: Int, _ l: Int) -> LineClip? {
        let (base, dir, _) = lineFrame(f, l)
        var ta = -Double.infinity, tb = Double.infinity
        if dir.x != 0 {
            let t0 = (rect.minX - base.x) / dir.x, t1 = (rect.maxX - base.x) / dir.x
            ta = max(ta, min(t0, t1)); tb = min(tb, max(t0, t1))
        } else if base.x <= rect.minX || base.x >= rect.maxX { return nil }
        if dir.y != 0 {
            let t0 = (rect.minY - base.y) / dir.y, t1 = (rect.maxY - base.y) / dir.y
            ta = max(ta, min(t0, t1)); tb = min(tb, max(t0, t1))
        } else if base.y <= rect.minY || base.y >= rect.maxY { return nil }
        guard tb > ta else { return nil }
        @inline(__always) func h(_ side: Side, _ t: Double) -> Double {
            let p = base + t * dir
            switch side {
            case 0: return p.x - west.at(p.y)
            case 1: return east.at(p.y) - p.x
            case 2: return p.y - south.at(p.x)
            default: return north.at(p.x) - p.y
            }
        }
        var lo = ta, hi = tb, sLo = -1, sHi = -1
        for side in 0..<4 {
            let h0 = h(side, ta), h1 = h(side, tb)
            if h0 > 0 && h1 > 0 { continue }
            if h0 <= 0 && h1 <= 0 { return nil }
            var a = ta, b = tb
            for _ in 0..<60 {
                let m = (a + b) / 2
                if (h(side, m) > 0) == (h1 > 0) { b = m } else { a = m }
            }
            let tr = (a + b) / 2
            if h1 > 0 { if tr > lo { lo = tr; sLo = side } } else { if tr < hi { hi = tr; sHi = side } }
        }
        guard hi - lo > 1, sLo >= 0, sHi >= 0 else { return nil }
        return LineClip(tmin: lo, tmax: hi, pmin: snap(base + lo * dir, sLo), pmax: snap(base + hi * dir, sHi), sideMin: sLo, sideMax: sHi)
    }

    @inline(__always) func snap(_ p: Vec2, _ side: Side) -> Vec2 {
        switch side {
        case 0: return Vec2(west.at(p.y), p.y)
        case 1: return Vec2(east.at(p.y), p.y)
        case 2: return Vec2(p.x, south.at(p.x))
        default: return Vec2(p.x, north.at(p.x))
        }
    }

    /// Lines of family f crossing the rectangle.
    func lines(_ f: Int) -> ClosedRange<Int> { f == 0 ? iLo...max(iLo, iHi) : jLo...max(jLo, jHi) }

    /// Vertices along line (f, l): the clipped end points and the interior junctions (lattice nodes strictly inside
    /// the rectangle), in order along the line.
    func vertices(_ f: Int, _ l: Int, _ c: LineClip) -> [Vec2] {
        let cross = f == 0 ? sy : sx
        var out: [Vec2] = [c.pmin]
        let k0 = Int((c.tmin / cross).rounded(.down)) - 1, k1 = Int((c.tmax / cross).rounded(.up)) + 1
        if k0 <= k1 {
            for k in k0...k1 {
                let inside = f == 0 ? nodeInside(l, k) : nodeInside(k, l)
                if inside { out.append(f == 0 ? node(l, k) : node(k, l)) }
            }
        }
        out.append(c.pmax)
        return out
    }

    /// Cell index (along the line) of the link between two consecutive vertices of line f.
    @inline(__always) func linkCell(_ f: Int, _ a: Vec2, _ b: Vec2) -> Int {
        let m = (a + b) * 0.5 - origin
        return f == 0 ? Int(((m * e2).sum() / sy).rounded(.down)) : Int(((m * e1).sum() / sx).rounded(.down))
    }
}

/// OSM class of a lattice link, or nil when the link was removed.
enum LinkClass: Sendable, Equatable {
    /// `stub`: a removed link of which the first half stays as a residential cul-de-sac.
    case tertiary, residential, footway, steps, stub
    var highway: String {
        switch self {
        case .tertiary: return "tertiary"
        case .residential, .stub: return "residential"
        case .footway: return "footway"
        case .steps: return "steps"
        }
    }
    var drivable: Bool { self == .tertiary || self == .residential || self == .stub }
}

/// What a lattice cell (block) holds.
enum CellKind: Sendable, Equatable {
    case none
    case built(Typology)
    case park(pond: Bool)
    case civic
    case pond
    case forest
}

extension CityLayout {
    /// Class of link (f, l, c) of sector s: main lines are tertiary; 30 % of the others are removed (35 % of those
    /// become footways, an eighth of the footways steps; 20 % keep their first half as a cul-de-sac);
    /// 8 % of residential links are one-way.
    func linkClass(_ s: Sector, _ f: Int, _ l: Int, _ c: Int) -> (LinkClass, oneway: Bool)? {
        if s.isMain(l) { return (.tertiary, false) }
        var r = SynthHash.rng(seed, Tag.link, s.index, f, l, c)
        if r.chance(0.30) {
            let k = r.unit()
            if k < 0.35 { return (r.chance(0.12) ? .steps : .footway, false) }
            if k < 0.55 { return (.stub, false) }
            return nil
        }
        return (.residential, r.chance(0.08))
    }

    /// Main u-lines (running roughly north–south) of a river sector cross the river on a bridge with probability 0.4;
    /// with the arterials (all bridged) that gives a bridge every ~0.8–1.6 km.
    func isBridgeLine(_ s: Sector, _ f: Int, _ l: Int) -> Bool {
        guard f == 0, s.hasRiver, s.isMain(l) else { return false }
        var r = SynthHash.rng(seed, Tag.link, s.index, 9, l)
        return r.chance(0.4)
    }

    /// Street setback of a typology: distance from the lattice line to the plot area.
    func setback(_ t: Typology) -> Double { t == .lowrise || t == .villa ? 6 : 9 }

    /// The four corners of cell (i, j) inset by d (local → world, counter-clockwise).
    func cellCorners(_ s: Sector, _ i: Int, _ j: Int, inset d: Double) -> [Vec2] {
        let u0 = Double(i) * s.sx + d, u1 = Double(i + 1) * s.sx - d
        let v0 = Double(j) * s.sy + d, v1 = Double(j + 1) * s.sy - d
        return [s.world(u0, v0), s.world(u1, v0), s.world(u1, v1), s.world(u0, v1)]
    }

    /// True when all points are inside the sector by `margin` metres (clear of the arterials).
    @inline(__always) func insideSector(_ s: Sector, _ pts: [Vec2], margin: Double) -> Bool {
        for p in pts where !s.inside(p, margin) { return false }
        return true
    }

    /// A cell is "clean" when it lies wholly inside its sector (clear of arterials), off the river zone and the ring.
    func cellClean(_ s: Sector, _ i: Int, _ j: Int) -> Bool {
        let c = cellCorners(s, i, j, inset: 0)
        return insideSector(s, c, margin: 14) && (!s.hasRiver || river.clear(c, margin: 15)) && ring.clear(c, margin: 30)
    }

    /// What cell (i, j) of sector s holds. Parks, civic grounds (schools, sports), ponds and forests take whole clean
    /// cells; the rest are built with a typology drawn from the zone's mix.
    func cellKind(_ s: Sector, _ i: Int, _ j: Int) -> CellKind {
        var r = SynthHash.rng(seed, Tag.cell, s.index, i, j)
        let roll = r.unit()
        let clean = cellClean(s, i, j)
        if clean {
            let outer = ring.rho(s.node(i, j)) > 1.05
            let pPark: Double, pCivic: Double
            switch s.zone {
            case .core, .residential, .oldTown: pPark = 0.045; pCivic = 0.06
            case .suburban: pPark = 0.04; pCivic = 0.05
            case .village: pPark = 0.02; pCivic = 0.04
            case .industrial: pPark = 0.02; pCivic = 0.015
            }
            var acc = pPark
            if roll < acc { return .park(pond: r.chance(0.35)) }
            acc += pCivic
            if roll < acc { return .civic }
            acc += 0.008
            if roll < acc { return .pond }
            if outer && (s.zone == .village || s.zone == .suburban) {
                acc += 0.22
                if roll < acc { return .forest }
            }
        }
        let w: [Double]   // highrise, midrise, lowrise, commercial, industrial, villa
        switch s.zone {
        case .core: w = [0.35, 0.15, 0.05, 0.45, 0, 0]
        case .residential: w = [0.5, 0.33, 0.07, 0.08, 0.02, 0]
        case .oldTown: w = [0.05, 0.3, 0.55, 0.1, 0, 0]
        case .village: w = [0.02, 0.05, 0.83, 0.02, 0.05, 0.03]
        case .industrial: w = [0, 0.08, 0.1, 0.02, 0.8, 0]
        case .suburban: w = [0.3, 0.05, 0.2, 0.03, 0.07, 0.35]
        }
        return .built(Typology(rawValue: r.pick(w))!)
    }

    /// Cell (i, j) has a dead-end service road from the middle of its south link into the block.
    func hasSpur(_ s: Sector, _ i: Int, _ j: Int) -> Bool {
        guard s.nodeInside(i, j), s.nodeInside(i + 1, j) else { return false }
        guard case .built(let t) = cellKind(s, i, j), t == .highrise || t == .midrise || t == .commercial || t == .industrial else { return false }
        guard cellClean(s, i, j) else { return false }
        guard let lc = linkClass(s, 1, j, i), lc.0 == .tertiary || lc.0 == .residential else { return false }
        var r = SynthHash.rng(seed, Tag.cell, s.index, i, j, 7)
        return r.chance(0.4)
    }
    /// Spur start (on the south link) and end (inside the block).
    func spur(_ s: Sector, _ i: Int, _ j: Int) -> (Vec2, Vec2) {
        let u = (Double(i) + 0.5) * s.sx
        return (s.world(u, Double(j) * s.sy), s.world(u, (Double(j) + 0.55) * s.sy))
    }
}
