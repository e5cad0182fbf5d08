import CityModel

/// Land-use character of a sub-district: decides street spacing and the mix of building typologies.
enum Zone: Int, Sendable, CaseIterable {
    case core, residential, oldTown, village, industrial, suburban
}

/// Building typology of a block: plot pitch, footprint shapes, floors, uses and construction years.
enum Typology: Int, Sendable, CaseIterable {
    case highrise, midrise, lowrise, commercial, industrial, villa
}

/// One sub-district (街道): an axis-aligned rectangle of the arterial grid holding its own rotated street lattice.
struct Sector: Sendable {
    let index: Int, ix: Int, iy: Int
    /// Bounding box of the (curved) sector, widened by 5 m.
    let rect: BBox
    /// Its four arterial grid lines: x = west.at(y), x = east.at(y), y = south.at(x), y = north.at(x).
    let west: BoundaryCurve, east: BoundaryCurve, south: BoundaryCurve, north: BoundaryCurve
    let district: Int
    let zone: Zone
    /// Lattice frame: local u along e1, v along e2 (e1 rotated by `angle` from east).
    let e1: Vec2, e2: Vec2, origin: Vec2
    let sx: Double, sy: Double
    /// Every `mainEvery`-th lattice line is a tertiary street (never removed; bridges where it crosses the river).
    let mainEvery: Int
    /// u-lines i in iLo...iHi and v-lines j in jLo...jHi cross the rectangle; cells i in iLo-1...iHi, j likewise.
    let iLo: Int, iHi: Int, jLo: Int, jHi: Int
    /// No sewer under this sub-district's own streets.
    var sewerGap: Bool
    /// Buildings here carry a `residents` value (a surveyed area).
    var surveyed: Bool
    /// Multiplier (0.4…1.4) on facility provision, per category drawn separately: under-served areas exist.
    let serviceSeed: UInt64
    let hasRiver: Bool

    /// A lattice node; the single expression every caller uses, so shared vertices are bit-identical.
    @inline(__always) func node(_ i: Int, _ j: Int) -> Vec2 {
        origin + (Double(i) * sx) * e1 + (Double(j) * sy) * e2
    }
    /// Local (u, v) → world.
    @inline(__always) func world(_ u: Double, _ v: Double) -> Vec2 { origin + u * e1 + v * e2 }
    /// Inside the sector by at least `margin` metres (measured along the axes; the grid lines' slopes are < 0.1).
    @inline(__always) func inside(_ p: Vec2, _ margin: Double) -> Bool {
        p.x > west.at(p.y) + margin && p.x < east.at(p.y) - margin && p.y > south.at(p.x) + margin && p.y < north.at(p.x) - margin
    }
    /// Strictly inside the sector by 0.5 m (lattice nodes closer to the edge are not used).
    @inline(__always) func nodeInside(_ i: Int, _ j: Int) -> Bool { inside(node(i, j), 0.5) }
    @inline(__always) func isMain(_ line: Int) -> Bool { ((line % mainEvery) + mainEvery) % mainEvery == 0 }
}

/// The whole city plan: extent, arterial grid of sub-districts, districts, river, ring road and the aggregation grids.
///
/// Built in O(sub-districts); every finer element (cells, plots, links) is derived on demand from the seed and ids.
struct CityLayout: Sendable {
    let seed: UInt64
    let centre: Vec2
    let side: Double
    let extent: BBox
    let gx: Int, gy: Int
    /// Arterial grid lines: xs[0…gx], ys[0…gy] (the same Doubles are used for every shared coordinate).
    let xs: [Double], ys: [Double]
    /// The grid lines as curves: vCurves[k] gives x(y) of north–south line k, hCurves[m] y(x) of west–east line m.
    let vCurves: [BoundaryCurve], hCurves: [BoundaryCurve]
    let sectors: [Sector]
    let districtsX: Int, districtsY: Int
    let river: River
    let riverRow: Int
    let ring: RingRoad
    /// Facility planning units (500 m squares).
    let unitSize: Double
    let unitsX: Int, unitsY: Int
    /// Population grid.
    let popCell: Double
    let popX: Int, popY: Int

    /// Target sub-district side in metres (a 街道 of 2–3 km²).
    static let sectorSide = 1600.0

