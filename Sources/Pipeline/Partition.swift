import CityModel
import Foundation
import Indicators
import Scoring

/// Partitions of one city (issue 18): `cimbase partition` splits the working-CRS extent into square cores, each with a
/// halo; `cimbase run --partition K` searches the walk origins of core K (PartitionRun); `cimbase merge` joins the parts
/// and writes the single-run outputs (Merge.swift).
///
/// Exactness: a network path is never shorter than the straight line between its ends, so everything a search from an
/// origin can reach within distance D lies within D of it. A walk search from a core origin runs up to the walk cutoff C
/// (the largest of walk.thresholds_m and the categories' threshold_m); its ends are snapped with legs of at most
/// max_snap_m S (the origin's, and each facility entrance's). Every street, facility entrance and park the search can
/// touch therefore lies within C + 2·S of the core, and a halo of at least that makes the part's search identical to
/// the single run's. `halo_m` is max(C, the largest service radius and pipe distance of the indicators, the fire-reach
/// drive distance) + 2·S, so the same plan stays exact for those searches too.
public struct PartitionPlan: Codable, Sendable, Equatable {
    public struct Grid: Codable, Sendable, Equatable {
        public var nx: Int, ny: Int
        public var sizeM: Double
        enum CodingKeys: String, CodingKey { case nx, ny, sizeM = "size_m" }
    }
    public struct Estimate: Codable, Sendable, Equatable {
        public var memoryBytes: Int
        public var cpus: Int
        enum CodingKeys: String, CodingKey { case memoryBytes = "memory_bytes", cpus }
    }
    public struct Part: Codable, Sendable, Equatable {
        public var id: Int
        /// [minx, miny, maxx, maxy]; half-open [min, max) except on the plan's last row and column (see `owner`).
        public var core: [Double]
        public var haloExtent: [Double]
        /// Buildings whose representative point (footprint centroid) lies in the core.
        public var buildings: Int
        public var estimate: Estimate
        enum CodingKeys: String, CodingKey { case id, core, haloExtent = "halo_extent", buildings, estimate }
    }
    public var version = 1
    public var config: String
    public var crs: String
    public var haloM: Double
    public var extent: [Double]
    public var grid: Grid
    public var partitions: [Part]
    enum CodingKeys: String, CodingKey { case version, config, crs, haloM = "halo_m", extent, grid, partitions }

    /// The core owning a point: column and row by floor((x − minx) / size), clamped to the grid, so every point has
    /// exactly one owner (points on a shared edge go to the core above/right of it; points beyond the extent to the
    /// nearest border core).
    public func owner(_ p: Vec2) -> Int {
        let s = grid.sizeM
        let i = min(max(Int(((p.x - extent[0]) / s).rounded(.down)), 0), grid.nx - 1)
        let j = min(max(Int(((p.y - extent[1]) / s).rounded(.down)), 0), grid.ny - 1)
        return j * grid.nx + i
    }

    public static func read(path: String) throws -> PartitionPlan {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw PipelineError.input(file: path, layer: nil, message: "no partition plan here (make it with cimbase partition city.yaml --cells N --out DIR, or give --plan)")
        }
        let p: PartitionPlan
        do { p = try JSONDecoder().decode(PartitionPlan.self, from: d) } catch {
            throw PipelineError.input(file: path, layer: nil, message: "not a partition plan: \(error)")
        }
        guard p.version == 1 else { throw PipelineError.input(file: path, layer: nil, message: "partition plan version \(p.version); this cimbase reads version 1") }
        guard p.grid.nx >= 1, p.grid.ny >= 1, p.grid.sizeM > 0, p.extent.count == 4, p.partitions.count == p.grid.nx * p.grid.ny,
              p.partitions.enumerated().allSatisfy({ $0.offset == $0.element.id }) else {
            throw PipelineError.input(file: path, layer: nil, message: "partition plan is inconsistent (grid, extent or ids 0..<n)")
        }
        return p
    }

    func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}

public enum PartitionStage {
    /// Absolute, standardised path of a config file (what partitions.json records and parts check).
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The parameter `name` of indicator `id`: the config's override, else the indicator's default.
    static func param(_ config: CityConfig, _ id: String, _ name: String) -> Double? {
        config.indicators.params[id]?[name] ?? standardIndicators.first { $0.spec.id == id }?.spec.params[name]
    }

