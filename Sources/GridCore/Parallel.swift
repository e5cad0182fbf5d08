/// Parallel loops over the machine's cores, shared by the package's compute kernels (GridCore's distance-transform rows,
/// WalkNetwork's per-category searches and snapping chunks): the one place that wraps libdispatch's `concurrentPerform`
/// (part of the Swift toolchain; no C import). Work closures are `@Sendable`; data they write in parallel is handed over
/// in an ``UncheckedSendable`` whose users guarantee disjoint writes.
import Dispatch

/// A value handed to concurrent workers that the caller guarantees they use on disjoint parts (e.g. rows).
package struct UncheckedSendable<T>: @unchecked Sendable {
    package let value: T
    package init(_ value: T) { self.value = value }
}

package enum Parallel {
    /// Splits `0..<count` into about `chunks` contiguous ranges and runs `body` on each, concurrently.
    package static func forEachChunk(count: Int, chunks: Int = 32, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = Swift.max(1, Swift.min(chunks, count))
        if n == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let lo = count * i / n, hi = count * (i + 1) / n
            if hi > lo { body(lo..<hi) }
        }
    }

    /// Runs `body(i)` once for every i in 0..<n, in parallel.
    ///
    /// `threads == nil`: Dispatch runs the iterations on all cores. `threads == k`: exactly k workers, worker w takes
    /// i ≡ w (mod k) (benchmarks use it to pin the core count).
    package static func forEach(_ n: Int, threads: Int? = nil, _ body: @Sendable (Int) -> Void) {
        guard n > 0 else { return }
        guard let threads else {
            if n == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: n, execute: body) }
            return
        }
        let workers = Swift.max(1, Swift.min(threads, n))
        if workers == 1 { for i in 0 ..< n { body(i) }; return }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < n { body(i); i += workers }
        }
    }
}
