// Pipeline files: every kind of mistake is refused at load, naming the file, the stage and
// what was expected; a definition round-trips through its JSON to the same graph; a fan-out
// pairs its branches' results and is checked, explained and round-tripped as the rest.
import Foundation
import TestSupport
import XCTest

@testable import GlimpsePipeline

/// String → its length.
struct Length: Stage, Sendable {
    var name: String { "length" }
    func process(_ text: String) -> Int { text.count }
}

/// String → the same string; an empty one is refused.
struct NonEmpty: Stage, Sendable {
    var name: String { "non-empty" }
    func process(_ text: String) throws -> String {
        guard !text.isEmpty else { throw PipelineError.invalidRun("empty input") }
        return text
    }
}

/// Int → Int·factor, computed a batch at a time.
struct Scale: Stage, Sendable {
    var factor: Int
    var name: String { "scale" }
    func process(_ value: Int) -> Int { value * factor }
}

/// String → the same string, once the other branch's `Rendezvous` has arrived too: a fan-out
/// whose branches ran one after the other would wait for ever (here, until the timeout).
struct Rendezvous: Stage, @unchecked Sendable {
    let mine: DispatchSemaphore
    let theirs: DispatchSemaphore
    var name: String { "rendezvous" }
    func process(_ text: String) throws -> String {
        mine.signal()
        guard theirs.wait(timeout: .now() + 10) == .success else {
            throw PipelineError.invalidRun("the other branch never ran meanwhile")
        }
        return text
    }
}

let toyRegistry = StageRegistry(
    MediaStages.descriptors + [
        StageDescriptor(name: "length", summary: "characters in a string") { _, _ in Length() },
        StageDescriptor(name: "non-empty", summary: "refuses empty strings") { _, _ in NonEmpty() },
        StageDescriptor(
            name: "scale", summary: "multiplies",
            parameters: [StageParameter("factor", .int, required: true, "the factor")],
            batches: true, parallel: true
        ) { arguments, _ in Scale(factor: try arguments.int("factor", in: -100...100)) },
    ])

