import GridCore
import Synchronization

/// A raw pointer wrapper that may cross into worker closures; callers guarantee disjoint writes.
typealias SendablePointer<T> = UncheckedSendable<UnsafeMutablePointer<T>?>

/// An object stored in the pool's mutex: pooled workspaces are handed to one worker at a time.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

/// A pool of reusable per-worker objects (e.g. search workspaces); `take` returns a pooled object or makes a new one.
final class ReusePool<T: AnyObject>: Sendable {
    private let items = Mutex<[UncheckedBox<T>]>([])
    init() {}
    func take(orMake make: () -> T) -> T {
        if let b = items.withLock({ $0.popLast() }) { return b.value }
        return make()
    }
    func put(_ x: T) { items.withLock { $0.append(UncheckedBox(x)) } }
}
