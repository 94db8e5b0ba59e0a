// SIGKILL at any moment of a training run — in a step, inside a checkpoint save, inside the
// publication of the model — followed by the same command with --resume (as a job scheduler
// requeues it) ends with weights bit-identical to a run never killed, and a killed save never
// leaves a model directory of mixed files. GLIMPSE_TEST_PAUSE_IN (SaveHook.swift) holds a save
// open at its most fragile point so the kill lands inside it.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class CrashSafetyTests: XCTestCase {
    /// Starts glimpse, waits until its standard error contains `marker` (or `delay` seconds
    /// pass when `marker` is nil) and kills it. Returns whether the process was still running
    /// when killed, and its standard error.
    func kill(
        _ arguments: [String], pauseIn point: String? = nil, after delay: Double = 0
    ) throws -> (killed: Bool, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: glimpseExecutable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let point { environment["GLIMPSE_TEST_PAUSE_IN"] = "\(point):30" }
        process.environment = environment
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        // Collected on another thread, so a marker is seen as soon as it is written.
        let collected = LockedText()
        errors.fileHandleForReading.readabilityHandler = { handle in
            collected.append(String(decoding: handle.availableData, as: UTF8.self))
        }
        try process.run()
        let deadline = Date().addingTimeInterval(point == nil ? delay : 60)
        while process.isRunning && Date() < deadline {
            if let point, collected.text.contains("paused in \(point)") { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let killed = process.isRunning
        if killed { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        return (killed, collected.text)
    }

    func weights(_ path: String) throws -> [String: [Float]] {
        try Safetensors.read(path: path).tensors.mapValues(\.scalars)
    }

    func testTenKillsAtRandomMomentsThenResumeGiveTheUninterruptedWeights() throws {
        let arguments = { (out: String) in
            [
                "lm", "train", Fixtures.path("text/sonnets.txt"), "--out", out, "--hidden", "16",
                "--embedding", "8", "--batch", "4", "--steps", "800", "--sample-every", "0",
                "--checkpoint-every", "10", "--resume",
            ]
        }
        let straight = Fixtures.temporaryDirectory() + "/straight"
        XCTAssertEqual(try runGlimpse(arguments(straight)).status, 0)

        let out = Fixtures.temporaryDirectory() + "/killed"
        var random = SystemRandomNumberGenerator()
        // Kills 3 and 7 land inside a checkpoint save, 5 and 9 inside the model's publication,
        // the others after a random delay.
        var kills: [String] = []
        for round in 1...10 {
            let point = [3: "checkpoint", 7: "checkpoint", 5: "publish", 9: "publish"][round]
            let delay = Double.random(in: 0.2...0.8, using: &random)
            let result = try kill(arguments(out), pauseIn: point, after: delay)
            kills.append(point.map { "inside \($0)" } ?? String(format: "after %.2f s", delay))
            if let point {
                XCTAssertTrue(result.stderr.contains("paused in \(point)"), result.stderr)
            }
            guard result.killed else { break }
        }
        XCTAssertGreaterThanOrEqual(kills.count, 9, "the run finished between kills: \(kills)")
        let finished = try runGlimpse(arguments(out))
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(
            try weights(out + "/checkpoint/model.safetensors"),
            try weights(straight + "/checkpoint/model.safetensors"), "kills: \(kills)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertEqual(
            Set(left),
            ["checkpoint", "config.json", "vocab.json", "training.jsonl", "training.png"],
            "temporaries left behind")
    }

    func testAKillWhilePublishingTheModelLeavesTheOldModelWhole() throws {
        // No validation images in the fixture: the model is published with every checkpoint,
        // after every epoch (3 steps each here).
        let out = Fixtures.temporaryDirectory() + "/model"
        let train = { (epochs: Int) in
            [
                "caption", "train", "--data", Fixtures.path("scenes"), "--out", out, "--batch",
                "4", "--epochs", "\(epochs)", "--resume",
            ]
        }
        let image = Fixtures.path("scenes/images/000001.png")

        // Killed inside the first publication (at the end of epoch 1, before its checkpoint):
        // no model yet, and none half-written.
        let first = try kill(train(3), pauseIn: "publish")
        XCTAssertTrue(first.killed, first.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/encoder.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/decoder.safetensors"))
        XCTAssertEqual(try runGlimpse(["caption", image, "--model", out]).status, 1)

        // Run again to the end of epoch 2, it publishes that epoch's model; killed inside epoch
        // 3's publication, the directory still holds epoch 2's model whole, and it captions.
        let second = try runGlimpse(train(2))
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(
            second.stderr.contains("no checkpoint in \(out)/checkpoint yet"), second.stderr)
        let published = try Data(contentsOf: URL(fileURLWithPath: out + "/decoder.safetensors"))
        let third = try kill(train(3), pauseIn: "publish")
        XCTAssertTrue(third.killed, third.stderr)
        let captioned = try runGlimpse(["caption", image, "--model", out])
        XCTAssertEqual(captioned.status, 0, captioned.stderr)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: out + "/decoder.safetensors")), published)

        let resumed = try runGlimpse(train(3))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed at epoch 3, step 6"), resumed.stderr)
        XCTAssertNotEqual(
            try Data(contentsOf: URL(fileURLWithPath: out + "/decoder.safetensors")), published,
            "the resumed run publishes epoch 3's model")
        XCTAssertEqual(try runGlimpse(["caption", image, "--model", out]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/.staged"))
    }

    func testBadTrainingInputWritesNothing() throws {
        let empty = Fixtures.temporaryDirectory()
        let scenes = Fixtures.path("scenes")
        for (arguments, expected) in [
            (["caption", "train", "--data", empty, "--batch", "4"], "error: \(empty)"),
            (["caption", "train", "--data", scenes, "--batch", "64"], "is larger than the 12"),
            (["caption", "train", "--data", scenes, "--lr", "0"], "--lr"),
            (["caption", "train", "--data", scenes, "--epochs", "0"], "--epochs"),
            (["lm", "train", Fixtures.path("text/sonnets.txt"), "--steps", "0"], "--steps"),
        ] {
            let out = Fixtures.temporaryDirectory() + "/model"
            let result = try runGlimpse(arguments + ["--out", out])
            XCTAssertTrue([1, 64].contains(result.status), "\(arguments): \(result.status)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            XCTAssertEqual(
                result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1,
                result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(arguments) wrote --out")
        }
    }
}

/// Text appended from a reading thread.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func append(_ more: String) { lock.withLock { value += more } }
    var text: String { lock.withLock { value } }
}
