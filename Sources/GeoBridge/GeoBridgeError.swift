/// Errors from the C libraries, carrying the C function, the library's code and its message.
public enum GeoBridgeError: Error, Equatable, CustomStringConvertible {
    /// A GDAL/OGR call failed: function, CPLErrorNum, message (CPLGetLastErrorMsg).
    case gdal(function: String, code: Int32, message: String)
    /// A GEOS call failed: function and the messages its error handler collected.
    case geos(function: String, message: String)
    /// A PROJ call failed: function, proj errno and the log / errno message.
    case proj(function: String, code: Int32, message: String)

    /// The error for a user: a password in a connection string that the message quotes is masked (`password=***`).
    public var description: String {
        PGConnectionString.mask(rawDescription)
    }

    private var rawDescription: String {
        switch self {
        case .gdal(let f, let c, let m): return "GDAL \(f) failed (CPLE \(c)): \(m)"
        case .geos(let f, let m): return "GEOS \(f) failed: \(m)"
        case .proj(let f, let c, let m): return "PROJ \(f) failed (errno \(c)): \(m)"
        }
    }
    /// The library's own message (passwords in connection strings masked).
    public var message: String {
        switch self {
        case .gdal(_, _, let m), .geos(_, let m), .proj(_, _, let m): return PGConnectionString.mask(m)
        }
    }
}