    /// The halo (m): see `PartitionPlan` for why this makes every core origin's search exact.
    public static func haloM(_ config: CityConfig) -> Double {
        let w = config.walk
        let cutoff = (w.thresholdsM + config.categories.all.map(\.thresholdM)).max() ?? 1000
        var d = cutoff
        for (id, n) in [("park_service_cov", "small_radius_m"), ("park_service_cov", "large_radius_m"), ("pipe_cov", "distance_m"), ("pipe_gap_area", "distance_m")] {
            if let v = param(config, id, n) { d = max(d, v) }
        }
        if let m = param(config, "fire_5min_cov", "minutes"), let v = param(config, "fire_5min_cov", "speed_kmh") { d = max(d, m * 60 * v / 3.6) }
        return (d + 2 * w.maxSnapM).rounded(.up)
    }

    /// Extent of everything owned by some core: buildings, roads, boundary, population cells, facilities.
    static func extent(_ base: BaseLayer) -> BBox {
        var bb = GridBudget.extent(base)
        for c in base.population { bb = bb.union(c.area.bbox) }
        for f in base.facilities { bb = bb.union(f.geometry.bbox) }
        return bb
    }

    /// Memory of one part: it reads the buildings within its window (core + max(halo, tile reach), see
    /// `PartitionRun.readMargin`) with the whole street, facility and green layers, searches its core's origins and
    /// builds its tiles. Measured (BENCHMARKS.md "Partitioned cities", 2026-12-04): about 90 MiB + 0.9 kB per building
    /// read (1M city in 4: 378k read, 416 MiB peak; 100k in 4: 56k read, 137 MiB); the estimate is 128 MiB + 1.5 kB per
    /// building read, ~1.6× that, since a Kubernetes memory limit that is too low kills the pod.
    static func estimate(window: Int) -> PartitionPlan.Estimate {
        .init(memoryBytes: 128 << 20 + 1_500 * window, cpus: 1)
    }

    /// The plan for `config` over `base`: `cells` cores (rounded up to k × k) or cores of `sizeM`.
    public static func plan(config: CityConfig, base: BaseLayer, cells: Int?, sizeM: Double?) throws -> PartitionPlan {
        let bb = extent(base)
        guard !bb.isEmpty else { throw PipelineError.input(file: config.file, layer: "buildings", message: "nothing to partition: the base layer is empty") }
        let nx: Int, ny: Int, size: Double
        if let cells {
            let k = Int(Double(cells).squareRoot().rounded(.up))
            size = max(bb.width, bb.height, 1) / Double(k)
            nx = max(1, Int((bb.width / size).rounded(.up))); ny = max(1, Int((bb.height / size).rounded(.up)))
        } else if let sizeM {
            size = sizeM
            nx = max(1, Int((bb.width / size).rounded(.up))); ny = max(1, Int((bb.height / size).rounded(.up)))
        } else { throw PipelineError.usage("give --cells N or --size 5km") }
        guard nx * ny <= 100_000 else { throw PipelineError.usage("--size \(size) m makes \(nx * ny) partitions (at most 100000)") }
        let halo = haloM(config)
        var plan = PartitionPlan(config: absolute(config.file), crs: base.crs, haloM: halo, extent: [bb.minX, bb.minY, bb.maxX, bb.maxY],
                                 grid: .init(nx: nx, ny: ny, sizeM: size), partitions: [])
        var counts = [Int](repeating: 0, count: nx * ny)
        for b in base.buildings { counts[plan.owner(b.footprint.centroid)] += 1 }
        // Buildings a part reads (for its estimate): those of every core within its window's reach, a summed-area
        // table over the cores (whole cores, so at least the buildings read).
        let reach = Int((max(halo, PartitionRun.readMargin(config)) / size).rounded(.up))
        var sat = [Int](repeating: 0, count: (nx + 1) * (ny + 1))
        for j in 0..<ny { for i in 0..<nx { sat[(j + 1) * (nx + 1) + i + 1] = counts[j * nx + i] + sat[j * (nx + 1) + i + 1] + sat[(j + 1) * (nx + 1) + i] - sat[j * (nx + 1) + i] } }
        func window(_ i: Int, _ j: Int) -> Int {
            let i0 = max(0, i - reach), i1 = min(nx, i + reach + 1), j0 = max(0, j - reach), j1 = min(ny, j + reach + 1)
            return sat[j1 * (nx + 1) + i1] - sat[j0 * (nx + 1) + i1] - sat[j1 * (nx + 1) + i0] + sat[j0 * (nx + 1) + i0]
        }
        for j in 0..<ny {
            for i in 0..<nx {
                let id = j * nx + i
                let c = [bb.minX + Double(i) * size, bb.minY + Double(j) * size, bb.minX + Double(i + 1) * size, bb.minY + Double(j + 1) * size]
                plan.partitions.append(.init(id: id, core: c, haloExtent: [c[0] - halo, c[1] - halo, c[2] + halo, c[3] + halo], buildings: counts[id],
                                             estimate: estimate(window: window(i, j))))
            }
        }
        return plan
    }

