// `glimpse caption` and `glimpse lm sample` on hostile model directories, `glimpse` on
// out-of-range numeric arguments and on outputs that cannot be made: one `error:` line and exit
// 1 (64 for usage), never a signal or a Foundation error dump.
import Foundation
import TestSupport
import XCTest

final class HostileModelCommandTests: XCTestCase {
    static let shipped = Fixtures.root.appendingPathComponent("models/captioner").path
    static let image = Fixtures.path("scenes/images/000001.png")

    /// A copy of the shipped captioner whose config.json has `original` replaced by `edited`.
    func captioner(replacing original: String, with edited: String, in file: String = "config.json")
        throws -> String
    {
        let directory = Fixtures.temporaryDirectory() + "/captioner"
        try FileManager.default.copyItem(atPath: Self.shipped, toPath: directory)
        let url = URL(fileURLWithPath: directory + "/" + file)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains(original), "\(file) has no \(original)")
        try text.replacingOccurrences(of: original, with: edited)
            .write(to: url, atomically: true, encoding: .utf8)
        return directory
    }

    func assertOneErrorLine(
        _ arguments: [String], status: Int32 = 1, mentioning expected: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try runGlimpse(arguments)
        XCTAssertEqual(
            result.status, status, "\(arguments): \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(arguments): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(
            result.stderr.contains(expected), "\(arguments): \(result.stderr)", file: file,
            line: line)
    }

    func testHostileCaptionModelsGiveOneErrorLine() throws {
        let cases: [(String, String, String, String)] = [
            (
                "config.json", "\"hidden\" : 256", "\"hidden\" : 4611686018427387904",
                "hidden: must be in"
            ),
            ("config.json", "\"hidden\" : 256", "\"hidden\" : 1000000000", "hidden: must be in"),
            ("config.json", "\"hidden\" : 256", "\"hidden\" : 1e300", "hidden: must be an integer"),
            (
                "config.json", "\"hidden\" : 256", "\"hidden\" : \"x\"",
                "hidden: expected an integer"
            ),
            (
                "config.json", "\"attention\" : 128", "\"attention\" : 10000000",
                "attention: must be in"
            ),
            ("config.json", "\"attention\" : 128", "\"attention\" : 1000", "shape mismatch"),
            ("config.json", "\"max_length\" : 32", "\"max_length\" : 0", "max_length: must be in"),
            ("config.json", "\"width\" : 64", "\"width\" : 0", "encoder.preprocessing.width"),
            ("config.json", "\"width\" : 64", "\"width\" : 4", "too small for 3 pooling blocks"),
            ("config.json", "\"hidden\" : 256,", "", "missing field hidden"),
            (
                "config.json", "0.25,\n        0.25,\n        0.25", "0.25",
                "encoder.preprocessing.std"
            ),
            (
                "config.json", "0.25,\n        0.25,\n        0.25", "0, 0, 0",
                "encoder.preprocessing.std"
            ),
            ("vocab.json", "\"<unk>\",", "", "vocab.json"),
            ("vocab.json", "\"there\"", "\"there\", \"there\"", "vocab.json"),
        ]
        for (file, original, edited, expected) in cases {
            let model = try captioner(replacing: original, with: edited, in: file)
            try assertOneErrorLine(["caption", Self.image, "--model", model], mentioning: expected)
        }
        let emptyVocabulary = try captioner(replacing: "[", with: "[", in: "vocab.json")
        try "".write(toFile: emptyVocabulary + "/vocab.json", atomically: true, encoding: .utf8)
        try assertOneErrorLine(
            ["caption", Self.image, "--model", emptyVocabulary], mentioning: "vocab.json")
    }

    func testModelFilesThatAreNotRegularFilesAreRefusedWithoutBlocking() throws {
        for file in ["config.json", "vocab.json", "decoder.safetensors"] {
            let model = try captioner(replacing: "{", with: "{")
            try FileManager.default.removeItem(atPath: model + "/" + file)
            XCTAssertEqual(mkfifo(model + "/" + file, 0o644), 0)
            let result = try runGlimpse(["caption", Self.image, "--model", model], timeout: 20)
            XCTAssertEqual(result.status, 1, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(file), result.stderr)
        }
        let lm = Fixtures.temporaryDirectory()
        XCTAssertEqual(mkfifo(lm + "/config.json", 0o644), 0)
        let sample = try runGlimpse(["lm", "sample", lm], timeout: 20)
        XCTAssertEqual(sample.status, 1, sample.stderr)
        XCTAssertTrue(sample.stderr.contains("config.json"), sample.stderr)
    }

    func testOutOfRangeArgumentsAreUsageErrorsNamingTheFlag() throws {
        let cases: [([String], String)] = [
            (["caption", Self.image, "--beam", "0"], "--beam"),
            (["caption", Self.image, "--beam", "100000"], "--beam"),
            (["caption", Self.image, "--batch", "0"], "--batch"),
            (["caption", Self.image, "--threads", "0"], "--threads"),
            (["caption", "eval", "--data", "d", "--threads", "2000"], "--threads"),
            (["lm", "sample", "m", "--threads", "0"], "--threads"),
            (["caption", "train", "--data", "d", "--out", "o", "--batch", "0"], "--batch"),
            (["caption", "train", "--data", "d", "--out", "o", "--lr", "nan"], "--lr"),
            (["caption", "train", "--data", "d", "--out", "o", "--lr", "-1"], "--lr"),
            (["caption", "train", "--data", "d", "--out", "o", "--epochs", "0"], "--epochs"),
            (
                ["caption", "train", "--data", "d", "--out", "o", "--max-seconds", "inf"],
                "--max-seconds"
            ),
            (["caption", "train", "--data", "d", "--out", "o", "--threads", "0"], "--threads"),
            (["lm", "train", "t", "--out", "o", "--hidden", "0"], "--hidden"),
            (["lm", "train", "t", "--out", "o", "--hidden", "1000000000"], "--hidden"),
            (["lm", "train", "t", "--out", "o", "--lr", "nan"], "--lr"),
            (["lm", "train", "t", "--out", "o", "--seq-length", "0"], "--seq-length"),
            (["lm", "sample", "m", "--temperature", "0"], "--temperature"),
            (["lm", "sample", "m", "--length", "-1"], "--length"),
        ]
        for (arguments, flag) in cases {
            try assertOneErrorLine(arguments, status: 64, mentioning: flag)
        }
    }

    func testOutputsThatCannotBeMadeNameTheSystemsReason() throws {
        let file = Fixtures.temporaryDirectory() + "/a-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let text = Fixtures.path("text/sonnets.txt")
        for arguments in [
            ["lm", "train", text, "--out", file + "/lm", "--steps", "1"],
            [
                "caption", "train", "--data", Fixtures.path("scenes"), "--out", file + "/m",
                "--batch", "4",
            ],
            ["data", "scenes", "--out", file + "/scenes", "--count", "1"],
        ] {
            try assertOneErrorLine(arguments, mentioning: file + ": exists and is not a directory")
        }
    }
}
