/// Grid geometry: where cells are in the world, apart from storage and values.
///
/// A north-up grid like a GeoTIFF: row 0 is the top (maxY), column 0 the left (minX); cell (r, c) covers
/// x ∈ [minX + c·dx, minX + (c+1)·dx), y ∈ (maxY − (r+1)·dy, maxY − r·dy]. The geotransform is GDAL's six numbers
/// `[minX, dx, 0, maxY, 0, −dy]`. All transforms are O(1). As in exactextract's grid.h, geometry knows nothing of
/// values (see `Grid`) or storage (see `AlignedStorage`).

/// An axis-aligned rectangle in world units.
public struct GridExtent: Sendable, Hashable, CustomStringConvertible {
    /// Bounds in world units (the working CRS, metres): left, bottom, right, top.
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    /// An extent from its four bounds (not checked: min > max gives an empty extent).
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }
    /// Bounding box of points (empty input gives an inverted, empty extent).
    public init(points: some Sequence<SIMD2<Double>>) {
        var e = GridExtent(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
        for p in points { e.minX = Swift.min(e.minX, p.x); e.maxX = Swift.max(e.maxX, p.x); e.minY = Swift.min(e.minY, p.y); e.maxY = Swift.max(e.maxY, p.y) }
        self = e
    }
    /// maxX − minX in world units (negative when inverted).
    public var width: Double { maxX - minX }
    /// maxY − minY in world units (negative when inverted).
    public var height: Double { maxY - minY }
    /// True when the extent has no area (zero or negative width or height, or a NaN bound).
    public var isEmpty: Bool { !(maxX > minX && maxY > minY) }
    /// The overlap of two extents; empty (`isEmpty`) when they do not overlap.
    public func intersection(_ o: GridExtent) -> GridExtent {
        GridExtent(minX: Swift.max(minX, o.minX), minY: Swift.max(minY, o.minY), maxX: Swift.min(maxX, o.maxX), maxY: Swift.min(maxY, o.maxY))
    }
    /// The smallest extent containing both (an empty operand still contributes its bounds).
    public func union(_ o: GridExtent) -> GridExtent {
        GridExtent(minX: Swift.min(minX, o.minX), minY: Swift.min(minY, o.minY), maxX: Swift.max(maxX, o.maxX), maxY: Swift.max(maxY, o.maxY))
    }
    /// The bounds as `[minX, minY, maxX, maxY]`.
    public var description: String { "[\(minX), \(minY), \(maxX), \(maxY)]" }
}

/// A rectangular block of cells of a grid: rows `rowOffset ..< rowOffset+rows`, columns `colOffset ..< colOffset+cols`.
public struct GridWindow: Sendable, Hashable {
    /// First row, first column (in the parent grid) and the shape of the block, in cells.
    public var rowOffset: Int, colOffset: Int, rows: Int, cols: Int
    /// A window from its offsets and shape (not checked against any grid).
    public init(rowOffset: Int, colOffset: Int, rows: Int, cols: Int) {
        self.rowOffset = rowOffset; self.colOffset = colOffset; self.rows = rows; self.cols = cols
    }
    /// True when the window has no rows or no columns.
    public var isEmpty: Bool { rows <= 0 || cols <= 0 }
    /// Cells in the window, rows × cols (0 when empty).
    public var cellCount: Int { isEmpty ? 0 : rows * cols }
}

/// Errors raised when a grid definition is not usable.
public enum GridError: Error, Equatable, CustomStringConvertible {
    case invalidCellSize(Double, Double)
    case invalidShape(rows: Int, cols: Int)
    case rotatedGeoTransform
    case shapeMismatch
    case misaligned
    /// The extent has a non-finite bound (NaN or ±∞).
    case invalidExtent(GridExtent)
    /// rows × cols (as computed, possibly beyond `Int`) does not fit in memory addressing.
    case tooManyCells(rows: Double, cols: Double)
    /// A one-line message naming the bad value.
    public var description: String {
        switch self {
        case .invalidCellSize(let a, let b): return "cell size must be finite and > 0 (got \(a) × \(b))"
        case .invalidShape(let r, let c): return "grid shape must be ≥ 0 × ≥ 0 (got \(r) × \(c))"
        case .rotatedGeoTransform: return "rotated geotransforms are not supported (terms 2 and 4 must be 0, term 5 negative)"
        case .shapeMismatch: return "grids differ in shape or geometry"
        case .misaligned: return "grids are not aligned on the same cell lattice"
        case .invalidExtent(let e): return "extent bounds must be finite (got \(e))"
        case .tooManyCells(let r, let c): return "a grid of \(GridError.count(r)) rows × \(GridError.count(c)) columns is too large to address"
        }
    }
}

