// `glimpse video …` end to end.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class VideoCommandTests: XCTestCase {
    func testInfoJSONHasTheDocumentedKeys() throws {
        let path = Fixtures.path("video/rotated_90.mp4")
        let result = try runGlimpse(["video", "info", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        for key in ["width", "height", "fps", "duration", "frame_count", "codec", "rotation"] {
            XCTAssertNotNil(object[key], "missing \(key)")
        }
        XCTAssertEqual(object["width"] as? Int, 160)
        XCTAssertEqual(object["display_width"] as? Int, 96)
        XCTAssertEqual(object["rotation"] as? Int, -90)
        XCTAssertEqual(object["frame_count"] as? Int, 10)
        XCTAssertEqual(object["codec"] as? String, "h264")
    }

    /// `video info --json` says what `ffprobe -show_streams -show_format` says, key for key,
    /// on a rotated video, a variable-frame-rate one, and one with two audio streams.
    func testInfoJSONMatchesFFprobe() throws {
        let withAudio = Fixtures.temporaryDirectory() + "/av.mp4"
        let made = try runProcess(
            "ffmpeg",
            [
                "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-f", "lavfi", "-i",
                "sine=frequency=220:sample_rate=22050", "-t", "1", "-map", "0", "-map", "1",
                "-map", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-ac:a:1", "2", withAudio,
            ])
        XCTAssertEqual(made.status, 0, made.stderr)
        let cases = [
            Fixtures.path("video/rotated_90.mp4"), Fixtures.path("video/vfr.mkv"), withAudio,
            Fixtures.path("video/mjpeg_160x120.mkv"),
        ]
        for path in cases {
            let result = try runGlimpse(["video", "info", path, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let ours = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            let probe = try ffprobe(path)
            let streams = try XCTUnwrap(probe["streams"] as? [[String: Any]])
            let format = try XCTUnwrap(probe["format"] as? [String: Any])
            let video = try XCTUnwrap(streams.first { $0["codec_type"] as? String == "video" })
            let name = (path as NSString).lastPathComponent
            for key in ["width", "height", "coded_width", "coded_height"] {
                XCTAssertEqual(ours[key] as? Int, video[key] as? Int, "\(name): \(key)")
            }
            for key in ["r_frame_rate", "avg_frame_rate", "time_base", "pix_fmt"] {
                XCTAssertEqual(ours[key] as? String, video[key] as? String, "\(name): \(key)")
            }
            XCTAssertEqual(ours["codec"] as? String, video["codec_name"] as? String, name)
            XCTAssertEqual(ours["container"] as? String, format["format_name"] as? String, name)
            XCTAssertEqual(ours["bit_rate"] as? Int, integer(video["bit_rate"]), name)
            XCTAssertEqual(ours["frame_count"] as? Int, integer(video["nb_frames"]), name)
            let duration = try XCTUnwrap(
                double(video["duration"]) ?? double(format["duration"]), name)
            XCTAssertEqual(try XCTUnwrap(ours["duration"] as? Double), duration, accuracy: 1e-6)
            let sideData = video["side_data_list"] as? [[String: Any]] ?? []
            let rotation = sideData.compactMap { $0["rotation"] as? Int }.first ?? 0
            XCTAssertEqual(ours["rotation"] as? Int, rotation, name)
            let turned = rotation % 180 != 0
            XCTAssertEqual(
                ours["display_width"] as? Int, video[turned ? "height" : "width"] as? Int, name)
            XCTAssertEqual(
                ours["display_height"] as? Int, video[turned ? "width" : "height"] as? Int, name)
            let audio = try XCTUnwrap(ours["audio"] as? [[String: Any]], name)
            let expected = streams.filter { $0["codec_type"] as? String == "audio" }
            XCTAssertEqual(audio.count, expected.count, name)
            for (stream, reference) in zip(audio, expected) {
                XCTAssertEqual(stream["index"] as? Int, reference["index"] as? Int, name)
                XCTAssertEqual(stream["codec"] as? String, reference["codec_name"] as? String)
                XCTAssertEqual(stream["sample_rate"] as? Int, integer(reference["sample_rate"]))
                XCTAssertEqual(stream["channels"] as? Int, reference["channels"] as? Int)
                XCTAssertEqual(stream["bit_rate"] as? Int, integer(reference["bit_rate"]))
            }
            XCTAssertEqual(audio.count, path == withAudio ? 2 : 0, name)
        }
    }

    /// The text form names the pixel format and, when they differ, stored and displayed size.
    func testInfoTextNamesPixelFormatAndDisplayedSize() throws {
        let path = Fixtures.path("video/rotated_90.mp4")
        let result = try runGlimpse(["video", "info", path])
        XCTAssertEqual(
            result.text,
            "\(path): h264 yuv420p 160x96 stored, 96x160 displayed, 10.000 fps (10/1), "
                + "duration 1.000 s, 10 frames, 78768 b/s, rotation -90\n")
    }

    private func ffprobe(_ path: String) throws -> [String: Any] {
        let result = try runProcess(
            "ffprobe", ["-v", "error", "-of", "json", "-show_streams", "-show_format", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    /// ffprobe prints many integers as strings ("78768"), and omits unknown values.
    private func integer(_ value: Any?) -> Int? {
        (value as? Int) ?? (value as? String).flatMap { Int($0) }
    }

    private func double(_ value: Any?) -> Double? {
        (value as? Double) ?? (value as? String).flatMap { Double($0) }
    }

    func testFramesWritesPNGsAndAnIndex() throws {
        let out = Fixtures.temporaryDirectory() + "/frames"
        let result = try runGlimpse([
            "video", "frames", Fixtures.path("video/h264_320x240.mp4"), "--out", out, "--every",
            "10",
            "--start", "0.4", "--size", "32x24", "--max", "3",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(
            names, ["frame_000001.png", "frame_000002.png", "frame_000003.png", "frames.jsonl"])
        let lines = try String(contentsOfFile: out + "/frames.jsonl", encoding: .utf8)
            .split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.map { $0["index"] as? Int }, [10, 20, 30])
        XCTAssertEqual(lines.map { $0["pts_time"] as? Double }, [0.4, 0.8, 1.2])
        // Time base 1/12800 (ffprobe's `pts` of these frames).
        XCTAssertEqual(lines.map { $0["pts"] as? Int }, [5120, 10240, 15360])
        XCTAssertEqual(lines.map { $0["file"] as? String }, Array(names.prefix(3)))
        let frame = try Image(contentsOf: out + "/frame_000001.png")
        XCTAssertEqual([frame.width, frame.height], [32, 24])
    }

    /// frames.jsonl's `pts` and `pts_time` are ffprobe's, frame by frame, on a
    /// variable-frame-rate stream.
    func testFramesIndexMatchesFFprobeTimestamps() throws {
        let path = Fixtures.path("video/vfr.mkv")
        let out = Fixtures.temporaryDirectory() + "/frames"
        let result = try runGlimpse(["video", "frames", path, "--out", out, "--size", "16x12"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try frameIndex(out)
        let probe = try runProcess(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts,pts_time",
                "-of", "json", path,
            ])
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let frames = try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any])?["frames"]
                as? [[String: Any]])
        XCTAssertEqual(frames.count, 20)
        XCTAssertEqual(lines.map { $0["pts"] as? Int }, frames.map { $0["pts"] as? Int })
        XCTAssertEqual(
            lines.map { $0["pts_time"] as? Double },
            frames.map { ($0["pts_time"] as? String).flatMap(Double.init) })
        XCTAssertEqual(lines.map { $0["index"] as? Int }, Array(0..<20))
    }

    /// A second run into the same folder is refused; with --overwrite it replaces the first
    /// run's frames, leaving exactly its own; a folder holding anything else is never touched.
    func testFramesRefusesAnUsedFolderUnlessOverwrite() throws {
        let video = Fixtures.path("video/h264_320x240.mp4")
        let out = Fixtures.temporaryDirectory() + "/frames"
        let first = try runGlimpse(
            ["video", "frames", video, "--out", out, "--every", "10", "--size", "16x12"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).count, 6)

        let second = try runGlimpse(
            ["video", "frames", video, "--out", out, "--every", "20", "--size", "16x12"])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertEqual(second.stderr.split(separator: "\n").count, 1, second.stderr)
        XCTAssertTrue(second.stderr.hasPrefix("error: --out \(out) "), second.stderr)
        XCTAssertTrue(second.stderr.contains("--overwrite"), second.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).count, 6)

        let replaced = try runGlimpse(
            [
                "video", "frames", video, "--out", out, "--every", "20", "--size", "16x12",
                "--overwrite",
            ])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: out).sorted(),
            ["frame_000001.png", "frame_000002.png", "frame_000003.png", "frames.jsonl"])
        let lines = try frameIndex(out)
        XCTAssertEqual(
            lines.map { $0["file"] as? String },
            ["frame_000001.png", "frame_000002.png", "frame_000003.png"])
        XCTAssertEqual(lines.map { $0["index"] as? Int }, [0, 20, 40])

        // Someone else's file: refused even with --overwrite, naming it; nothing removed.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let foreign = try runGlimpse(
            ["video", "frames", video, "--out", out, "--size", "16x12", "--overwrite"])
        XCTAssertNotEqual(foreign.status, 0)
        XCTAssertTrue(foreign.stderr.contains("notes.txt"), foreign.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).count, 5)
    }

    private func frameIndex(_ folder: String) throws -> [[String: Any]] {
        try String(contentsOfFile: folder + "/frames.jsonl", encoding: .utf8)
            .split(separator: "\n")
            .map {
                try XCTUnwrap(
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
    }

    func testCheckReportsFramesOrTheLastGoodTimestamp() throws {
        let good = try runGlimpse(["video", "check", Fixtures.path("video/h264_320x240.mp4")])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.text.contains("frames decoded: 50"), good.text)
        XCTAssertTrue(good.text.contains("duration: 2.000 s"), good.text)
        XCTAssertTrue(good.text.contains("decode fps: "), good.text)

        let path = Fixtures.path("video/truncated.mp4")
        let broken = try runGlimpse(["video", "check", path])
        XCTAssertTrue((1..<128).contains(broken.status))
        XCTAssertTrue(broken.stderr.hasPrefix("error: \(path): "), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("last good timestamp"), broken.stderr)
    }

    func testCheckJSON() throws {
        let path = Fixtures.path("video/h264_320x240.mp4")
        let result = try runGlimpse(["video", "check", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text.split(separator: "\n").count, 1, result.text)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        XCTAssertEqual(
            Set(object.keys),
            ["path", "frames_decoded", "duration", "decode_seconds", "decode_fps"])
        XCTAssertEqual(object["path"] as? String, path)
        XCTAssertEqual(object["frames_decoded"] as? Int, 50)
        XCTAssertEqual(try XCTUnwrap(object["duration"] as? Double), 2, accuracy: 1e-9)
        let seconds = try XCTUnwrap(object["decode_seconds"] as? Double)
        let fps = try XCTUnwrap(object["decode_fps"] as? Double)
        XCTAssertGreaterThan(seconds, 0)
        XCTAssertEqual(fps, 50 / seconds, accuracy: fps * 1e-6)

        let broken = try runGlimpse(
            ["video", "check", Fixtures.path("video/truncated.mp4"), "--json"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stdout.count, 0, broken.text)
        XCTAssertTrue(broken.stderr.contains("last good timestamp"), broken.stderr)
    }

    /// `check` and `frames` reach the same verdict on damaged files: `frames` writes what it
    /// decoded, then fails naming the damage.
    func testCheckAndFramesBothFailOnTruncatedVideos() throws {
        for name in ["truncated.mkv", "truncated.mp4"] {
            let path = Fixtures.path("video/" + name)
            let check = try runGlimpse(["video", "check", path], timeout: 60)
            XCTAssertEqual(check.status, 1, check.text)
            XCTAssertTrue(check.stderr.hasPrefix("error: \(path): corrupt or truncated: "))
            XCTAssertTrue(check.stderr.contains("last good timestamp"), check.stderr)
            XCTAssertEqual(check.stderr.split(separator: "\n").count, 1, check.stderr)
            let frames = try runGlimpse(
                ["video", "frames", path, "--out", Fixtures.temporaryDirectory()], timeout: 60)
            XCTAssertEqual(frames.status, 1, frames.text)
            XCTAssertTrue(frames.stderr.hasPrefix("error: \(path): corrupt or truncated: "))
            XCTAssertTrue(frames.stderr.contains("wrote the "), frames.stderr)
        }
    }

    func testBadVideosExitNonZeroWithOneLine() throws {
        for name in ["audio_only.m4a", "garbage.mp4", "empty.mp4", "missing.mp4"] {
            let path = Fixtures.path("video/" + name)
            for arguments in [["video", "info", path], ["video", "check", path]] {
                let result = try runGlimpse(arguments)
                XCTAssertTrue((1..<128).contains(result.status), "\(arguments)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), result.stderr)
            }
        }
        let usage = try runGlimpse([
            "video", "frames", Fixtures.path("video/h264_320x240.mp4"),
            "--out", Fixtures.temporaryDirectory(), "--every", "2", "--fps", "3",
        ])
        XCTAssertTrue((1..<128).contains(usage.status))
        XCTAssertTrue(usage.stderr.hasPrefix("error: "), usage.stderr)
    }
}
