import CityModel

/// A deterministic synthetic city: `SynthCity(options:)` sizes it, `generate(into:)` streams its layers.
///
/// Structure: a square study area around `options.centre` cut by an arterial grid into sub-districts (街道) of about
/// 1.6 km, grouped into districts (区). Each sub-district has a zone (core, residential, old town, village, industrial,
/// suburban) and its own rotated street lattice (spacing 90–320 m, ±34°), 30 % of whose minor links are removed
/// (a third of those kept as footways or steps). A river crosses west–east, crossed only by the arterials and the
/// main lattice lines (bridges); bank roads follow it. A ring motorway (foot=no) circles the centre without junctions.
/// Blocks are filled with plots, each holding one building of the block's typology (or a pocket park / garden);
/// whole blocks become parks, forests, ponds or civic grounds for schools and sports.
///
/// Sizing: the side is searched so that the layout has at least N − 9 building plots; the surplus is thinned evenly
/// (plot k of the running count is kept when ⌊k·n/T⌋ increments), so the layer has exactly N rows.
/// Memory: O(sub-districts + population cells + facilities + small greens); buildings and roads are streamed.
public struct SynthCity: Sendable {
    public let options: SynthOptions
    let layout: CityLayout
    /// Building plots of the layout before thinning.
    let plotTotal: Int

    public init(options: SynthOptions) throws {
        guard options.buildings >= 100 else { throw SynthError.tooFewBuildings(options.buildings) }
        guard options.populationCellM >= 10 && options.populationCellM <= 1000 else { throw SynthError.badPopulationCell(options.populationCellM) }
        self.options = options
        let need = options.buildings - BadFeatureCounts().total
        // Start from ~900 buildings per km², then rescale from the measured count until T ≥ need (and not far above).
        var side = (Double(need) / 900).squareRoot() * 1000
        var layout = CityLayout(seed: options.seed, centre: options.centre, side: side, popCell: options.populationCellM)
        var total = SynthCity.countPlots(layout)
        var tries = 0
        while (total < need || Double(total) > 1.25 * Double(need)) && tries < 12 {
            let f = (Double(need) / Double(max(total, 1))).squareRoot()
            side *= total < need ? max(f * 1.03, 1.02) : f * 1.06
            layout = CityLayout(seed: options.seed, centre: options.centre, side: side, popCell: options.populationCellM)
            total = SynthCity.countPlots(layout)
            tries += 1
        }
        while total < need {   // guarantee
            side *= 1.05
            layout = CityLayout(seed: options.seed, centre: options.centre, side: side, popCell: options.populationCellM)
            total = SynthCity.countPlots(layout)
        }
        self.layout = layout
        plotTotal = total
    }

    /// The study area (a square, metres in EPSG:4548).
    public var extent: BBox { layout.extent }
    /// Side of the study area in metres.
    public var side: Double { layout.side }

    static func countPlots(_ L: CityLayout) -> Int {
        var n = 0
        L.forEachCell { s, i, j, kind in
            if case .built(let t) = kind { L.forEachPlot(s, i, j, t) { p in if p.kind == .building { n += 1 } } }
        }
        return n
    }

