// SIGTERM and SIGINT during `lm train` and `caption train`: the step in flight finishes, a
// checkpoint is written at the step printed, the process exits 143 / 130, and `--resume` ends
// with weights bit-identical to a run that was never interrupted. SIGKILL loses at most the
// steps since the last scheduled checkpoint. Time budgets bound the run and its ETA.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class TrainingInterruptionTests: XCTestCase {
    let text = Fixtures.path("text/sonnets.txt")

    func lmArguments(_ out: String, steps: Int = 400) -> [String] {
        [
            "lm", "train", text, "--out", out, "--hidden", "16", "--embedding", "8", "--batch", "4",
            "--steps", "\(steps)", "--log-every-seconds", "0.001", "--sample-every", "0",
            "--checkpoint-every", "100000",
        ]
    }

    /// Starts `glimpse arguments`, waits until a line of its progress (standard error) contains
    /// `marker`, sends `signal` and returns the exit status and all its progress output. Fails
    /// after 60 s without the marker.
    func interrupt(_ arguments: [String], after marker: String, with signal: Int32) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: glimpseExecutable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = out
        try process.run()
        var output = ""
        let deadline = Date().addingTimeInterval(60)
        while !output.contains(marker) && Date() < deadline && process.isRunning {
            output += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        XCTAssertTrue(output.contains(marker), "never printed \(marker): \(output.suffix(300))")
        kill(process.processIdentifier, signal)
        output += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The step in the last `interrupted at epoch E, step S; resume with --resume` line.
    func interruptedStep(_ output: String) -> Int? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("interrupted") })
        else { return nil }
        return line.split(separator: " ").firstIndex(of: "step").flatMap {
            Int(line.split(separator: " ")[$0 + 1].filter(\.isNumber))
        }
    }

    func checkpointStep(_ directory: String) throws -> Int? {
        let state = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: directory + "/checkpoint/state.json")))
        return (state as? [String: Any])?["step"] as? Int
    }

    func testLanguageModelStopsOnSignalsAndResumesBitIdentically() throws {
        let straight = Fixtures.temporaryDirectory() + "/straight"
        XCTAssertEqual(try runGlimpse(lmArguments(straight)).status, 0)
        let expected = try Safetensors.read(path: straight + "/checkpoint/model.safetensors")

        for (signal, status) in [(SIGTERM, Int32(143)), (SIGINT, 130)] {
            let out = Fixtures.temporaryDirectory() + "/interrupted"
            let run = try interrupt(lmArguments(out), after: "step 20/", with: signal)
            XCTAssertEqual(run.status, status, run.output.suffix(300).description)
            let step = try XCTUnwrap(
                interruptedStep(run.output), run.output.suffix(300).description)
            XCTAssertGreaterThanOrEqual(step, 20)
            XCTAssertLessThan(step, 400)
            XCTAssertEqual(try checkpointStep(out), step)
            XCTAssertTrue(run.output.contains("resume with --resume"))

            let resumed = try runGlimpse(lmArguments(out) + ["--resume"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            let weights = try Safetensors.read(path: out + "/checkpoint/model.safetensors")
            XCTAssertEqual(Set(weights.tensors.keys), Set(expected.tensors.keys))
            for (name, tensor) in expected.tensors {
                XCTAssertEqual(weights.tensors[name]?.scalars, tensor.scalars, "\(signal): \(name)")
            }
        }
    }

    func testCaptionTrainingStopsOnSIGINTWithACheckpointAtThePrintedStep() throws {
        let out = Fixtures.temporaryDirectory() + "/model"
        let arguments = [
            "caption", "train", "--data", Fixtures.path("scenes"), "--out", out, "--epochs",
            "1000", "--batch", "2", "--log-every-seconds", "0.001",
        ]
        let run = try interrupt(arguments, after: "step 2/", with: SIGINT)
        XCTAssertEqual(run.status, 130, run.output.suffix(300).description)
        let step = try XCTUnwrap(interruptedStep(run.output), run.output.suffix(300).description)
        XCTAssertEqual(try checkpointStep(out), step)
        let resumed = try runGlimpse(arguments.map { $0 == "1000" ? "1" : $0 } + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
    }

    func testCheckpointsEveryNStepsSurviveSIGKILLAndResumeBitIdentically() throws {
        let straight = Fixtures.temporaryDirectory() + "/straight"
        XCTAssertEqual(try runGlimpse(lmArguments(straight, steps: 60)).status, 0)
        let out = Fixtures.temporaryDirectory() + "/killed"
        let run = try interrupt(
            lmArguments(out) + ["--checkpoint-every", "5"], after: "step 23/", with: SIGKILL)
        XCTAssertEqual(run.status, SIGKILL)
        let saved = try XCTUnwrap(try checkpointStep(out))
        XCTAssertEqual(saved % 5, 0)
        XCTAssertGreaterThanOrEqual(saved, 20)
        XCTAssertEqual(try runGlimpse(lmArguments(out, steps: 60) + ["--resume"]).status, 0)
        let expected = try Safetensors.read(path: straight + "/checkpoint/model.safetensors")
        let weights = try Safetensors.read(path: out + "/checkpoint/model.safetensors")
        for (name, tensor) in expected.tensors {
            XCTAssertEqual(weights.tensors[name]?.scalars, tensor.scalars, name)
        }

        // Caption training checkpoints inside an epoch too (6 steps an epoch here).
        let model = Fixtures.temporaryDirectory() + "/model"
        let caption = try interrupt(
            [
                "caption", "train", "--data", Fixtures.path("scenes"), "--out", model,
                "--epochs", "1000", "--batch", "2", "--log-every-seconds", "0.001",
                "--checkpoint-every",
                "3",
            ], after: "step 5/6", with: SIGKILL)
        XCTAssertEqual(caption.status, SIGKILL)
        let captionStep = try XCTUnwrap(try checkpointStep(model))
        XCTAssertEqual(captionStep % 3, 0)
        XCTAssertGreaterThan(captionStep, 0)
    }

    func testMaxSecondsAloneBoundsTheRunAndTheETA() throws {
        let out = Fixtures.temporaryDirectory() + "/timed"
        let result = try runGlimpse([
            "lm", "train", text, "--out", out, "--hidden", "8", "--embedding", "4", "--batch", "2",
            "--log-every-seconds", "0.2", "--sample-every", "0", "--max-seconds", "1.5",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("\r"), "carriage return when not a terminal")
        let progress = result.stderr.split(separator: "\n").filter { $0.contains("  eta ") }
        XCTAssertFalse(progress.isEmpty, result.stderr)
        for line in progress {
            let words = line.split(separator: " ")
            let counter = try XCTUnwrap(words.firstIndex(of: "step").map { words[$0 + 1] })
            XCTAssertNotNil(Int(counter), "no step total without --steps: \(line)")
            let eta = try XCTUnwrap(line.components(separatedBy: "eta ").last)
            XCTAssertTrue(
                ["0:00", "0:01", "0:02"].contains(eta), "eta past --max-seconds: \(line)")
        }
        XCTAssertTrue(result.stderr.contains("(--max-seconds)"), result.stderr)
    }
}
