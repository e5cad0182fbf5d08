import CityModel

/// What a plot of a block holds.
enum PlotKind: Sendable, Equatable {
    case building
    /// A community pocket park (口袋公园) of the plot's size (400–5000 m² in compounds).
    case pocketPark
    /// A small garden (< 400 m²) between houses.
    case garden
    /// A grass patch on an industrial lot.
    case grass
}

/// A plot: a rectangle of a block in the sector's local frame (u along e1, v along e2).
struct Plot: Sendable {
    var index: Int
    var u0: Double, u1: Double, v0: Double, v1: Double
    var kind: PlotKind
}

/// Plot pitch (u, v ranges in metres) of each typology.
func plotPitch(_ t: Typology) -> (ClosedRange<Double>, ClosedRange<Double>) {
    switch t {
    case .highrise: return (45...65, 38...55)
    case .midrise: return (45...75, 24...30)
    case .lowrise: return (11...16, 11...16)
    case .commercial: return (55...90, 45...80)
    case .industrial: return (60...120, 45...90)
    case .villa: return (22...30, 22...30)
    }
}

extension CityLayout {
    /// Lays out the plots of built cell (i, j) of sector s: a regular grid of plots filling the block inside the street
    /// setback, dropping plots that would reach an arterial, the river zone, the ring road or the service spur.
    /// The same call always gives the same plots (the counting pass and the emitting pass agree).
    /// Complexity: O(plots of the cell).
    func forEachPlot(_ s: Sector, _ i: Int, _ j: Int, _ t: Typology, _ body: (Plot) -> Void) {
        var r = SynthHash.rng(seed, Tag.cell, s.index, i, j, 1)
        let sb = setback(t)
        let cu0 = Double(i) * s.sx + sb, cu1 = Double(i + 1) * s.sx - sb
        let cv0 = Double(j) * s.sy + sb, cv1 = Double(j + 1) * s.sy - sb
        let (pu, pv) = plotPitch(t)
        let nu = max(1, Int(((cu1 - cu0) / r.uniform(pu.lowerBound, pu.upperBound)).rounded()))
        let nv = max(1, Int(((cv1 - cv0) / r.uniform(pv.lowerBound, pv.upperBound)).rounded()))
        let du = (cu1 - cu0) / Double(nu), dv = (cv1 - cv0) / Double(nv)
        let clean = cellClean(s, i, j)
        let spur = hasSpur(s, i, j)
        let spurU = (Double(i) + 0.5) * s.sx, spurV = (Double(j) + 0.55) * s.sy
        var index = 0
        var corners = [Vec2](repeating: .zero, count: 4)
        for b in 0..<nv {
            for a in 0..<nu {
                let u0 = cu0 + Double(a) * du, u1 = a == nu - 1 ? cu1 : cu0 + Double(a + 1) * du
                let v0 = cv0 + Double(b) * dv, v1 = b == nv - 1 ? cv1 : cv0 + Double(b + 1) * dv
                let roll = r.unit()
                if spur && u0 < spurU + 9 && u1 > spurU - 9 && v0 < spurV + 9 { continue }
                if !clean {
                    corners[0] = s.world(u0, v0); corners[1] = s.world(u1, v0)
                    corners[2] = s.world(u1, v1); corners[3] = s.world(u0, v1)
                    if !insideSector(s, corners, margin: 15) { continue }
                    if s.hasRiver && !river.clear(corners, margin: 12) { continue }
                    if !ring.clear(corners, margin: 30) { continue }
                }
                let kind: PlotKind
                switch t {
                case .highrise, .midrise, .commercial: kind = roll < 0.05 ? .pocketPark : .building
                case .lowrise, .villa: kind = roll < 0.04 ? .garden : .building
                case .industrial: kind = roll < 0.05 ? .grass : .building
                }
                body(Plot(index: index, u0: u0, u1: u1, v0: v0, v1: v1, kind: kind))
                index += 1
            }
        }
    }

    /// Visits every cell of every sector in generation order (sector row-major, then cell rows, then columns).
    func forEachCell(_ body: (Sector, Int, Int, CellKind) -> Void) {
        for s in sectors {
            for j in (s.jLo - 1)...s.jHi {
                for i in (s.iLo - 1)...s.iHi {
                    // Skip cells entirely outside the rectangle (cheap bbox test on the unset cell).
                    let c = cellCorners(s, i, j, inset: 0)
                    let bb = BBox(points: c)
                    if !bb.intersects(s.rect) { continue }
                    body(s, i, j, cellKind(s, i, j))
                }
            }
        }
    }
}
