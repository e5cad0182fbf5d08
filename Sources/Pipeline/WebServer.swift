import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small static file server for `cimbase serve DIR`: HTTP/1.1 GET and HEAD on 127.0.0.1 only, one thread per
/// connection (keep-alive), single byte ranges (`Range: bytes=a-b`, `a-`, `-n` → 206 with Content-Range; a range
/// beyond the file → 416), no directory listings, and nothing outside the served folders: `..` segments are refused
/// and every path is resolved with realpath (symlinks included) and must stay inside its folder (else 403).
/// A request head over 16 KiB, or one that does not arrive within 15 s, closes the connection.
public final class WebServer: @unchecked Sendable {
    /// The served folder (real path).
    public let root: String
    /// Extra folders served under a URL prefix (e.g. `/web/vendor/` → the installed JavaScript libraries), used when
    /// the prefix does not exist under `root`.
    public let mounts: [(prefix: String, directory: String)]
    /// The port bound (the one asked for, or the one the system chose for 0).
    public private(set) var port: UInt16 = 0
    private var listenFD: Int32 = -1
    private let lock = NSLock()
    private var stopped = false

    /// Binds 127.0.0.1:`port` (0: any free port) for `root`; fails with the system's reason (e.g. the port is in use).
    public init(root: String, mounts: [(prefix: String, directory: String)] = [], port: UInt16) throws {
        guard let r = realpath(root, nil) else { throw PipelineError.input(file: root, layer: nil, message: "cannot serve: \(String(cString: strerror(errno)))") }
        self.root = String(cString: r); free(r)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.root, isDirectory: &isDir), isDir.boolValue else {
            throw PipelineError.input(file: root, layer: nil, message: "cannot serve: not a folder")
        }
        self.mounts = mounts.compactMap { m in
            guard let p = realpath(m.directory, nil) else { return nil }
            defer { free(p) }
            return (m.prefix.hasSuffix("/") ? m.prefix : m.prefix + "/", String(cString: p))
        }
        signal(SIGPIPE, SIG_IGN)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipelineError.usage("cannot open a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0, listen(fd, 64) == 0 else {
            let msg = String(cString: strerror(errno)); close(fd)
            throw PipelineError.usage("cannot listen on 127.0.0.1:\(port): \(msg)")
        }
        var bound = sockaddr_in(); var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.port = UInt16(bigEndian: bound.sin_port)
        listenFD = fd
    }

    deinit { stop() }

    /// Accepts connections until `stop()` (blocks the calling thread).
    public func serveForever() {
        while true {
            lock.lock(); let fd = listenFD; let s = stopped; lock.unlock()
            if s || fd < 0 { return }
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            var tv = timeval(tv_sec: 15, tv_usec: 0)
            _ = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let t = Thread { [self] in self.handle(connection: c) }
            t.start()
        }
    }

    /// Serves in a background thread.
    public func start() { Thread { [self] in self.serveForever() }.start() }

    /// Stops accepting (connections in progress finish).
    public func stop() {
        lock.lock(); defer { lock.unlock() }
        stopped = true
        if listenFD >= 0 { shutdown(listenFD, Int32(SHUT_RDWR)); close(listenFD); listenFD = -1 }
    }

    // MARK: requests

    /// The answer to one parsed request: status, headers and the byte range of a file to send (or a small body).
    struct Response {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var file: (path: String, offset: Int, length: Int)? = nil
    }

    static let reasons: [Int: String] = [200: "OK", 206: "Partial Content", 301: "Moved Permanently", 400: "Bad Request",
                                         403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                                         416: "Range Not Satisfiable", 431: "Request Header Fields Too Large", 500: "Internal Server Error"]

    private func handle(connection c: Int32) {
        defer { close(c) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            // Read one request head.
            var headEnd: Int? = Self.headEnd(buffer)
            while headEnd == nil {
                if buffer.count > 16_384 { send(c, Response(status: 431, body: Array("request head too large\n".utf8)), head: false); return }
                let n = recv(c, &chunk, chunk.count, 0)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
                headEnd = Self.headEnd(buffer)
            }
            guard let end = headEnd else { return }
            let head = String(decoding: buffer[0..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            guard let req = Self.parseHead(head) else { send(c, Response(status: 400, body: Array("bad request\n".utf8)), head: false); return }
            let r = respond(method: req.method, target: req.target, headers: req.headers)
            let keepAlive = req.version == "HTTP/1.1" ? req.headers["connection"]?.lowercased() != "close" : req.headers["connection"]?.lowercased() == "keep-alive"
            // A request with a body (none is expected) ends the connection after the answer.
            let hasBody = (req.headers["content-length"].flatMap { Int($0) } ?? 0) > 0 || req.headers["transfer-encoding"] != nil
            guard send(c, r, head: req.method == "HEAD", keepAlive: keepAlive && !hasBody), keepAlive, !hasBody else { return }
        }
    }

    static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    /// Parses a request head: request line and headers (names lower-cased).
    static func parseHead(_ head: String) -> (method: String, target: String, version: String, headers: [String: String])? {
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), lines.count <= 101 else { return nil }
        var h: [String: String] = [:]
        for l in lines.dropFirst() where !l.isEmpty {
            guard let colon = l.firstIndex(of: ":") else { return nil }
            h[l[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (String(parts[0]), String(parts[1]), String(parts[2]), h)
    }

    /// What a byte-range header asks for, against a file of `size` bytes.
    public enum RangeRequest: Equatable, Sendable {
        /// No (usable) range: the whole file (also for several ranges, which RFC 9110 lets a server ignore).
        case whole
        /// Bytes `lower...upper` (inclusive), within the file.
        case partial(lower: Int, upper: Int)
        /// The range starts beyond the file (or asks for a zero-length suffix): 416.
        case unsatisfiable
    }

    /// Parses a `Range` header value (RFC 9110 §14.1.2) for a file of `size` bytes. A malformed header is ignored
    /// (the whole file), as the RFC says; an end beyond the file is cut to its last byte.
    public static func parseRange(_ value: String?, size: Int) -> RangeRequest {
        guard let v = value?.trimmingCharacters(in: .whitespaces), v.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = v.dropFirst(6).trimmingCharacters(in: .whitespaces)
        if spec.contains(",") { return .whole }
        guard let dash = spec.firstIndex(of: "-") else { return .whole }
        let a = spec[..<dash].trimmingCharacters(in: .whitespaces), b = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        let digits = { (s: String) in !s.isEmpty && s.count <= 18 && s.allSatisfy { $0.isASCII && $0.isNumber } }
        if a.isEmpty {
            guard digits(b), let n = Int(b) else { return .whole }
            if n == 0 || size == 0 { return .unsatisfiable }
            return .partial(lower: max(0, size - n), upper: size - 1)
        }
        guard digits(a), let lo = Int(a) else { return .whole }
        var hi = size - 1
        if !b.isEmpty {
            guard digits(b), let x = Int(b) else { return .whole }
            if x < lo { return .whole }
            hi = min(x, size - 1)
        }
        if lo >= size { return .unsatisfiable }
        return .partial(lower: lo, upper: hi)
    }

    /// Decodes `%XX` escapes; nil for a malformed escape or a NUL byte.
    static func percentDecode(_ s: Substring) -> String? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                it = it.dropFirst(2)
                out.append(v)
            } else { out.append(c) }
        }
        if out.contains(0) { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// The file a request target names, or why not: `.forbidden` for `..` segments, escapes or a real path outside
    /// its folder; `.notFound`; `.redirect` for a folder named without its trailing slash.
    enum Resolved: Equatable { case file(String), forbidden, notFound, redirect(String) }

    func resolve(_ target: String) -> Resolved {
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? $0 } ?? ""
        guard pathPart.hasPrefix("/"), let decoded = Self.percentDecode(pathPart) else { return .forbidden }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: true)
        if segments.contains(where: { $0 == ".." || $0 == "." || $0.contains("\\") }) { return .forbidden }
        var base = root, rel = segments.joined(separator: "/")
        let underRoot = (root as NSString).appendingPathComponent(rel)
        if !FileManager.default.fileExists(atPath: underRoot) {
            for m in mounts where ("/" + rel + "/").hasPrefix(m.prefix) {
                base = m.directory
                rel = String(("/" + rel).dropFirst(m.prefix.count - 1)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                break
            }
        }
        let candidate = rel.isEmpty ? base : (base as NSString).appendingPathComponent(rel)
        guard let rp = realpath(candidate, nil) else { return errno == ENOENT || errno == ENOTDIR ? .notFound : .forbidden }
        let real = String(cString: rp); free(rp)
        guard real == base || real.hasPrefix(base.hasSuffix("/") ? base : base + "/") else { return .forbidden }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir) else { return .notFound }
        if isDir.boolValue {
            if !decoded.hasSuffix("/") { return .redirect(String(pathPart) + "/") }
            let index = (real as NSString).appendingPathComponent("index.html")
            return FileManager.default.fileExists(atPath: index) ? .file(index) : .notFound
        }
        return .file(real)
    }

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json", "geojson": "application/geo+json",
        "pbf": "application/x-protobuf", "mvt": "application/vnd.mapbox-vector-tile", "png": "image/png", "jpg": "image/jpeg",
        "svg": "image/svg+xml", "glb": "model/gltf-binary", "gltf": "model/gltf+json", "wasm": "application/wasm",
        "csv": "text/csv; charset=utf-8", "txt": "text/plain; charset=utf-8", "tif": "image/tiff", "xml": "application/xml",
        "ktx2": "image/ktx2", "woff": "font/woff", "woff2": "font/woff2", "subtree": "application/octet-stream",
    ]

    /// The answer to a request (pure apart from reading the file system).
    func respond(method: String, target: String, headers: [String: String]) -> Response {
        guard method == "GET" || method == "HEAD" else {
            return Response(status: 405, headers: [("Allow", "GET, HEAD")], body: Array("only GET and HEAD\n".utf8))
        }
        switch resolve(target) {
        case .forbidden: return Response(status: 403, body: Array("outside the served folder\n".utf8))
        case .notFound: return Response(status: 404, body: Array("not found\n".utf8))
        case .redirect(let to): return Response(status: 301, headers: [("Location", to)], body: [])
        case .file(let path):
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let size = (attrs[.size] as? NSNumber)?.intValue,
                  access(path, R_OK) == 0 else { return Response(status: 403, body: Array("not readable\n".utf8)) }
            let type = Self.contentTypes[(path as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
            var h: [(String, String)] = [("Content-Type", type), ("Accept-Ranges", "bytes"), ("Cache-Control", "no-cache")]
            if let m = attrs[.modificationDate] as? Date { h.append(("Last-Modified", Self.httpDate(m))) }
            // If-Range with a validator that does not match: the whole file.
            let rangeHeader = headers["if-range"].map { $0 == h.first(where: { $0.0 == "Last-Modified" })?.1 } == false ? nil : headers["range"]
            switch Self.parseRange(rangeHeader, size: size) {
            case .whole:
                return Response(status: 200, headers: h, file: (path, 0, size))
            case .partial(let lo, let hi):
                h.append(("Content-Range", "bytes \(lo)-\(hi)/\(size)"))
                return Response(status: 206, headers: h, file: (path, lo, hi - lo + 1))
            case .unsatisfiable:
                return Response(status: 416, headers: [("Content-Range", "bytes */\(size)"), ("Content-Type", "text/plain; charset=utf-8")],
                                body: Array("range not satisfiable\n".utf8))
            }
        }
    }

    static func httpDate(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: d)
    }

    /// Writes the response; false when the client went away.
    @discardableResult
    private func send(_ c: Int32, _ r: Response, head: Bool, keepAlive: Bool = false) -> Bool {
        let length = r.file?.length ?? r.body.count
        var text = "HTTP/1.1 \(r.status) \(Self.reasons[r.status] ?? "")\r\n"
        for (k, v) in r.headers { text += "\(k): \(v)\r\n" }
        text += "Content-Length: \(length)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        guard sendAll(c, Array(text.utf8)) else { return false }
        if head { return true }
        if let f = r.file {
            let fd = open(f.path, O_RDONLY)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var buf = [UInt8](repeating: 0, count: 65_536)
            var off = f.offset, left = f.length
            while left > 0 {
                let n = pread(fd, &buf, min(buf.count, left), off_t(off))
                if n <= 0 { return false }
                guard sendAll(c, Array(buf[0..<n])) else { return false }
                off += n; left -= n
            }
            return true
        }
        return sendAll(c, r.body)
    }

    private func sendAll(_ c: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(c, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
