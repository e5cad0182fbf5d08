/// The per-city report (`report.html`) and the province ranking page, as self-contained HTML: inline CSS and
/// SVG only, no scripts, no web fonts, no external references (opens offline). Labels in 中文 / English.
public enum ReportHTML {
    static let css = """
    :root{--g:#1a9850;--y:#f4b400;--r:#d73027;--ink:#222;--mute:#666;--line:#ddd}
    *{box-sizing:border-box}body{margin:0;font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:var(--ink);background:#fafafa}
    main{max-width:1080px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}h2{margin:28px 0 10px;font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px}
    .en{color:var(--mute);font-weight:normal;font-size:.85em}.sub{color:var(--mute);margin:0 0 16px}
    .head{display:flex;flex-wrap:wrap;gap:24px;align-items:center}.index{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 24px;min-width:220px}
    .index .v{font-size:52px;font-weight:700;line-height:1.1}.index .g{font-size:18px}
    table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:middle}
    th{background:#f0f0f0;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .light{display:inline-block;width:12px;height:12px;border-radius:50%;vertical-align:middle}.light.green{background:var(--g)}.light.yellow{background:var(--y)}.light.red{background:var(--r)}
    .missing{color:var(--mute);font-style:italic}.warn li{margin:4px 0}.warn .k{font-size:12px;color:#fff;background:var(--r);border-radius:3px;padding:0 4px;margin-right:6px}
    .notes li{color:#444}.maps{display:flex;flex-wrap:wrap;gap:16px}.maps figure{margin:0;background:#fff;border:1px solid var(--line);padding:8px}
    figcaption{font-size:13px;margin-top:4px}.legend span{display:inline-block;margin-right:10px}.sw{display:inline-block;width:12px;height:12px;margin-right:3px;vertical-align:middle;border:1px solid #999}
    svg text{font-family:inherit}.radar .grid{fill:none;stroke:#ccc}.radar .axis{stroke:#bbb}.radar .data{fill:rgba(26,152,80,.25);stroke:var(--g);stroke-width:2}
    .radar .dot,.hist .dot{fill:var(--g)}.radar .lab{font-size:13px;font-weight:600}.radar .lab-en,.tick{font-size:10px;fill:var(--mute)}
    .bar .track{fill:#eee}.bar .band{fill:rgba(26,152,80,.18)}.bar .v{fill:#999}.bar .v.green{fill:var(--g)}.bar .v.yellow{fill:var(--y)}.bar .v.red{fill:var(--r)}.bar .target{stroke:#000;stroke-width:2}
    .hist .grid{stroke:#eee}.hist .line{fill:none;stroke:var(--g);stroke-width:2}
    .map .frame{fill:#fff;stroke:#ccc}.map .grid-img{image-rendering:pixelated}.map path{stroke:#555;stroke-width:.5;fill:#9ecae1;fill-opacity:.6}
    .f-covered{fill:#1a9850!important;fill-opacity:.55!important}.f-gap{fill:#d73027!important;fill-opacity:.6!important}
    .f-outline{fill:none!important;stroke:#222!important;stroke-width:1!important}.f-green{fill:#74c476!important}.f-water{fill:#6baed6!important}
    .f-building{fill:#888!important;fill-opacity:.8!important}.f-neutral{fill:#9ecae1!important}
    table.ranking td{white-space:nowrap}
    footer{margin-top:32px;color:var(--mute);font-size:12px}
    """

    static func gradeText(_ g: GradeBand?) -> String {
        guard let g else { return "<span class=\"missing\">—</span>" }
        return "\(esc(g.nameZh)) <span class=\"en\">\(esc(g.nameEn))</span>"
    }

    static func swatchColor(_ f: MapFill) -> String {
        switch f {
        case .covered: "#1a9850"; case .gap: "#d73027"; case .outline: "#fff"; case .green: "#74c476"
        case .water: "#6baed6"; case .building: "#888"; case .neutral: "#9ecae1"
        }
    }