extension GridError {
    /// A cell count as people read it (1.2e+18 for huge ones).
    static func count(_ x: Double) -> String { x.isFinite && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }
}

/// Where the cells of a north-up grid are: origin (minX, maxY), cell size dx × dy, rows × cols.
public struct GridGeometry: Sendable, Hashable, CustomStringConvertible {
    /// Left edge (x of column 0's left side) in world units.
    public let minX: Double
    /// Top edge (y of row 0's top side) in world units.
    public let maxY: Double
    /// Cell width in world units (> 0).
    public let dx: Double
    /// Cell height in world units (> 0; rows go down, so the geotransform holds −dy).
    public let dy: Double
    /// Number of rows (≥ 0).
    public let rows: Int
    /// Number of columns (≥ 0).
    public let cols: Int

    /// Grid from its top-left corner, cell size and shape.
    public init(minX: Double, maxY: Double, dx: Double, dy: Double, rows: Int, cols: Int) throws {
        guard dx.isFinite, dy.isFinite, dx > 0, dy > 0 else { throw GridError.invalidCellSize(dx, dy) }
        guard rows >= 0, cols >= 0 else { throw GridError.invalidShape(rows: rows, cols: cols) }
        guard minX.isFinite, maxY.isFinite else { throw GridError.invalidExtent(GridExtent(minX: minX, minY: maxY, maxX: minX, maxY: maxY)) }
        let (_, overflow) = rows.multipliedReportingOverflow(by: cols)
        // The byte count of a Float64 grid must fit as well (storage allocates cells × stride).
        guard !overflow, rows * cols <= Int.max / 8 else { throw GridError.tooManyCells(rows: Double(rows), cols: Double(cols)) }
        self.minX = minX; self.maxY = maxY; self.dx = dx; self.dy = dy; self.rows = rows; self.cols = cols
    }

    /// Grid covering `extent` with square cells, snapped outward to multiples of `cellSize` (as `gdal_rasterize -tap`).
    public init(covering extent: GridExtent, cellSize: Double) throws {
        try self.init(covering: extent, dx: cellSize, dy: cellSize, snap: true)
    }

    /// Grid covering `extent` with cells dx × dy. With `snap` the bounds move outward to multiples of the cell size
    /// (target-aligned pixels); without it the origin is (extent.minX, extent.maxY) and the shape is rounded up.
    public init(covering extent: GridExtent, dx: Double, dy: Double, snap: Bool) throws {
        guard dx.isFinite, dy.isFinite, dx > 0, dy > 0 else { throw GridError.invalidCellSize(dx, dy) }
        var e = extent
        if snap { e = GridGeometry.aligned(extent, dx: dx, dy: dy) }
        let c = try GridGeometry.cellCount(((e.maxX - e.minX) / dx - 1e-9).rounded(.up), ((e.maxY - e.minY) / dy - 1e-9).rounded(.up), e)
        try self.init(minX: e.minX, maxY: e.maxY, dx: dx, dy: dy, rows: c.rows, cols: c.cols)
    }

    /// Grid as gdal_rasterize builds it from `-te minX minY maxX maxY -tr dx dy` (without `-tap`): origin
    /// (minX, maxY), `cols = Int((maxX − minX)/dx + 0.5)`, `rows = Int((maxY − minY)/dy + 0.5)`.
    public init(gdalExtent e: GridExtent, dx: Double, dy: Double) throws {
        guard dx.isFinite, dy.isFinite, dx > 0, dy > 0 else { throw GridError.invalidCellSize(dx, dy) }
        let c = try GridGeometry.cellCount(((e.maxX - e.minX) / dx + 0.5).rounded(.down), ((e.maxY - e.minY) / dy + 0.5).rounded(.down), e)
        try self.init(minX: e.minX, maxY: e.maxY, dx: dx, dy: dy, rows: c.rows, cols: c.cols)
    }

