// Round trips through our encoders, and atomic writes.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class ImageEncodingTests: XCTestCase {
    func testPNGRoundTripIsLossless() throws {
        for path in [
            "png/pngsuite/basn6a08.png", "png/pngsuite/basn2c08.png", "jpeg/baseline_420.jpg",
        ] {
            let image = try Image(contentsOf: Fixtures.path(path))
            let decoded = try Image(decoding: image.encoded(as: .png), layout: image.layout)
            XCTAssertEqual(decoded, image, path)
        }
    }

    func testJPEGRoundTripStaysAboveAPSNRBound() throws {
        // A smooth picture, as JPEG is meant for (sharp synthetic edges lose chroma at 4:2:0).
        let image = try Image(contentsOf: Fixtures.path("jpeg/baseline_444.jpg"))
            .resized(width: 24, height: 16, method: .area).resized(width: 96, height: 64)
        let high = try Image(decoding: image.encoded(as: .jpeg, quality: 95))
        let low = try Image(decoding: image.encoded(as: .jpeg, quality: 30))
        XCTAssertGreaterThan(psnr(high.pixels, image.pixels), 32)
        XCTAssertGreaterThan(psnr(high.pixels, image.pixels), psnr(low.pixels, image.pixels))
    }

    func testOurPNGDecodesIdenticallyInFFmpeg() throws {
        let image = try Image(contentsOf: Fixtures.path("png/pngsuite/basn6a08.png"))
        let directory = Fixtures.temporaryDirectory()
        let path = directory + "/out.png"
        try image.write(to: path)
        XCTAssertEqual(try ffmpegRaw(path, pixelFormat: "rgba"), image.pixels)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        XCTAssertEqual(leftovers, ["out.png"], "no temporary file may remain")
    }

    func testWriteErrorsNameTheFile() throws {
        let image = Image(width: 2, height: 2, filledWith: [1, 2, 3])
        assertMediaError(
            try image.write(to: "/nonexistent-dir/x.png"),
            { if case .unwritable(let p, _) = $0 { p == "/nonexistent-dir/x.png" } else { false } },
            "missing directory")
        assertMediaError(
            try image.write(to: Fixtures.temporaryDirectory() + "/x.bmp"),
            { if case .unwritable = $0 { true } else { false } }, "unknown extension")
        assertMediaError(
            try image.encoded(as: .jpeg, quality: 0),
            { if case .invalidArgument = $0 { true } else { false } }, "quality")
    }
}
