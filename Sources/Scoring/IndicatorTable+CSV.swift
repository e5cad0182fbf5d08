import Foundation

extension IndicatorTable {
    /// Parses an indicator table from CSV text (header required, see `columns`).
    ///
    /// Columns may come in any order; `requiredColumns` must be present, unknown or repeated columns are errors.
    /// Empty `value`/`numerator`/`denominator` cells mean "not computed" (`nil`); `direction` empty means `none`.
    /// Errors name `source:line:column` and the column.
    public static func parseCSV(_ text: String, source: String) throws(ScoringError) -> IndicatorTable {
        let records = try CSV.parse(text, source: source)
        guard let header = records.first else {
            throw .csv(file: source, line: 1, column: 1, message: "empty file: expected the header \(columns.joined(separator: ","))")
        }
        var index: [String: Int] = [:]
        for (k, rawName) in header.fields.enumerated() {
            let name = rawName.trimmingCharacters(in: .whitespaces)
            guard columns.contains(name) else {
                throw .csv(file: source, line: header.line, column: header.columns[k],
                           message: "unknown column '\(name)'; the indicator table has \(columns.joined(separator: ","))")
            }
            if index[name] != nil {
                throw .csv(file: source, line: header.line, column: header.columns[k], message: "column '\(name)' repeated")
            }
            index[name] = k
        }
        for name in columns where requiredColumns.contains(name) && index[name] == nil {
            throw .csv(file: source, line: header.line, column: 1, message: "missing required column '\(name)'")
        }
        // Field position of each schema column (nil = absent), resolved once.
        let at: [Int?] = columns.map { index[$0] }
        let cCity = at[0], cYear = at[1], cZone = at[2], cZoneName = at[3], cInd = at[4], cZh = at[5], cEn = at[6]
        let cValue = at[7], cUnit = at[8], cDir = at[9], cNum = at[10], cDen = at[11], cParams = at[12], cHash = at[13]
        var rows: [IndicatorRow] = []
        var lines: [Int] = []
        rows.reserveCapacity(records.count - 1)
        lines.reserveCapacity(records.count - 1)
        for rec in records.dropFirst() {
            guard rec.fields.count == header.fields.count else {
                throw .csv(file: source, line: rec.line, column: rec.columns.last ?? 1,
                           message: "\(rec.fields.count) fields, the header has \(header.fields.count)")
            }
            func text(_ c: Int?) -> String { c.map { rec.fields[$0] } ?? "" }
            func fail(_ c: Int?, _ name: String, _ message: String) -> ScoringError {
                .csv(file: source, line: rec.line, column: rec.columns[c ?? 0], message: "column \(name): \(message)")
            }
            func number(_ c: Int?, _ name: String) throws(ScoringError) -> Double? {
                let s = trimmed(text(c))
                if s.isEmpty { return nil }
                guard let d = Double(s), d.isFinite else { throw fail(c, name, "'\(s)' is not a finite number") }
                return d
            }
            let yearText = trimmed(text(cYear))
            guard let year = Int(yearText) else { throw fail(cYear, "year", "'\(yearText)' is not a year") }
            let city = text(cCity)
            if city.isEmpty { throw fail(cCity, "city", "empty city") }
            let indicator = trimmed(text(cInd))
            if indicator.isEmpty { throw fail(cInd, "indicator", "empty indicator id") }
            let dirText = trimmed(text(cDir))
            let direction: IndicatorDirection
            if dirText.isEmpty { direction = .none } else {
                guard let d = IndicatorDirection(rawValue: dirText) else {
                    throw fail(cDir, "direction", "'\(dirText)' is not one of higher, lower, range, none")
                }
                direction = d
            }
            let params = text(cParams)
            rows.append(IndicatorRow(
                city: city, year: year, zoneID: text(cZone), zoneName: text(cZoneName), indicator: indicator,
                nameZh: text(cZh), nameEn: text(cEn), value: try number(cValue, "value"), unit: text(cUnit),
                direction: direction, numerator: try number(cNum, "numerator"), denominator: try number(cDen, "denominator"),
                params: params.isEmpty ? "{}" : params, inputsHash: text(cHash)))
            lines.append(rec.line)
        }
        return IndicatorTable(rows: rows, source: source, lines: lines)
    }

    /// Reads an indicator table from a CSV file (UTF-8).
    public static func readCSV(at url: URL) throws(ScoringError) -> IndicatorTable {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .csv(file: url.path, line: 1, column: 1, message: "not UTF-8 text (save the CSV as UTF-8)")
        }
        return try parseCSV(text, source: url.path)
    }

    /// Reads a table from `.json` or (any other extension) `.csv`.
    public static func read(at url: URL) throws(ScoringError) -> IndicatorTable {
        url.pathExtension.lowercased() == "json" ? try readJSON(at: url) : try readCSV(at: url)
    }

    /// The header and rows as CSV text (RFC 4180, CRLF line ends, no BOM).
    public func csvString() -> String {
        var out: [[String]] = [Self.columns]
        out.reserveCapacity(rows.count + 1)
        for r in rows {
            out.append([r.city, String(r.year), r.zoneID, r.zoneName, r.indicator, r.nameZh, r.nameEn,
                        formatNumber(r.value), r.unit, r.direction.rawValue, formatNumber(r.numerator),
                        formatNumber(r.denominator), r.params, r.inputsHash])
        }
        return CSV.write(out)
    }

    /// Writes the CSV atomically (temporary file in the same directory, then rename).
    public func writeCSV(to url: URL) throws(ScoringError) {
        try AtomicFile.write(Data(csvString().utf8), to: url)
    }
}

/// Trims ASCII spaces and tabs; returns the string itself when there is nothing to trim (no allocation).
@inline(__always)
func trimmed(_ s: String) -> String {
    let u = s.utf8
    guard let f = u.first, let l = u.last, f == 0x20 || f == 0x09 || l == 0x20 || l == 0x09 else { return s }
    var a = u.startIndex, b = u.endIndex
    while a < b, u[a] == 0x20 || u[a] == 0x09 { a = u.index(after: a) }
    while b > a, u[u.index(before: b)] == 0x20 || u[u.index(before: b)] == 0x09 { b = u.index(before: b) }
    return String(s[a..<b])
}
