import Foundation

/// One parsed CSV record: its fields, the line it starts on and the column each field starts at.
public struct CSVRecord: Sendable, Equatable {
    /// The record's fields, unquoted (`""` turned back into `"`), in column order.
    public var fields: [String]
    /// 1-based line of the record's first character.
    public var line: Int
    /// 1-based column (in Unicode scalars) where each field starts, parallel to `fields`.
    public var columns: [Int]
}

/// RFC 4180 CSV reader and writer (UTF-8).
///
/// Reading accepts CRLF, LF or lone CR line ends, quoted fields with embedded commas, quotes (`""`) and line breaks,
/// a leading UTF-8 byte-order mark (as written by Excel) and blank lines (skipped). A quote inside an unquoted field,
/// text after a closing quote, and an unterminated quote are errors that name `file:line:column`.
/// Writing quotes a field only when it holds a comma, quote, CR or LF, and ends records with CRLF as RFC 4180 says.
/// Complexity: O(n) in the input size.
public enum CSV {
    /// Parses `text` into records. `source` names the file in errors.
    public static func parse(_ text: String, source: String) throws(ScoringError) -> [CSVRecord] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return try parse(bytes: bytes, source: source)
    }

    /// Parses UTF-8 bytes into records (a leading BOM must already be removed, see `parse(_:source:)`).
    public static func parse(bytes: [UInt8], source: String) throws(ScoringError) -> [CSVRecord] {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var records: [CSVRecord] = []
        var i = 0
        let n = bytes.count
        var line = 1
        var lineStart = 0
        // 1-based column in Unicode scalars: non-continuation bytes since the line start, counted incrementally.
        var colLine = -1, colPos = 0, colValue = 1
        func column(_ pos: Int) -> Int {
            if colLine != lineStart || pos < colPos { colLine = lineStart; colPos = lineStart; colValue = 1 }
            while colPos < pos { if bytes[colPos] & 0xC0 != 0x80 { colValue += 1 }; colPos += 1 }
            return colValue
        }
        var field: [UInt8] = []
        while i < n {
            // Skip blank lines.
            if bytes[i] == cr || bytes[i] == lf {
                if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { i += 1 }
                i += 1; line += 1; lineStart = i
                continue
            }
            var fields: [String] = []
            var cols: [Int] = []
            fields.reserveCapacity(16); cols.reserveCapacity(16)
            let recordLine = line
            var endOfRecord = false
            while !endOfRecord {
                cols.append(column(i))
                if i < n, bytes[i] == quote {
                    field.removeAll(keepingCapacity: true)
                    let openLine = line, openCol = column(i)
                    i += 1
                    var closed = false
                    while i < n {
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1; closed = true; break
                        }
                        if b == cr || b == lf {
                            if b == cr, i + 1 < n, bytes[i + 1] == lf { field.append(cr); i += 1 }
                            field.append(bytes[i]); i += 1; line += 1; lineStart = i
                            continue
                        }
                        field.append(b); i += 1
                    }
                    if !closed {
                        throw .csv(file: source, line: openLine, column: openCol,
                                   message: "unterminated quoted field (a quote opened here is never closed)")
                    }
                    if i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        throw .csv(file: source, line: line, column: column(i),
                                   message: "unexpected text after a closing quote; quote the whole field and double inner quotes")
                    }
                    fields.append(String(decoding: field, as: UTF8.self))
                } else {
                    let start = i
                    while i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        if bytes[i] == quote {
                            throw .csv(file: source, line: line, column: column(i),
                                       message: "quote inside an unquoted field; quote the field and double inner quotes (\"\")")
                        }
                        i += 1
                    }
                    fields.append(String(decoding: bytes[start..<i], as: UTF8.self))
                }
                if i >= n {
                    endOfRecord = true
                } else if bytes[i] == comma {
                    i += 1
                    if i >= n { cols.append(column(i)); fields.append(""); endOfRecord = true }
                } else {
                    if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { i += 1 }
                    i += 1; line += 1; lineStart = i
                    endOfRecord = true
                }
            }
            records.append(CSVRecord(fields: fields, line: recordLine, columns: cols))
        }
        return records
    }

    /// Quotes one field if needed (comma, quote, CR or LF inside), doubling inner quotes.
    public static func escape(_ field: String) -> String {
        var out: [UInt8] = []
        append(field, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ field: String, to out: inout [UInt8]) {
        let utf8 = field.utf8
        let needs = utf8.withContiguousStorageIfAvailable { b in b.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A } }
            ?? utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        if !needs { out.append(contentsOf: utf8); return }
        out.append(0x22)
        for b in utf8 { out.append(b); if b == 0x22 { out.append(0x22) } }
        out.append(0x22)
    }

    /// Serialises records, each ended by CRLF.
    public static func write(_ rows: [[String]]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 64)
        for row in rows {
            for (k, f) in row.enumerated() {
                if k > 0 { out.append(0x2C) }
                append(f, to: &out)
            }
            out.append(0x0D); out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