    /// Column and row counts computed in Double, checked before conversion to `Int` (which traps beyond its range).
    static func cellCount(_ cols: Double, _ rows: Double, _ e: GridExtent) throws -> (rows: Int, cols: Int) {
        guard e.minX.isFinite, e.minY.isFinite, e.maxX.isFinite, e.maxY.isFinite else { throw GridError.invalidExtent(e) }
        let c = Swift.max(0, cols), r = Swift.max(0, rows)
        // Both below 2^31 (GDAL's limit per axis, and far below Int's) and the product checked again in init.
        guard c.isFinite, r.isFinite, c < 2_147_483_648, r < 2_147_483_648 else { throw GridError.tooManyCells(rows: r, cols: c) }
        return (Int(r), Int(c))
    }

    /// Grid from GDAL's geotransform `[minX, dx, 0, maxY, 0, −dy]`.
    public init(geoTransform gt: [Double], rows: Int, cols: Int) throws {
        guard gt.count == 6, gt[2] == 0, gt[4] == 0, gt[5] < 0 else { throw GridError.rotatedGeoTransform }
        guard gt[0].isFinite, gt[3].isFinite else { throw GridError.invalidExtent(GridExtent(minX: gt[0], minY: gt[3], maxX: gt[0], maxY: gt[3])) }
        try self.init(minX: gt[0], maxY: gt[3], dx: gt[1], dy: -gt[5], rows: rows, cols: cols)
    }

    /// `extent` grown outward so every bound is a multiple of the cell size.
    public static func aligned(_ extent: GridExtent, dx: Double, dy: Double) -> GridExtent {
        GridExtent(minX: (extent.minX / dx).rounded(.down) * dx, minY: (extent.minY / dy).rounded(.down) * dy,
                   maxX: (extent.maxX / dx).rounded(.up) * dx, maxY: (extent.maxY / dy).rounded(.up) * dy)
    }

    /// GDAL's six-number geotransform: `[minX, dx, 0, maxY, 0, −dy]`.
    public var geoTransform: [Double] { [minX, dx, 0, maxY, 0, -dy] }
    /// Right edge: minX + cols · dx.
    public var maxX: Double { minX + Double(cols) * dx }
    /// Bottom edge: maxY − rows · dy.
    public var minY: Double { maxY - Double(rows) * dy }
    /// The grid's bounds in world units.
    public var extent: GridExtent { GridExtent(minX: minX, minY: minY, maxX: maxX, maxY: maxY) }
    /// Number of cells, rows × cols.
    public var cellCount: Int { rows * cols }
    /// Area of one cell in square world units (m² in the working CRS).
    public var cellArea: Double { dx * dy }

    /// World coordinates of the centre of cell (row, col).
    @inlinable public func cellCentre(row: Int, col: Int) -> SIMD2<Double> {
        SIMD2(minX + (Double(col) + 0.5) * dx, maxY - (Double(row) + 0.5) * dy)
    }
    /// World rectangle of cell (row, col).
    public func cellExtent(row: Int, col: Int) -> GridExtent {
        GridExtent(minX: minX + Double(col) * dx, minY: maxY - Double(row + 1) * dy,
                   maxX: minX + Double(col + 1) * dx, maxY: maxY - Double(row) * dy)
    }
    /// Fractional column/row of a world point (x → column, y → row; 0 at the top-left corner).
    @inlinable public func pixel(_ p: SIMD2<Double>) -> SIMD2<Double> {
        SIMD2((p.x - minX) / dx, (maxY - p.y) / dy)
    }
    /// The cell containing a world point (half-open on the right and bottom), or nil outside the grid.
    public func cell(containing p: SIMD2<Double>) -> (row: Int, col: Int)? {
        let q = pixel(p)
        guard q.x >= 0, q.y >= 0, q.x < Double(cols), q.y < Double(rows) else { return nil }
        let c = Int(q.x.rounded(.down)), r = Int(q.y.rounded(.down))
        guard r < rows, c < cols else { return nil }
        return (r, c)
    }
    /// Linear index of (row, col) in row-major storage.
    @inlinable public func index(row: Int, col: Int) -> Int { row * cols + col }

