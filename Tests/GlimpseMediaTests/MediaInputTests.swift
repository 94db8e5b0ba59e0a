// What the media readers do with paths that are not regular files, and with files too large
// to be an image within the pixel budget: typed errors naming the file, without reading it.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class MediaInputTests: XCTestCase {
    func unreadableReason(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch MediaError.unreadable(_, let reason) {
            return reason
        } catch {
            return "unexpected \(error)"
        }
    }

    func testNonRegularFilesAreRefusedByEveryReader() throws {
        let directory = Fixtures.temporaryDirectory()
        let fifo = directory + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let cases = [
            "/dev/zero": "is a character device, not a regular file",
            fifo: "is a FIFO (named pipe), not a regular file", directory: "is a directory",
            directory + "/missing.png": "no such file",
        ]
        for (path, reason) in cases {
            XCTAssertEqual(unreadableReason { _ = try Image(contentsOf: path) }, reason, path)
            XCTAssertEqual(unreadableReason { _ = try ImageInfo(contentsOf: path) }, reason, path)
            XCTAssertEqual(unreadableReason { _ = try VideoReader(path: path) }, reason, path)
        }
    }

    /// A budget of 1000 pixels admits files of at most 8 · 1000 bytes + 64 MiB; a sparse file
    /// one byte over is refused before it is read, one byte under is read (and then refused as
    /// too large by its header).
    func testImageFilesOverTheByteBoundAreRefusedUnread() throws {
        let limits = DecodeLimits(maxPixels: 1000)
        XCTAssertEqual(limits.maxFileBytes, 8000 + 64 << 20)
        let path = Fixtures.temporaryDirectory() + "/big.png"
        let png = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("png/bad/huge_dimensions.png")))
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: png))
        XCTAssertEqual(truncate(path, off_t(limits.maxFileBytes + 1)), 0)
        XCTAssertEqual(
            unreadableReason { _ = try Image(contentsOf: path, limits: limits) },
            "file is \(limits.maxFileBytes + 1) bytes, more than the limit of "
                + "\(limits.maxFileBytes) bytes")
        XCTAssertEqual(truncate(path, off_t(limits.maxFileBytes)), 0)
        assertMediaError(
            try Image(contentsOf: path, limits: limits),
            { if case .tooLarge(_, 100000, 100000, 1000) = $0 { true } else { false } }, "at bound")
    }

    /// No budget admits more than 2^30 pixels, whatever `maxPixels` says.
    func testTheBudgetHasACeiling() {
        let limits = DecodeLimits(maxPixels: 100_000_000_000)
        XCTAssertEqual(limits.effectiveMaxPixels, 1 << 30)
        XCTAssertFalse(limits.admits(width: 100_000, height: 100_000))
        XCTAssertFalse(limits.admits(width: Int.max, height: 2))
        assertMediaError(
            try Image(contentsOf: Fixtures.path("png/bad/huge_dimensions.png"), limits: limits),
            { if case .tooLarge(_, 100000, 100000, 1 << 30) = $0 { true } else { false } },
            "ceiling")
    }

    /// A header found past the first 64 KiB (a large ancillary chunk before IDAT) is still read.
    func testImageInfoFindsAHeaderBehindLargeMetadata() throws {
        let text = Array("Comment\0".utf8) + [UInt8](repeating: 65, count: 100_000)
        let bytes = PNGChunkTests.png(before: [PNGChunkTests.chunk("tEXt", text)])
        let path = Fixtures.temporaryDirectory() + "/metadata.png"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let info = try ImageInfo(contentsOf: path)
        XCTAssertEqual([info.width, info.height], [2, 2])
    }
}
