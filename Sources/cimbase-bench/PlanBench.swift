import Foundation
import Planning

/// `cimbase-bench plan-instances [--seed S] [--count N] [--max-candidates C] [--capacity F,…] [--out FILE]`: the seeded random
/// maximal-covering instances and the Swift greedy + swap results as JSON, for scripts/check_plan_optimum.py (which
/// solves the same instances exactly as integer programs with HiGHS).
func runPlanInstances(args: [String]) throws {
    var seed: UInt64 = 17, count = 100, maxC = 40, out: String? = nil, capacity: [Double] = []
    var i = 0
    while i < args.count {
        let v = i + 1 < args.count ? args[i + 1] : ""
        switch args[i] {
        case "--seed": seed = UInt64(v) ?? seed
        case "--count": count = max(1, min(10_000, Int(v) ?? count))
        case "--max-candidates": maxC = max(8, min(200, Int(v) ?? maxC))
        case "--out": out = v
        // Capacity factors (comma-separated, cycled over the instances): capacity = factor × demand weight / k.
        case "--capacity": capacity = v.split(separator: ",").compactMap { Double($0) }.filter { $0 > 0 }
        default: throw NSError(domain: "cimbase-bench", code: 2, userInfo: [NSLocalizedDescriptionKey: "unknown option \(args[i])"])
        }
        i += 2
    }
    let suite = RandomInstances.suite(seed: seed, count: count, maxCandidates: maxC)
    let json = RandomInstances.json(suite) { n, p, k in
        PlanOptions(maxSites: k, capacity: capacity.isEmpty ? nil : RandomInstances.capacity(p, k: k, factor: capacity[n % capacity.count]))
    }
    if let out { try json.write(toFile: out, atomically: true, encoding: .utf8) } else { FileHandle.standardOutput.write(json.data(using: .utf8)!) }
}
