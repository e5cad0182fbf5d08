import Foundation

/// Inline SVG charts of the report: radar of dimension scores, indicator bars against targets, index history.
/// Drawn by hand (no scripts, no external resources).
public enum SVGCharts {
    /// Radar (spider) chart of dimension scores on 0–100 axes, one axis per dimension, clockwise from the top.
    /// A dropped dimension (no data) is drawn at the centre and labelled "无数据 n/a". O(dimensions).
    public static func radar(_ dims: [DimensionScore], size: Double = 400) -> String {
        let n = dims.count
        let width = size * 1.5
        let c = size / 2, cx = width / 2, r = size * 0.32
        func pt(_ k: Int, _ frac: Double) -> (Double, Double) {
            let a = -Double.pi / 2 + 2 * Double.pi * Double(k) / Double(max(n, 1))
            return (cx + r * frac * cos(a), c + r * frac * sin(a))
        }
        var s = "<svg class=\"radar\" viewBox=\"0 0 \(px(width)) \(px(size))\" width=\"\(px(width))\" height=\"\(px(size))\" role=\"img\" aria-label=\"维度雷达图 Radar chart of dimensions\">"
        s += "<title>维度得分雷达图 / Dimension scores</title>"
        for level in stride(from: 20, through: 100, by: 20) {
            let ring = (0..<n).map { k -> String in let p = pt(k, Double(level) / 100); return "\(px(p.0)),\(px(p.1))" }
            s += "<polygon class=\"grid\" points=\"\(ring.joined(separator: " "))\"/>"
            let lp = pt(0, Double(level) / 100)
            s += "<text class=\"tick\" x=\"\(px(lp.0 + 3))\" y=\"\(px(lp.1 + 10))\">\(level)</text>"
        }
        for k in 0..<n {
            let p = pt(k, 1)
            s += "<line class=\"axis\" x1=\"\(px(cx))\" y1=\"\(px(c))\" x2=\"\(px(p.0))\" y2=\"\(px(p.1))\"/>"
        }
        if n > 0 {
            let poly = (0..<n).map { k -> String in
                let p = pt(k, min(max((dims[k].score ?? 0) / 100, 0), 1)); return "\(px(p.0)),\(px(p.1))"
            }
            s += "<polygon class=\"data\" points=\"\(poly.joined(separator: " "))\"/>"
            for k in 0..<n where dims[k].score != nil {
                let p = pt(k, min(max(dims[k].score! / 100, 0), 1))
                s += "<circle class=\"dot\" cx=\"\(px(p.0))\" cy=\"\(px(p.1))\" r=\"3\"/>"
            }
        }
        for (k, d) in dims.enumerated() {
            let p = pt(k, 1.08)
            let anchor = abs(p.0 - cx) < 1 ? "middle" : (p.0 > cx ? "start" : "end")
            let val = d.score.map { fmt(($0 * 10).rounded() / 10) } ?? "无数据 n/a"
            // Two lines (中文 + score, English): above the point in the upper half, below it in the lower half.
            let dy = p.1 < c - 1 ? -16.0 : (p.1 > c + 1 ? 6.0 : -4.0)
            s += "<text class=\"lab\" x=\"\(px(p.0))\" y=\"\(px(p.1 + dy + 4))\" text-anchor=\"\(anchor)\">\(esc(d.nameZh)) \(esc(val))</text>"
            s += "<text class=\"lab-en\" x=\"\(px(p.0))\" y=\"\(px(p.1 + dy + 17))\" text-anchor=\"\(anchor)\">\(esc(d.nameEn))</text>"
        }
        s += "</svg>"
        return s
    }

