import CityModel

/// The layers `SynthCity.generate` writes, in write order, with their fields (the synthetic city's *source* schema,
/// deliberately OSM-like rather than canonical, so that ingest's mapping is exercised).
public enum SynthLayer: String, Sendable, CaseIterable {
    case buildings, roads, green, water, pois, pipes, population, districts, subdistricts, boundary

    /// OGC geometry type. `pois` mixes Points and Polygons (school and sports grounds) and is declared "Geometry".
    public var geometryType: String {
        switch self {
        case .roads, .pipes: return "LineString"
        case .pois: return "Geometry"
        case .buildings, .green, .water, .population, .districts, .subdistricts, .boundary: return "MultiPolygon"
        }
    }

    public var fields: [FieldDef] {
        switch self {
        case .buildings:
            return [
                FieldDef("id", .integer64, "1…N in write order"),
                FieldDef("height_m", .real, "height in metres (null when not surveyed)"),
                FieldDef("floors", .integer, "floors above ground (null when not surveyed)"),
                FieldDef("use", .string, "residential | commercial | public | industrial | mixed"),
                FieldDef("year_built", .integer, "year of construction, 1950–2025 (null when unknown)"),
                FieldDef("residents", .real, "residents, only in surveyed sub-districts (else null)"),
                FieldDef("name", .string, "name (mostly null; `bad:<reason>` on the deliberate bad rows)"),
            ]
        case .roads:
            return [
                FieldDef("id", .integer64, "1…N"),
                FieldDef("highway", .string, "OSM class: motorway primary secondary tertiary residential service footway path steps"),
                FieldDef("name", .string, "street name (null for paths and service roads)"),
                FieldDef("foot", .string, "yes | no (no on the motorway)"),
                FieldDef("oneway", .string, "yes | no"),
                FieldDef("bridge", .string, "yes on bridges, else null"),
            ]
        case .green:
            return [
                FieldDef("id", .integer64, "1…N"),
                FieldDef("kind", .string, "park | garden | grass | forest"),
                FieldDef("name", .string, "name of parks"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .water:
            return [
                FieldDef("id", .integer64, "1…N"),
                FieldDef("kind", .string, "river | pond"),
                FieldDef("name", .string, "name"),
            ]
        case .pois:
            return [
                FieldDef("id", .integer64, "1…N"),
                FieldDef("kind", .string, "FacilityCategory id"),
                FieldDef("name", .string, "name"),
            ]
        case .pipes:
            return [
                FieldDef("id", .integer64, "1…N"),
                FieldDef("type", .string, "sewer | storm | water | gas | heat"),
                FieldDef("diameter_mm", .integer, "nominal diameter in mm"),
            ]
        case .population:
            return [
                FieldDef("id", .integer64, "cell id: row × columns + column of the lattice anchored at the south-west corner (edge cells clipped to the study area)"),
                FieldDef("population", .real, "residents in the cell (0.1 precision)"),
            ]
        case .districts:
            return [
                FieldDef("code", .string, "6-digit code 3601xx"),
                FieldDef("name", .string, "name (…区)"),
            ]
        case .subdistricts:
            return [
                FieldDef("code", .string, "9-digit code: district code + 3 digits"),
                FieldDef("name", .string, "name (…街道)"),
                FieldDef("district", .string, "code of the district"),
            ]
        case .boundary:
            return [
                FieldDef("name", .string, "study area name"),
                FieldDef("code", .string, "360100"),
            ]
        }
    }

    public var schema: FeatureTable { FeatureTable(name: rawValue, geometryType: geometryType, fields: fields) }
}
