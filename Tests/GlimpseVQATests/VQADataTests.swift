// VQA data: JSONL and VQA v2 reading, errors naming the file and the line or row, the question
// tokenizer, the vocabularies and their JSON round trip, soft answer targets.
import Foundation
import GlimpseVQA
import TestSupport
import XCTest

final class VQADataTests: XCTestCase {
    func write(_ text: String, _ name: String, in directory: String) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func testJSONLRowsWithOneOrManyAnswers() throws {
        let directory = Fixtures.temporaryDirectory()
        let path = write(
            """
            {"image": "images/1.png", "question": "What color is the circle?", "answer": "red", "question_type": "color", "answer_type": "other"}

            {"image": "/abs/2.png", "question": "how many", "answers": ["2", "two", "3"]}
            """, "q.jsonl", in: directory)
        let data = try VQADataset(jsonl: path, requireAnswers: true)
        XCTAssertEqual(data.examples.count, 2)
        XCTAssertEqual(data.examples[0].image, directory + "/images/1.png")
        XCTAssertEqual(data.examples[0].answers, ["red"])
        XCTAssertEqual(data.examples[0].questionType, "color")
        XCTAssertEqual(data.examples[0].answerType, "other")
        XCTAssertEqual(data.examples[0].source, path + ": line 1")
        XCTAssertEqual(data.examples[1].image, "/abs/2.png")
        XCTAssertEqual(data.examples[1].answers, ["2", "two", "3"])
        XCTAssertNil(data.examples[1].questionType)
        XCTAssertEqual(data.images, [directory + "/images/1.png", "/abs/2.png"])
    }

