// PNG decoding checked pixel for pixel against the ffmpeg CLI, on PngSuite and libpng's images.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class PNGDecodingTests: XCTestCase {
    /// Every valid PNG fixture: PngSuite (plain and interlaced), libpng's test images and the
    /// bad-palette set (valid files with unusual palettes).
    static let validFiles: [String] =
        Fixtures.files(in: "png/pngsuite", withExtension: "png")
        + Fixtures.files(in: "png/pngsuite/interlaced", withExtension: "png")
        + Fixtures.files(in: "png/testpngs", withExtension: "png")
        + Fixtures.files(in: "png/testpngs/badpal", withExtension: "png")

    /// ffmpeg's RGBA pixels, with two documented differences:
    /// - 16-bit samples are reduced as Glimpse documents, round(v · 255 / 65535) (ffmpeg's own
    ///   rgb24 output of 16-bit input is dithered, so it is not a usable reference);
    /// - ffmpeg ignores tRNS in 1-, 2- and 4-bit grayscale files, which the PNG spec (§11.3.2.1)
    ///   makes transparent where the sample equals the tRNS gray level: alpha is set here from
    ///   the file's tRNS chunk, read by the small chunk parser below.
    static func referenceRGBA(_ path: String) throws -> [UInt8] {
        let header = try PNGChunks(path: path)
        var rgba: [UInt8]
        if header.bitDepth == 16 {
            let wide = try ffmpegRaw(path, pixelFormat: "rgba64be")
            rgba = stride(from: 0, to: wide.count, by: 2).map { i in
                let v = UInt32(wide[i]) << 8 | UInt32(wide[i + 1])
                return UInt8((v * 255 + 32767) / 65535)
            }
        } else {
            rgba = try ffmpegRaw(path, pixelFormat: "rgba")
        }
        if header.colorType == 0, header.bitDepth < 8, let trns = header.tRNS, trns.count == 2 {
            let scale = 255 / ((1 << header.bitDepth) - 1)
            let transparent = UInt8((Int(trns[0]) << 8 | Int(trns[1])) * scale)
            for i in stride(from: 0, to: rgba.count, by: 4) {
                rgba[i + 3] = rgba[i] == transparent ? 0 : 255
            }
        }
        return rgba
    }

    /// Both layouts against the reference; RGB is the RGBA reference without alpha (ffmpeg's
    /// rgb24 conversion drops alpha the same way), which halves the ffmpeg runs.
    func testEveryValidFileMatchesFFmpegAsRGBAndRGBA() throws {
        XCTAssertGreaterThan(Self.validFiles.count, 150, "PNG fixtures missing")
        let failures = ConcurrentFailures()
        DispatchQueue.concurrentPerform(iterations: Self.validFiles.count) { index in
            let path = Self.validFiles[index]
            do {
                let rgba = try Self.referenceRGBA(path)
                let rgb = Image(width: rgba.count / 4, height: 1, layout: .rgba, pixels: rgba)
                    .droppingAlpha().pixels
                for (layout, expected) in [(PixelLayout.rgba, rgba), (.rgb, rgb)] {
                    let image = try Image(contentsOf: path, layout: layout)
                    if image.pixels != expected {
                        let worst =
                            image.pixels.count == expected.count
                            ? "by up to \(maxAbsoluteDifference(image.pixels, expected))"
                            : "in size"
                        failures.append("\(path) as \(layout) differs from ffmpeg \(worst)")
                    }
                }
            } catch {
                failures.append("\(path): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }

    func testAlphaIsKeptOnlyWhenTheFileHasIt() throws {
        XCTAssertEqual(
            try Image(contentsOf: Fixtures.path("png/pngsuite/basn6a08.png")).layout, .rgba)
        XCTAssertEqual(
            try Image(contentsOf: Fixtures.path("png/pngsuite/basn2c08.png")).layout, .rgb)
        // tRNS counts as alpha.
        XCTAssertEqual(
            try Image(contentsOf: Fixtures.path("png/testpngs/rgb-8-tRNS.png")).layout, .rgba)
    }

    func testHeaderInfo() throws {
        let info = try ImageInfo(contentsOf: Fixtures.path("png/pngsuite/ibasn0g16.png"))
        XCTAssertEqual(info.format, .png)
        XCTAssertEqual(info.width, 32)
        XCTAssertEqual(info.height, 32)
        XCTAssertEqual(info.bitDepth, 16)
        XCTAssertTrue(info.interlaced)
        XCTAssertFalse(info.hasAlpha)
    }

    /// Colour type, bit depth and channels as stored, for every basic PngSuite image: its
    /// name says them (`basn` + IHDR colour type digit + g/c/p/a + bit depth; `i` = Adam7).
    func testHeaderInfoGivesTheStoredColourTypeOfEveryPngSuiteImage() throws {
        let names: [Character: (String, Int)] = [
            "0": ("gray", 1), "2": ("rgb", 3), "3": ("palette", 1), "4": ("gray+alpha", 2),
            "6": ("rgba", 4),
        ]
        let paths =
            (Fixtures.files(in: "png/pngsuite", withExtension: "png")
            + Fixtures.files(in: "png/pngsuite/interlaced", withExtension: "png"))
            .filter { ($0 as NSString).lastPathComponent.contains("basn") }
        var seen: Set<String> = []
        for path in paths {
            let name = (path as NSString).lastPathComponent
            let code = Array(name.dropFirst(name.hasPrefix("i") ? 5 : 4))
            let (colorType, channels) = try XCTUnwrap(names[code[0]], name)
            let depth = try XCTUnwrap(Int(String(code[2...3])), name)
            let info = try ImageInfo(contentsOf: path)
            XCTAssertEqual(info.colorType, colorType, name)
            XCTAssertEqual(info.bitDepth, depth, name)
            XCTAssertEqual(info.channels, channels, name)
            XCTAssertEqual(info.hasAlpha, code[1] == "a", name)
            XCTAssertEqual(info.interlaced, name.hasPrefix("i"), name)
            XCTAssertFalse(info.hasICCProfile, name)
            XCTAssertNil(info.colorspace, name)
            seen.insert("\(colorType) \(depth)")
        }
        // All 15 combinations PNG allows.
        XCTAssertEqual(seen.count, 15, "\(seen.sorted())")
        // tRNS transparency without an alpha channel.
        let transparent = try ImageInfo(contentsOf: Fixtures.path("png/pngsuite/ftbrn2c08.png"))
        XCTAssertEqual(transparent.colorType, "rgb")
        XCTAssertTrue(transparent.hasAlpha)
    }

    /// An iCCP chunk is reported (libpng checks the profile while reading it); a damaged one
    /// is an error naming the chunk, never a crash.
    func testICCProfileIsReportedAndADamagedOneRefused() throws {
        let path = Fixtures.path("png/icc/rgb_iccp.png")
        let info = try ImageInfo(contentsOf: path)
        XCTAssertTrue(info.hasICCProfile)
        XCTAssertEqual(info.colorType, "rgb")
        XCTAssertEqual(info.bitDepth, 8)
        // The pixels are those of the file it was made from (the profile is not applied).
        XCTAssertEqual(
            try Image(contentsOf: path),
            try Image(contentsOf: Fixtures.path("png/pngsuite/basn2c08.png")))
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        let chunk = try XCTUnwrap(
            bytes.indices.first { bytes[$0..<$0 + 4].elementsEqual("iCCP".utf8) })
        bytes[chunk + 40] ^= 0xFF
        XCTAssertThrowsError(try ImageInfo(decoding: bytes, source: "damaged.png")) { error in
            let message = (error as? MediaError)?.errorDescription ?? "\(error)"
            XCTAssertTrue(message.hasPrefix("damaged.png: "), message)
            XCTAssertTrue(message.contains("iCCP"), message)
        }
    }

    func testEveryCrasherIsRefusedWithAnError() throws {
        let crashers = Fixtures.files(in: "png/testpngs/crashers", withExtension: "png")
        XCTAssertGreaterThan(crashers.count, 20)
        for path in crashers {
            assertMediaError(try Image(contentsOf: path), { _ in true }, path)
        }
    }

    func testBadFilesGiveTypedErrorsNamingTheFile() {
        let bad = Fixtures.path("png/bad")
        assertMediaError(
            try Image(contentsOf: bad + "/empty.png"),
            { if case .corrupt(let p, _) = $0 { p.hasSuffix("empty.png") } else { false } }, "empty"
        )
        assertMediaError(
            try Image(contentsOf: bad + "/truncated.png"),
            {
                if case .corrupt(_, let reason) = $0 { reason.contains("truncated") } else { false }
            },
            "truncated")
        assertMediaError(
            try Image(contentsOf: bad + "/garbage.png"),
            { if case .unrecognizedFormat = $0 { true } else { false } }, "garbage")
        assertMediaError(
            try Image(contentsOf: bad + "/huge_dimensions.png"),
            { if case .tooLarge(_, 100_000, 100_000, _) = $0 { true } else { false } }, "bomb")
        assertMediaError(
            try Image(contentsOf: bad + "/missing.png"),
            { if case .unreadable = $0 { true } else { false } }, "missing")
    }

    func testPixelLimitIsConfigurable() {
        let path = Fixtures.path("png/pngsuite/basn2c08.png")  // 32x32
        assertMediaError(
            try Image(contentsOf: path, limits: DecodeLimits(maxPixels: 1000)),
            { if case .tooLarge(_, 32, 32, 1000) = $0 { true } else { false } }, "limit")
        XCTAssertNoThrow(try Image(contentsOf: path, limits: DecodeLimits(maxPixels: 1024)))
    }

    func testFormatIsDetectedByContentNotExtension() throws {
        let jpegNamedPNG = try Image(contentsOf: Fixtures.path("png/bad/jpeg_named.png"))
        let jpeg = try Image(contentsOf: Fixtures.path("jpeg/baseline_420.jpg"))
        XCTAssertEqual(jpegNamedPNG, jpeg)
        let pngNamedJPEG = try Image(contentsOf: Fixtures.path("jpeg/png_named.jpg"))
        XCTAssertEqual(
            pngNamedJPEG, try Image(contentsOf: Fixtures.path("png/pngsuite/basn2c08.png")))
    }
}

/// Failure messages collected from concurrent work.
final class ConcurrentFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages.sorted()
    }
}

/// The few PNG header facts the reference needs, read straight from the chunks.
struct PNGChunks {
    var bitDepth: Int
    var colorType: Int
    var tRNS: [UInt8]?

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bitDepth = Int(bytes[24])
        colorType = Int(bytes[25])
        var i = 8
        while i + 8 <= bytes.count {
            let length = bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            if type == "tRNS" { tRNS = Array(bytes[(i + 8)..<(i + 8 + length)]) }
            if type == "IDAT" { break }
            i += 12 + length
        }
    }
}
