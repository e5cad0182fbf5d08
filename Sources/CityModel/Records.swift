/// The canonical base-layer records (数据底板) every stage after ingest works on, in the working metric CRS.

/// Where a building's height came from.
public enum HeightSource: String, Sendable, Codable, CaseIterable {
    /// A height attribute of the source.
    case measured
    /// Floors × floor height.
    case floors
    /// The configured default height.
    case `default`
}

/// Canonical building use.
public enum BuildingUse: String, Sendable, Codable, CaseIterable {
    case residential, commercial, `public`, industrial, mixed, other, unknown
    /// Residential floor area counts toward residents (mixed counts as residential).
    public var isResidential: Bool { self == .residential || self == .mixed }
}

public struct Building: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    public var footprint: MultiPolygon
    public var heightM: Double
    public var heightSource: HeightSource
    public var floors: Int?
    public var use: BuildingUse
    public var residents: Double?
    public var yearBuilt: Int?
    public var groundM: Double?
    public init(id: Int64, sourceId: String, footprint: MultiPolygon, heightM: Double, heightSource: HeightSource,
                floors: Int? = nil, use: BuildingUse = .unknown, residents: Double? = nil, yearBuilt: Int? = nil, groundM: Double? = nil) {
        self.id = id; self.sourceId = sourceId; self.footprint = footprint; self.heightM = heightM
        self.heightSource = heightSource; self.floors = floors; self.use = use; self.residents = residents
        self.yearBuilt = yearBuilt; self.groundM = groundM
    }
    /// Floors used for floor area: the floor count when known, else height ÷ floor height, at least 1.
    public func effectiveFloors(floorHeight: Double = 3.0) -> Double {
        if let f = floors, f > 0 { return Double(f) }
        return Swift.max(1, (heightM / floorHeight).rounded())
    }
    /// Gross floor area: footprint area × effective floors.
    public func floorArea(floorHeight: Double = 3.0) -> Double { footprint.area * effectiveFloors(floorHeight: floorHeight) }
}

/// A street segment of the walk / drive network.
public struct Road: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    public var line: LineString
    /// OSM-style class (`residential`, `footway`, `steps`, …) or the source's own class.
    public var highway: String
    public var name: String?
    /// False where walking is not allowed (foot=no, motorways, trunks without sidewalks).
    public var walkable: Bool
    /// False where driving is not allowed (footways, paths, steps, pedestrian streets).
    public var drivable: Bool
    /// One-way for walking (rare: tagged footways); the line's direction is the allowed one.
    public var onewayWalk: Bool
    public var isStairs: Bool { highway == "steps" }
    public init(id: Int64, sourceId: String, line: LineString, highway: String, name: String? = nil,
                walkable: Bool = true, drivable: Bool = true, onewayWalk: Bool = false) {
        self.id = id; self.sourceId = sourceId; self.line = line; self.highway = highway; self.name = name
        self.walkable = walkable; self.drivable = drivable; self.onewayWalk = onewayWalk
    }
}

/// A community facility (point, or polygon such as a school ground or park).
public struct Facility: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    /// A `FacilityCategory.id`.
    public var category: String
    public var name: String?
    public var geometry: Geometry
    public init(id: Int64, sourceId: String, category: String, name: String? = nil, geometry: Geometry) {
        self.id = id; self.sourceId = sourceId; self.category = category; self.name = name; self.geometry = geometry
    }
}

/// Green cover (parks, gardens, grass, woods…). `isPark` marks public park green (公园绿地).
public struct GreenArea: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    public var kind: String
    public var isPark: Bool
    public var name: String?
    public var area: MultiPolygon
    public init(id: Int64, sourceId: String, kind: String, isPark: Bool, name: String? = nil, area: MultiPolygon) {
        self.id = id; self.sourceId = sourceId; self.kind = kind; self.isPark = isPark; self.name = name; self.area = area
    }
}

/// Water surface (rivers, lakes, ponds) as polygons.
public struct WaterBody: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    public var kind: String
    public var area: MultiPolygon
    public init(id: Int64, sourceId: String, kind: String, area: MultiPolygon) {
        self.id = id; self.sourceId = sourceId; self.kind = kind; self.area = area
    }
}

/// Pipe network kinds.
public enum PipeKind: String, Sendable, Codable, CaseIterable {
    case sewer, storm, combined, water, gas, heat, unknown
    /// Kinds that count as drainage (污水/雨水/合流).
    public var isDrainage: Bool { self == .sewer || self == .storm || self == .combined }
}

public struct Pipe: Sendable, Equatable, Codable {
    public var id: Int64
    public var sourceId: String
    public var kind: PipeKind
    public var line: LineString
    public var diameterM: Double?
    public init(id: Int64, sourceId: String, kind: PipeKind, line: LineString, diameterM: Double? = nil) {
        self.id = id; self.sourceId = sourceId; self.kind = kind; self.line = line; self.diameterM = diameterM
    }
}

/// A population cell (polygon with a resident count).
public struct PopulationCell: Sendable, Equatable, Codable {
    public var id: Int64
    public var population: Double
    public var area: MultiPolygon
    public init(id: Int64, population: Double, area: MultiPolygon) { self.id = id; self.population = population; self.area = area }
}

/// An administrative or planning zone: district (区), sub-district (街道), community (社区).
public struct Zone: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var level: String
    public var area: MultiPolygon
    public init(id: String, name: String, level: String = "district", area: MultiPolygon) {
        self.id = id; self.name = name; self.level = level; self.area = area
    }
}

/// A feature that could not be used, with the reason: nothing read is silently lost.
public struct Reject: Sendable, Equatable, Codable {
    /// Canonical layer it was read for (`buildings`, `roads`, …).
    public var layer: String
    public var sourceFile: String
    public var sourceLayer: String
    public var sourceId: String
    public var reason: String
    public var geometry: Geometry?
    public init(layer: String, sourceFile: String, sourceLayer: String, sourceId: String, reason: String, geometry: Geometry? = nil) {
        self.layer = layer; self.sourceFile = sourceFile; self.sourceLayer = sourceLayer; self.sourceId = sourceId
        self.reason = reason; self.geometry = geometry
    }
}

/// The whole base layer in memory.
public struct BaseLayer: Sendable {
    public var buildings: [Building] = []
    public var roads: [Road] = []
    public var facilities: [Facility] = []
    public var green: [GreenArea] = []
    public var water: [WaterBody] = []
    public var pipes: [Pipe] = []
    public var population: [PopulationCell] = []
    public var zones: [Zone] = []
    public var boundary: MultiPolygon? = nil
    public var rejects: [Reject] = []
    /// Working CRS as an authority code, e.g. `EPSG:32635`.
    public var crs: String = ""
    public init() {}
    public var bbox: BBox {
        var b = BBox.empty
        for x in buildings { b = b.union(x.footprint.bbox) }
        for x in roads { b = b.union(x.line.bbox) }
        for x in facilities { b = b.union(x.geometry.bbox) }
        if let bd = boundary { b = b.union(bd.bbox) }
        return b
    }
}
