import CityModel
import Foundation
import GeoBridge

/// Reads one configured source layer into raw features with canonical attribute names.
enum SourceReader {
    /// - Parameters:
    ///   - canonical: the canonical layer (`buildings`, …) the source is read for.
    ///   - spec: the config entry.
    ///   - path: the resolved source path.
    static func read(canonical: String, spec spec0: LayerSource, path: String, originIndex: Int, notes: inout [String]) throws -> (SourceOrigin, [RawFeature]) {
        var spec = spec0
        if !path.hasPrefix("PG:") && !path.hasPrefix("/vsi") && !FileManager.default.fileExists(atPath: path) {
            throw PipelineError.input(file: path, layer: spec.layer, message: "file not found (layers.\(canonical).source)")
        }
        // Raster population grids: one feature per cell with a value.
        if canonical == "population", spec.layer == nil, isRaster(path) {
            return try readRasterPopulation(spec: spec, path: path, originIndex: originIndex)
        }
        var opts: [String: String] = [:]
        if let enc = spec.encoding {
            opts["ENCODING"] = enc
        } else if let (enc, warning) = SourceConventions.shapefileEncoding(path: path) {
            opts["ENCODING"] = enc
            notes.append("warning: " + warning)
        }
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path, openOptions: opts) } catch let e as GeoBridgeError {
            throw PipelineError.input(file: path, layer: spec.layer, message: "cannot open: \(e.message)")
        }
        let layer: VectorLayer
        do { layer = try ds.layer(spec.layer) } catch let e as GeoBridgeError {
            throw PipelineError.input(file: path, layer: spec.layer, message: e.message)
        }
        let lname = layer.name
        let recognised = SourceConventions.recognise(layer: canonical, fields: layer.fields.map(\.name), mapped: &spec.fields)
        if !recognised.isEmpty { notes.append("\(canonical): recognised fields \(recognised.joined(separator: ", ")) in \((path as NSString).lastPathComponent)") }
        let fieldNames = Set(layer.fields.map(\.name))
        for (canon, field) in spec.fields.sorted(by: { $0.key < $1.key }) where !fieldNames.contains(field) {
            throw PipelineError.input(file: path, layer: lname,
                                      message: "field '\(field)' (layers.\(canonical).\(canon)) not found; fields are: \(layer.fields.map(\.name).joined(separator: ", "))")
        }
        if let w = spec.where_ {
            do { try layer.setAttributeFilter(w) } catch let e as GeoBridgeError {
                throw PipelineError.input(file: path, layer: lname, message: "invalid where '\(w)': \(e.message)")
            }
        }
        var crs: String? = spec.crs
        if crs == nil, let srs = layer.spatialReference { crs = srs.authorityCode ?? srs.wkt }
        if crs == nil {
            let bb = (try? layer.extent()) ?? .empty
            throw PipelineError.input(file: path, layer: lname, message: SourceConventions.missingCRSMessage(bb, key: canonical))
        }
        var origin = SourceOrigin(file: path, layer: lname, crs: crs, coords: spec.coords ?? "wgs84")
        // Every field that maps to no canonical attribute is kept, column by column, under its source name and type.
        let allFields = layer.fields
        let mappedFields = Set(spec.fields.values)
        let extraIdx = allFields.indices.filter { !mappedFields.contains(allFields[$0].name) }
        let extraNames = SourceFieldNames.names(extraIdx.map { allFields[$0].name }, canonical: canonical)
        var extra = zip(extraIdx, extraNames).map { i, n in AttributeColumn(name: n, sourceName: allFields[i].name, type: allFields[i].type) }
        // Canonical attribute → field index, resolved once (not per feature).
        let mapped: [(String, Int)] = spec.fields.sorted { $0.key < $1.key }.compactMap { k, v in allFields.firstIndex { $0.name == v }.map { (k, $0) } }
        var out: [RawFeature] = []
        let idField = spec.fields["id"].flatMap { id in allFields.firstIndex { $0.name == id } }
        do {
            try layer.forEach { f in
                var attrs: [String: FieldValue] = [:]
                attrs.reserveCapacity(mapped.count + 1)
                for (canon, i) in mapped { attrs[canon] = f.value(i) }
                if let c = spec.fixedCategory { attrs["category"] = .string(c) }
                for k in extra.indices { extra[k].append(f.value(extraIdx[k])) }
                let row = Int32(out.count)
                let sid = idField.flatMap { f.value($0).string } ?? String(f.fid)
                let g: Geometry?
                do { g = try f.geometry() } catch {
                    attrs["__error"] = .string("unreadable geometry: \(error)")
                    out.append(RawFeature(sourceId: sid, attrs: attrs, geometry: nil, origin: originIndex, row: row))
                    return
                }
                out.append(RawFeature(sourceId: sid, attrs: attrs, geometry: g, origin: originIndex, row: row))
            }
            origin.extra = AttributeTable(columns: extra)
        } catch let e as GeoBridgeError {
            throw PipelineError.input(file: path, layer: lname, message: "read error after \(out.count) features (corrupt or truncated file?): \(e.message)")
        }
        try? ds.close()
        return (origin, out)
    }

    static func isRaster(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ["tif", "tiff", "asc", "img", "vrt", "nc"].contains(ext)
    }

    /// A population raster becomes one square-cell feature per non-empty pixel.
    static func readRasterPopulation(spec: LayerSource, path: String, originIndex: Int) throws -> (SourceOrigin, [RawFeature]) {
        let band: RasterIO.Band
        do { band = try RasterIO.readBand(path: path) } catch let e as GeoBridgeError {
            throw PipelineError.input(file: path, layer: nil, message: "cannot read raster: \(e.message)")
        }
        let gt = band.geoTransform
        var out: [RawFeature] = []
        for r in 0..<band.height {
            for c in 0..<band.width {
                let v = band.values[r * band.width + c]
                if let nd = band.noData, v == nd { continue }
                guard v.isFinite, v > 0 else { continue }
                func px(_ cc: Double, _ rr: Double) -> Vec2 { Vec2(gt[0] + cc * gt[1] + rr * gt[2], gt[3] + cc * gt[4] + rr * gt[5]) }
                let ring = [px(Double(c), Double(r)), px(Double(c + 1), Double(r)), px(Double(c + 1), Double(r + 1)), px(Double(c), Double(r + 1))]
                out.append(RawFeature(sourceId: "\(r),\(c)", attrs: ["value": .real(v)], geometry: .polygon(Polygon([ring])), origin: originIndex))
            }
        }
        let crs = spec.crs ?? (band.crsWKT.isEmpty ? nil : band.crsWKT)
        return (SourceOrigin(file: path, layer: "band 1", crs: crs, coords: spec.coords ?? "wgs84"), out)
    }
}
