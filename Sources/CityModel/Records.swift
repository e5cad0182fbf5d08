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

/// Where a building's ground elevation came from.
public enum GroundSource: String, Sendable, Codable, CaseIterable {
    /// The source's `ground` attribute.
    case attribute
    /// Sampled from the configured DEM (`layers.dem`).
    case dem
    /// Neither: `ground_m` is empty and the 3D Tiles use `ground_height_m`.
    case `default`
}

/// Canonical building use.
public enum BuildingUse: String, Sendable, Codable, CaseIterable {
    case residential, commercial, `public`, industrial, mixed, other, unknown
    /// Residential floor area counts toward residents (mixed counts as residential).
    public var isResidential: Bool { self == .residential || self == .mixed }
}

/// A building footprint with its height, use and residents, in the working CRS (metres).
public struct Building: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file (FID or id attribute), kept for tracing back.
    public var sourceId: String
    /// Footprint polygon(s) in the working CRS (metres).
    public var footprint: MultiPolygon
    /// Height above ground in metres (from `heightSource`).
    public var heightM: Double
    /// Where `heightM` came from: measured, floors × floor height, or the configured default.
    public var heightSource: HeightSource
    /// Floor count from the source; nil when the source has none.
    public var floors: Int?
    /// Canonical use; `.unknown` when the source gives none that maps.
    public var use: BuildingUse
    /// Residents living here; nil until given by the source or estimated from population cells / floor area.
    public var residents: Double?
    /// Year of construction from the source; nil when unknown.
    public var yearBuilt: Int?
    /// Ground elevation in metres at the footprint (the base of the 3D tile extrusion); nil when unknown (the default is used).
    public var groundM: Double?
    /// Where `groundM` came from (attribute / dem / default).
    public var groundSource: GroundSource
    /// A building from its fields; optional fields default to unknown (nil / `.unknown`). `groundSource` defaults to
    /// `.attribute` when `groundM` is given, else `.default`.
    public init(id: Int64, sourceId: String, footprint: MultiPolygon, heightM: Double, heightSource: HeightSource,
                floors: Int? = nil, use: BuildingUse = .unknown, residents: Double? = nil, yearBuilt: Int? = nil, groundM: Double? = nil,
                groundSource: GroundSource? = nil) {
        self.id = id; self.sourceId = sourceId; self.footprint = footprint; self.heightM = heightM
        self.heightSource = heightSource; self.floors = floors; self.use = use; self.residents = residents
        self.yearBuilt = yearBuilt; self.groundM = groundM
        self.groundSource = groundSource ?? (groundM == nil ? .default : .attribute)
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
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file.
    public var sourceId: String
    /// Centre line in the working CRS (metres).
    public var line: LineString
    /// OSM-style class (`residential`, `footway`, `steps`, …) or the source's own class.
    public var highway: String
    /// Street name; nil when the source has none.
    public var name: String?
    /// False where walking is not allowed (foot=no, motorways, trunks without sidewalks).
    public var walkable: Bool
    /// False where driving is not allowed (footways, paths, steps, pedestrian streets).
    public var drivable: Bool
    /// One-way for walking (rare: tagged footways); the line's direction is the allowed one.
    public var onewayWalk: Bool
    /// True for stairs (`highway=steps`), whose walking cost the walk network multiplies by the stairs penalty.
    public var isStairs: Bool { highway == "steps" }
    /// A road from its fields; walkable and drivable by default, two-way for walking.
    public init(id: Int64, sourceId: String, line: LineString, highway: String, name: String? = nil,
                walkable: Bool = true, drivable: Bool = true, onewayWalk: Bool = false) {
        self.id = id; self.sourceId = sourceId; self.line = line; self.highway = highway; self.name = name
        self.walkable = walkable; self.drivable = drivable; self.onewayWalk = onewayWalk
    }
}

/// A community facility (point, or polygon such as a school ground or park).
public struct Facility: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file.
    public var sourceId: String
    /// A `FacilityCategory.id`.
    public var category: String
    /// Facility name; nil when the source has none.
    public var name: String?
    /// Point or polygon in the working CRS (metres); distances are measured from it.
    public var geometry: Geometry
    /// A facility from its fields.
    public init(id: Int64, sourceId: String, category: String, name: String? = nil, geometry: Geometry) {
        self.id = id; self.sourceId = sourceId; self.category = category; self.name = name; self.geometry = geometry
    }
}

/// Green cover (parks, gardens, grass, woods…). `isPark` marks public park green (公园绿地).
public struct GreenArea: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file.
    public var sourceId: String
    /// Source class of the cover (`park`, `grass`, `wood`, …).
    public var kind: String
    /// True for public park green (公园绿地), the green that park-access indicators count.
    public var isPark: Bool
    /// Name; nil when the source has none.
    public var name: String?
    /// Polygon(s) in the working CRS (metres).
    public var area: MultiPolygon
    /// A green area from its fields.
    public init(id: Int64, sourceId: String, kind: String, isPark: Bool, name: String? = nil, area: MultiPolygon) {
        self.id = id; self.sourceId = sourceId; self.kind = kind; self.isPark = isPark; self.name = name; self.area = area
    }
}

/// Water surface (rivers, lakes, ponds) as polygons.
public struct WaterBody: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file.
    public var sourceId: String
    /// Source class of the water (`river`, `lake`, `pond`, …).
    public var kind: String
    /// Polygon(s) in the working CRS (metres).
    public var area: MultiPolygon
    /// A water body from its fields.
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

