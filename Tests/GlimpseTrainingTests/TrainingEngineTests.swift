// The training engine on a task small enough to reason about: least-squares regression with a
// Linear layer. Loss goes down, the ETA respects --max-seconds (fake clock), a terminal gets
// one line redrawn in place and anything else plain lines, a NaN stops the run at the last good
// checkpoint, the best model is published whole, and an unusable task writes nothing.
import Foundation
import GlimpseLayers
import GlimpseSupport
import GlimpseTensor
import GlimpseTraining
import TestSupport
import XCTest

/// y = x·w + b on 24 fixed rows; validation scores −MSE on the same rows.
struct RegressionTask: TrainingTask {
    static let modelFiles = ["weights.safetensors", "note.txt"]

    let model: Linear
    let inputs: Tensor  // [24, 3]
    let targets: Tensor  // [24, 1]
    let batches: ShuffledBatches
    var nanAtStep: Int?
    var validates = true

    /// `seed` draws the initial weights; the data and its order are fixed.
    init(seed: UInt64 = 1, batchSize: Int = 4) {
        let store = ParameterStore(seed: seed)
        model = Linear(3, 1, in: store.scope("fc"))
        var generator = SplitMix64(seed: 99)
        inputs = Tensor(randomUniform: [24, 3], in: -1..<1, using: &generator)
        let truth = Tensor(shape: [1, 3], scalars: [0.5, -2, 1])
        targets = matmul(inputs, truth, transposeB: true) + Tensor(shape: [1], scalars: [0.3])
        batches = ShuffledBatches(count: 24, batchSize: batchSize, seed: 7)
    }

    var stepsPerEpoch: Int { batches.stepsPerEpoch }
    var itemName: String { "rows" }

    func meanSquaredError(_ rows: [Int]) -> Tensor {
        let error = model(gather(inputs, indices: rows)) - gather(targets, indices: rows)
        return (error * error).mean()
    }

    func loss(at position: TrainingPosition) throws -> StepLoss {
        var loss = meanSquaredError(batches.indices(at: position))
        if position.step + 1 == nanAtStep { loss = loss * Float.nan }
        return StepLoss(loss: loss, reported: loss.scalar, items: 4)
    }

    func validate() throws -> ValidationResult? {
        guard validates else { return nil }
        let mse = withoutGradients { meanSquaredError(Array(0..<24)).scalar }
        return ValidationResult(
            [.init("MSE", Double(mse)), .init("-MSE", -Double(mse))], primary: "-MSE")
    }

    func saveModel(to directory: String) throws {
        try Safetensors.write(
            Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) }),
            to: directory + "/weights.safetensors")
        try AtomicFile.write(Data("a regression model".utf8), to: directory + "/note.txt")
    }

    var state: NoTaskState { NoTaskState() }
    func restore(_ state: NoTaskState) throws {}
}

/// A clock that moves `tick` seconds each time it is read.
final class FakeClock: @unchecked Sendable {
    var time = 1000.0
    let tick: Double
    init(tick: Double) { self.tick = tick }
    func read() -> Double {
        time += tick
        return time
    }
}

final class TrainingEngineTests: XCTestCase {
    func engine(
        _ task: RegressionTask, out: String, configure: (inout TrainingRun) -> Void = { _ in },
        display: ProgressDisplay = .lines { _ in }
    ) -> TrainingEngine<RegressionTask> {
        var run = TrainingRun(outputDirectory: out)
        run.epochs = 20
        run.logEvery = 1
        configure(&run)
        return TrainingEngine(
            task: task, optimizer: Adam(parameters: task.model.parameters, learningRate: 0.05),
            run: run, data: DataFingerprint(["regression"]), display: display)
    }

