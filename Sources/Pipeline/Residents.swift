import CityModel
import Foundation

/// Ingest step 5: residents per building. Given values are kept; else a population layer is spread over the
/// buildings whose centroid is in each cell, by residential floor area; else residents are estimated as residential
/// floor area ÷ m² per resident. Returns how, and the population of cells with no building to hold it.
enum Residents {
    /// Fills `residents`: given values are kept; else from a population layer (dasymetric by residential floor area),
    /// else estimated as residential floor area ÷ m² per resident.
    static func assign(_ base: inout BaseLayer, _ opt: IngestOptions) -> (String, Double) {
        func candidate(_ b: Building, allowUnknown: Bool) -> Bool {
            b.use.isResidential || (allowUnknown && b.use == .unknown)
        }
        if base.buildings.contains(where: { $0.residents != nil }) && base.population.isEmpty {
            for i in base.buildings.indices where base.buildings[i].residents == nil { base.buildings[i].residents = 0 }
            return ("attribute", 0)
        }
        if !base.population.isEmpty {
            // Index building centroids on a grid for the point-in-cell search.
            let index = PointGrid(points: base.buildings.map { $0.footprint.centroid }, cell: 100)
            // Buildings with a residents attribute keep it; a cell's remaining residents go to the others.
            var residents = base.buildings.map { $0.residents ?? 0 }
            var unassigned = 0.0
            for cell in base.population where cell.population > 0 {
                let all = index.query(cell.area.bbox).filter { cell.area.contains(base.buildings[$0].footprint.centroid) }
                let given = all.reduce(0.0) { $0 + (base.buildings[$1].residents ?? 0) }
                let remaining = cell.population - given
                let inside = all.filter { base.buildings[$0].residents == nil }
                if remaining <= 1e-9 { continue }
                var chosen = inside.filter { candidate(base.buildings[$0], allowUnknown: false) }
                if chosen.isEmpty { chosen = inside.filter { candidate(base.buildings[$0], allowUnknown: true) } }
                if chosen.isEmpty { chosen = inside }
                let weights = chosen.map { base.buildings[$0].floorArea(floorHeight: opt.floorHeightM) }
                let w = weights.reduce(0, +)
                if chosen.isEmpty || w <= 0 { unassigned += remaining; continue }
                for (k, i) in chosen.enumerated() { residents[i] += remaining * weights[k] / w }
            }
            let given = base.buildings.contains { $0.residents != nil }
            for i in base.buildings.indices { base.buildings[i].residents = residents[i] }
            return (given ? "attribute, and population layer for the rest (by residential floor area)" : "population layer (by residential floor area)", unassigned)
        }
        for i in base.buildings.indices {
            let b = base.buildings[i]
            let r = candidate(b, allowUnknown: opt.unknownUseIsResidential) ? b.floorArea(floorHeight: opt.floorHeightM) / opt.m2PerResident : 0
            base.buildings[i].residents = r
        }
        return ("estimated from residential floor area (\(opt.m2PerResident) m²/resident)", 0)
    }

}

/// Points bucketed on a square grid, for bbox queries.
struct PointGrid {
    let cell: Double
    let origin: Vec2
    let cols: Int, rows: Int
    var start: [Int32] = []
    var items: [Int32] = []

    init(points: [Vec2], cell: Double) {
        self.cell = cell
        let bb = BBox(points: points.filter { $0.x.isFinite && $0.y.isFinite })
        origin = bb.isEmpty ? .zero : Vec2(bb.minX, bb.minY)
        cols = bb.isEmpty ? 1 : max(1, Int(bb.width / cell) + 1)
        rows = bb.isEmpty ? 1 : max(1, Int(bb.height / cell) + 1)
        var counts = [Int32](repeating: 0, count: cols * rows + 1)
        let keys = points.map { key($0) }
        for k in keys where k >= 0 { counts[k + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        start = counts
        items = [Int32](repeating: 0, count: Int(counts.last!))
        var fill = counts
        for (i, k) in keys.enumerated() where k >= 0 { items[Int(fill[k])] = Int32(i); fill[k] += 1 }
    }

    func key(_ p: Vec2) -> Int {
        guard p.x.isFinite, p.y.isFinite else { return -1 }
        let c = Int((p.x - origin.x) / cell), r = Int((p.y - origin.y) / cell)
        guard c >= 0, r >= 0, c < cols, r < rows else { return -1 }
        return r * cols + c
    }

    func query(_ bb: BBox) -> [Int] {
        let c0 = max(0, Int(((bb.minX - origin.x) / cell).rounded(.down))), c1 = min(cols - 1, Int(((bb.maxX - origin.x) / cell).rounded(.down)))
        let r0 = max(0, Int(((bb.minY - origin.y) / cell).rounded(.down))), r1 = min(rows - 1, Int(((bb.maxY - origin.y) / cell).rounded(.down)))
        guard c0 <= c1, r0 <= r1 else { return [] }
        var out: [Int] = []
        for r in r0...r1 { for c in c0...c1 { let k = r * cols + c; for j in start[k]..<start[k + 1] { out.append(Int(items[Int(j)])) } } }
        return out
    }
}
