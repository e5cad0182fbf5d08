import CityModel
import Foundation
import GeoBridge

/// Maps OpenStreetMap tags (read from a .osm.pbf / .osm with GDAL's OSM driver) to the canonical layers, with no
/// hand-written config. The mapping table is documented in the README ("OSM preset"); this file is its implementation.
enum OSMPreset {
    /// Parses GDAL's `other_tags` hstore text: `"k"=>"v","k2"=>"v2"` (with `\"` escapes).
    static func parseOtherTags(_ s: String) -> [(String, String)] {
        // On UTF-8 bytes: '"' and '\\' are ASCII and never part of a multi-byte scalar, so this splits exactly as a
        // scan over Unicode scalars does (an escaped multi-byte scalar is copied byte by byte), without an array of
        // scalars per feature.
        var out: [(String, String)] = []
        var s = s
        s.withUTF8 { b in
            var i = 0
            let n = b.count
            var buf: [UInt8] = []
            func quoted() -> String? {
                while i < n, b[i] != 0x22 { i += 1 }
                guard i < n else { return nil }
                i += 1
                buf.removeAll(keepingCapacity: true)
                while i < n {
                    let c = b[i]
                    i += 1
                    if c == 0x5C, i < n { buf.append(b[i]); i += 1; continue }
                    if c == 0x22 { return String(decoding: buf, as: UTF8.self) }
                    buf.append(c)
                }
                return String(decoding: buf, as: UTF8.self)
            }
            while let k = quoted() {
                guard let v = quoted() else { break }
                out.append((k, v))
            }
        }
        return out
    }

    /// All tags of a feature: the driver's columns plus other_tags.
    static func tags(_ f: Feature) -> Tags { tags(f, Columns(f.fields)) }