    func testTrainingLowersTheLossAndKeepsTheBestModel() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let task = RegressionTask()
        let before = task.meanSquaredError(Array(0..<24)).scalar
        var training = engine(task, out: out)
        let summary = try training.fit()
        XCTAssertEqual(summary.steps, 120)
        XCTAssertEqual(summary.epochs, 20)
        let after = task.meanSquaredError(Array(0..<24)).scalar
        XCTAssertLessThan(after, before / 20, "MSE \(before) -> \(after)")
        // The published model is the best one: its MSE is the best validation score.
        let saved = try Safetensors.read(path: out + "/weights.safetensors")
        let best = RegressionTask()
        for parameter in best.model.parameters {
            parameter.value = try XCTUnwrap(saved.tensors[parameter.name])
        }
        let bestMSE = Double(best.meanSquaredError(Array(0..<24)).scalar)
        XCTAssertEqual(summary.best ?? 0, -bestMSE, accuracy: 1e-7)
        XCTAssertLessThanOrEqual(bestMSE, Double(after))
        XCTAssertFalse(StagedPublication.isInterrupted(out))
        let rows = try String(contentsOfFile: out + "/training.jsonl", encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(rows.count, 120 + 20, "one row per step and per validation")

        // Validating every 4 steps too (where that is not an epoch's end, every 6 steps):
        // steps 4, 8, 16, 20, … — 20 of the 120 steps, one message each.
        var lines: [String] = []
        let often = Fixtures.temporaryDirectory()
        var frequent = engine(
            RegressionTask(), out: often, configure: { $0.validateEvery = 4 },
            display: .lines { lines.append($0) })
        _ = try frequent.fit()
        XCTAssertEqual(
            lines.filter { $0.hasPrefix("step ") && $0.contains(" validation ") }.count, 20)
        XCTAssertTrue(lines.contains { $0.hasPrefix("step 4 validation  MSE ") }, lines.description)
        XCTAssertEqual(
            lines.filter { $0.hasPrefix("epoch ") && $0.contains(" validation ") }.count, 20)
    }

    func testTheETARespectsMaxSecondsOnAFakeClock() throws {
        let clock = FakeClock(tick: 0.25)
        var output = ""
        let display = ProgressDisplay(mode: .plain(everySeconds: 1), now: clock.read) {
            output += $0
        }
        var training = engine(
            RegressionTask(), out: Fixtures.temporaryDirectory(),
            configure: {
                $0.epochs = 1000
                $0.maxSeconds = 12
            }, display: display)
        let summary = try training.fit()
        XCTAssertLessThan(summary.steps, 6000, "the budget ended the run")
        XCTAssertFalse(output.contains("\r"))
        let lines = output.split(separator: "\n").filter { $0.contains("  eta ") }
        XCTAssertGreaterThan(lines.count, 3, output)
        for line in lines {
            // eta ≤ what is left of the 12 s, never the ~hour 6000 steps would take.
            let elapsed = try XCTUnwrap(seconds(after: "elapsed ", in: line))
            let eta = try XCTUnwrap(seconds(after: "eta ", in: line))
            XCTAssertLessThanOrEqual(eta, 12 - elapsed + 1, String(line))
        }
        XCTAssertTrue(output.contains("stopping after 0:12 (--max-seconds)"), output)
    }

    func testATerminalGetsOneLineRedrawnWithMessagesAboveIt() throws {
        let clock = FakeClock(tick: 0.05)
        var output = ""
        let display = ProgressDisplay(mode: .live, now: clock.read) { output += $0 }
        var training = engine(
            RegressionTask(), out: Fixtures.temporaryDirectory(), configure: { $0.epochs = 2 },
            display: display)
        _ = try training.fit()
        XCTAssertTrue(output.contains("\r\u{1B}[2Kepoch 1/2  step "), output)
        // A validation line is printed on a line of its own, and the status is redrawn after it.
        let validation = try XCTUnwrap(output.range(of: "\r\u{1B}[2Kepoch 1 validation  MSE "))
        let after = output[validation.upperBound...]
        let newline = try XCTUnwrap(after.firstIndex(of: "\n"))
        XCTAssertTrue(after[after.index(after: newline)...].hasPrefix("epoch 1/2  step 6/12"))
        XCTAssertTrue(output.hasSuffix("\n"), "the status line is ended")

        var quiet = ""
        var silent = engine(
            RegressionTask(), out: Fixtures.temporaryDirectory(), configure: { $0.epochs = 2 },
            display: ProgressDisplay(mode: .quiet, now: clock.read) { quiet += $0 })
        _ = try silent.fit()
        XCTAssertEqual(quiet, "")
    }

