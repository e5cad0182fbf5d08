import CGDAL
import CityModel
import Foundation
import Synchronization

/// An owned OGR vector dataset opened for reading. `close()` reports errors; deinit closes silently if not closed.
public final class VectorDataset {
    private(set) var handle: GDALDatasetH?
    public let path: String
    /// The driver open options it was opened with (a reader thread opens its own handle with the same ones).
    let openOptions: [String: String]

    /// Opens anything OGR reads: GeoPackage, Shapefile, GeoJSON, FlatGeobuf, OSM PBF, `PG:` strings.
    /// - Parameter openOptions: driver open options (e.g. `ENCODING=GBK` for shapefiles).
    public init(path: String, openOptions: [String: String] = [:]) throws {
        GDALEnvironment.ensure()
        GDALEnvironment.resetError()
        self.path = path
        self.openOptions = openOptions
        handle = try Self.open(path, openOptions)
    }

    /// Opens `path` read-only as a vector dataset; the caller owns the handle.
    static func open(_ path: String, _ openOptions: [String: String]) throws -> GDALDatasetH {
        var opts = CStringList()
        for (k, v) in openOptions.sorted(by: { $0.key < $1.key }) { opts.set(k, v) }
        let h = opts.withConst { GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, $0, nil) }
        guard let h else { throw GDALEnvironment.lastError("GDALOpenEx", fallback: "cannot open \(path)") }
        return h
    }

    deinit { if let h = handle { GDALClose(h) } }

    /// Closes the dataset, surfacing any error GDAL reports while closing.
    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        GDALEnvironment.resetError()
        GDALClose(h)
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
            throw GDALEnvironment.lastError("GDALClose")
        }
    }

    public var driverName: String {
        guard let h = handle, let d = GDALGetDatasetDriver(h) else { return "" }
        return String(cString: GDALGetDriverShortName(d))
    }

    public var layerNames: [String] {
        guard let h = handle else { return [] }
        return (0..<GDALDatasetGetLayerCount(h)).compactMap { i in
            GDALDatasetGetLayer(h, i).map { String(cString: OGR_L_GetName($0)) }
        }
    }

    /// The named layer, or the only layer when `name` is nil and there is exactly one.
    public func layer(_ name: String?) throws -> VectorLayer {
        guard let h = handle else { throw GeoBridgeError.gdal(function: "GDALDatasetGetLayerByName", code: 0, message: "dataset is closed") }
        if let name {
            guard let l = GDALDatasetGetLayerByName(h, name) else {
                throw GeoBridgeError.gdal(function: "GDALDatasetGetLayerByName", code: CPLE_AppDefined,
                                          message: "no layer '\(name)' in \(path) (layers: \(layerNames.joined(separator: ", ")))")
            }
            return VectorLayer(handle: l, dataset: self)
        }
        let n = GDALDatasetGetLayerCount(h)
        guard n >= 1, let l = GDALDatasetGetLayer(h, 0) else {
            throw GeoBridgeError.gdal(function: "GDALDatasetGetLayer", code: CPLE_AppDefined, message: "\(path) has no layers")
        }
        if n > 1 {
            throw GeoBridgeError.gdal(function: "GDALDatasetGetLayer", code: CPLE_AppDefined,
                                      message: "\(path) has \(n) layers (\(layerNames.joined(separator: ", "))): name one with `layer:`")
        }
        return VectorLayer(handle: l, dataset: self)
    }

    /// Runs an SQL statement in the driver's dialect (SQLite for GeoPackage) and returns the rows of its result
    /// (none for statements that return none); an error carries the driver's message.
    public func query(_ sql: String) throws -> [[FieldValue]] {
        guard let h = handle else { throw GeoBridgeError.gdal(function: "GDALDatasetExecuteSQL", code: 0, message: "dataset is closed") }
        GDALEnvironment.resetError()
        let res = GDALDatasetExecuteSQL(h, sql, nil, nil)
        let t = CPLGetLastErrorType()
        if t == CE_Failure || t == CE_Fatal {
            if let res { GDALDatasetReleaseResultSet(h, res) }
            throw GDALEnvironment.lastError("GDALDatasetExecuteSQL", fallback: "SQL failed: \(sql)")
        }
        guard let res else { return [] }
        defer { GDALDatasetReleaseResultSet(h, res) }
        let fields = VectorLayer.fieldInfos(res)
        var out: [[FieldValue]] = []
        while let f = OGR_L_GetNextFeature(res) {
            let feature = Feature(handle: f, fields: fields)
            out.append(fields.indices.map { feature.value($0) })
            OGR_F_Destroy(f)
        }
        return out
    }

    /// Reads every feature of every layer in file order (the efficient way for OSM PBF, which GDAL parses once).
    /// `body` gets the layer name and the feature; features of layers not in `layers` are skipped.
    ///
    /// GDAL parses on a reader thread, one batch of 256 features ahead of `body` (at most 8 batches queued), and
    /// decodes each feature there into Swift values (attributes and geometry), so parsing and the caller's work use
    /// two cores. No C object crosses threads: the reader opens its own handle on the file (with the same open options)
    /// and frees every OGR feature it reads; the batches it hands over are plain `Sendable` values.
    public func forEachFeatureInterleaved(layers: Set<String>, _ body: (String, Feature) throws -> Void) throws {
        guard handle != nil else { return }
        try Self.forEachFeatureInterleaved(path: path, openOptions: openOptions, layers: layers, opened: { _ = try $0.get() }, body)
    }

    /// As ``forEachFeatureInterleaved(layers:_:)`` without a dataset opened on the caller's thread first: the reader
    /// thread's own open is the only one (opening an OSM file costs tens of milliseconds: its temp index and
    /// osmconf.ini). `opened` runs on the caller's thread before any feature, with the driver's short name or the
    /// error of the open; what it throws stops the reading and is rethrown.
    ///
    /// `idle` runs on the caller's thread whenever no batch is ready (the caller would otherwise wait for the reader):
    /// it returns true when it did some work (the queue is then checked again), false when it has none (then the
    /// caller waits). Work done there uses the caller's core while GDAL parses on the reader's.
    public static func forEachFeatureInterleaved(path: String, openOptions: [String: String] = [:], layers: Set<String>,
                                                 opened: (Result<String, GeoBridgeError>) throws -> Void,
                                                 idle: () throws -> Bool = { false },
                                                 _ body: (String, Feature) throws -> Void) throws {
        GDALEnvironment.ensure()
        let queue = FeatureBatchQueue()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            Self.readInterleaved(path: path, openOptions: openOptions, layers: layers, into: queue)
        }
        thread.stackSize = 8 << 20
        thread.start()
        // After the last batch the reader only closes its own handle: that is waited for later, by
        // `waitForClosingReaders()`. On an error or an early exit the reader is stopped and waited for here.
        var finished = false
        defer {
            queue.cancel()
            if finished { closingReaders.withLock { $0.append(done) } } else { done.wait() }
        }
        var first = true
        while true {
            let b: FeatureBatch
            if first { b = queue.take() } else if let ready = queue.tryTake() { b = ready } else if try idle() { continue } else { b = queue.take() }
            if first {
                first = false
                if let e = b.openError { try opened(.failure(e)); throw e }
                try opened(.success(b.driver ?? ""))
            }
            for (name, snapshot) in b.items { try body(name, Feature(snapshot: snapshot)) }
            if let e = b.error { throw e }
            if b.last { finished = true; return }
        }
    }

    /// Reader threads that handed over their last batch and may still be closing their dataset.
    private static let closingReaders = Mutex<[DispatchSemaphore]>([])

    /// Waits until every reader thread of ``forEachFeatureInterleaved(path:openOptions:layers:opened:idle:_:)`` has
    /// closed its dataset (call it before the process may exit, so no GDAL call runs during exit; ingest calls it when
    /// it ends, by when the ~15 ms close has long finished).
    public static func waitForClosingReaders() {
        let pending = closingReaders.withLock { list -> [DispatchSemaphore] in
            let l = list
            list = []
            return l
        }
        for d in pending { d.wait() }
    }

    /// The reader thread of ``forEachFeatureInterleaved(layers:_:)``: owns its dataset handle from open to close.
    private static func readInterleaved(path: String, openOptions: [String: String], layers: Set<String>, into queue: FeatureBatchQueue) {
        var batch = FeatureBatch()
        let ds: GDALDatasetH
        GDALEnvironment.resetError()
        do { ds = try open(path, openOptions) } catch {
            batch.openError = (error as? GeoBridgeError) ?? GeoBridgeError.gdal(function: "GDALOpenEx", code: 0, message: "cannot open \(path)")
            batch.last = true
            queue.put(batch)
            return
        }
        // The first batch names the driver (no features), so the consumer can refuse the file before reading on.
        var head = FeatureBatch()
        head.driver = GDALGetDatasetDriver(ds).map { String(cString: GDALGetDriverShortName($0)) } ?? ""
        queue.put(head)
        readAll(ds, layers: layers, into: queue, &batch)
        // The last batch goes out before the dataset is closed (the OSM driver's close frees its indexes and temp
        // files, ~15 ms): the consumer goes on meanwhile.
        batch.last = true
        queue.put(batch)
        GDALClose(ds)
    }

    /// The loop of ``readInterleaved``: every feature of `layers` into batches; a read error ends it in `batch.error`.
    private static func readAll(_ ds: GDALDatasetH, layers: Set<String>, into queue: FeatureBatchQueue, _ batch: inout FeatureBatch) {
        // The OSM driver then builds only the wanted layers' features (multilinestrings and other_relations are
        // skipped, not assembled and dropped), as ogr2ogr does for the layers it is given.
        if let drv = GDALGetDatasetDriver(ds), String(cString: GDALGetDriverShortName(drv)) == "OSM", !layers.isEmpty {
            let sql = "SET interest_layers = " + layers.sorted().joined(separator: ",")
            if let r = GDALDatasetExecuteSQL(ds, sql, nil, nil) { GDALDatasetReleaseResultSet(ds, r) }
        }
        GDALDatasetResetReading(ds)
        var names: [OpaquePointer: String?] = [:]
        var fieldCache: [OpaquePointer: [FieldInfo]] = [:]
        while !queue.cancelled {
            var lyr: OGRLayerH? = nil
            GDALEnvironment.resetError()
            let next = GDALDatasetGetNextFeature(ds, &lyr, nil, nil, nil)
            // A parse error may be reported alongside a feature or at the end: either way the file is not whole.
            let t = CPLGetLastErrorType()
            if t == CE_Failure || t == CE_Fatal {
                if let next { OGR_F_Destroy(next) }
                batch.error = GDALEnvironment.lastError("GDALDatasetGetNextFeature")
                return
            }
            guard let f = next else { return }
            defer { OGR_F_Destroy(f) }
            guard let lyr else { continue }
            let key = OpaquePointer(lyr)
            if names[key] == nil {
                let n = String(cString: OGR_L_GetName(lyr))
                names[key] = layers.contains(n) ? n : Optional<String>.none
                fieldCache[key] = VectorLayer.fieldInfos(lyr)
            }
            guard let name = names[key]! else { continue }
            batch.items.append((name, Feature(handle: f, fields: fieldCache[key]!).snapshot()))
            if batch.items.count == 256 { queue.put(batch); batch = FeatureBatch() }
        }
    }
}

