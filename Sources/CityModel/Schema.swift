/// Field types of the canonical base-layer schema.
public enum FieldType: String, Sendable, Codable {
    /// 32-bit integer (OGR Integer), 64-bit integer (OGR Integer64), double (OGR Real), text (OGR String).
    case integer, integer64, real, string
}

/// One attribute field of a layer: name, type and the one-line meaning documented in the README.
public struct FieldDef: Sendable, Equatable {
    /// Column name as written to the GeoPackage (snake_case, units as a suffix: `_m`, `_m2`).
    public var name: String
    /// Storage type.
    public var type: FieldType
    /// Meaning of the field in one line (goes into the README's schema table).
    public var doc: String
    /// A field definition: name, type, documentation.
    public init(_ name: String, _ type: FieldType, _ doc: String) { self.name = name; self.type = type; self.doc = doc }
}

/// The documented schema of every layer in base.gpkg (the README's table is generated from the same list).
public enum CanonicalLayer: String, Sendable, CaseIterable {
    /// Layer names as written to base.gpkg (`rejects` holds features that could not be used, with the reason).
    case buildings, roads, facilities, facility_areas, green, water, pipes, population, zones, boundary, built_up, rejects

    /// OGC geometry type name written to the GeoPackage.
    public var geometryType: String {
        switch self {
        case .buildings, .facility_areas, .green, .water, .population, .zones, .boundary, .built_up: return "MultiPolygon"
        case .roads, .pipes: return "LineString"
        case .facilities: return "Point"
        case .rejects: return "Geometry"
        }
    }

    /// The layer's attribute fields in column order, each with its meaning and unit.
    public var fields: [FieldDef] {
        switch self {
        case .buildings:
            return [
                FieldDef("id", .integer64, "stable id within the base layer"),
                FieldDef("source_id", .string, "feature id in the source (OSM: w123 / r45)"),
                FieldDef("height_m", .real, "height above ground in metres"),
                FieldDef("height_source", .string, "measured | floors | default"),
                FieldDef("floors", .integer, "floors above ground, when known"),
                FieldDef("use", .string, "residential | commercial | public | industrial | mixed | other | unknown"),
                FieldDef("residents", .real, "residents (given, or estimated from residential floor area)"),
                FieldDef("year_built", .integer, "year of construction, when known"),
                FieldDef("ground_m", .real, "ground elevation above the ellipsoid in metres, when known (from `ground_source`)"),
                FieldDef("ground_source", .string, "attribute | dem | default (default: no ground_m; the 3D Tiles use ground_height_m)"),
                FieldDef("footprint_m2", .real, "footprint area in m²"),
                FieldDef("floor_area_m2", .real, "gross floor area: footprint × floors"),
            ]
        case .roads:
            return [
                FieldDef("id", .integer64, "stable id"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("highway", .string, "road class (OSM highway=* or the source's class)"),
                FieldDef("name", .string, "street name"),
                FieldDef("walkable", .integer, "1 when walking is allowed"),
                FieldDef("drivable", .integer, "1 when driving is allowed"),
                FieldDef("oneway_walk", .integer, "1 when walking is one-way along the line direction"),
                FieldDef("length_m", .real, "length in metres"),
            ]
        case .facilities:
            return [
                FieldDef("id", .integer64, "stable id"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("category", .string, "facility category id (see README)"),
                FieldDef("name", .string, "name"),
                FieldDef("source_geom", .string, "Point | Polygon: shape in the source; polygons are stored as their centroid, the outline in facility_areas"),
            ]
        case .facility_areas:
            return [
                FieldDef("id", .integer64, "id of the facility in `facilities`"),
                FieldDef("category", .string, "facility category id"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .green:
            return [
                FieldDef("id", .integer64, "stable id"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("kind", .string, "park, garden, grass, forest, …"),
                FieldDef("is_park", .integer, "1 for public park green (公园绿地)"),
                FieldDef("name", .string, "name"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .water:
            return [
                FieldDef("id", .integer64, "stable id"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("kind", .string, "river, lake, pond, …"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .pipes:
            return [
                FieldDef("id", .integer64, "stable id"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("kind", .string, "sewer | storm | combined | water | gas | heat | unknown"),
                FieldDef("diameter_m", .real, "diameter in metres, when known"),
                FieldDef("length_m", .real, "length in metres"),
            ]
        case .population:
            return [
                FieldDef("id", .integer64, "cell id"),
                FieldDef("population", .real, "residents in the cell"),
            ]
        case .zones:
            return [
                FieldDef("zone_id", .string, "zone code"),
                FieldDef("zone_name", .string, "zone name"),
                FieldDef("level", .string, "district | subdistrict | community"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .boundary:
            return [
                FieldDef("name", .string, "study (administrative) area name"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .built_up:
            return [
                FieldDef("name", .string, "建成区 (built-up area) as given by the config's built_up layer"),
                FieldDef("area_m2", .real, "area in m²"),
            ]
        case .rejects:
            return [
                FieldDef("layer", .string, "canonical layer the feature was read for"),
                FieldDef("source_file", .string, "source file"),
                FieldDef("source_layer", .string, "layer in the source"),
                FieldDef("source_id", .string, "feature id in the source"),
                FieldDef("reason", .string, "why it was not used"),
            ]
        }
    }
}
