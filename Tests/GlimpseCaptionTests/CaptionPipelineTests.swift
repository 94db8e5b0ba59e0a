// pipelines/caption.json run over the fixture scenes gives exactly the captions of calling the
// shipped model directly, batch size and overlap notwithstanding.
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseTensor
import GlimpseVision
import TestSupport
import XCTest

final class CaptionPipelineTests: XCTestCase {
    func testThePipelineFileCaptionsAsTheModelDoes() throws {
        let shipped = Fixtures.root.appendingPathComponent("models/captioner").path
        let paths = Fixtures.files(in: "scenes/images", withExtension: "png")
        let model = try CaptionModel(contentsOf: shipped)
        let images = try paths.map { try Image(contentsOf: $0, layout: .rgb) }
        let direct = try model.captions(
            for: withoutGradients { model.features(of: images) }, beamWidth: 3)

        let registry = StageRegistry(
            MediaStages.descriptors + [Preprocess.descriptor] + CaptionStages.descriptors)
        for batch in [1, 5, 32] {
            let pipeline = try LoadedPipeline(
                contentsOf: Fixtures.root.appendingPathComponent("pipelines/caption.json").path,
                registry: registry, context: StageContext { _ in shipped }, batch: batch)
            var captions: [String] = []
            var logProbabilities: [Float] = []
            let report = try PipelineExecutor(steps: pipeline.steps).run(
                paths.map { PipelineItem(id: $0, value: $0) }
            ) { _, _, result in
                let caption = try XCTUnwrap(try result.get() as? CaptionResult).caption
                captions.append(caption.text)
                logProbabilities.append(caption.logProbability)
            }
            XCTAssertEqual(report.delivered, paths.count)
            XCTAssertEqual(captions, direct.map(\.text), "batch \(batch)")
            for (got, expected) in zip(logProbabilities, direct.map(\.logProbability)) {
                XCTAssertEqual(got, expected, accuracy: 1e-4, "batch \(batch)")
            }
        }
    }
}
