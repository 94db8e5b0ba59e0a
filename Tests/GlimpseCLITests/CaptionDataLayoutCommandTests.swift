// `glimpse caption train` and `caption eval` on every dataset layout users already have (COCO
// and Karpathy JSON with --images, the neuraltalk2 list, JSONL, a folder of images with .txt
// captions), each built from the same 12 fixture scenes and trained one epoch; malformed and
// unknown files give one error line naming the line and column or every accepted layout; a
// model of another task given to a command is named for what it is.
import Foundation
import TestSupport
import XCTest

final class CaptionDataLayoutCommandTests: XCTestCase {
    struct Scene {
        var id: Int
        var fileName: String
        var captions: [String]
    }

    /// The fixture scenes' images and captions, read with Foundation from captions.json.
    func scenes() throws -> [Scene] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("scenes/captions.json")))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let images = try XCTUnwrap(root["images"] as? [[String: Any]])
        let annotations = try XCTUnwrap(root["annotations"] as? [[String: Any]])
        return try images.map { image in
            let id = try XCTUnwrap(image["id"] as? Int)
            return Scene(
                id: id, fileName: try XCTUnwrap(image["file_name"] as? String),
                captions: annotations.filter { $0["image_id"] as? Int == id }
                    .compactMap { $0["caption"] as? String })
        }
    }

    func write(_ object: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// `--data` and `--images` arguments of each layout, all over the same scenes.
    func layouts() throws -> [(String, [String])] {
        let scenes = try scenes()
        let root = Fixtures.temporaryDirectory()
        let images = Fixtures.path("scenes/images")
        var annotations: [[String: Any]] = []
        for scene in scenes {
            for caption in scene.captions {
                annotations.append(["image_id": "s\(scene.id)", "caption": caption])
            }
        }
        try write(
            [
                "images": scenes.map { ["id": "s\($0.id)", "file_name": $0.fileName] },
                "annotations": annotations,
            ], to: root + "/captions_train.json")
        try write(
            [
                "images": scenes.map {
                    [
                        "filepath": "images", "filename": $0.fileName, "split": "train",
                        "sentences": $0.captions.map { ["raw": $0] },
                    ]
                }
            ], to: root + "/dataset_scenes.json")
        try write(
            scenes.map { ["file_path": $0.fileName, "captions": $0.captions] },
            to: root + "/list.json")
        let lines = try scenes.map {
            String(
                decoding: try JSONSerialization.data(
                    withJSONObject: ["image": $0.fileName, "captions": $0.captions]),
                as: UTF8.self)
        }
        try lines.joined(separator: "\n").write(
            toFile: root + "/data.jsonl", atomically: true, encoding: .utf8)
        let folder = root + "/folder"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for scene in scenes {
            try FileManager.default.copyItem(
                atPath: images + "/" + scene.fileName, toPath: folder + "/" + scene.fileName)
            let stem = String(scene.fileName.dropLast(".png".count))
            try scene.captions.joined(separator: "\n").write(
                toFile: folder + "/" + stem + ".txt", atomically: true, encoding: .utf8)
        }
        return [
            ("COCO", ["--data", root + "/captions_train.json", "--images", images]),
            (
                "Karpathy",
                ["--data", root + "/dataset_scenes.json", "--images", Fixtures.path("scenes")]
            ),
            ("neuraltalk2", ["--data", root + "/list.json", "--images", images]),
            ("JSONL", ["--data", root + "/data.jsonl", "--images", images]),
            ("folder", ["--data", folder]),
        ]
    }

    func testEveryLayoutTrainsAnEpochAndEvaluates() throws {
        for (name, data) in try layouts() {
            let out = Fixtures.temporaryDirectory() + "/model"
            let train = try runGlimpse(
                ["caption", "train"] + data + ["--out", out, "--epochs", "1", "--batch", "4"])
            XCTAssertEqual(train.status, 0, "\(name): \(train.stderr)")
            XCTAssertTrue(
                train.stderr.contains("loading 12 training and 0 validation images"),
                "\(name): \(train.stderr)")
            XCTAssertTrue(
                train.text.contains("trained 1 epochs, 3 steps"), "\(name): \(train.text)")
            let evaluation = try runGlimpse(
                ["caption", "eval"] + data + ["--model", out, "--json", "--beam", "1"])
            XCTAssertEqual(evaluation.status, 0, "\(name): \(evaluation.stderr)")
            let report = try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any]
            XCTAssertNotNil(report?["cider"], name)
        }
    }

    func testMalformedAndUnknownDatasetsGiveOneErrorLine() throws {
        let root = Fixtures.temporaryDirectory()
        let comma = root + "/captions.json"
        try "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.png\"},\n], \"annotations\": []}"
            .write(toFile: comma, atomically: true, encoding: .utf8)
        let unknown = root + "/files.json"
        try #"{"files": ["a.png"]}"#.write(toFile: unknown, atomically: true, encoding: .utf8)
        let out = Fixtures.temporaryDirectory() + "/model"
        let trailing = try runGlimpse(["caption", "train", "--data", comma, "--out", out])
        XCTAssertEqual(trailing.status, 1)
        XCTAssertEqual(
            trailing.stderr, "error: \(comma):2:34: trailing comma before ']'\n")
        let other = try runGlimpse(["caption", "eval", "--data", unknown, "--beam", "1"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(
            other.stderr.hasPrefix(
                "error: \(unknown): not a caption dataset (an object with the keys \"files\")"),
            other.stderr)
        XCTAssertTrue(
            other.stderr.contains("neuraltalk2 list JSON   [{\"file_path\""), other.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testAModelOfAnotherTaskIsNamedForWhatItIs() throws {
        let captioner = Fixtures.path("../models/captioner")
        let vqa = Fixtures.path("../models/vqa")
        let image = Fixtures.path("scenes/images/000001.png")
        for (arguments, message) in [
            (["lm", "sample", "--model", captioner], "is a captioning model"),
            (["lm", "sample", captioner], "is a captioning model"),
            (
                ["vqa", image, "what colour is the circle?", "--model", captioner],
                "not a VQA model"
            ),
            (["caption", image, "--model", vqa], "is a VQA model (made by `glimpse vqa train`"),
            (["label", Fixtures.path("video/h264_320x240.mp4"), "--model", vqa], "is a VQA model"),
        ] {
            let result = try runGlimpse(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
