import CityModel

/// Network distances from the walk (and drive) stage, per origin building.
public struct NetworkAccess: Sendable {
    /// Indices into `base.buildings` of the origins (residential buildings).
    public var origins: [Int]
    /// Category id → distance in metres per origin (`.infinity` when beyond the search cutoff, unreachable or unsnapped).
    public var distances: [String: [Float]]
    /// Category id → thresholds (m) to report coverage at.
    public var thresholds: [String: [Double]]
    /// Category id → threshold (m) required for a complete 15-minute life circle.
    public var lifeCircle: [String: Double]
    public init(origins: [Int], distances: [String: [Float]], thresholds: [String: [Double]], lifeCircle: [String: Double]) {
        self.origins = origins; self.distances = distances; self.thresholds = thresholds; self.lifeCircle = lifeCircle
    }
}

/// Everything the indicators read.
public struct IndicatorInputs {
    public var base: BaseLayer
    public var year: Int
    /// Built-up area (boundary layer, or derived: see `BuiltUpArea`).
    public var builtUp: MultiPolygon
    /// How the built-up area was obtained (reported in params/notes).
    public var builtUpSource: String
    public var ops: GeometryOps
    /// Walk distances (residential buildings as origins), when the walk stage ran.
    public var walk: NetworkAccess?
    /// Drive distance from the nearest fire station per building (all buildings), when computed.
    public var fireDrive: [Float]?
    /// Parameter overrides: indicator id → parameter → value.
    public var overrides: [String: [String: Double]]
    public var floorHeight: Double

    public init(base: BaseLayer, year: Int, builtUp: MultiPolygon, builtUpSource: String, ops: GeometryOps,
                walk: NetworkAccess? = nil, fireDrive: [Float]? = nil, overrides: [String: [String: Double]] = [:], floorHeight: Double = 3) {
        self.base = base; self.year = year; self.builtUp = builtUp; self.builtUpSource = builtUpSource; self.ops = ops
        self.walk = walk; self.fireDrive = fireDrive; self.overrides = overrides; self.floorHeight = floorHeight
    }

    /// A spec's parameters with the config's overrides applied.
    public func params(_ spec: IndicatorSpec) -> [String: Double] {
        var p = spec.params
        for (k, v) in overrides[spec.id] ?? [:] { p[k] = v }
        return p
    }
}

/// Shared intermediate results, computed once per run (city-wide unions) and clipped per scope.
public final class PreparedLayers {
    let inputs: IndicatorInputs
    public init(_ inputs: IndicatorInputs) { self.inputs = inputs }

    public private(set) lazy var greenUnion: Result<MultiPolygon, Error> = Result {
        try inputs.ops.intersection(try inputs.ops.union(inputs.base.green.map(\.area)), inputs.builtUp)
    }
    public private(set) lazy var permeableUnion: Result<MultiPolygon, Error> = Result {
        try inputs.ops.intersection(try inputs.ops.union(inputs.base.green.map(\.area) + inputs.base.water.map(\.area)), inputs.builtUp)
    }
    public private(set) lazy var residentialFootprints: Result<MultiPolygon, Error> = Result {
        try inputs.ops.union(inputs.base.buildings.filter { $0.use.isResidential }.map(\.footprint))
    }
    /// Buildings counted as residential land (residential or mixed; unknown-use buildings holding residents too).
    public private(set) lazy var residentialIndices: [Int] = inputs.base.buildings.indices.filter {
        let b = inputs.base.buildings[$0]
        return b.use.isResidential || (b.use == .unknown && (b.residents ?? 0) > 0)
    }
    /// Drainage pipe buffers (distance from params of `pipe_cov`), clipped to the built-up area.
    public func pipeBuffer(distance: Double) -> Result<MultiPolygon, Error> {
        if let c = pipeBufferCache[distance] { return c }
        let r = Result<MultiPolygon, Error> {
            let lines = inputs.base.pipes.filter { $0.kind.isDrainage }.map { Geometry.lineString($0.line) }
            if lines.isEmpty { return MultiPolygon([]) }
            return try inputs.ops.intersection(try inputs.ops.bufferUnion(lines, distance: distance), inputs.builtUp)
        }
        pipeBufferCache[distance] = r
        return r
    }
    private var pipeBufferCache: [Double: Result<MultiPolygon, Error>] = [:]

    /// Park service area: 300 m around parks of 400–5000 m², 500 m around parks ≥ 5000 m² (cached per parameters).
    public func parkService(small: Double, smallRadius: Double, large: Double, largeRadius: Double) -> Result<MultiPolygon, Error> {
        let key = [small, smallRadius, large, largeRadius]
        if let c = parkServiceCache[key] { return c }
        let r = computeParkService(small: small, smallRadius: smallRadius, large: large, largeRadius: largeRadius)
        parkServiceCache[key] = r
        return r
    }
    private var parkServiceCache: [[Double]: Result<MultiPolygon, Error>] = [:]
    /// Footprint area of every building inside the park service area (0 for non-residential ones), cached per parameters.
    public func parkServedArea(_ key: [Double]) -> Result<[Double], Error> {
        if let c = servedCache[key] { return c }
        let r = Result<[Double], Error> {
            let svc = try parkService(small: key[0], smallRadius: key[1], large: key[2], largeRadius: key[3]).get()
            let resi = inputs.base.buildings.indices.filter { inputs.base.buildings[$0].use.isResidential }
            let inside = try inputs.ops.areasInside(resi.map { inputs.base.buildings[$0].footprint }, svc)
            var out = [Double](repeating: 0, count: inputs.base.buildings.count)
            for (k, i) in resi.enumerated() { out[i] = inside[k] }
            return out
        }
        servedCache[key] = r
        return r
    }
    private var servedCache: [[Double]: Result<[Double], Error>] = [:]

    func computeParkService(small: Double, smallRadius: Double, large: Double, largeRadius: Double) -> Result<MultiPolygon, Error> {
        Result {
            let parks = try inputs.ops.union(inputs.base.green.filter(\.isPark).map(\.area))
            var geoms1: [Geometry] = [], geoms2: [Geometry] = []
            for p in parks.polygons {
                let a = p.area
                if a >= large { geoms2.append(.polygon(p)) } else if a >= small { geoms1.append(.polygon(p)) }
            }
            var parts: [MultiPolygon] = []
            if !geoms1.isEmpty { parts.append(try inputs.ops.bufferUnion(geoms1, distance: smallRadius)) }
            if !geoms2.isEmpty { parts.append(try inputs.ops.bufferUnion(geoms2, distance: largeRadius)) }
            return try inputs.ops.union(parts)
        }
    }
}

/// The built-up area when no boundary layer is given: building footprints closed morphologically
/// (buffered out by `closing` metres, then back in by the same distance), which joins buildings less than
/// 2 × `closing` apart into one settlement area and fills the streets and yards between them.
public enum BuiltUpArea {
    public static let defaultClosing = 50.0
    public static func derive(buildings: [Building], ops: GeometryOps, closing: Double = defaultClosing) throws -> MultiPolygon {
        let out = try ops.bufferUnion(buildings.map { .multiPolygon($0.footprint) }, distance: closing)
        return try ops.bufferUnion([.multiPolygon(out)], distance: -closing)
    }
}
