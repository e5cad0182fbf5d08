import CityModel

/// Which way an indicator is better (the `direction` column of the indicator table).
public enum Direction: String, Sendable, Codable {
    case higher, lower, range, none
}

/// What an indicator is: id, names, unit, direction, the layers it reads, and its parameters with their defaults.
public struct IndicatorSpec: Sendable, Equatable {
    public var id: String
    public var nameZh: String
    public var nameEn: String
    public var unit: String
    public var direction: Direction
    /// Canonical layers read (for "not computed" reasons and the inputs hash).
    public var layers: [String]
    /// Parameters and defaults (metres, years, …); overridable in the config's `indicators.params`.
    public var params: [String: Double]
    /// The standard or source of the definition.
    public var source: String
    public init(id: String, nameZh: String, nameEn: String, unit: String, direction: Direction, layers: [String],
                params: [String: Double] = [:], source: String) {
        self.id = id; self.nameZh = nameZh; self.nameEn = nameEn; self.unit = unit; self.direction = direction
        self.layers = layers; self.params = params; self.source = source
    }
}

/// One computed value for one scope (the city or a zone).
public struct IndicatorValue: Sendable, Equatable {
    public var spec: IndicatorSpec
    public var zoneID: String
    public var zoneName: String
    /// nil when not computed; `reason` then says why.
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    /// Parameters actually used.
    public var params: [String: Double]
    public var reason: String?

    public init(spec: IndicatorSpec, scope: Scope, value: Double?, numerator: Double? = nil, denominator: Double? = nil,
                params: [String: Double]? = nil, reason: String? = nil) {
        self.spec = spec; self.zoneID = scope.id; self.zoneName = scope.name; self.value = value
        self.numerator = numerator; self.denominator = denominator; self.params = params ?? spec.params; self.reason = reason
    }

    /// A ratio numerator ÷ denominator × scale, or not computed when the denominator is 0.
    public static func ratio(_ spec: IndicatorSpec, _ scope: Scope, _ num: Double, _ den: Double, scale: Double = 1,
                             params: [String: Double]? = nil, emptyReason: String) -> IndicatorValue {
        guard den > 0 else { return IndicatorValue(spec: spec, scope: scope, value: nil, numerator: num, denominator: den, params: params, reason: emptyReason) }
        return IndicatorValue(spec: spec, scope: scope, value: num / den * scale, numerator: num, denominator: den, params: params)
    }

    public static func notComputed(_ spec: IndicatorSpec, _ scope: Scope, _ reason: String) -> IndicatorValue {
        IndicatorValue(spec: spec, scope: scope, value: nil, reason: reason)
    }
}

/// Polygon overlay the indicators need, implemented with GEOS by the pipeline (this module stays free of C).
/// All results are in the working CRS; areas in m², lengths in m.
public protocol GeometryOps {
    /// Union without double counting.
    func union(_ parts: [MultiPolygon]) throws -> MultiPolygon
    /// Union of buffers of `geometries` by `distance`.
    func bufferUnion(_ geometries: [Geometry], distance: Double) throws -> MultiPolygon
    func intersection(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon
    func difference(_ a: MultiPolygon, _ b: MultiPolygon) throws -> MultiPolygon
    /// Total length of `lines` inside `area`, each line on its own (overlapping lines each count). A line lying along
    /// the area's boundary counts half, so that lengths over zones that partition an area add up to the area's.
    func lengthInside(_ lines: [LineString], _ area: MultiPolygon) throws -> Double
    /// Area of each part inside `area` (parts may touch each other; each is measured on its own).
    func areasInside(_ parts: [MultiPolygon], _ area: MultiPolygon) throws -> [Double]
    /// An independent instance for another thread (the tiled passes give each worker its own).
    func fork() -> sending GeometryOps
    /// Union of buffers of `geometries` by `distance`, clipped to `box` (each buffer is clipped before the union).
    func bufferUnion(_ geometries: [Geometry], distance: Double, clippedTo box: BBox) throws -> MultiPolygon
    /// `lengthInside(sets[k], areas[a])` for every area a and set k, as [a][k]. An implementation may share the work
    /// per area (the edge band's buffers) and per set (reading the lines) between them.
    func lengthsInside(_ sets: [[LineString]], _ areas: [MultiPolygon]) throws -> [[Double]]
}

extension GeometryOps {
    public func lengthsInside(_ sets: [[LineString]], _ areas: [MultiPolygon]) throws -> [[Double]] {
        try areas.map { a in try sets.map { try lengthInside($0, a) } }
    }

    public func bufferUnion(_ geometries: [Geometry], distance: Double, clippedTo box: BBox) throws -> MultiPolygon {
        let b = box
        let rect = MultiPolygon([Polygon([[Vec2(b.minX, b.minY), Vec2(b.maxX, b.minY), Vec2(b.maxX, b.maxY), Vec2(b.minX, b.maxY), Vec2(b.minX, b.minY)]])])
        return try intersection(try bufferUnion(geometries, distance: distance), rect)
    }
}

/// Where an indicator is evaluated: the whole city (id "") or one zone.
public struct Scope: Sendable {
    public var id: String
    public var name: String
    /// The scope's land: the zone polygon, or the boundary / built-up area for the city.
    public var land: MultiPolygon?
    /// Built-up area inside the scope (pieces cut on the tile lattice).
    public var builtUp: MultiPolygon
    public var builtUpArea: Double
    /// Indices (into `base.buildings`) of buildings whose centroid lies in the scope.
    public var buildings: [Int]
    public init(id: String, name: String, land: MultiPolygon?, builtUp: MultiPolygon, buildings: [Int]) {
        self.id = id; self.name = name; self.land = land; self.builtUp = builtUp; self.builtUpArea = builtUp.area; self.buildings = buildings
    }
}
