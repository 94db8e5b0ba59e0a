// Video decoding checked against ffprobe (frame count, timestamps) and the ffmpeg CLI (pixels).
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class VideoReaderTests: XCTestCase {
    static let decodable = [
        "h264_320x240.mp4", "h264_321x241.mp4", "mpeg4_176x144.avi", "vp9_160x120.webm",
        "mjpeg_160x120.mkv", "hevc_160x120.mp4", "rotated_90.mp4", "vfr.mkv", "one_frame.mp4",
    ]

    func video(_ name: String) -> String { Fixtures.path("video/" + name) }

    /// ffprobe's presentation time of every frame, in decode-output order.
    func ffprobeTimes(_ path: String) throws -> [Double] {
        let result = try runProcess(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-show_entries",
                "frame=best_effort_timestamp_time", "-of", "json", path,
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let frames = object?["frames"] as? [[String: Any]] ?? []
        return frames.compactMap {
            ($0["best_effort_timestamp_time"] as? String).flatMap(Double.init)
        }
    }

    func decodeAll(_ path: String, options: VideoReadOptions = .init()) throws -> [VideoFrame] {
        let reader = try VideoReader(path: path, options: options)
        var frames: [VideoFrame] = []
        while let frame = try reader.nextFrame() { frames.append(frame) }
        XCTAssertEqual(reader.problems, [], path)
        return frames
    }

    func testFramesTimestampsAndPixelsMatchFFmpeg() throws {
        for name in Self.decodable {
            let path = video(name)
            let frames = try decodeAll(path)
            let times = try ffprobeTimes(path)
            XCTAssertEqual(frames.count, times.count, "\(name) frame count")
            for (frame, time) in zip(frames, times) {
                XCTAssertEqual(frame.time, time, accuracy: 1e-4, "\(name) pts")
            }
            // The CLI applies rotation like we do; passthrough keeps every decoded frame.
            let reference = try ffmpegRaw(
                path, pixelFormat: "rgb24", extra: ["-fps_mode", "passthrough"])
            let ours = frames.flatMap(\.image.pixels)
            XCTAssertEqual(ours.count, reference.count, "\(name) raw size")
            if ours != reference, ours.count == reference.count {
                XCTFail(
                    "\(name): pixels differ from ffmpeg by up to \(maxAbsoluteDifference(ours, reference))"
                )
            }
        }
    }

    func testInfoMatchesFFprobe() throws {
        let info = try VideoReader(path: video("h264_320x240.mp4")).info
        XCTAssertEqual(info.width, 320)
        XCTAssertEqual(info.height, 240)
        XCTAssertEqual(info.fps, 25, accuracy: 1e-9)
        XCTAssertEqual(info.frameCount, 50)
        XCTAssertEqual(info.duration ?? 0, 2, accuracy: 1e-6)
        XCTAssertEqual(info.codec, "h264")
        XCTAssertEqual(info.rotation, 0)
        let rotated = try VideoReader(path: video("rotated_90.mp4")).info
        // ffprobe's sign (side data rotation=-90): showing the picture takes a 90° clockwise
        // turn of what is stored.
        XCTAssertEqual(rotated.rotation, -90)
        XCTAssertEqual(rotated.clockwiseRotation, 90)
        XCTAssertEqual(rotated.displayWidth, 96)
        XCTAssertEqual(rotated.displayHeight, 160)
        let frame = try XCTUnwrap(try VideoReader(path: video("rotated_90.mp4")).nextFrame())
        XCTAssertEqual(frame.image.width, 96)
        XCTAssertEqual(frame.image.height, 160)
        XCTAssertEqual(try VideoReader(path: video("vp9_160x120.webm")).info.codec, "vp9")
        XCTAssertNil(try VideoReader(path: video("mjpeg_160x120.mkv")).info.frameCount)
    }

    func testSamplingEveryNthFrame() throws {
        let frames = try decodeAll(
            video("h264_320x240.mp4"), options: .init(sampling: .init(every: 5)))
        XCTAssertEqual(frames.map(\.index), Array(stride(from: 0, to: 50, by: 5)))
        for frame in frames {
            XCTAssertEqual(frame.time, Double(frame.index) * 0.04, accuracy: 1e-6)
        }
    }

    func testSamplingAtATargetRate() throws {
        let frames = try decodeAll(
            video("h264_320x240.mp4"), options: .init(sampling: .init(fps: 5)))
        XCTAssertEqual(frames.map(\.index), Array(stride(from: 0, to: 50, by: 5)))
        // A rate that does not divide the stream's: the first frame at or after each 1/7 s.
        let seven = try decodeAll(
            video("h264_320x240.mp4"), options: .init(sampling: .init(fps: 7)))
        XCTAssertEqual(seven.count, 14)
        for (k, frame) in seven.enumerated() {
            XCTAssertGreaterThanOrEqual(frame.time + 1e-6, Double(k) / 7)
            XCTAssertLessThan(frame.time, Double(k) / 7 + 0.04)
        }
    }

    func testTimeRangeAndMaxCount() throws {
        let all = try decodeAll(video("h264_320x240.mp4"))
        let range = try decodeAll(
            video("h264_320x240.mp4"), options: .init(sampling: .init(start: 1.0, end: 1.5)))
        XCTAssertEqual(range.map(\.time).first ?? -1, 1.0, accuracy: 1e-6)
        XCTAssertEqual(range.count, 13)  // 1.00, 1.04, …, 1.48
        // Seeking then decoding gives the same pictures as decoding from the start.
        XCTAssertEqual(range[0].image, all[25].image)
        XCTAssertEqual(range[12].image, all[37].image)
        let limited = try decodeAll(
            video("h264_320x240.mp4"), options: .init(sampling: .init(every: 2, maxFrames: 7)))
        XCTAssertEqual(limited.map(\.index), [0, 2, 4, 6, 8, 10, 12])
    }

    func testSeekLandsOnTheRequestedFrame() throws {
        let all = try decodeAll(video("h264_320x240.mp4"))
        let reader = try VideoReader(path: video("h264_320x240.mp4"))
        _ = try reader.nextFrame()
        // 1.2 s is not a keyframe (every 10th frame is): frames 20...29 are decoded and skipped.
        try reader.seek(to: 1.2)
        let frame = try XCTUnwrap(try reader.nextFrame())
        XCTAssertEqual(frame.time, 1.2, accuracy: 1e-6)
        XCTAssertEqual(frame.image, all[30].image)
        try reader.seek(to: 0)
        XCTAssertEqual(try reader.nextFrame()?.image, all[0].image)
    }

    func testScalingHappensInSwscale() throws {
        let frames = try decodeAll(
            video("h264_320x240.mp4"), options: .init(size: (64, 48), sampling: .init(maxFrames: 3))
        )
        let reference = try ffmpegRaw(
            video("h264_320x240.mp4"), pixelFormat: "rgb24",
            extra: ["-frames:v", "3", "-vf", "scale=64:48:flags=bicubic"])
        XCTAssertEqual(frames.map(\.image.width), [64, 64, 64])
        XCTAssertLessThanOrEqual(
            maxAbsoluteDifference(frames.flatMap(\.image.pixels), reference), 2)
    }

    func testAScaledCopyIsWhatAReaderAtThatSizeGives() throws {
        // Every decodable clip (the rotated one included) at sizes odd and even, smaller and
        // larger than the stream: the copy is byte for byte the frame a reader scaled to that
        // size gives, and the frame itself is the full-size one.
        for name in Self.decodable {
            for size in [(64, 64), (33, 17), (400, 222)] {
                let sampling = FrameSampling(maxFrames: 4)
                let both = try decodeAll(
                    video(name), options: .init(scaledCopy: size, sampling: sampling))
                let full = try decodeAll(video(name), options: .init(sampling: sampling))
                let scaled = try decodeAll(
                    video(name), options: .init(size: size, sampling: sampling))
                XCTAssertEqual(both.count, scaled.count, name)
                XCTAssertEqual(both.map(\.image.pixels), full.map(\.image.pixels), name)
                XCTAssertEqual(both.map(\.scaledCopy?.pixels), scaled.map(\.image.pixels), name)
                XCTAssertEqual(both.map(\.scaledCopy?.width), scaled.map(\.image.width), name)
                XCTAssertEqual(both.map(\.time), scaled.map(\.time), name)
            }
        }
        XCTAssertThrowsError(
            try VideoReader(path: video("h264_320x240.mp4"), options: .init(scaledCopy: (0, 5))))
    }

    func testBadVideosGiveTypedErrors() throws {
        assertMediaError(
            try VideoReader(path: video("audio_only.m4a")),
            {
                if case .noVideoStream(_, let reason) = $0 {
                    reason.contains("audio")
                } else {
                    false
                }
            },
            "audio only")
        assertMediaError(
            try VideoReader(path: video("garbage.mp4")),
            { if case .corrupt = $0 { true } else { false } }, "garbage")
        assertMediaError(
            try VideoReader(path: video("empty.mp4")),
            { if case .corrupt(_, let reason) = $0 { reason.contains("empty") } else { false } },
            "empty")
        assertMediaError(
            try VideoReader(path: video("missing.mp4")),
            { if case .unreadable = $0 { true } else { false } }, "missing")
        assertMediaError(
            try VideoReader(
                path: video("h264_320x240.mp4"), options: .init(limits: .init(maxPixels: 1000))),
            { if case .tooLarge(_, 320, 240, 1000) = $0 { true } else { false } }, "limit")
        assertMediaError(
            try VideoReader(
                path: video("h264_320x240.mp4"), options: .init(sampling: .init(every: 0))),
            { if case .invalidArgument = $0 { true } else { false } }, "every 0")
    }

    func testTruncatedStreamIsReportedWithTheLastGoodTimestamp() throws {
        let reader = try VideoReader(path: video("truncated.mp4"))
        assertMediaError(
            try reader.checkIntegrity(),
            {
                if case .corrupt(_, let reason) = $0 {
                    reason.contains("last good timestamp")
                } else {
                    false
                }
            },
            "truncated")
        XCTAssertLessThan(reader.lastGoodTime ?? 99, 2.0)
        XCTAssertEqual(try VideoReader(path: video("h264_320x240.mp4")).checkIntegrity(), 50)
    }
}