/// Features handed from the reader thread to the consumer: Swift values only.
struct FeatureBatch: Sendable {
    var items: [(String, FeatureSnapshot)] = []
    var error: GeoBridgeError? = nil
    /// Set on the first batch: the dataset's driver, or why it could not be opened.
    var driver: String? = nil
    var openError: GeoBridgeError? = nil
    var last = false
    init() { items.reserveCapacity(256) }
}

/// A bounded queue of feature batches between one reader and one consumer (a mutex over the items, and two
/// semaphores counting free and filled places, so the compiler checks that only Sendable values cross).
final class FeatureBatchQueue: Sendable {
    private struct State { var items: [FeatureBatch] = []; var head = 0; var cancelled = false }
    private let state = Mutex(State())
    private let free = DispatchSemaphore(value: 8)
    private let filled = DispatchSemaphore(value: 0)

    var cancelled: Bool { state.withLock { $0.cancelled } }

    /// Waits for a free place and appends `b`; drops it when the consumer has gone (after ``cancel()``).
    func put(_ b: FeatureBatch) {
        if cancelled { return }
        free.wait() // after cancel() at most one put waits here, and cancel() signals once
        state.withLock { s in if !s.cancelled { s.items.append(b) } }
        filled.signal()
    }

    /// Waits for the next batch (the reader always ends with a batch marked `last`).
    func take() -> FeatureBatch {
        filled.wait()
        return pop()
    }

