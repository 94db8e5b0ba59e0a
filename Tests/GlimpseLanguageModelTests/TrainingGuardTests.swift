// The guards of a training run: a non-finite loss or gradient stops it with the last good
// checkpoint kept; an output directory holding a model is refused unless resuming or
// overwriting; resuming a run that has no checkpoint yet starts it.
import Foundation
import GlimpseLanguageModel
import GlimpseLayers
import GlimpseTraining
import TestSupport
import XCTest

final class TrainingGuardTests: XCTestCase {
    func options(_ out: String, steps: Int = 5) -> CharLMTrainingOptions {
        var configuration = CharLMConfiguration()
        configuration.hidden = 8
        configuration.embedding = 4
        configuration.batchSize = 2
        var options = CharLMTrainingOptions(
            textPath: Fixtures.path("text/sonnets.txt"), outputDirectory: out,
            configuration: configuration, steps: steps)
        options.sampleEvery = 0
        options.printEvery = 1000
        return options
    }

    func testNonFiniteLossStopsTheRunKeepingTheLastGoodCheckpoint() throws {
        // Adam with a step of 10³⁰ sends the weights to ±10³⁰ at once: the next steps
        // overflow to ∞ and NaN.
        let out = Fixtures.temporaryDirectory()
        var diverging = options(out, steps: 50)
        diverging.configuration.learningRate = 1e30
        diverging.checkpointEvery = 1
        XCTAssertThrowsError(try CharLMTraining.run(diverging) { _ in }) { error in
            guard case .nonFinite(_, let step, let last)? = error as? TrainingError else {
                return XCTFail("\(error)")
            }
            XCTAssertGreaterThan(step, 1)
            XCTAssertEqual(last, step - 1)
            XCTAssertEqual(try? Checkpoint(contentsOf: out + "/checkpoint").training.step, last)
            XCTAssertTrue(
                error.localizedDescription.hasPrefix("non-finite "), error.localizedDescription)
            XCTAssertTrue(
                error.localizedDescription.hasSuffix(
                    "at step \(step) (last good checkpoint: step \(step - 1))"),
                error.localizedDescription)
        }
    }

    func testAnExistingModelIsRefusedUnlessResumedOrOverwritten() throws {
        let out = Fixtures.temporaryDirectory()
        _ = try CharLMTraining.run(options(out)) { _ in }
        XCTAssertThrowsError(try CharLMTraining.run(options(out)) { _ in }) {
            XCTAssertEqual(
                $0 as? TrainingError,
                .outputExists(path: out, files: ["config.json", "vocab.json", "checkpoint"]))
        }
        var overwrite = options(out, steps: 3)
        overwrite.overwrite = true
        XCTAssertEqual(try CharLMTraining.run(overwrite) { _ in }.steps, 3)
        XCTAssertEqual(try Checkpoint(contentsOf: out + "/checkpoint").training.step, 3)
    }

    func testResumingARunWithoutACheckpointStartsIt() throws {
        let out = Fixtures.temporaryDirectory() + "/new"
        var resume = options(out)
        resume.resume = true
        var lines: [String] = []
        XCTAssertEqual(try CharLMTraining.run(resume) { lines.append($0) }.steps, 5)
        XCTAssertTrue(lines.contains("no checkpoint in \(out)/checkpoint yet: starting a new run"))
        // A directory left by a run killed during its first save (no state.json) starts anew too.
        try FileManager.default.removeItem(atPath: out + "/checkpoint")
        lines = []
        XCTAssertEqual(try CharLMTraining.run(resume) { lines.append($0) }.steps, 5)
        XCTAssertTrue(lines.contains { $0.hasPrefix("no checkpoint in") })
    }

    func testResumingOnAnotherTextIsRefusedUnlessAllowed() throws {
        let out = Fixtures.temporaryDirectory()
        _ = try CharLMTraining.run(options(out)) { _ in }
        let other = Fixtures.temporaryDirectory() + "/other.txt"
        let sonnets = try String(contentsOfFile: Fixtures.path("text/sonnets.txt"), encoding: .utf8)
        // The same characters and length, in reverse order: only the fingerprint tells.
        try String(sonnets.reversed()).write(toFile: other, atomically: true, encoding: .utf8)
        var resume = options(out, steps: 8)
        resume.resume = true
        resume.textPath = other
        XCTAssertThrowsError(try CharLMTraining.run(resume) { _ in }) {
            guard case .dataChanged(let checkpoint, let saved, let current)? = $0 as? TrainingError
            else { return XCTFail("\($0)") }
            XCTAssertEqual(checkpoint, out + "/checkpoint")
            XCTAssertEqual(saved.count, current.count)
            XCTAssertNotEqual(saved.hash, current.hash)
            XCTAssertTrue($0.localizedDescription.contains("--allow-data-change"))
        }
        resume.allowDataChange = true
        XCTAssertEqual(try CharLMTraining.run(resume) { _ in }.steps, 8)
    }

    func testTemporaryFilesOfKilledRunsAreRemoved() throws {
        let out = Fixtures.temporaryDirectory()
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = ".config.json.\(finished.processIdentifier).12345.tmp"
        let live = ".vocab.json.\(getpid()).678.tmp"
        for name in [stale, live] {
            try "partial".write(toFile: out + "/" + name, atomically: false, encoding: .utf8)
        }
        _ = try CharLMTraining.run(options(out)) { _ in }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/" + stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + live))
    }
}
