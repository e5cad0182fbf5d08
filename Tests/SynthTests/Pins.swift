// Pinned values of the 10k-building, seed-42 city. Update them only on a deliberate change of the generator (the
// digest changes with any change of geometry, attribute or order) and say so in the commit.
let PINNED_LAYERS: [Int] = [10000, 771, 423, 4, 298, 1892, 575, 2, 4, 1]   // SynthLayer.allCases order
let PINNED_POIS: [Int] = [17, 11, 13, 10, 129, 27, 5, 6, 4, 3, 1, 1, 2, 1, 38, 6, 20, 1, 1, 2]   // FacilityCategory.all order
let PINNED_GREEN: [Int] = [374, 38, 11]   // < 400 m², 400–5000 m², ≥ 5000 m²
let PINNED_ROADS: [Int] = [22, 86, 137, 134, 339, 14, 31, 3, 5]   // motorway primary secondary tertiary residential service footway path steps
let PINNED_PIPES: [Int] = [451, 328, 655, 458, 0]   // sewer storm water gas heat
let PINNED_DIGEST: UInt64 = 9931321095355773257   // changed with the fix of Polygon.centroid for holes (park points)
let PINNED_RESIDENTS = 128473
let PINNED_POI_POLYGONS = 2
let PINNED_BRIDGES = 13
