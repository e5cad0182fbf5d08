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
    /// What parent tiles show (default `.largest` here; city.yaml's `tiles.lod` defaults to `.blocks`). With
    /// `.blocks`, `coarseBuildingsPerParent` is unused: every building is on a leaf and parents hold `BlockLOD` blocks.
    public var lod: TileLOD = .largest
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
    /// Cap of a parent tile's geometric error per metre of its quadtree cell side (default 2/58.5 ≈ 0.034): CesiumJS at
    /// its defaults (16 px maximum screen-space error, 60° field of view, 1080 px tall) then refines a tile only when
    /// the camera is within about 2 cell sides of it, which bounds the tiles (and so triangles) loaded at any zoom.
    /// See `TilesetWriter` for the bound. `.infinity` disables the cap.
    public var lodErrorPerSide: Double = 2 / TilesetOptions.cesiumDefaultSSEFactor
    /// H / (2 tan(fov/2) · SSE) for CesiumJS defaults (H = 1080 px, fov = 60°, SSE = 16 px) ≈ 58.46: a tile of geometric
    /// error e is refined when the camera is closer than e × this factor.
    public static let cesiumDefaultSSEFactor = 1080 / (2 * 0.57735026918962576 * 16)
    /// Colours by `BuildingUse` (one primitive and material per use in a tile); otherwise `baseColor` for all.
    public var colorByUse: Bool = true
    /// Linear RGB colour in [0, 1] when `colorByUse` is false.
    public var baseColor: SIMD3<Double> = SIMD3(0.85, 0.85, 0.82)
    /// Builds tiles concurrently on all cores (the projector must be thread-safe).
    public var parallel: Bool = true
    /// Geometry encoding of the content (default `.none` here, as glTF core needs no extension; city.yaml's
    /// `tiles.compression` defaults to `.meshopt`). `.meshopt` needs a `MeshCodec` passed to `TilesetWriter`.
    public var compression: TileCompression = .none
    /// Bits per axis of quantized positions, 8…16 (default 14, as gltfpack): the step is the tile's largest extent /
    /// (2^bits − 1), e.g. 3 cm for a 500 m leaf tile, 6 cm for 1 km (stored as UINT16 whatever the bits).
    public var positionBits: Int = 14
    /// Writes 3D Tiles 1.1 implicit tiling (`ImplicitTilesetWriter`: a uniform quadtree of the root region, binary
    /// `.subtree` availability files, template content names) instead of an explicit tile tree (default false). Implicit
    /// tiles refine ADD with the `.largest` level of detail whatever `lod` says (see `ImplicitTilesetWriter` for why).
    public var implicit: Bool = false
    /// Levels per subtree file of an implicit tileset, 1…10, or 0 (default) for automatic: all levels in one file up to
    /// 8 levels (≤ 2.7 KB of tile bits and 8 KB of child bits), otherwise the levels split into equal parts of ≤ 8.
    public var subtreeLevels: Int = 0

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
    /// Buildings written (= features of class `building` in all property tables).
    public var buildings: Int
    /// Block features of `TileLOD.blocks` parent tiles (class `block`), over all levels.
    public var blocks: Int = 0
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
    /// Content files built and written by this run.
    public var contentsWritten: Int = 0
    /// Content files of an earlier run reused unchanged (same content hash).
    public var contentsReused: Int = 0
    /// Files of earlier runs under `content/` (and `subtrees/`) removed because this tileset no longer references them.
    public var staleFilesRemoved: Int = 0
    /// Subtree files written (implicit tiling; 0 for an explicit tileset).
    public var subtrees: Int = 0
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
    /// `TileCompression.meshopt` was asked for without a `MeshCodec`, or an option is out of range.
    case options(String)
    public var description: String {
        switch self {
        case .columnLength(let n, let c, let e): return "column \(n) has \(c) values for \(e) buildings"
        case .duplicateColumn(let n): return "duplicate metadata property \(n)"
        case .projection(let m): return "projection: \(m)"
        case .io(let m): return "io: \(m)"
        case .options(let m): return "options: \(m)"
        }
    }
}