    init(seed: UInt64, centre: Vec2, side: Double, popCell: Double) {
        self.seed = seed; self.centre = centre; self.side = side
        let minX = centre.x - side / 2, minY = centre.y - side / 2
        extent = BBox(minX: minX, minY: minY, maxX: minX + side, maxY: minY + side)
        let g = max(2, Int((side / CityLayout.sectorSide).rounded()))
        gx = g; gy = g
        let xa = (0...g).map { k in k == g ? minX + side : minX + Double(k) * side / Double(g) }
        let ya = (0...g).map { k in k == g ? minY + side : minY + Double(k) * side / Double(g) }
        xs = xa; ys = ya
        districtsX = max(2, min(g, Int((Double(g) / 6).rounded())))
        districtsY = max(1, min(g, Int((Double(g) / 6).rounded())))

        var cr = SynthHash.rng(seed, Tag.city)
        func curve(_ base: Double, _ origin: Double, outer: Bool) -> BoundaryCurve {
            let lambda = cr.uniform(3000, 6000), slope = cr.uniform(0.05, 0.09), phase = cr.uniform(0, 6.283)
            return BoundaryCurve(base: base, amp: outer ? 0 : slope * lambda / (2 * Double.pi), lambda: lambda, phase: phase, origin: origin)
        }
        var vc: [BoundaryCurve] = [], hc: [BoundaryCurve] = []
        for k in 0...g { vc.append(curve(xa[k], minY, outer: k == 0 || k == g)) }
        for m in 0...g { hc.append(curve(ya[m], minX, outer: m == 0 || m == g)) }
        vCurves = vc; hCurves = hc

        var rng = SynthHash.rng(seed, Tag.river)
        riverRow = g / 2
        let rowH = ys[riverRow + 1] - ys[riverRow]
        let width = min(600, max(80, side / 50 + 60))
        let bankOffset = 22.0
        let avail = max(0, rowH / 2 - width / 2 - bankOffset - 80 - max(hc[riverRow].amp, hc[riverRow + 1].amp))
        river = River(x0: minX, x1: minX + side, yc: (ys[riverRow] + ys[riverRow + 1]) / 2,
                      a1: avail * rng.uniform(0.45, 0.65), l1: side / rng.uniform(1.1, 1.8), p1: rng.uniform(0, 6.283),
                      a2: avail * rng.uniform(0.15, 0.3), l2: side / rng.uniform(3, 5), p2: rng.uniform(0, 6.283),
                      width: width, bankOffset: bankOffset)
        ring = RingRoad(centre: centre + Vec2(rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03)) * side,
                        ax: side * rng.uniform(0.36, 0.40), ay: side * rng.uniform(0.32, 0.36),
                        wobble: rng.uniform(0.02, 0.05), phase: rng.uniform(0, 6.283))

        unitSize = 500
        unitsX = Int((side / unitSize).rounded(.up)); unitsY = unitsX
        self.popCell = popCell
        popX = Int((side / popCell).rounded(.up)); popY = popX

