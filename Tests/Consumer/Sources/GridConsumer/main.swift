import GridCore

// A 10 m grid over a 100 m square; the triangle (0,0),(100,0),(0,100) covers exactly half of it: 5,000 m².
let geometry = try GridGeometry(covering: GridExtent(minX: 0, minY: 0, maxX: 100, maxY: 100), cellSize: 10)
let cover = Rasterizer.coverage(polygon: [[SIMD2(0.0, 0), SIMD2(100, 0), SIMD2(0, 100)]], geometry: geometry)
let area = cover.total * geometry.cellArea
print("GridCore from a consumer package: \(geometry.rows)x\(geometry.cols) cells, triangle area \(area) m²")
precondition(abs(area - 5000) < 1e-6, "unexpected area \(area)")
