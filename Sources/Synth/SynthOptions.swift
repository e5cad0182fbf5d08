import CityModel

/// What to generate: the size (building count) and the seed; everything else scales from them.
public struct SynthOptions: Sendable, Equatable {
    /// Features in the `buildings` layer, deliberate bad ones included (at least 100).
    public var buildings: Int
    /// Seed of every random decision: the same seed and options give the same features, in the same order.
    public var seed: UInt64
    /// Centre of the city in EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E) metres. The default
    /// (392 500, 3 174 300) is 115.900°E 28.680°N, central Nanchang (checked with PROJ's gdaltransform).
    public var centre: Vec2
    /// Side of the population grid cells in metres.
    public var populationCellM: Double
    /// The checkup year written to `city.yaml`.
    public var year: Int

    public init(buildings: Int, seed: UInt64, centre: Vec2 = Vec2(392_500, 3_174_300), populationCellM: Double = 100, year: Int = 2026) {
        self.buildings = buildings; self.seed = seed; self.centre = centre
        self.populationCellM = populationCellM; self.year = year
    }
}

/// Errors of the generator.
public enum SynthError: Error, CustomStringConvertible, Equatable {
    case tooFewBuildings(Int)
    case badPopulationCell(Double)
    public var description: String {
        switch self {
        case .tooFewBuildings(let n): return "synth needs at least 100 buildings (got \(n))"
        case .badPopulationCell(let c): return "population cell size must be between 10 and 1000 m (got \(c))"
        }
    }
}

/// How many deliberately bad features the `buildings` layer holds (they are its last 9 rows, in this order).
public struct BadFeatureCounts: Sendable, Equatable, Codable {
    /// Self-intersecting "bow-tie" polygons (invalid: ring crosses itself).
    public var bowTie = 2
    /// `height_m` = 0 and `floors` = 0.
    public var zeroHeight = 2
    /// `height_m` = 5000 (implausible).
    public var height5000 = 1
    /// Exact copies (geometry and every field but `id`) of the first two regular buildings.
    public var duplicate = 2
    /// A polygon whose ring has 2 distinct points (written closed: 3 points, zero area).
    public var degenerateRing = 1
    /// An empty geometry (`MULTIPOLYGON EMPTY`).
    public var empty = 1
    public init() {}
    public var total: Int { bowTie + zeroHeight + height5000 + duplicate + degenerateRing + empty }
}

/// A count per layer or per kind, kept in a fixed order (no dictionary iteration anywhere).
public struct NamedCount: Sendable, Equatable, Codable {
    public var name: String
    public var count: Int
    public init(_ name: String, _ count: Int) { self.name = name; self.count = count }
}

/// What `SynthCity.generate` wrote: counts per layer and kind, the bad features, the extent and totals.
public struct SynthManifest: Sendable, Equatable, Codable {
    public var crs = "EPSG:4548"
    public var seed: UInt64 = 0
    public var centre = Vec2(0, 0)
    /// The study area (the `boundary` square).
    public var extent = BBox.empty
    /// Rows per layer, in the order the layers were written.
    public var layers: [NamedCount] = []
    /// `pois` rows per `kind`, in `FacilityCategory.all` order (zero counts included).
    public var poisByKind: [NamedCount] = []
    /// `pois` rows that are polygons (school grounds, sports grounds).
    public var poiPolygons = 0
    /// `green` rows per size class: "lt400" (< 400 m²), "400to5000", "ge5000".
    public var greenBySize: [NamedCount] = []
    /// `green` rows per `kind` (park, garden, grass, forest).
    public var greenByKind: [NamedCount] = []
    /// `roads` rows per `highway` class.
    public var roadsByClass: [NamedCount] = []
    /// `pipes` rows per `type`.
    public var pipesByType: [NamedCount] = []
    /// The deliberately bad buildings (the last rows of `buildings`).
    public var bad = BadFeatureCounts()
    /// Regular buildings (= buildings layer rows − bad.total).
    public var regularBuildings = 0
    /// Residents of the whole city (sum of the population grid, before its rounding to 0.1).
    // Stored counters with doc comments, like BadFeatureCounts above: alike in shape only.
    public var residents = 0.0
    /// Residential floor area (m²) the residents were drawn from (35 m² per person ± 15 %; mixed use counts 60 %).
    public var residentialFloorArea = 0.0
    /// Buildings carrying a `residents` value.
    public var buildingsWithResidents = 0
    /// Sub-districts (街道) and districts (区).
    public var subdistricts = 0
    public var districts = 0
    /// Sub-districts whose own streets have no sewer (the deliberate pipe gaps).
    public var sewerGapSubdistricts = 0
    /// Bridges (road rows with `bridge` = yes).
    public var bridges = 0

    public init() {}
    /// Rows of a layer (0 when absent).
    public func count(_ layer: String) -> Int { layers.first { $0.name == layer }?.count ?? 0 }
    public func pois(_ kind: String) -> Int { poisByKind.first { $0.name == kind }?.count ?? 0 }
    public func green(size: String) -> Int { greenBySize.first { $0.name == size }?.count ?? 0 }
    public func roads(_ highway: String) -> Int { roadsByClass.first { $0.name == highway }?.count ?? 0 }
}

/// A small ordered counter keyed by name (linear search; a handful of keys).
struct OrderedCounter {
    var items: [NamedCount] = []
    init(keys: [String] = []) { items = keys.map { NamedCount($0, 0) } }
    mutating func add(_ key: String, _ n: Int = 1) {
        if let i = items.firstIndex(where: { $0.name == key }) { items[i].count += n } else { items.append(NamedCount(key, n)) }
    }
}
