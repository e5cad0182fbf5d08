import Dispatch
import Synchronization

/// A raw pointer wrapper that may cross into worker closures; callers guarantee disjoint writes.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ p: UnsafeMutablePointer<T>?) { pointer = p }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

/// Runs `body(i)` once for every i in 0..<n, in parallel.
///
/// `threads == nil`: Dispatch runs the iterations on all cores. `threads == k`: exactly k workers, worker w takes
/// i ≡ w (mod k) (used by benchmarks to pin the core count). `body` must only write disjoint memory.
func parallelFor(_ n: Int, threads: Int?, _ body: (Int) -> Void) {
    guard n > 0 else { return }
    let workers = threads.map { max(1, min($0, n)) } ?? n
    if workers == 1 || n == 1 {
        for i in 0 ..< n { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < n { box.value(i); i += workers }
        }
    }
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
