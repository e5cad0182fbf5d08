import CGDAL

/// One-time GDAL set-up: drivers registered, GDAL's own stderr printing replaced by a quiet handler (errors are read
/// back per call with CPLGetLastErrorMsg, which is thread-local) and traditional GIS axis order everywhere.
enum GDALEnvironment {
    static let ready: Bool = {
        GDALAllRegister()
        CPLSetErrorHandler(CPLQuietErrorHandler)
        // Reading OSM PBF: let the driver keep its index in memory for small files, on disk for big ones.
        CPLSetConfigOption("OSM_USE_CUSTOM_INDEXING", "YES")
        return true
    }()

    @inline(__always) static func ensure() { _ = ready }

    /// The last error GDAL recorded on this thread, as a Swift error for `function`.
    static func lastError(_ function: String, fallback: String = "unknown error") -> GeoBridgeError {
        let code = CPLGetLastErrorNo()
        let msg = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
        return .gdal(function: function, code: code, message: msg.isEmpty ? fallback : msg)
    }

    static func resetError() { CPLErrorReset() }
}

/// Sets or clears a GDAL configuration option for the process (e.g. `OGR_CURRENT_DATE` for reproducible GeoPackages).
public func setGDALConfig(_ key: String, _ value: String?) {
    GDALEnvironment.ensure()
    CPLSetConfigOption(key, value)
}

/// Version string of the GDAL library in use.
public var gdalVersion: String {
    GDALEnvironment.ensure()
    return String(cString: GDALVersionInfo("RELEASE_NAME"))
}

/// An owned C string list (CSL), for GDAL option arrays.
struct CStringList {
    private(set) var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
    init(_ pairs: [(String, String)] = []) { for (k, v) in pairs { set(k, v) } }
    mutating func set(_ k: String, _ v: String) { list = CSLSetNameValue(list, k, v) }
    mutating func append(_ s: String) { list = CSLAddString(list, s) }
    func free() { CSLDestroy(list) }
    /// Calls `body` with the list as GDAL expects it, then frees it.
    consuming func with<R>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> R) rethrows -> R {
        defer { CSLDestroy(list) }
        return try body(list)
    }
    /// As `with`, for parameters typed `const char* const*`.
    consuming func withConst<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R) rethrows -> R {
        defer { CSLDestroy(list) }
        return try body(list.map { UnsafePointer<UnsafePointer<CChar>?>(OpaquePointer($0)) })
    }
}
