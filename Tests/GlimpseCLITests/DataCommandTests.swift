// `glimpse data scenes` end to end: files written, the summary line, errors and exit codes.
import Foundation
import TestSupport
import XCTest

final class DataCommandTests: XCTestCase {
    func testScenesWritesTheSetAndOneSummaryLine() throws {
        let out = Fixtures.temporaryDirectory() + "/scenes"
        let result = try runGlimpse([
            "data", "scenes", "--out", out, "--count", "3", "--seed", "7", "--questions",
            "--size", "48",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let line = result.text
        XCTAssertTrue(line.hasPrefix("wrote 3 scenes ("), line)
        XCTAssertTrue(line.hasSuffix(" questions) to \(out)\n"), line)
        XCTAssertEqual(line.split(separator: "\n").count, 1)
        for file in [
            "captions.json", "scenes.json", "questions.jsonl", "images/000001.png",
            "images/000002.png", "images/000003.png",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/images/000004.png"))
        let coco = try JSONSerialization.jsonObject(
            with: try Data(contentsOf: URL(fileURLWithPath: out + "/captions.json")))
        let images = (coco as? [String: Any])?["images"] as? [[String: Any]]
        XCTAssertEqual(images?.first?["width"] as? Int, 48)
    }

    func testWithoutQuestionsNoQuestionsFile() throws {
        let out = Fixtures.temporaryDirectory()
        let result = try runGlimpse(["data", "scenes", "--out", out, "--count", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // Every scene has three reference captions.
        XCTAssertEqual(result.text, "wrote 1 scene (3 captions) to \(out)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/questions.jsonl"))
    }

    func testBadCountsAndSizesGiveOneErrorLine() throws {
        let out = Fixtures.temporaryDirectory()
        for arguments in [["--count", "0"], ["--count=-3"], ["--count", "2", "--size", "8"]] {
            let result = try runGlimpse(["data", "scenes", "--out", out] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
            XCTAssertEqual(result.stdout.count, 0)
        }
        let zero = try runGlimpse(["data", "scenes", "--out", out, "--count", "0"])
        XCTAssertEqual(zero.stderr, "error: --count must be at least 1, got 0\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/images"))
    }

    func testUnwritableOutGivesOneErrorLineNamingThePath() throws {
        let file = Fixtures.temporaryDirectory() + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let result = try runGlimpse(["data", "scenes", "--out", file, "--count", "2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "error: \(file): exists and is not a directory\n")
        XCTAssertEqual(result.stdout.count, 0)
    }
}
