import CityModel

/// A part's share of the tiled indicator work (issue 18): the derived built-up area's pieces and the overlay pass's
/// results for the tiles a part of a partitioned city owns (`TileSelection.owned`).
///
/// Every tile is computed from the whole city's layers by the same code as in a single run, so a tile's result is the
/// single run's to the bit; `merged` sorts the parts' tiles into tile order, and `PreparedLayers(_:given:)` sums them in
/// that order, so the merged indicators equal a single run's (the areas are additive over the tiles).
public struct TileShare: Sendable {
    /// Whether the built-up area was derived (the closing pieces are in `closing`) or given by the `built_up` layer.
    public var derived: Bool
    /// Scopes of the overlay results (1 + number of zones).
    public var scopes: Int
    /// The derived built-up area's pieces per tile (tiles without pieces left out).
    public var closing: [TilePieces]
    var overlays: [(TileKey, TiledAreaPass.TileOut)]

    init(derived: Bool, scopes: Int, closing: [TilePieces], overlays: [(TileKey, TiledAreaPass.TileOut)]) {
        self.derived = derived; self.scopes = scopes; self.closing = closing; self.overlays = overlays
    }

    /// Overlay tiles held.
    public var overlayTiles: [TileKey] { overlays.map(\.0) }

    /// The derived built-up area as `BuiltUpArea.derive` returns it (pieces in tile order).
    public var builtUpPieces: MultiPolygon { MultiPolygon(closing.flatMap(\.pieces)) }

    /// A part's share: with `builtUp` nil, the built-up area is derived from the footprints for the selected tiles;
    /// the overlay pass then runs on the selected tiles of it.
    public static func compute(_ make: (MultiPolygon) -> IndicatorInputs, buildings: [Building], builtUp: MultiPolygon?,
                               ops: GeometryOps, only: TileSelection) throws -> TileShare {
        var closing: [TilePieces] = []
        let bu: MultiPolygon
        if let builtUp { bu = builtUp } else {
            closing = try BuiltUpArea.deriveTiles(buildings: buildings, ops: ops, only: only)
            bu = MultiPolygon(closing.flatMap(\.pieces))
        }
        let inputs = make(bu)
        let p = PreparedLayers.passParameters(inputs)
        let tiles = try TiledAreaPass.tiles(inputs, zoneBuildings: p.zoneBuildings, pipeDistances: p.pipeDistances, dense: p.dense, only: only)
        return TileShare(derived: builtUp == nil, scopes: 1 + inputs.base.zones.count, closing: closing, overlays: tiles)
    }

    /// The parts' shares joined in tile order. A tile in two shares, or shares of different cities (scopes, derived or
    /// not), is an error; so is a built-up tile without its overlay result (a part that did not finish its tiles).
    public static func merged(_ shares: [(part: Int, share: TileShare)]) throws -> TileShare {
        guard let first = shares.first?.share else { throw TileShareError("no parts") }
        var closing: [(Int, TilePieces)] = [], overlays: [(Int, TileKey, TiledAreaPass.TileOut)] = []
        for (k, s) in shares {
            guard s.scopes == first.scopes, s.derived == first.derived else {
                throw TileShareError("part \(k) was computed for \(s.scopes - 1) zones (built-up \(s.derived ? "derived" : "given")), part \(shares[0].part) for \(first.scopes - 1) (\(first.derived ? "derived" : "given"))")
            }
            closing += s.closing.map { (k, $0) }
            overlays += s.overlays.map { (k, $0.0, $0.1) }
        }
        closing.sort { $0.1.key < $1.1.key }
        overlays.sort { $0.1 < $1.1 }
        for n in closing.indices.dropFirst() where closing[n].1.key == closing[n - 1].1.key {
            throw TileShareError("built-up tile \(closing[n].1.key.col),\(closing[n].1.key.row) is in parts \(closing[n - 1].0) and \(closing[n].0)")
        }
        for n in overlays.indices.dropFirst() where overlays[n].1 == overlays[n - 1].1 {
            throw TileShareError("overlay tile \(overlays[n].1.col),\(overlays[n].1.row) is in parts \(overlays[n - 1].0) and \(overlays[n].0)")
        }
        let have = Set(overlays.map(\.1))
        if let miss = closing.first(where: { !have.contains($0.1.key) }) {
            throw TileShareError("part \(miss.0) holds built-up tile \(miss.1.key.col),\(miss.1.key.row) but no overlay result for it")
        }
        return TileShare(derived: first.derived, scopes: first.scopes, closing: closing.map(\.1), overlays: overlays.map { ($0.1, $0.2) })
    }

    // MARK: binary form (little-endian; doubles as IEEE bit patterns, so values come back exact)

    static let magic: UInt32 = 0x5449_4D43   // "CMIT"
    static let version: UInt32 = 1