    func testJSONLErrorsNameTheFileAndLine() throws {
        let directory = Fixtures.temporaryDirectory()
        let long = Array(repeating: "word", count: 65).joined(separator: " ")
        let cases: [(String, String)] = [
            (#"{"image": "a.png", "question": "  ?  ", "answer": "x"}"#, "line 2: empty question"),
            (
                #"{"image": "a.png", "question": "\#(long)", "answer": "x"}"#,
                "line 2: question has 65 words, more than the limit of 64"
            ),
            (#"{"image": "a.png", "question": "why"}"#, "line 2: no answer"),
            (#"{"image": "a.png", "question": "why", "answer": "x""#, "line 2: not valid JSON"),
            (#"{"question": "why", "answer": "x"}"#, "line 2: missing field image"),
            (#"{"image": "", "question": "why", "answer": "x"}"#, "line 2: empty image path"),
            (
                #"{"image": "a.png", "question": "why", "answer": "x", "answers": ["x"]}"#,
                "line 2: give \"answer\" or \"answers\", not both"
            ),
            (
                #"{"image": "a.png", "question": "why", "answers": ["x", " "]}"#,
                "line 2: answer 2 is empty"
            ),
        ]
        let good = #"{"image": "a.png", "question": "why", "answer": "x"}"#
        for (line, expected) in cases {
            let path = write(good + "\n" + line + "\n", "bad.jsonl", in: directory)
            XCTAssertThrowsError(try VQADataset(jsonl: path, requireAnswers: true)) { error in
                let message = (error as? VQAError)?.errorDescription ?? ""
                XCTAssertTrue(message.hasPrefix(path + ": " + expected), message)
            }
            // The lenient reader keeps the good row and reports the bad one.
            let (examples, problems) = try VQADataset.readJSONL(path, requireAnswers: true)
            XCTAssertEqual(examples.count, 1, line)
            XCTAssertEqual(problems.count, 1, line)
        }
        // Without answers required, a question alone is fine.
        let path = write(#"{"image": "a.png", "question": "why"}"#, "ask.jsonl", in: directory)
        XCTAssertEqual(try VQADataset(jsonl: path, requireAnswers: false).examples[0].answers, [])
        XCTAssertThrowsError(try VQADataset(jsonl: directory, requireAnswers: false)) { error in
            XCTAssertEqual(
                (error as? VQAError)?.errorDescription, "\(directory): is a directory")
        }
        let empty = write("\n\n", "empty.jsonl", in: directory)
        XCTAssertThrowsError(try VQADataset(jsonl: empty, requireAnswers: false))
    }

    func testVQAv2PairWithCOCOFileNames() throws {
        let directory = Fixtures.temporaryDirectory()
        let images = directory + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        _ = write("", "COCO_val2014_000000000042.jpg", in: images)
        _ = write("", "000000000007.png", in: images)
        _ = write("", "readme.txt", in: images)
        let questions = write(
            """
            {"questions": [{"image_id": 42, "question": "What is it?", "question_id": 420},
                           {"image_id": 7, "question": "Is it red?", "question_id": 70}]}
            """, "q.json", in: directory)
        let tenYes = Array(repeating: #"{"answer": "yes"}"#, count: 10).joined(separator: ",")
        let annotations = write(
            """
            {"annotations": [{"question_id": 70, "image_id": 7, "answers": [\(tenYes)],
                              "multiple_choice_answer": "yes", "answer_type": "yes/no",
                              "question_type": "is it"},
                             {"question_id": 420, "image_id": 42, "answers": [{"answer": "dog"}],
                              "multiple_choice_answer": "dog", "answer_type": "other",
                              "question_type": "what is"}]}
            """, "a.json", in: directory)
        let data = try VQADataset(
            vqaQuestions: questions, annotations: annotations, images: images, requireAnswers: true)
        XCTAssertEqual(data.examples.count, 2)
        XCTAssertEqual(data.examples[0].image, images + "/COCO_val2014_000000000042.jpg")
        XCTAssertEqual(data.examples[0].answers, ["dog"])
        XCTAssertEqual(data.examples[0].questionID, 420)
        XCTAssertEqual(data.examples[1].image, images + "/000000000007.png")
        XCTAssertEqual(data.examples[1].answers.count, 10)
        XCTAssertEqual(data.examples[1].answerType, "yes/no")
        XCTAssertEqual(data.examples[1].questionType, "is it")

        // Test questions: no annotations, no answers needed.
        let test = try VQADataset(
            vqaQuestions: questions, annotations: nil, images: images, requireAnswers: false)
        XCTAssertEqual(test.examples.map(\.answers), [[], []])

        // A missing image names the question row and the id.
        let missing = write(
            #"{"questions": [{"image_id": 9, "question": "What?", "question_id": 1}]}"#,
            "missing.json", in: directory)
        XCTAssertThrowsError(
            try VQADataset(
                vqaQuestions: missing, annotations: nil, images: images, requireAnswers: false)
        ) { error in
            XCTAssertEqual(
                (error as? VQAError)?.errorDescription,
                "\(missing): questions[0]: no image for image_id 9 in \(images) (expected a file "
                    + "name ending with 000000000009)")
        }
        // A question without annotation when answers are required.
        let unannotated = write(
            #"{"questions": [{"image_id": 7, "question": "What?", "question_id": 5}]}"#,
            "unannotated.json", in: directory)
        XCTAssertThrowsError(
            try VQADataset(
                vqaQuestions: unannotated, annotations: annotations, images: images,
                requireAnswers: true)
        ) { error in
            let message = (error as? VQAError)?.errorDescription ?? ""
            XCTAssertTrue(
                message.hasPrefix("\(unannotated): questions[0] (question_id 5): no answer"),
                message)
        }
        // A wrong field type names the row and field.
        let badType = write(
            #"{"questions": [{"image_id": "7", "question": "What?", "question_id": 5}]}"#,
            "badtype.json", in: directory)
        XCTAssertThrowsError(
            try VQADataset(
                vqaQuestions: badType, annotations: nil, images: images, requireAnswers: false)
        ) { error in
            XCTAssertEqual(
                (error as? VQAError)?.errorDescription,
                "\(badType): questions[0].image_id: expected an integer")
        }
    }

    func testTokenizerAndQuestionVocabulary() throws {
        let tokenizer = VQATokenizer()
        XCTAssertEqual(
            tokenizer.tokens(of: "What's on the T-shirt?"), ["what's", "on", "the", "t-shirt"])
        XCTAssertEqual(
            tokenizer.tokens(of: "Is it 3.5 m/s, or (more)?"),
            [
                "is", "it", "3.5", "m", "/", "s", "or", "more",
            ])
        XCTAssertEqual(tokenizer.tokens(of: "how  many\tcircles"), ["how", "many", "circles"])

        let vocabulary = QuestionVocabulary(
            questions: ["what color is the circle", "what shape is the red object", "what is"],
            minCount: 2)
        // <pad>, <unk>, then "is" (3), "what" (3), "the" (2): by count, ties alphabetical.
        XCTAssertEqual(vocabulary.words, ["<pad>", "<unk>", "is", "what", "the"])
        XCTAssertEqual(vocabulary.encode("What is the square?"), [3, 2, 4, 1])
        XCTAssertEqual(vocabulary.display("what is the square"), ["what", "is", "the", "<unk>"])
        let data = try JSONEncoder().encode(vocabulary)
        XCTAssertEqual(
            String(decoding: data, as: UTF8.self), #"["<pad>","<unk>","is","what","the"]"#)
        XCTAssertEqual(try JSONDecoder().decode(QuestionVocabulary.self, from: data), vocabulary)
        XCTAssertThrowsError(
            try JSONDecoder().decode(QuestionVocabulary.self, from: Data(#"["a","b"]"#.utf8)))
        XCTAssertThrowsError(
            try JSONDecoder().decode(
                QuestionVocabulary.self, from: Data(#"["<pad>","<unk>","a","a"]"#.utf8)))
    }

    func testAnswerVocabularyAndSoftTargets() throws {
        let vocabulary = AnswerVocabulary(
            answerLists: [["Two", "2", "3"], ["yes"], ["yes"], ["the dog"], ["cat"]], limit: 3)
        // Normalised counts: "2" 2, "yes" 2, "3" 1, "cat" 1, "dog" 1 → top 3, ties alphabetical.
        XCTAssertEqual(vocabulary.answers, ["2", "yes", "3"])
        XCTAssertEqual(vocabulary.id(of: "two"), 0)
        XCTAssertNil(vocabulary.id(of: "dog"))
        let data = try JSONEncoder().encode(vocabulary)
        XCTAssertEqual(try JSONDecoder().decode(AnswerVocabulary.self, from: data), vocabulary)
        XCTAssertThrowsError(try JSONDecoder().decode(AnswerVocabulary.self, from: Data("[]".utf8)))

        // One answer: weight 1 on it; none in the vocabulary: empty.
        XCTAssertEqual(vocabulary.softTarget(for: ["yes"]).map(\.answer), [1])
        XCTAssertEqual(vocabulary.softTarget(for: ["yes"]).map(\.weight), [1])
        XCTAssertTrue(vocabulary.softTarget(for: ["dog"]).isEmpty)
        // Ten humans: 6 × "2", 3 × "3", 1 × "dog". acc("2") = 1 (≥ 3 agree in every subset);
        // acc("3") = (3·2/3 + 7·1)/10 = 0.9; weights 1/1.9 and 0.9/1.9.
        let humans = Array(repeating: "2", count: 6) + ["3", "3", "3", "dog"]
        let target = vocabulary.softTarget(for: humans)
        XCTAssertEqual(target.map(\.answer), [0, 2])
        XCTAssertEqual(target[0].weight, 1 / 1.9, accuracy: 1e-6)
        XCTAssertEqual(target[1].weight, 0.9 / 1.9, accuracy: 1e-6)
    }
}
