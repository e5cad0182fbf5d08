import CityModel

extension CityLayout {
    /// Pond of a park or pond cell: a 24-gon ellipse centred in the cell (radii 22–30 % of the cell sides),
    /// counter-clockwise. The park polygon uses the same ring, reversed, as its hole.
    func pondRing(_ s: Sector, _ i: Int, _ j: Int, fraction: Double? = nil) -> [Vec2] {
        var r = SynthHash.rng(seed, Tag.cell, s.index, i, j, 3)
        let fu = fraction ?? r.uniform(0.22, 0.3), fv = fraction ?? r.uniform(0.22, 0.3)
        let cu = (Double(i) + 0.5) * s.sx, cv = (Double(j) + 0.5) * s.sy
        var ring: [Vec2] = []
        ring.reserveCapacity(24)
        for k in 0..<24 {
            let a = 2 * Double.pi * Double(k) / 24
            ring.append(s.world(cu + fu * s.sx * cosApprox(a), cv + fv * s.sy * sinApprox(a)))
        }
        return ring
    }

    /// Green polygon of a whole-cell park / forest / unused civic ground (inset 8 m), with the pond as a hole.
    func cellGreen(_ s: Sector, _ i: Int, _ j: Int, pond: Bool) -> Polygon {
        let ext = cellCorners(s, i, j, inset: 8)
        return pond ? Polygon(exterior: ext, holes: [pondRing(s, i, j).reversed()]) : Polygon(exterior: ext)
    }

    /// Riverside linear parks (滨江公园): south and north strips between the water and the bank roads, the river's length.
    func riversideStrips() -> [Polygon] {
        let lo = river.width / 2 + 3, hi = river.width / 2 + river.bankOffset - 6
        return [river.strip(from: extent.minX, to: extent.maxX, lo: -hi, hi: -lo),
                river.strip(from: extent.minX, to: extent.maxX, lo: lo, hi: hi)]
    }
}

/// Size class of a green area as the park-service indicators use them (< 400 m², 400–5000 m², ≥ 5000 m²).
func greenSizeClass(_ area: Double) -> String { area < 400 ? "lt400" : area < 5000 ? "400to5000" : "ge5000" }
