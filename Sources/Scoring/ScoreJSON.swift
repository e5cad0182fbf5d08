/// `score.json`: full detail of every scored city (schema `cimbase.score/1`).
///
/// Layout: `{schema, definition{id,name_zh,name_en,version,source}, inputs[{path,role,rows}], method{…},
/// cities[{city, year, index, grade{zh,en}, dimensions[…], indicators[…], missing[], notes[{zh,en}],
/// warnings[{indicator,kind,zh,en}], unscored_indicators[], history[{year,index}]}], ranking[…]}`.
public enum ScoreJSON {
    /// Value of the document's `schema` key.
    public static let schemaVersion = "cimbase.score/1"

    /// The whole document.
    public static func document(scores: [CityScore], system: IndicatorSystem, inputs: [ScoreInput],
                                ranking: [RankingRow]) -> JSONValue {
        .object([
            ("schema", .string(schemaVersion)),
            ("definition", .object([
                ("id", .string(system.id)), ("name_zh", .string(system.nameZh)), ("name_en", .string(system.nameEn)),
                ("version", .string(system.version)), ("source", .string(system.source)),
            ])),
            ("inputs", .array(inputs.map { .object([("path", .string($0.path)), ("role", .string($0.role.rawValue)),
                                                    ("rows", .number(Double($0.rows)))]) })),
            ("method", .object([
                ("normalisation", .string("higher: 100·min(x/T,1); lower: 100·min(T/x,1), x≤0→100; range [a,b]: 100 inside, linear to 0 at one range width outside")),
                ("missing", .string("present indicators re-weighted within their dimension; a dimension without data is dropped and the other dimensions re-weighted; never scored as 0")),
                ("light", .object([("green", .number(system.light.green)), ("yellow", .number(system.light.yellow))])),
            ])),
            ("cities", .array(scores.map(city))),
            ("ranking", .array(ranking.map { r in
                .object([("rank", .number(Double(r.rank))), ("city", .string(r.city)), ("year", .number(Double(r.year))),
                         ("index", .num(r.index)), ("grade_zh", .str(r.grade?.nameZh)), ("grade_en", .str(r.grade?.nameEn))])
            })),
        ])
    }

    static func grade(_ g: GradeBand?) -> JSONValue {
        guard let g else { return .null }
        return .object([("zh", .string(g.nameZh)), ("en", .string(g.nameEn))])
    }

    static func target(_ t: Target) -> JSONValue {
        switch t {
        case let .higher(x): return .object([("direction", .string("higher")), ("target", .number(x))])
        case let .lower(x): return .object([("direction", .string("lower")), ("target", .number(x))])
        case let .range(a, b): return .object([("direction", .string("range")), ("range", .array([.number(a), .number(b)]))])
        }
    }

    /// One city's detail.
    public static func city(_ s: CityScore) -> JSONValue {
        .object([
            ("city", .string(s.city)), ("year", .number(Double(s.year))), ("index", .num(s.index)),
            ("grade", grade(s.indexGrade)),
            ("dimensions", .array(s.dimensions.map { d in
                .object([("id", .string(d.id)), ("name_zh", .string(d.nameZh)), ("name_en", .string(d.nameEn)),
                         ("weight", .number(d.weight)), ("effective_weight", .number(d.effectiveWeight)),
                         ("score", .num(d.score)), ("grade", grade(d.grade)), ("dropped", .bool(d.dropped)),
                         ("reweighted", .bool(d.reweighted)), ("missing", .array(d.missing.map { .string($0) }))])
            })),
            ("indicators", .array(s.indicators.map { i in
                var pairs: [(String, JSONValue)] = [
                    ("id", .string(i.spec.id)), ("dimension", .string(i.dimensionID)),
                    ("name_zh", .string(i.spec.nameZh)), ("name_en", .string(i.spec.nameEn)), ("unit", .string(i.spec.unit)),
                    ("target", target(i.spec.target)), ("target_source", .string(i.spec.targetSource)),
                    ("value", .num(i.value)), ("missing", .bool(i.value == nil)), ("score", .num(i.score)),
                    ("grade", grade(i.grade)), ("light", .str(i.light?.rawValue)),
                    ("weight", .number(i.spec.weight)), ("effective_weight", .number(i.effectiveWeight)),
                    ("index_weight", .number(i.indexWeight)), ("source", .string(i.source)),
                ]
                if let c = i.change {
                    pairs.append(("change", .object([
                        ("previous_year", .number(Double(c.previousYear))), ("previous_value", .number(c.previousValue)),
                        ("previous_score", .number(c.previousScore)), ("previous_grade", grade(c.previousGrade)),
                        ("absolute", .number(c.absolute)), ("percent", .num(c.percent)),
                    ])))
                } else { pairs.append(("change", .null)) }
                if let t = i.trend {
                    pairs.append(("trend", .object([
                        ("kind", .string(t.kind.rawValue)), ("name_zh", .string(t.nameZh)),
                        ("years", .array(t.years.map { .number(Double($0)) })), ("values", .array(t.values.map { .number($0) })),
                        ("slope_per_year", .number(t.slopePerYear)), ("score_slope_per_year", .number(t.scoreSlopePerYear)),
                    ])))
                } else { pairs.append(("trend", .null)) }
                return .object(pairs)
            })),
            ("missing", .array(s.missingIndicators.map { .string($0) })),
            ("notes", .array(s.notes.map { .object([("zh", .string($0.zh)), ("en", .string($0.en))]) })),
            ("warnings", .array(s.warnings.map { w in
                .object([("indicator", .string(w.indicator)), ("kind", .string(w.kind.rawValue)),
                         ("zh", .string(w.reason.zh)), ("en", .string(w.reason.en))])
            })),
            ("unscored_indicators", .array(s.unscoredIndicators.map { .string($0) })),
            ("history", .array(s.history.map { .object([("year", .number(Double($0.year))), ("index", .num($0.index))]) })),
        ])
    }
}

/// An input file of a scoring run, for the record in `score.json`.
public struct ScoreInput: Sendable, Equatable {
    /// What the file was: a current indicator table, an earlier year's table, a non-spatial table, or the definition.
    public enum Role: String, Sendable { case indicators, previous, nonSpatial = "non_spatial", definition }
    /// Where the input came from: the table's or definition's `source` (a path, or a label for in-memory input).
    public var path: String
    /// What the file was used for.
    public var role: Role
    /// Rows read from it (for the definition: its number of indicators).
    public var rows: Int
    /// An input record.
    public init(path: String, role: Role, rows: Int) { self.path = path; self.role = role; self.rows = rows }
}