    /// The next batch if one is ready, else nil (does not wait).
    func tryTake() -> FeatureBatch? {
        guard filled.wait(timeout: .now()) == .success else { return nil }
        return pop()
    }

    /// Removes the oldest batch (one `filled` signal was consumed for it) and frees its slot.
    private func pop() -> FeatureBatch {
        let b = state.withLock { s -> FeatureBatch in
            let b = s.items[s.head]
            s.head += 1
            if s.head == s.items.count { s.items.removeAll(keepingCapacity: true); s.head = 0 }
            return b
        }
        free.signal()
        return b
    }

    /// The consumer stops taking: the reader stops at its next feature and drops what it still puts.
    func cancel() {
        state.withLock { $0.cancelled = true }
        free.signal()
    }
}

/// A field of a layer.
public struct FieldInfo: Sendable, Equatable {
    public var name: String
    public var type: FieldType
}

/// A layer borrowed from its dataset (the dataset is kept alive).
public final class VectorLayer {
    let handle: OGRLayerH
    let dataset: VectorDataset

    init(handle: OGRLayerH, dataset: VectorDataset) { self.handle = handle; self.dataset = dataset }

    public var name: String { String(cString: OGR_L_GetName(handle)) }
    public var fields: [FieldInfo] { Self.fieldInfos(handle) }

