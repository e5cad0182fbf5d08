import CityModel

extension CityLayout {
    /// Sector column/row ranges of district d (districts are contiguous blocks of sub-districts).
    func districtRange(_ d: Int) -> (ClosedRange<Int>, ClosedRange<Int>) {
        let dx = d % districtsX, dy = d / districtsX
        let cols = (0..<gx).filter { min(districtsX - 1, $0 * districtsX / gx) == dx }
        let rows = (0..<gy).filter { min(districtsY - 1, $0 * districtsY / gy) == dy }
        return (cols.first!...cols.last!, rows.first!...rows.last!)
    }
    /// District outline (counter-clockwise, along the arterial curves).
    func districtRing(_ d: Int) -> [Vec2] {
        let (c, r) = districtRange(d)
        return zoneRing(cols: c, rows: r)
    }
    func districtCode(_ d: Int) -> String { "3601" + (d + 1 < 10 ? "0" : "") + String(d + 1) }
    func districtName(_ d: Int) -> String {
        let n = Names.districtStems.count
        return Names.districtStems[d % n] + (d >= n ? String(d / n + 1) : "") + "区"
    }
}
