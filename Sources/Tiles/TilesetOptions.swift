import CityModel

/// Settings of a 3D Tiles export (`TilesetWriter`).
public struct TilesetOptions: Sendable {
    /// Most buildings in one tile's content (default 2,000). A quadtree cell holding more is split.
    public var maxBuildingsPerTile: Int = 2_000
    /// Most triangles (estimated from ring sizes, 4 per footprint vertex) in one tile's content (default 300,000).
    public var maxTrianglesPerTile: Int = 300_000
    /// Buildings kept in each parent tile's own content, the largest of its subtree (by extent = max(height,
    /// footprint bounding-box diagonal)), so a far view shows the landmarks first (refine ADD). 0 puts all content on
    /// leaves. Default 200.
    public var coarseBuildingsPerParent: Int = 200
    /// Deepest quadtree level (the root is 0); a cell there is a leaf whatever its size (default 20).
    public var maxLevel: Int = 20
    /// Ground height above the WGS84 ellipsoid (m) used where `Building.groundM` is nil (default 0). 0 puts buildings
    /// on the ellipsoid, which is the ground of a client without terrain (tiles/index.html, CesiumJS with
    /// EllipsoidTerrainProvider). Over a terrain, use the terrain's ellipsoidal height there (orthometric height + geoid
    /// undulation), or buildings float or sink.
    public var defaultGroundHeightM: Double = 0
    /// Added to every given `Building.groundM` (default 0): e.g. the geoid undulation when ground heights are
    /// orthometric (above sea level) rather than ellipsoidal.
    public var groundOffsetM: Double = 0
    /// Buildings lower than this (or with a non-finite height) are extruded to this height (default 1 m).
    public var minimumHeightM: Double = 1
    /// Margin added around the exact vertex region of every tile (m), covering Float32 rounding (default 0.05 m).
    public var boundsMarginM: Double = 0.05
    /// Multiplies the extent-based geometric errors (default 1); larger values make clients load tiles from farther.
    public var geometricErrorScale: Double = 1
    /// Colours by `BuildingUse` (one primitive and material per use in a tile); otherwise `baseColor` for all.
    public var colorByUse: Bool = true
    /// Linear RGB colour in [0, 1] when `colorByUse` is false.
    public var baseColor: SIMD3<Double> = SIMD3(0.85, 0.85, 0.82)
    /// Builds tiles concurrently on all cores (the projector must be thread-safe).
    public var parallel: Bool = true

    public init() {}

    /// Linear RGB base colour of a use.
    public static func color(for use: BuildingUse) -> SIMD3<Double> {
        switch use {
        case .residential: return SIMD3(0.93, 0.83, 0.62)
        case .commercial: return SIMD3(0.55, 0.70, 0.90)
        case .public: return SIMD3(0.85, 0.55, 0.55)
        case .industrial: return SIMD3(0.65, 0.62, 0.75)
        case .mixed: return SIMD3(0.90, 0.70, 0.45)
        case .other: return SIMD3(0.75, 0.78, 0.72)
        case .unknown: return SIMD3(0.85, 0.85, 0.82)
        }
    }
}

/// What an export wrote.
public struct TilesetSummary: Sendable, Equatable {
    /// Tiles in tileset.json (including the content-free root).
    public var tiles: Int
    /// Tiles with a .glb content.
    public var contentTiles: Int
    /// Buildings written (= features in all property tables).
    public var buildings: Int
    /// Buildings left out: no footprint coordinates at all.
    public var skippedBuildings: Int
    public var triangles: Int
    public var vertices: Int
    /// Bytes of all .glb files plus tileset.json.
    public var bytes: Int
    /// Deepest tile level (root = 0).
    public var depth: Int
    /// Root tile region (radians / metres): west, south, east, north, min height, max height.
    public var rootRegion: [Double]
}

/// Errors of the Tiles module.
public enum TilesError: Error, Equatable, CustomStringConvertible {
    /// An extra column has a different count from the buildings.
    case columnLength(name: String, count: Int, expected: Int)
    /// Two extra columns map to the same property id, or one collides with a standard property.
    case duplicateColumn(String)
    /// The projector failed or returned unusable points.
    case projection(String)
    /// Writing files failed.
    case io(String)
    public var description: String {
        switch self {
        case .columnLength(let n, let c, let e): return "column \(n) has \(c) values for \(e) buildings"
        case .duplicateColumn(let n): return "duplicate metadata property \(n)"
        case .projection(let m): return "projection: \(m)"
        case .io(let m): return "io: \(m)"
        }
    }
}
