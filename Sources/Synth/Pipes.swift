import CityModel

extension CityLayout {
    /// Pipes under one road (OSM-like networks: one line per pipe type, along the street centreline).
    /// Drivable streets carry water (93 %), sewer (90 %, none in sewer-gap sub-districts' own streets, none on bridges),
    /// storm (60 %, not in sewer-gap sub-districts, not on bridges), gas (65 %, not on service roads) and, in the core,
    /// district heat (8 %). Diameters by road class, rounded to 50 mm. Footways, paths, steps and the motorway: none.
    func pipes(for r: RoadLink, ordinal: Int) -> [(String, Int)] {
        guard r.drivable, r.highway != "motorway" else { return [] }
        var g = SynthHash.rng(seed, Tag.pipe, ordinal)
        let gap = r.sector >= 0 && sectors[r.sector].sewerGap
        let level: Int   // 0 primary … 4 service
        switch r.highway {
        case "primary": level = 0
        case "secondary": level = 1
        case "tertiary": level = 2
        case "residential": level = 3
        default: level = 4
        }
        func dia(_ lo: Double, _ hi: Double) -> Int { max(100, Int((g.uniform(lo, hi) / 50).rounded()) * 50) }
        var out: [(String, Int)] = []
        let sewer = [(800.0, 1200.0), (600, 1000), (400, 600), (300, 400), (200, 300)][level]
        let water = [(400.0, 800.0), (300, 600), (200, 300), (100, 200), (100, 150)][level]
        let gas = [(300.0, 500.0), (200, 400), (150, 250), (100, 160), (100, 100)][level]
        if g.chance(0.93) { out.append(("water", dia(water.0, water.1))) }
        let sw = g.chance(level == 4 ? 0.7 : 0.9)
        if !gap && !r.bridge && sw { out.append(("sewer", dia(sewer.0, sewer.1))) }
        let st = g.chance(0.6)
        if !gap && !r.bridge && st { out.append(("storm", dia(sewer.0 * 1.3, sewer.1 * 1.3))) }
        if level < 4 && g.chance(0.65) { out.append(("gas", dia(gas.0, gas.1))) }
        if r.sector >= 0 && sectors[r.sector].zone == .core && g.chance(0.08) { out.append(("heat", dia(200, 500))) }
        return out
    }
}
