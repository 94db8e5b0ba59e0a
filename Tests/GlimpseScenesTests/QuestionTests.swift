// VQA questions: every answer recomputed from the scene graph by an independent reading of the
// question (`QuestionOracle`), hand-checked candidates, exact yes/no balance, answers balanced
// per question type, reproducibility.
import GlimpseScenes
import XCTest

/// Answers a generated question from the scene's objects alone, by parsing its words: written
/// apart from the generator so that a bug in one is not repeated in the other.
enum QuestionOracle {
    static let numbers = ["zero", "one", "two", "three", "four", "five"]

    /// The objects matching the words (size, colour and shape words; "object" matches all).
    static func matching(_ words: ArraySlice<Substring>, in scene: Scene) -> [SceneObject] {
        scene.objects.filter { object in
            words.allSatisfy { word in
                let w = String(word)
                if w == "object" || w == "objects" { return true }
                if let size = SizeClass(rawValue: w) { return object.size == size }
                if let color = ObjectColor(rawValue: w) { return object.color == color }
                let singular = w.hasSuffix("s") ? String(w.dropLast()) : w
                if let shape = ShapeKind(rawValue: singular) { return object.shape == shape }
                return false
            }
        }
    }

    static let phrases: [(String, SpatialRelation)] = [
        ("to the left of", .leftOf), ("to the right of", .rightOf), ("above", .above),
        ("below", .below),
    ]

    /// Splits "A <phrase> B" at the relation phrase.
    static func splitRelation(_ text: String) -> (String, SpatialRelation, String)? {
        for (phrase, relation) in phrases {
            if let range = text.range(of: " \(phrase) ") {
                return (
                    String(text[..<range.lowerBound]), relation,
                    String(text[range.upperBound...])
                )
            }
        }
        return nil
    }

    /// The one object a noun phrase names ("the small red circle", "the circle"), or nil.
    static func unique(_ phrase: String, in scene: Scene) -> SceneObject? {
        let words = phrase.split(separator: " ").filter { $0 != "the" }
        let found = matching(words[...], in: scene)
        return found.count == 1 ? found[0] : nil
    }

    static func answer(_ question: String, in scene: Scene) -> String? {
        let words = question.split(separator: " ")
        if question.hasPrefix("what color is the ") {
            return unique(String(question.dropFirst(18)), in: scene)?.color.rawValue
        }
        if question.hasPrefix("what size is the ") {
            return unique(String(question.dropFirst(17)), in: scene)?.size.rawValue
        }
        if question.hasPrefix("what shape is the ") {
            return unique(String(question.dropFirst(18)), in: scene)?.shape.rawValue
        }
        if question.hasPrefix("how many "), question.hasSuffix(" are there") {
            return numbers[matching(words.dropFirst(2).dropLast(2), in: scene).count]
        }
        if question.hasPrefix("is there a ") {
            return matching(words.dropFirst(3), in: scene).isEmpty ? "no" : "yes"
        }
        if question.hasPrefix("is there no ") {
            return matching(words.dropFirst(3), in: scene).isEmpty ? "yes" : "no"
        }
        if question.hasPrefix("what is "), let (_, relation, rest) = splitRelation(question) {
            guard let reference = unique(rest, in: scene) else { return nil }
            let related = scene.objects.filter {
                $0 != reference && scene.holds(relation, $0, reference)
            }
            return related.count == 1 ? related[0].shape.rawValue : nil
        }
        if question.hasPrefix("is the "),
            let (left, relation, right) = splitRelation(String(question.dropFirst(7)))
        {
            guard let a = unique(left, in: scene), let b = unique(right, in: scene) else {
                return nil
            }
            return scene.holds(relation, a, b) ? "yes" : "no"
        }
        return nil
    }

    static func types(_ question: String) -> (SceneQuestionType, SceneAnswerType)? {
        switch question.split(separator: " ").prefix(2).joined(separator: " ") {
        case "what color": (.color, .other)
        case "what shape": (.shape, .other)
        case "what size": (.size, .other)
        case "how many": (.count, .number)
        case "is there": (.exists, .yesNo)
        case "what is": (.relation, .other)
        case "is the": (.relation, .yesNo)
        default: nil
        }
    }
}