    func testANonFiniteLossStopsAtTheLastGoodCheckpoint() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        var task = RegressionTask()
        task.nanAtStep = 9
        var training = engine(task, out: out, configure: { $0.checkpointEvery = 4 })
        XCTAssertThrowsError(try training.fit()) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "non-finite loss at step 9 (last good checkpoint: step 8)")
        }
        let checkpoint = try Checkpoint(contentsOf: out + "/checkpoint")
        XCTAssertEqual(checkpoint.training.step, 8)
    }

    func testResumeIsExact() throws {
        let straight = Fixtures.temporaryDirectory() + "/straight"
        let reference = RegressionTask()
        var whole = engine(reference, out: straight, configure: { $0.epochs = 3 })
        _ = try whole.fit()

        let out = Fixtures.temporaryDirectory() + "/resumed"
        var first = engine(RegressionTask(), out: out, configure: { $0.steps = 7 })
        XCTAssertEqual(try first.fit().steps, 7)
        let resumed = RegressionTask(seed: 5)  // other initial weights: the checkpoint wins
        var second = engine(resumed, out: out, configure: { $0.epochs = 3 })
        let summary = try second.fit(from: try Checkpoint(contentsOf: out + "/checkpoint"))
        XCTAssertEqual(summary.steps, 18)
        XCTAssertEqual(resumed.model.weight.value.scalars, reference.model.weight.value.scalars)
        XCTAssertEqual(resumed.model.bias?.value.scalars, reference.model.bias?.value.scalars)
    }

    func testATaskWithoutBatchesWritesNothing() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let task = RegressionTask()
        var training = TrainingEngine(
            task: EmptyTask(), optimizer: SGD(parameters: task.model.parameters, learningRate: 1),
            run: TrainingRun(outputDirectory: out), data: DataFingerprint([String]()),
            display: .lines { _ in })
        XCTAssertThrowsError(try training.fit()) {
            XCTAssertEqual($0.localizedDescription, "no training batches")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testAnInterruptedPublicationLeavesOneWholeSet() throws {
        let out = Fixtures.temporaryDirectory()
        try StagedPublication.publish(into: out) { staging in
            try AtomicFile.write(Data("old a".utf8), to: staging + "/a")
            try AtomicFile.write(Data("old b".utf8), to: staging + "/b")
        }
        func contents() -> [String] {
            ["a", "b"].map {
                String(
                    decoding: FileManager.default.contents(atPath: out + "/" + $0) ?? Data(),
                    as: UTF8.self)
            }
        }
        XCTAssertEqual(contents(), ["old a", "old b"])

        // Killed while writing the new set (no COMPLETE yet): recovery keeps the old set.
        let staging = out + "/" + StagedPublication.stagingName
        try Directory.create(staging)
        try AtomicFile.write(Data("new a".utf8), to: staging + "/a")
        XCTAssertTrue(StagedPublication.isInterrupted(out))
        try StagedPublication.recover(out)
        XCTAssertEqual(contents(), ["old a", "old b"])
        XCTAssertFalse(StagedPublication.isInterrupted(out))

        // Killed after COMPLETE, half-way through the renames: recovery finishes them.
        try Directory.create(staging)
        try AtomicFile.write(Data("new b".utf8), to: staging + "/b")
        try AtomicFile.write(Data("a\nb".utf8), to: staging + "/COMPLETE")
        try AtomicFile.write(Data("new a".utf8), to: out + "/a")  // already moved in
        try StagedPublication.recover(out)
        XCTAssertEqual(contents(), ["new a", "new b"])
        XCTAssertFalse(StagedPublication.isInterrupted(out))
    }

    /// The m:ss figure after `label` in a status line.
    func seconds(after label: String, in line: Substring) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        let parts = line[range.upperBound...].prefix { $0 != " " }.split(separator: ":")
        guard parts.count == 2, let m = Double(parts[0]), let s = Double(parts[1]) else {
            return nil
        }
        return m * 60 + s
    }
}

/// A task whose data gives no batch.
struct EmptyTask: TrainingTask {
    static let modelFiles: [String] = []
    let model = Linear(1, 1, in: ParameterStore(seed: 1).root)
    var stepsPerEpoch: Int { 0 }
    var itemName: String { "rows" }
    func loss(at position: TrainingPosition) throws -> StepLoss {
        StepLoss(loss: Tensor(shape: [], scalars: [0]), reported: 0, items: 0)
    }
    func saveModel(to directory: String) throws {}
    var state: NoTaskState { NoTaskState() }
    func restore(_ state: NoTaskState) throws {}
}
