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
        XCTAssertEqual(object["rotation"] as? Int, 90)
        XCTAssertEqual(object["frame_count"] as? Int, 10)
        XCTAssertEqual(object["codec"] as? String, "h264")
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
