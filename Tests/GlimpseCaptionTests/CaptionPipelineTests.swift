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

    func testDecodeCaptionsRefusesAGridOfAnotherModelAlone() throws {
        // encode-image with one model and decode-captions with another: the grids of the other
        // model fail one by one, naming the cause; the others are captioned as on their own.
        let shipped = try CaptionModel(
            contentsOf: Fixtures.root.appendingPathComponent("models/captioner").path)
        var configuration = CaptionModelConfiguration()
        configuration.encoder.channels = [4, 8]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        let other = CaptionModel(
            configuration: configuration, vocabulary: CaptionVocabulary(captions: ["a red circle"]))
        let images = try Fixtures.files(in: "scenes/images", withExtension: "png").prefix(2).map {
            try Image(contentsOf: $0, layout: .rgb)
        }
        let grids = try EncodeImages(model: shipped).process(batch: images).map { try $0.get() }
        let foreign = try EncodeImages(model: other).process(images[0])
        let decoder = DecodeCaptions(model: shipped, search: CaptionSearch(beamWidth: 2))
        let results = decoder.process(batch: [grids[0], foreign, grids[1]])
        XCTAssertEqual(results.count, 3)
        XCTAssertThrowsError(try results[1].get()) {
            XCTAssertTrue("\($0)".contains("need the same model"), "\($0)")
        }
        let alone = decoder.process(batch: grids)
        for (got, expected) in zip([results[0], results[2]], alone) {
            XCTAssertEqual(try got.get().caption.tokens, try expected.get().caption.tokens)
        }
        XCTAssertThrowsError(try decoder.process(foreign))
        // A model of the same shapes with other weights is refused as well; another copy of
        // the same save is the same model.
        let lookalike = CaptionModel(
            configuration: shipped.configuration, vocabulary: shipped.vocabulary)
        XCTAssertThrowsError(
            try DecodeCaptions(model: lookalike, search: CaptionSearch(beamWidth: 2)).process(
                grids[0])
        ) { XCTAssertTrue("\($0)".contains("need the same model"), "\($0)") }
        let again = try CaptionModel(
            contentsOf: Fixtures.root.appendingPathComponent("models/captioner").path)
        XCTAssertEqual(
            try DecodeCaptions(model: again, search: CaptionSearch(beamWidth: 2)).process(grids[0])
                .caption.tokens,
            try alone[0].get().caption.tokens)
    }
}
