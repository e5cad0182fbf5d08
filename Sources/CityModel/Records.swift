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
    /// Source attributes that map to no canonical field, per canonical layer (`buildings`, `roads`, …): each table is
    /// parallel to that layer's records (row i belongs to record i). Absent for a layer whose sources have none.
    public var attributes: [String: AttributeTable] = [:]
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

/// One kept source attribute, stored as a column (no per-record dictionary): 1M buildings with a string field cost the
/// UTF-8 bytes plus 5 bytes a row. Nulls are kept as nulls.
public struct AttributeColumn: Sendable, Equatable {
    /// Column name in base.gpkg: the source name, or `src_<name>` when the source name collides with a canonical field.
    public var name: String
    /// Field name in the source.
    public var sourceName: String
    public var type: FieldType
    /// Integer values (`integer`, `integer64`), 0 where null.
    public private(set) var ints: [Int64] = []
    /// Real values, 0 where null.
    public private(set) var reals: [Double] = []
    /// UTF-8 bytes of all string values, one after the other; row i is `bytes[ends[i-1]..<ends[i]]`.
    public private(set) var bytes: [UInt8] = []
    public private(set) var ends: [UInt32] = []
    public private(set) var present: [Bool] = []

    public init(name: String, sourceName: String, type: FieldType) {
        self.name = name; self.sourceName = sourceName; self.type = type
    }

    public var count: Int { present.count }

    /// Appends a value, converted to the column's type (a value that does not convert is null).
    public mutating func append(_ v: FieldValue) {
        switch type {
        case .integer, .integer64:
            let x = v.int
            ints.append(x ?? 0); present.append(x != nil)
        case .real:
            let x = v.real
            reals.append(x ?? 0); present.append(x != nil)
        case .string:
            if let s = v.string { bytes.append(contentsOf: s.utf8); present.append(true) } else { present.append(false) }
            ends.append(UInt32(bytes.count))
        }
    }

    /// Appends row `row` of another column of the same type.
    public mutating func append(row: Int, of other: AttributeColumn) {
        if other.type == type {
            switch type {
            case .integer, .integer64: ints.append(other.ints[row])
            case .real: reals.append(other.reals[row])
            case .string:
                let lo = row == 0 ? 0 : Int(other.ends[row - 1]), hi = Int(other.ends[row])
                bytes.append(contentsOf: other.bytes[lo..<hi]); ends.append(UInt32(bytes.count))
            }
            present.append(other.present[row])
        } else {
            append(other.value(row))
        }
    }

    /// Appends a null.
    public mutating func appendNull() { append(.null) }

    /// The value of a row (`.null` when absent).
    public func value(_ row: Int) -> FieldValue {
        guard present[row] else { return .null }
        switch type {
        case .integer, .integer64: return .int(ints[row])
        case .real: return .real(reals[row])
        case .string:
            let lo = row == 0 ? 0 : Int(ends[row - 1]), hi = Int(ends[row])
            return .string(String(decoding: bytes[lo..<hi], as: UTF8.self))
        }
    }

    /// Reserves room for `n` more rows.
    public mutating func reserve(_ n: Int) {
        present.reserveCapacity(present.count + n)
        switch type {
        case .integer, .integer64: ints.reserveCapacity(ints.count + n)
        case .real: reals.reserveCapacity(reals.count + n)
        case .string: ends.reserveCapacity(ends.count + n)
        }
    }
}

/// The kept source attributes of one canonical layer: columns of equal length, parallel to the layer's records.
public struct AttributeTable: Sendable, Equatable {
    public var columns: [AttributeColumn]
    public init(columns: [AttributeColumn] = []) { self.columns = columns }
    /// Rows (0 when there are no columns).
    public var count: Int { columns.first?.count ?? 0 }
    /// The column named `name` (base.gpkg name or source name).
    public func column(_ name: String) -> AttributeColumn? {
        columns.first { $0.name == name } ?? columns.first { $0.sourceName == name }
    }
}
