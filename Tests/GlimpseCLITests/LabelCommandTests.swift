// `glimpse data activities`, `glimpse label train`, `glimpse label VIDEO` and `glimpse label
// eval` end to end on a few generated clips; bad input gives one error line.
import Foundation
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

        let evaluation = try runGlimpse([
            "label", "eval", "--data", data, "--model", model, "--json",
        ])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let scores = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any])
        XCTAssertNotNil(scores["frame_accuracy"] as? Double)
        XCTAssertNotNil(scores["map"] as? Double)
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
