// The character language model: vocabulary, chunking, training that lowers the loss, exact
// resume, sampling.
import Foundation
import GlimpseLanguageModel
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class CharLanguageModelTests: XCTestCase {
    let text = Fixtures.path("text/sonnets.txt")

    func testVocabularyRoundTripAndUnknownCharacters() throws {
        let vocabulary = CharacterVocabulary(text: "hello, world")
        XCTAssertEqual(vocabulary.characters, [" ", ",", "d", "e", "h", "l", "o", "r", "w"])
        let ids = try vocabulary.encode("hello", context: "test")
        XCTAssertEqual(ids, [4, 3, 5, 5, 6])
        XCTAssertEqual(vocabulary.decode(ids), "hello")
        XCTAssertThrowsError(try vocabulary.encode("hex", context: "--prime")) {
            XCTAssertEqual($0 as? LanguageModelError, .unknownCharacter("x", context: "--prime"))
        }
        let json = try JSONEncoder().encode(vocabulary)
        XCTAssertEqual(try JSONDecoder().decode(CharacterVocabulary.self, from: json), vocabulary)
    }

    func testChunksAreParallelContinuousStreams() {
        let batches = TextBatches(ids: Array(0..<21), batchSize: 2, sequenceLength: 3)
        XCTAssertEqual(batches.streamLength, 10)
        XCTAssertEqual(batches.chunksPerEpoch, 3)
        let first = batches.chunk(0)
        // Time-major: (t0: stream 0, stream 1), (t1: …).
        XCTAssertEqual(first.inputs, [0, 10, 1, 11, 2, 12])
        XCTAssertEqual(first.targets, [1, 11, 2, 12, 3, 13])
        XCTAssertTrue(first.startsEpoch)
        XCTAssertEqual(batches.chunk(1).inputs, [3, 13, 4, 14, 5, 15])
        XCTAssertFalse(batches.chunk(1).startsEpoch)
        XCTAssertEqual(batches.chunk(3).inputs, first.inputs)
        XCTAssertTrue(batches.chunk(3).startsEpoch)
    }

    func options(_ out: String, steps: Int, cell: RecurrentCellKind = .lstm)
        -> CharLMTrainingOptions
    {
        var configuration = CharLMConfiguration()
        configuration.cell = cell
        configuration.hidden = 48
        configuration.embedding = 24
        configuration.batchSize = 8
        configuration.learningRate = 5e-3
        var options = CharLMTrainingOptions(
            textPath: text, outputDirectory: out, configuration: configuration, steps: steps)
        options.sampleEvery = 0
        options.printEvery = 10_000
        return options
    }

    /// A uniform guess over the sonnets' 62 characters costs ln 62 ≈ 4.13 nats; the LSTM must
    /// get well below it, every cell must at least learn character frequencies.
    func testTrainingLowersTheLossForEveryCell() throws {
        let lstm = try CharLMTraining.run(options(Fixtures.temporaryDirectory(), steps: 200)) { _ in
        }
        XCTAssertLessThan(lstm.finalLoss, 2.6)
        XCTAssertLessThan(lstm.finalLoss, lstm.initialLoss - 0.4)
        for cell in [RecurrentCellKind.gru, .rnn] {
            let report = try CharLMTraining.run(
                options(Fixtures.temporaryDirectory(), steps: 80, cell: cell)
            ) { _ in }
            XCTAssertLessThan(report.finalLoss, 3.3, "\(cell)")
        }
    }

    func testResumeContinuesExactly() throws {
        let straight = Fixtures.temporaryDirectory()
        let interrupted = Fixtures.temporaryDirectory()
        let a = try CharLMTraining.run(options(straight, steps: 30)) { _ in }
        _ = try CharLMTraining.run(options(interrupted, steps: 15)) { _ in }
        var resume = options(interrupted, steps: 30)
        resume.resume = true
        let b = try CharLMTraining.run(resume) { _ in }
        XCTAssertEqual(a.finalLoss, b.finalLoss)
        let left = try Checkpoint(contentsOf: straight + "/checkpoint")
        let right = try Checkpoint(contentsOf: interrupted + "/checkpoint")
        XCTAssertEqual(left.training.step, 30)
        XCTAssertEqual(right.training.step, 30)
        for (name, tensor) in left.parameters {
            XCTAssertEqual(tensor.scalars, right.parameters[name]?.scalars, name)
        }
    }

    func testSamplingIsSeededAndStartsFromThePrime() throws {
        let out = Fixtures.temporaryDirectory()
        _ = try CharLMTraining.run(options(out, steps: 20)) { _ in }
        let first = try sampleCharacterModel(
            directory: out, length: 50, prime: "Shall", temperature: 0.8, seed: 3)
        let again = try sampleCharacterModel(
            directory: out, length: 50, prime: "Shall", temperature: 0.8, seed: 3)
        XCTAssertEqual(first, again)
        XCTAssertEqual(first.unicodeScalars.count, 50)
        XCTAssertThrowsError(
            try sampleCharacterModel(directory: out, length: 5, prime: "§", temperature: 1, seed: 1)
        )
        XCTAssertThrowsError(
            try sampleCharacterModel(directory: out, length: 5, prime: "", temperature: 0, seed: 1))
    }

    func testTooShortTextIsRefused() throws {
        let path = Fixtures.temporaryDirectory() + "/short.txt"
        try "tiny".write(toFile: path, atomically: true, encoding: .utf8)
        var short = options(Fixtures.temporaryDirectory(), steps: 5)
        short.textPath = path
        XCTAssertThrowsError(try CharLMTraining.run(short) { _ in }) {
            XCTAssertEqual(
                $0 as? LanguageModelError,
                .textTooShort(path: path, characters: 4, needed: 25 * 8 + 1))
        }
    }
}
