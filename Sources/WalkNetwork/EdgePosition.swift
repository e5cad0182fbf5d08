/// Where a point sits on the walk graph after snapping: an edge, the offset along it, and the straight leg to it.
public struct EdgePosition: Sendable, Equatable {
    /// Equal when all fields are equal; NaN fields (failed positions) compare equal to NaN.
    public static func == (a: EdgePosition, b: EdgePosition) -> Bool {
        a.edge == b.edge && a.status == b.status && (a.offset == b.offset || (a.offset.isNaN && b.offset.isNaN))
            && (a.leg == b.leg || (a.leg.isNaN && b.leg.isNaN))
    }

    /// Edge index in the graph; -1 when the point failed to snap.
    public var edge: Int32
    /// Metres along the edge from its start node (`WalkGraph.edgeFrom`) to the snap point.
    public var offset: Double
    /// Straight-line metres from the point to its snap point (walked at cost factor 1).
    public var leg: Double
    /// How the snap went.
    public var status: SnapStatus

    /// A position `offset` metres along `edge` reached by a straight leg of `leg` metres.
    public init(edge: Int32, offset: Double, leg: Double, status: SnapStatus = .main) {
        self.edge = edge
        self.offset = offset
        self.leg = leg
        self.status = status
    }

    /// A failed snap (no edge within the snap distance).
    public static let failed = EdgePosition(edge: -1, offset: .nan, leg: .nan, status: .failed)

    /// True when the position is on an edge (any status but `.failed`).
    @inlinable public var isSnapped: Bool { edge >= 0 }
}

/// Outcome of snapping one point.
public enum SnapStatus: UInt8, Sendable, Equatable {
    /// Nearest edge within the snap distance, on the largest component.
    case main
    /// Nearest edge was on a small component, but an edge of the largest component was within the snap distance: snapped there.
    case movedToMain
    /// Snapped to a small ("island") component: no edge of the largest component within the snap distance.
    case island
    /// No edge within the snap distance; never given a distance.
    case failed
}

/// Options for snapping points to edges.
public struct SnapOptions: Sendable, Equatable {
    /// Largest allowed leg, metres (default 200).
    public var maxSnap: Double
    /// Apply the component rule (prefer the largest component within `maxSnap`). Default true.
    public var preferLargestComponent: Bool
    /// Snap options: at most `maxSnap` metres (default 200), island rule on by default.
    public init(maxSnap: Double = 200, preferLargestComponent: Bool = true) {
        self.maxSnap = maxSnap
        self.preferLargestComponent = preferLargestComponent
    }
}

/// Result of snapping many points: one position per input point (same order) and the counts to report.
public struct SnapBatch: Sendable {
    /// One position per input point, in input order; `EdgePosition.failed` where nothing was within the snap distance.
    public var positions: [EdgePosition]
    /// Points on the largest component (`.main` + `.movedToMain`).
    public var onMain: Int
    /// Points moved from a nearer island edge to the largest component.
    public var movedToMain: Int
    /// Points left on island components.
    public var onIsland: Int
    /// Indices (into the input) of points that failed to snap.
    public var failedIndices: [Int]
    /// Number of failed points.
    @inlinable public var failed: Int { failedIndices.count }
}