    /// The share as bytes (`init(bytes:)` reads them back).
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.u32(Self.magic); w.u32(Self.version); w.u32(derived ? 1 : 0); w.u32(UInt32(scopes))
        w.u32(UInt32(closing.count))
        for c in closing { w.key(c.key); w.polygons(c.pieces) }
        w.u32(UInt32(overlays.count))
        for (k, o) in overlays {
            w.key(k)
            for a in o.areas {
                for v in [a.builtUp, a.green, a.permeable, a.roadLength, a.pipeLength, a.dense] { w.f64(v) }
                w.dict(a.pipeCovered); w.dict(a.pipeGap)
            }
            w.polygons(o.builtUp)
            w.u32(UInt32(o.zoneBuiltUp.count))
            for (z, p) in o.zoneBuiltUp { w.u32(UInt32(z)); w.polygons(p) }
            let gaps = o.gaps.sorted { $0.key < $1.key }
            w.u32(UInt32(gaps.count))
            for (d, p) in gaps { w.f64(d); w.polygons(p) }
            w.polygons(o.green)
        }
        return w.bytes
    }

    /// Reads `encoded()` bytes; throws on anything else (truncated, another version, counts out of range).
    public init(bytes: [UInt8]) throws {
        do { try self.init(reading: bytes) } catch let e as BinaryFormatError { throw TileShareError(e.description) }
    }

    private init(reading bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        guard try r.u32() == Self.magic else { throw TileShareError("not a CIMBase tile share") }
        let v = try r.u32()
        guard v == Self.version else { throw TileShareError("tile share version \(v), this build reads \(Self.version)") }
        derived = try r.u32() == 1
        scopes = Int(try r.u32())
        guard scopes >= 1, scopes <= 10_000_000 else { throw TileShareError("bad scope count \(scopes)") }
        let nc = try r.count(minBytes: 12)
        var cl: [TilePieces] = []
        cl.reserveCapacity(nc)
        for _ in 0..<nc { cl.append(TilePieces(key: try r.key(), pieces: try r.polygons())) }
        closing = cl
        let no = try r.count(minBytes: 8)
        var ov: [(TileKey, TiledAreaPass.TileOut)] = []
        ov.reserveCapacity(no)
        for _ in 0..<no {
            let k = try r.key()
            var o = TiledAreaPass.TileOut(areas: [])
            o.areas.reserveCapacity(scopes)
            for _ in 0..<scopes {
                var a = ScopeAreas()
                a.builtUp = try r.f64(); a.green = try r.f64(); a.permeable = try r.f64()
                a.roadLength = try r.f64(); a.pipeLength = try r.f64(); a.dense = try r.f64()
                a.pipeCovered = try r.dict(); a.pipeGap = try r.dict()
                o.areas.append(a)
            }
            o.builtUp = try r.polygons()
            let nz = try r.count(minBytes: 8)
            for _ in 0..<nz {
                let z = Int(try r.u32())
                guard z < scopes - 1 else { throw TileShareError("zone \(z) of \(scopes - 1)") }
                o.zoneBuiltUp.append((z, try r.polygons()))
            }
            let ng = try r.count(minBytes: 12)
            for _ in 0..<ng { let d = try r.f64(); o.gaps[d] = try r.polygons() }
            o.green = try r.polygons()
            ov.append((k, o))
        }
        overlays = ov
        guard r.atEnd else { throw TileShareError("\(bytes.count - r.at) bytes after the end") }
    }
}

public struct TileShareError: Error, CustomStringConvertible {
    public let description: String
    init(_ m: String) { description = m }
}

extension BinaryWriter {
    mutating func key(_ k: TileKey) { u32(UInt32(bitPattern: k.col)); u32(UInt32(bitPattern: k.row)) }
    mutating func dict(_ d: [Double: Double]) {
        u32(UInt32(d.count))
        for (k, v) in d.sorted(by: { $0.key < $1.key }) { f64(k); f64(v) }
    }
    mutating func polygons(_ ps: [Polygon]) {
        u32(UInt32(ps.count))
        for p in ps {
            u32(UInt32(p.rings.count))
            for ring in p.rings {
                u32(UInt32(ring.count))
                for q in ring { f64(q.x); f64(q.y) }
            }
        }
    }
}

extension BinaryReader {
    mutating func key() throws -> TileKey {
        TileKey(col: Int32(bitPattern: try u32()), row: Int32(bitPattern: try u32()))
    }
    mutating func dict() throws -> [Double: Double] {
        let n = try count(minBytes: 16)
        var d: [Double: Double] = [:]
        for _ in 0..<n { let k = try f64(); d[k] = try f64() }
        return d
    }
    mutating func polygons() throws -> [Polygon] {
        let n = try count(minBytes: 4)
        var ps: [Polygon] = []
        ps.reserveCapacity(n)
        for _ in 0..<n {
            let nr = try count(minBytes: 4)
            var rings: [[Vec2]] = []
            rings.reserveCapacity(nr)
            for _ in 0..<nr {
                let np = try count(minBytes: 16)
                var ring: [Vec2] = []
                ring.reserveCapacity(np)
                for _ in 0..<np { let x = try f64(); ring.append(Vec2(x, try f64())) }
                rings.append(ring)
            }
            ps.append(Polygon(rings))
        }
        return ps
    }
}
