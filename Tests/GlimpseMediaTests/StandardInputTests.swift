// Standard input read through one buffer: what was peeked is still read, line by line or as
// bytes; text (a list of paths) is told from the first bytes of video containers.
import Foundation
import TestSupport
import XCTest

@testable import GlimpseMedia

final class StandardInputTests: XCTestCase {
    /// A StandardInput over a file holding `bytes`.
    func input(_ bytes: [UInt8]) throws -> StandardInput {
        let path = Fixtures.temporaryDirectory() + "/input"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        return StandardInput(descriptor: descriptor)
    }

    func testPeekedBytesAreStillRead() throws {
        let text = Array("a.mp4\r\nfolder/b é.mp4\n\nlast".utf8)
        for peeked in [0, 1, 5, 7, 100] {
            let lines = try input(text)
            XCTAssertEqual(lines.peek(upTo: peeked), Array(text.prefix(peeked)))
            var read: [String] = []
            while let line = lines.readLine() { read.append(line) }
            XCTAssertEqual(read, ["a.mp4", "folder/b é.mp4", "", "last"], "peeked \(peeked)")
        }
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for peeked in [0, 3, 4096] {
            let stream = try input(bytes)
            _ = stream.peek(upTo: peeked)
            var all: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1000)
            while true {
                let got = chunk.withUnsafeMutableBytes { stream.read(into: $0) }
                XCTAssertGreaterThanOrEqual(got, 0)
                if got <= 0 { break }
                all += chunk[0..<got]
            }
            XCTAssertEqual(all, bytes, "peeked \(peeked)")
        }
    }

    func testTextIsToldFromVideoContainers() throws {
        XCTAssertTrue(StandardInput.looksLikeText(Array("a.mp4\nb/c d.mkv\n".utf8)))
        XCTAssertTrue(StandardInput.looksLikeText([]))
        // A two-byte character cut off by the peek's end is still text; a lone one mid-way not.
        let cut = Array("clips/é".utf8).dropLast()
        XCTAssertTrue(StandardInput.looksLikeText(Array(cut)))
        XCTAssertFalse(StandardInput.looksLikeText(Array(cut) + Array("x".utf8)))
        // The first bytes of MP4, Matroska, MPEG-TS, NUT, AVI, FLV and Y4M-with-a-frame files.
        let heads: [[UInt8]] = [
            [0, 0, 0, 0x20] + Array("ftypisom".utf8),
            [0x1A, 0x45, 0xDF, 0xA3, 0x9F],
            [0x47, 0x40, 0x00, 0x10, 0x00],
            Array("nut/multimedia container".utf8) + [0],
            Array("RIFF".utf8) + [0x24, 0x10, 0, 0] + Array("AVI LIST".utf8),
            Array("FLV".utf8) + [1, 5, 0, 0, 0, 9],
            Array("YUV4MPEG2 W64 H64 F5:1\nFRAME\n".utf8) + [0x10, 0x80, 0xEB],
        ]
        for head in heads { XCTAssertFalse(StandardInput.looksLikeText(head), "\(head)") }
        // The fixture clip's own first bytes.
        let clip = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("activities/videos/000002.mp4")))
        XCTAssertFalse(StandardInput.looksLikeText(Array(clip.prefix(4096))))
    }

    func testAVideoReadAsAStreamDecodesAsTheFileDoes() throws {
        let path = Fixtures.path("activities/videos/000002.mp4")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for size in [nil, (16, 16)] as [(Int, Int)?] {
            let options = VideoReadOptions(size: size, sampling: FrameSampling(fps: 5))
            let file = try VideoReader(path: path, options: options)
            let stream = try VideoReader(stream: try input(Array(bytes)), options: options)
            var count = 0
            while let expected = try file.nextFrame() {
                let frame = try XCTUnwrap(try stream.nextFrame())
                XCTAssertEqual(frame.image, expected.image, "frame \(count)")
                XCTAssertEqual(frame.time, expected.time)
                count += 1
            }
            XCTAssertNil(try stream.nextFrame())
            XCTAssertGreaterThan(count, 40)
            XCTAssertEqual(stream.problems, [])
        }
        // Not a video at all: refused, naming standard input.
        XCTAssertThrowsError(
            try VideoReader(stream: try input(Array("just text\n".utf8)), options: .init())
        ) { XCTAssertTrue("\($0)".contains("standard input"), "\($0)") }
    }
}