        var secs: [Sector] = []
        secs.reserveCapacity(g * g)
        let dX = districtsX, dY = districtsY
        for iy in 0..<g {
            for ix in 0..<g {
                let idx = iy * g + ix
                var r = SynthHash.rng(seed, Tag.sector, idx)
                let rect = BBox(minX: xs[ix] - vc[ix].amp - 5, minY: ys[iy] - hc[iy].amp - 5,
                                maxX: xs[ix + 1] + vc[ix + 1].amp + 5, maxY: ys[iy + 1] + hc[iy + 1].amp + 5)
                let c = rect.center - centre
                let rad = simdLength(c) / (side / 2)
                let zone: Zone
                if rad < 0.3 {
                    zone = [Zone.core, .residential, .oldTown][r.pick([0.55, 0.3, 0.15])]
                } else if rad < 0.75 {
                    zone = [Zone.residential, .oldTown, .industrial, .village, .core][r.pick([0.5, 0.2, 0.1, 0.15, 0.05])]
                } else {
                    zone = [Zone.village, .industrial, .suburban, .residential][r.pick([0.35, 0.25, 0.2, 0.2])]
                }
                let spacing: (Double, Double)
                switch zone {
                case .core: spacing = (110, 170)
                case .residential: spacing = (160, 250)
                case .oldTown: spacing = (90, 140)
                case .village: spacing = (110, 170)
                case .industrial: spacing = (200, 320)
                case .suburban: spacing = (170, 260)
                }
                let sx = r.uniform(spacing.0, spacing.1), sy = r.uniform(spacing.0, spacing.1)
                let angle = (r.chance(0.5) ? 1.0 : -1.0) * r.uniform(0.14, 0.6)   // 8°–34° either way
                let e1 = Vec2(cosApprox(angle), sinApprox(angle)), e2 = Vec2(-e1.y, e1.x)
                let origin = rect.center + Vec2(r.uniform(-0.5, 0.5) * sx, r.uniform(-0.5, 0.5) * sy)
                // Lattice index ranges from the rectangle's corners in local coordinates.
                var umin = Double.infinity, umax = -Double.infinity, vmin = Double.infinity, vmax = -Double.infinity
                for p in [Vec2(rect.minX, rect.minY), Vec2(rect.maxX, rect.minY), Vec2(rect.maxX, rect.maxY), Vec2(rect.minX, rect.maxY)] {
                    let d = p - origin
                    let u = (d * e1).sum(), v = (d * e2).sum()
                    umin = min(umin, u); umax = max(umax, u); vmin = min(vmin, v); vmax = max(vmax, v)
                }
                let gapP: Double
                switch zone {
                case .village: gapP = 0.5
                case .oldTown: gapP = 0.25
                default: gapP = 0.04
                }
                let sewerGap = r.chance(gapP)
                let surveyed = r.chance(0.3)
                let district = min(dX - 1, ix * dX / g) + dX * min(dY - 1, iy * dY / g)
                secs.append(Sector(index: idx, ix: ix, iy: iy, rect: rect, west: vc[ix], east: vc[ix + 1], south: hc[iy], north: hc[iy + 1],
                                   district: district, zone: zone,
                                   e1: e1, e2: e2, origin: origin, sx: sx, sy: sy, mainEvery: r.int(4, 5),
                                   iLo: Int((umin / sx).rounded(.down)) + 1, iHi: Int((umax / sx).rounded(.up)) - 1,
                                   jLo: Int((vmin / sy).rounded(.down)) + 1, jHi: Int((vmax / sy).rounded(.up)) - 1,
                                   sewerGap: sewerGap, surveyed: surveyed, serviceSeed: r.next(), hasRiver: iy == riverRow))
            }
        }
        // At least one sub-district without sewer and one surveyed (with residents), chosen by the seed.
        var fix = SynthHash.rng(seed, Tag.sector, -1)
        if !secs.contains(where: { $0.sewerGap }) { secs[fix.int(0, secs.count - 1)].sewerGap = true }
        if !secs.contains(where: { $0.surveyed && $0.zone != .industrial }) {
            let homes = secs.indices.filter { secs[$0].zone != .industrial }
            secs[homes.isEmpty ? 0 : homes[fix.int(0, homes.count - 1)]].surveyed = true
        }
        sectors = secs
    }

    var districtCount: Int { districtsX * districtsY }

    /// Unit index of a point (clamped to the grid).
    @inline(__always) func unit(of p: Vec2) -> Int {
        let ux = min(unitsX - 1, max(0, Int((p.x - extent.minX) / unitSize)))
        let uy = min(unitsY - 1, max(0, Int((p.y - extent.minY) / unitSize)))
        return uy * unitsX + ux
    }
    /// Population cell index of a point (clamped).
    @inline(__always) func popIndex(of p: Vec2) -> Int {
        let cx = min(popX - 1, max(0, Int((p.x - extent.minX) / popCell)))
        let cy = min(popY - 1, max(0, Int((p.y - extent.minY) / popCell)))
        return cy * popX + cx
    }
    /// Sector containing a point (clamped).
    func sector(of p: Vec2) -> Int {
        var ix = 0, iy = 0
        while ix < gx - 1 && p.x >= xs[ix + 1] { ix += 1 }
        while iy < gy - 1 && p.y >= ys[iy + 1] { iy += 1 }
        return iy * gx + ix
    }
}