    /// Writes every layer into `sink`, in `SynthLayer.allCases` order, and returns what was written.
    /// Complexity O(N) time; memory see the type's notes.
    public func generate<S: FeatureSink>(into sink: inout S) throws -> SynthManifest {
        let L = layout
        var m = SynthManifest()
        m.seed = options.seed; m.centre = options.centre; m.extent = L.extent
        m.subdistricts = L.sectors.count; m.districts = L.districtCount
        m.sewerGapSubdistricts = L.sectors.filter(\.sewerGap).count

        // 1. Buildings (with the aggregates later layers need).
        var popGrid = [Double](repeating: 0, count: L.popX * L.popY)
        var unitResidents = [Double](repeating: 0, count: L.unitsX * L.unitsY)
        var unitBuildings = [Int32](repeating: 0, count: L.unitsX * L.unitsY)
        var civic: [CivicCell] = []
        var smallGreens: [(String, Polygon)] = []
        var firstValues: [[FieldValue]] = [], firstGeoms: [Geometry] = []
        let regular = options.buildings - m.bad.total
        var seen = 0, kept = 0
        var id: Int64 = 0
        try sink.begin(SynthLayer.buildings.schema)
        var writeError: Error?
        L.forEachCell { s, i, j, kind in
            if writeError != nil { return }
            switch kind {
            case .civic:
                civic.append(CivicCell(unit: L.unit(of: (s.node(i, j) + s.node(i + 1, j + 1)) * 0.5), sector: s.index, i: i, j: j))
            case .built(let t):
                L.forEachPlot(s, i, j, t) { p in
                    if writeError != nil { return }
                    switch p.kind {
                    case .building:
                        seen += 1
                        guard seen * regular / plotTotal > kept else { return }
                        kept += 1
                        let b = L.building(s, i, j, t, p)
                        if b.residentsTrue > 0 {
                            popGrid[L.popIndex(of: b.anchor)] += b.residentsTrue
                            unitResidents[L.unit(of: b.anchor)] += b.residentsTrue
                            m.residentialFloorArea += b.footprint * Double(b.trueFloors) * (b.use == "mixed" ? 0.6 : 1)
                        }
                        unitBuildings[L.unit(of: b.anchor)] += 1
                        if b.residentsReported != nil { m.buildingsWithResidents += 1 }
                        let values: [FieldValue] = [
                            b.height.map { .real($0) } ?? .null, b.floors.map { .int(Int64($0)) } ?? .null, .string(b.use),
                            b.yearBuilt.map { .int(Int64($0)) } ?? .null, b.residentsReported.map { .real($0) } ?? .null,
                            b.name.map { .string($0) } ?? .null,
                        ]
                        let g = Geometry.multiPolygon(MultiPolygon(b.polygons))
                        if firstValues.count < 2 { firstValues.append(values); firstGeoms.append(g) }
                        id += 1
                        do { try sink.write(FeatureRow(geometry: g, values: [.int(id)] + values)) } catch { writeError = error }
                    case .pocketPark, .garden, .grass:
                        let kindName = p.kind == .pocketPark ? "park" : p.kind == .garden ? "garden" : "grass"
                        let d = 2.0
                        smallGreens.append((kindName, Polygon(exterior: [s.world(p.u0 + d, p.v0 + d), s.world(p.u1 - d, p.v0 + d),
                                                                         s.world(p.u1 - d, p.v1 - d), s.world(p.u0 + d, p.v1 - d)])))
                    }
                }
            default: break
            }
        }
        if let e = writeError { throw e }
        for (g, v, _) in L.badBuildings(firstRegular: firstValues, firstGeometry: firstGeoms) {
            id += 1
            try sink.write(FeatureRow(geometry: g, values: [.int(id)] + v))
        }
        try sink.end()
        m.regularBuildings = kept
        m.layers.append(NamedCount("buildings", Int(id)))
        m.residents = popGrid.reduce(0, +)

        // 2. Roads.
        var roadClasses = OrderedCounter(keys: ["motorway", "primary", "secondary", "tertiary", "residential", "service", "footway", "path", "steps"])
        var roadCount: Int64 = 0
        try sink.begin(SynthLayer.roads.schema)
        L.forEachRoad { r in
            if writeError != nil { return }
            roadCount += 1
            roadClasses.add(r.highway)
            if r.bridge { m.bridges += 1 }
            let row = FeatureRow(geometry: .lineString(LineString(r.points)), values: [
                .int(roadCount), .string(r.highway), r.name.map { .string($0) } ?? .null, .string(r.foot ? "yes" : "no"),
                .string(r.oneway ? "yes" : "no"), r.bridge ? .string("yes") : .null,
            ])
            do { try sink.write(row) } catch { writeError = error }
        }
        if let e = writeError { throw e }
        try sink.end()
        m.layers.append(NamedCount("roads", Int(roadCount)))
        m.roadsByClass = roadClasses.items

        // 3. Facility plan (needs the residents per unit and the civic cells).
        let (plan, civicUsed) = L.planFacilities(unitResidents: unitResidents, unitBuildings: unitBuildings, civic: civic)

        // 4. Green.
        var greenSizes = OrderedCounter(keys: ["lt400", "400to5000", "ge5000"])
        var greenKinds = OrderedCounter(keys: ["park", "garden", "grass", "forest"])
        var parkPoints: [(Vec2, String?)] = []
        var greenCount: Int64 = 0
        try sink.begin(SynthLayer.green.schema)
        func green(_ kind: String, _ poly: Polygon, _ name: String?) throws {
            greenCount += 1
            let a = poly.area
            greenSizes.add(greenSizeClass(a)); greenKinds.add(kind)
            if kind == "park" { parkPoints.append((poly.centroid, name)) }
            try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([poly])), values: [
                .int(greenCount), .string(kind), name.map { .string($0) } ?? .null, .real((a * 10).rounded() / 10),
            ]))
        }
        for (k, p) in smallGreens { try green(k, p, nil) }
        var ponds: [Polygon] = []
        var cells: [(Sector, Int, Int, CellKind)] = []   // special cells only (few)
        L.forEachCell { s, i, j, kind in
            switch kind {
            case .park, .forest, .pond: cells.append((s, i, j, kind))
            default: break
            }
        }
        for (s, i, j, kind) in cells {
            switch kind {
            case .park(let pond):
                try green("park", L.cellGreen(s, i, j, pond: pond), Names.stem(SynthHash.key(options.seed, Tag.name, s.index, i, j, 5)) + "公园")
                if pond { ponds.append(Polygon(exterior: L.pondRing(s, i, j))) }
            case .forest:
                try green("forest", L.cellGreen(s, i, j, pond: false), nil)
            case .pond:
                ponds.append(Polygon(exterior: L.pondRing(s, i, j, fraction: 0.38)))
            default: break
            }
        }
        for (k, c) in civic.enumerated() where !civicUsed[k] {
            try green("grass", L.cellGreen(L.sectors[c.sector], c.i, c.j, pond: false), nil)
        }
        for p in L.riversideStrips() { try green("park", p, "滨江公园") }
        try sink.end()
        m.layers.append(NamedCount("green", Int(greenCount)))
        m.greenBySize = greenSizes.items; m.greenByKind = greenKinds.items

        // 5. Water.
        try sink.begin(SynthLayer.water.schema)
        try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([L.river.waterPolygon()])), values: [.int(1), .string("river"), .string("赣江")]))
        var waterCount: Int64 = 1
        for p in ponds {
            waterCount += 1
            try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([p])), values: [.int(waterCount), .string("pond"), .null]))
        }
        try sink.end()
        m.layers.append(NamedCount("water", Int(waterCount)))

        // 6. POIs: planned facilities, then one park point per park polygon.
        var poiKinds = OrderedCounter(keys: FacilityCategory.all.map(\.id))
        var poiCount: Int64 = 0
        try sink.begin(SynthLayer.pois.schema)
        let nameOf = Dictionary(uniqueKeysWithValues: FacilityCategory.all.map { ($0.id, $0.nameZh) })   // lookup only
        for f in plan {
            poiCount += 1
            poiKinds.add(f.kind)
            let g: Geometry
            if let c = f.civic { g = .polygon(L.civicPolygon(civic[c])); m.poiPolygons += 1 } else { g = .point(f.point!) }
            let name = Names.stem(SynthHash.key(options.seed, Tag.name, 4000, Int(poiCount))) + (nameOf[f.kind] ?? "")
            try sink.write(FeatureRow(geometry: g, values: [.int(poiCount), .string(f.kind), .string(name)]))
        }
        for (p, name) in parkPoints {
            poiCount += 1
            poiKinds.add("park")
            try sink.write(FeatureRow(geometry: .point(p), values: [.int(poiCount), .string("park"), name.map { .string($0) } ?? .null]))
        }
        try sink.end()
        m.layers.append(NamedCount("pois", Int(poiCount)))
        m.poisByKind = poiKinds.items

        // 7. Pipes under the streets.
        var pipeTypes = OrderedCounter(keys: ["sewer", "storm", "water", "gas", "heat"])
        var pipeCount: Int64 = 0
        var ordinal = 0
        try sink.begin(SynthLayer.pipes.schema)
        L.forEachRoad { r in
            if writeError != nil { return }
            ordinal += 1
            for (type, dia) in L.pipes(for: r, ordinal: ordinal) {
                pipeCount += 1
                pipeTypes.add(type)
                do {
                    try sink.write(FeatureRow(geometry: .lineString(LineString(r.points)), values: [.int(pipeCount), .string(type), .int(Int64(dia))]))
                } catch { writeError = error }
            }
        }
        if let e = writeError { throw e }
        try sink.end()
        m.layers.append(NamedCount("pipes", Int(pipeCount)))
        m.pipesByType = pipeTypes.items

        // 8. Population grid (cells with residents).
        var popCount = 0
        try sink.begin(SynthLayer.population.schema)
        for cy in 0..<L.popY {
            for cx in 0..<L.popX {
                let v = popGrid[cy * L.popX + cx]
                guard v > 0 else { continue }
                // Cells of the lattice anchored at the south-west corner; the last row and column are clipped to the area.
                let x0 = L.extent.minX + Double(cx) * L.popCell, y0 = L.extent.minY + Double(cy) * L.popCell
                let x1 = min(x0 + L.popCell, L.extent.maxX), y1 = min(y0 + L.popCell, L.extent.maxY)
                let sq = Polygon(exterior: [Vec2(x0, y0), Vec2(x1, y0), Vec2(x1, y1), Vec2(x0, y1)])
                popCount += 1
                try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([sq])), values: [.int(Int64(cy * L.popX + cx)), .real((v * 10).rounded() / 10)]))
            }
        }
        try sink.end()
        m.layers.append(NamedCount("population", popCount))

        // 9. Zones and boundary.
        try sink.begin(SynthLayer.districts.schema)
        for d in 0..<L.districtCount {
            try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([Polygon(exterior: L.districtRing(d))])),
                                      values: [.string(L.districtCode(d)), .string(L.districtName(d))]))
        }
        try sink.end()
        m.layers.append(NamedCount("districts", L.districtCount))
        try sink.begin(SynthLayer.subdistricts.schema)
        var perDistrict = [Int](repeating: 0, count: L.districtCount)
        for s in L.sectors {
            perDistrict[s.district] += 1
            let code = L.districtCode(s.district) + String(repeating: "0", count: 3 - String(perDistrict[s.district]).count) + String(perDistrict[s.district])
            try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([Polygon(exterior: L.zoneRing(cols: s.ix...s.ix, rows: s.iy...s.iy))])),
                                      values: [.string(code), .string(Names.stem(SynthHash.key(options.seed, Tag.name, 3000, s.index)) + "街道"),
                                               .string(L.districtCode(s.district))]))
        }
        try sink.end()
        m.layers.append(NamedCount("subdistricts", L.sectors.count))
        try sink.begin(SynthLayer.boundary.schema)
        let e = L.extent
        try sink.write(FeatureRow(geometry: .multiPolygon(MultiPolygon([Polygon(exterior: [Vec2(e.minX, e.minY), Vec2(e.maxX, e.minY), Vec2(e.maxX, e.maxY), Vec2(e.minX, e.maxY)])])),
                                  values: [.string("Synthetic city (seed \(options.seed), \(options.buildings) buildings)"), .string("360100")]))
        try sink.end()
        m.layers.append(NamedCount("boundary", 1))
        return m
    }
}
