/// A typed raster: a `GridGeometry`, 64-byte aligned row-major cells, and an optional no-data value.
///
/// Value semantics with copy-on-write (copying a `Grid` is O(1) until one copy is written). Cell access by
/// `grid[row, col]` is O(1) and bounds-checked; bulk kernels use the scoped `withUnsafe…` closures or row views.
public struct Grid<Element: GridScalar>: Sendable {
    /// Where the cells are.
    public let geometry: GridGeometry
    /// Cells holding this value carry no data; kernels that honour it say so.
    public var noData: Element?
    @usableFromInline var storage: AlignedStorage<Element>

    /// A grid of `geometry` with every cell set to `value` (zero by default).
    public init(geometry: GridGeometry, repeating value: Element = .zero, noData: Element? = nil) {
        self.geometry = geometry
        self.noData = noData
        self.storage = AlignedStorage(count: geometry.cellCount, repeating: value)
    }

    /// A grid whose cells are left unset (garbage), for kernels that write every cell (skips the zero fill).
    init(uninitializedGeometry geometry: GridGeometry, noData: Element? = nil) {
        self.geometry = geometry
        self.noData = noData
        self.storage = AlignedStorage(uninitializedCount: geometry.cellCount)
    }

    /// A grid of `geometry` with cells from `values` in row-major order (`values.count` must equal the cell count).
    public init(geometry: GridGeometry, values: [Element], noData: Element? = nil) throws {
        guard values.count == geometry.cellCount else { throw GridError.shapeMismatch }
        self.init(geometry: geometry, noData: noData)
        values.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { storage.base.update(from: b, count: src.count) }
        }
    }

    /// Number of rows (cells from top to bottom). O(1).
    @inlinable
    public var rows: Int { geometry.rows }
    /// Number of columns (cells from left to right). O(1).
    @inlinable
    public var cols: Int { geometry.cols }
    /// Number of cells, rows × cols. O(1).
    @inlinable
    public var count: Int { geometry.cellCount }

    /// The cell at (row, col).
    @inlinable
    public subscript(row: Int, col: Int) -> Element {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "cell (\(row), \(col)) outside \(rows)×\(cols)")
            return storage.base[row * cols + col]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "cell (\(row), \(col)) outside \(rows)×\(cols)")
            makeUnique()
            storage.base[row * cols + col] = newValue
        }
    }

    /// True when `v` is this grid's no-data value (NaN no-data matches NaN cells).
    @inlinable public func isNoData(_ v: Element) -> Bool {
        guard let nd = noData else { return false }
        return v == nd || (v != v && nd != nd)
    }

    /// All cells in row-major order (a copy).
    public var values: [Element] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// One row (a copy).
    public func row(_ r: Int) -> [Element] { withRow(r) { Array($0) } }

    /// Calls `body` with a read-only view of all cells, row-major.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// Calls `body` with a mutable view of all cells, row-major (the storage is made unique first).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// Calls `body` with a read-only view of row `r`.
    @inlinable
    public func withRow<R>(_ r: Int, _ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        precondition(r >= 0 && r < rows, "row \(r) outside 0..<\(rows)")
        return try body(UnsafeBufferPointer(start: storage.base + r * cols, count: cols))
    }

    /// Calls `body` with a mutable view of row `r`.
    @inlinable
    public mutating func withMutableRow<R>(_ r: Int, _ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        precondition(r >= 0 && r < rows, "row \(r) outside 0..<\(rows)")
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.base + r * cols, count: cols))
    }

    /// Sets every cell to `value`.
    @inlinable public mutating func fill(_ value: Element) {
        withUnsafeMutableBufferPointer { b in
            if value == .zero, let p = b.baseAddress {
                UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0, count: b.count * MemoryLayout<Element>.stride)
            } else {
                for i in b.indices { b[i] = value }
            }
        }
    }

    /// The cells of `window` as a new grid (geometry cropped accordingly).
    public func cropped(to window: GridWindow) -> Grid<Element> {
        let g = geometry.cropped(to: window)
        var out = Grid(geometry: g, noData: noData)
        let r0 = Swift.max(0, window.rowOffset), c0 = Swift.max(0, window.colOffset)
        out.withUnsafeMutableBufferPointer { dst in
            withUnsafeBufferPointer { src in
                for r in 0..<g.rows {
                    for c in 0..<g.cols { dst[r * g.cols + c] = src[(r0 + r) * cols + c0 + c] }
                }
            }
        }
        return out
    }

    /// A grid of the same geometry with `transform` applied to each cell (scalar; for convenience, not speed).
    public func map<T: GridScalar>(_ transform: (Element) -> T) -> Grid<T> {
        var out = Grid<T>(geometry: geometry)
        out.withUnsafeMutableBufferPointer { dst in
            withUnsafeBufferPointer { src in for i in 0..<src.count { dst[i] = transform(src[i]) } }
        }
        return out
    }

    @inlinable mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }
}

extension Grid: Equatable {
    /// Same geometry, no-data value and cells (bitwise for floating point NaNs is not attempted: NaN ≠ NaN).
    public static func == (a: Grid, b: Grid) -> Bool {
        guard a.geometry == b.geometry, a.noData == b.noData || (a.noData.map { $0 != $0 } ?? false && b.noData.map { $0 != $0 } ?? false) else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } }
    }
}
