// VQA questions: hand-checked answers, one-word answers, balanced yes/no, reproducible.
import GlimpseScenes
import XCTest

final class QuestionTests: XCTestCase {
    func testHandCheckedScene() {
        let questions = HandScenes.triple.questions
        let answers = Dictionary(
            questions.map { ($0.question, $0.answer) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(answers.count, questions.count, "questions repeat")
        let expected = [
            "what color is the square": "white",
            "what color is the triangle": "green",
            "what color is the diamond": "yellow",
            "what shape is the green object": "triangle",
            "what shape is the yellow object": "diamond",
            "what shape is the white object": "square",
            "how many objects are there": "three",
            "how many squares are there": "one",
            "how many triangles are there": "one",
            "how many diamonds are there": "one",
            "how many circles are there": "zero",
            "what is below the small green triangle": "square",
            "what is to the left of the large yellow diamond": "triangle",
            "what is below the large yellow diamond": "square",
            "what is to the left of the small white square": "triangle",
        ]
        for (question, answer) in expected {
            XCTAssertEqual(answers[question], answer, question)
        }
        // Not unique: both the triangle and the diamond are above the square.
        XCTAssertNil(answers["what is above the small white square"])
        XCTAssertNil(answers["what color is the circle"])
        let yesNo = questions.filter { $0.question.hasPrefix("is there") }
        XCTAssertEqual(yesNo.map(\.answer), ["yes", "no"])
        XCTAssertEqual(questions.count, expected.count + 2)
    }

    func testRepeatedShapeIsNotAskedByShape() {
        var scene = HandScenes.pair
        scene.objects[1].shape = .circle
        let questions = scene.questions.map(\.question)
        XCTAssertFalse(questions.contains("what color is the circle"))
        XCTAssertTrue(
            scene.questions.contains(
                SceneQuestion(question: "how many circles are there", answer: "two")))
        XCTAssertTrue(
            scene.questions.contains(
                SceneQuestion(question: "what shape is the blue object", answer: "circle")))
    }

    func testGeneratedQuestionsAreConsistentWithTheScene() {
        var yes = 0
        var no = 0
        for scene in SceneGenerator(seed: 8).scenes(0..<300) {
            XCTAssertEqual(scene.questions, scene.questions)
            for qa in scene.questions {
                XCTAssertFalse(qa.answer.contains(" "), qa.answer)
                if qa.question.hasPrefix("is there a ") {
                    let words = qa.question.split(separator: " ")
                    let present = scene.objects.contains {
                        $0.color.rawValue == words[3] && $0.shape.rawValue == words[4]
                    }
                    XCTAssertEqual(qa.answer, present ? "yes" : "no", qa.question)
                    if present { yes += 1 } else { no += 1 }
                }
            }
        }
        XCTAssertEqual(yes, no)
    }
}
