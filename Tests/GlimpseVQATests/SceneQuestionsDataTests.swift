// The synthetic scenes' questions.jsonl (`glimpse data scenes --questions`) read as VQA data:
// every line parses, images resolve to the written files, types come through, and the answers
// the answer vocabulary keeps cover every row.
import Foundation
import GlimpseScenes
import GlimpseVQA
import TestSupport
import XCTest

final class SceneQuestionsDataTests: XCTestCase {
    func testSceneQuestionsLoadAsVQAData() throws {
        let directory = Fixtures.temporaryDirectory()
        let summary = try SceneDatasetWriter(
            generator: SceneGenerator(seed: 11), includeQuestions: true
        ).write(count: 6, to: directory)
        let data = try VQADataset(jsonl: directory + "/questions.jsonl", requireAnswers: true)
        XCTAssertEqual(data.examples.count, summary.questions)
        XCTAssertEqual(data.images.count, 6)
        for image in data.images {
            XCTAssertTrue(FileManager.default.fileExists(atPath: image), image)
        }
        let types = Set(data.examples.compactMap(\.questionType))
        XCTAssertTrue(types.isSubset(of: Set(SceneQuestionType.allCases.map(\.rawValue))))
        XCTAssertTrue(types.contains("exists"))
        XCTAssertTrue(data.examples.allSatisfy { $0.answerType != nil && $0.answers.count == 1 })
        // Shapes, colours, sizes, yes/no and counts 0–4: fewer than 100 answers, all kept.
        let answers = AnswerVocabulary(answerLists: data.examples.map(\.answers), limit: 100)
        XCTAssertLessThan(answers.count, 100)
        XCTAssertTrue(data.examples.allSatisfy { answers.id(of: $0.answers[0]) != nil })
        // Predicting the truth scores 1 overall and in every type.
        let evaluation = try VQAAccuracy.evaluate(
            predictions: data.examples.map { $0.answers[0] }, examples: data.examples)
        XCTAssertEqual(evaluation.accuracy, 1)
        XCTAssertEqual(Set(evaluation.byQuestionType.keys), types)
        XCTAssertTrue(evaluation.byAnswerType.values.allSatisfy { $0.accuracy == 1 })
    }
}
