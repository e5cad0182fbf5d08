import Foundation
import Testing
@testable import Scoring

@Suite struct OutputTests {
    func table(_ city: String, _ year: Int, _ values: [String: Double?], source: String) -> IndicatorTable {
        IndicatorTable(rows: values.keys.sorted().map { IndicatorRow(city: city, year: year, indicator: $0, value: values[$0]!) },
                       source: source)
    }

    @Test func nonSpatialMergeAndConflict() throws {
        let sys = try goldenSystem()
        let spatial = table("甲市", 2024, ["a1": 40, "a2": 20], source: "indicators.csv")
        let survey = table("甲市", 2024, ["b1": 25], source: "survey.csv")
        let (scores, _) = try ScoreRunner.score(ScoreRequest(system: sys, tables: [spatial], nonSpatial: [survey]))
        #expect(abs(scores[0].index! - 59) < 1e-9)
        #expect(scores[0].indicators[2].source == "survey.csv")
        // Same key in both → error naming both files.
        let clash = table("甲市", 2024, ["a1": 41], source: "survey.csv")
        let e = errorText { _ = try ScoreRunner.score(ScoreRequest(system: sys, tables: [spatial], nonSpatial: [clash])) }
        #expect(e?.contains("indicators.csv") == true && e?.contains("survey.csv") == true && e?.contains("'a1'") == true)
        // A requested year without data.
        let e2 = errorText { _ = try ScoreRunner.score(ScoreRequest(system: sys, tables: [spatial], year: 2020)) }
        #expect(e2?.contains("no city-level rows for 2020") == true)
    }

