// `glimpse vqa` end to end on generated scenes: train, answer one question (text and JSON,
// attention map), answer a JSONL batch with bad rows, evaluate; bad input gives one error line.
import Foundation
import TestSupport
import XCTest

final class VQACommandTests: XCTestCase {
    static let data: String = {
        let folder = Fixtures.temporaryDirectory() + "/scenes"
        _ = try? runGlimpse([
            "data", "scenes", "--out", folder, "--count", "24", "--seed", "4", "--questions",
        ])
        return folder
    }()

    static let model: String = {
        let out = Fixtures.temporaryDirectory() + "/vqa"
        _ = try? runGlimpse([
            "vqa", "train", "--data", data + "/questions.jsonl", "--out", out, "--steps", "6",
            "--batch", "16",
        ])
        return out
    }()

    func testTrainAskAndEvaluate() throws {
        let model = Self.model
        for file in ["config.json", "question_vocab.json", "answer_vocab.json", "training.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/" + file), file)
        }
        let image = Self.data + "/images/000002.png"
        let text = try runGlimpse([
            "vqa", image, "how many objects are there", "--model", model, "--top", "3",
        ])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, text.text)  // the answer, then 3 ranked answers
        XCTAssertTrue(lines[1].hasSuffix(String(lines[0])), text.text)

        let map = Fixtures.temporaryDirectory() + "/attention.png"
        let json = try runGlimpse([
            "vqa", image, "what color is the zorblax", "--model", model, "--json",
            "--attention-map", map,
        ])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        XCTAssertNotNil(object["answer"] as? String)
        XCTAssertEqual((object["answers"] as? [Any])?.count, 5)
        XCTAssertEqual(object["unknown_words"] as? Int, 1)
        XCTAssertTrue((object["tokens"] as? [String])?.contains("<unk>") ?? false, "\(object)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: map))

        let evaluation = try runGlimpse([
            "vqa", "eval", "--data", Self.data + "/questions.jsonl", "--model", model, "--json",
        ])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any])
        for key in ["accuracy", "by_answer_type", "by_question_type"] {
            XCTAssertNotNil(report[key], key)
        }
    }

    func testBatchModeAnswersGoodRowsAndListsBadOnes() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(
            atPath: Self.data + "/images/000001.png", toPath: folder + "/a.png")
        try "not a png".write(toFile: folder + "/broken.png", atomically: true, encoding: .utf8)
        let rows = [
            #"{"image": "a.png", "question": "what shape is the red object"}"#,
            #"{"image": "broken.png", "question": "how many objects are there"}"#,
            #"{"image": "a.png", "question": ""}"#,
            #"{"image": "a.png", "question": "is there a circle"}"#,
        ]
        try rows.joined(separator: "\n").write(
            toFile: folder + "/q.jsonl", atomically: true, encoding: .utf8)
        let result = try runGlimpse([
            "vqa", "--questions", folder + "/q.jsonl", "--model", Self.model,
        ])
        XCTAssertEqual(result.status, 1)
        let answered = result.text.split(separator: "\n")
        XCTAssertEqual(answered.count, 2, result.text)
        XCTAssertTrue(answered[1].contains("is there a circle"), result.text)
        let errors = result.stderr.split(separator: "\n")
        XCTAssertTrue(errors.contains { $0.contains("broken.png") }, result.stderr)
        XCTAssertTrue(errors.contains { $0.contains("line 3") }, result.stderr)
        XCTAssertTrue(errors.last?.contains("2 of 4 rows of") ?? false, result.stderr)
    }

    func testBadInputGivesOneErrorLine() throws {
        let image = Self.data + "/images/000001.png"
        let captioner = Fixtures.temporaryDirectory()
        for (arguments, expected) in [
            (["vqa", image, "what is it", "--model", Fixtures.path("scenes")], "not a VQA model"),
            (["vqa", image, "", "--model", Self.model], "empty question"),
            (["vqa", "/nonexistent.png", "what", "--model", Self.model], "/nonexistent.png"),
            (["vqa", image], "give IMAGE and QUESTION"),
            (["vqa", "train", "--out", captioner + "/m"], "--data"),
        ] {
            let result = try runGlimpse(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }
}
