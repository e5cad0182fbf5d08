/// Row-parallel execution over the machine's cores for kernels that are compute-bound (distance transform rows).
///
/// Wraps libdispatch's `concurrentPerform` (part of the Swift toolchain; no C import): `chunks` pieces of a range run
/// on the shared pool and the call returns when all are done. Memory-bound kernels stay single-threaded (one core
/// already saturates this machine's bandwidth, see swift-gdal-notes.md).
import Dispatch

/// A value handed to concurrent workers that the caller guarantees they use on disjoint parts (e.g. rows).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

enum Parallel {
    /// Splits `0..<count` into about `chunks` contiguous ranges and runs `body` on each, concurrently.
    static func forEachChunk(count: Int, chunks: Int = 32, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = Swift.max(1, Swift.min(chunks, count))
        if n == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let lo = count * i / n, hi = count * (i + 1) / n
            if hi > lo { body(lo..<hi) }
        }
    }
}
