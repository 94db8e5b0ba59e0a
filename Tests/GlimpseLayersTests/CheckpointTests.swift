// CheckpointTests.swift — checkpoints resume exactly, replace each other atomically, and refuse
// incomplete or mixed directories and models of another shape.
import Foundation
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

/// What a training loop might keep besides tensors.
private struct LoopState: Codable, Equatable {
    var order: [Int]
    var losses: [Double]
    var note: String
    var seen: Int64
}

final class CheckpointTests: XCTestCase {
    /// A model, its optimizer and a data generator after a few training steps.
    private func train(seed: UInt64, steps: Int, from checkpoint: Checkpoint? = nil) throws -> (
        ParameterStore, Adam, SplitMix64, [Float]
    ) {
        let store = ParameterStore(seed: seed)
        let layer = Linear(3, 2, in: store.scope("decoder").scope("fc"))
        var optimizer = Adam(parameters: store.parameters, learningRate: 0.1)
        var data = SplitMix64(seed: 99)
        if let checkpoint {
            try checkpoint.restore(into: store, optimizer: &optimizer)
            data.state = checkpoint.training.generators["data"]!
        }
        var losses: [Float] = []
        for _ in 0..<steps {
            let x = Tensor(
                shape: [4, 3], scalars: (0..<12).map { _ in Float(data.next() % 7) - 3 })
            let loss = (layer(x) * layer(x)).mean()
            losses.append(loss.scalar)
            loss.backward()
            optimizer.step()
        }
        return (store, optimizer, data, losses)
    }

    func testSaveThenLoadResumesExactly() throws {
        let directory = Fixtures.temporaryDirectory() + "/run/last"
        try FileManager.default.createDirectory(
            atPath: directory + "/..", withIntermediateDirectories: true)
        // Uninterrupted: 5 steps. Interrupted: 2 steps, checkpoint, fresh process, 3 more.
        let (_, _, _, reference) = try train(seed: 7, steps: 5)
        let (store, optimizer, data, first) = try train(seed: 7, steps: 2)

        var checkpoint = Checkpoint(
            store: store, optimizer: optimizer.state,
            training: TrainingState(
                step: 2, epoch: 1, learningRate: 0.1, bestMetric: 0.125,
                generators: ["data": data.state, "huge": UInt64.max - 1]),
            config: #"{"hidden_size": 2}"#)
        let loop = LoopState(
            order: [3, 1, 2], losses: [0.1, 1.0 / 3.0], note: "ünï", seen: Int64.max - 5)
        try checkpoint.setExtra(loop)
        try checkpoint.save(to: directory)

        let loaded = try Checkpoint(contentsOf: directory)
        XCTAssertEqual(loaded.directory, directory)
        XCTAssertEqual(loaded.training, checkpoint.training)
        XCTAssertEqual(loaded.training.generators["huge"], UInt64.max - 1)
        XCTAssertEqual(loaded.parameterGenerator, store.generatorState)
        XCTAssertEqual(loaded.optimizer.step, 2)
        XCTAssertEqual(loaded.config, #"{"hidden_size": 2}"#)
        XCTAssertEqual(try loaded.extra(LoopState.self), loop)
        XCTAssertEqual(Set(loaded.parameters.keys), ["decoder.fc.weight", "decoder.fc.bias"])
        for (name, tensor) in store.tensors {
            XCTAssertEqual(loaded.parameters[name]?.scalars, tensor.scalars, name)
        }
        XCTAssertEqual(
            Set(loaded.optimizer.tensors.keys),
            [
                "exp_avg.decoder.fc.weight", "exp_avg.decoder.fc.bias",
                "exp_avg_sq.decoder.fc.weight", "exp_avg_sq.decoder.fc.bias",
            ])
        for (name, tensor) in optimizer.state.tensors {
            XCTAssertEqual(loaded.optimizer.tensors[name]?.scalars, tensor.scalars, name)
        }

        let (resumed, resumedOptimizer, _, rest) = try train(seed: 12345, steps: 3, from: loaded)
        XCTAssertEqual(first + rest, reference, "resumed training must match bit for bit")
        XCTAssertEqual(resumedOptimizer.state.step, 5)
        XCTAssertEqual(resumed.generatorState, store.generatorState)
    }

    func testStateJSONKeepsUInt64AsStrings() throws {
        let directory = Fixtures.temporaryDirectory() + "/ckpt"
        let checkpoint = Checkpoint(
            parameters: [:], parameterGenerator: UInt64.max, optimizer: OptimizerState(step: 3),
            training: TrainingState(step: 3, learningRate: 1e-3, generators: ["data": 1 << 60 + 1]))
        try checkpoint.save(to: directory)
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/state.json"))
        let state = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual(state?["parameter_generator"] as? String, "18446744073709551615")
        XCTAssertEqual(
            state?["generators"] as? [String: String], ["data": "1152921504606846977"])
        XCTAssertEqual(state?["format"] as? String, "glimpse.checkpoint")
        XCTAssertEqual(state?["step"] as? Int, 3)
        XCTAssertEqual(state?["optimizer_step"] as? Int, 3)
        XCTAssertNil(state?["extra"])
        let loaded = try Checkpoint(contentsOf: directory)
        XCTAssertEqual(loaded.parameterGenerator, UInt64.max)
        XCTAssertEqual(loaded.training.learningRate, 1e-3)
        XCTAssertNil(try loaded.extra(LoopState.self))
    }

    func testSaveReplacesAPreviousCheckpointWhole() throws {
        let parent = Fixtures.temporaryDirectory()
        let directory = parent + "/ckpt"
        for step in 1...3 {
            let checkpoint = Checkpoint(
                parameters: ["w": Tensor(repeating: Float(step), shape: [step])],
                parameterGenerator: UInt64(step), optimizer: OptimizerState(step: step),
                training: TrainingState(step: step))
            try checkpoint.save(to: directory)
            let loaded = try Checkpoint(contentsOf: directory)
            XCTAssertEqual(loaded.training.step, step)
            XCTAssertEqual(
                loaded.parameters["w"]?.scalars, Array(repeating: Float(step), count: step))
        }
        // No staging or old directories are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["ckpt"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
            ["model.safetensors", "optimizer.safetensors", "state.json"])
    }

    func testInterruptedSavesDoNotLoadAsComplete() throws {
        let parent = Fixtures.temporaryDirectory()
        let directory = parent + "/ckpt"
        let checkpoint = Checkpoint(
            parameters: ["w": Tensor([1, 2])], parameterGenerator: 1,
            optimizer: OptimizerState(step: 1), training: TrainingState(step: 1))

        // Interrupted before publishing: only a staging directory exists, of a dead process.
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let staging = parent + "/.ckpt.tmp-\(finished.processIdentifier)-1"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        try Safetensors.write(["w": Tensor([1, 2])], to: staging + "/model.safetensors")
        assertLoadFails(directory, .notFound(path: directory), "no checkpoint directory here")

        // A directory whose commit marker never came. (The save removes the stale staging.)
        try checkpoint.save(to: directory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging))
        try FileManager.default.removeItem(atPath: directory + "/state.json")
        assertLoadFails(
            directory, .incomplete(path: directory, missing: "state.json"),
            "\(directory): incomplete checkpoint, state.json is missing")

        // Files of two different saves put together.
        let other = parent + "/other"
        try checkpoint.save(to: directory)
        try checkpoint.save(to: other)
        try FileManager.default.removeItem(atPath: directory + "/optimizer.safetensors")
        try FileManager.default.copyItem(
            atPath: other + "/optimizer.safetensors", toPath: directory + "/optimizer.safetensors")
        assertLoadFails(
            directory, .mismatchedFiles(path: directory, file: "optimizer.safetensors"),
            "optimizer.safetensors belongs to a different save than state.json")

        // A truncated tensor file is reported by the safetensors reader, naming the file.
        try checkpoint.save(to: directory)
        let model = directory + "/model.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: model))
        assertLoadFails(
            directory, nil, "\(model): tensor w: data_offsets [0, 8] run past the end")
    }

