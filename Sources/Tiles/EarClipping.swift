import CityModel

/// Triangulates a polygon with holes by ear clipping, holes first bridged into the outer ring.
///
/// Method: D. Eberly, "Triangulation by Ear Clipping" (Geometric Tools, 2002) — holes are joined to the outer boundary
/// by a bridge from each hole's leftmost vertex to a mutually visible outer vertex found by a leftward ray, then ears
/// are clipped from the resulting weakly simple polygon. Robustness passes in the style of the earcut family of
/// triangulators: a pass that drops duplicate and collinear vertices, one that cures small local self-intersections,
/// and a final one that splits the polygon along a valid diagonal and recurses. Triangles with zero area are never
/// emitted, and every emitted triangle is counter-clockwise (positive area) — so output is never flipped.
///
/// Complexity: O(n²) worst case for n vertices (O(n·h) extra for h holes); footprints are small.
/// Input convention: the exterior ring counter-clockwise, holes clockwise (`Polygon.normalized()`), rings open.
/// The triangulator keeps its node arrays between calls: reuse one value per thread to avoid allocations.
public struct EarClipper {
    // Node storage (a doubly linked ring over array slots).
    private var xs: [Double] = []
    private var ys: [Double] = []
    private var vi: [Int32] = []      // index of the input vertex
    private var prv: [Int] = []
    private var nxt: [Int] = []
    private var steiner: [Bool] = []
    private var out: [UInt32] = []

    public init() {}

