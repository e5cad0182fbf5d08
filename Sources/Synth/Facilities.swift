import CityModel

/// Provision rates: residents served per facility of each category (our defaults, after GB 50180-2018 table 4.0.1 and
/// appendix B where it gives populations: a 5-min circle serves 5–12 k, a 10-min circle 15–25 k, a 15-min 50–100 k).
/// `polygon`: placed as a ground polygon on a free civic block of the unit or a neighbouring unit when one is
/// available, else as a point.
/// `park` comes from the green layer (one point per park polygon); `fire_station` is by area (one per 7 km² of built
/// land, the 5-minute response district of GB 51054 / 城市消防站建设标准).
struct ProvisionRate: Sendable {
    let id: String
    let residentsPer: Double
    let polygon: Bool
}

enum Provision {
    static let rates: [ProvisionRate] = [
        .init(id: "kindergarten", residentsPer: 9_000, polygon: false),
        .init(id: "community_service", residentsPer: 10_000, polygon: false),
        .init(id: "elderly_daycare", residentsPer: 12_000, polygon: false),
        .init(id: "clinic", residentsPer: 12_000, polygon: false),
        .init(id: "convenience", residentsPer: 1_200, polygon: false),
        .init(id: "fitness", residentsPer: 5_000, polygon: false),
        .init(id: "primary_school", residentsPer: 20_000, polygon: true),
        .init(id: "market", residentsPer: 20_000, polygon: false),
        .init(id: "sports_mid", residentsPer: 25_000, polygon: true),
        .init(id: "middle_school", residentsPer: 50_000, polygon: true),
        .init(id: "health_center", residentsPer: 75_000, polygon: false),
        .init(id: "elderly_home", residentsPer: 60_000, polygon: false),
        .init(id: "culture", residentsPer: 60_000, polygon: false),
        .init(id: "sports_large", residentsPer: 100_000, polygon: true),
        .init(id: "supermarket", residentsPer: 15_000, polygon: false),
        .init(id: "pharmacy", residentsPer: 6_000, polygon: false),
        .init(id: "hospital", residentsPer: 150_000, polygon: false),
        .init(id: "shelter", residentsPer: 50_000, polygon: false),
    ]
    /// Built land per fire station (m²).
    static let fireStationArea = 7_000_000.0
    static func rate(_ id: String) -> ProvisionRate? { rates.first { $0.id == id } }
}

/// A free block reserved for schools and sports grounds (cells of kind `.civic`), in generation order.
struct CivicCell: Sendable {
    var unit: Int, sector: Int, i: Int, j: Int
}

/// A facility placed by the planner: a point, or the ground polygon of a civic cell.
struct PlannedFacility: Sendable {
    var kind: String
    var point: Vec2?
    var civic: Int?
}

extension CityLayout {
    /// The ground polygon of civic cell (inset 10 m from the street lines).
    func civicPolygon(_ c: CivicCell) -> Polygon {
        Polygon(exterior: cellCorners(sectors[c.sector], c.i, c.j, inset: 10))
    }

    /// Places facilities of every category by error diffusion over the 500 m units in serpentine order: each unit adds
    /// its residents ÷ (residents per facility) × a per-sub-district service factor (0.4–1.4, so some areas are
    /// under-served) to an accumulator, and a facility is placed whenever it passes 1. Counts follow population and
    /// facilities spread evenly through populated land. Complexity O(categories × units).
    func planFacilities(unitResidents: [Double], unitBuildings: [Int32], civic: [CivicCell]) -> (plan: [PlannedFacility], civicUsed: [Bool]) {
        var used = [Bool](repeating: false, count: civic.count)
        // Civic cells by unit (stable: ties keep generation order).
        let byUnit = civic.indices.sorted { (civic[$0].unit, $0) < (civic[$1].unit, $1) }
        func firstFree(unit: Int) -> Int? {
            var lo = 0, hi = byUnit.count
            while lo < hi { let m = (lo + hi) / 2; if civic[byUnit[m]].unit < unit { lo = m + 1 } else { hi = m } }
            var k = lo
            while k < byUnit.count && civic[byUnit[k]].unit == unit {
                if !used[byUnit[k]] { return byUnit[k] }
                k += 1
            }
            return nil
        }
        // The unit's own civic cells first, then its 8 neighbours (west to east, south to north).
        func firstFreeNear(unit u: Int) -> Int? {
            if let c = firstFree(unit: u) { return c }
            let ux = u % unitsX, uy = u / unitsX
            for dy in -1...1 {
                for dx in -1...1 where dx != 0 || dy != 0 {
                    let x = ux + dx, y = uy + dy
                    guard x >= 0, x < unitsX, y >= 0, y < unitsY else { continue }
                    if let c = firstFree(unit: y * unitsX + x) { return c }
                }
            }
            return nil
        }
        var order: [Int] = []
        order.reserveCapacity(unitsX * unitsY)
        for uy in 0..<unitsY {
            for k in 0..<unitsX { order.append(uy * unitsX + (uy % 2 == 0 ? k : unitsX - 1 - k)) }
        }
        let unitSector = (0..<(unitsX * unitsY)).map { u -> Int in
            sector(of: Vec2(extent.minX + (Double(u % unitsX) + 0.5) * unitSize, extent.minY + (Double(u / unitsX) + 0.5) * unitSize))
        }
        var plan: [PlannedFacility] = []
        for (ci, cat) in FacilityCategory.all.enumerated() {
            let rate = Provision.rate(cat.id)
            let isFire = cat.id == "fire_station"
            guard rate != nil || isFire else { continue }
            var r = SynthHash.rng(seed, Tag.facility, ci)
            var acc = r.unit()
            var ordinal = 0
            for u in order {
                let w: Double
                if isFire {
                    w = unitBuildings[u] > 0 ? unitSize * unitSize / Provision.fireStationArea : 0
                } else {
                    guard unitResidents[u] > 0 else { continue }
                    var sr = SplitMix64(seed: sectors[unitSector[u]].serviceSeed ^ SynthHash.mix(UInt64(ci)))
                    w = unitResidents[u] / rate!.residentsPer * sr.uniform(0.4, 1.4)
                }
                acc += w
                while acc >= 1 {
                    acc -= 1
                    ordinal += 1
                    if rate?.polygon == true, let c = firstFreeNear(unit: u) {
                        used[c] = true
                        plan.append(PlannedFacility(kind: cat.id, point: nil, civic: c))
                        continue
                    }
                    if let p = landPoint(unit: u, ci, ordinal) { plan.append(PlannedFacility(kind: cat.id, point: p, civic: nil)) }
                }
            }
        }
        return (plan, used)
    }

    /// A random point of the unit on land: inside the study area, off the river zone and the ring corridor.
    func landPoint(unit u: Int, _ a: Int, _ b: Int) -> Vec2? {
        var r = SynthHash.rng(seed, Tag.facility, 1000 + a, b, u)
        let ox = extent.minX + Double(u % unitsX) * unitSize, oy = extent.minY + Double(u / unitsX) * unitSize
        for _ in 0..<16 {
            let p = Vec2(ox + r.uniform(0, unitSize), oy + r.uniform(0, unitSize))
            if p.x < extent.minX + 20 || p.x > extent.maxX - 20 || p.y < extent.minY + 20 || p.y > extent.maxY - 20 { continue }
            if river.inZone(p, margin: 5) { continue }
            if !ring.clear([p], margin: 20) { continue }
            return Vec2((p.x * 100).rounded() / 100, (p.y * 100).rounded() / 100)
        }
        return nil
    }
}
