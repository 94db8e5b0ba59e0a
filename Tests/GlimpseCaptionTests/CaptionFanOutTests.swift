// A fan-out in a pipeline file with real stages: each decoded scene goes to a greedy and a
// beam-search captioner (the first branch also drawing its attention maps), and each result
// line pairs the two captions, equal to calling the shipped model directly both ways.
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseTensor
import GlimpseVision
import TestSupport
import XCTest

final class CaptionFanOutTests: XCTestCase {
    func testOneDecodedImageGoesToTwoCaptionersAndTheResultsArePaired() throws {
        let shipped = Fixtures.root.appendingPathComponent("models/captioner").path
        let model = try CaptionModel(contentsOf: shipped)
        let paths = Array(Fixtures.files(in: "scenes/images", withExtension: "png").prefix(5))
        let maps = Fixtures.temporaryDirectory() + "/maps"
        let definition = try JSONDecoder().decode(
            PipelineDefinition.self,
            from: Data(
                """
                {"pipeline": "greedy-and-beam", "input": "images", "stages": [
                  {"stage": "decode-image"},
                  {"fan_out": [
                    [{"stage": "preprocess", "model": "captioner"},
                     {"stage": "caption", "model": "captioner", "beam": 1, "batch": 2},
                     {"stage": "write-attention-maps", "dir": "\(maps)", "model": "captioner"}],
                    [{"stage": "preprocess", "model": "captioner"},
                     {"stage": "caption", "model": "captioner", "beam": 3, "batch": 4}]]}]}
                """.utf8))
        let pipeline = try LoadedPipeline(
            definition, path: "greedy-and-beam.json",
            registry: StageRegistry(
                MediaStages.descriptors + [Preprocess.descriptor] + CaptionStages.descriptors),
            context: StageContext { _ in shipped })
        XCTAssertEqual(pipeline.steps.last?.outputType, "(CaptionResult, CaptionResult)")

        let inputs = try paths.map {
            model.configuration.encoder.preprocessing.resized(
                try Image(contentsOf: $0, layout: .rgb))
        }
        let features = withoutGradients { model.features(of: inputs) }
        let greedy = try model.captions(for: features, beamWidth: 1).map(\.text)
        let beam = try model.captions(for: features, beamWidth: 3).map(\.text)

        let out = Fixtures.temporaryDirectory() + "/pairs.jsonl"
        var pairs: [(String, String)] = []
        let report = try BatchRun(pipeline: pipeline).run(
            RunInputs.items(paths, kind: .images),
            into: try ResultLog(appendingTo: out, resume: false)
        ) { _, result in
            let pair = try XCTUnwrap(try result.get() as? (CaptionResult, CaptionResult))
            pairs.append((pair.0.caption.text, pair.1.caption.text))
        }
        XCTAssertEqual(report.failed, 0)
        XCTAssertEqual(pairs.map(\.0), greedy)
        XCTAssertEqual(pairs.map(\.1), beam)

        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, paths.count)
        for (index, line) in lines.enumerated() {
            let object = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["input"] as? String, paths[index])
            let results = try XCTUnwrap(object["result"] as? [[String: Any]])
            XCTAssertEqual(
                results.map { $0["caption"] as? String }, [greedy[index], beam[index]])
            // The writer inside the branch named its file after the run's input.
            let name = ((paths[index] as NSString).lastPathComponent as NSString)
                .deletingPathExtension
            let sheet = try Image(contentsOf: maps + "/\(name).png", layout: .rgb)
            XCTAssertGreaterThan(sheet.width, inputs[index].width)
        }
    }
}
