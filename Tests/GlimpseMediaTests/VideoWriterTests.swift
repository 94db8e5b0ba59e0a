// Encoding with VideoWriter, checked by ffprobe and by decoding the result again.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class VideoWriterTests: XCTestCase {
    /// A moving gradient: frame `t` of a `width` × `height` clip.
    func pattern(_ t: Int, width: Int, height: Int) -> Image {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8((x * 4 + t * 8) % 256), UInt8((y * 4) % 256), UInt8((x + y + t) % 256),
                ]
            }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    func testWrittenVideoReadsBackWithItsFramesAndRate() throws {
        for (width, height) in [(64, 48), (33, 25)] {
            let path = Fixtures.temporaryDirectory() + "/out.mp4"
            let writer = try VideoWriter(path: path, width: width, height: height, fps: 12)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "visible before finish")
            let images = (0..<20).map { pattern($0, width: width, height: height) }
            for image in images { try writer.append(image) }
            try writer.finish()

            let probe = try runProcess(
                "ffprobe",
                [
                    "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                    "stream=codec_name,nb_read_frames,avg_frame_rate,width,height", "-of",
                    "csv=p=0", path,
                ])
            XCTAssertEqual(probe.status, 0, probe.stderr)
            XCTAssertEqual(
                probe.text.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(writer.codecName),\(width),\(height),12/1,20")
            let reader = try VideoReader(path: path)
            var decoded: [Image] = []
            while let frame = try reader.nextFrame() { decoded.append(frame.image) }
            XCTAssertEqual(decoded.count, 20)
            XCTAssertGreaterThan(psnr(decoded.flatMap(\.pixels), images.flatMap(\.pixels)), 30)
        }
    }

    /// Widths whose rows are not a multiple of swscale's block (which reads past a tight row)
    /// and odd sizes (H.264 4:4:4), each read back by the ffmpeg CLI.
    func testEveryWidthFrom16To64AndOddLargeOnesEncode() throws {
        let widths = Array(16...64) + [97, 322, 330, 346, 401]
        var failures: [String] = []
        for width in widths {
            let height = 16 + (width * 5) % 17
            let path = Fixtures.temporaryDirectory() + "/w\(width).mp4"
            let writer = try VideoWriter(path: path, width: width, height: height, fps: 10)
            let images = (0..<2).map { pattern($0, width: width, height: height) }
            for image in images { try writer.append(image) }
            try writer.finish()
            let decoded = try ffmpegRaw(path, pixelFormat: "rgb24")
            let expected = images.flatMap(\.pixels)
            if decoded.count != expected.count || psnr(decoded, expected) < 30 {
                failures.append("\(width)x\(height)")
            }
        }
        XCTAssertEqual(failures, [])
    }

    func testWrongFrameSizeAndUnfinishedWriterLeaveNoFile() throws {
        let directory = Fixtures.temporaryDirectory()
        let path = directory + "/out.mp4"
        do {
            let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 10)
            assertMediaError(
                try writer.append(Image(width: 16, height: 16, filledWith: [0, 0, 0])),
                { if case .invalidArgument = $0 { true } else { false } }, "size")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
        assertMediaError(
            try VideoWriter(path: path, width: 0, height: 10, fps: 10),
            { if case .invalidArgument = $0 { true } else { false } }, "zero width")
    }

    func testADiscardedWriterLeavesNothingAndCannotFinish() throws {
        let directory = Fixtures.temporaryDirectory()
        let path = directory + "/out.mp4"
        let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 10)
        for _ in 0..<3 {
            try writer.append(Image(width: 32, height: 32, filledWith: [9, 99, 199]))
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).count, 1,
            "the temporary file while writing")
        writer.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
        assertMediaError(
            try writer.finish(), { if case .unwritable = $0 { true } else { false } }, "finish")
        assertMediaError(
            try writer.append(Image(width: 32, height: 32, filledWith: [0, 0, 0])),
            { if case .unwritable = $0 { true } else { false } }, "append")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
