// PNG chunk validation before and after IDAT: a 2x2 RGB PNG built here byte by byte (CRC-32 and
// a stored zlib stream computed below, as the PNG and zlib specifications define them), with
// one chunk added before or after the image data.
import GlimpseMedia
import TestSupport
import XCTest

final class PNGChunkTests: XCTestCase {
    /// CRC-32 (ISO 3309, polynomial 0xEDB88320) over a chunk's type and data (PNG §5.5).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
            UInt8(value & 0xFF),
        ]
    }

    /// length, type, data, CRC; `badCRC` flips the CRC's lowest bit.
    static func chunk(_ type: String, _ data: [UInt8], badCRC: Bool = false) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData
            + bigEndian(crc32(typeAndData) ^ (badCRC ? 1 : 0))
    }

    /// A zlib stream (RFC 1950) holding `data` in one stored deflate block (RFC 1951 §3.2.4).
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        let length = UInt16(data.count)
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return [
            0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8),
            UInt8(~length & 0xFF), UInt8(~length >> 8),
        ] + data + bigEndian(b << 16 | a)
    }

    /// A 2x2 8-bit RGB PNG, every pixel (200, 10, 30), with `before` chunks between IHDR and
    /// IDAT and `after` chunks between IDAT and IEND.
    static func png(before: [[UInt8]] = [], after: [[UInt8]] = []) -> [UInt8] {
        let header = bigEndian(2) + bigEndian(2) + [8, 2, 0, 0, 0]
        let rows = [UInt8]([0, 200, 10, 30, 200, 10, 30, 0, 200, 10, 30, 200, 10, 30])
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + before.joined() + chunk("IDAT", zlibStored(rows)) + after.joined()
            + chunk("IEND", [])
    }

    func testValidFilesWithChunksInTheirPlaceDecode() throws {
        let expected = [UInt8]([200, 10, 30]).repeated(4)
        for bytes in [
            Self.png(),
            Self.png(after: [Self.chunk("tEXt", Array("Comment\0after the pixels".utf8))]),
            Self.png(before: [Self.chunk("gAMA", Self.bigEndian(45455))]),
            Self.png(after: [Self.chunk("tIME", [7, 234, 12, 3, 8, 0, 0])]),
            Self.png(after: [Self.chunk("prVt", [1, 2, 3])]),  // unknown ancillary: skipped
        ] {
            let image = try Image(decoding: bytes)
            XCTAssertEqual([image.width, image.height], [2, 2])
            XCTAssertEqual(image.pixels, expected)
        }
    }

    /// Each damage is refused whether it comes before or after IDAT (where it may appear at
    /// all), with the chunk named in the message.
    func testMalformedMisplacedAndUnknownCriticalChunksFailTheDecode() {
        let text = Array("Comment\0hello".utf8)
        let cases: [(String, [UInt8], String)] = [
            (
                "unknown critical chunk before IDAT", Self.png(before: [Self.chunk("ABCD", [1])]),
                "ABCD"
            ),
            (
                "unknown critical chunk after IDAT", Self.png(after: [Self.chunk("ABCD", [1])]),
                "ABCD"
            ),
            (
                "769-byte gAMA before IDAT",
                Self.png(before: [Self.chunk("gAMA", [UInt8](repeating: 0, count: 769))]), "gAMA"
            ),
            (
                "769-byte gAMA after IDAT",
                Self.png(after: [Self.chunk("gAMA", [UInt8](repeating: 0, count: 769))]), "gAMA"
            ),
            ("empty sBIT before IDAT", Self.png(before: [Self.chunk("sBIT", [])]), "sBIT"),
            ("empty sBIT after IDAT", Self.png(after: [Self.chunk("sBIT", [])]), "sBIT"),
            ("PLTE after IDAT", Self.png(after: [Self.chunk("PLTE", [0, 0, 0, 1, 1, 1])]), "PLTE"),
            ("tRNS after IDAT", Self.png(after: [Self.chunk("tRNS", [0, 0, 0, 0, 0, 0])]), "tRNS"),
            (
                "pHYs after IDAT",
                Self.png(after: [Self.chunk("pHYs", Self.bigEndian(1) + Self.bigEndian(1) + [1])]),
                "pHYs"
            ),
            (
                "ancillary CRC error before IDAT",
                Self.png(before: [Self.chunk("tEXt", text, badCRC: true)]), "CRC"
            ),
            (
                "ancillary CRC error after IDAT",
                Self.png(after: [Self.chunk("tEXt", text, badCRC: true)]), "CRC"
            ),
        ]
        for (what, bytes, named) in cases {
            assertMediaError(
                try Image(decoding: bytes, source: "case.png"),
                {
                    if case .corrupt("case.png", let reason) = $0 {
                        reason.contains(named)
                    } else {
                        false
                    }
                },
                what)
        }
    }
}

extension Array {
    fileprivate func repeated(_ count: Int) -> [Element] {
        (0..<count).flatMap { _ in self }
    }
}
