import Foundation

/// A minimal PNG encoder (ISO/IEC 15948, RFC 2083) for small embedded rasters: 8-bit RGBA, filter 0 on every
/// row, zlib stream (RFC 1950) of stored (uncompressed) deflate blocks (RFC 1951 §3.2.4), CRC-32 per chunk,
/// Adler-32 over the raw data. No compression: meant for report thumbnails of up to a few hundred thousand pixels.
/// Complexity: O(width·height).
public enum PNGEncoder {
    /// Encodes `rgba` (row-major, top row first, 4 bytes per pixel) as PNG bytes.
    public static func encode(width: Int, height: Int, rgba: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0 && rgba.count == width * height * 4, "PNG: rgba size mismatch")
        var raw: [UInt8] = []
        raw.reserveCapacity((width * 4 + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type None
            raw.append(contentsOf: rgba[(y * width * 4)..<((y + 1) * width * 4)])
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr += be32(UInt32(width)); ihdr += be32(UInt32(height))
        ihdr += [8, 6, 0, 0, 0]  // bit depth 8, colour type 6 (RGBA), deflate, filter 0, no interlace
        chunk("IHDR", ihdr, into: &out)
        chunk("IDAT", zlibStored(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// zlib stream with stored deflate blocks (≤ 65,535 bytes each) and the Adler-32 trailer.
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // CM 8, CINFO 7; FLEVEL 0; (0x7801 % 31 == 0)
        var pos = 0
        repeat {
            let len = min(65_535, data.count - pos)
            let final: UInt8 = pos + len >= data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE 00
            out += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8((~len >> 8) & 0xFF)]
            out.append(contentsOf: data[pos..<(pos + len)])
            pos += len
        } while pos < data.count
        out += be32(adler32(data))
        return out
    }

    /// Adler-32 (RFC 1950 §9). O(n).
    public static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            let end = min(i + 5552, data.count)  // largest n keeping b < 2^32 before the modulo
            while i < end { a &+= UInt32(data[i]); b &+= a; i += 1 }
            a %= 65521; b %= 65521
        }
        return (b << 16) | a
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (ISO 3309, as used by PNG). O(n).
    public static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    private static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out += be32(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        out += be32(crc32(typed))
    }
}
