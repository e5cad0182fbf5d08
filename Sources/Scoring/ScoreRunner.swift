import Foundation

/// What to score: tables, the definition, optional earlier years and non-spatial tables, optional map panels.
public struct ScoreRequest: Sendable {
    /// The indicator-system definition to score against.
    public var system: IndicatorSystem
    /// Current indicator tables (one or many cities; may also hold earlier years).
    public var tables: [IndicatorTable]
    /// Earlier years' tables (history for change, trend and warnings).
    public var previous: [IndicatorTable]
    /// Non-spatial indicator tables (same schema), merged before scoring; a repeated key is an error.
    public var nonSpatial: [IndicatorTable]
    /// Year to score; nil = each city's latest year with city-level rows in `tables`.
    public var year: Int?
    /// Map panels per city name, drawn in that city's report.
    public var maps: [String: [MapPanel]]
    /// Where reports go; see `ReportLayout`.
    public var reportLayout: ReportLayout
    /// Extra report sections (HTML, e.g. "what changed since last year") per city name, placed before the sources.
    public var sections: [String: String] = [:]

    /// A request; only the definition and the current tables are required.
    public init(system: IndicatorSystem, tables: [IndicatorTable], previous: [IndicatorTable] = [],
                nonSpatial: [IndicatorTable] = [], year: Int? = nil, maps: [String: [MapPanel]] = [:],
                reportLayout: ReportLayout = .auto) {
        self.system = system; self.tables = tables; self.previous = previous; self.nonSpatial = nonSpatial
        self.year = year; self.maps = maps; self.reportLayout = reportLayout
    }
}

/// Where city reports are written in the output directory.
public enum ReportLayout: Sendable {
    /// `report.html` when one city is scored, else `<city>/report.html` per city.
    case auto
    /// Always `<city>/report.html`.
    case perCityFolder
}

/// What a scoring run produced.
public struct ScoreResult: Sendable {
    /// One score per city (the scored year), in order of first appearance in the tables.
    public var scores: [CityScore]
    /// Province ranking (also computed for a single city).
    public var ranking: [RankingRow]
    /// Files written, in order.
    public var files: [URL]
    /// Report path per city (relative to the output directory).
    public var reports: [String: String]
    /// One line for the CLI, e.g. `城市健康指数 71.4 · 生态宜居 68 · … · 3 warnings (…)`.
    public var summary: String
}

/// The library entry point of `cimbase score`: indicator table(s) + definition (+ previous years,
/// + non-spatial tables) → `score.json`, `score.csv`, report(s), and `ranking.csv`/`ranking.html` when several
/// cities are scored. Every file is written atomically (temporary file + rename).
public enum ScoreRunner {
    /// Scores in memory (no files). Throws on conflicting rows or when a requested year has no data. Complexity:
    /// O(rows) to pool, then per city O(indicators × years²) (each year is scored with its history).
    public static func score(_ req: ScoreRequest) throws(ScoringError) -> (scores: [CityScore], ranking: [RankingRow]) {
        let pool = try IndicatorPool(tables: req.tables + req.nonSpatial + req.previous)
        // Cities and their scored year (latest city-level year) come from the current tables.
        var cities: [String] = []  // order of first appearance
        var latest: [String: Int] = [:]
        for t in req.tables {
            for r in t.rows where r.isCityLevel {
                latest[r.city] = max(latest[r.city] ?? r.year, r.year)
            }
        }
        var seen: Set<String> = []
        for t in req.tables { for r in t.rows where seen.insert(r.city).inserted { cities.append(r.city) } }
        if cities.isEmpty { throw .noData("no indicator rows to score in \(req.tables.map(\.source).joined(separator: ", "))") }
        let engine = ScoringEngine(system: req.system)
        var scores: [CityScore] = []
        for city in cities {
            guard let year = req.year ?? latest[city] else {
                throw .noData("\(city): no city-level rows (zone_id empty) to score")
            }
            let years = pool.years(of: city).filter { $0 <= year }
            guard years.contains(year) else {
                throw .noData("\(city): no city-level rows for \(year) (years present: \(pool.years(of: city).map(String.init).joined(separator: ", ")))")
            }
            var yearly: [Int: [String: Double?]] = [:]
            var sources: [Int: [String: String]] = [:]
            for y in years {
                let rows = pool.cityLevel(city: city, year: y)
                yearly[y] = rows.mapValues { $0.row.value }
                sources[y] = rows.mapValues { $0.location }
            }
            scores.append(engine.scoreSeries(city: city, yearly: yearly, sources: sources).last!)
        }
        return (scores, ProvinceRanking.rank(scores))
    }

