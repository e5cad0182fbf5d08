import CityModel
import Foundation
import GeoBridge
import WalkNetwork

/// What the walk stage searches between: the street lines (optionally noded), the facilities' entrances, the origins,
/// and the drive network for the fire-station reach.
enum WalkInputs {
    /// Lines for the walk graph (walkable roads) or the drive graph (drivable roads), optionally noded with GEOS.
    static func walkLines(_ roads: [Road], _ o: WalkStage.Options, drive: Bool) throws -> [WalkLine] {
        let sel = roads.filter { drive ? $0.drivable : $0.walkable }
        if o.nodeCrossings && !sel.isEmpty {
            // GEOS noding splits lines where they cross; each noded piece takes the attributes of the road it lies on
            // (found by snapping the piece's midpoint onto the original lines).
            let g = GEOSContext()
            let noded = try g.node(try g.read(.multiLineString(sel.map(\.line)))).geometry().lines.filter { $0.points.count >= 2 }
            let orig = try WalkGraph(lines: sel.map { WalkLine(id: $0.id, points: $0.line.points) })
            let oi = EdgeSegmentIndex(graph: orig)
            let byId = Dictionary(sel.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return noded.enumerated().map { i, l in
                let pos = oi.snap(l.pointAt(fraction: 0.5), options: SnapOptions(maxSnap: 1, preferLargestComponent: false))
                let r = pos.isSnapped ? byId[orig.edgeLineId[Int(pos.edge)]] : nil
                return WalkLine(id: Int64(i), points: l.points, walkable: true, oneWay: drive ? false : (r?.onewayWalk ?? false),
                                costFactor: (!drive && (r?.isStairs ?? false)) ? o.stairsPenalty : 1)
            }
        }
        return sel.map { r in
            WalkLine(id: r.id, points: r.line.points, walkable: true, oneWay: drive ? false : r.onewayWalk,
                     costFactor: (!drive && r.isStairs) ? o.stairsPenalty : 1)
        }
    }

    /// Smallest green park that counts as a walk destination: park_service_cov's smallest class (口袋公园, 400 m²).
    static let minParkM2 = 400.0

    /// The green layer's parks (`is_park`) of at least `minParkM2` as `park` facilities entered along their outline
    /// (ids are unique across layers, so they never collide with the facilities layer's).
    static func greenParks(_ base: BaseLayer) -> [Facility] {
        base.green.filter { $0.isPark && $0.area.area >= minParkM2 }.map {
            Facility(id: $0.id, sourceId: $0.sourceId, category: "park", name: $0.name, geometry: .multiPolygon($0.area))
        }
    }

    /// Points where a facility is entered: the point itself, or points every `spacing` m along a polygon's outline.
    static func entrances(_ f: Facility, spacing: Double) -> [Vec2] {
        let mp = f.geometry.polygons
        if mp.polygons.isEmpty { return [f.geometry.representativePoint] }
        var out: [Vec2] = []
        for p in mp.polygons {
            let ring = p.exterior
            guard ring.count >= 2 else { continue }
            let closed = LineString(ring + [ring[0]])
            let n = max(1, Int((closed.length / spacing).rounded(.up)))
            for k in 0..<n { out.append(closed.pointAt(fraction: Double(k) / Double(n))) }
        }
        return out.isEmpty ? [mp.centroid] : out
    }

    /// The snapped entrances of one category's facilities, and how many failed to snap.
    static func facilitySet(_ category: String, _ facilities: [Facility], index: EdgeSegmentIndex, spacing: Double,
                            snap: SnapOptions) -> (set: FacilitySet, unsnapped: Int) {
        var pts: [Vec2] = [], ids: [Int64] = []
        for f in facilities { for e in entrances(f, spacing: spacing) { pts.append(e); ids.append(f.id) } }
        let s = index.snap(pts, options: snap)
        return (FacilitySet(name: category, positions: s.positions, ids: ids), s.failed)
    }

    /// Origins: residential buildings (residential or mixed use, or holding residents) inside the boundary when one is given.
    static func originIndices(_ base: BaseLayer) -> [Int] {
        base.buildings.indices.filter { i in
            let b = base.buildings[i]
            guard b.use.isResidential || (b.residents ?? 0) > 0 else { return false }
            if let bd = base.boundary { return bd.contains(b.footprint.centroid) }
            return true
        }
    }

    /// Drive distance (m) over drivable roads from the nearest fire station to every building (`+∞` when unreachable
    /// or unsnapped), nil when no road is drivable. The search is not capped: `fire_5min_cov` applies its own reach
    /// (minutes × speed), so that the indicator's parameters are the only setting.
    static func fireDrive(base: BaseLayer, stations: [Facility], options o: WalkStage.Options, snap: SnapOptions) throws -> [Float]? {
        let lines = try walkLines(base.roads, o, drive: true)
        guard !lines.isEmpty, let dg = try? WalkGraph(lines: lines) else { return nil }
        let di = EdgeSegmentIndex(graph: dg)
        let st = di.snap(stations.map { $0.geometry.representativePoint }, options: snap)
        let bs = di.snap(base.buildings.map { $0.footprint.centroid }, options: snap)
        let set = FacilitySet(name: "fire_station", positions: st.positions, ids: stations.map(\.id))
        let r = WalkAccessEngine(graph: dg).originDistances(categories: [set], origins: bs.positions, cutoff: .infinity, k: 0)
        return r[0].distances.map { $0.isNaN ? .infinity : $0 }
    }
}