final class PipelineFileTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let path = Fixtures.temporaryDirectory() + "/pipeline.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ text: String) throws -> LoadedPipeline {
        try LoadedPipeline(
            contentsOf: try write(text), registry: toyRegistry, context: StageContext())
    }

    /// Loading `stages` (the inside of the file's stages list) fails naming the file, then
    /// `place`, then a message containing `expected`.
    func assertRefused(
        _ stages: String, input: String = "images", place: String, _ expected: String,
        line: UInt = #line
    ) throws {
        let text = #"{"pipeline": "t", "input": "\#(input)", "stages": [\#(stages)]}"#
        let path = try write(text)
        XCTAssertThrowsError(
            try LoadedPipeline(contentsOf: path, registry: toyRegistry, context: StageContext()),
            line: line
        ) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            XCTAssertTrue(message.hasPrefix("\(path): \(place)"), message, line: line)
            XCTAssertTrue(message.contains(expected), message, line: line)
        }
    }

    func testMistakesAreRefusedNamingFileStageAndExpectation() throws {
        try assertRefused(
            #"{"stage": "length"}, {"stage": "length"}"#, place: "stages[1] (length)",
            "takes String, but stage length gives Int")
        try assertRefused(
            #"{"stage": "scale", "factor": 2}"#, place: "stages[0] (scale)",
            "takes Int, but the input (images) gives String")
        try assertRefused(
            #"{"stage": "lenght"}"#, place: "stages[0] (lenght)", "unknown stage; the stages are")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale", "factor": "2"}"#,
            place: "stages[1] (scale)", "factor must be an integer, got \"2\"")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale", "factor": 2.5}"#,
            place: "stages[1] (scale)", "factor must be an integer, got 2.5")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale"}"#, place: "stages[1] (scale)",
            "factor is required")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale", "factor": 2, "facter": 3}"#,
            place: "stages[1] (scale)",
            "unknown parameter \"facter\"; it takes factor, batch, workers")
        try assertRefused(
            #"{"stage": "length", "workers": 2}"#, place: "stages[0] (length)",
            "unknown parameter \"workers\"; this stage takes none")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale", "factor": 200}"#,
            place: "stages[1] (scale)", "factor must be in -100...100, got 200")
        try assertRefused(
            #"{"stage": "length"}, {"stage": "scale", "factor": 2, "batch": 0}"#,
            place: "stages[1] (scale)", "batch must be in 1...4096, got 0")
        try assertRefused(
            #"{"stage": "decode-image"}"#, place: "stages[0]",
            "the last stage's output (Image) cannot be written as a result")
        try assertRefused(#""#, place: "stages", "no stages")
        try assertRefused(#"{"factor": 2}"#, place: "stages[0]", "each stage needs \"stage\"")
        try assertRefused(
            #"{"stage": "length"}"#, input: "rows", place: "stages[0] (length)",
            "takes String, but the input (rows) gives TextRow")
    }

    func testBrokenJSONNamesTheFile() throws {
        let path = try write(#"{"pipeline": "t", "input": "images", "stages": [{"stage": "#)
        XCTAssertThrowsError(try PipelineDefinition.read(path)) { error in
            XCTAssertTrue(
                (error as? LocalizedError)?.errorDescription?.hasPrefix(path + ": ") ?? false,
                "\(error)")
        }
        let unknownInput = try write(#"{"pipeline": "t", "input": "sounds", "stages": []}"#)
        XCTAssertThrowsError(try PipelineDefinition.read(unknownInput)) { error in
            XCTAssertTrue(
                (error as? LocalizedError)?.errorDescription?.contains("input") ?? false,
                "\(error)")
        }
    }

    func testUnknownTopLevelKeysAreRefusedNamingTheAcceptedOnes() throws {
        let misspelt = try write(
            #"{"pipeline": "t", "input": "images", "stages": [{"stage": "length"}], "stagse": []}"#
        )
        XCTAssertThrowsError(try PipelineDefinition.read(misspelt)) { error in
            XCTAssertEqual(
                (error as? LocalizedError)?.errorDescription,
                "\(misspelt): unknown key \"stagse\"; a pipeline file takes pipeline, "
                    + "description, input, stages")
        }
        let two = try write(
            #"{"pipeline": "t", "input": "images", "stages": [], "workers": 2, "batch": 8}"#)
        XCTAssertThrowsError(
            try LoadedPipeline(contentsOf: two, registry: toyRegistry, context: StageContext())
        ) { error in
            XCTAssertEqual(
                (error as? LocalizedError)?.errorDescription,
                "\(two): unknown keys \"batch\", \"workers\"; a pipeline file takes pipeline, "
                    + "description, input, stages")
        }
    }

    func testDefinitionRoundTripsToTheSameGraph() throws {
        let loaded = try load(
            #"""
            {"pipeline": "lengths", "description": "twice the length", "input": "images",
             "stages": [{"stage": "length"}, {"stage": "scale", "factor": 2, "batch": 8,
                         "workers": 3}]}
            """#)
        let path = Fixtures.temporaryDirectory() + "/again.json"
        try loaded.definition.json().write(to: URL(fileURLWithPath: path))
        let again = try LoadedPipeline(
            PipelineDefinition.read(path), path: loaded.path, registry: toyRegistry,
            context: StageContext())
        XCTAssertEqual(again.definition, loaded.definition)
        XCTAssertEqual(again.explanation(), loaded.explanation())
        XCTAssertEqual(loaded.steps.map(\.name), ["length", "scale"])
        XCTAssertEqual(loaded.steps.map(\.batchSize), [1, 8])
        XCTAssertEqual(loaded.steps.map(\.workers), [1, 3])
        XCTAssertEqual(loaded.steps.map(\.inputType), ["String", "Int"])
        XCTAssertTrue(
            loaded.explanation().contains("2. scale: Int → Int  batch 8, workers 3  factor=2"),
            loaded.explanation())
    }

    func testFanOutMistakesAreRefusedNamingTheBranchStage() throws {
        try assertRefused(
            #"{"fan_out": [[{"stage": "length"}]]}"#, place: "stages[0].fan_out",
            "a fan_out takes two branches (lists of stages), got 1")
        try assertRefused(
            #"{"fan_out": [[], [{"stage": "length"}]]}"#, place: "stages[0].fan_out[0]",
            "no stages")
        try assertRefused(
            #"{"stage": "length"}, {"fan_out": [[{"stage": "scale", "factor": 2}], [{"stage": "length"}]]}"#,
            place: "stages[1].fan_out[1][0] (length)", "takes String, but stage length gives Int")
        try assertRefused(
            #"{"fan_out": [[{"stage": "length"}], [{"stage": "length"}, {"stage": "scale"}]]}"#,
            place: "stages[0].fan_out[1][1] (scale)", "factor is required")
        try assertRefused(
            #"{"fan_out": [[{"stage": "length"}], [{"stage": "decode-image"}]]}"#,
            place: "stages[0].fan_out[1][0] (decode-image)",
            "the last stage's output (Image) cannot be written as a result")
        try assertRefused(
            #"{"fan_out": [[{"stage": "length"}], [{"stage": "length"}]]}, {"stage": "scale", "factor": 2}"#,
            place: "stages[1] (scale)", "takes Int, but the fan_out at stages[0] gives (Int, Int)")
        try assertRefused(
            #"{"fan_out": [[{"stage": "length"}], [{"stage": "length"}]], "batch": 2}"#,
            place: "stages[0].batch", "a fan_out entry takes no other key")
        try assertRefused(
            #"{"fan_out": [{"stage": "length"}, {"stage": "length"}]}"#,
            place: "stages[0].fan_out[0]", "expected")
    }

    func testFanOutPairsTheResultsOfItsBranches() throws {
        let loaded = try load(
            #"""
            {"pipeline": "both", "input": "images", "stages": [
              {"fan_out": [
                [{"stage": "length"}],
                [{"stage": "non-empty"}, {"stage": "length"},
                 {"stage": "scale", "factor": 3, "batch": 2, "workers": 4}]]}]}
            """#)
        XCTAssertEqual(loaded.steps.map(\.name), ["fan_out"])
        XCTAssertEqual(loaded.steps[0].inputType, "String")
        XCTAssertEqual(loaded.steps[0].outputType, "(Int, Int)")
        XCTAssertEqual(loaded.steps[0].batchSize, 2, "the largest batch of its stages")
        XCTAssertEqual(
            loaded.steps[0].branches.map { $0.map(\.name) },
            [
                ["length"], ["non-empty", "length", "scale"],
            ])
        XCTAssertEqual(
            loaded.definition.stageNames,
            [
                "length", "non-empty", "length", "scale",
            ])
        XCTAssertEqual(
            loaded.definition.stages.map(\.outline),
            ["fan_out(length | non-empty → length → scale)"])
        XCTAssertEqual(
            loaded.explanation().split(separator: "\n").dropFirst(2).map(String.init),
            [
                "  1. fan_out: String → (Int, Int)  batch 2, workers 1",
                "     branch 1:",
                "       1. length: String → Int  batch 1, workers 1",
                "     branch 2:",
                "       1. non-empty: String → String  batch 1, workers 1",
                "       2. length: String → Int  batch 1, workers 1",
                "       3. scale: Int → Int  batch 2, workers 1  factor=3",
                "  output: one JSON line per input, its result the (Int, Int) as JSON (an array "
                    + "of the two results)",
            ])

        // Round trip: the same definition, the same graph.
        let path = Fixtures.temporaryDirectory() + "/again.json"
        try loaded.definition.json().write(to: URL(fileURLWithPath: path))
        let again = try LoadedPipeline(
            PipelineDefinition.read(path), path: loaded.path, registry: toyRegistry,
            context: StageContext())
        XCTAssertEqual(again.definition, loaded.definition)
        XCTAssertEqual(again.explanation(), loaded.explanation())

        // Run: each input's line holds the pair of results, in order; an input one branch
        // refuses is one error line.
        let out = Fixtures.temporaryDirectory() + "/both.jsonl"
        let inputs = ["a", "", "abc", "abcdefg", "ab"]
        for overlapped in [true, false] {
            try? FileManager.default.removeItem(atPath: out)
            let report = try BatchRun(
                pipeline: loaded, options: ExecutionOptions(overlapped: overlapped)
            ).run(
                inputs.enumerated().map { PipelineItem(id: "in\($0.offset)", value: $0.element) },
                into: try ResultLog(appendingTo: out, resume: false))
            XCTAssertEqual(report.written, 5)
            XCTAssertEqual(report.failed, 1)
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
                .map {
                    try XCTUnwrap(
                        JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                }
            XCTAssertEqual(lines.map { $0["input"] as? String }, (0..<5).map { "in\($0)" })
            XCTAssertEqual(lines[1]["ok"] as? Bool, false)
            XCTAssertEqual(lines[1]["error"] as? String, "empty input")
            for (line, text) in zip(lines, inputs) where !text.isEmpty {
                XCTAssertEqual(line["result"] as? [Int], [text.count, 3 * text.count], text)
            }
        }
    }

    func testOverridesReplaceBatchAndWorkersOfStagesThatHaveThem() throws {
        let path = try write(
            #"{"pipeline": "t", "input": "images", "stages": [{"stage": "length"}, {"stage": "scale", "factor": 2}]}"#
        )
        let loaded = try LoadedPipeline(
            contentsOf: path, registry: toyRegistry, context: StageContext(), batch: 5, workers: 4)
        XCTAssertEqual(loaded.steps.map(\.batchSize), [1, 5])
        XCTAssertEqual(loaded.steps.map(\.workers), [1, 4])
    }

    func testShippedPipelineFilesParse() throws {
        let folder = Fixtures.root.appendingPathComponent("pipelines").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["caption.json", "label-frames.json", "vqa.json"])
        for name in names {
            let definition = try PipelineDefinition.read(folder + "/" + name)
            XCTAssertEqual(definition.pipeline + ".json", name)
        }
    }

    func testFanOutBranchesRunAtTheSameTime() throws {
        let (a, b) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let first = PipelineStep(Rendezvous(mine: a, theirs: b))
        let second = [PipelineStep(Rendezvous(mine: b, theirs: a)), PipelineStep(Length())]
        let step = PipelineStep(fanOut: [first], second)
        var results: [String] = []
        _ = try PipelineExecutor(steps: [step]).run(
            ["x", "yy", "zzz"].map { PipelineItem(id: $0, value: $0) }
        ) { _, _, result in
            let (text, length) = try XCTUnwrap(try result.get() as? (Any, Any))
            results.append("\(text) \(length)")
        }
        XCTAssertEqual(results, ["x 1", "yy 2", "zzz 3"])
    }
}
