// swift-tools-version:6.0
// CIMBase: city checkup (城市体检) base layer, spatial indicators, 3D Tiles and scoring.
import PackageDescription

/// Pure modules are compiled for AVX2 (x86-64-v3): the grid kernels rely on wide SIMD lanes.
/// Every machine this project runs on (developers', CI) is of one kind (AMD Zen 4), see BENCHMARKS.md.
let simd: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]

let package = Package(
    name: "CIMBase",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cimbase", targets: ["cimbase"]),
        .library(name: "CIMBase", targets: ["Pipeline", "Indicators", "GridCore", "WalkNetwork", "Scoring", "Synth", "Tiles", "CityModel", "GeoBridge"]),
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
        .target(name: "GeoBridge", dependencies: ["CGDAL", "CGEOS", "CPROJ", "CityModel"]),

        // Pure Swift: no C imports.
        .target(name: "CityModel", swiftSettings: simd),
        .target(name: "GridCore", swiftSettings: simd),
        .target(name: "WalkNetwork", swiftSettings: simd),
        .target(name: "Indicators", dependencies: ["CityModel", "GridCore"], swiftSettings: simd),
        .target(name: "Scoring", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Synth", dependencies: ["CityModel"], swiftSettings: simd),
        .target(name: "Tiles", dependencies: ["CityModel"], swiftSettings: simd),

        .target(name: "Pipeline", dependencies: [
            "GeoBridge", "CityModel", "GridCore", "WalkNetwork", "Indicators", "Scoring", "Synth", "Tiles",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "cimbase-bench", dependencies: ["GridCore", "WalkNetwork", "CityModel", "Synth", "Tiles"], swiftSettings: simd),
        .executableTarget(name: "cimbase", dependencies: [
            "Pipeline", "Scoring", "CityModel", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "GeoBridgeTests", dependencies: ["GeoBridge", "CityModel"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "GeoBridge", "CityModel", "Indicators", "Scoring"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring"]),
        .testTarget(name: "GridCoreTests", dependencies: ["GridCore"]),
        .testTarget(name: "WalkNetworkTests", dependencies: ["WalkNetwork"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "CityModel"]),
        .testTarget(name: "TilesTests", dependencies: ["Tiles", "CityModel"]),
    ]
)