    /// The report of one city. `maps` are drawn in the "maps" section; `rankingLink` and `viewerLink` (relative
    /// paths: the province ranking, the run's web viewer) are linked when given; `sections` (HTML, e.g.
    /// ``changeSection(titleZh:titleEn:map:tables:)``) go before the targets and sources.
    public static func cityReport(_ s: CityScore, system: IndicatorSystem, maps: [MapPanel] = [],
                                  rankingLink: String? = nil, viewerLink: String? = nil, sections: String = "") -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        h += "<title>\(esc(s.city)) \(s.year) 城市体检评估报告 City checkup report</title><style>\(css)</style></head><body><main>"
        h += "<h1>\(esc(s.city)) · \(s.year) 年城市体检评估 <span class=\"en\">City checkup \(s.year)</span></h1>"
        h += "<p class=\"sub\">指标体系 Indicator system: \(esc(system.nameZh)) / \(esc(system.nameEn))"
        if !system.version.isEmpty { h += " (\(esc(system.version)))" }
        if let rankingLink { h += " · <a href=\"\(esc(rankingLink))\">全省排名 Province ranking</a>" }
        if let viewerLink { h += " · <a id=\"viewer-link\" href=\"\(esc(viewerLink))\">地图与三维查看器 Map and 3D viewer</a>" }
        h += "</p>"

        // Index and radar.
        h += "<section class=\"head\"><div class=\"index\"><div>城市健康指数 <span class=\"en\">City health index</span></div>"
        h += "<div class=\"v\">\(s.index.map { fmt(($0 * 10).rounded() / 10) } ?? "—")</div><div class=\"g\">\(gradeText(s.indexGrade))</div>"
        h += "<div class=\"sub\">预警 warnings: \(s.warnings.count) · 缺失 missing: \(s.missingIndicators.count)</div></div>"
        h += SVGCharts.radar(s.dimensions) + "</section>"
        if !s.history.isEmpty {
            h += "<h2>历年指数 <span class=\"en\">Index over the years</span></h2>"
            h += SVGCharts.history(s.history + [YearIndex(year: s.year, index: s.index)])
        }

        // Dimensions.
        h += "<h2>维度得分 <span class=\"en\">Dimension scores</span></h2><table><tr><th>维度 Dimension</th><th>得分 Score</th><th>等级 Grade</th><th>权重 Weight</th><th>实际权重 Effective weight</th><th>说明 Note</th></tr>"
        for d in s.dimensions {
            let note = d.dropped ? "无数据，不计入 no data, left out" : d.reweighted ? "缺 \(d.missing.count) 项，已重新分配权重 re-weighted" : ""
            h += "<tr><td>\(esc(d.nameZh)) <span class=\"en\">\(esc(d.nameEn))</span></td><td class=\"num\">\(d.score.map { fmt($0) } ?? "—")</td>"
            h += "<td>\(gradeText(d.grade))</td><td class=\"num\">\(fmt(d.weight))</td><td class=\"num\">\(fmt(d.effectiveWeight))</td><td>\(esc(note))</td></tr>"
        }
        h += "</table>"

        // Warnings.
        h += "<h2>监测预警 <span class=\"en\">Warnings</span></h2>"
        if s.warnings.isEmpty { h += "<p>无预警 <span class=\"en\">No warnings</span></p>" } else {
            h += "<ul class=\"warn\">"
            for w in s.warnings {
                let k: String
                switch w.kind { case .red: k = "红灯 red"; case .worsened: k = "变差 worsened"; case .bandDrop: k = "降级 grade drop" }
                h += "<li><span class=\"k\">\(k)</span>\(esc(w.reason.zh))<br><span class=\"en\">\(esc(w.reason.en))</span></li>"
            }
            h += "</ul>"
        }

