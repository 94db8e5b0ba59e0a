// Videos read from bytes in memory (custom AVIOContext) give exactly what reading the file gives;
// the file path itself is checked against ffprobe and the ffmpeg CLI in VideoReaderTests.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class VideoMemoryInputTests: XCTestCase {
    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("video/" + name))))
    }

    func frames(of reader: VideoReader) throws -> [VideoFrame] {
        var frames: [VideoFrame] = []
        while let frame = try reader.nextFrame() { frames.append(frame) }
        XCTAssertEqual(reader.problems, [], reader.path)
        return frames
    }

    func assertSameFrames(
        _ ours: [VideoFrame], _ reference: [VideoFrame], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(ours.count, reference.count, "\(label) frame count", file: file, line: line)
        for (a, b) in zip(ours, reference) {
            XCTAssertEqual(a.time, b.time, "\(label) time", file: file, line: line)
            XCTAssertEqual(a.index, b.index, "\(label) index", file: file, line: line)
            // Compared whole, without printing the pixels of both frames on failure.
            XCTAssertTrue(a.image == b.image, "\(label) frame \(a.index)", file: file, line: line)
        }
    }

    func testEveryContainerFromMemoryMatchesTheFile() throws {
        for name in VideoReaderTests.decodable {
            let path = Fixtures.path("video/" + name)
            let fromFile = try VideoReader(path: path)
            let fromMemory = try VideoReader(decoding: try bytes(name), source: name)
            XCTAssertEqual(fromMemory.info, fromFile.info, name)
            XCTAssertEqual(fromMemory.path, name)
            assertSameFrames(try frames(of: fromMemory), try frames(of: fromFile), name)
        }
    }

    /// Seeking goes through the seek callback (MP4 and AVI by their indexes, WebM by its cues).
    func testSeekingInMemoryMatchesTheFile() throws {
        for name in ["h264_320x240.mp4", "mpeg4_176x144.avi", "vp9_160x120.webm"] {
            let options = VideoReadOptions(sampling: .init(start: 1.0, end: 1.5))
            let fromFile = try VideoReader(path: Fixtures.path("video/" + name), options: options)
            let fromMemory = try VideoReader(decoding: try bytes(name), options: options)
            let reference = try frames(of: fromFile)
            XCTAssertFalse(reference.isEmpty, name)
            assertSameFrames(try frames(of: fromMemory), reference, name)
        }
    }

    func testBadBytesAreErrorsNamingTheSource() throws {
        let cases: [(bytes: [UInt8], expected: String)] = [
            ([], "clip: corrupt or truncated: file is empty"),
            (try bytes("garbage.mp4"), "clip: corrupt or truncated: not a readable video"),
            (try bytes("audio_only.m4a"), "clip: no video stream"),
        ]
        for (input, expected) in cases {
            XCTAssertThrowsError(try VideoReader(decoding: input, source: "clip")) { error in
                let message = (error as? MediaError)?.errorDescription ?? "\(error)"
                XCTAssertTrue(message.hasPrefix(expected), message)
            }
        }
        let truncated = try VideoReader(decoding: try bytes("truncated.mp4"), source: "clip")
        XCTAssertThrowsError(try truncated.checkIntegrity())
    }
}