    func testSaveRefusesToReplaceWhatIsNotACheckpoint() throws {
        let parent = Fixtures.temporaryDirectory()
        let checkpoint = Checkpoint(
            parameters: [:], parameterGenerator: 0, optimizer: OptimizerState(),
            training: TrainingState())
        try Data("notes".utf8).write(to: URL(fileURLWithPath: parent + "/notes.txt"))
        XCTAssertThrowsError(try checkpoint.save(to: parent)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(parent): the directory holds notes.txt, which is not a checkpoint file;"
                    + " refusing to replace it with a checkpoint")
        }
        XCTAssertThrowsError(try checkpoint.save(to: parent + "/notes.txt")) { error in
            XCTAssertTrue(
                "\(error)".hasSuffix(
                    "notes.txt: it is a file; refusing to replace it with a checkpoint"), "\(error)"
            )
        }
        XCTAssertThrowsError(try checkpoint.save(to: parent + "/missing/ckpt")) { error in
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["notes.txt"])
    }

    func testRestoringIntoAModelOfAnotherShapeFailsNamingKeyAndShapes() throws {
        let directory = Fixtures.temporaryDirectory() + "/ckpt"
        let (store, optimizer, _, _) = try train(seed: 1, steps: 1)
        try Checkpoint(
            store: store, optimizer: optimizer.state,
            training: TrainingState(step: 1, generators: ["data": 0])
        ).save(to: directory)
        let loaded = try Checkpoint(contentsOf: directory)

        let wider = ParameterStore(seed: 3)
        _ = Linear(4, 2, in: wider.scope("decoder").scope("fc"))
        let before = wider.tensors.mapValues(\.scalars)
        var widerOptimizer = Adam(parameters: wider.parameters, learningRate: 0.5)
        XCTAssertThrowsError(try loaded.restore(into: wider, optimizer: &widerOptimizer)) { error in
            // Adam checks its slots in no fixed order: exp_avg or exp_avg_sq is named.
            let message = "\(error)"
            XCTAssertTrue(
                message.hasPrefix("\(directory): optimizer state: shape mismatch for exp_avg"),
                message)
            XCTAssertTrue(
                message.contains(
                    ".decoder.fc.weight: checkpoint [2, 3], model [2, 4]"
                        + " (was it trained with a different configuration?)"), message)
        }
        XCTAssertThrowsError(try loaded.restore(into: wider)) { error in
            XCTAssertEqual(
                error as? CheckpointError,
                .parameters(
                    path: directory,
                    .shapeMismatch(name: "decoder.fc.weight", checkpoint: [2, 3], model: [2, 4])))
            XCTAssertEqual(
                "\(error)",
                "\(directory): shape mismatch for decoder.fc.weight: checkpoint [2, 3],"
                    + " model [2, 4] (was it trained with a different configuration?)")
        }
        // Nothing changed.
        XCTAssertEqual(wider.tensors.mapValues(\.scalars), before)
        XCTAssertEqual(widerOptimizer.learningRate, 0.5)
        XCTAssertEqual(widerOptimizer.state.step, 0)
    }

    private func assertLoadFails(
        _ directory: String, _ expected: CheckpointError?, _ text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try Checkpoint(contentsOf: directory), file: file, line: line) {
            error in
            if let expected {
                XCTAssertEqual(error as? CheckpointError, expected, file: file, line: line)
            }
            XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
        }
    }
}
