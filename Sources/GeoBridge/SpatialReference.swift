import CGDAL

/// An owned OGR spatial reference (OSR), always in traditional GIS axis order (x = easting / longitude).
///
/// Not `Sendable`: OSR objects keep mutable caches even behind read-only calls, so each thread makes its own (they are
/// cheap). Everything that would mutate the handle (EPSG auto-identification) happens once, in the initialiser.
public final class SpatialReference {
    let handle: OGRSpatialReferenceH
    /// `EPSG:nnnn` when the CRS has an authority code (after auto-identification), else nil.
    public let authorityCode: String?

    /// From anything OSRSetFromUserInput takes: `EPSG:4326`, a WKT, a PROJ string, `urn:ogc:def:crs:…`.
    public init(_ definition: String) throws {
        GDALEnvironment.ensure()
        guard let h = OSRNewSpatialReference(nil) else { throw GDALEnvironment.lastError("OSRNewSpatialReference") }
        GDALEnvironment.resetError()
        let err = OSRSetFromUserInput(h, definition)
        if err != OGRERR_NONE {
            let e = GDALEnvironment.lastError("OSRSetFromUserInput", fallback: "cannot interpret CRS '\(definition)'")
            OSRDestroySpatialReference(h)
            if case .gdal(let f, let c, let m) = e, !m.contains(definition) {
                throw GeoBridgeError.gdal(function: f, code: c, message: "cannot interpret CRS '\(definition)': \(m)")
            }
            throw e
        }
        OSRSetAxisMappingStrategy(h, OAMS_TRADITIONAL_GIS_ORDER)
        handle = h
        authorityCode = Self.identify(h)
    }

    /// Takes a clone of a borrowed handle (e.g. a layer's SRS).
    init(cloning h: OGRSpatialReferenceH) {
        let c = OSRClone(h)!
        OSRSetAxisMappingStrategy(c, OAMS_TRADITIONAL_GIS_ORDER)
        handle = c
        authorityCode = Self.identify(c)
    }

    /// Auto-identifies the EPSG code (this mutates the handle, so only the initialisers call it).
    private static func identify(_ h: OGRSpatialReferenceH) -> String? {
        _ = OSRAutoIdentifyEPSG(h)
        guard let n = OSRGetAuthorityName(h, nil), let c = OSRGetAuthorityCode(h, nil) else { return nil }
        return "\(String(cString: n)):\(String(cString: c))"
    }

    /// The CRS's area of use in degrees (west, south, east, north; west > east when it crosses the antimeridian),
    /// nil when the definition carries none.
    public var areaOfUse: (west: Double, south: Double, east: Double, north: Double)? {
        var w = 0.0, s = 0.0, e = 0.0, n = 0.0
        var name: UnsafePointer<CChar>? = nil
        guard OSRGetAreaOfUse(handle, &w, &s, &e, &n, &name) != 0, w > -1000, s > -1000 else { return nil }
        return (w, s, e, n)
    }

    deinit { OSRDestroySpatialReference(handle) }

    /// WKT2:2019 (what PROJ and GeoPackage readers understand best).
    public var wkt: String {
        var out: UnsafeMutablePointer<CChar>? = nil
        let opts = CStringList([("FORMAT", "WKT2_2019")])
        let _ = opts.withConst { OSRExportToWktEx(handle, &out, $0) }
        defer { VSIFree(out) }
        return out.map { String(cString: $0) } ?? ""
    }

    public var isGeographic: Bool { OSRIsGeographic(handle) != 0 }
    public var isProjected: Bool { OSRIsProjected(handle) != 0 }
    public var name: String { OSRGetName(handle).map { String(cString: $0) } ?? "" }
    /// Linear unit in metres of a projected CRS (1 for metres).
    public var linearUnitMetres: Double { OSRGetLinearUnits(handle, nil) }
}
