import Foundation
import Testing
@testable import Scoring

@Suite struct IndicatorTableTests {
    @Test func headerIsPinned() {
        #expect(IndicatorTable.columns.joined(separator: ",")
                == "city,year,zone_id,zone_name,indicator,name_zh,name_en,value,unit,direction,numerator,denominator,params,inputs_hash")
        #expect(IndicatorTable.schemaVersion == "cimbase.indicators/1")
        let t = IndicatorTable(rows: [])
        #expect(t.csvString() == IndicatorTable.columns.joined(separator: ",") + "\r\n")
    }

    @Test func csvRoundTripWithQuotesCommasNewlinesAndChinese() throws {
        let rows = [
            IndicatorRow(city: "杭州市", year: 2024, zoneID: "", zoneName: "", indicator: "walk_cov.kindergarten.300",
                         nameZh: "幼儿园步行5分钟覆盖率", nameEn: "Kindergarten, 300 m \"walk\"", value: 83.25, unit: "%",
                         direction: .higher, numerator: 1234.5, denominator: 1482.9,
                         params: "{\"threshold_m\":300,\"weighting\":\"population\"}", inputsHash: "ab12"),
            IndicatorRow(city: "Zone, \"quoted\"", year: 2023, zoneID: "330102", zoneName: "上城区\n第二行\r\nthird",
                         indicator: "far", value: nil, direction: .none, numerator: nil, denominator: 0,
                         params: "{}", inputsHash: ""),
            IndicatorRow(city: "x", year: 2022, indicator: "tiny", value: 1e-7, direction: .lower, numerator: -3),
            IndicatorRow(city: "y", year: 2022, indicator: "pi", value: 0.1 + 0.2, direction: .range),
        ]
        let t = IndicatorTable(rows: rows, source: "t.csv")
        let text = t.csvString()
        let back = try IndicatorTable.parseCSV(text, source: "t.csv")
        #expect(back.rows == rows)
        #expect(back.lines == [2, 3, 6, 7])  // row 2 spans lines 3–5
        // Quoting: only where needed.
        #expect(text.contains("\"Kindergarten, 300 m \"\"walk\"\"\""))
        #expect(text.contains(",杭州市,") == false && text.hasPrefix("city,"))
        // Same through JSON.
        let j = try IndicatorTable.parseJSON(Data(t.jsonString().utf8), source: "t.json")
        #expect(j.rows == rows)
    }

    @Test func readerToleratesCRLFLFBOMBlankLinesAndColumnOrder() throws {
        let text = "\u{FEFF}indicator,value,year,city\r\ngreen_cov,41.5,2024,合肥\n\r\nroad_density,,2024,合肥\r"
        let t = try IndicatorTable.parseCSV(text, source: "s.csv")
        #expect(t.rows.count == 2)
        #expect(t.rows[0].city == "合肥" && t.rows[0].value == 41.5 && t.rows[0].direction == IndicatorDirection.none)
        #expect(t.rows[1].value == nil && t.rows[1].zoneID == "" && t.rows[1].params == "{}")
        #expect(t.lines == [2, 4])
    }

    @Test func readerErrorsNameFileLineAndColumn() {
        let h = IndicatorTable.columns.joined(separator: ",") + "\n"
        // Bad number in the value column (column 8, after "城市,2024,,,x,,," = 14 characters → column 15).
        let e1 = errorText { _ = try IndicatorTable.parseCSV(h + "城市,2024,,,x,,,abc,,,,,,\n", source: "in.csv") }
        #expect(e1 == "in.csv:2:15: column value: 'abc' is not a finite number")
        let e2 = errorText { _ = try IndicatorTable.parseCSV(h + "a,2024,,,x,,,1,,sideways,,,,\n", source: "in.csv") }
        #expect(e2?.hasPrefix("in.csv:2:") == true && e2?.contains("direction") == true)
        let e3 = errorText { _ = try IndicatorTable.parseCSV(h + "a,20x4,,,x,,,1,,,,,,\n", source: "in.csv") }
        #expect(e3 == "in.csv:2:3: column year: '20x4' is not a year")
        let e4 = errorText { _ = try IndicatorTable.parseCSV(h + "a,2024,,,x\n", source: "in.csv") }
        #expect(e4?.contains("in.csv:2:") == true && e4?.contains("5 fields, the header has 14") == true)
        let e5 = errorText { _ = try IndicatorTable.parseCSV(h + "a,2024,,\"open\n,,,", source: "in.csv") }
        #expect(e5 == "in.csv:2:9: unterminated quoted field (a quote opened here is never closed)")
        let e6 = errorText { _ = try IndicatorTable.parseCSV(h + "a,20\"24,,,x,,,1,,,,,,\n", source: "in.csv") }
        #expect(e6?.hasPrefix("in.csv:2:5:") == true)
        let e7 = errorText { _ = try IndicatorTable.parseCSV("city,year,indicator,value,colour\n", source: "in.csv") }
        #expect(e7?.hasPrefix("in.csv:1:27: unknown column 'colour'") == true)
        let e8 = errorText { _ = try IndicatorTable.parseCSV("city,year,value\n", source: "in.csv") }
        #expect(e8 == "in.csv:1:1: missing required column 'indicator'")
    }

    @Test func randomFieldsRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("ab,\"\n\r 城市体检x1;'")
        func randomText() -> String {
            String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        for _ in 0..<50 {
            let rows = (0..<5).map { _ in (0..<4).map { _ in randomText() } }
            let back = try CSV.parse(CSV.write(rows), source: "r")
            // Blank records (a single empty field) are skipped by the reader, so compare the others.
            let expected = rows.filter { !($0.count == 1 && $0[0].isEmpty) }
            #expect(back.map(\.fields) == expected)
        }
    }
}