    static func fieldInfos(_ h: OGRLayerH) -> [FieldInfo] {
        guard let defn = OGR_L_GetLayerDefn(h) else { return [] }
        return (0..<OGR_FD_GetFieldCount(defn)).map { i in
            let fd = OGR_FD_GetFieldDefn(defn, i)
            let t: FieldType
            switch OGR_Fld_GetType(fd) {
            case OFTInteger: t = .integer
            case OFTInteger64: t = .integer64
            case OFTReal: t = .real
            default: t = .string
            }
            return FieldInfo(name: String(cString: OGR_Fld_GetNameRef(fd)), type: t)
        }
    }

    /// Makes OGR read only the geometry and the `keep` fields (`OGR_L_SetIgnoredFields`): the others, and the style
    /// string, are not parsed (they read as null). Use it only when no attribute filter evaluated by OGR itself needs
    /// the other fields.
    public func ignoreFields(except keep: Set<String>) {
        var l = CStringList()
        for f in fields where !keep.contains(f.name) { l.append(f.name) }
        l.append("OGR_STYLE")
        _ = l.with { OGR_L_SetIgnoredFields(handle, UnsafeMutablePointer<UnsafePointer<CChar>?>(OpaquePointer($0))) }
    }

    /// Feature count (may scan the layer).
    public var featureCount: Int { Int(OGR_L_GetFeatureCount(handle, 1)) }

    /// The layer's CRS, if it declares one.
    public var spatialReference: SpatialReference? {
        OGR_L_GetSpatialRef(handle).map { SpatialReference(cloning: $0) }
    }

    /// Layer extent in its own CRS.
    public func extent() throws -> BBox {
        var e = OGREnvelope()
        guard OGR_L_GetExtent(handle, &e, 1) == OGRERR_NONE else { throw GDALEnvironment.lastError("OGR_L_GetExtent") }
        return BBox(minX: e.MinX, minY: e.MinY, maxX: e.MaxX, maxY: e.MaxY)
    }

    /// Sets an OGR SQL attribute filter (`where`); an invalid expression is an error with OGR's message.
    public func setAttributeFilter(_ where_: String?) throws {
        GDALEnvironment.resetError()
        if OGR_L_SetAttributeFilter(handle, where_) != OGRERR_NONE {
            throw GDALEnvironment.lastError("OGR_L_SetAttributeFilter", fallback: "invalid where clause: \(where_ ?? "")")
        }
        // Some drivers (GeoPackage, PostGIS) only parse the filter when reading: fetch one feature to surface errors now.
        OGR_L_ResetReading(handle)
        GDALEnvironment.resetError()
        if let f = OGR_L_GetNextFeature(handle) { OGR_F_Destroy(f) }
        let t = CPLGetLastErrorType()
        OGR_L_ResetReading(handle)
        if t == CE_Failure || t == CE_Fatal {
            let e = GDALEnvironment.lastError("OGR_L_SetAttributeFilter")
            _ = OGR_L_SetAttributeFilter(handle, nil)
            throw e
        }
    }

