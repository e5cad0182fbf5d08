/// Weakly connected components of a directed edge list by union–find (path halving, union by size).
///
/// Complexity: O((V + E) α(V)) (Tarjan 1975). Components are numbered in order of their lowest node id.
struct WeakComponents {
    var component: [Int32]
    var size: [Int32]
    var largest: Int32

    init(nodeCount nn: Int, edgeFrom: [Int32], edgeTo: [Int32]) {
        var parent = [Int32](unsafeUninitializedCapacity: nn) { buf, n in
            for i in 0 ..< nn { buf[i] = Int32(i) }
            n = nn
        }
        var rank = [Int32](repeating: 1, count: nn)
        func find(_ x: Int32) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                let gp = parent[Int(parent[Int(x)])]
                parent[Int(x)] = gp
                x = gp
            }
            return x
        }
        for e in 0 ..< edgeFrom.count {
            var a = find(edgeFrom[e]), b = find(edgeTo[e])
            if a == b { continue }
            if rank[Int(a)] < rank[Int(b)] { swap(&a, &b) }
            parent[Int(b)] = a
            rank[Int(a)] += rank[Int(b)]
        }
        var rootId = [Int32](repeating: -1, count: nn)
        var component = [Int32](repeating: 0, count: nn)
        var size: [Int32] = []
        for i in 0 ..< nn {
            let r = Int(find(Int32(i)))
            if rootId[r] < 0 { rootId[r] = Int32(size.count); size.append(0) }
            component[i] = rootId[r]
            size[Int(rootId[r])] += 1
        }
        var best: Int32 = -1
        for c in 0 ..< size.count where best < 0 || size[c] > size[Int(best)] { best = Int32(c) }
        self.component = component
        self.size = size
        self.largest = best
    }
}
