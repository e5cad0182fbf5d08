import CGDAL

/// An owned OGR spatial reference (OSR), always in traditional GIS axis order (x = easting / longitude).
public final class SpatialReference: @unchecked Sendable {
    let handle: OGRSpatialReferenceH

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
    }

    /// Takes a clone of a borrowed handle (e.g. a layer's SRS).
    init(cloning h: OGRSpatialReferenceH) {
        handle = OSRClone(h)
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    deinit { OSRDestroySpatialReference(handle) }

    /// WKT2:2019 (what PROJ and GeoPackage readers understand best).
    public var wkt: String {
        var out: UnsafeMutablePointer<CChar>? = nil
        var opts = CStringList([("FORMAT", "WKT2_2019")])
        let _ = opts.withConst { OSRExportToWktEx(handle, &out, $0) }
        defer { VSIFree(out) }
        return out.map { String(cString: $0) } ?? ""
    }

    /// `EPSG:nnnn` when the CRS has an authority code (after auto-identification), else nil.
    public var authorityCode: String? {
        _ = OSRAutoIdentifyEPSG(handle)
        guard let n = OSRGetAuthorityName(handle, nil), let c = OSRGetAuthorityCode(handle, nil) else { return nil }
        return "\(String(cString: n)):\(String(cString: c))"
    }

    public var isGeographic: Bool { OSRIsGeographic(handle) != 0 }
    public var isProjected: Bool { OSRIsProjected(handle) != 0 }
    public var name: String { OSRGetName(handle).map { String(cString: $0) } ?? "" }
    /// Linear unit in metres of a projected CRS (1 for metres).
    public var linearUnitMetres: Double { OSRGetLinearUnits(handle, nil) }
}
