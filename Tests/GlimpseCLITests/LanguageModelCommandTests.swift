// `glimpse lm train` and `glimpse lm sample` end to end.
import Foundation
import TestSupport
import XCTest

final class LanguageModelCommandTests: XCTestCase {
    func testTrainLogsMetricsAndFinalLossThenSamples() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let train = try runGlimpse([
            "lm", "train", Fixtures.path("text/sonnets.txt"), "--out", out, "--cell", "gru",
            "--hidden", "32", "--embedding", "16", "--steps", "40", "--log-every", "20",
            "--sample-every", "40", "--seed", "5",
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        // Progress and samples on standard error, the summary alone on standard output.
        XCTAssertTrue(train.stderr.contains("epoch 2  step 40/40  loss "), train.stderr)
        XCTAssertTrue(train.stderr.contains("----\n"), "no sample: \(train.stderr)")
        let lines = train.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, train.text)
        let last = try XCTUnwrap(lines.last)
        XCTAssertTrue(last.hasPrefix("final loss "), String(last))
        XCTAssertNotNil(Float(last.dropFirst("final loss ".count)))
        for file in [
            "config.json", "vocab.json", "checkpoint/model.safetensors", "checkpoint/state.json",
            "training.png",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        // A metrics row every --log-every steps and at the end of each epoch (23 steps here).
        let rows = try String(contentsOfFile: out + "/training.jsonl", encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(
            rows.map { $0.components(separatedBy: "\"step\":")[1].prefix { $0.isNumber } },
            ["20", "23", "40"], rows.description)
        XCTAssertTrue(rows.last?.contains("\"step\":40") ?? false, rows.description)
        let sample = try runGlimpse([
            "lm", "sample", out, "--length", "30", "--prime", "Love", "--seed", "2",
        ])
        XCTAssertEqual(sample.status, 0, sample.stderr)
        XCTAssertTrue(sample.text.hasPrefix("Love"))
        XCTAssertEqual(sample.text.unicodeScalars.count, 4 + 30 + 1)  // prime, sample, newline
        // --model, as every command takes it; the positional form stays as an alias.
        let named = try runGlimpse([
            "lm", "sample", "--model", out, "--length", "30", "--prime", "Love", "--seed", "2",
        ])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(named.text, sample.text)
        let both = try runGlimpse(["lm", "sample", "--model", out, "/elsewhere"])
        XCTAssertEqual(both.status, 64, both.stderr)
        XCTAssertTrue(both.stderr.contains("disagree"), both.stderr)
    }

    func testMaxSecondsStopsAndSaves() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let train = try runGlimpse([
            "lm", "train", Fixtures.path("text/sonnets.txt"), "--out", out, "--steps", "100000",
            "--max-seconds", "1", "--sample-every", "0",
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("--max-seconds"), train.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/checkpoint/state.json"))
    }

    func testBadInputsGiveOneErrorLine() throws {
        let missing = try runGlimpse([
            "lm", "train", "/nonexistent.txt", "--out", Fixtures.temporaryDirectory(),
        ])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("error: /nonexistent.txt: "), missing.stderr)
        let notAModel = Fixtures.temporaryDirectory()
        let sample = try runGlimpse(["lm", "sample", notAModel])
        XCTAssertEqual(sample.status, 1)
        XCTAssertEqual(sample.stderr.split(separator: "\n").count, 1, sample.stderr)
        XCTAssertTrue(
            sample.stderr.hasPrefix("error: \(notAModel): missing config.json"), sample.stderr)
    }

    func testAnExistingModelNeedsResumeOrOverwrite() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let arguments = [
            "lm", "train", Fixtures.path("text/sonnets.txt"), "--out", out, "--steps", "3",
            "--hidden", "8", "--embedding", "4", "--sample-every", "0",
        ]
        XCTAssertEqual(try runGlimpse(arguments).status, 0)
        let again = try runGlimpse(arguments)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(
            again.stderr,
            "error: \(out) already holds a model (config.json, vocab.json, checkpoint): pass "
                + "--resume to continue its run or --overwrite to replace it\n")
        XCTAssertEqual(try runGlimpse(arguments + ["--overwrite"]).status, 0)
        let resumed = try runGlimpse(arguments.map { $0 == "3" ? "5" : $0 } + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed at epoch 1, step 3"), resumed.stderr)
    }
}
