import CityModel

/// Benchmark entry point for `cimbase-bench synth [N …] [--seed S] [--hash]`: generates each size into a counting
/// sink (or an FNV hashing sink with `--hash`) and prints one line per size: buildings, rows per layer, vertices,
/// sizing time, generation time and rate. Peak memory is measured by the caller (`/usr/bin/time -v`, see
/// scripts/bench_synth.sh). Timing uses `ContinuousClock`; this is not a test.
public func runSynthBench(args: [String]) {
    var sizes: [Int] = []
    var seed: UInt64 = 42
    var hash = false
    var k = 0
    while k < args.count {
        let a = args[k]
        if a == "--seed", k + 1 < args.count { seed = UInt64(args[k + 1]) ?? 42; k += 2; continue }
        if a == "--hash" { hash = true; k += 1; continue }
        if let n = Int(a.replacingUnderscores()) { sizes.append(n) }
        k += 1
    }
    if sizes.isEmpty { sizes = [10_000] }
    let clock = ContinuousClock()
    for n in sizes {
        do {
            let t0 = clock.now
            let city = try SynthCity(options: SynthOptions(buildings: n, seed: seed))
            let t1 = clock.now
            let manifest: SynthManifest
            var extra = ""
            if hash {
                var sink = FNVHashingSink()
                manifest = try city.generate(into: &sink)
                extra = " fnv=" + String(sink.digest, radix: 16) + " wkbMB=" + String(sink.wkbBytes / 1_000_000)
            } else {
                var sink = CountingSink()
                manifest = try city.generate(into: &sink)
                extra = " vertices=" + String(sink.vertices)
            }
            let t2 = clock.now
            let size = seconds(t1 - t0), gen = seconds(t2 - t1)
            let layers = manifest.layers.map { "\($0.name)=\($0.count)" }.joined(separator: " ")
            print("synth N=\(n) seed=\(seed) side_km=\(fmt(city.side / 1000)) residents=\(Int(manifest.residents)) sizing_s=\(fmt(size)) generate_s=\(fmt(gen)) buildings_per_s=\(Int(Double(n) / max(gen, 1e-9))) \(layers)\(extra)")
        } catch {
            print("synth N=\(n) failed: \(error)")
        }
    }
}

private func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}
private func fmt(_ x: Double) -> String {
    let r = (x * 1000).rounded() / 1000
    return String(r)
}
private extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