    /// Cells of this grid whose area intersects `extent` (clamped to the grid).
    public func window(covering extent: GridExtent) -> GridWindow {
        // Clamped in Double first: a far-away or non-finite extent must not trap in the Int conversion.
        func clamp(_ x: Double, _ hi: Int) -> Int { x.isNaN ? 0 : Int(Swift.min(Double(hi), Swift.max(0, x))) }
        let c0 = clamp(((extent.minX - minX) / dx).rounded(.down), cols)
        let c1 = clamp(((extent.maxX - minX) / dx).rounded(.up), cols)
        let r0 = clamp(((maxY - extent.maxY) / dy).rounded(.down), rows)
        let r1 = clamp(((maxY - extent.minY) / dy).rounded(.up), rows)
        return GridWindow(rowOffset: r0, colOffset: c0, rows: Swift.max(0, r1 - r0), cols: Swift.max(0, c1 - c0))
    }

    /// True when `other` has the same cell size and its origin lies on this grid's lattice (within 1e-9 cell).
    public func isAligned(with other: GridGeometry) -> Bool {
        guard abs(dx - other.dx) <= 1e-12 * dx, abs(dy - other.dy) <= 1e-12 * dy else { return false }
        let ox = (other.minX - minX) / dx, oy = (maxY - other.maxY) / dy
        return abs(ox - ox.rounded()) < 1e-9 && abs(oy - oy.rounded()) < 1e-9
    }

    /// The window of this grid occupied by `other`, an aligned grid (e.g. a crop of this one), clamped to this grid.
    /// Throws `misaligned` if the two lattices differ.
    public func window(of other: GridGeometry) throws -> GridWindow {
        guard isAligned(with: other) else { throw GridError.misaligned }
        let fc = ((other.minX - minX) / dx).rounded(), fr = ((maxY - other.maxY) / dy).rounded()
        guard abs(fc) < 2_147_483_648, abs(fr) < 2_147_483_648 else { return GridWindow(rowOffset: 0, colOffset: 0, rows: 0, cols: 0) }
        let c0 = Int(fc), r0 = Int(fr)
        let a0 = Swift.max(0, c0), b0 = Swift.max(0, r0)
        let a1 = Swift.min(cols, c0 + other.cols), b1 = Swift.min(rows, r0 + other.rows)
        return GridWindow(rowOffset: b0, colOffset: a0, rows: Swift.max(0, b1 - b0), cols: Swift.max(0, a1 - a0))
    }

    /// The sub-grid of this grid made of the cells in `window` (clamped to the grid).
    public func cropped(to window: GridWindow) -> GridGeometry {
        let r0 = Swift.max(0, Swift.min(rows, window.rowOffset)), c0 = Swift.max(0, Swift.min(cols, window.colOffset))
        let r1 = Swift.max(r0, Swift.min(rows, window.rowOffset + window.rows))
        let c1 = Swift.max(c0, Swift.min(cols, window.colOffset + window.cols))
        // Force-try is safe: the cell size is already validated and the shape is non-negative.
        return try! GridGeometry(minX: minX + Double(c0) * dx, maxY: maxY - Double(r0) * dy, dx: dx, dy: dy,
                                 rows: r1 - r0, cols: c1 - c0)
    }

    /// The sub-grid of this grid whose cells intersect `extent`.
    public func cropped(to extent: GridExtent) -> GridGeometry { cropped(to: window(covering: extent)) }

    /// Shape, origin and cell size, for messages and debugging.
    public var description: String { "GridGeometry(\(rows)×\(cols), origin (\(minX), \(maxY)), cell \(dx)×\(dy))" }
}
