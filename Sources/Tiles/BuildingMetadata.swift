import CityModel

/// The EXT_structural_metadata schema (class `building`) and the per-tile property table encoding.
///
/// Standard: glTF EXT_structural_metadata (property tables: one binary column per property, STRING values with
/// UINT32 `stringOffsets` of count+1 entries, numeric columns little-endian, every buffer view 8-byte aligned) and
/// EXT_mesh_features (a vertex attribute `_FEATURE_ID_0` holds the row of the tile's table). O(buildings in the tile).
///
/// Properties of class `building` (absent values use `noData`; clients then report no value):
/// - `id` FLOAT64 — the CityModel building id (exact below 2^53; FLOAT64 rather than INT64 so JavaScript clients get a
///   Number, not a BigInt);
/// - `source_id` STRING; `height_m` FLOAT32; `ground_m` FLOAT64 — ground height used, above the WGS84 ellipsoid;
/// - `ground_source` STRING (`attribute` | `dem` | `default`) — where that ground came from;
/// - `height_source` STRING (`measured` | `floors` | `default`); `use` STRING (a `BuildingUse` raw value);
/// - `floors` INT32, `year_built` INT32 (noData −1); `residents` FLOAT32 (noData −1);
/// - then every `BuildingColumn` with its own type (and its original `name` when that is not the identifier, e.g.
///   kept source attributes such as 名称).
struct BuildingMetadata: PropertyTableEncoder {
    let columns: [BuildingColumn]
    let identifiers: [String]

    init(columns: [BuildingColumn]) {
        self.columns = columns
        self.identifiers = columns.map(\.identifier)
    }

    /// The schema object as JSON text.
    func schemaJSON() -> String {
        var j = JSONText()
        j.raw("{\"id\":\"cimbase\",\"classes\":{\"building\":{\"name\":\"Building\",\"description\":\"A building of the CIMBase base layer\",\"properties\":{")
        j.raw("\"id\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"required\":true,\"description\":\"CIMBase building id\"}")
        j.raw(",\"source_id\":{\"type\":\"STRING\",\"description\":\"Id in the source data\"}")
        j.raw(",\"height_m\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\",\"required\":true,\"description\":\"Height above ground (m)\"}")
        j.raw(",\"ground_m\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"required\":true,\"description\":\"Ground height above the WGS84 ellipsoid used for placement (m)\"}")
        j.raw(",\"ground_source\":{\"type\":\"STRING\",\"description\":\"Where ground_m came from: attribute, dem or default\"}")
        j.raw(",\"height_source\":{\"type\":\"STRING\",\"description\":\"measured, floors or default\"}")
        j.raw(",\"floors\":{\"type\":\"SCALAR\",\"componentType\":\"INT32\",\"noData\":-1}")
        j.raw(",\"use\":{\"type\":\"STRING\"}")
        j.raw(",\"year_built\":{\"type\":\"SCALAR\",\"componentType\":\"INT32\",\"noData\":-1}")
        j.raw(",\"residents\":{\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\",\"noData\":-1}")
        for (c, id) in zip(columns, identifiers) {
            j.raw(","); j.string(id); j.raw(":{")
            if c.name != id { j.raw("\"name\":"); j.string(c.name); j.raw(",") }
            switch c.values {
            case .float32(_, let nd): j.raw("\"type\":\"SCALAR\",\"componentType\":\"FLOAT32\""); if let nd { j.raw(",\"noData\":"); j.number(Double(nd)) }
            case .float64(_, let nd): j.raw("\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\""); if let nd { j.raw(",\"noData\":"); j.number(nd) }
            case .int32(_, let nd): j.raw("\"type\":\"SCALAR\",\"componentType\":\"INT32\""); if let nd { j.raw(",\"noData\":"); j.number(Int(nd)) }
            case .uint8(_, let nd): j.raw("\"type\":\"SCALAR\",\"componentType\":\"UINT8\""); if let nd { j.raw(",\"noData\":"); j.number(Int(nd)) }
            case .string: j.raw("\"type\":\"STRING\"")
            }
            if let d = c.description { j.raw(",\"description\":"); j.string(d) }
            j.raw("}")
        }
        j.raw("}}}}")
        return j.s
    }

    /// Encodes the property table of one tile: `rows` are indices into the input arrays, in feature-id order,
    /// `grounds` the ground height used per row. Appends buffer views to `bin`; returns the propertyTable JSON object.
    /// With a `codec`, every column of 4- or 8-byte elements (numbers other than UINT8, string offsets) is an
    /// EXT_meshopt_compression ATTRIBUTES stream (stride = element size) in the fallback buffer at `fallback`; string
    /// bytes and UINT8 columns stay plain.
    func encodeTable(rows: [Int], buildings: [Building], grounds: [Double], bin: inout BinaryBuffer,
                     codec: (any MeshCodec)? = nil, fallback: inout Int) -> String {
        var cols = PropertyColumns(codec: codec)
        cols.numeric("id", rows.map { Double(buildings[$0].id) }, bin: &bin, fallback: &fallback)
        cols.strings("source_id", rows.map { buildings[$0].sourceId }, bin: &bin, fallback: &fallback)
        cols.numeric("height_m", rows.map { Float(buildings[$0].heightM.isFinite ? buildings[$0].heightM : 0) }, bin: &bin, fallback: &fallback)
        cols.numeric("ground_m", grounds, bin: &bin, fallback: &fallback)
        cols.strings("ground_source", rows.map { buildings[$0].groundSource.rawValue }, bin: &bin, fallback: &fallback)
        cols.strings("height_source", rows.map { buildings[$0].heightSource.rawValue }, bin: &bin, fallback: &fallback)
        cols.numeric("floors", rows.map { Int32(clamping: buildings[$0].floors ?? -1) }, bin: &bin, fallback: &fallback)
        cols.strings("use", rows.map { buildings[$0].use.rawValue }, bin: &bin, fallback: &fallback)
        cols.numeric("year_built", rows.map { Int32(clamping: buildings[$0].yearBuilt ?? -1) }, bin: &bin, fallback: &fallback)
        cols.numeric("residents", rows.map { r -> Float in
            if let x = buildings[r].residents, x.isFinite { return Float(x) } else { return -1 }
        }, bin: &bin, fallback: &fallback)
        for (c, id) in zip(columns, identifiers) {
            switch c.values {
            case .float32(let v, _): cols.numeric(id, rows.map { v[$0] }, bin: &bin, fallback: &fallback)
            case .float64(let v, _): cols.numeric(id, rows.map { v[$0] }, bin: &bin, fallback: &fallback)
            case .int32(let v, _): cols.numeric(id, rows.map { v[$0] }, bin: &bin, fallback: &fallback)
            case .uint8(let v, _): cols.numeric(id, rows.map { v[$0] }, bin: &bin, fallback: &fallback)
            case .string(let v): cols.strings(id, rows.map { v[$0] ?? "" }, bin: &bin, fallback: &fallback)
            }
        }
        return cols.tableJSON(className: "building", count: rows.count)
    }
}