    @Test func runWritesOutputsForOneCity() throws {
        let sys = try goldenSystem()
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cur = table("甲市", 2024, ["a1": 30, "a2": 21, "b1": 21, "zzz": 1], source: "cur.csv")
        let prev = table("甲市", 2023, ["a1": 40, "a2": 20, "b1": 15], source: "prev.csv")
        let ring: [SIMD2<Double>] = [[0, 0], [1000, 0], [1000, 800], [0, 800]]
        let hole: [SIMD2<Double>] = [[200, 200], [400, 200], [400, 400]]
        let panel = MapPanel(titleZh: "幼儿园覆盖缺口", titleEn: "Kindergarten gaps",
                             polygons: [MapPolygon(rings: [ring, hole], fill: .gap)],
                             raster: MapRaster(width: 4, height: 2, bytes: [0, 1, 1, 0, 1, 1, 0, 255], minX: 0, minY: 0,
                                               maxX: 1000, maxY: 800, nodata: 255),
                             legend: [MapLegendEntry(fill: .gap, labelZh: "缺口", labelEn: "gap")])
        let result = try ScoreRunner.run(ScoreRequest(system: sys, tables: [cur], previous: [prev], maps: ["甲市": [panel]]),
                                         outputDirectory: dir)
        #expect(result.files.map(\.lastPathComponent) == ["score.json", "score.csv", "report.html"])
        #expect(result.summary.hasPrefix("城市健康指数 "))
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<script") && !html.contains("@import") && !html.contains("url("))
        #expect(html.contains("<svg class=\"radar\""))
        #expect(html.contains("<svg class=\"map\"") && html.contains("class=\"f-gap\"") && html.contains("<g class=\"grid-rects\">"))
        #expect(html.contains("甲市") && html.contains("City health index") && html.contains("监测预警"))
        #expect(html.contains("<svg class=\"hist\""))   // history line: 2023 and 2024
        // score.csv: header + 3 indicator rows.
        let csv = try CSV.parse(String(contentsOf: dir.appendingPathComponent("score.csv"), encoding: .utf8), source: "score.csv")
        #expect(csv.count == 4 && csv[0].fields == ScoreCSV.columns)
        let row = Dictionary(uniqueKeysWithValues: zip(csv[0].fields, csv[1].fields))
        #expect(row["indicator"] == "a1" && row["value"] == "30" && row["score"] == "60" && row["grade"] == "一般"
                && row["light"] == "red" && row["previous_value"] == "40" && row["change_pct"] == "-25"
                && row["warnings"] == "red;worsened;band_drop" && row["dimension"] == "A")
        // score.json parses and holds the detail.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("score.json"))) as! [String: Any]
        #expect(json["schema"] as? String == "cimbase.score/1")
        let city = (json["cities"] as! [[String: Any]])[0]
        #expect(city["unscored_indicators"] as? [String] == ["zzz"])
        #expect((city["warnings"] as! [Any]).count == 5)
        #expect((city["history"] as! [[String: Any]]).first?["year"] as? Int == 2023)
        // No temporary files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func provinceRanking() throws {
        let sys = try goldenSystem()
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = IndicatorTable(rows:
            table("甲市", 2024, ["a1": 40, "a2": 20, "b1": 25], source: "").rows +     // 59
            table("乙/县", 2024, ["a1": 50, "a2": 10, "b1": 15], source: "").rows +    // 100
            table("丙市", 2024, ["a1": 40, "a2": 20, "b1": 25], source: "").rows +     // 59 (tie)
            table("丁市", 2024, ["a1": nil], source: "").rows, source: "province.csv")  // no index
        let r = try ScoreRunner.run(ScoreRequest(system: sys, tables: [t]), outputDirectory: dir)
        #expect(r.ranking.map(\.city) == ["乙/县", "丙市", "甲市", "丁市"])
        #expect(r.ranking.map(\.rank) == [1, 2, 2, 0])
        #expect(r.reports["乙/县"] == "乙_县/report.html")
        let names = Set(r.files.map { $0.path.replacingOccurrences(of: dir.path + "/", with: "") })
        #expect(names.isSuperset(of: ["score.json", "score.csv", "ranking.csv", "ranking.html", "甲市/report.html", "乙_县/report.html"]))
        let csv = try String(contentsOf: dir.appendingPathComponent("ranking.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("rank,city,year,index,grade,grade_en,A,B,warnings,missing\r\n1,乙/县,2024,100,很好,very good,100,100,0,0\r\n"))
        let html = try String(contentsOf: dir.appendingPathComponent("ranking.html"), encoding: .utf8)
        #expect(html.contains("href=\"乙_县/report.html\"") && !html.contains("http"))
    }

    @Test func defaultDefinitionEndToEnd() throws {
        // shipped with the repository: its absence is a failure, not a skip
        #expect(FileManager.default.fileExists(atPath: defaultDefinitionURL.path), "\(defaultDefinitionURL.path) is missing")
        let sys = try IndicatorSystem.load(from: defaultDefinitionURL)
        // Every indicator exactly at its target (range: lower end) scores 100; index 100.
        var values: [String: Double?] = [:]
        for (_, i) in sys.allIndicators {
            switch i.target { case let .higher(t), let .lower(t): values[i.id] = t; case let .range(a, _): values[i.id] = a }
        }
        let s = ScoringEngine(system: sys).score(city: "x", year: 2024, values: values)
        #expect(abs(s.index! - 100) < 1e-9 && s.warnings.isEmpty)
        let html = ReportHTML.cityReport(s, system: sys)
        #expect(!html.contains("http://") && !html.contains("https://") && html.contains("创新活力"))
    }

    @Test func runFromFiles() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let def = dir.appendingPathComponent("sys.yaml")
        try goldenYAML.write(to: def, atomically: true, encoding: .utf8)
        let cur = dir.appendingPathComponent("indicators.csv")
        try table("甲市", 2024, ["a1": 40, "a2": 20], source: "").writeCSV(to: cur)
        let survey = dir.appendingPathComponent("survey.json")
        try table("甲市", 2024, ["b1": 25], source: "").writeJSON(to: survey)
        let r = try ScoreRunner.run(indicatorFiles: [cur], definition: def, nonSpatialFiles: [survey],
                                    knownIndicatorIDs: ["a*", "b1"], outputDirectory: dir.appendingPathComponent("out"))
        #expect(abs(r.scores[0].index! - 59) < 1e-9)
        #expect(r.scores[0].indicators[0].source == cur.path + ":2")
        // An unknown id in the definition is reported with the definition's path.
        let e = errorText { _ = try ScoreRunner.run(indicatorFiles: [cur], definition: def, knownIndicatorIDs: ["a1"],
                                                    outputDirectory: dir.appendingPathComponent("out2")) }
        #expect(e?.hasPrefix(def.path + ":") == true && e?.contains("dimensions.A.indicators.a2.id") == true)
        // A corrupt table is reported with file, line and column.
        try "city,year,indicator,value\n甲市,2024,a1,4o\n".write(to: cur, atomically: true, encoding: .utf8)
        let e2 = errorText { _ = try ScoreRunner.run(indicatorFiles: [cur], definition: def, outputDirectory: dir) }
        #expect(e2 == cur.path + ":2:12: column value: '4o' is not a finite number")
    }

    @Test func pngEncoderIsValid() {
        let w = 300, h = 250   // raw size 301·250·… > 65,535: several stored blocks
        var rgba = [UInt8](repeating: 0, count: w * h * 4)
        var rng = SplitMix64(seed: 3)
        for i in rgba.indices { rgba[i] = UInt8.random(in: 0...255, using: &rng) }
        let png = PNGEncoder.encode(width: w, height: h, rgba: rgba)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks, check CRCs, and inflate the stored blocks back.
        var pos = 8
        var idat: [UInt8] = []
        var types: [String] = []
        func be32(_ p: Int) -> Int {
            var v = 0
            for k in 0..<4 { v = v << 8 | Int(png[p + k]) }
            return v
        }
        while pos < png.count {
            let len = be32(pos)
            let type = String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self)
            let crc = be32(pos + 8 + len)
            #expect(UInt32(crc) == PNGEncoder.crc32(png[(pos + 4)..<(pos + 8 + len)]))
            if type == "IDAT" { idat += png[(pos + 8)..<(pos + 8 + len)] }
            types.append(type)
            pos += 12 + len
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        #expect(idat[0] == 0x78 && (Int(idat[0]) << 8 | Int(idat[1])) % 31 == 0)
        var raw: [UInt8] = []
        var p = 2
        var final = false
        while !final {
            final = idat[p] & 1 == 1
            #expect(idat[p] >> 1 == 0)   // BTYPE 00 (stored)
            let len = Int(idat[p + 1]) | Int(idat[p + 2]) << 8
            let nlen = Int(idat[p + 3]) | Int(idat[p + 4]) << 8
            #expect(len ^ 0xFFFF == nlen)
            raw += idat[(p + 5)..<(p + 5 + len)]
            p += 5 + len
        }
        #expect(raw.count == (w * 4 + 1) * h)
        var adler: UInt32 = 0
        for k in 0..<4 { adler = adler << 8 | UInt32(idat[p + k]) }
        #expect(adler == PNGEncoder.adler32(raw))
        var back: [UInt8] = []
        let stride = w * 4 + 1
        var filtersOK = true
        for y in 0..<h {
            let start: Int = y * stride
            if raw[start] != 0 { filtersOK = false }
            back.append(contentsOf: raw[(start + 1)..<(start + stride)])
        }
        #expect(filtersOK)
        #expect(back == rgba)
        // Known values: CRC-32 and Adler-32 of "123456789" / "Wikipedia".
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test func largeRasterIsEmbeddedAsPNG() {
        let r = MapRaster(width: 200, height: 150, values: (0..<30_000).map { Float($0 % 7) }, minX: 0, minY: 0, maxX: 2000, maxY: 1500)
        let svg = SVGCharts.map(MapPanel(titleZh: "网格", titleEn: "grid", raster: r))
        #expect(svg.contains("href=\"data:image/png;base64,iVBORw0KGgo"))
        #expect(!svg.contains("http"))
    }

    @Test func jsonWriterEscapesAndOrders() {
        let v = JSONValue.object([("b", .number(1)), ("a", .string("引号\"\\\n\u{1}")), ("n", .num(nil)), ("x", .number(.nan))])
        #expect(v.serialized(pretty: false) == "{\"b\":1,\"a\":\"引号\\\"\\\\\\n\\u0001\",\"n\":null,\"x\":null}")
    }
}
