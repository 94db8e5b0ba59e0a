// `glimpse image …` end to end: exact output forms, files written, errors and exit codes.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class ImageCommandTests: XCTestCase {
    func testInfoJSON() throws {
        let path = Fixtures.path("png/pngsuite/basn6a16.png")
        let result = try runGlimpse(["image", "info", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        XCTAssertEqual(object?["format"] as? String, "png")
        XCTAssertEqual(object?["width"] as? Int, 32)
        XCTAssertEqual(object?["bit_depth"] as? Int, 16)
        XCTAssertEqual(object?["has_alpha"] as? Bool, true)
        XCTAssertEqual(object?["path"] as? String, path)
    }

    func testInfoText() throws {
        let path = Fixtures.path("jpeg/baseline_420.jpg")
        let result = try runGlimpse(["image", "info", path])
        XCTAssertEqual(result.text, "\(path): jpeg 97x61, 8-bit, ycbcr, 4:2:0\n")
    }

    func testConvertResizesAndKeepsAlpha() throws {
        let out = Fixtures.temporaryDirectory() + "/small.png"
        let result = try runGlimpse([
            "image", "convert", Fixtures.path("png/pngsuite/basn6a08.png"), out, "--size", "16x8",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let image = try Image(contentsOf: out)
        XCTAssertEqual(image.layout, .rgba)
        XCTAssertEqual([image.width, image.height], [16, 8])
        let source = try Image(contentsOf: Fixtures.path("png/pngsuite/basn6a08.png"))
        XCTAssertEqual(image, source.resized(width: 16, height: 8, method: .area))
    }

    func testConvertToJPEGHonoursQuality() throws {
        let directory = Fixtures.temporaryDirectory()
        let source = Fixtures.path("jpeg/baseline_444.jpg")
        for quality in ["20", "95"] {
            let result = try runGlimpse([
                "image", "convert", source, "\(directory)/q\(quality).jpg", "--quality", quality,
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let small =
            try FileManager.default.attributesOfItem(atPath: directory + "/q20.jpg")[.size] as! Int
        let large =
            try FileManager.default.attributesOfItem(atPath: directory + "/q95.jpg")[.size] as! Int
        XCTAssertLessThan(small, large)
    }

    func testBadInputsExitNonZeroWithOneErrorLineNamingTheFile() throws {
        let cases = [
            Fixtures.path("png/bad/empty.png"), Fixtures.path("png/bad/truncated.png"),
            Fixtures.path("png/bad/garbage.png"), Fixtures.path("png/bad/huge_dimensions.png"),
            Fixtures.path("jpeg/truncated.jpg"), Fixtures.path("jpeg/precision12.jpg"),
            Fixtures.path("png/testpngs/crashers/huge_IDAT.png"), "/nonexistent/file.png",
        ]
        let out = Fixtures.temporaryDirectory() + "/out.png"
        // `info` reads only the header, so it fails only where the header itself is bad.
        let badHeaders = [cases[0], cases[2], cases[5], cases[7]]
        for path in cases {
            let commands =
                [["image", "convert", path, out]]
                + (badHeaders.contains(path) ? [["image", "info", path]] : [])
            for arguments in commands {
                let result = try runGlimpse(arguments)
                XCTAssertTrue(
                    (1..<128).contains(result.status), "\(arguments): status \(result.status)")
                let lines = result.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(arguments): \(result.stderr)")
                XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), result.stderr)
                XCTAssertEqual(result.stdout.count, 0)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
