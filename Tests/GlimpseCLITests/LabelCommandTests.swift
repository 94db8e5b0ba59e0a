// `glimpse data activities`, `glimpse label train`, `glimpse label VIDEO` (every format, and a
// folder with a corrupt video) and `glimpse label eval` end to end on a few generated clips;
// bad input gives one error line.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class LabelCommandTests: XCTestCase {
    func testGenerateTrainLabelAndEvaluate() throws {
        let data = Fixtures.temporaryDirectory() + "/activities"
        let generated = try runGlimpse([
            "data", "activities", "--out", data, "--count", "10", "--seed", "4",
        ])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        XCTAssertTrue(generated.text.hasPrefix("wrote 10 clips"), generated.text)
        let model = Fixtures.temporaryDirectory() + "/labeller"
        let train = try runGlimpse([
            "label", "train", "--data", data, "--out", model, "--steps", "3", "--batch", "4",
            "--fps", "3", "--attention", "--rank-loss", "score",
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.text.hasPrefix("trained "), train.text)

        let video = data + "/videos/000002.mp4"
        let table = try runGlimpse(["label", video, "--model", model])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.text.split(separator: "\n")
        XCTAssertTrue(lines.contains("segments:"), table.text)
        let json = try runGlimpse(["label", video, "--model", model, "--format", "json"])
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let frames = try XCTUnwrap(object["frames"] as? [[String: Any]])
        XCTAssertEqual(frames.count, lines.firstIndex(of: "segments:"))
        XCTAssertNotNil(object["segments"] as? [Any])
        let vtt = try runGlimpse(["label", video, "--model", model, "--format", "vtt"])
        XCTAssertTrue(vtt.text.hasPrefix("WEBVTT\n"), vtt.text)

        // csv: segments.csv's columns and the confidence, one row per json segment.
        let csv = try runGlimpse(["label", video, "--model", model, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let rows = csv.text.split(separator: "\n")
        XCTAssertEqual(rows.first, "video,start_s,end_s,label,confidence")
        let segments = try XCTUnwrap(object["segments"] as? [[String: Any]])
        XCTAssertEqual(rows.count - 1, segments.count)
        for (row, segment) in zip(rows.dropFirst(), segments) {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(fields.count, 5, String(row))
            XCTAssertEqual(String(fields[0]), video)
            XCTAssertEqual(String(fields[3]), segment["label"] as? String)
        }
        // activitynet: the results file, keyed by the file name without extension.
        let activitynet = try runGlimpse([
            "label", video, "--model", model, "--format", "activitynet",
        ])
        let results = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: activitynet.stdout) as? [String: Any])
        XCTAssertEqual(results["version"] as? String, "VERSION 1.3")
        let detections = try XCTUnwrap(
            (results["results"] as? [String: Any])?["000002"] as? [[String: Any]])
        XCTAssertEqual(detections.count, segments.count)
        XCTAssertEqual(
            (detections.first?["segment"] as? [Double])?.count, segments.isEmpty ? nil : 2)

        // --annotate: every labelled frame at the video's size, its label drawn white on a
        // black band; the labels are those of the plain run.
        let annotated = Fixtures.temporaryDirectory() + "/annotated.mp4"
        let annotation = try runGlimpse([
            "label", video, "--model", model, "--format", "json", "--annotate", annotated,
        ])
        XCTAssertEqual(annotation.status, 0, annotation.stderr)
        let reader = try VideoReader(path: annotated)
        var written = 0
        while let frame = try reader.nextFrame() {
            written += 1
            let image = frame.image
            let red = { (x: Int, y: Int) in image.pixels[(y * image.width + x) * image.channels] }
            let row = (0..<image.width).map { red($0, 1) }
            XCTAssertLessThan(Int(row.max() ?? 255), 60, "the band is black")
            let band = (2..<10).flatMap { y in (0..<40).map { red($0, y) } }
            XCTAssertGreaterThan(Int(band.max() ?? 0), 180, "white text on it")
        }
        XCTAssertEqual(written, frames.count)
        let labelledAgain = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: annotation.stdout) as? [String: Any])
        XCTAssertEqual(
            (labelledAgain["frames"] as? [[String: Any]])?.compactMap { $0["label"] as? String },
            frames.compactMap { $0["label"] as? String }, "same labels from full-size frames")

        // A folder: one JSON line per video, a corrupt one as an error line, other files
        // ignored, exit 1 naming the count.
        let folder = Fixtures.temporaryDirectory()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: video))
        try bytes.write(to: URL(fileURLWithPath: folder + "/a.mp4"))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: folder + "/b.mp4"))
        try FileManager.default.copyItem(
            atPath: data + "/videos/000003.mp4", toPath: folder + "/c.mp4")
        try "x".write(toFile: folder + "/readme.txt", atomically: true, encoding: .utf8)
        let batch = try runGlimpse(["label", folder, "--model", model])
        XCTAssertEqual(batch.status, 1, batch.stderr)
        XCTAssertTrue(batch.stderr.contains("1 of 3 videos failed"), batch.stderr)
        let videoLines = try batch.text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(
            videoLines.map { $0["video"] as? String },
            ["a", "b", "c"].map { folder + "/\($0).mp4" })
        XCTAssertEqual(videoLines.map { $0["ok"] as? Bool }, [true, false, true])
        XCTAssertEqual(
            (videoLines[0]["frames"] as? [Any])?.count, frames.count, "same as one by one")
        XCTAssertEqual(videoLines[0]["fps"] as? Double, 3, "the labelling rate, as one by one")
        XCTAssertEqual(object["fps"] as? Double, 3)
        XCTAssertTrue(
            (videoLines[1]["error"] as? String ?? "").contains("b.mp4"), "\(videoLines[1])")
        XCTAssertNil(videoLines[1]["frames"], "no partial result passed off as complete")

        let evaluation = try runGlimpse([
            "label", "eval", "--data", data, "--model", model, "--json",
        ])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let scores = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any])
        XCTAssertNotNil(scores["frame_accuracy"] as? Double)
        for key in ["map", "segment_f1", "detection_map"] {
            let value = try XCTUnwrap(scores[key] as? Double, key)
            XCTAssertTrue((0...1).contains(value), "\(key) \(value)")
        }
        XCTAssertEqual((scores["early_detection"] as? [String: Any])?.count, 10)

        // Bad input: one error line each.
        let empty = Fixtures.temporaryDirectory()
        try "not a video".write(toFile: empty + "/notes.txt", atomically: true, encoding: .utf8)
        for (arguments, expected) in [
            (["label", "train", "--data", empty, "--out", empty + "/m"], "segments.csv"),
            (["label", empty + "/notes.txt", "--model", model], "notes.txt"),
            (["label", video, "--model", Fixtures.path("scenes")], "config.json"),
        ] {
            let result = try runGlimpse(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }
}