    /// Triangulates `points` (all rings concatenated; ring k spans `ringStarts[k] ..< ringStarts[k+1]` or the end).
    /// - Returns: vertex indices into `points`, three per triangle, each triangle counter-clockwise.
    public mutating func triangulate(points: [Vec2], ringStarts: [Int]) -> [UInt32] {
        xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true); vi.removeAll(keepingCapacity: true)
        prv.removeAll(keepingCapacity: true); nxt.removeAll(keepingCapacity: true); steiner.removeAll(keepingCapacity: true)
        out.removeAll(keepingCapacity: true)
        guard let first = ringStarts.first, points.count >= 3 else { return [] }
        let outerEnd = ringStarts.count > 1 ? ringStarts[1] : points.count
        var outer = linkedList(points, first, outerEnd, ccw: true)
        guard outer >= 0, nxt[outer] != prv[outer] else { return [] }
        if ringStarts.count > 1 {
            outer = eliminateHoles(points, ringStarts, outer)
        }
        if outer >= 0 { clip(outer, pass: 0) }
        return out
    }

    // MARK: linked list

    @inline(__always) private func area(_ p: Int, _ q: Int, _ r: Int) -> Double {
        // Negative for a counter-clockwise (convex, in a CCW ring) turn p → q → r.
        (ys[q] - ys[p]) * (xs[r] - xs[q]) - (xs[q] - xs[p]) * (ys[r] - ys[q])
    }
    @inline(__always) private func equals(_ p: Int, _ q: Int) -> Bool { xs[p] == xs[q] && ys[p] == ys[q] }

    private mutating func insert(_ i: Int, _ p: Vec2, after last: Int) -> Int {
        let n = xs.count
        xs.append(p.x); ys.append(p.y); vi.append(Int32(i)); steiner.append(false)
        if last < 0 { prv.append(n); nxt.append(n) } else {
            let ln = nxt[last]
            prv.append(last); nxt.append(ln)
            prv[ln] = n; nxt[last] = n
        }
        return n
    }
    private mutating func remove(_ p: Int) {
        nxt[prv[p]] = nxt[p]; prv[nxt[p]] = prv[p]
    }

    /// Links a ring in the requested orientation; returns the last node or -1.
    private mutating func linkedList(_ pts: [Vec2], _ start: Int, _ end: Int, ccw: Bool) -> Int {
        guard end > start else { return -1 }
        var s = 0.0
        var j = end - 1
        for i in start..<end { s += (pts[j].x - pts[i].x) * (pts[i].y + pts[j].y); j = i }
        var last = -1
        if ccw == (s > 0) {
            for i in start..<end { last = insert(i, pts[i], after: last) }
        } else {
            for i in stride(from: end - 1, through: start, by: -1) { last = insert(i, pts[i], after: last) }
        }
        if last >= 0 && equals(last, nxt[last]) && nxt[last] != last {
            let n = nxt[last]; remove(last); last = n
        }
        return last
    }

    /// Removes duplicate and collinear vertices between start and end; returns a remaining node (or -1).
    private mutating func filterPoints(_ start: Int, _ endIn: Int = -1) -> Int {
        if start < 0 { return start }
        var end = endIn < 0 ? start : endIn
        var p = start
        var again: Bool
        repeat {
            again = false
            if !steiner[p] && (equals(p, nxt[p]) || area(prv[p], p, nxt[p]) == 0) {
                remove(p)
                p = prv[p]; end = p
                if p == nxt[p] { break }
                again = true
            } else {
                p = nxt[p]
            }
        } while again || p != end
        return end
    }

    @inline(__always) private mutating func emit(_ a: Int, _ b: Int, _ c: Int) {
        // Only proper counter-clockwise triangles (area < 0 in this sign convention).
        guard vi[a] != vi[b], vi[b] != vi[c], vi[a] != vi[c], area(a, b, c) < 0 else { return }
        out.append(UInt32(vi[a])); out.append(UInt32(vi[b])); out.append(UInt32(vi[c]))
    }

    // MARK: ear clipping

    private mutating func clip(_ start: Int, pass: Int) {
        var ear = start
        var stop = ear
        while prv[ear] != nxt[ear] {
            let p = prv[ear], n = nxt[ear]
            if isEar(ear) {
                emit(p, ear, n)
                remove(ear)
                ear = nxt[n]; stop = nxt[n]
                continue
            }
            ear = n
            if ear == stop {
                if pass == 0 {
                    clip(filterPoints(ear), pass: 1)
                } else if pass == 1 {
                    let e = cureLocalIntersections(filterPoints(ear))
                    if e >= 0 { clip(e, pass: 2) }
                } else {
                    splitClip(ear)
                }
                break
            }
        }
    }

    private func isEar(_ ear: Int) -> Bool {
        let a = prv[ear], b = ear, c = nxt[ear]
        if area(a, b, c) >= 0 { return false }   // reflex or degenerate
        let ax = xs[a], ay = ys[a], bx = xs[b], by = ys[b], cx = xs[c], cy = ys[c]
        let x0 = min(ax, bx, cx), y0 = min(ay, by, cy), x1 = max(ax, bx, cx), y1 = max(ay, by, cy)
        var p = nxt[c]
        while p != a {
            let px = xs[p], py = ys[p]
            if px >= x0 && px <= x1 && py >= y0 && py <= y1
                && !(px == ax && py == ay)
                && pointInTriangle(ax, ay, bx, by, cx, cy, px, py)
                && area(prv[p], p, nxt[p]) >= 0 { return false }
            p = nxt[p]
        }
        return true
    }

    @inline(__always) private func pointInTriangle(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double,
                                                   _ cx: Double, _ cy: Double, _ px: Double, _ py: Double) -> Bool {
        (cx - px) * (ay - py) >= (ax - px) * (cy - py) &&
        (ax - px) * (by - py) >= (bx - px) * (ay - py) &&
        (bx - px) * (cy - py) >= (cx - px) * (by - py)
    }

    /// Clips a triangle over each local self-intersection a-p-p.next-b (a "bow tie") and drops the two middle nodes.
    private mutating func cureLocalIntersections(_ startIn: Int) -> Int {
        if startIn < 0 { return startIn }
        var start = startIn
        var p = start
        repeat {
            let a = prv[p], b = nxt[nxt[p]]
            if !equals(a, b) && intersects(a, p, nxt[p], b) && locallyInside(a, b) && locallyInside(b, a) {
                emit(a, p, b)
                let pn = nxt[p]
                remove(p); remove(pn)
                p = b; start = b
            }
            p = nxt[p]
        } while p != start && nxt[p] != prv[p]
        return filterPoints(p)
    }

    /// Splits the polygon along a valid diagonal and clips both halves.
    private mutating func splitClip(_ start: Int) {
        var a = start
        repeat {
            var b = nxt[nxt[a]]
            while b != prv[a] {
                if vi[a] != vi[b] && isValidDiagonal(a, b) {
                    var c = split(a, b)
                    a = filterPoints(a, nxt[a]); c = filterPoints(c, nxt[c])
                    clip(a, pass: 0); clip(c, pass: 0)
                    return
                }
                b = nxt[b]
            }
            a = nxt[a]
        } while a != start
    }

    private func isValidDiagonal(_ a: Int, _ b: Int) -> Bool {
        guard vi[nxt[a]] != vi[b], vi[prv[a]] != vi[b], !intersectsPolygon(a, b) else { return false }
        return (locallyInside(a, b) && locallyInside(b, a) && middleInside(a, b)
                && (area(prv[a], a, prv[b]) != 0 || area(a, prv[b], b) != 0))
            || (equals(a, b) && area(prv[a], a, nxt[a]) > 0 && area(prv[b], b, nxt[b]) > 0)
    }

    @inline(__always) private func sign(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }
    private func onSegment(_ p: Int, _ q: Int, _ r: Int) -> Bool {
        xs[q] <= max(xs[p], xs[r]) && xs[q] >= min(xs[p], xs[r]) && ys[q] <= max(ys[p], ys[r]) && ys[q] >= min(ys[p], ys[r])
    }
    private func intersects(_ p1: Int, _ q1: Int, _ p2: Int, _ q2: Int) -> Bool {
        let o1 = sign(area(p1, q1, p2)), o2 = sign(area(p1, q1, q2))
        let o3 = sign(area(p2, q2, p1)), o4 = sign(area(p2, q2, q1))
        if o1 != o2 && o3 != o4 { return true }
        if o1 == 0 && onSegment(p1, p2, q1) { return true }
        if o2 == 0 && onSegment(p1, q2, q1) { return true }
        if o3 == 0 && onSegment(p2, p1, q2) { return true }
        if o4 == 0 && onSegment(p2, q1, q2) { return true }
        return false
    }
    private func intersectsPolygon(_ a: Int, _ b: Int) -> Bool {
        var p = a
        repeat {
            let pn = nxt[p]
            if vi[p] != vi[a] && vi[pn] != vi[a] && vi[p] != vi[b] && vi[pn] != vi[b] && intersects(p, pn, a, b) { return true }
            p = pn
        } while p != a
        return false
    }
    private func locallyInside(_ a: Int, _ b: Int) -> Bool {
        area(prv[a], a, nxt[a]) < 0
            ? area(a, b, nxt[a]) >= 0 && area(a, prv[a], b) >= 0
            : area(a, b, prv[a]) < 0 || area(a, nxt[a], b) < 0
    }
    private func middleInside(_ a: Int, _ b: Int) -> Bool {
        var p = a
        var inside = false
        let px = (xs[a] + xs[b]) / 2, py = (ys[a] + ys[b]) / 2
        repeat {
            let n = nxt[p]
            if (ys[p] > py) != (ys[n] > py) && ys[n] != ys[p]
                && px < (xs[n] - xs[p]) * (py - ys[p]) / (ys[n] - ys[p]) + xs[p] { inside.toggle() }
            p = n
        } while p != a
        return inside
    }

    /// Links a and b with a bridge, duplicating both; returns the duplicate of b (the other half starts at a).
    private mutating func split(_ a: Int, _ b: Int) -> Int {
        let a2 = xs.count
        xs.append(xs[a]); ys.append(ys[a]); vi.append(vi[a]); steiner.append(false); prv.append(-1); nxt.append(-1)
        let b2 = xs.count
        xs.append(xs[b]); ys.append(ys[b]); vi.append(vi[b]); steiner.append(false); prv.append(-1); nxt.append(-1)
        let an = nxt[a], bp = prv[b]
        nxt[a] = b; prv[b] = a
        nxt[a2] = an; prv[an] = a2
        nxt[b2] = a2; prv[a2] = b2
        nxt[bp] = b2; prv[b2] = bp
        return b2
    }

    // MARK: holes

    private mutating func eliminateHoles(_ pts: [Vec2], _ ringStarts: [Int], _ outerIn: Int) -> Int {
        var queue: [Int] = []
        for k in 1..<ringStarts.count {
            let s = ringStarts[k], e = k + 1 < ringStarts.count ? ringStarts[k + 1] : pts.count
            let list = linkedList(pts, s, e, ccw: false)
            if list < 0 { continue }
            if list == nxt[list] { steiner[list] = true }
            queue.append(leftmost(list))
        }
        queue.sort { xs[$0] != xs[$1] ? xs[$0] < xs[$1] : ys[$0] < ys[$1] }
        var outer = outerIn
        for h in queue { outer = eliminateHole(h, outer) }
        return outer
    }

    private func leftmost(_ start: Int) -> Int {
        var p = start, l = start
        repeat {
            if xs[p] < xs[l] || (xs[p] == xs[l] && ys[p] < ys[l]) { l = p }
            p = nxt[p]
        } while p != start
        return l
    }

    private mutating func eliminateHole(_ hole: Int, _ outer: Int) -> Int {
        let bridge = findHoleBridge(hole, outer)
        if bridge < 0 { return outer }
        let bridgeReverse = split(bridge, hole)
        _ = filterPoints(bridgeReverse, nxt[bridgeReverse])
        return filterPoints(bridge, nxt[bridge])
    }

    /// Eberly's bridge: cast a ray leftwards from the hole's leftmost vertex, take the nearest crossed outer edge,
    /// then the visible vertex of least angle to the ray among the reflex vertices inside the candidate triangle.
    private func findHoleBridge(_ hole: Int, _ outer: Int) -> Int {
        var p = outer
        let hx = xs[hole], hy = ys[hole]
        var qx = -Double.infinity
        var m = -1
        repeat {
            let n = nxt[p]
            if hy <= ys[p] && hy >= ys[n] && ys[n] != ys[p] {
                let x = xs[p] + (hy - ys[p]) * (xs[n] - xs[p]) / (ys[n] - ys[p])
                if x <= hx && x > qx {
                    qx = x
                    m = xs[p] < xs[n] ? p : n
                    if x == hx { return m }
                }
            }
            p = n
        } while p != outer
        if m < 0 { return -1 }
        let stop = m
        let mx = xs[m], my = ys[m]
        var tanMin = Double.infinity
        p = m
        repeat {
            let px = xs[p], py = ys[p]
            if hx >= px && px >= mx && hx != px
                && pointInTriangle(hy < my ? hx : qx, hy, mx, my, hy < my ? qx : hx, hy, px, py) {
                let tan = abs(hy - py) / (hx - px)
                if locallyInside(p, hole)
                    && (tan < tanMin || (tan == tanMin && (px > xs[m] || (px == xs[m] && sectorContainsSector(m, p))))) {
                    m = p; tanMin = tan
                }
            }
            p = nxt[p]
        } while p != stop
        return m
    }

    private func sectorContainsSector(_ m: Int, _ p: Int) -> Bool {
        area(prv[m], m, prv[p]) < 0 && area(nxt[p], m, nxt[m]) < 0
    }
}
