// Vocabulary and the dataset layouts: COCO, Karpathy split, neuraltalk2 list, JSONL, a folder
// of images with .txt captions, --images; bad files give errors naming line and column or field.
import Foundation
import GlimpseCaption
import TestSupport
import XCTest

final class CaptionDataTests: XCTestCase {
    func testVocabularyOrderSpecialsAndUnknownWords() throws {
        let vocabulary = CaptionVocabulary(
            captions: ["A red circle.", "a blue circle", "a red square"], minCount: 2)
        XCTAssertEqual(
            vocabulary.words, ["<pad>", "<start>", "<end>", "<unk>", "a", "circle", "red"])
        XCTAssertEqual(vocabulary.encode("a red triangle"), [4, 6, CaptionVocabulary.unknown])
        XCTAssertEqual(vocabulary.decode([4, 6, 5, CaptionVocabulary.end, 4]), "a red circle")
        let json = try JSONEncoder().encode(vocabulary)
        XCTAssertEqual(try JSONDecoder().decode(CaptionVocabulary.self, from: json), vocabulary)
        XCTAssertThrowsError(
            try JSONDecoder().decode(CaptionVocabulary.self, from: Data(#"["a","b"]"#.utf8)))
    }

    func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testCOCOKarpathyAndJSONLAgree() throws {
        let directory = Fixtures.temporaryDirectory()
        let coco = try write(
            #"{"images": [{"id": 7, "file_name": "a.png"}, {"id": 9, "file_name": "b.png"}],"#
                + #" "annotations": [{"image_id": 7, "caption": "one"}, {"image_id": 7, "caption": "two"},"#
                + #" {"image_id": 9, "caption": "three"}]}"#, "coco.json", in: directory)
        let karpathy = try write(
            #"{"images": [{"filepath": "val2014", "filename": "a.png", "cocoid": 7, "split": "val","#
                + #" "sentences": [{"raw": "one", "tokens": ["one"]}]}]}"#, "dataset_coco.json",
            in: directory)
        let jsonl = try write(
            #"{"image": "a.png", "captions": ["one", "two"]}"# + "\n\n"
                + #"{"image": "/abs/b.png", "captions": ["three"]}"#,
            "data.jsonl", in: directory)
        let fromCOCO = try CaptionDataset.load(coco)
        XCTAssertEqual(fromCOCO.map(\.imagePath), [directory + "/a.png", directory + "/b.png"])
        XCTAssertEqual(fromCOCO.map(\.captions), [["one", "two"], ["three"]])
        XCTAssertEqual(fromCOCO.map(\.imageID), [7, 9])
        let fromKarpathy = try CaptionDataset.load(karpathy)
        XCTAssertEqual(fromKarpathy.first?.imagePath, directory + "/val2014/a.png")
        XCTAssertEqual(fromKarpathy.first?.split, "val")
        XCTAssertEqual(fromKarpathy.first?.imageID, 7)
        let fromLines = try CaptionDataset.load(jsonl)
        XCTAssertEqual(fromLines.map(\.imagePath), [directory + "/a.png", "/abs/b.png"])
        XCTAssertEqual(fromLines.map(\.captions), [["one", "two"], ["three"]])
    }

    func testNeuraltalkListFolderOfTextFilesAndImageDirectory() throws {
        let directory = Fixtures.temporaryDirectory()
        let list = try write(
            #"[{"file_path": "a.png", "captions": ["one", "two"]}, {"file_path": "b.png","#
                + #" "captions": [], "id": 4}, {"file_path": "c.png", "captions": ["three"], "id": 9}]"#,
            "list.json", in: directory)
        let fromList = try CaptionDataset.load(list)
        XCTAssertEqual(fromList.map(\.imagePath), [directory + "/a.png", directory + "/c.png"])
        XCTAssertEqual(fromList.map(\.captions), [["one", "two"], ["three"]])
        XCTAssertEqual(fromList.map(\.imageID), [0, 9])

        let images = Fixtures.temporaryDirectory()
        let fromElsewhere = try CaptionDataset.load(list, imageDirectory: images)
        XCTAssertEqual(fromElsewhere.first?.imagePath, images + "/a.png")
        let coco = try write(
            #"{"images": [{"id": "x1", "file_name": "a.png"}, {"id": "x2", "file_name": "b.png"}],"#
                + #" "annotations": [{"image_id": "x2", "caption": "two"}]}"#, "coco.json",
            in: directory)
        let fromStrings = try CaptionDataset.load(coco, imageDirectory: images)
        XCTAssertEqual(fromStrings.map(\.imagePath), [images + "/b.png"])
        XCTAssertEqual(fromStrings.map(\.imageID), [1])
        let karpathy = try write(
            #"{"images": [{"filepath": "val2014", "filename": "a.png","#
                + #" "sentences": [{"tokens": ["a", "dog"]}]}]}"#, "dataset.json", in: directory)
        XCTAssertEqual(
            try CaptionDataset.load(karpathy, imageDirectory: images).first,
            CaptionExample(imagePath: images + "/val2014/a.png", imageID: 0, captions: ["a dog"]))

        let folder = Fixtures.temporaryDirectory()
        for name in ["b.jpg", "a.PNG", "c.png", "notes.md"] {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: Data())
        }
        _ = try write("a dog\n\n  a brown dog  \r\n", "a.txt", in: folder)
        _ = try write("a cat", "b.txt", in: folder)
        let fromFolder = try CaptionDataset.load(folder)
        XCTAssertEqual(fromFolder.map(\.imagePath), [folder + "/a.PNG", folder + "/b.jpg"])
        XCTAssertEqual(fromFolder.map(\.captions), [["a dog", "a brown dog"], ["a cat"]])
    }

    func testBadDataFilesNameTheFileAndWhere() throws {
        let directory = Fixtures.temporaryDirectory()
        let cases: [(String, String, String, String)] = [
            ("", "empty.json", "", "file is empty"),
            ("{not json", "broken.json", ":1:2", "expected a string key, found 'n'"),
            (
                "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.png\"},\n]}", "comma.json",
                ":2:34", "trailing comma before ']'"
            ),
            (
                "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.png\"}", "cut.json", ":2:34",
                "unexpected end of file inside an array"
            ),
            (#"{"images": [], "annotations": []}"#, "none.json", "", "no captioned images"),
            (
                #"{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"image_id": 1,"#
                    + #" "caption": "x"}, {"image_id": true, "caption": "y"}]}"#, "kind.json", "",
                "annotations[1].image_id: expected an integer or a string id"
            ),
            (
                #"{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"image_id": 2,"#
                    + #" "caption": "y"}]}"#, "orphan.json", "",
                "annotations[0].image_id 2 is the id of no entry in images"
            ),
            (
                #"{"images": [{"id": 1, "file_name": "a.png"}, {"id": 1, "file_name": "b.png"}],"#
                    + #" "annotations": []}"#, "twice.json", "",
                "images[1].id 1 repeats images[0].id"
            ),
            (
                #"{"images": [{"id": 1}], "annotations": []}"#, "field.json", "",
                "missing field images[0].file_name"
            ),
            (
                #"[{"file_path": "a.png", "captions": "one"}]"#, "list.json", "",
                "[0].captions: expected a list"
            ),
            (
                #"{"data": [], "info": {}}"#, "other.json", "",
                #"not a caption dataset (an object with the keys "data", "info")"#
            ),
            (#"{"images": [{"file_name": "a.png"}]}"#, "noannotations.json", "", "COCO images"),
            (
                "{\"image\": \"a.png\", \"captions\": [\"x\"]}\n{\"image\": 3}\n", "bad.jsonl",
                ":2", "image: expected a string"
            ),
            (
                "{\"image\": \"a.png\", \"caption\": \"x\"}\n{\"image\" 3}\n", "syntax.jsonl",
                ":2:10", "expected ':'"
            ),
        ]
        for (text, name, place, reason) in cases {
            let path = try write(text, name, in: directory)
            XCTAssertThrowsError(try CaptionDataset.load(path), name) { error in
                guard case .invalidData(let p, let r) = error as? CaptionError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(p, path + place, name)
                XCTAssertTrue(r.contains(reason), "\(name): \(r)")
            }
        }
        XCTAssertThrowsError(try CaptionDataset.load(directory + "/missing.json"))
    }

    func testUnknownLayoutsNameEveryAcceptedLayout() throws {
        let directory = Fixtures.temporaryDirectory()
        let unknown = try write(#"{"files": []}"#, "unknown.json", in: directory)
        let photos = Fixtures.temporaryDirectory()
        FileManager.default.createFile(atPath: photos + "/a.jpg", contents: Data())
        for (path, what) in [
            (unknown, "an object with the keys \"files\""),
            (photos, "a folder of 1 images, none with a .txt of captions beside it"),
            (Fixtures.temporaryDirectory(), "a folder with no captions.json and no PNG or JPEG"),
        ] {
            XCTAssertThrowsError(try CaptionDataset.load(path)) { error in
                let message = (error as? CaptionError)?.errorDescription ?? ""
                XCTAssertTrue(message.contains(what), message)
                for layout in [
                    "COCO captions JSON", "Karpathy split JSON", "neuraltalk2 list JSON",
                    "JSONL (*.jsonl)", "folder of images", "glimpse data scenes",
                ] {
                    XCTAssertTrue(message.contains(layout), "\(layout) in \(message)")
                }
            }
        }
        XCTAssertThrowsError(
            try CaptionDataset.load(unknown, imageDirectory: directory + "/nowhere")
        ) { error in
            XCTAssertEqual(
                (error as? CaptionError)?.errorDescription,
                directory + "/nowhere: --images is not a directory")
        }
    }
}
