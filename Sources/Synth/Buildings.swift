import CityModel

/// One generated building: footprint in world coordinates and its attributes (reported and true).
struct BuildingRecord {
    var polygons: [Polygon]
    var footprint: Double
    /// True floors (always known to the generator) and the reported values (nil = not in the data).
    var trueFloors: Int
    var height: Double?
    var floors: Int?
    var use: String
    var yearBuilt: Int?
    var residentsTrue: Double
    var residentsReported: Double?
    var name: String?
    /// Centre of the footprint's bounding box (for the grids).
    var anchor: Vec2
}

extension CityLayout {
    /// Builds the building on plot p of cell (i, j): a footprint shape (rectangle, L, U, courtyard with a hole, or two
    /// parts) inside the plot, floors/height/use/year drawn from the typology, residents from floor area (35 m² per
    /// person ± 15 %). Every shape is a simple polygon contained in its plot, so buildings never overlap.
    func building(_ s: Sector, _ i: Int, _ j: Int, _ t: Typology, _ p: Plot) -> BuildingRecord {
        var r = SynthHash.rng(seed, Tag.plot, s.index, i, j, p.index)
        let (margin, fu, fvRel, depth): (Double, ClosedRange<Double>, ClosedRange<Double>, ClosedRange<Double>?)
        let shapeW: [Double]   // rect, L, U, courtyard, multi
        switch t {
        case .highrise: (margin, fu, fvRel, depth) = (6, 0.6...0.95, 0.6...0.95, 12...18); shapeW = [0.6, 0.15, 0.1, 0, 0.15]
        case .midrise: (margin, fu, fvRel, depth) = (3, 0.7...0.95, 0.7...0.95, 10...13); shapeW = [0.7, 0.15, 0.05, 0, 0.1]
        case .lowrise: (margin, fu, fvRel, depth) = (1, 0.75...0.95, 0.75...0.95, nil); shapeW = [0.78, 0.14, 0, 0.06, 0.02]
        case .commercial: (margin, fu, fvRel, depth) = (6, 0.55...0.9, 0.55...0.9, nil); shapeW = [0.35, 0.2, 0.15, 0.25, 0.05]
        case .industrial: (margin, fu, fvRel, depth) = (6, 0.5...0.9, 0.5...0.9, nil); shapeW = [0.7, 0.15, 0, 0.05, 0.1]
        case .villa: (margin, fu, fvRel, depth) = (4, 0.45...0.65, 0.45...0.65, nil); shapeW = [0.6, 0.4, 0, 0, 0]
        }
        let shape = r.pick(shapeW)
        let availU = max(4, p.u1 - p.u0 - 2 * margin), availV = max(4, p.v1 - p.v0 - 2 * margin)
        let w = availU * r.uniform(fu.lowerBound, fu.upperBound)
        var h: Double
        if let d = depth, shape == 0 || shape == 4 {
            h = min(availV, r.uniform(d.lowerBound, d.upperBound))
        } else {
            h = availV * r.uniform(fvRel.lowerBound, fvRel.upperBound)
        }
        h = max(h, 3)
        let x0 = p.u0 + margin + (availU - w) * r.unit(), y0 = p.v0 + margin + (availV - h) * r.unit()
        let x1 = x0 + w, y1 = y0 + h
        let flipU = r.chance(0.5), flipV = r.chance(0.5)
        var rings: [[[SIMD2<Double>]]] = []   // polygons → rings → local points
        func rect(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> [SIMD2<Double>] {
            [SIMD2(a, b), SIMD2(c, b), SIMD2(c, d), SIMD2(a, d)]
        }
        switch shape {
        case 1 where w >= 8 && h >= 8:   // L: cut the north-east corner
            let cw = w * r.uniform(0.35, 0.6), ch = h * r.uniform(0.35, 0.6)
            rings = [[[SIMD2(x0, y0), SIMD2(x1, y0), SIMD2(x1, y1 - ch), SIMD2(x1 - cw, y1 - ch), SIMD2(x1 - cw, y1), SIMD2(x0, y1)]]]
        case 2 where w >= 15 && h >= 10:   // U: notch from the north side
            let nw = w * r.uniform(0.3, 0.5), nh = h * r.uniform(0.4, 0.65), xm = (x0 + x1) / 2
            rings = [[[SIMD2(x0, y0), SIMD2(x1, y0), SIMD2(x1, y1), SIMD2(xm + nw / 2, y1), SIMD2(xm + nw / 2, y1 - nh),
                       SIMD2(xm - nw / 2, y1 - nh), SIMD2(xm - nw / 2, y1), SIMD2(x0, y1)]]]
        case 3:   // courtyard: a hole inset by the wing depth
            let wing = t == .lowrise ? r.uniform(2.5, 3.5) : r.uniform(9, 15)
            if w > 2 * wing + 3 && h > 2 * wing + 3 {
                let hole = rect(x0 + wing, y0 + wing, x1 - wing, y1 - wing).reversed()
                rings = [[rect(x0, y0, x1, y1), Array(hole)]]
            } else {
                rings = [[rect(x0, y0, x1, y1)]]
            }
        case 4 where w >= 12:   // two parts
            let gap = max(4, w * 0.15), xm = (x0 + x1) / 2
            let h2 = h * r.uniform(0.6, 1.0)
            rings = [[rect(x0, y0, xm - gap / 2, y1)], [rect(xm + gap / 2, y0, x1, y0 + h2)]]
        default:
            rings = [[rect(x0, y0, x1, y1)]]
        }
        // Optional mirroring inside the box (keeps containment), then local → world.
        let reflections = (flipU ? 1 : 0) + (flipV ? 1 : 0)
        var polys: [Polygon] = []
        polys.reserveCapacity(rings.count)
        var area = 0.0
        for poly in rings {
            var out: [[Vec2]] = []
            for (k, ring) in poly.enumerated() {
                var pts = ring.map { q -> SIMD2<Double> in SIMD2(flipU ? x0 + x1 - q.x : q.x, flipV ? y0 + y1 - q.y : q.y) }
                if reflections == 1 { pts.reverse() }
                let a = abs(signedArea(pts))
                area += k == 0 ? a : -a
                out.append(pts.map { s.world($0.x, $0.y) })
            }
            polys.append(Polygon(out))
        }

        // Attributes.
        // A data table: one row of attribute draws per building type, alike in shape on purpose (read across per type).
        let floors: Int, floorH: Double, use: String, years: ClosedRange<Int>
        let useNames = ["residential", "commercial", "public", "industrial", "mixed"]
        switch t {
        case .highrise:
            let f = r.unit()
            floors = f < 0.6 ? r.int(11, 18) : f < 0.95 ? r.int(19, 33) : r.int(34, 45)
            floorH = r.uniform(2.9, 3.1); use = useNames[r.pick([0.9, 0.05, 0, 0, 0.05])]; years = 1995...2025
        case .midrise:
            floors = r.int(4, 7); floorH = r.uniform(2.8, 3.0); use = useNames[r.pick([0.85, 0.1, 0.05, 0, 0])]; years = 1975...2002
        case .lowrise:
            floors = s.zone == .village ? r.int(2, 5) : r.int(1, 3)
            floorH = r.uniform(3.0, 3.4); use = useNames[r.pick([0.8, 0.12, 0, 0.03, 0.05])]; years = 1950...2012
        case .commercial:
            let f = r.unit()
            floors = f < 0.6 ? r.int(2, 6) : f < 0.9 ? r.int(7, 20) : r.int(21, 50)
            floorH = r.uniform(3.8, 4.5); use = useNames[r.pick([0, 0.7, 0.15, 0, 0.15])]; years = 1985...2025
        case .industrial:
            floors = r.int(1, 3); floorH = r.uniform(5, 8); use = useNames[r.pick([0, 0.05, 0.05, 0.9, 0])]; years = 1958...2015
        case .villa:
            floors = r.int(2, 3); floorH = r.uniform(3.1, 3.3); use = useNames[r.pick([0.97, 0.03, 0, 0, 0])]; years = 2000...2022
        }
        let height = (Double(floors) * floorH * 10).rounded() / 10
        // Reported attributes: both, floors only, height only, neither.
        let low = t == .lowrise || t == .villa
        let pres = r.pick(low ? [0.3, 0.35, 0.1, 0.25] : [0.55, 0.25, 0.12, 0.08])
        let year: Int? = r.chance(0.08) ? nil : r.int(years.lowerBound, years.upperBound)
        var residents = 0.0
        if use == "residential" || use == "mixed" {
            residents = area * Double(floors) / 35 * r.uniform(0.85, 1.15) * (use == "mixed" ? 0.6 : 1)
        }
        var name: String? = nil
        if use == "commercial" || use == "public" {
            if r.chance(0.25) {
                let stem = Names.stem(r.next())
                name = stem + (use == "public" ? Names.publicSuffix[r.int(0, Names.publicSuffix.count - 1)]
                                               : Names.buildingSuffix[r.int(0, Names.buildingSuffix.count - 1)])
            }
        } else if t == .highrise && r.chance(0.05) {
            name = Names.stem(SynthHash.key(seed, Tag.name, s.index, i, j)) + "小区" + String(p.index + 1) + "栋"
        }
        let anchor = s.world((x0 + x1) / 2, (y0 + y1) / 2)
        return BuildingRecord(polygons: polys, footprint: area, trueFloors: floors,
                              height: pres == 0 || pres == 2 ? height : nil,
                              floors: pres == 0 || pres == 1 ? floors : nil,
                              use: use, yearBuilt: year, residentsTrue: residents,
                              residentsReported: s.surveyed && residents > 0 ? residents.rounded() : nil,
                              name: name, anchor: anchor)
    }
}
