import Foundation
import Yams

/// The per-stage sections of city.yaml (`walk`, `indicators`, `tiles`, `score`), read with errors that name the key.
struct StageSection {
    let name: String
    let file: String
    let map: [String: Node]
    let lines: [String: Int]

    init(_ config: CityConfig, _ name: String, allowed: [String]) throws {
        self.name = name; self.file = config.file
        var m: [String: Node] = [:], l: [String: Int] = [:]
        if let text = config.stageOptions[name], let node = try Yams.compose(yaml: text), case .mapping(let mapping) = node {
            for (k, v) in mapping {
                let key = k.string ?? ""
                guard allowed.contains(key) else {
                    throw PipelineError.config(file: config.file, line: nil, message: "unknown key '\(name).\(key)' (known: \(allowed.joined(separator: ", ")))")
                }
                m[key] = v; l[key] = k.mark?.line
            }
        } else if let text = config.stageOptions[name], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.trimmingCharacters(in: .whitespacesAndNewlines) != "null" {
            throw PipelineError.config(file: config.file, line: nil, message: "'\(name)' must be a mapping")
        }
        map = m; lines = l
    }

    func err(_ key: String, _ msg: String) -> PipelineError { .config(file: file, line: nil, message: "\(name).\(key): \(msg)") }

    func string(_ key: String) throws -> String? {
        guard let n = map[key] else { return nil }
        guard let s = n.string else { throw err(key, "must be a single value") }
        return s
    }
    func double(_ key: String) throws -> Double? {
        guard let s = try string(key) else { return nil }
        guard let d = Double(s), d.isFinite else { throw err(key, "must be a number") }
        return d
    }
    func bool(_ key: String) throws -> Bool? {
        guard let s = try string(key) else { return nil }
        switch s.lowercased() { case "true", "yes", "on": return true; case "false", "no", "off": return false
        default: throw err(key, "must be true or false") }
    }
    func strings(_ key: String) throws -> [String]? {
        guard let n = map[key] else { return nil }
        if let s = n.string { return [s] }
        guard case .sequence(let seq) = n else { throw err(key, "must be a list") }
        return try seq.map { guard let s = $0.string else { throw err(key, "must be a list of values") }; return s }
    }
    func numberMap(_ key: String) throws -> [String: Double]? {
        guard let n = map[key] else { return nil }
        guard case .mapping(let m) = n else { throw err(key, "must be a mapping") }
        var out: [String: Double] = [:]
        for (k, v) in m {
            guard let ks = k.string, let vs = v.string, let d = Double(vs) else { throw err(key, "must map names to numbers") }
            out[ks] = d
        }
        return out
    }
    /// A mapping of mappings of numbers (`params: {green_cov: {…}}`).
    func nestedNumberMap(_ key: String) throws -> [String: [String: Double]]? {
        guard let n = map[key] else { return nil }
        guard case .mapping(let m) = n else { throw err(key, "must be a mapping") }
        var out: [String: [String: Double]] = [:]
        for (k, v) in m {
            guard let ks = k.string, case .mapping(let inner) = v else { throw err(key, "must map indicator ids to parameter mappings") }
            var p: [String: Double] = [:]
            for (ik, iv) in inner {
                guard let iks = ik.string, let ivs = iv.string, let d = Double(ivs) else { throw err("\(key).\(ks)", "parameters must be numbers") }
                p[iks] = d
            }
            out[ks] = p
        }
        return out
    }
}
