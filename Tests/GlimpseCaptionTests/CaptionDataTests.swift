// Vocabulary and the dataset formats: COCO, Karpathy split, JSONL; bad files give errors.
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

    func testBadDataFilesNameTheFile() throws {
        let directory = Fixtures.temporaryDirectory()
        let cases: [(String, String, String)] = [
            ("", "empty.json", "file is empty"),
            ("{not json", "broken.json", "not valid JSON"),
            (#"{"images": [], "annotations": []}"#, "none.json", "no captioned images"),
            ("{\"image\": 3}\n", "bad.jsonl", "line 1"),
        ]
        for (text, name, reason) in cases {
            let path = try write(text, name, in: directory)
            XCTAssertThrowsError(try CaptionDataset.load(path), name) { error in
                guard case .invalidData(let p, let r) = error as? CaptionError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(p, path)
                XCTAssertTrue(r.contains(reason), "\(name): \(r)")
            }
        }
        XCTAssertThrowsError(try CaptionDataset.load(directory + "/missing.json"))
    }
}
