/// The walk graph: nodes at shared vertices and line ends, edges with their geometry, compressed (CSR) adjacency.
///
/// Built by ``WalkGraph/init(lines:options:)``:
/// - a vertex becomes a node when it is the first or last vertex of a walkable line, or when its quantised coordinate
///   (default 1 mm) occurs two or more times among all walkable vertices (shared by two lines, or a line touching itself);
/// - each line is split into edges between consecutive nodes; an edge keeps the intermediate vertices as its geometry
///   (so snapping and isochrone pieces follow the real street shape), points in line order (`edgeFrom` → `edgeTo`);
/// - edge length is the Euclidean polyline length in metres; edge cost = length × the line's `costFactor`;
/// - nodes are numbered along a Hilbert curve (``WalkGraphOptions/spatialNodeOrder``) for memory locality;
/// - adjacency is stored as "incoming" CSR arrays (for node `u`, every node `w` from which one may walk to `u` over one
///   edge), which is what a search *towards* facilities needs; built with a counting sort, O(V + E).
///
/// Complexity: O(P) for P input vertices (one LSD radix sort of quantised keys; a comparison sort would be O(P log P)), then O(P + E) for splitting, CSR and
/// components (union–find, Tarjan 1975). Memory ≈ 16 B per geometry point + ~70 B per edge + ~40 B per node.
public struct WalkGraph: Sendable {
    /// Node coordinates (metres), index = node id.
    public let nodes: [SIMD2<Double>]
    /// Edge start node (first geometry point).
    public let edgeFrom: [Int32]
    /// Edge end node (last geometry point).
    public let edgeTo: [Int32]
    /// Edge length in metres (polyline length of its geometry).
    public let edgeLength: [Double]
    /// Cost multiplier of the edge (the line's `costFactor`).
    public let edgeCostFactor: [Double]
    /// True when walking is allowed only from `edgeFrom` to `edgeTo`.
    public let edgeOneWay: [Bool]
    /// `WalkLine.id` of the line the edge comes from.
    public let edgeLineId: [Int64]
    /// Geometry of edge `e` is `geometry[geometryStart[e] ..< geometryStart[e + 1]]` (both end nodes included).
    public let geometryStart: [Int32]
    /// All edge geometry points, edge after edge.
    public let geometry: [SIMD2<Double>]
    /// For each geometry point, metres along its edge from the edge start.
    public let geometryOffset: [Double]

    /// Incoming CSR: arcs into node `u` are `inArcs[inStart[u] ..< inStart[u + 1]]`.
    public let inStart: [Int32]
    /// Incoming arcs: `node` may walk to the owning node at `cost`.
    public let inArcs: [WalkArc]

    /// Weakly connected component of each node.
    public let nodeComponent: [Int32]
    /// Number of nodes in each component.
    public let componentSize: [Int32]
    /// Id of the component with the most nodes (lowest id on ties); -1 for an empty graph.
    public let largestComponent: Int32

    /// Number of nodes.
    @inlinable public var nodeCount: Int { nodes.count }
    /// Number of edges.
    @inlinable public var edgeCount: Int { edgeFrom.count }

    /// Walking cost of the whole edge (length × cost factor).
    @inlinable public func edgeCost(_ e: Int) -> Double { edgeLength[e] * edgeCostFactor[e] }

    /// Component of edge `e` (that of its start node).
    @inlinable public func edgeComponent(_ e: Int) -> Int32 { nodeComponent[Int(edgeFrom[e])] }

    /// The geometry points of edge `e`.
    @inlinable public func edgeGeometry(_ e: Int) -> ArraySlice<SIMD2<Double>> {
        geometry[Int(geometryStart[e]) ..< Int(geometryStart[e + 1])]
    }

    /// The point `offset` metres along edge `e` from its start (clamped to the edge). Complexity: O(points of the
    /// edge).
    public func point(onEdge e: Int, offset: Double) -> SIMD2<Double> {
        let lo = Int(geometryStart[e]), hi = Int(geometryStart[e + 1]) - 1
        if offset <= 0 { return geometry[lo] }
        if offset >= edgeLength[e] { return geometry[hi] }
        var i = lo
        while i < hi - 1 && geometryOffset[i + 1] < offset { i += 1 }
        let segLen = geometryOffset[i + 1] - geometryOffset[i]
        let t = segLen > 0 ? (offset - geometryOffset[i]) / segLen : 0
        return geometry[i] + (geometry[i + 1] - geometry[i]) * t
    }

