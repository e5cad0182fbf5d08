/// A curve under a map panel: values (e.g. coverage % after 0, 1, 2 … new sites) with a label.
public struct MapCurve: Sendable {
    /// Label of the curve (e.g. "kindergarten 300 m").
    public var label: String
    /// Values at x = 0, 1, 2, …
    public var values: [Double]
    /// A curve of `values` at x = 0, 1, 2, …
    public init(label: String, values: [Double]) { self.label = label; self.values = values }
}

extension SVGCharts {
    /// Curves "x → value (%)" as one SVG chart (0…100 % on the y axis, 0…the longest curve on x), one polyline each.
    public static func curves(_ cs: [MapCurve], width: Double = 320, height: Double = 150) -> String {
        let n = max(1, cs.map { $0.values.count - 1 }.max() ?? 1)
        let l = 34.0, r = 10.0, t = 10.0, b = 26.0
        func X(_ i: Int) -> Double { l + Double(i) / Double(n) * (width - l - r) }
        func Y(_ v: Double) -> Double { t + (1 - min(100, max(0, v)) / 100) * (height - t - b) }
        let colours = ["#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214"]
        var s = "<svg class=\"hist\" viewBox=\"0 0 \(px(width)) \(px(height))\" width=\"\(px(width))\" height=\"\(px(height))\">"
        s += "<title>新建设施数 → 覆盖率 / sites → coverage</title>"
        for v in [0.0, 50, 100] {
            s += "<line class=\"grid\" x1=\"\(px(l))\" y1=\"\(px(Y(v)))\" x2=\"\(px(width - r))\" y2=\"\(px(Y(v)))\"/>"
            s += "<text class=\"tick\" x=\"\(px(l - 4))\" y=\"\(px(Y(v) + 4))\" text-anchor=\"end\">\(fmt(v))%</text>"
        }
        s += "<text class=\"tick\" x=\"\(px(l))\" y=\"\(px(height - 8))\">0</text>"
        s += "<text class=\"tick\" x=\"\(px(width - r))\" y=\"\(px(height - 8))\" text-anchor=\"end\">\(n) sites</text>"
        for (k, c) in cs.enumerated() where !c.values.isEmpty {
            let col = colours[k % colours.count]
            let pts = c.values.enumerated().map { "\(px(X($0.offset))),\(px(Y($0.element)))" }.joined(separator: " ")
            s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(col)\" stroke-width=\"2\"><title>\(esc(c.label))</title></polyline>"
            s += "<text class=\"tick\" x=\"\(px(l + 4))\" y=\"\(px(t + 12 + Double(k) * 12))\" fill=\"\(col)\">\(esc(c.label)): \(fmt(c.values.first!))% → \(fmt(c.values.last!))%</text>"
        }
        return s + "</svg>"
    }
}
