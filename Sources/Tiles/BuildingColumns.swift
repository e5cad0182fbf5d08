import CityModel

/// An extra per-building property exported to each tile's property table (EXT_structural_metadata), e.g. the walk
/// distance to a facility category (`d_school`, Float32 metres with a no-data value) or a coverage flag (UInt8).
///
/// `values` is parallel to the `buildings` array given to `TilesetWriter.write` (same count, same order).
/// The name becomes the metadata property id: characters outside `[A-Za-z0-9_]` are replaced by `_`, and a leading
/// digit gets a `_` prefix.
public struct BuildingColumn: Sendable {
    public enum Values: Sendable {
        /// FLOAT32; `noData` marks absent values (clients show them as undefined).
        case float32([Float], noData: Float?)
        /// FLOAT64.
        case float64([Double], noData: Double?)
        /// INT32.
        case int32([Int32], noData: Int32?)
        /// UINT8, e.g. 0/1 coverage flags.
        case uint8([UInt8], noData: UInt8?)
        /// STRING; nil is written as the empty string.
        case string([String?])

        public var count: Int {
            switch self {
            case .float32(let v, _): return v.count
            case .float64(let v, _): return v.count
            case .int32(let v, _): return v.count
            case .uint8(let v, _): return v.count
            case .string(let v): return v.count
            }
        }
    }
    public var name: String
    public var description: String?
    public var values: Values
    public init(name: String, description: String? = nil, values: Values) {
        self.name = name; self.description = description; self.values = values
    }

    /// `name` made a valid metadata identifier (`^[a-zA-Z_][a-zA-Z0-9_]*$`).
    public var identifier: String {
        var s = String(name.unicodeScalars.map { u -> Character in
            (u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_")) ? Character(u) : "_"
        })
        if s.isEmpty || s.first!.isNumber { s = "_" + s }
        return s
    }
}