    /// Scores and writes the outputs into `outputDirectory` (created if needed).
    public static func run(_ req: ScoreRequest, outputDirectory: URL) throws(ScoringError) -> ScoreResult {
        let (scores, ranking) = try score(req)
        var files: [URL] = []
        func write(_ text: String, _ name: String) throws(ScoringError) {
            let url = outputDirectory.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            files.append(url)
        }
        var inputs: [ScoreInput] = [ScoreInput(path: req.system.source, role: .definition, rows: req.system.allIndicators.count)]
        inputs += req.tables.map { ScoreInput(path: $0.source, role: .indicators, rows: $0.rows.count) }
        inputs += req.nonSpatial.map { ScoreInput(path: $0.source, role: .nonSpatial, rows: $0.rows.count) }
        inputs += req.previous.map { ScoreInput(path: $0.source, role: .previous, rows: $0.rows.count) }
        try write(ScoreJSON.document(scores: scores, system: req.system, inputs: inputs, ranking: ranking).serialized(), "score.json")
        try write(ScoreCSV.text(scores), "score.csv")

        let many = scores.count > 1
        var reports: [String: String] = [:]
        var used: Set<String> = []
        for s in scores {
            let path: String
            if !many, case .auto = req.reportLayout { path = "report.html" } else {
                var slug = citySlug(s.city), k = 2
                while used.contains(slug) { slug = "\(citySlug(s.city))-\(k)"; k += 1 }
                used.insert(slug)
                path = "\(slug)/report.html"
            }
            reports[s.city] = path
            // The viewer of a run (`cimbase web`), linked when it sits beside the report.
            let viewer = (path as NSString).deletingLastPathComponent + (path.contains("/") ? "/" : "") + "web/index.html"
            let hasViewer = FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent(viewer).path)
            try write(ReportHTML.cityReport(s, system: req.system, maps: req.maps[s.city] ?? [],
                                            rankingLink: many ? "../ranking.html" : nil, viewerLink: hasViewer ? "web/index.html" : nil,
                                            sections: req.sections[s.city] ?? ""), path)
        }
        if many {
            try write(ProvinceRanking.csv(ranking, system: req.system), "ranking.csv")
            try write(ReportHTML.ranking(ranking, system: req.system, links: reports), "ranking.html")
        }
        return ScoreResult(scores: scores, ranking: ranking, files: files, reports: reports, summary: summary(scores))
    }

    /// Convenience: reads the files, then `run`. Tables may be `.csv` or `.json`.
    public static func run(indicatorFiles: [URL], definition: URL, previousFiles: [URL] = [],
                           nonSpatialFiles: [URL] = [], knownIndicatorIDs: Set<String>? = nil, year: Int? = nil,
                           maps: [String: [MapPanel]] = [:], outputDirectory: URL) throws(ScoringError) -> ScoreResult {
        let system = try IndicatorSystem.load(from: definition, knownIndicatorIDs: knownIndicatorIDs)
        var tables: [IndicatorTable] = [], previous: [IndicatorTable] = [], nonSpatial: [IndicatorTable] = []
        for u in indicatorFiles { tables.append(try IndicatorTable.read(at: u)) }
        for u in previousFiles { previous.append(try IndicatorTable.read(at: u)) }
        for u in nonSpatialFiles { nonSpatial.append(try IndicatorTable.read(at: u)) }
        return try run(ScoreRequest(system: system, tables: tables, previous: previous, nonSpatial: nonSpatial,
                                    year: year, maps: maps), outputDirectory: outputDirectory)
    }

    /// A one-line summary: index and dimensions for one city, or the ranking head for several.
    public static func summary(_ scores: [CityScore]) -> String {
        if scores.count == 1, let s = scores.first {
            var parts = ["城市健康指数 \(s.index.map { fmt(($0 * 10).rounded() / 10) } ?? "—")"]
            parts += s.dimensions.map { "\($0.nameZh) \($0.score.map { fmt($0.rounded()) } ?? "—")" }
            var w = "\(s.warnings.count) warnings"
            if let first = s.warnings.first { w += " (\(first.reason.zh))" }
            parts.append(w)
            if !s.missingIndicators.isEmpty { parts.append("\(s.missingIndicators.count) missing (re-weighted)") }
            return parts.joined(separator: " · ")
        }
        let ranked = ProvinceRanking.rank(scores)
        let head = ranked.prefix(3).map { "\($0.rank). \($0.city) \($0.index.map { fmt(($0 * 10).rounded() / 10) } ?? "—")" }
        return "\(scores.count) cities scored · " + head.joined(separator: " · ")
    }

    /// A file-system-safe folder name for a city: path separators, reserved characters, whitespace and controls
    /// become `_`; Chinese characters are kept.
    public static func citySlug(_ city: String) -> String {
        let bad: Set<Character> = ["/", "\\", ":", "*", "?", "\"", "<", ">", "|"]
        var s = String(city.map { c in bad.contains(c) || c.isWhitespace || c.asciiValue.map { $0 < 0x20 } == true ? "_" : c })
        if s.isEmpty || s == "." || s == ".." { s = "city" }
        if s.hasPrefix(".") { s = "_" + s.dropFirst() }
        return s
    }
}
