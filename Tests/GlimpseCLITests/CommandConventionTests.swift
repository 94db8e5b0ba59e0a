// One convention across commands: --threads on every computing command, --max-pixels on every
// command that decodes (and each of them refusing an image or video over the limit, naming the
// file and the flag), --json on every informational command, --version.
import Foundation
import TestSupport
import XCTest

final class CommandConventionTests: XCTestCase {
    func help(_ command: String) throws -> String {
        let result = try runGlimpse(command.split(separator: " ").map(String.init) + ["--help"])
        XCTAssertEqual(result.status, 0, command)
        return result.text
    }

    func testEveryCommandTakesTheFlagsOfItsKind() throws {
        let computing = [
            "lm train", "lm sample", "caption run", "caption train", "caption eval",
            "caption calibrate", "label run", "label train", "label eval", "vqa ask", "vqa train",
            "vqa eval", "run",
        ]
        let decoding = [
            "image convert", "video frames", "video check", "caption run", "caption train",
            "caption eval", "caption calibrate", "label run", "label train", "label eval",
            "vqa ask", "vqa train", "vqa eval", "run",
        ]
        let informational = [
            "image info", "video info", "video check", "model inspect", "pipelines",
            "caption eval", "label eval", "vqa eval", "caption run", "vqa ask",
        ]
        for (commands, flag) in [
            (computing, "--threads"), (decoding, "--max-pixels"), (informational, "--json"),
        ] {
            for command in commands {
                XCTAssertTrue(try help(command).contains(flag + " "), "\(command) lacks \(flag)")
            }
        }
        let version = try runGlimpse(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertNotNil(version.text.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression))
    }

    func testPipelinesListsAsJSON() throws {
        let result = try runGlimpse(["pipelines", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let listing = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let pipelines = try XCTUnwrap(listing["pipelines"] as? [[String: Any]])
        let caption = try XCTUnwrap(
            pipelines.first { ($0["path"] as? String)?.hasSuffix("/caption.json") == true })
        XCTAssertEqual(
            caption["stages"] as? [String],
            ["decode-image", "preprocess", "encode-image", "decode-captions"])
        let stages = try XCTUnwrap(listing["stages"] as? [[String: Any]])
        let decode = try XCTUnwrap(stages.first { $0["name"] as? String == "decode-image" })
        let parameters = try XCTUnwrap(decode["parameters"] as? [[String: Any]])
        XCTAssertEqual(parameters.first?["name"] as? String, "max_pixels")
        XCTAssertEqual(parameters.first?["default"] as? Int, 100_000_000)
    }

    func testTrainingAndEvaluationRefuseImagesAndFramesOverTheLimit() throws {
        let root = Fixtures.temporaryDirectory()
        let scenes = root + "/scenes"
        let activities = root + "/activities"
        XCTAssertEqual(
            try runGlimpse([
                "data", "scenes", "--out", scenes, "--count", "40", "--seed", "3", "--questions",
            ]).status, 0)
        XCTAssertEqual(
            try runGlimpse(["data", "activities", "--out", activities, "--count", "2"]).status, 0)
        let model = root + "/captioner"
        try FileManager.default.copyItem(
            atPath: Fixtures.path("../models/captioner"), toPath: model)
        let image = scenes + "/images/000001.png"
        let questions = scenes + "/questions.jsonl"
        let video = activities + "/videos/000001.mp4"
        for (arguments, file) in [
            (["caption", "train", "--data", scenes, "--out", root + "/m1", "--batch", "4"], image),
            (["caption", "eval", "--data", scenes], image),
            (["caption", "calibrate", "--data", scenes, "--model", model], image),
            (["vqa", "train", "--data", questions, "--out", root + "/m2"], image),
            (["vqa", "eval", "--data", questions], image),
            (["label", "train", "--data", activities, "--out", root + "/m3"], video),
            (["label", "eval", "--data", activities], video),
        ] {
            let result = try runGlimpse(arguments + ["--max-pixels", "100"])
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            // Progress lines may come first; the error is the last line, and the only one.
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.filter { $0.hasPrefix("error: ") }.count, 1, result.stderr)
            let error = String(lines.last ?? "")
            XCTAssertTrue(error.hasPrefix("error: \(file): "), "\(arguments): \(error)")
            XCTAssertTrue(error.contains("100 pixels"), "\(arguments): \(error)")
            XCTAssertTrue(error.contains("--max-pixels"), "\(arguments): \(error)")
        }
        for path in [root + "/m1", root + "/m2", root + "/m3"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/config.json"), path)
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: model + "/domain.safetensors")),
            try Data(
                contentsOf: URL(
                    fileURLWithPath: Fixtures.path("../models/captioner/domain.safetensors"))))
    }
}
