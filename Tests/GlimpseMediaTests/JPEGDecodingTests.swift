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