        // Indicators by dimension.
        h += "<h2>指标 <span class=\"en\">Indicators</span></h2><table><tr><th>指标 Indicator</th><th>数值 Value</th><th>目标 Target</th><th>对比 vs target</th><th>得分 Score</th><th>等级 Grade</th><th>灯 Light</th><th>同比 YoY</th><th>趋势 Trend</th></tr>"
        for d in s.dimensions {
            h += "<tr><th colspan=\"9\">\(esc(d.nameZh)) <span class=\"en\">\(esc(d.nameEn))</span></th></tr>"
            for i in s.indicators where i.dimensionID == d.id {
                let (tz, _) = YearOverYear.targetText(i.spec.target, unit: i.spec.unit)
                h += "<tr><td>\(esc(i.spec.nameZh))<br><span class=\"en\">\(esc(i.spec.nameEn)) · \(esc(i.spec.id))</span></td>"
                if let v = i.value {
                    h += "<td class=\"num\">\(fmt(v))\(esc(unitSuffix(i.spec.unit)))</td><td>\(esc(tz))</td><td>\(SVGCharts.bar(i))</td>"
                    h += "<td class=\"num\">\(i.score.map { fmt($0) } ?? "—")</td><td>\(gradeText(i.grade))</td>"
                    h += "<td><span class=\"light \(i.light?.rawValue ?? "")\" title=\"\(i.light?.rawValue ?? "")\"></span></td>"
                    if let c = i.change {
                        let pct = c.percent.map { " (\($0 >= 0 ? "+" : "")\(fmt($0))%)" } ?? ""
                        h += "<td class=\"num\">\(c.absolute >= 0 ? "+" : "")\(fmt(c.absolute))\(pct)<br><span class=\"en\">vs \(c.previousYear)</span></td>"
                    } else { h += "<td>—</td>" }
                    h += "<td>\(i.trend.map { "\($0.nameZh) <span class=\"en\">\($0.kind.rawValue)</span>" } ?? "—")</td></tr>"
                } else {
                    h += "<td class=\"missing\" colspan=\"2\">缺失 missing</td><td>\(esc(tz))</td><td colspan=\"5\" class=\"missing\">未计分，权重已重新分配 not scored; weight re-distributed</td></tr>"
                }
            }
        }
        h += "</table>"

        if !s.notes.isEmpty || !s.unscoredIndicators.isEmpty {
            h += "<h2>说明 <span class=\"en\">Notes</span></h2><ul class=\"notes\">"
            for n in s.notes { h += "<li>\(esc(n.zh))<br><span class=\"en\">\(esc(n.en))</span></li>" }
            if !s.unscoredIndicators.isEmpty {
                h += "<li>表中有但指标体系未包含（未计分）: Not in the indicator system (not scored): \(esc(s.unscoredIndicators.joined(separator: ", ")))</li>"
            }
            h += "</ul>"
        }

        if !maps.isEmpty {
            h += "<h2>地图 <span class=\"en\">Maps</span></h2><div class=\"maps\">"
            for m in maps {
                h += "<figure>\(SVGCharts.map(m))<figcaption>\(esc(m.titleZh)) <span class=\"en\">\(esc(m.titleEn))</span>"
                if !m.legend.isEmpty {
                    h += "<div class=\"legend\">"
                    for e in m.legend {
                        h += "<span><i class=\"sw\" style=\"background:\(swatchColor(e.fill))\"></i>\(esc(e.labelZh)) <span class=\"en\">\(esc(e.labelEn))</span></span>"
                    }
                    h += "</div>"
                }
                if !m.curves.isEmpty { h += SVGCharts.curves(m.curves) }
                h += "</figcaption></figure>"
            }
            h += "</div>"
        }

        h += sections
        h += "<h2>指标来源 <span class=\"en\">Targets and sources</span></h2><table><tr><th>指标 Indicator</th><th>目标 Target</th><th>权重 Weight</th><th>来源 Source</th></tr>"
        for (_, i) in system.allIndicators {
            let (tz, _) = YearOverYear.targetText(i.target, unit: i.unit)
            h += "<tr><td>\(esc(i.nameZh)) <span class=\"en\">\(esc(i.id))</span></td><td>\(esc(tz))</td><td class=\"num\">\(fmt(i.weight))</td><td>\(esc(i.targetSource))</td></tr>"
        }
        h += "</table>"
        h += "<footer>标准化 Normalisation: 正向 higher 100·min(x/T,1)；负向 lower 100·min(T/x,1)；区间 range 区间内 100，区间外按区间宽度线性衰减至 0。缺失指标不计 0 分，在维度内按权重比例重新分配 Missing indicators are never scored 0; weights are rescaled. 定义文件 Definition: \(esc(system.source))</footer>"
        h += "</main></body></html>\n"
        return h
    }

    /// The "what changed since last year" section (变化分析, `cimbase diff`): a map and tables (header row, then rows;
    /// cells are text, right-aligned when numeric).
    public static func changeSection(titleZh: String, titleEn: String, map: MapPanel?, tables: [(captionZh: String, captionEn: String, rows: [[String]])]) -> String {
        var h = "<h2>\(esc(titleZh)) <span class=\"en\">\(esc(titleEn))</span></h2>"
        if let m = map {
            h += "<div class=\"maps\"><figure>\(SVGCharts.map(m, size: 480))<figcaption>\(esc(m.titleZh)) <span class=\"en\">\(esc(m.titleEn))</span><div class=\"legend\">"
            for e in m.legend { h += "<span><i class=\"sw\" style=\"background:\(swatchColor(e.fill))\"></i>\(esc(e.labelZh)) <span class=\"en\">\(esc(e.labelEn))</span></span>" }
            h += "</div></figcaption></figure></div>"
        }
        for t in tables where !t.rows.isEmpty {
            h += "<h3>\(esc(t.captionZh)) <span class=\"en\">\(esc(t.captionEn))</span></h3><table>"
            for (k, r) in t.rows.enumerated() {
                h += "<tr>" + r.map { c in k == 0 ? "<th>\(esc(c))</th>" : (Double(c.replacingOccurrences(of: ",", with: "")) != nil ? "<td class=\"num\">\(esc(c))</td>" : "<td>\(esc(c))</td>") }.joined() + "</tr>"
            }
            h += "</table>"
        }
        return h
    }

    /// One item of the plan's "other treatments" section: a heading, a note (the finding, or why it was not computed)
    /// and a table (header row first; empty: none).
    public struct TreatmentItem: Sendable {
        public var titleZh: String, titleEn: String, noteZh: String, noteEn: String
        public var rows: [[String]]
        public init(titleZh: String, titleEn: String, noteZh: String, noteEn: String, rows: [[String]]) {
            self.titleZh = titleZh; self.titleEn = titleEn; self.noteZh = noteZh; self.noteEn = noteEn; self.rows = rows
        }
    }

    /// The plan's "other treatments" section (其他更新措施, issue 17): per item its heading, note and table, then one map.
    public static func treatmentsSection(_ items: [TreatmentItem], map: MapPanel?) -> String {
        var h = "<h2 id=\"plan-treatments\">其他更新措施 <span class=\"en\">Other treatments</span></h2>"
        for it in items {
            h += "<h3>\(esc(it.titleZh)) <span class=\"en\">\(esc(it.titleEn))</span></h3><p>\(esc(it.noteZh))<br><span class=\"en\">\(esc(it.noteEn))</span></p>"
            if !it.rows.isEmpty { h += changeSectionTable(it.rows) }
        }
        if let m = map {
            h += "<div class=\"maps\"><figure>\(SVGCharts.map(m, size: 480))<figcaption>\(esc(m.titleZh)) <span class=\"en\">\(esc(m.titleEn))</span><div class=\"legend\">"
            for e in m.legend { h += "<span><i class=\"sw\" style=\"background:\(swatchColor(e.fill))\"></i>\(esc(e.labelZh)) <span class=\"en\">\(esc(e.labelEn))</span></span>" }
            h += "</div></figcaption></figure></div>"
        }
        return h
    }

    /// A table of text cells (first row the header; numeric cells right-aligned).
    static func changeSectionTable(_ rows: [[String]]) -> String {
        var h = "<table>"
        for (k, r) in rows.enumerated() {
            h += "<tr>" + r.map { c in k == 0 ? "<th>\(esc(c))</th>" : (Double(c.replacingOccurrences(of: ",", with: "")) != nil ? "<td class=\"num\">\(esc(c))</td>" : "<td>\(esc(c))</td>") }.joined() + "</tr>"
        }
        return h + "</table>"
    }

    /// A self-contained page around `body` (the report's style), e.g. diff.html.
    public static func page(title: String, body: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>\(esc(title))</title><style>\(css)</style></head><body><main>\(body)</main></body></html>\n"
    }

    /// The province ranking page; `links` maps a city to the relative path of its report.
    public static func ranking(_ rows: [RankingRow], system: IndicatorSystem, links: [String: String] = [:]) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>城市体检排名 Ranking</title><style>\(css)</style></head><body><main>"
        h += "<h1>城市健康指数排名 <span class=\"en\">City health index ranking</span></h1>"
        h += "<p class=\"sub\">\(esc(system.nameZh)) / \(esc(system.nameEn))</p><table class=\"ranking\"><tr><th>排名 Rank</th><th>城市 City</th><th>年份 Year</th><th>指数 Index</th><th>等级 Grade</th>"
        for d in system.dimensions { h += "<th>\(esc(d.nameZh))<br><span class=\"en\">\(esc(d.nameEn))</span></th>" }
        h += "<th>预警 Warnings</th><th>缺失 Missing</th></tr>"
        for r in rows {
            let name = links[r.city].map { "<a href=\"\(esc($0))\">\(esc(r.city))</a>" } ?? esc(r.city)
            h += "<tr><td class=\"num\">\(r.rank == 0 ? "—" : String(r.rank))</td><td>\(name)</td><td class=\"num\">\(r.year)</td>"
            h += "<td class=\"num\">\(r.index.map { fmt($0) } ?? "—")</td><td>\(gradeText(r.grade))</td>"
            for v in r.dimensionScores { h += "<td class=\"num\">\(v.map { fmt($0) } ?? "—")</td>" }
            h += "<td class=\"num\">\(r.warningCount)</td><td class=\"num\">\(r.missingCount)</td></tr>"
        }
        h += "</table></main></body></html>\n"
        return h
    }
}
