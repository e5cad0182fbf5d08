import Foundation
import Synchronization

/// A coordinate operation shared by many threads: one ``ProjTransformer`` (with its own PROJ context) per slot, each slot
/// behind its own mutex, and every call works inside the lock of a free slot — so no PROJ object is ever used by two
/// threads at once, and the compiler checks it (no unchecked Sendable). Slots (one per core) make their transformer on
/// first use. The 3D Tiles export uses it to place buildings in ECEF from its workers.
public final class ProjTransformerPool: Sendable {
    /// Source and target CRS, as PROJ understands them.
    public let source: String, target: String
    private let slots: [Slot]

    private final class Slot: Sendable {
        let transformer: Mutex<ProjTransformer?>
        init(_ t: consuming sending ProjTransformer?) { transformer = Mutex(t) }
    }

    /// Creates the first transformer now, so a CRS PROJ cannot handle fails here with PROJ's message.
    public init(from source: String, to target: String) throws {
        self.source = source; self.target = target
        var s = [Slot(try ProjTransformer(from: source, to: target))]
        for _ in 1 ..< max(1, ProcessInfo.processInfo.activeProcessorCount) { s.append(Slot(nil)) }
        slots = s
    }

    /// Transforms 3D points (x, y, z in the source CRS's axis order for visualisation) with a free slot's transformer;
    /// waits for a slot when every one is busy. O(n).
    public func transform(_ points: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        let (source, target) = (self.source, self.target)
        for slot in slots {
            if let done = try slot.transformer.withLockIfAvailable({ try Self.apply(&$0, source, target, points) }) { return done }
        }
        let i = Int(UInt(bitPattern: Thread.current.hashValue) % UInt(slots.count))
        return try slots[i].transformer.withLock { try Self.apply(&$0, source, target, points) }
    }

    /// Transforms with a slot's transformer, making it on first use.
    private static func apply(_ t: inout ProjTransformer?, _ source: String, _ target: String, _ points: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        if t == nil { t = try ProjTransformer(from: source, to: target) }
        var p = points
        try t!.transform(&p)
        return p
    }
}
