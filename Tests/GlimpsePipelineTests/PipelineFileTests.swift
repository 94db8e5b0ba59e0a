// Pipeline files: every kind of mistake is refused at load, naming the file, the stage and
// what was expected; a definition round-trips through its JSON to the same graph.
import Foundation
import GlimpsePipeline
import TestSupport
import XCTest

/// String → its length.
struct Length: Stage, Sendable {
    var name: String { "length" }
    func process(_ text: String) -> Int { text.count }
}

/// Int → Int·factor, computed a batch at a time.
struct Scale: Stage, Sendable {
    var factor: Int
    var name: String { "scale" }
    func process(_ value: Int) -> Int { value * factor }
}

let toyRegistry = StageRegistry(
    MediaStages.descriptors + [
        StageDescriptor(name: "length", summary: "characters in a string") { _, _ in Length() },
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
}
