/// # WalkNetwork
///
/// Pure-Swift walk network for life-circle coverage (issue 5): graph from polylines, snapping along edges, bounded
/// multi-source Dijkstra per facility category, k nearest facilities, per-node distances and isochrone edge pieces.
/// Imports GridCore (for its shared parallel loop) and the Swift runtime's Synchronization; no C.
///
/// Typical use (the Pipeline supplies lines in metres from the base layer's roads):
/// ```swift
/// let graph = try WalkGraph(lines: lines)                       // nodes at shared vertices, CSR adjacency
/// let index = EdgeSegmentIndex(graph: graph)                    // grid index over edge segments
/// let origins = index.snap(originPoints)                        // SnapBatch: positions + counts (failed, islands)
/// let kinder = FacilitySet(name: "kindergarten", positions: index.snap(kinderPoints).positions, ids: kinderIds)
/// let engine = WalkAccessEngine(graph: graph)
/// let access = engine.originDistances(categories: [kinder, …], origins: origins.positions, cutoff: 1_000, k: 1)
/// // access[c].distances[i]: metres (Float); +∞ = none within cutoff; NaN = origin not snapped
/// let pieces = engine.isochrone(category: kinder, threshold: 500)   // polylines to buffer with GEOS
/// ```
///
/// Distances are walking costs: straight legs (point → snap point, both ends) in metres plus edge metres × the
/// line's cost factor (stairs penalty). One-way lines are walked only in point order. Searches run "towards the
/// facility": the distance of an origin is the cost of walking from it to the facility.
public enum WalkNetworkInfo {
    /// Module version of the algorithms' behaviour (bump when results may change).
    public static let version = 1
}