final class QuestionTests: XCTestCase {
    func testHandCheckedCandidates() {
        let candidates = SceneQuestions.allCandidates(for: HandScenes.triple)
        let answers = Dictionary(
            candidates.map { ($0.question, $0.answer) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(answers.count, candidates.count, "questions repeat")
        // Worked out from the scene in SceneFixtures.swift (triangle top left, diamond top right,
        // square below the diamond).
        let expected = [
            "what color is the square": "white",
            "what color is the triangle": "green",
            "what color is the diamond": "yellow",
            "what shape is the green object": "triangle",
            "what shape is the yellow object": "diamond",
            "what shape is the white object": "square",
            "what size is the green triangle": "small",
            "what size is the yellow diamond": "large",
            "what size is the white square": "small",
            "how many objects are there": "three",
            "how many squares are there": "one",
            "how many circles are there": "zero",
            "how many small objects are there": "two",
            "how many large objects are there": "one",
            "how many red objects are there": "zero",
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
        // 3 colour, 3 shape, 3 size, 1 + 4 + 6 + 2 counting, 4 relation questions.
        XCTAssertEqual(candidates.count, 26)
    }

    func testRepeatedShapeIsAskedWithItsSize() {
        var scene = HandScenes.pair
        scene.objects[1].shape = .circle  // small red circle, large blue circle
        let answers = Dictionary(
            SceneQuestions.allCandidates(for: scene).map { ($0.question, $0.answer) },
            uniquingKeysWith: { a, _ in a })
        XCTAssertNil(answers["what color is the circle"])
        XCTAssertEqual(answers["what color is the large circle"], "blue")
        XCTAssertEqual(answers["how many circles are there"], "two")
        XCTAssertEqual(answers["what shape is the blue object"], "circle")
    }

    func testEveryAnswerAndTypeMatchesTheSceneAndYesNoIsExactlyBalanced() {
        var yes = 0
        var no = 0
        for scene in SceneGenerator(seed: 8).scenes(0..<300) {
            let questions = scene.questions
            XCTAssertEqual(questions, scene.questions)
            XCTAssertEqual(Set(questions.map(\.question)).count, questions.count, "repeats")
            for qa in questions {
                XCTAssertFalse(qa.answer.contains(" "), qa.answer)
                XCTAssertEqual(
                    QuestionOracle.answer(qa.question, in: scene), qa.answer, qa.question)
                let types = QuestionOracle.types(qa.question)
                XCTAssertEqual(types?.0, qa.questionType, qa.question)
                XCTAssertEqual(types?.1, qa.answerType, qa.question)
                if qa.answerType == .yesNo {
                    if qa.answer == "yes" { yes += 1 } else { no += 1 }
                }
            }
            // Every candidate is answered correctly too, kept or not.
            for qa in SceneQuestions.allCandidates(for: scene) {
                XCTAssertEqual(
                    QuestionOracle.answer(qa.question, in: scene), qa.answer, qa.question)
            }
        }
        XCTAssertEqual(yes, no)
        XCTAssertGreaterThan(yes, 500)
    }

    /// Over 500 scenes of a seed other than the reference run's, no answer of any question type
    /// is much more frequent than the type's uniform share (so a question-only model that
    /// always says the type's most frequent answer scores little), every type is asked often
    /// enough to learn, and the scenes average at least 10 questions.
    func testAnswersAreBalancedPerQuestionType() {
        let scenes = SceneGenerator(seed: 2027).scenes(0..<500)
        var counts: [SceneQuestionType: [String: Int]] = [:]
        var total = 0
        for scene in scenes {
            for qa in scene.questions {
                counts[qa.questionType, default: [:]][qa.answer, default: 0] += 1
                total += 1
            }
        }
        XCTAssertEqual(Set(counts.keys), Set(SceneQuestionType.allCases))
        XCTAssertGreaterThanOrEqual(total, 10 * scenes.count)
        // Uniform shares: colour 1/6, shape 1/4, size 1/2, count 1/5 (0–4), exists 1/2,
        // relation: yes, no and four shapes (measured at seed 2027: colour 0.19, shape 0.26,
        // size 0.50, count 0.27, exists 0.50, relation 0.19; about 14 questions a scene).
        let bounds: [SceneQuestionType: Double] = [
            .color: 0.22, .shape: 0.31, .size: 0.56, .count: 0.3, .exists: 0.5, .relation: 0.25,
        ]
        for (type, answers) in counts {
            let asked = answers.values.reduce(0, +)
            let majority = Double(answers.values.max() ?? 0) / Double(asked)
            XCTAssertGreaterThan(asked, 300, "\(type)")
            XCTAssertLessThanOrEqual(majority, bounds[type] ?? 0, "\(type): \(answers)")
        }
        // Within the counting family that names an attribute, 0…3 each about a quarter.
        var attribute: [String: Int] = [:]
        for scene in scenes {
            for qa in scene.questions
            where qa.questionType == .count && qa.question != "how many objects are there" {
                attribute[qa.answer, default: 0] += 1
            }
        }
        let asked = Double(attribute.values.reduce(0, +))
        for (answer, n) in attribute {
            XCTAssertLessThanOrEqual(Double(n) / asked, 0.33, "how many …: \(answer) \(attribute)")
        }
    }

    /// The best a question-only model can do: for each question text, the answer it most often
    /// had over 2 000 training scenes (the type's most frequent answer for texts never seen),
    /// scored on 500 scenes of another seed. Measured: 35 % overall (colour 18, shape 28, count
    /// 34, relation 34, size 49, exists 51 %), far below what the image allows.
    func testQuestionOnlyLookupScoresLow() {
        var byQuestion: [String: [String: Int]] = [:]
        var byType: [SceneQuestionType: [String: Int]] = [:]
        for scene in SceneGenerator(seed: 31).scenes(0..<2000) {
            for qa in scene.questions {
                byQuestion[qa.question, default: [:]][qa.answer, default: 0] += 1
                byType[qa.questionType, default: [:]][qa.answer, default: 0] += 1
            }
        }
        func majority(_ counts: [String: Int]?) -> String {
            counts?.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
        }
        var right = 0
        var total = 0
        var rightByType: [SceneQuestionType: (Int, Int)] = [:]
        for scene in SceneGenerator(seed: 32).scenes(0..<500) {
            for qa in scene.questions {
                let guess = majority(byQuestion[qa.question] ?? byType[qa.questionType])
                let hit = guess == qa.answer ? 1 : 0
                right += hit
                total += 1
                rightByType[qa.questionType, default: (0, 0)].0 += hit
                rightByType[qa.questionType, default: (0, 0)].1 += 1
            }
        }
        let accuracy = Double(right) / Double(total)
        XCTAssertLessThan(accuracy, 0.42, "question-only accuracy \(accuracy), \(rightByType)")
        for (type, (hits, asked)) in rightByType {
            XCTAssertLessThan(Double(hits) / Double(asked), 0.56, "\(type): \(hits)/\(asked)")
        }
    }
}
