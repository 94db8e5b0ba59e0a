// Every frame width from 16 to 400 (with odd and even heights), the sizes that once overflowed
// swscale's destination, and scaled odd targets, each decoded and compared with the ffmpeg CLI;
// the Matroska clips also read as a stream (as `glimpse label -` reads standard input).
// The clips are made here by the ffmpeg CLI (one process for all of them), so no fixture holds
// the sizes and every run checks them all.
import Foundation
import TestSupport
import XCTest

@testable import GlimpseMedia

final class VideoSizeSweepTests: XCTestCase {
    struct Clip {
        var width: Int
        var height: Int
        /// ffmpeg's encoder and container options for the clip.
        var codec: [String]
        var fileExtension: String
        var name: String {
            "\(width)x\(height)-\(codec.filter { !$0.hasPrefix("-") }.joined(separator: "-"))"
                + ".\(fileExtension)"
        }
    }

    static let lossless = ["-c:v", "ffv1", "-pix_fmt", "yuv420p"]
    static let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

    /// Heights cycle through odd and even values from 16 to 48 as the width grows.
    static func height(forWidth width: Int) -> Int { 16 + (width * 7) % 33 }

    /// Makes every clip (two frames of `testsrc2`, cropped) with one ffmpeg process.
    func makeClips(_ clips: [Clip], in directory: String) throws {
        let sourceWidth = clips.map(\.width).max() ?? 16
        let sourceHeight = clips.map(\.height).max() ?? 16
        var graph = "[0]split=\(clips.count)" + clips.indices.map { "[s\($0)]" }.joined()
        var outputs: [String] = []
        for (i, clip) in clips.enumerated() {
            graph += ";[s\(i)]crop=\(clip.width):\(clip.height):0:0[o\(i)]"
            outputs += ["-map", "[o\(i)]", "-frames:v", "2"] + clip.codec
            outputs += ["-fflags", "+bitexact", directory + "/" + clip.name]
        }
        let result = try runProcess(
            "ffmpeg",
            [
                "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                "testsrc2=size=\(sourceWidth)x\(sourceHeight):rate=10", "-filter_complex", graph,
            ] + outputs)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// The ffmpeg CLI's RGB frames of every clip (scaled when `targets` has a size for it),
    /// from one process.
    func referenceFrames(
        _ clips: [Clip], in directory: String, targets: [(width: Int, height: Int)?]
    ) throws -> [[UInt8]] {
        var arguments = ["-v", "error", "-nostdin", "-y"]
        for clip in clips { arguments += ["-i", directory + "/" + clip.name] }
        for (i, clip) in clips.enumerated() {
            arguments += ["-map", "\(i):v", "-fps_mode", "passthrough"]
            if let target = targets[i] {
                arguments += ["-vf", "scale=\(target.width):\(target.height):flags=bicubic"]
            }
            arguments += [
                "-f", "rawvideo", "-pix_fmt", "rgb24", directory + "/" + clip.name + ".rgb",
            ]
        }
        let result = try runProcess("ffmpeg", arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try clips.map {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0.name + ".rgb")))
        }
    }

    /// The RGB bytes of every frame of `path`, opened as a file or read through a stream.
    func decode(_ path: String, size: (width: Int, height: Int)?, asStream: Bool = false) throws
        -> [UInt8]
    {
        guard asStream else {
            return try frames(
                of: try VideoReader(path: path, options: .init(size: size)), path: path, size: size)
        }
        let descriptor = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0, path)
        defer { close(descriptor) }
        let reader = try VideoReader(
            stream: StandardInput(descriptor: descriptor), options: .init(size: size))
        return try frames(of: reader, path: path, size: size)
    }

    func frames(of reader: VideoReader, path: String, size: (width: Int, height: Int)?) throws
        -> [UInt8]
    {
        var pixels: [UInt8] = []
        while let frame = try reader.nextFrame() {
            XCTAssertEqual(frame.image.width, size?.width ?? reader.info.width, path)
            XCTAssertEqual(frame.image.height, size?.height ?? reader.info.height, path)
            pixels += frame.image.pixels
        }
        XCTAssertEqual(reader.problems, [], path)
        return pixels
    }

    func check(
        _ clips: [Clip], targets: [(width: Int, height: Int)?], tolerance: Int
    ) throws {
        let directory = Fixtures.temporaryDirectory()
        try makeClips(clips, in: directory)
        let references = try referenceFrames(clips, in: directory, targets: targets)
        var failures: [String] = []
        for ((clip, target), reference) in zip(zip(clips, targets), references) {
            let path = directory + "/" + clip.name
            let label = clip.name + (target.map { " scaled to \($0.width)x\($0.height)" } ?? "")
            let ours = try decode(path, size: target)
            if ours.count != reference.count {
                failures.append("\(label): \(ours.count) bytes, ffmpeg \(reference.count)")
            } else if maxAbsoluteDifference(ours, reference) > tolerance {
                failures.append("\(label): differs by \(maxAbsoluteDifference(ours, reference))")
            }
            // Matroska needs no seeking, so the clip reads as a stream too, to the same bytes.
            if clip.fileExtension == "mkv", try decode(path, size: target, asStream: true) != ours {
                failures.append("\(label): read as a stream, not the file's frames")
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(clips.count) sizes differ from ffmpeg")
    }

    func testEveryWidthFrom16To400MatchesFFmpeg() throws {
        let clips = (16...400).map {
            Clip(
                width: $0, height: Self.height(forWidth: $0), codec: Self.lossless,
                fileExtension: "mkv")
        }
        try check(clips, targets: clips.map { _ in nil }, tolerance: 0)
    }

    /// The H.264 sizes that aborted with heap corruption or lost their right-most columns
    /// when swscale wrote into tightly packed rows.
    func testReportedH264SizesMatchFFmpeg() throws {
        let sizes = [
            (322, 242), (324, 242), (326, 242), (330, 242), (346, 242), (362, 242), (650, 242),
            (1290, 242), (28, 18), (40, 102), (58, 34), (88, 50), (94, 92), (320, 240),
            (334, 242), (1282, 242),
        ]
        let clips = sizes.map {
            Clip(width: $0.0, height: $0.1, codec: Self.h264, fileExtension: "mp4")
        }
        try check(clips, targets: clips.map { _ in nil }, tolerance: 0)
    }

    /// The other pixel formats swscale converts from, at odd and even sizes.
    func testPixelFormatsAtOddSizesMatchFFmpeg() throws {
        let formats = [
            ("ffv1", "yuv422p"), ("ffv1", "yuv444p"), ("ffv1", "yuv420p10le"), ("ffv1", "gray"),
            ("ffv1", "rgb24"), ("ffv1", "yuvj420p"), ("ffv1", "yuva420p"), ("rawvideo", "nv12"),
        ]
        let clips = formats.flatMap { codec, format in
            [(33, 17), (322, 242), (331, 101), (100, 50)].map {
                Clip(
                    width: $0.0, height: $0.1, codec: ["-c:v", codec, "-pix_fmt", format],
                    fileExtension: "mkv")
            }
        }
        try check(clips, targets: clips.map { _ in nil }, tolerance: 0)
    }

    /// Scaling in swscale to odd and even targets, up and down, from odd and even sources.
    func testScaledTargetsMatchFFmpeg() throws {
        let clips = stride(from: 16, through: 400, by: 11).map {
            Clip(
                width: $0, height: Self.height(forWidth: $0), codec: Self.lossless,
                fileExtension: "mkv")
        }
        let targets: [(width: Int, height: Int)?] = clips.enumerated().map { i, clip in
            (width: max(1, clip.width * (i % 3 + 1) / 2) | 1, height: (clip.height + i) | 1)
        }
        try check(clips, targets: targets, tolerance: 2)
    }
}
