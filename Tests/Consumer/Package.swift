// swift-tools-version:6.0
// A user's package that depends on CIMBase and uses only its pure GridCore library (no GDAL/GEOS/PROJ needed).
// scripts/check-consumer builds it twice: by path (this file as is) and by git URL and version (CIMBASE_URL set),
// which is how SwiftPM refuses unsafe flags, so it proves CIMBase can be a versioned dependency.
import PackageDescription
import Foundation

let env = ProcessInfo.processInfo.environment
let cimbase: Package.Dependency = env["CIMBASE_URL"].map { .package(url: $0, from: Version(env["CIMBASE_VERSION"] ?? "0.1.0")!) }
    ?? .package(name: "CIMBase", path: "../..")

let package = Package(
    name: "GridConsumer",
    dependencies: [cimbase],
    targets: [
        .executableTarget(name: "GridConsumer", dependencies: [.product(name: "GridCore", package: "CIMBase")]),
    ]
)