    /// The sub-polyline of edge `e` between offsets `a ≤ b` (metres from the edge start, clamped), in edge direction.
    /// Complexity: O(points of the edge).
    public func subPolyline(edge e: Int, from a: Double, to b: Double) -> [SIMD2<Double>] {
        let len = edgeLength[e]
        let a = max(0, min(a, len)), b = max(a, min(b, len))
        let lo = Int(geometryStart[e]), hi = Int(geometryStart[e + 1]) - 1
        var out: [SIMD2<Double>] = [point(onEdge: e, offset: a)]
        var i = lo + 1
        while i < hi {
            let o = geometryOffset[i]
            if o > a && o < b { out.append(geometry[i]) }
            if o >= b { break }
            i += 1
        }
        out.append(point(onEdge: e, offset: b))
        return out
    }

    /// Builds the graph from lines (see the type's documentation for the rules). Non-walkable lines and lines with
    /// fewer than two distinct (quantised) vertices are skipped. Throws ``WalkGraphError``. Complexity: O(P + E), see
    /// above.
    public init(lines: [WalkLine], options: WalkGraphOptions = WalkGraphOptions()) throws {
        let q = options.quantum
        precondition(q > 0 && q.isFinite, "quantum must be positive")
        // Pass 1: validate, extent of quantised coordinates.
        var minQX = Double.infinity, minQY = Double.infinity, maxQX = -Double.infinity, maxQY = -Double.infinity
        var totalPoints = 0
        for line in lines where line.walkable {
            guard line.costFactor.isFinite && line.costFactor > 0 else { throw WalkGraphError.invalidCostFactor(lineId: line.id) }
            for p in line.points {
                guard p.x.isFinite && p.y.isFinite else { throw WalkGraphError.nonFiniteCoordinate(lineId: line.id) }
                let qx = (p.x / q).rounded(), qy = (p.y / q).rounded()
                minQX = min(minQX, qx); maxQX = max(maxQX, qx)
                minQY = min(minQY, qy); maxQY = max(maxQY, qy)
            }
            totalPoints += line.points.count
        }
        if totalPoints > 0 && (maxQX - minQX >= 4_294_967_295 || maxQY - minQY >= 4_294_967_295) {
            throw WalkGraphError.extentTooLarge
        }
        guard totalPoints < Int(Int32.max) else { throw WalkGraphError.tooLarge }

        // Pass 2: flat vertex arrays per kept line, consecutive duplicates (same key) removed.
        var vKey: [UInt64] = []; vKey.reserveCapacity(totalPoints)
        var vPoint: [SIMD2<Double>] = []; vPoint.reserveCapacity(totalPoints)
        var keptLine: [Int32] = []          // index into `lines`
        var keptStart: [Int32] = [0]
        for (li, line) in lines.enumerated() where line.walkable {
            let start = vKey.count
            for p in line.points {
                let kx = UInt64((p.x / q).rounded() - minQX), ky = UInt64((p.y / q).rounded() - minQY)
                let key = (kx << 32) | ky
                if vKey.count > start && vKey[vKey.count - 1] == key { continue }
                vKey.append(key); vPoint.append(p)
            }
            if vKey.count - start >= 2 {
                keptLine.append(Int32(li)); keptStart.append(Int32(vKey.count))
            } else {
                vKey.removeSubrange(start...); vPoint.removeSubrange(start...)
            }
        }
        let nv = vKey.count

        // Group equal keys by sorting (key, vertex index).
        var order = [KeyedItem](); order.reserveCapacity(nv)
        for i in 0 ..< nv { order.append(KeyedItem(key: vKey[i], payload: Int32(i))) }
        radixSortByKey(&order)   // stable: equal keys stay in vertex order
        var vGroup = [Int32](repeating: 0, count: nv)
        var groupCount: [Int32] = []
        var g: Int32 = -1
        var prevKey: UInt64 = 0
        for (n, item) in order.enumerated() {
            if n == 0 || item.key != prevKey { g += 1; groupCount.append(0); prevKey = item.key }
            vGroup[Int(item.payload)] = g
            groupCount[Int(g)] += 1
        }
        order = []

        // Nodes in order of first appearance; edges between consecutive nodes of each line.
        var groupNode = [Int32](repeating: -1, count: groupCount.count)
        var nodes: [SIMD2<Double>] = []
        var eFrom: [Int32] = [], eTo: [Int32] = [], eLen: [Double] = [], eFactor: [Double] = []
        var eOneWay: [Bool] = [], eLineId: [Int64] = []
        var gStart: [Int32] = [0], geom: [SIMD2<Double>] = [], gOff: [Double] = []
        geom.reserveCapacity(nv); gOff.reserveCapacity(nv)
        func nodeOf(_ v: Int) -> Int32 {
            let gr = Int(vGroup[v])
            if groupNode[gr] < 0 { groupNode[gr] = Int32(nodes.count); nodes.append(vPoint[v]) }
            return groupNode[gr]
        }
        for k in 0 ..< keptLine.count {
            let line = lines[Int(keptLine[k])]
            let s = Int(keptStart[k]), t = Int(keptStart[k + 1])
            var startNode = nodeOf(s)
            var acc = 0.0
            geom.append(nodes[Int(startNode)]); gOff.append(0)
            for v in s + 1 ..< t {
                let isNode = v == t - 1 || groupCount[Int(vGroup[v])] >= 2
                let p = isNode ? nodes[Int(nodeOf(v))] : vPoint[v]
                let d = p - geom[geom.count - 1]
                acc += (d * d).sum().squareRoot()
                geom.append(p); gOff.append(acc)
                if isNode {
                    let endNode = groupNode[Int(vGroup[v])]
                    eFrom.append(startNode); eTo.append(endNode); eLen.append(acc)
                    eFactor.append(line.costFactor); eOneWay.append(line.oneWay); eLineId.append(line.id)
                    gStart.append(Int32(geom.count))
                    startNode = endNode
                    if v < t - 1 { acc = 0; geom.append(p); gOff.append(0) }
                }
            }
        }
        guard geom.count < Int(Int32.max) else { throw WalkGraphError.tooLarge }
        if options.spatialNodeOrder && nodes.count > 1 {
            let newId = hilbertPermutation(nodes)
            var permuted = nodes
            for (old, p) in nodes.enumerated() { permuted[Int(newId[old])] = p }
            nodes = permuted
            for e in 0 ..< eFrom.count { eFrom[e] = newId[Int(eFrom[e])]; eTo[e] = newId[Int(eTo[e])] }
        }
        self.nodes = nodes
        self.edgeFrom = eFrom; self.edgeTo = eTo; self.edgeLength = eLen; self.edgeCostFactor = eFactor
        self.edgeOneWay = eOneWay; self.edgeLineId = eLineId
        self.geometryStart = gStart; self.geometry = geom; self.geometryOffset = gOff

        // Incoming CSR by counting sort on the owning node.
        let nn = nodes.count, ne = eFrom.count
        var start = [Int32](repeating: 0, count: nn + 1)
        for e in 0 ..< ne where eFrom[e] != eTo[e] {
            start[Int(eTo[e]) + 1] += 1
            if !eOneWay[e] { start[Int(eFrom[e]) + 1] += 1 }
        }
        for i in 0 ..< nn { start[i + 1] += start[i] }
        var fill = start
        var arcs = [WalkArc](repeating: WalkArc(cost: 0, node: 0), count: Int(start[nn]))
        for e in 0 ..< ne where eFrom[e] != eTo[e] {
            let c = eLen[e] * eFactor[e]
            let a = Int(eFrom[e]), b = Int(eTo[e])
            arcs[Int(fill[b])] = WalkArc(cost: c, node: Int32(a)); fill[b] += 1
            if !eOneWay[e] { arcs[Int(fill[a])] = WalkArc(cost: c, node: Int32(b)); fill[a] += 1 }
        }
        self.inStart = start
        self.inArcs = arcs

        // Weakly connected components.
        let comp = WeakComponents(nodeCount: nn, edgeFrom: eFrom, edgeTo: eTo)
        self.nodeComponent = comp.component
        self.componentSize = comp.size
        self.largestComponent = comp.largest
    }
}

/// One incoming arc of the CSR adjacency: walking from `node` to the owning node costs `cost`.
public struct WalkArc: Sendable, Equatable {
    /// Walking cost of the arc: edge metres × the line's cost factor.
    public var cost: Double
    /// Node the arc comes from (the walker starts here and arrives at the owning node).
    public var node: Int32
    /// An arc from `node` costing `cost`.
    public init(cost: Double, node: Int32) { self.cost = cost; self.node = node }
}
