/// A layer of features with attributes, independent of any file format: what GeoBridge writes to a GeoPackage
/// (and reads back), and what generators and stages hand over for writing.
public enum FieldValue: Sendable, Equatable, Hashable {
    case null
    case int(Int64)
    case real(Double)
    case string(String)

    public var int: Int64? {
        switch self {
        case .int(let v): return v
        case .real(let v): return v.isFinite ? Int64(v) : nil
        case .string(let s): return Int64(s.trimmingCharacters(in: " ")) ?? Double(s.trimmingCharacters(in: " ")).flatMap { $0.isFinite ? Int64($0) : nil }
        case .null: return nil
        }
    }
    public var real: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .real(let v): return v
        case .string(let s): return Double(s.trimmingCharacters(in: " "))
        case .null: return nil
        }
    }
    public var string: String? {
        switch self {
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .string(let s): return s
        case .null: return nil
        }
    }
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

public struct FeatureRow: Sendable, Equatable {
    public var geometry: Geometry?
    /// One value per field of the table, in field order.
    public var values: [FieldValue]
    public init(geometry: Geometry?, values: [FieldValue]) { self.geometry = geometry; self.values = values }
}

public struct FeatureTable: Sendable {
    public var name: String
    /// OGC geometry type name: Point, LineString, Polygon, MultiPolygon, MultiLineString, MultiPoint, Geometry, or None.
    public var geometryType: String
    public var fields: [FieldDef]
    public var rows: [FeatureRow]
    public init(name: String, geometryType: String, fields: [FieldDef], rows: [FeatureRow] = []) {
        self.name = name; self.geometryType = geometryType; self.fields = fields; self.rows = rows
    }
    public mutating func append(_ geometry: Geometry?, _ values: [FieldValue]) {
        precondition(values.count == fields.count, "row of \(values.count) values for \(fields.count) fields in \(name)")
        rows.append(FeatureRow(geometry: geometry, values: values))
    }
    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// A streaming destination for features, layer by layer (a GeoPackage writer, a counter, a hasher…).
/// Calls come as `begin(layer)`, any number of `write`, `end()`, then the next layer.
public protocol FeatureSink {
    /// Starts a layer; `schema.rows` is ignored.
    mutating func begin(_ schema: FeatureTable) throws
    mutating func write(_ row: FeatureRow) throws
    mutating func end() throws
}

/// Collects everything in memory (tests, small cities).
public struct CollectingSink: FeatureSink {
    public var tables: [FeatureTable] = []
    public init() {}
    public mutating func begin(_ schema: FeatureTable) throws {
        tables.append(FeatureTable(name: schema.name, geometryType: schema.geometryType, fields: schema.fields))
    }
    public mutating func write(_ row: FeatureRow) throws { tables[tables.count - 1].rows.append(row) }
    public mutating func end() throws {}
    public func table(_ name: String) -> FeatureTable? { tables.first { $0.name == name } }
}
