// The fuzzers' seed corpora (fixtures/fuzz) through the decoders the fuzz targets call, so
// every crasher a fuzzer found and that was added there stays fixed in the normal suite and
// under scripts/sanitize. Valid seeds must decode as their headers say; the rest must throw.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class FuzzCorpusTests: XCTestCase {
    /// Every file of `fixtures/fuzz/<folder>`, sorted, crashers (`crash-*`) included.
    func corpus(_ folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = Fixtures.path("fuzz/" + folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertFalse(names.isEmpty, directory)
        return try names.map {
            ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0))))
        }
    }

    /// The images: header and pixels agree for the valid seeds; the known-bad ones throw.
    func checkImages(_ folder: String, bad: Set<String>) throws {
        for (name, bytes) in try corpus(folder) {
            let limits = DecodeLimits(maxPixels: 1 << 20)
            do {
                let image = try Image(decoding: bytes, source: name, limits: limits)
                let info = try ImageInfo(decoding: bytes, source: name)
                // EXIF orientations 5 to 8 turn the stored picture a quarter turn.
                let shown =
                    (info.orientation ?? 1) >= 5
                    ? [info.height, info.width] : [info.width, info.height]
                XCTAssertEqual([image.width, image.height], shown, name)
                XCTAssertFalse(bad.contains(name) || name.hasPrefix("crash-"), "\(name) decoded")
            } catch {
                XCTAssertTrue(bad.contains(name) || name.hasPrefix("crash-"), "\(name): \(error)")
                XCTAssertTrue(error.errorDescription?.hasPrefix(name + ": ") ?? false, "\(error)")
            }
        }
    }

    func testPNGSeedsDecodeOrThrow() throws {
        try checkImages("png", bad: ["huge_dimensions.png", "truncated.png"])
    }

    func testJPEGSeedsDecodeOrThrow() throws {
        try checkImages("jpeg", bad: ["precision12.jpg", "truncated.jpg"])
    }

    /// Each seed clip holds 3 frames, decoded from memory at its size and scaled to an odd one.
    func testVideoSeedsDecodeOrThrow() throws {
        for (name, bytes) in try corpus("video") {
            do {
                let reader = try VideoReader(decoding: bytes, source: name)
                XCTAssertEqual(try reader.checkIntegrity(), 3, name)
                let scaled = try VideoReader(
                    decoding: bytes, source: name, options: .init(size: (33, 17)))
                let frame = try XCTUnwrap(try scaled.nextFrame(), name)
                XCTAssertEqual([frame.image.width, frame.image.height], [33, 17], name)
                XCTAssertFalse(name.hasPrefix("crash-"), "\(name) decoded")
            } catch {
                XCTAssertTrue(name.hasPrefix("crash-"), "\(name): \(error)")
            }
        }
    }
}