    /// A horizontal bar of an indicator's value against its target: the bar (coloured by light), a target line
    /// (or the target range shaded). The axis runs from 0 to 1.2 × max(value, target). O(1).
    public static func bar(_ item: IndicatorScore, width: Double = 260, height: Double = 18) -> String {
        let ref: Double
        switch item.spec.target { case let .higher(t), let .lower(t): ref = t; case let .range(_, b): ref = b }
        let v = item.value ?? 0
        let axisMax = max(max(v, ref) * 1.2, 1e-12)
        func x(_ val: Double) -> Double { min(max(val / axisMax, 0), 1) * width }
        var s = "<svg class=\"bar\" viewBox=\"0 0 \(px(width)) \(px(height))\" width=\"\(px(width))\" height=\"\(px(height))\">"
        s += "<rect class=\"track\" x=\"0\" y=\"3\" width=\"\(px(width))\" height=\"\(px(height - 6))\"/>"
        if case let .range(a, b) = item.spec.target {
            s += "<rect class=\"band\" x=\"\(px(x(a)))\" y=\"1\" width=\"\(px(max(x(b) - x(a), 1)))\" height=\"\(px(height - 2))\"/>"
        }
        if item.value != nil {
            s += "<rect class=\"v \(item.light?.rawValue ?? "")\" x=\"0\" y=\"5\" width=\"\(px(max(x(v), 1)))\" height=\"\(px(height - 10))\"/>"
        }
        switch item.spec.target {
        case let .higher(t), let .lower(t):
            s += "<line class=\"target\" x1=\"\(px(x(t)))\" y1=\"0\" x2=\"\(px(x(t)))\" y2=\"\(px(height))\"/>"
        case .range: break
        }
        s += "</svg>"
        return s
    }

    /// Line chart of the index over the years (history plus the current year). O(years).
    public static func history(_ points: [YearIndex], width: Double = 460, height: Double = 160) -> String {
        let pts = points.compactMap { p in p.index.map { (p.year, $0) } }
        guard pts.count >= 2 else { return "" }
        let y0 = Double(pts.first!.0), y1 = Double(pts.last!.0)
        let lo = max(0, (pts.map(\.1).min()! - 10).rounded(.down)), hi = min(100, (pts.map(\.1).max()! + 10).rounded(.up))
        let l = 40.0, rgt = 16.0, t = 12.0, b = 28.0
        func X(_ y: Int) -> Double { l + (Double(y) - y0) / max(y1 - y0, 1) * (width - l - rgt) }
        func Y(_ v: Double) -> Double { t + (1 - (v - lo) / max(hi - lo, 1)) * (height - t - b) }
        var s = "<svg class=\"hist\" viewBox=\"0 0 \(px(width)) \(px(height))\" width=\"\(px(width))\" height=\"\(px(height))\">"
        s += "<title>城市健康指数历年变化 / Index over the years</title>"
        for v in [lo, (lo + hi) / 2, hi] {
            s += "<line class=\"grid\" x1=\"\(px(l))\" y1=\"\(px(Y(v)))\" x2=\"\(px(width - rgt))\" y2=\"\(px(Y(v)))\"/>"
            s += "<text class=\"tick\" x=\"\(px(l - 4))\" y=\"\(px(Y(v) + 4))\" text-anchor=\"end\">\(fmt(v))</text>"
        }
        s += "<polyline class=\"line\" points=\"\(pts.map { "\(px(X($0.0))),\(px(Y($0.1)))" }.joined(separator: " "))\"/>"
        for p in pts {
            s += "<circle class=\"dot\" cx=\"\(px(X(p.0)))\" cy=\"\(px(Y(p.1)))\" r=\"3\"><title>\(p.0): \(fmt(p.1))</title></circle>"
            s += "<text class=\"tick\" x=\"\(px(X(p.0)))\" y=\"\(px(height - 8))\" text-anchor=\"middle\">\(p.0)</text>"
        }
        s += "</svg>"
        return s
    }