    /// Reads only the features whose geometry's bounding box meets `box` (`OGR_L_SetSpatialFilterRect`; a GeoPackage
    /// answers it from its R-tree), or all of them (nil). Features come in the driver's order, not always fid order.
    public func setSpatialFilter(_ box: BBox?) {
        if let b = box { OGR_L_SetSpatialFilterRect(handle, b.minX, b.minY, b.maxX, b.maxY) } else { OGR_L_SetSpatialFilter(handle, nil) }
    }

    /// Iterates the features; read errors (truncated/corrupt files) throw.
    public func forEach(_ body: (Feature) throws -> Void) throws {
        let fields = self.fields
        OGR_L_ResetReading(handle)
        while true {
            GDALEnvironment.resetError()
            let next = OGR_L_GetNextFeature(handle)
            let t = CPLGetLastErrorType()
            if t == CE_Failure || t == CE_Fatal {
                if let next { OGR_F_Destroy(next) }
                throw GDALEnvironment.lastError("OGR_L_GetNextFeature")
            }
            guard let f = next else { break }
            defer { OGR_F_Destroy(f) }
            try body(Feature(handle: f, fields: fields))
        }
    }
}

/// A feature borrowed during iteration; copy out what you need.
public struct Feature {
    /// The OGR feature while it is borrowed during iteration; nil for a feature read ahead into a snapshot.
    let handle: OGRFeatureH?
    public let fields: [FieldInfo]
    /// Values copied out on a reader thread (nil: read from `handle`).
    private let copied: FeatureSnapshot?

    init(handle: OGRFeatureH, fields: [FieldInfo]) { self.handle = handle; self.fields = fields; copied = nil }

    init(snapshot: FeatureSnapshot) { handle = nil; fields = snapshot.fields; copied = snapshot }

    /// Every value and the geometry's WKB, as Swift values that may go to another thread (the WKB is decoded by
    /// `geometry()` on the consumer's thread, which leaves the reader thread, the slower side, only GDAL's work).
    func snapshot() -> FeatureSnapshot {
        FeatureSnapshot(fid: fid, fields: fields, values: fields.indices.map { value($0) }, wkb: wkb())
    }

    public var fid: Int64 {
        if let c = copied { return c.fid }
        return Int64(OGR_F_GetFID(handle!))
    }

    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }

    public func value(_ i: Int) -> FieldValue {
        if let c = copied { return i >= 0 && i < c.values.count ? c.values[i] : .null }
        let i32 = Int32(i)
        guard let handle, i >= 0, i < fields.count, OGR_F_IsFieldSetAndNotNull(handle, i32) != 0 else { return .null }
        switch fields[i].type {
        case .integer, .integer64: return .int(Int64(OGR_F_GetFieldAsInteger64(handle, i32)))
        case .real: return .real(OGR_F_GetFieldAsDouble(handle, i32))
        case .string: return .string(String(cString: OGR_F_GetFieldAsString(handle, i32)))
        }
    }

    public func value(_ name: String) -> FieldValue { fieldIndex(name).map { value($0) } ?? .null }

    /// Geometry as ISO WKB bytes (nil when the feature has none).
    public func wkb() -> [UInt8]? {
        if let c = copied {
            if c.wkb == nil, case .success(let g?)? = c.decoded { return WKB.encode(g) }
            return c.wkb
        }
        guard let handle, let g = OGR_F_GetGeometryRef(handle) else { return nil }
        let n = Int(OGR_G_WkbSize(g))
        var err = OGRERR_NONE
        let buf = [UInt8](unsafeUninitializedCapacity: n) { b, count in
            err = OGR_G_ExportToIsoWkb(g, wkbNDR, b.baseAddress)
            count = n
        }
        return err == OGRERR_NONE ? buf : nil
    }

    /// Geometry decoded into CityModel (2D), or nil when absent.
    public func geometry() throws -> Geometry? {
        if let d = copied?.decoded { return try d.get() }
        return try decodeGeometry()
    }

    func decodeGeometry() throws -> Geometry? {
        guard let b = wkb() else { return nil }
        return try WKB.decode(b)
    }
}

/// A feature's values copied out of OGR (what a reader thread hands to the consumer).
struct FeatureSnapshot: Sendable {
    let fid: Int64
    let fields: [FieldInfo]
    let values: [FieldValue]
    /// ISO WKB of the geometry (nil: none).
    let wkb: [UInt8]?
    /// The geometry already decoded (by `VectorLayer.forEachDirect`'s workers), else nil: decoded from `wkb` on access.
    var decoded: Result<Geometry?, WKBError>? = nil
}