    /// A feature's tags: key → value, the last value set for a key winning (as a dictionary). A handful of tags per
    /// feature, looked up ~30 times each: a linear scan of short strings costs less than hashing every key.
    struct Tags: ExpressibleByDictionaryLiteral, Equatable {
        private var pairs: [(key: String, value: String)] = []
        init() { pairs.reserveCapacity(16) }
        init(dictionaryLiteral elements: (String, String)...) { for (k, v) in elements { self[k] = v } }
        init(_ d: [String: String]) { for (k, v) in d.sorted(by: { $0.key < $1.key }) { self[k] = v } }
        subscript(_ key: String) -> String? {
            get {
                for p in pairs where p.key == key { return p.value }
                return nil
            }
            set {
                if let i = pairs.firstIndex(where: { $0.key == key }) {
                    if let v = newValue { pairs[i].value = v } else { pairs.remove(at: i) }
                } else if let v = newValue {
                    pairs.append((key, v))
                }
            }
        }
        var count: Int { pairs.count }
        /// As a dictionary (tests, messages).
        var dictionary: [String: String] { Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }) }
        static func == (a: Tags, b: Tags) -> Bool { a.dictionary == b.dictionary }
    }

    /// Where a layer's special columns are (found once per layer, not by name for every feature).
    struct Columns {
        /// Tag columns: every field but other_tags, osm_id, osm_way_id and z_order.
        let tagFields: [(index: Int, name: String)]
        let otherTags: Int?, osmId: Int?, osmWayId: Int?
        init(_ fields: [FieldInfo]) {
            let special: Set<String> = ["other_tags", "osm_id", "osm_way_id", "z_order"]
            tagFields = fields.indices.filter { !special.contains(fields[$0].name) }.map { ($0, fields[$0].name) }
            otherTags = fields.firstIndex { $0.name == "other_tags" }
            osmId = fields.firstIndex { $0.name == "osm_id" }
            osmWayId = fields.firstIndex { $0.name == "osm_way_id" }
        }
        func string(_ f: Feature, _ i: Int?) -> String? { i.flatMap { f.value($0).string } }
    }

    /// As `tags(_:)`, with the layer's columns already found.
    static func tags(_ f: Feature, _ c: Columns) -> Tags {
        var t = Tags()
        for (i, name) in c.tagFields {
            if let v = f.value(i).string, !v.isEmpty { t[name] = v }
        }
        if let o = c.string(f, c.otherTags) { for (k, v) in parseOtherTags(o) { t[k] = v } }
        return t
    }

    static let excludedHighways: Set<String> = ["proposed", "construction", "abandoned", "platform", "bus_stop", "raceway", "elevator", "rest_area", "services", "emergency_bay", "disused", "razed"]
    static let motorways: Set<String> = ["motorway", "motorway_link", "trunk", "trunk_link"]
    static let nonDrivable: Set<String> = ["footway", "path", "steps", "pedestrian", "cycleway", "bridleway", "corridor", "track"]

    /// Facility category of a tag set, per the README table; nil when none applies.
    static func facilityCategories(_ t: Tags) -> [String] {
        var cats: [String] = []
        let amenity = t["amenity"], leisure = t["leisure"], shop = t["shop"], healthcare = t["healthcare"]
        switch amenity {
        case "kindergarten": cats.append("kindergarten")
        case "childcare": cats.append("infant_care")
        case "toilets": cats.append("public_toilet")
        case "charging_station": cats.append("ev_charging")
        case "parking":
            // Public parking only: private, customers-only and residents' lots are not 公共停车场.
            if !["private", "customers", "no", "permit", "residents"].contains(t["access"] ?? "") { cats.append("parking") }
        case "post_office", "parcel_locker": cats.append("parcel")
        case "school":
            let level = (t["isced:level"] ?? t["school:level"] ?? "").lowercased()
            if level.contains("2") || level.contains("3") || level.contains("secondary") || level.contains("middle") {
                cats.append("middle_school")
                if level.contains("1") || level.contains("primary") { cats.append("primary_school") }
            } else {
                cats.append("primary_school")
            }
        case "clinic", "doctors": cats.append("clinic")
        case "hospital": cats.append("hospital")
        case "pharmacy": cats.append("pharmacy")
        case "marketplace": cats.append("market")
        case "community_centre": cats.append("community_service")
        case "social_centre": cats.append("community_service")
        case "arts_centre", "library", "theatre", "cinema": cats.append("culture")
        case "fire_station": cats.append("fire_station")
        case "nursing_home": cats.append("elderly_home")
        case "social_facility":
            let sf = t["social_facility"] ?? "", forWhom = t["social_facility:for"] ?? ""
            if sf == "nursing_home" || sf == "assisted_living" { cats.append("elderly_home") }
            else if sf == "day_care" || forWhom == "senior" { cats.append("elderly_daycare") }
            else { cats.append("community_service") }
        default: break
        }
        if healthcare == "centre" && !cats.contains("clinic") && !cats.contains("hospital") { cats.append("health_center") }
        switch shop {
        case "supermarket": cats.append("supermarket")
        case "convenience": cats.append("convenience")
        case "greengrocer": cats.append("market")
        default: break
        }
        switch leisure {
        case "park": cats.append("park")
        case "playground", "fitness_station": cats.append("fitness")
        case "pitch":
            cats.append("sports_mid")
            if (t["sport"] ?? "").split(separator: ";").contains(where: { $0 == "soccer" || $0 == "football" }) { cats.append("football") }
        case "sports_centre", "stadium": cats.append("sports_large")
        default: break
        }
        if t["emergency"] == "assembly_point" { cats.append("shelter") }
        // Public transport: bus stops (highway=bus_stop, or a platform served by buses) and urban rail stations
        // (metro, light rail, monorail: 轨道交通; mainline and tram stops are not).
        if t["highway"] == "bus_stop" || (t["public_transport"] == "platform" && t["bus"] == "yes") { cats.append("bus_stop") }
        let station = t["station"] ?? ""
        if (t["railway"] == "station" || t["railway"] == "halt" || t["public_transport"] == "station"),
           ["subway", "light_rail", "monorail"].contains(station) || t["subway"] == "yes" || t["light_rail"] == "yes" {
            cats.append("rail_station")
        }
        return cats
    }

    static func buildingUse(_ b: String, _ t: Tags) -> String {
        switch b {
        case "apartments", "residential", "house", "detached", "semidetached_house", "terrace", "dormitory", "bungalow", "cabin", "farm", "static_caravan", "houseboat":
            return "residential"
        case "commercial", "retail", "office", "supermarket", "kiosk", "hotel", "shop", "warehouse_shop":
            return "commercial"
        case "school", "university", "college", "kindergarten", "hospital", "public", "civic", "government", "church", "cathedral",
             "chapel", "mosque", "temple", "synagogue", "train_station", "transportation", "fire_station", "museum", "library", "sports_hall", "stadium":
            return "public"
        case "industrial", "warehouse", "factory", "manufacture", "hangar", "storage_tank":
            return "industrial"
        case "garage", "garages", "shed", "carport", "roof", "parking", "service", "hut", "construction", "ruins":
            return "other"
        default:
            if t["amenity"] != nil { return "public" }
            if t["shop"] != nil || t["office"] != nil { return "commercial" }
            return "unknown"
        }
    }

    static func pipeKind(_ t: Tags) -> String {
        switch (t["substance"] ?? t["type"] ?? "").lowercased() {
        case "sewage", "sewer", "wastewater": return "sewer"
        case "rainwater", "stormwater", "drain": return "storm"
        case "water", "drinking_water": return "water"
        case "gas", "natural_gas": return "gas"
        case "heat", "hot_water", "steam": return "heat"
        default: return "unknown"
        }
    }

    /// Parses a year from `start_date`-style values ("1923", "1923-05", "~1900", "C19" is ignored).
    static func year(_ s: String?) -> Int? {
        guard let s else { return nil }
        var digits = ""
        for ch in s { if ch.isNumber { digits.append(ch); if digits.count == 4 { break } } else if !digits.isEmpty { digits = "" } }
        return digits.count == 4 ? Int(digits) : nil
    }

    /// Reads an OSM file and returns raw features per canonical layer.
    /// - Parameter idle: called with the features mapped so far whenever the reader has no batch ready (see
    ///   `VectorDataset.forEachFeatureInterleaved`); true when it did some work.
    static func read(path: String, originBase: Int, idle: (([String: [RawFeature]]) -> Bool)? = nil) throws -> (SourceOrigin, [String: [RawFeature]]) {
        guard FileManager.default.fileExists(atPath: path) else { throw PipelineError.input(file: path, layer: nil, message: "OSM file not found") }
        var out: [String: [RawFeature]] = [:]
        for k in CityConfig.layerKeys { out[k] = [] }
        // Each OSM layer's columns (the same for all its features).
        var columns: [String: Columns] = [:]
        func add(_ layer: String, _ id: String, _ attrs: [String: FieldValue], _ g: Geometry?) {
            out[layer, default: []].append(RawFeature(sourceId: id, attrs: attrs, geometry: g, origin: originBase))
        }
        do {
            // One pass over the file (interleaved reading), as GDAL recommends for OSM. Counts equal an unfiltered
            // `ogrinfo` dump; note that `ogrinfo -where`/`-sql` on the OSM driver also emits closed ways that a
            // multipolygon relation already represents (2 duplicates of Monaco's buildings), so it is not the reference.
            // The reader thread opens the file (once); its driver is checked before any feature is used.
            try VectorDataset.forEachFeatureInterleaved(path: path, layers: ["points", "lines", "multipolygons"], opened: { r in
                switch r {
                case .failure(let e): throw PipelineError.input(file: path, layer: nil, message: "cannot open OSM file: \(e.message)")
                case .success(let driver) where driver != "OSM":
                    throw PipelineError.input(file: path, layer: nil, message: "not an OSM file (opened by the \(driver) driver)")
                case .success: break
                }
            }, idle: { idle?(out) ?? false }) { lname, f in
                let cols: Columns
                if let c = columns[lname] { cols = c } else { cols = Columns(f.fields); columns[lname] = cols }
                let t = tags(f, cols)
                let sid: String
                switch lname {
                case "points": sid = "n" + (cols.string(f, cols.osmId) ?? "?")
                case "lines": sid = "w" + (cols.string(f, cols.osmId) ?? "?")
                default:
                    if let w = cols.string(f, cols.osmWayId) { sid = "w" + w } else { sid = "r" + (cols.string(f, cols.osmId) ?? "?") }
                }
                var geom: Geometry?
                var geomError: String?
                do { geom = try f.geometry() } catch { geomError = "\(error)" }
                func attrs(_ a: [String: FieldValue]) -> [String: FieldValue] {
                    var a = a
                    if let e = geomError { a["__error"] = .string("unreadable geometry: \(e)") }
                    return a
                }
                let name: FieldValue = t["name"].map { .string($0) } ?? .null
                if lname == "multipolygons" {
                    if let b = t["building"], b != "no" {
                        var a: [String: FieldValue] = ["use": .string(buildingUse(b, t)), "name": name]
                        if let h = t["height"] ?? t["building:height"] { a["height"] = .string(h) }
                        if let l = t["building:levels"] { a["floors"] = .string(l) }
                        if let y = year(t["start_date"] ?? t["building:year"] ?? t["construction_date"]) { a["year_built"] = .int(Int64(y)) }
                        add("buildings", sid, attrs(a), geom)
                    }
                    let landuse = t["landuse"], leisure = t["leisure"], natural = t["natural"]
                    if leisure == "park" || leisure == "garden" || ["grass", "forest", "meadow", "recreation_ground", "village_green"].contains(landuse ?? "")
                        || ["wood", "scrub", "grassland", "heath"].contains(natural ?? "") {
                        let kind = leisure ?? landuse ?? natural ?? "green"
                        add("green", sid, attrs(["kind": .string(kind), "park": .int(leisure == "park" ? 1 : 0), "name": name]), geom)
                    }
                    if natural == "water" || t["waterway"] == "riverbank" || landuse == "reservoir" || landuse == "basin" {
                        add("water", sid, attrs(["kind": .string(t["water"] ?? t["waterway"] ?? landuse ?? "water")]), geom)
                    }
                    if t["boundary"] == "administrative", let lvl = t["admin_level"], let l = Int(lvl), l >= 9 {
                        add("zones", sid, attrs(["id": .string(sid), "name": name, "level": .string(l >= 10 ? "subdistrict" : "district")]), geom)
                    }
                }
                if lname == "lines" {
                    if let h = t["highway"], !excludedHighways.contains(h) {
                        var walk = true
                        if t["foot"] == "no" || t["access"] == "no" && t["foot"] != "yes" { walk = false }
                        if motorways.contains(h) && t["foot"] != "yes" && !(t["sidewalk"].map { $0 != "no" && $0 != "none" } ?? false) { walk = false }
                        let drive = !nonDrivable.contains(h) && t["motor_vehicle"] != "no" && t["access"] != "no"
                        let onewayWalk = (h == "footway" || h == "path" || h == "steps") && t["oneway"] == "yes" && t["oneway:foot"] != "no"
                            || t["oneway:foot"] == "yes"
                        add("roads", sid, attrs(["highway": .string(h), "name": name, "walkable": .int(walk ? 1 : 0),
                                                 "drivable": .int(drive ? 1 : 0), "oneway_walk": .int(onewayWalk ? 1 : 0)]), geom)
                    }
                    if t["man_made"] == "pipeline" {
                        let dia = t["diameter"].flatMap(parseMeasure).map { $0 > 20 ? $0 / 1000 : $0 } // mm or m
                        add("pipes", sid, attrs(["kind": .string(pipeKind(t)), "diameter": dia.map { .real($0) } ?? .null]), geom)
                    }
                }
                // Facilities from points and polygons.
                if lname != "lines" {
                    for c in facilityCategories(t) {
                        add("facilities", sid, attrs(["category": .string(c), "name": name]), geom)
                    }
                }
            }
        } catch let e as GeoBridgeError {
            throw PipelineError.input(file: path, layer: nil, message: "read error (corrupt or truncated file?): \(e.message)")
        }
        return (SourceOrigin(file: path, layer: "osm", crs: "EPSG:4326"), out)
    }
}
