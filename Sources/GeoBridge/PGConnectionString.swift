import Foundation

/// PostgreSQL connection strings (`PG:key=value …` as GDAL takes them, or `postgresql://user:password@host/db`):
/// masking of the password for anything a user can see (logs, errors, outputs).
public enum PGConnectionString {
    /// Whether `s` names a PostgreSQL data source for GDAL (`PG:` prefix or a `postgres(ql)://` URI).
    public static func isPostgres(_ s: String) -> Bool {
        let l = s.lowercased()
        return l.hasPrefix("pg:") || l.hasPrefix("postgresql://") || l.hasPrefix("postgres://")
    }

    /// `s` with every password replaced by `***`: `password=…` (bare or single-quoted, any case, any spacing around
    /// `=`), and the `user:password@` part of a URI. Text without a password is returned unchanged.
    public static func mask(_ s: String) -> String {
        guard s.range(of: "password", options: .caseInsensitive) != nil || s.contains("://") else { return s }
        var out = s
        // key=value form: password = 'a\'b c' | password=abc
        out = out.replacingOccurrences(of: #"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'"]*)"#, with: "$1***", options: .regularExpression)
        // URI form: scheme://user:secret@host
        out = out.replacingOccurrences(of: #"(?i)(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@"#, with: "$1***@", options: .regularExpression)
        // URI query parameter: ?password=… or &password=… (covered by the first rule too, but stop at & there)
        return out
    }
}
