// cimbase-bench: the benchmark executable the scripts in scripts/bench_*.sh drive (release builds).
// Usage: cimbase-bench grid|walk|tiles|synth|plan-instances [args…]
import Foundation
import Synth

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write("usage: cimbase-bench grid|walk|tiles|synth|plan-instances [args…]\n".data(using: .utf8)!)
    exit(2)
}
let rest = Array(args.dropFirst(2))
do {
    switch args[1] {
    case "grid": try runGridBench(args: rest)
    case "walk": try runWalkBench(args: rest)
    case "tiles": try runTilesBench(args: rest)
    case "synth": runSynthBench(args: rest)
    case "plan-instances": try runPlanInstances(args: rest)
    default:
        FileHandle.standardError.write("unknown benchmark '\(args[1])' (grid, walk, tiles, synth, plan-instances)\n".data(using: .utf8)!)
        exit(2)
    }
} catch {
    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
    exit(1)
}
