// `glimpse caption …` end to end on a small untrained model: output forms, attention maps,
// folder mode and bad inputs.
import Foundation
import GlimpseCaption
import GlimpseMedia
import TestSupport
import XCTest

final class CaptionCommandTests: XCTestCase {
    /// A small random model saved to a temporary directory.
    func modelDirectory() throws -> String {
        var configuration = CaptionModelConfiguration()
        configuration.encoder.channels = [4, 8, 8]
        configuration.embedding = 8
        configuration.hidden = 12
        configuration.attention = 6
        configuration.maxLength = 5
        let vocabulary = CaptionVocabulary(captions: ["a small red circle", "a large blue square"])
        let directory = Fixtures.temporaryDirectory() + "/model"
        try CaptionModel(configuration: configuration, vocabulary: vocabulary).save(to: directory)
        return directory
    }

    func testJSONLinesAndAttentionMap() throws {
        let model = try modelDirectory()
        let image = Fixtures.path("png/pngsuite/basn2c08.png")
        let map = Fixtures.temporaryDirectory() + "/attention.png"
        let result = try runGlimpse([
            "caption", image, Fixtures.path("jpeg/baseline_420.jpg"), "--model", model, "--json",
            "--beam", "2", "--attention-map", map,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["image"] as? String, image)
        XCTAssertNotNil(first["caption"] as? String)
        XCTAssertNotNil(first["log_prob"] as? Double)
        let sheet = try Image(contentsOf: map)
        XCTAssertGreaterThan(sheet.width, 64 * 3)
    }

    func testFolderModePrintsTextAndReportsBadFilesAtTheEnd() throws {
        let model = try modelDirectory()
        let folder = Fixtures.temporaryDirectory()
        for name in ["a.png", "b.png"] {
            try FileManager.default.copyItem(
                atPath: Fixtures.path("png/pngsuite/basn2c08.png"), toPath: folder + "/" + name)
        }
        try FileManager.default.copyItem(
            atPath: Fixtures.path("png/bad/truncated.png"), toPath: folder + "/bad.png")
        let result = try runGlimpse(["caption", folder, "--model", model, "--beam", "1"])
        XCTAssertEqual(result.status, 1)
        let lines = result.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "the good images are captioned")
        XCTAssertEqual(
            lines.map { $0.prefix(while: { $0 != ":" }) }.sorted(),
            ["\(folder)/a.png", "\(folder)/b.png"], "text, as for files, unless --json")
        let errors = result.stderr.split(separator: "\n")
        XCTAssertTrue(errors.first?.hasPrefix("error: \(folder)/bad.png: ") ?? false, result.stderr)
        XCTAssertTrue(
            errors.last?.contains("1 of 3 images could not be captioned: \(folder)/bad.png")
                ?? false, result.stderr)
    }

    func testBadModelsAndImagesGiveOneErrorLine() throws {
        let model = try modelDirectory()
        let empty = Fixtures.temporaryDirectory()
        let image = Fixtures.path("png/pngsuite/basn2c08.png")
        // A vocabulary that does not match the weights.
        let mismatched = Fixtures.temporaryDirectory() + "/model"
        try FileManager.default.copyItem(atPath: model, toPath: mismatched)
        try #"["<pad>", "<start>", "<end>", "<unk>", "a"]"#.write(
            toFile: mismatched + "/vocab.json", atomically: true, encoding: .utf8)
        let emptyCaptions = Fixtures.temporaryDirectory() + "/captions.json"
        try "".write(toFile: emptyCaptions, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["caption", image, "--model", empty], "missing config.json"),
            (["caption", image, "--model", mismatched], "shape mismatch"),
            (["caption", Fixtures.path("png/bad/garbage.png"), "--model", model], "garbage.png"),
            (["caption", "eval", "--data", emptyCaptions, "--model", model], "file is empty"),
            (["caption", image, "--length-penalty=-1"], "--length-penalty must be a number in"),
            (
                [
                    "caption", "train", "--data", emptyCaptions, "--out",
                    Fixtures.temporaryDirectory(),
                ], "file is empty"
            ),
        ]
        for (arguments, expected) in cases {
            let result = try runGlimpse(arguments)
            XCTAssertTrue((1..<128).contains(result.status), "\(arguments): \(result.status)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    func testTrainResumeAndEvaluateOnScenes() throws {
        let data = Fixtures.temporaryDirectory() + "/scenes"
        XCTAssertEqual(
            try runGlimpse(["data", "scenes", "--out", data, "--count", "40", "--seed", "3"])
                .status, 0)
        let out = Fixtures.temporaryDirectory() + "/model"
        let first = try runGlimpse([
            "caption", "train", "--data", data, "--out", out, "--epochs", "1", "--batch", "16",
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("epoch 1 validation  BLEU-4 "), first.stderr)
        let resumed = try runGlimpse([
            "caption", "train", "--data", data, "--out", out, "--epochs", "2", "--batch", "16",
            "--resume",
        ])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed at epoch 2"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("epoch 2/2"), resumed.stderr)
        let evaluation = try runGlimpse([
            "caption", "eval", "--data", data, "--model", out, "--json", "--beam", "1",
        ])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any])
        for key in ["bleu1", "bleu2", "bleu3", "bleu4", "cider", "rouge_l", "fact_accuracy"] {
            XCTAssertNotNil(report[key], key)
        }
    }

    func testResumeNeedsOnlyTheCheckpointAndRefusesOtherData() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let train = [
            "caption", "train", "--data", Fixtures.path("scenes"), "--out", out, "--batch", "4",
        ]
        XCTAssertEqual(try runGlimpse(train + ["--epochs", "1"]).status, 0)
        // A best model torn by a kill while it was written: the checkpoint alone resumes.
        try FileManager.default.removeItem(atPath: out + "/encoder.safetensors")
        let resumed = try runGlimpse(train + ["--epochs", "2", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed at epoch 2"), resumed.stderr)

        let other = Fixtures.temporaryDirectory() + "/scenes"
        XCTAssertEqual(
            try runGlimpse(["data", "scenes", "--out", other, "--count", "12", "--seed", "9"])
                .status, 0)
        let moved = train.map { $0 == Fixtures.path("scenes") ? other : $0 }
        let refused = try runGlimpse(moved + ["--epochs", "3", "--resume"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(
            refused.stderr.hasPrefix("error: \(out)/checkpoint was trained on other data"),
            refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--allow-data-change"), refused.stderr)
        let allowed = try runGlimpse(moved + ["--epochs", "3", "--resume", "--allow-data-change"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
    }
}
