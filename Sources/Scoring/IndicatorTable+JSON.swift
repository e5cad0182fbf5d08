import Foundation

extension IndicatorTable {
    /// The table as a JSON value: `{"schema": "cimbase.indicators/1", "rows": [{city, year, …, inputs_hash}]}`,
    /// keys in the CSV column order, `null` for missing numbers.
    public func jsonValue() -> JSONValue {
        .object([
            ("schema", .string(Self.schemaVersion)),
            ("rows", .array(rows.map { r in
                .object([
                    ("city", .string(r.city)), ("year", .number(Double(r.year))), ("zone_id", .string(r.zoneID)),
                    ("zone_name", .string(r.zoneName)), ("indicator", .string(r.indicator)),
                    ("name_zh", .string(r.nameZh)), ("name_en", .string(r.nameEn)), ("value", .num(r.value)),
                    ("unit", .string(r.unit)), ("direction", .string(r.direction.rawValue)),
                    ("numerator", .num(r.numerator)), ("denominator", .num(r.denominator)),
                    ("params", .string(r.params)), ("inputs_hash", .string(r.inputsHash)),
                ])
            })),
        ])
    }

    /// The JSON text (pretty, UTF-8).
    public func jsonString() -> String { jsonValue().serialized(pretty: true) }

    /// Writes the JSON atomically.
    public func writeJSON(to url: URL) throws(ScoringError) {
        try AtomicFile.write(Data(jsonString().utf8), to: url)
    }

    /// Parses the JSON form written by `jsonString()` (checks `schema`). Numbers round-trip exactly.
    public static func parseJSON(_ data: Data, source: String) throws(ScoringError) -> IndicatorTable {
        struct Row: Decodable {
            var city: String?, year: Int?, zone_id: String?, zone_name: String?, indicator: String?
            var name_zh: String?, name_en: String?, value: Double?, unit: String?, direction: String?
            var numerator: Double?, denominator: Double?, params: String?, inputs_hash: String?
        }
        struct Doc: Decodable { var schema: String?; var rows: [Row]? }
        let doc: Doc
        do { doc = try JSONDecoder().decode(Doc.self, from: data) } catch {
            throw .json(file: source, message: "not a valid indicator table: \(error)")
        }
        guard doc.schema == schemaVersion else {
            throw .json(file: source, message: "schema is \(doc.schema ?? "missing"), expected \(schemaVersion)")
        }
        guard let items = doc.rows else { throw .json(file: source, message: "'rows' is missing") }
        var rows: [IndicatorRow] = []
        rows.reserveCapacity(items.count)
        for (k, r) in items.enumerated() {
            guard let year = r.year else { throw .json(file: source, message: "rows[\(k)].year is missing") }
            let dirText = r.direction ?? ""
            guard let direction = dirText.isEmpty ? IndicatorDirection.none : IndicatorDirection(rawValue: dirText) else {
                throw .json(file: source, message: "rows[\(k)].direction '\(dirText)' is not one of higher, lower, range, none")
            }
            guard let indicator = r.indicator, !indicator.isEmpty else {
                throw .json(file: source, message: "rows[\(k)].indicator is missing or empty")
            }
            rows.append(IndicatorRow(city: r.city ?? "", year: year, zoneID: r.zone_id ?? "", zoneName: r.zone_name ?? "",
                                     indicator: indicator, nameZh: r.name_zh ?? "", nameEn: r.name_en ?? "",
                                     value: r.value, unit: r.unit ?? "", direction: direction,
                                     numerator: r.numerator, denominator: r.denominator,
                                     params: r.params ?? "{}", inputsHash: r.inputs_hash ?? ""))
        }
        return IndicatorTable(rows: rows, source: source)
    }

    /// Reads the JSON form from a file.
    public static func readJSON(at url: URL) throws(ScoringError) -> IndicatorTable {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try parseJSON(data, source: url.path)
    }
}
