/// One input line of the walk network: a polyline in metres with its walking attributes.
///
/// The lead builds these from the base layer's roads (after optional GEOS noding): `walkable` is false for
/// foot=no / motorways, `oneWay` is true for footways tagged one-way for walkers (allowed direction = point order),
/// and `costFactor` is the multiplier applied to the length (1 for ordinary streets, the configured stairs penalty for
/// steps). Distances reported by searches are *costs*: metres × `costFactor` along edges, plain metres on snap legs.
public struct WalkLine: Sendable, Equatable {
    /// Caller's id (e.g. the road feature id); carried to every edge made from this line.
    public var id: Int64
    /// Vertices in metres (projected working CRS), at least two distinct ones to contribute an edge.
    public var points: [SIMD2<Double>]
    /// False: the line is ignored entirely (no edges, not snappable).
    public var walkable: Bool
    /// True: walking is allowed only from `points.first` towards `points.last`.
    public var oneWay: Bool
    /// Cost multiplier (> 0) applied to this line's length, e.g. a stairs penalty of 1.5.
    public var costFactor: Double

    /// A walkable two-way line at cost factor 1 unless told otherwise; `points` in metres of the working CRS.
    public init(id: Int64, points: [SIMD2<Double>], walkable: Bool = true, oneWay: Bool = false, costFactor: Double = 1) {
        self.id = id
        self.points = points
        self.walkable = walkable
        self.oneWay = oneWay
        self.costFactor = costFactor
    }
}

/// Options for building a ``WalkGraph``.
public struct WalkGraphOptions: Sendable, Equatable {
    /// Vertices whose coordinates agree after rounding to this step (metres) are the same vertex. Default 1 mm.
    public var quantum: Double
    /// Number nodes along a Hilbert curve (default true): faster searches on large graphs. When false, nodes are
    /// numbered in order of first appearance in the lines (handy for tests and debugging).
    public var spatialNodeOrder: Bool
    /// Options with a 1 mm vertex quantum and Hilbert node order by default.
    public init(quantum: Double = 0.001, spatialNodeOrder: Bool = true) {
        self.quantum = quantum
        self.spatialNodeOrder = spatialNodeOrder
    }
}

/// Errors raised while building a walk graph.
public enum WalkGraphError: Error, Equatable, Sendable {
    /// A coordinate is NaN or infinite (line id given).
    case nonFiniteCoordinate(lineId: Int64)
    /// A cost factor is not a finite positive number (line id given).
    case invalidCostFactor(lineId: Int64)
    /// The data extent divided by the quantum does not fit the 32-bit vertex key per axis (> ~4,000 km at 1 mm).
    case extentTooLarge
    /// More than Int32.max nodes, edges or geometry points.
    case tooLarge
}
