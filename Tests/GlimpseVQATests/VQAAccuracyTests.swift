// The official VQA accuracy against hand-worked examples: normalisation cases of vqaEval.py,
// the leave-one-out average over ten human answers, plain accuracy for one answer, breakdowns.
import GlimpseVQA
import XCTest

final class VQAAccuracyTests: XCTestCase {
    func testNormalisationFollowsVqaEval() {
        let cases: [(String, String)] = [
            ("Yes", "yes"),
            ("\tTwo \n", "2"),  // tabs and newlines are spaces, then strip; number word -> digit
            ("none", "0"),
            ("the dog", "dog"),  // articles dropped
            ("A red car.", "red car"),  // the period not before a digit goes
            ("an apple", "apple"),
            ("3.5", "3.5"),  // a period before a digit stays
            ("5.", "5"),  // the mistyped lookbehind: a period after a digit goes too
            ("1,000", "1000"),  // a comma between digits: every listed mark is deleted
            ("cat , dog", "cat dog"),  // ',' next to a space: deleted, then re-split
            ("red,blue", "red blue"),  // ',' not next to a space: becomes a space
            ("it's", "it s"),  // "'" is replaced by a space, as the script does
            ("dont", "don’t"),  // contraction table, curly apostrophe as in the script
            ("hot-dog", "hot-dog"),  // '-' is not in the script's list
            ("yes!", "yes!"),  // nor is '!'
            ("(left)", "left"),  // '(' and ')' become spaces, then split
            ("black and white", "black and white"),
        ]
        for (raw, expected) in cases {
            XCTAssertEqual(VQAAnswerNormalization.normalize(raw), expected, raw)
        }
    }

    func testLeaveOneOutAccuracyOverTenHumans() {
        func humans(_ matching: Int, _ answer: String = "2") -> [String] {
            Array(repeating: answer, count: matching) + Array(repeating: "3", count: 10 - matching)
        }
        // 0 humans agree: 0.
        XCTAssertEqual(VQAAccuracy.score(prediction: "2", answers: humans(0)), 0)
        // 1 agrees: leaving it out leaves 0 → 0; leaving out one of the 9 others leaves 1 → 1/3.
        // (1·0 + 9·1/3) / 10 = 0.3
        XCTAssertEqual(VQAAccuracy.score(prediction: "2", answers: humans(1)), 0.3, accuracy: 1e-12)
        // 2 agree: (2·1/3 + 8·2/3) / 10 = (2/3 + 16/3) / 10 = 0.6
        XCTAssertEqual(VQAAccuracy.score(prediction: "2", answers: humans(2)), 0.6, accuracy: 1e-12)
        // 3 agree: (3·2/3 + 7·1) / 10 = (2 + 7) / 10 = 0.9
        XCTAssertEqual(VQAAccuracy.score(prediction: "2", answers: humans(3)), 0.9, accuracy: 1e-12)
        // 4 agree: every subset keeps at least 3 → 1.
        XCTAssertEqual(VQAAccuracy.score(prediction: "2", answers: humans(4)), 1, accuracy: 1e-12)
        // Normalisation on both sides: "Two" and "two." both become "2": as 3 agreeing → 0.9.
        XCTAssertEqual(
            VQAAccuracy.score(
                prediction: "Two",
                answers: ["2", "two.", "the 2"] + Array(repeating: "3", count: 7)),
            0.9, accuracy: 1e-12)
    }

    func testPlainAccuracyWithOneAnswer() {
        XCTAssertEqual(VQAAccuracy.score(prediction: "three", answers: ["3"]), 1)
        XCTAssertEqual(VQAAccuracy.score(prediction: "The circle", answers: ["circle"]), 1)
        XCTAssertEqual(VQAAccuracy.score(prediction: "square", answers: ["circle"]), 0)
        XCTAssertEqual(VQAAccuracy.score(prediction: "square", answers: []), 0)
    }

    func testBreakdownByAnswerAndQuestionType() throws {
        let ten = ["yes", "yes", "yes", "no", "no", "no", "no", "no", "no", "no"]
        let examples = [
            VQAExample(
                image: "a", question: "q", answers: ten, questionType: "is the",
                answerType: "yes/no"),
            VQAExample(
                image: "a", question: "q", answers: ["2"], questionType: "how many",
                answerType: "number"),
            VQAExample(
                image: "b", question: "q", answers: ["red"], questionType: "what color",
                answerType: "other"),
            VQAExample(
                image: "b", question: "q", answers: ["blue"], questionType: "what color",
                answerType: "other"),
            VQAExample(image: "b", question: "q", answers: []),  // not scored
        ]
        let evaluation = try VQAAccuracy.evaluate(
            predictions: ["yes", "two", "red", "green", "x"], examples: examples)
        // "yes" with 3 of 10 agreeing: 0.9 (see above); "two" = "2": 1; red: 1; green: 0.
        // overall (0.9 + 1 + 1 + 0) / 4 = 0.725
        XCTAssertEqual(evaluation.count, 4)
        XCTAssertEqual(evaluation.accuracy, 0.725, accuracy: 1e-12)
        XCTAssertEqual(evaluation.byAnswerType["yes/no"]?.accuracy ?? -1, 0.9, accuracy: 1e-12)
        XCTAssertEqual(evaluation.byAnswerType["number"], VQAScore(accuracy: 1, count: 1))
        XCTAssertEqual(evaluation.byAnswerType["other"], VQAScore(accuracy: 0.5, count: 2))
        XCTAssertEqual(evaluation.byQuestionType["what color"], VQAScore(accuracy: 0.5, count: 2))
        XCTAssertEqual(Set(evaluation.byQuestionType.keys), ["is the", "how many", "what color"])
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(evaluation))
        let keys = Set((json as? [String: Any])?.keys.map { $0 } ?? [])
        XCTAssertEqual(keys, ["accuracy", "count", "by_answer_type", "by_question_type"])
        XCTAssertThrowsError(try VQAAccuracy.evaluate(predictions: ["a"], examples: examples))
    }
}
