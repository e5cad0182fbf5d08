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

        /// The values at `idx` (in that order): a column for a subset of the buildings.
        public func subset(_ idx: [Int]) -> Values {
            switch self {
            case .float32(let v, let n): return .float32(idx.map { v[$0] }, noData: n)
            case .float64(let v, let n): return .float64(idx.map { v[$0] }, noData: n)
            case .int32(let v, let n): return .int32(idx.map { v[$0] }, noData: n)
            case .uint8(let v, let n): return .uint8(idx.map { v[$0] }, noData: n)
            case .string(let v): return .string(idx.map { v[$0] })
            }
        }

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

    /// `name` made a valid metadata identifier (`^[a-zA-Z_][a-zA-Z0-9_]*$`): ASCII letters, digits and `_` are kept,
    /// other ASCII characters become `_`, and every other character becomes `u` and its code point in hex (名称 →
    /// `u540du79f0`), so that distinct Chinese names stay distinct. A leading digit gets a `_` prefix. The name itself
    /// is written as the property's `name` in the schema.
    public var identifier: String {
        var s = ""
        for u in name.unicodeScalars {
            if u.isASCII {
                s.append((u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_") ? Character(u) : "_")
            } else {
                s += "u" + String(u.value, radix: 16)
            }
        }
        if s.isEmpty || s.first!.isNumber { s = "_" + s }
        return s
    }

    /// No-data value of FLOAT64 columns made from source attributes.
    public static let float64NoData = -Double.greatestFiniteMagnitude

    /// A kept source attribute of the buildings (`BaseLayer.attributes["buildings"]`, parallel to the buildings) as a
    /// column: strings as STRING (absent: empty), integers as INT32 when every value fits (no-data Int32.min), other
    /// numbers as FLOAT64 (no-data −1.797…e308).
    public init(attribute c: AttributeColumn) {
        let n = c.count
        switch c.type {
        case .string:
            self.init(name: c.name, description: "source field \(c.sourceName)", values: .string((0..<n).map { c.value($0).string }))
        case .integer, .integer64:
            let fits = (0..<n).allSatisfy { r in !c.present[r] || (c.ints[r] > Int64(Int32.min) && c.ints[r] <= Int64(Int32.max)) }
            if fits {
                self.init(name: c.name, description: "source field \(c.sourceName)",
                          values: .int32((0..<n).map { c.present[$0] ? Int32(c.ints[$0]) : Int32.min }, noData: Int32.min))
            } else {
                self.init(name: c.name, description: "source field \(c.sourceName)",
                          values: .float64((0..<n).map { c.present[$0] ? Double(c.ints[$0]) : Self.float64NoData }, noData: Self.float64NoData))
            }
        case .real:
            self.init(name: c.name, description: "source field \(c.sourceName)",
                      values: .float64((0..<n).map { c.present[$0] ? c.reals[$0] : Self.float64NoData }, noData: Self.float64NoData))
        }
    }
}
