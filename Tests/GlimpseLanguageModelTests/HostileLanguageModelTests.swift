// Mutated language-model directories: config.json, vocab.json and checkpoint/state.json edited
// as a hand edit or a hostile file would. Sampling and resuming must throw an error naming the
// file, never trap or allocate what a number asks for.
import Foundation
import GlimpseLanguageModel
import TestSupport
import XCTest

final class HostileLanguageModelTests: XCTestCase {
    let text = Fixtures.path("text/sonnets.txt")

    /// A trained 10-step model directory.
    func trainedModel() throws -> String {
        var configuration = CharLMConfiguration()
        configuration.hidden = 16
        configuration.embedding = 8
        configuration.batchSize = 4
        let out = Fixtures.temporaryDirectory() + "/lm"
        var options = CharLMTrainingOptions(
            textPath: text, outputDirectory: out, configuration: configuration, steps: 10)
        options.sampleEvery = 0
        options.printEvery = 1000
        _ = try CharLMTraining.run(options) { _ in }
        return out
    }

    /// `file` of `directory` with `original` replaced by `edited` (which must occur).
    func edit(_ directory: String, _ file: String, _ original: String, _ edited: String) throws {
        let url = URL(fileURLWithPath: directory + "/" + file)
        let contents = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(contents.contains(original), "\(file) has no \(original)")
        try contents.replacingOccurrences(of: original, with: edited)
            .write(to: url, atomically: true, encoding: .utf8)
    }

    func copy(_ directory: String) throws -> String {
        let copy = Fixtures.temporaryDirectory() + "/lm"
        try FileManager.default.copyItem(atPath: directory, toPath: copy)
        return copy
    }

    func testMutatedConfigurationsAndVocabulariesAreRefused() throws {
        let model = try trainedModel()
        let cases: [(String, String, String, String)] = [
            ("config.json", "\"hidden\" : 16", "\"hidden\" : 4611686018427387904", "hidden"),
            ("config.json", "\"hidden\" : 16", "\"hidden\" : 0", "hidden"),
            ("config.json", "\"hidden\" : 16", "\"hidden\" : 16000", "shape mismatch"),
            ("config.json", "\"layers\" : 1", "\"layers\" : 0", "layers"),
            ("config.json", "\"layers\" : 1", "\"layers\" : 2", "checkpoint has no tensor"),
            ("config.json", "\"embedding\" : 8", "\"embedding\" : -1", "embedding"),
            ("config.json", "\"cell\" : \"lstm\"", "\"cell\" : \"gru\"", "shape mismatch"),
            ("config.json", "\"batch_size\" : 4", "\"batch_size\" : 1e300", "batch_size"),
            ("vocab.json", "[", "[]", "vocab.json"),
        ]
        for (file, original, edited, expected) in cases {
            let directory = try copy(model)
            try edit(directory, file, original, edited)
            XCTAssertThrowsError(
                try sampleCharacterModel(
                    directory: directory, length: 5, prime: "", temperature: 1, seed: 1),
                "\(file): \(edited)"
            ) {
                XCTAssertTrue(
                    $0.localizedDescription.contains(expected), "\($0.localizedDescription)")
                XCTAssertTrue(
                    $0.localizedDescription.hasPrefix(directory), "\($0.localizedDescription)")
            }
        }
    }

    func testMutatedTrainingStatesAreRefusedOnResume() throws {
        let model = try trainedModel()
        let state = "checkpoint/state.json"
        let states = try String(contentsOfFile: model + "/" + state, encoding: .utf8)
        XCTAssertTrue(states.contains("\"states\":[["), String(states.prefix(200)))
        let cases: [(String, String)] = [
            ("\"step\" : 10", "\"step\" : -5"),
            ("\"epoch\" : 0", "\"epoch\" : -1"),
            ("\"stateShapes\":[[4,16]", "\"stateShapes\":[[4,17]"),
            ("\"stateShapes\":[[4,16]", "\"stateShapes\":[[0,16]"),
            ("\"stateShapes\":[[4,16]", "\"stateShapes\":[[4611686018427387904,4]"),
            ("\"states\":[[", "\"states\":[[1,"),
            ("\"learning_rate\" : 0.002", "\"learning_rate\" : -1"),
        ]
        for (original, edited) in cases {
            let directory = try copy(model)
            try edit(directory, state, original, edited)
            var options = CharLMTrainingOptions(
                textPath: text, outputDirectory: directory, configuration: .init(), steps: 12,
                resume: true)
            options.sampleEvery = 0
            XCTAssertThrowsError(try CharLMTraining.run(options) { _ in }, edited)
        }
    }
}