    /// `cimbase partition`: ingests once into DIR/base.gpkg (which every part reads), writes DIR/partitions.json and,
    /// with `k8s`, DIR/k8s-job.yaml.
    @discardableResult
    public static func run(config: CityConfig, cells: Int?, sizeM: Double?, outDir: String, k8s: Bool, image: String, progress: Progress) throws -> PartitionPlan {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let base = try Stages.baseLayer(config: config, outDir: outDir, progress: progress)
        let plan = try plan(config: config, base: base, cells: cells, sizeM: sizeM)
        let dir = URL(fileURLWithPath: outDir)
        try write(try plan.json(), dir.appendingPathComponent("partitions.json"))
        if k8s { try write(Data(k8sJob(plan, dir: absolute(outDir), image: image).utf8), dir.appendingPathComponent("k8s-job.yaml")) }
        let nonEmpty = plan.partitions.filter { $0.buildings > 0 }.count
        progress.say(String(format: "partition   %d × %d cores of %.0f m (%d with buildings), halo %.0f m → %@", plan.grid.nx, plan.grid.ny, plan.grid.sizeM,
                            nonEmpty, plan.haloM, dir.appendingPathComponent("partitions.json").path))
        return plan
    }

    static func write(_ d: Data, _ url: URL) throws {
        do { try AtomicFile.write(d, to: url) } catch { throw PipelineError.output(path: url.path, message: "\(error)") }
    }

    /// A Kubernetes Indexed Job running every part: pod K gets JOB_COMPLETION_INDEX = K. Resources are the largest
    /// estimate of the plan (one pod template serves every index).
    public static func k8sJob(_ plan: PartitionPlan, dir: String, image: String) -> String {
        let mem = plan.partitions.map(\.estimate.memoryBytes).max() ?? (512 << 20)
        let cpus = plan.partitions.map(\.estimate.cpus).max() ?? 1
        let mi = (mem + (1 << 20) - 1) >> 20
        let name = "cimbase-" + (((plan.config as NSString).deletingLastPathComponent as NSString).lastPathComponent.lowercased()
            .map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined().prefix(40))
        let shared = commonRoot(plan.config, dir)
        return """
        # Generated by `cimbase partition --k8s` from \(dir)/partitions.json; do not edit by hand, make it again.
        # Requirement: the volume `shared` must hold \(shared) (the config, its sources and \(dir)) at the same
        # path in every pod, readable and writable by all of them (e.g. a ReadWriteMany PersistentVolumeClaim).
        # After the Job completes: cimbase merge \(dir)
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: \(name)
        spec:
          completionMode: Indexed
          completions: \(plan.partitions.count)
          parallelism: \(plan.partitions.count)
          backoffLimitPerIndex: 2
          maxFailedIndexes: 0
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: part
                image: \(image)
                command: ["sh", "-c"]
                args:
                - exec cimbase run \(plan.config) --partition $JOB_COMPLETION_INDEX --out \(dir)/parts/$JOB_COMPLETION_INDEX --plan \(dir)/partitions.json --quiet
                resources:
                  requests:
                    cpu: "\(cpus)"
                    memory: \(mi)Mi
                  limits:
                    memory: \(mi)Mi
                volumeMounts:
                - name: shared
                  mountPath: \(shared)
              volumes:
              - name: shared
                persistentVolumeClaim:
                  claimName: cimbase-shared

        """
    }

    /// The deepest folder holding both paths (the shared volume's mount point).
    static func commonRoot(_ a: String, _ b: String) -> String {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        var n = 0
        while n < min(x.count - 1, y.count), x[n] == y[n] { n += 1 }
        return "/" + x.prefix(n).joined(separator: "/")
    }
}
