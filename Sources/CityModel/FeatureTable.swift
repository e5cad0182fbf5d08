/// One attribute value of a feature row, as stored in a GeoPackage field (NULL, integer, real or text).
public enum FieldValue: Sendable, Equatable, Hashable {
    /// SQL NULL (absent value).
    case null
    /// An integer (OGR Integer or Integer64).
    case int(Int64)
    /// A floating-point number (OGR Real).
    case real(Double)
    /// Text (OGR String).
    case string(String)

    /// As an integer: reals truncated toward zero (nil if not finite or beyond the Int64 range), text parsed
    /// after trimming spaces (as an integer, else as a number truncated); nil for NULL or unparsable text.
    public var int: Int64? {
        switch self {
        case .int(let v): return v
        case .real(let v): return Self.int64(v)
        case .string(let s): return Int64(s.trimmingCharacters(in: " ")) ?? Double(s.trimmingCharacters(in: " ")).flatMap(Self.int64)
        case .null: return nil
        }
    }
    /// A finite double inside Int64's range, truncated toward zero; nil otherwise (1e20, ±∞, NaN).
    static func int64(_ v: Double) -> Int64? {
        v.isFinite && v > -9.223372036854775808e18 && v < 9.223372036854775808e18 ? Int64(v) : nil
    }
    /// As a number: integers converted, text parsed after trimming spaces; nil for NULL or unparsable text.
    public var real: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .real(let v): return v
        case .string(let s): return Double(s.trimmingCharacters(in: " "))
        case .null: return nil
        }
    }
    /// As text: numbers in Swift's default formatting (e.g. "2.5", "3.0"); nil only for NULL.
    public var string: String? {
        switch self {
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .string(let s): return s
        case .null: return nil
        }
    }
    /// True for `.null`.
    public var isNull: Bool { self == .null }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// One feature: its geometry (nil for attribute-only layers or a NULL geometry) and its field values.
public struct FeatureRow: Sendable, Equatable {
    /// Geometry in the layer's CRS (the working CRS in base.gpkg); nil when the feature has none.
    public var geometry: Geometry?
    /// One value per field of the table, in field order.
    public var values: [FieldValue]
    /// A row from its geometry and values (not checked against a table's fields; ``FeatureTable/append(_:_:)`` checks).
    public init(geometry: Geometry?, values: [FieldValue]) { self.geometry = geometry; self.values = values }
}

/// A layer of features with attributes, independent of any file format: what GeoBridge writes to a GeoPackage
/// (and reads back), and what generators and stages hand over for writing.
public struct FeatureTable: Sendable {
    /// Layer (table) name, e.g. "buildings".
    public var name: String
    /// OGC geometry type name: Point, LineString, Polygon, MultiPolygon, MultiLineString, MultiPoint, Geometry, or None.
    public var geometryType: String
    /// Attribute fields, in column order.
    public var fields: [FieldDef]
    /// The features, each with one value per field.
    public var rows: [FeatureRow]
    /// A table with the given schema and (by default) no rows.
    public init(name: String, geometryType: String, fields: [FieldDef], rows: [FeatureRow] = []) {
        self.name = name; self.geometryType = geometryType; self.fields = fields; self.rows = rows
    }
    /// Appends a feature; precondition: one value per field.
    public mutating func append(_ geometry: Geometry?, _ values: [FieldValue]) {
        precondition(values.count == fields.count, "row of \(values.count) values for \(fields.count) fields in \(name)")
        rows.append(FeatureRow(geometry: geometry, values: values))
    }
    /// Index of the field called `name` (exact, case-sensitive), nil when absent. O(fields).
    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// A streaming destination for features, layer by layer (a GeoPackage writer, a counter, a hasher…).
/// Calls come as `begin(layer)`, any number of `write`, `end()`, then the next layer.
public protocol FeatureSink {
    /// Starts a layer; `schema.rows` is ignored.
    mutating func begin(_ schema: FeatureTable) throws
    /// Writes one feature of the current layer.
    mutating func write(_ row: FeatureRow) throws
    /// Finishes the current layer (a writer commits it here).
    mutating func end() throws
}

/// Collects everything in memory (tests, small cities).
public struct CollectingSink: FeatureSink {
    /// Every layer received so far, in order, with its rows.
    public var tables: [FeatureTable] = []
    /// An empty sink.
    public init() {}
    /// Starts a new table with the schema's name, geometry type and fields.
    public mutating func begin(_ schema: FeatureTable) throws {
        tables.append(FeatureTable(name: schema.name, geometryType: schema.geometryType, fields: schema.fields))
    }
    /// Appends the row to the current table (precondition: `begin` was called).
    public mutating func write(_ row: FeatureRow) throws { tables[tables.count - 1].rows.append(row) }
    /// Nothing to finish.
    public mutating func end() throws {}
    /// The first collected table called `name`, nil when none.
    public func table(_ name: String) -> FeatureTable? { tables.first { $0.name == name } }
}
