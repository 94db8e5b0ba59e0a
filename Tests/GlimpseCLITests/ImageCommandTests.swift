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
        XCTAssertEqual(object?["color_type"] as? String, "rgba")
        XCTAssertEqual(object?["channels"] as? Int, 4)
        XCTAssertEqual(object?["has_icc_profile"] as? Bool, false)
        // Every key, null where the format has no such value.
        XCTAssertEqual(
            object.map { Set($0.keys) },
            [
                "format", "width", "height", "bit_depth", "color_type", "channels", "has_alpha",
                "has_icc_profile", "colorspace", "subsampling", "interlaced", "orientation", "path",
            ])
        XCTAssertTrue(object?["colorspace"] is NSNull)
    }

    /// Colour type and bit depth as stored, per PNG colour type and depth, against what
    /// ffprobe decodes them as (its pixel format names the stored layout), and the ICC
    /// profile against ffprobe's frame side data.
    func testInfoJSONAgainstFFprobe() throws {
        // ffprobe's pix_fmt for each stored PNG layout (libavcodec/pngdec.c).
        let cases: [(String, String, Int, String, Bool, Bool)] = [
            // file, color_type, bit_depth, ffprobe pix_fmt, has_alpha, has_icc_profile
            ("pngsuite/basn0g01.png", "gray", 1, "monob", false, false),
            ("pngsuite/basn0g02.png", "gray", 2, "gray", false, false),
            ("pngsuite/basn0g04.png", "gray", 4, "gray", false, false),
            ("pngsuite/basn0g08.png", "gray", 8, "gray", false, false),
            ("pngsuite/basn0g16.png", "gray", 16, "gray16be", false, false),
            ("pngsuite/basn2c08.png", "rgb", 8, "rgb24", false, false),
            ("pngsuite/basn2c16.png", "rgb", 16, "rgb48be", false, false),
            ("pngsuite/basn3p01.png", "palette", 1, "pal8", false, false),
            ("pngsuite/basn3p02.png", "palette", 2, "pal8", false, false),
            ("pngsuite/basn3p04.png", "palette", 4, "pal8", false, false),
            ("pngsuite/basn3p08.png", "palette", 8, "pal8", false, false),
            ("pngsuite/basn4a08.png", "gray+alpha", 8, "ya8", true, false),
            ("pngsuite/basn4a16.png", "gray+alpha", 16, "ya16be", true, false),
            ("pngsuite/basn6a08.png", "rgba", 8, "rgba", true, false),
            ("pngsuite/basn6a16.png", "rgba", 16, "rgba64be", true, false),
            ("pngsuite/ftbrn2c08.png", "rgb", 8, "rgba", true, false),
            ("icc/rgb_iccp.png", "rgb", 8, "rgb24", false, true),
        ]
        for (name, colorType, depth, pixelFormat, alpha, icc) in cases {
            let path = Fixtures.path("png/" + name)
            let object = try infoJSON(path)
            XCTAssertEqual(object["color_type"] as? String, colorType, name)
            XCTAssertEqual(object["bit_depth"] as? Int, depth, name)
            XCTAssertEqual(object["has_alpha"] as? Bool, alpha, name)
            XCTAssertEqual(object["has_icc_profile"] as? Bool, icc, name)
            let probe = try probeFrame(path)
            XCTAssertEqual(probe.pixelFormat, pixelFormat, name)
            XCTAssertEqual(probe.hasICCProfile, icc, name)
        }
        for (name, colorspace, components, icc) in [
            ("baseline_420.jpg", "ycbcr", 3, false), ("grayscale.jpg", "gray", 1, false),
            ("cmyk.jpg", "cmyk", 4, false), ("icc_profile.jpg", "ycbcr", 3, true),
        ] {
            let path = Fixtures.path("jpeg/" + name)
            let object = try infoJSON(path)
            XCTAssertEqual(object["colorspace"] as? String, colorspace, name)
            XCTAssertEqual(object["channels"] as? Int, components, name)
            XCTAssertEqual(object["bit_depth"] as? Int, 8, name)
            XCTAssertEqual(object["has_icc_profile"] as? Bool, icc, name)
            XCTAssertTrue(object["color_type"] is NSNull, name)
            XCTAssertEqual(try probeFrame(path).hasICCProfile, icc, name)
        }
    }

    func testInfoText() throws {
        let cases = [
            (
                "jpeg/baseline_420.jpg",
                "jpeg 97x61, 8-bit ycbcr (3 components), 4:2:0, no alpha, no ICC profile"
            ),
            (
                "jpeg/grayscale.jpg",
                "jpeg 97x61, 8-bit gray (1 component), no alpha, no ICC profile"
            ),
            (
                "jpeg/icc_profile.jpg",
                "jpeg 97x61, 8-bit ycbcr (3 components), 4:2:0, no alpha, ICC profile"
            ),
            ("png/pngsuite/basn3p02.png", "png 32x32, 2-bit palette, no alpha, no ICC profile"),
            ("png/pngsuite/basn4a16.png", "png 32x32, 16-bit gray+alpha, alpha, no ICC profile"),
            ("png/pngsuite/ftbrn2c08.png", "png 32x32, 8-bit rgb, alpha (tRNS), no ICC profile"),
            (
                "png/pngsuite/ibasn0g16.png",
                "png 32x32, 16-bit gray, no alpha, no ICC profile, interlaced"
            ),
            ("png/icc/rgb_iccp.png", "png 32x32, 8-bit rgb, no alpha, ICC profile"),
        ]
        for (name, expected) in cases {
            let path = Fixtures.path(name)
            let result = try runGlimpse(["image", "info", path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.text, "\(path): \(expected)\n")
        }
    }

    private func infoJSON(_ path: String) throws -> [String: Any] {
        let result = try runGlimpse(["image", "info", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    /// ffprobe's pixel format of the decoded image and whether its frame carries an ICC
    /// profile (side data FFmpeg's PNG and JPEG decoders attach from iCCP / APP2).
    private func probeFrame(_ path: String) throws -> (pixelFormat: String?, hasICCProfile: Bool) {
        let result = try runProcess(
            "ffprobe", ["-v", "error", "-of", "json", "-show_frames", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let frame = try XCTUnwrap((object?["frames"] as? [[String: Any]])?.first, path)
        let sideData = frame["side_data_list"] as? [[String: Any]] ?? []
        return (
            frame["pix_fmt"] as? String,
            sideData.contains { $0["side_data_type"] as? String == "ICC profile" }
        )
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
