// JPEG decoding checked against djpeg (libjpeg-turbo's reference tool) within ±1 per channel.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class JPEGDecodingTests: XCTestCase {
    /// djpeg's output as interleaved RGB (PGM gray is replicated to three channels).
    static func djpegRGB(_ path: String, extra: [String] = []) throws
        -> (width: Int, height: Int, pixels: [UInt8])
    {
        let result = try runProcess("djpeg", ["-pnm"] + extra + [path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = [UInt8](result.stdout)
        // Header: "P5|P6\n<w> <h>\n255\n" (djpeg writes exactly this form).
        var fields: [String] = []
        var i = 0
        var current = ""
        while fields.count < 4 {
            let c = Character(UnicodeScalar(data[i]))
            if c.isWhitespace {
                if !current.isEmpty { fields.append(current) }
                current = ""
            } else {
                current.append(c)
            }
            i += 1
        }
        let width = Int(fields[1])!
        let height = Int(fields[2])!
        let body = Array(data[i...])
        if fields[0] == "P6" { return (width, height, body) }
        return (width, height, body.flatMap { [$0, $0, $0] })
    }

    func testVariantsMatchDjpegWithinOne() throws {
        let names = [
            "baseline_420", "baseline_422", "baseline_444", "baseline_440", "baseline_411",
            "progressive", "arithmetic", "grayscale", "restart", "optimized", "ffmpeg_mjpeg",
        ]
        for name in names {
            let path = Fixtures.path("jpeg/\(name).jpg")
            let image = try Image(contentsOf: path)
            let reference = try Self.djpegRGB(path)
            XCTAssertEqual(image.width, reference.width, name)
            XCTAssertEqual(image.height, reference.height, name)
            XCTAssertEqual(image.layout, .rgb, name)
            XCTAssertLessThanOrEqual(
                maxAbsoluteDifference(image.pixels, reference.pixels), 1, "\(name) vs djpeg")
        }
    }

    func testLossyDecodesStayCloseToTheSourcePicture() throws {
        let source = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: Fixtures.path("jpeg/source_97x61.rgb"))))
        // 4:4:4 and CMYK keep full colour resolution; the sharp test pattern defeats 4:2:0.
        for name in ["baseline_444", "cmyk"] {
            let image = try Image(contentsOf: Fixtures.path("jpeg/\(name).jpg"))
            XCTAssertEqual(image.width, 97, name)
            XCTAssertEqual(image.height, 61, name)
            XCTAssertGreaterThan(psnr(image.pixels, source), 28, "\(name) PSNR against the source")
        }
    }

    func testHeaderInfo() throws {
        let info = try ImageInfo(contentsOf: Fixtures.path("jpeg/baseline_422.jpg"))
        XCTAssertEqual(info.format, .jpeg)
        XCTAssertEqual(info.width, 97)
        XCTAssertEqual(info.height, 61)
        XCTAssertEqual(info.subsampling, "4:2:2")
        XCTAssertEqual(try ImageInfo(contentsOf: Fixtures.path("jpeg/cmyk.jpg")).colorspace, "cmyk")
        XCTAssertEqual(
            try ImageInfo(contentsOf: Fixtures.path("jpeg/grayscale.jpg")).colorspace, "gray")
        XCTAssertEqual(
            try ImageInfo(contentsOf: Fixtures.path("jpeg/orientation_6.jpg")).orientation, 6)
    }

    /// Components and colour space from TurboJPEG's header; the ICC profile from APP2.
    func testHeaderInfoGivesComponentsAndICCProfile() throws {
        let cases: [(String, String, Int, Bool)] = [
            ("baseline_420", "ycbcr", 3, false), ("grayscale", "gray", 1, false),
            ("cmyk", "cmyk", 4, false), ("icc_profile", "ycbcr", 3, true),
            ("orientation_6", "ycbcr", 3, false),
        ]
        for (name, colorspace, components, icc) in cases {
            let info = try ImageInfo(contentsOf: Fixtures.path("jpeg/\(name).jpg"))
            XCTAssertEqual(info.colorspace, colorspace, name)
            XCTAssertEqual(info.channels, components, name)
            XCTAssertEqual(info.hasICCProfile, icc, name)
            XCTAssertEqual(info.bitDepth, 8, name)
            XCTAssertNil(info.colorType, name)
            XCTAssertFalse(info.hasAlpha, name)
        }
        // The same encode as baseline_420.jpg plus the profile: the same pixels.
        XCTAssertEqual(
            try Image(contentsOf: Fixtures.path("jpeg/icc_profile.jpg")),
            try Image(contentsOf: Fixtures.path("jpeg/baseline_420.jpg")))
    }

    /// Only APP2 segments that start `ICC_PROFILE\0` count, wherever they are before the scan
    /// (fill bytes allowed); a damaged segment length never crashes the scan.
    func testICCProfileNeedsItsIdentifier() throws {
        let jpeg = try XCTUnwrap(
            FileManager.default.contents(atPath: Fixtures.path("jpeg/baseline_420.jpg")))
        let base = [UInt8](jpeg)
        func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)]
                + payload
        }
        func inserted(_ bytes: [UInt8]) -> [UInt8] { Array(base[0..<2]) + bytes + base[2...] }
        let icc = Array("ICC_PROFILE".utf8) + [0, 1, 1] + [UInt8](repeating: 7, count: 20)
        let cases: [(String, [UInt8], Bool)] = [
            ("ICC APP2", inserted(segment(0xE2, icc)), true),
            ("fill bytes", inserted([0xFF, 0xFF] + segment(0xE2, icc)), true),
            (
                "after another APP2",
                inserted(segment(0xE2, Array("MPF".utf8) + [0]) + segment(0xE2, icc)), true
            ),
            ("other APP2", inserted(segment(0xE2, Array("MPF".utf8) + [0, 1, 2])), false),
            ("ICC in APP1", inserted(segment(0xE1, icc)), false),
            ("short identifier", inserted(segment(0xE2, Array("ICC_PROF".utf8))), false),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertEqual(try ImageInfo(decoding: bytes).hasICCProfile, expected, name)
        }
        // A segment length running past the end hides the frame header: an error naming the
        // file, for the header as for the pixels (TurboJPEG itself reports a 0x0 success).
        var broken = inserted(segment(0xE2, icc))
        broken[4] = 0xFF
        for bytes in [broken, Array(broken.prefix(40))] {
            assertMediaError(
                try ImageInfo(decoding: bytes, source: "broken.jpg"),
                { if case .corrupt("broken.jpg", _) = $0 { true } else { false } }, "info")
            assertMediaError(
                try Image(decoding: bytes, source: "broken.jpg"),
                { if case .corrupt("broken.jpg", _) = $0 { true } else { false } }, "decode")
        }
    }

    /// The stored picture, turned as EXIF says, by an index mapping written out here
    /// independently of the library's.
    func testExifOrientationIsApplied() throws {
        let stored = try Image(contentsOf: Fixtures.path("jpeg/baseline_420.jpg"))
        let w = stored.width
        let h = stored.height
        func pixel(_ x: Int, _ y: Int) -> [UInt8] {
            Array(stored.pixels[((y * w + x) * 3)..<((y * w + x) * 3 + 3)])
        }
        let cases: [(String, Int, Int, (Int, Int) -> [UInt8])] = [
            ("orientation_3", w, h, { x, y in pixel(w - 1 - x, h - 1 - y) }),
            // 6: rotate 90° clockwise: the shown top row is the stored left column, bottom-up.
            ("orientation_6", h, w, { x, y in pixel(y, h - 1 - x) }),
            ("orientation_6_bigendian", h, w, { x, y in pixel(y, h - 1 - x) }),
            // 8: rotate 90° counter-clockwise: the shown top row is the stored right column.
            ("orientation_8", h, w, { x, y in pixel(w - 1 - y, x) }),
        ]
        for (name, outW, outH, source) in cases {
            let image = try Image(contentsOf: Fixtures.path("jpeg/\(name).jpg"))
            XCTAssertEqual(image.width, outW, name)
            XCTAssertEqual(image.height, outH, name)
            var expected: [UInt8] = []
            for y in 0..<outH { for x in 0..<outW { expected += source(x, y) } }
            XCTAssertEqual(image.pixels, expected, name)
        }
    }

    func testBadFilesGiveTypedErrors() {
        let dir = Fixtures.path("jpeg")
        assertMediaError(
            try Image(contentsOf: dir + "/precision12.jpg"),
            {
                if case .unsupported(_, let reason) = $0 { reason.contains("8-bit") } else { false }
            },
            "12-bit")
        assertMediaError(
            try Image(contentsOf: dir + "/truncated.jpg"),
            { if case .corrupt = $0 { true } else { false } }, "truncated")
        assertMediaError(
            try Image(contentsOf: dir + "/garbage.jpg"),
            { if case .corrupt = $0 { true } else { false } }, "garbage")
        assertMediaError(
            try Image(contentsOf: dir + "/empty.jpg"),
            { if case .corrupt = $0 { true } else { false } }, "empty")
        assertMediaError(
            try Image(contentsOf: dir + "/huge_dimensions.jpg"),
            { if case .tooLarge(_, 65000, 65000, _) = $0 { true } else { false } }, "bomb")
    }
}

final class JPEGScaledDecodingTests: XCTestCase {
    /// `djpeg -scale M/8` is the reference for DCT-scaled decoding.
    func testScaledDecodeMatchesDjpegScale() throws {
        let path = Fixtures.path("jpeg/baseline_444.jpg")  // 97x61
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let image = try Image(decoding: bytes, minimumSize: (20, 10))
        // 2/8 gives 25x16, the smallest scale covering 20x10 (1/8 gives 13x8).
        XCTAssertEqual([image.width, image.height], [25, 16])
        let reference = try JPEGDecodingTests.djpegRGB(path, extra: ["-scale", "2/8"])
        XCTAssertEqual([reference.width, reference.height], [25, 16])
        XCTAssertLessThanOrEqual(maxAbsoluteDifference(image.pixels, reference.pixels), 1)
        // PNG ignores the hint.
        let png = try Image(
            decoding: [UInt8](
                try Data(
                    contentsOf: URL(fileURLWithPath: Fixtures.path("png/pngsuite/basn2c08.png")))),
            minimumSize: (4, 4))
        XCTAssertEqual(png.width, 32)
    }
}
