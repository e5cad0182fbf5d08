import Foundation

/// Joins tilesets under one root (issue 18: the parts of a partitioned city each write the tileset of the buildings
/// their core owns; merge joins them). Each part becomes a child tile whose content is the part's tileset.json as an
/// external tileset (3D Tiles 1.1 §"External tilesets"): its bounding volume is the part root's region and its
/// geometric error the part's tileset geometric error. The root is content-free with refine ADD (the parts hold
/// disjoint buildings; nothing replaces anything), its region the union of the parts' and its error as the writer's
/// root rule: at least half the city's horizontal diagonal and 1.25 × the largest child's.
public enum TilesetJoin {
    public struct Part: Sendable {
        /// URI of the part's tileset.json relative to the joined tileset.json.
        public var uri: String
        /// The part's tileset.json.
        public var json: Data
        public init(uri: String, json: Data) { self.uri = uri; self.json = json }
    }

    public static func encode(_ parts: [Part]) throws -> String {
        var children: [(uri: String, region: GeodeticRegion, ge: Double)] = []
        for p in parts {
            guard let o = try? JSONSerialization.jsonObject(with: p.json) as? [String: Any],
                  let ge = (o["geometricError"] as? NSNumber)?.doubleValue,
                  let root = o["root"] as? [String: Any], let bv = root["boundingVolume"] as? [String: Any],
                  let r = (bv["region"] as? [NSNumber])?.map(\.doubleValue), r.count == 6 else {
                throw TilesError.io("\(p.uri): not a tileset.json with a region root")
            }
            // An empty part tileset (a core without buildings) has the empty root; it is left out.
            if r == [0, 0, 0, 0, 0, 0] && ge == 0 { continue }
            children.append((p.uri, GeodeticRegion(west: r[0], south: r[1], east: r[2], north: r[3], minH: r[4], maxH: r[5]), ge))
        }
        var j = JSONText()
        j.raw("{\"asset\":{\"version\":\"1.1\",\"generator\":\"CIMBase Tiles (joined parts)\"}")
        if children.isEmpty {
            j.raw(",\"geometricError\":0,\"root\":{\"boundingVolume\":{\"region\":[0,0,0,0,0,0]},\"geometricError\":0,\"refine\":\"ADD\"}}")
            return j.s
        }
        let region = children.dropFirst().reduce(children[0].region) { $0.union($1.region) }
        let halfDiag = 0.5 * (pow((region.north - region.south) * WGS84.a, 2)
                              + pow((region.east - region.west) * WGS84.a * cos((region.north + region.south) / 2), 2)).squareRoot()
        let rootGE = max(1.25 * (children.map(\.ge).max() ?? 0), halfDiag, 1)
        j.raw(",\"geometricError\":"); j.number(2 * rootGE)
        j.raw(",\"root\":{\"boundingVolume\":{\"region\":"); j.numbers(region.array)
        j.raw("},\"geometricError\":"); j.number(rootGE)
        j.raw(",\"refine\":\"ADD\",\"children\":[")
        for (k, c) in children.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"boundingVolume\":{\"region\":"); j.numbers(c.region.array)
            j.raw("},\"geometricError\":"); j.number(c.ge)
            j.raw(",\"content\":{\"uri\":"); j.string(c.uri); j.raw("}}")
        }
        j.raw("]}}")
        return j.s
    }
}
