/// The one unsafe type of GridCore: a 64-byte aligned, fixed-size buffer of trivial scalars.
///
/// Reached only through scoped closures (`withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer` on `Grid`), so
/// no pointer escapes. Allocation is O(n) (zero-filled); 64-byte alignment puts every row start of a grid whose row
/// length is a multiple of 64 bytes on a cache line and lets SIMD loads never split one.
@usableFromInline
final class AlignedStorage<Element: GridScalar>: @unchecked Sendable {
    @usableFromInline let count: Int
    @usableFromInline let base: UnsafeMutablePointer<Element>

    /// A zero-filled buffer of `count` elements.
    init(count: Int) {
        self.count = count
        let bytes = Swift.max(64, count * MemoryLayout<Element>.stride)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        base = raw.bindMemory(to: Element.self, capacity: Swift.max(1, count))
    }

    /// A buffer whose contents are unspecified (trivial scalars: any bit pattern is a valid value).
    init(uninitializedCount count: Int) {
        self.count = count
        let bytes = Swift.max(64, count * MemoryLayout<Element>.stride)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        base = raw.bindMemory(to: Element.self, capacity: Swift.max(1, count))
    }

    /// A buffer filled with `value`.
    convenience init(count: Int, repeating value: Element) {
        self.init(count: count)
        if value != .zero { base.update(repeating: value, count: count) }
    }

    /// An independent copy (copy-on-write support for `Grid`).
    @usableFromInline func copy() -> AlignedStorage<Element> {
        let s = AlignedStorage<Element>(count: count)
        s.base.update(from: base, count: count)
        return s
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}