/// A pipe (drainage, water, gas, heat) as a line in the working CRS.
public struct Pipe: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// The feature's id in its source file.
    public var sourceId: String
    /// Canonical pipe kind; `.unknown` when the source's kind does not map.
    public var kind: PipeKind
    /// Centre line in the working CRS (metres).
    public var line: LineString
    /// Inner diameter in metres; nil when unknown.
    public var diameterM: Double?
    /// A pipe from its fields.
    public init(id: Int64, sourceId: String, kind: PipeKind, line: LineString, diameterM: Double? = nil) {
        self.id = id; self.sourceId = sourceId; self.kind = kind; self.line = line; self.diameterM = diameterM
    }
}

/// A population cell (polygon with a resident count).
public struct PopulationCell: Sendable, Equatable, Codable {
    /// Base-layer id, unique across all layers (assigned from 1 in ingest order).
    public var id: Int64
    /// Resident count in the cell (persons, not a density).
    public var population: Double
    /// Cell polygon(s) in the working CRS (metres).
    public var area: MultiPolygon
    /// A population cell from its fields.
    public init(id: Int64, population: Double, area: MultiPolygon) { self.id = id; self.population = population; self.area = area }
}

/// An administrative or planning zone: district (区), sub-district (街道), community (社区).
public struct Zone: Sendable, Equatable, Codable {
    /// Zone code from the source (kept as text: codes may have leading zeros).
    public var id: String
    /// Zone name as in the source.
    public var name: String
    /// Zone level (`district`, sub-district, community), free text from the source's `level` attribute; default `district`.
    public var level: String
    /// Polygon(s) in the working CRS (metres).
    public var area: MultiPolygon
    /// A zone from its fields; the level defaults to `district`.
    public init(id: String, name: String, level: String = "district", area: MultiPolygon) {
        self.id = id; self.name = name; self.level = level; self.area = area
    }
}

/// A feature that could not be used, with the reason: nothing read is silently lost.
public struct Reject: Sendable, Equatable, Codable {
    /// Canonical layer it was read for (`buildings`, `roads`, …).
    public var layer: String
    /// Path of the source file it came from.
    public var sourceFile: String
    /// Layer name in that source file.
    public var sourceLayer: String
    /// The feature's id in its source (FID or id attribute).
    public var sourceId: String
    /// Why it was rejected, as a sentence people can act on.
    public var reason: String
    /// The feature's geometry when it could be read (in the working CRS); nil when it could not.
    public var geometry: Geometry?
    /// A reject from its fields.
    public init(layer: String, sourceFile: String, sourceLayer: String, sourceId: String, reason: String, geometry: Geometry? = nil) {
        self.layer = layer; self.sourceFile = sourceFile; self.sourceLayer = sourceLayer; self.sourceId = sourceId
        self.reason = reason; self.geometry = geometry
    }
}

/// The whole base layer in memory.
public struct BaseLayer: Sendable {
    /// Buildings, in base-layer id order.
    public var buildings: [Building] = []
    /// Street segments of the walk / drive network.
    public var roads: [Road] = []
    /// Community facilities, each with a category id.
    public var facilities: [Facility] = []
    /// Green cover polygons (parks flagged by `isPark`).
    public var green: [GreenArea] = []
    /// Water surface polygons.
    public var water: [WaterBody] = []
    /// Pipe network lines.
    public var pipes: [Pipe] = []
    /// Population cells (polygons with resident counts); empty when the city has none.
    public var population: [PopulationCell] = []
    /// Administrative / planning zones.
    public var zones: [Zone] = []
    /// City boundary in the working CRS; nil when the config gives none.
    public var boundary: MultiPolygon? = nil
    /// The built-up area (建成区) when the config gives a `built_up` layer; nil when it is to be derived from footprints.
    public var builtUp: MultiPolygon? = nil
    /// Features that could not be used, with the reason.
    public var rejects: [Reject] = []
    /// Working CRS as an authority code, e.g. `EPSG:32635`.
    public var crs: String = ""
    /// Source attributes that map to no canonical field, per canonical layer (`buildings`, `roads`, …): each table is
    /// parallel to that layer's records (row i belongs to record i). Absent for a layer whose sources have none.
    public var attributes: [String: AttributeTable] = [:]
    /// An empty base layer (no records, no CRS).
    public init() {}
    /// Bounding box of buildings, roads, facilities and the boundary (working CRS). Complexity: O(total vertices) per call.
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
    /// Value type of the column; values that do not convert to it are stored as null.
    public var type: FieldType
    /// Integer values (`integer`, `integer64`), 0 where null.
    public private(set) var ints: [Int64] = []
    /// Real values, 0 where null.
    public private(set) var reals: [Double] = []
    /// UTF-8 bytes of all string values, one after the other; row i is `bytes[ends[i-1]..<ends[i]]`.
    public private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each string row (exclusive); empty for non-string columns.
    public private(set) var ends: [UInt32] = []
    /// Whether each row has a value (false = null); its length is the row count.
    public private(set) var present: [Bool] = []

    /// An empty column of the given names and type.
    public init(name: String, sourceName: String, type: FieldType) {
        self.name = name; self.sourceName = sourceName; self.type = type
    }

    /// Rows in the column (nulls included).
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
    /// The columns, each with one row per record of the layer.
    public var columns: [AttributeColumn]
    /// A table of the given columns (which must have equal row counts).
    public init(columns: [AttributeColumn] = []) { self.columns = columns }
    /// Rows (0 when there are no columns).
    public var count: Int { columns.first?.count ?? 0 }
    /// The column named `name` (base.gpkg name or source name).
    public func column(_ name: String) -> AttributeColumn? {
        columns.first { $0.name == name } ?? columns.first { $0.sourceName == name }
    }
}
