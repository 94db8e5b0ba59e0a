// Writing a scene set and reading it back: COCO structure, scene graphs, questions, errors.
import Foundation
import GlimpseMedia
import GlimpseScenes
import TestSupport
import XCTest

final class SceneFilesTests: XCTestCase {
    func testWritesCOCOCaptionsScenesAndQuestions() throws {
        let directory = Fixtures.temporaryDirectory() + "/set"
        let generator = SceneGenerator(seed: 2)
        let summary = try SceneDatasetWriter(generator: generator, includeQuestions: true)
            .write(count: 12, to: directory)
        XCTAssertEqual(summary.scenes, 12)

        let coco = try jsonObject(directory + "/captions.json") as? [String: Any]
        let info = try XCTUnwrap(coco?["info"] as? [String: Any])
        XCTAssertEqual(info["seed"] as? Int, 2)
        let images = try XCTUnwrap(coco?["images"] as? [[String: Any]])
        let annotations = try XCTUnwrap(coco?["annotations"] as? [[String: Any]])
        XCTAssertEqual(images.count, 12)
        XCTAssertEqual(annotations.count, summary.captions)
        XCTAssertEqual(images.first?["file_name"] as? String, "000001.png")
        var ids = Set<Int>()
        for image in images {
            let id = try XCTUnwrap(image["id"] as? Int)
            let name = try XCTUnwrap(image["file_name"] as? String)
            ids.insert(id)
            let decoded = try Image(contentsOf: directory + "/images/" + name)
            XCTAssertEqual([decoded.width, decoded.height], [64, 64])
            XCTAssertEqual([image["width"] as? Int, image["height"] as? Int], [64, 64])
            XCTAssertEqual(decoded, generator.scene(at: id - 1).render())
        }
        XCTAssertEqual(ids, Set(1...12))
        XCTAssertEqual(Set(annotations.compactMap { $0["id"] as? Int }).count, annotations.count)
        for annotation in annotations {
            XCTAssertTrue(ids.contains(try XCTUnwrap(annotation["image_id"] as? Int)))
            XCTAssertNotNil(annotation["caption"] as? String)
        }

        let set = try SceneSet(contentsOf: directory)
        XCTAssertEqual(set.records.count, 12)
        XCTAssertEqual(set.scenes, generator.scenes(0..<12))
        XCTAssertEqual(set.scene(fileName: "images/000003.png"), generator.scene(at: 2))
        XCTAssertEqual(set.scene(imageID: 12), generator.scene(at: 11))
        XCTAssertNil(set.scene(imageID: 13))
        let first = try XCTUnwrap((try jsonObject(directory + "/scenes.json") as? [Any])?.first)
        let record = try XCTUnwrap(first as? [String: Any])
        XCTAssertEqual(
            Set(record.keys),
            ["image_id", "file_name", "width", "height", "background", "objects"])
        let object = try XCTUnwrap((record["objects"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(object.keys), ["shape", "color", "size", "x", "y", "radius"])

        // Captions checked against the scenes read back: all true.
        let scenesByID = Dictionary(
            uniqueKeysWithValues: set.records.map { ($0.imageID, $0.scene) })
        let captions = annotations.map { $0["caption"] as! String }
        let scenes = annotations.map { scenesByID[$0["image_id"] as! Int]! }
        XCTAssertEqual(factAccuracy(captions: captions, scenes: scenes), 1)

        let lines = try String(contentsOfFile: directory + "/questions.jsonl", encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, summary.questions)
        let line = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(line["image_id"] as? Int, 1)
        XCTAssertEqual(line["image"] as? String, "images/000001.png")
        XCTAssertEqual(line["question"] as? String, generator.scene(at: 0).questions[0].question)
        XCTAssertEqual(line["answer"] as? String, generator.scene(at: 0).questions[0].answer)
        XCTAssertEqual(
            line["question_type"] as? String,
            generator.scene(at: 0).questions[0].questionType.rawValue)
        XCTAssertEqual(
            line["answer_type"] as? String, generator.scene(at: 0).questions[0].answerType.rawValue)
    }

    func testSameSeedWritesByteIdenticalFiles() throws {
        let a = Fixtures.temporaryDirectory()
        let b = Fixtures.temporaryDirectory()
        for directory in [a, b] {
            _ = try SceneDatasetWriter(generator: SceneGenerator(seed: 5), includeQuestions: true)
                .write(count: 4, to: directory)
        }
        for file in [
            "captions.json", "scenes.json", "questions.jsonl", "images/000001.png",
            "images/000004.png",
        ] {
            XCTAssertEqual(
                FileManager.default.contents(atPath: a + "/" + file),
                FileManager.default.contents(atPath: b + "/" + file), file)
        }
    }

    func testBadScenesFilesNameTheFile() throws {
        let directory = Fixtures.temporaryDirectory()
        let path = directory + "/scenes.json"
        XCTAssertThrowsError(try SceneSet(contentsOf: directory)) { error in
            XCTAssertEqual(error as? SceneError, .invalidData(path: path, reason: "no such file"))
        }
        let cases: [(String, String)] = [
            ("", "file is empty"),
            ("{not json", "not valid JSON"),
            ("[{\"image_id\": 1}]", "missing key \"file_name\" at [0]"),
            (
                "[{\"image_id\": 1, \"file_name\": \"a.png\", \"width\": 64, \"height\": 64, "
                    + "\"background\": {\"kind\": \"solid\", \"from\": [0, 0, 0], \"to\": [0, 0, 0], "
                    + "\"noise\": 0, \"noise_seed\": 0}, \"objects\": [{\"shape\": \"star\", "
                    + "\"color\": \"red\", \"size\": \"small\", \"x\": 1, \"y\": 1, \"radius\": 5}]}]",
                "objects[0].shape"
            ),
        ]
        for (text, reason) in cases {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SceneSet(contentsOf: path)) { error in
                let message = (error as? LocalizedError)?.errorDescription ?? ""
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
                XCTAssertTrue(message.contains(reason), message)
            }
        }
    }

    func testUnwritableDirectoryAndBadCount() throws {
        let file = Fixtures.temporaryDirectory() + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let writer = SceneDatasetWriter(generator: SceneGenerator(seed: 1))
        XCTAssertThrowsError(try writer.write(count: 1, to: file + "/out")) { error in
            XCTAssertEqual(
                error as? SceneError,
                .unwritable(path: file, reason: "exists and is not a directory"))
        }
        XCTAssertThrowsError(try writer.write(count: 0, to: file)) { error in
            XCTAssertEqual(
                error as? SceneError, .invalidArgument("the scene count must be at least 1, got 0"))
        }
    }

    private func jsonObject(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(
            with: try XCTUnwrap(FileManager.default.contents(atPath: path)))
    }
}
