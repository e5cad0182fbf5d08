// swift-tools-version:6.0
// CIMBase: city checkup (城市体检) base layer, spatial indicators, 3D Tiles and scoring.
import PackageDescription

// No unsafe flags: the package builds for any CPU Swift supports (x86-64 baseline, aarch64) and can be a versioned
// dependency. Native builds are opt-in from the command line, e.g. `swift build -c release -Xcc -march=native`
// (scripts/bench_*.sh do so when CIMBASE_NATIVE=1); BENCHMARKS.md gives both figures.
let libm: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]

let package = Package(
    name: "CIMBase",
    // Synchronization.Mutex (WalkNetwork) needs macOS 15; Linux is the platform this is built and tested on.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cimbase", targets: ["cimbase"]),
        // Pure Swift libraries: no C library needed to use them.
        .library(name: "CityModel", targets: ["CityModel"]),
        .library(name: "GridCore", targets: ["GridCore"]),
        .library(name: "WalkNetwork", targets: ["WalkNetwork"]),
        .library(name: "Scoring", targets: ["Scoring"]),
        .library(name: "Planning", targets: ["Planning"]),
        // The whole pipeline (needs GDAL, GEOS and PROJ from the system).
        .library(name: "CIMBase", targets: ["Pipeline", "Indicators", "GridCore", "WalkNetwork", "Scoring", "Synth", "Tiles", "CityModel", "GeoBridge", "ConfigReader", "Planning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C libraries from Debian (libgdal-dev, libgeos-dev, libproj-dev); only GeoBridge imports them.
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        // libmeshoptimizer-dev ships no .pc file: the modulemap links -lmeshoptimizer (its .so links libstdc++ itself).
        .systemLibrary(name: "CMeshopt", providers: [.apt(["libmeshoptimizer-dev"])]),
        // libdeflate (a dependency of libgdal-dev): GeoBridge compresses GeoTIFF tiles itself, on all cores.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // SQLite (libsqlite3-dev, a dependency of libgdal-dev): GeoPackageWriter inserts rows with prepared statements.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // GeoBridge also hosts the GEOS adapter behind Indicators' GeometryOps protocol (Indicators itself stays pure Swift)
        // and the meshoptimizer adapter behind Tiles' MeshCodec protocol (Tiles stays pure Swift).
        .target(name: "GeoBridge", dependencies: ["CGDAL", "CGEOS", "CPROJ", "CMeshopt", "CDeflate", "CSQLite", "CityModel", "GridCore", "Indicators", "Tiles"]),

        // Pure Swift: no C imports (libm is linked for sqrt and friends, which Glibc declares but does not link).
        .target(name: "CityModel", linkerSettings: libm),
        .target(name: "GridCore", linkerSettings: libm),
        .target(name: "WalkNetwork", dependencies: ["GridCore"], linkerSettings: libm),
        .target(name: "Indicators", dependencies: ["CityModel", "GridCore"]),
        // Where to build: maximal covering location on walk-coverage rows (greedy with lazy evaluation + 1-swaps).
        .target(name: "Planning", dependencies: ["WalkNetwork", "GridCore"]),
        // The one YAML reader (city.yaml, batch files, indicator-system definitions): typed, range-checked values.
        .target(name: "ConfigReader", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Scoring", dependencies: ["ConfigReader", .product(name: "Yams", package: "Yams")]),
        .target(name: "Synth", dependencies: ["CityModel"]),
        .target(name: "Tiles", dependencies: ["CityModel"]),

        .target(name: "Pipeline", dependencies: [
            "GeoBridge", "CityModel", "GridCore", "WalkNetwork", "Indicators", "Scoring", "Synth", "Tiles", "ConfigReader", "Planning",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "cimbase-bench", dependencies: ["GridCore", "WalkNetwork", "CityModel", "Synth", "Tiles", "Planning"]),
        .executableTarget(name: "cimbase", dependencies: [
            "Pipeline", "Scoring", "CityModel", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // One test-support module (seeded random generator, temporary folders, a process runner) for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GeoBridgeTests", dependencies: ["GeoBridge", "CityModel", "GridCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "GeoBridge", "CityModel", "Indicators", "Scoring", "ConfigReader", "TestSupport"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "TestSupport"]),
        .testTarget(name: "GridCoreTests", dependencies: ["GridCore", "TestSupport"]),
        .testTarget(name: "IndicatorsTests", dependencies: ["Indicators", "CityModel", "TestSupport"]),
        .testTarget(name: "WalkNetworkTests", dependencies: ["WalkNetwork", "TestSupport"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "CityModel", "TestSupport"]),
        .testTarget(name: "TilesTests", dependencies: ["Tiles", "CityModel", "GeoBridge", "TestSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "WalkNetwork", "TestSupport"]),
        .testTarget(name: "CityModelTests", dependencies: ["CityModel", "GeoBridge", "TestSupport"]),
    ]
)