    /// A map panel as SVG: polygons as paths (even-odd fill), the raster as merged rectangles or an embedded PNG.
    /// Points closer than half a pixel to the previous one are skipped. O(vertices + cells).
    public static func map(_ panel: MapPanel, size: Double = 320) -> String {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for p in panel.polygons { for ring in p.rings { for v in ring where v.x.isFinite && v.y.isFinite {
            minX = min(minX, v.x); minY = min(minY, v.y); maxX = max(maxX, v.x); maxY = max(maxY, v.y) } } }
        if let r = panel.raster {
            minX = min(minX, r.minX); minY = min(minY, r.minY); maxX = max(maxX, r.maxX); maxY = max(maxY, r.maxY)
        }
        guard minX.isFinite, maxX > minX || maxY > minY else {
            return "<svg class=\"map\" viewBox=\"0 0 \(px(size)) 40\" width=\"\(px(size))\" height=\"40\"><text x=\"8\" y=\"24\">无数据 no data</text></svg>"
        }
        let w = max(maxX - minX, 1e-9), h = max(maxY - minY, 1e-9)
        let scale = min(size / w, size / h)
        let W = w * scale, H = h * scale
        func X(_ x: Double) -> Double { (x - minX) * scale }
        func Y(_ y: Double) -> Double { (maxY - y) * scale }
        var s = "<svg class=\"map\" viewBox=\"0 0 \(px(W)) \(px(H))\" width=\"\(px(W))\" height=\"\(px(H))\">"
        s += "<title>\(esc(panel.titleZh)) / \(esc(panel.titleEn))</title>"
        s += "<rect class=\"frame\" x=\"0\" y=\"0\" width=\"\(px(W))\" height=\"\(px(H))\"/>"
        if let r = panel.raster { s += raster(r, X: X, Y: Y) }
        for p in panel.polygons {
            var d = ""
            for ring in p.rings where ring.count >= 3 {
                var last: (Double, Double)? = nil
                var first = true
                for v in ring where v.x.isFinite && v.y.isFinite {
                    let q = (X(v.x), Y(v.y))
                    if let l = last, abs(l.0 - q.0) < 0.5, abs(l.1 - q.1) < 0.5 { continue }
                    d += (first ? "M" : "L") + "\(px(q.0)) \(px(q.1))"
                    first = false; last = q
                }
                d += "Z"
            }
            if !d.isEmpty { s += "<path class=\"f-\(p.fill.rawValue)\" fill-rule=\"evenodd\" d=\"\(d)\"/>" }
        }
        s += "</svg>"
        return s
    }

    static func raster(_ r: MapRaster, X: (Double) -> Double, Y: (Double) -> Double) -> String {
        let x0 = X(r.minX), y0 = Y(r.maxY), cw = (X(r.maxX) - x0) / Double(r.width), ch = (Y(r.minY) - y0) / Double(r.height)
        let cls = r.classify()
        let usePNG = r.encoding == .png || (r.encoding == .auto && r.width * r.height > 5_000)
        if usePNG {
            var rgba = [UInt8](repeating: 0, count: r.width * r.height * 4)
            for (i, k) in cls.enumerated() where k >= 0 {
                let c = r.color(ofClass: k)
                rgba[i * 4] = c.0; rgba[i * 4 + 1] = c.1; rgba[i * 4 + 2] = c.2; rgba[i * 4 + 3] = 200
            }
            let png = PNGEncoder.encode(width: r.width, height: r.height, rgba: rgba)
            return "<image class=\"grid-img\" x=\"\(px(x0))\" y=\"\(px(y0))\" width=\"\(px(cw * Double(r.width)))\" height=\"\(px(ch * Double(r.height)))\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>"
        }
        var s = "<g class=\"grid-rects\">"
        for row in 0..<r.height {
            var col = 0
            while col < r.width {
                let k = cls[row * r.width + col]
                var end = col + 1
                while end < r.width, cls[row * r.width + end] == k { end += 1 }
                if k >= 0 {
                    let c = r.color(ofClass: k)
                    s += "<rect x=\"\(px(x0 + Double(col) * cw))\" y=\"\(px(y0 + Double(row) * ch))\" width=\"\(px(Double(end - col) * cw + 0.1))\" height=\"\(px(ch + 0.1))\" fill=\"rgb(\(c.0),\(c.1),\(c.2))\"/>"
                }
                col = end
            }
        }
        return s + "</g>"
    }
}
