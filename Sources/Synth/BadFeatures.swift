import CityModel

extension CityLayout {
    /// The deliberately bad buildings, appended after the regular ones (see `BadFeatureCounts`, in that order):
    /// bow-ties, zero heights, a 5000 m height, duplicates of the first two regular buildings, a 2-point ring and an
    /// empty geometry. They sit on the ring motorway's corridor, where no regular building stands.
    /// `values` are the buildings layer's fields without `id`.
    func badBuildings(firstRegular: [[FieldValue]], firstGeometry: [Geometry]) -> [(Geometry, [FieldValue], String)] {
        var out: [(Geometry, [FieldValue], String)] = []
        var k = 0
        func spot() -> Vec2 {
            while true {   // on the ring, off the river and inside the study area
                k += 1
                let p = ring.point(0.37 * Double(k))
                if !river.inZone(p, margin: 40) && extent.expanded(by: -40).contains(p) { return Vec2(p.x.rounded(), p.y.rounded()) }
            }
        }
        func vals(_ h: Double?, _ f: Int?, _ tag: String) -> [FieldValue] {
            [h.map { .real($0) } ?? .null, f.map { .int(Int64($0)) } ?? .null, .string("residential"), .int(2000), .null, .string("bad:" + tag)]
        }
        for _ in 0..<2 {   // bow-tie
            let c = spot()
            let ring = [c + Vec2(-10, -6), c + Vec2(10, 6), c + Vec2(10, -6), c + Vec2(-10, 6)]
            out.append((.multiPolygon(MultiPolygon([Polygon(exterior: ring)])), vals(12, 4, "bow-tie"), "bow-tie"))
        }
        for _ in 0..<2 {   // zero height
            let c = spot()
            out.append((.multiPolygon(MultiPolygon([Polygon(exterior: [c + Vec2(-8, -5), c + Vec2(8, -5), c + Vec2(8, 5), c + Vec2(-8, 5)])])),
                        vals(0, 0, "zero-height"), "zero-height"))
        }
        do {   // 5000 m
            let c = spot()
            out.append((.multiPolygon(MultiPolygon([Polygon(exterior: [c + Vec2(-8, -5), c + Vec2(8, -5), c + Vec2(8, 5), c + Vec2(-8, 5)])])),
                        vals(5000, nil, "height-5000"), "height-5000"))
        }
        for d in 0..<2 { out.append((firstGeometry[d], firstRegular[d], "duplicate")) }
        do {   // 2-point ring
            let c = spot()
            out.append((.multiPolygon(MultiPolygon([Polygon(exterior: [c, c + Vec2(15, 0)])])), vals(9, 3, "degenerate-ring"), "degenerate-ring"))
        }
        out.append((.multiPolygon(MultiPolygon([])), vals(9, 3, "empty"), "empty"))
        return out
    }
}
