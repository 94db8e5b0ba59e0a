// The decoders: gradients, a loss that training lowers, greedy and beam search, save and load.
import Foundation
import GlimpseCaption
import GlimpseLayers
import GlimpseMedia
import GlimpseTensor
import GlimpseVision
import TestSupport
import XCTest

final class CaptionModelTests: XCTestCase {
    /// A tiny model: 16×16 inputs, a 4×4 grid of 8 features, 12-word vocabulary.
    func tinyModel(_ decoder: DecoderKind, seed: UInt64 = 1) -> CaptionModel {
        var configuration = CaptionModelConfiguration()
        configuration.decoder = decoder
        configuration.encoder.channels = [4, 8]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        configuration.embedding = 6
        configuration.hidden = 10
        configuration.attention = 7
        configuration.maxLength = 6
        configuration.seed = seed
        let vocabulary = CaptionVocabulary(
            captions: ["a red circle", "a blue square", "a green triangle", "left right"])
        return CaptionModel(configuration: configuration, vocabulary: vocabulary)
    }

    /// Red, blue or green 16×16 pictures, each captioned with its colour.
    func colourSet() -> (images: [Image], captions: [[Int]], model: CaptionModel) {
        let model = tinyModel(.attention)
        let colours: [([UInt8], String)] = [
            ([220, 30, 30], "a red circle"), ([30, 30, 220], "a blue square"),
            ([30, 200, 30], "a green triangle"),
        ]
        let images = colours.map { Image(width: 16, height: 16, filledWith: $0.0) }
        let captions = colours.map {
            [CaptionVocabulary.start] + model.vocabulary.encode($0.1) + [CaptionVocabulary.end]
        }
        return (images, captions, model)
    }

    func testDecoderGradientsMatchFiniteDifferences() {
        for kind in DecoderKind.allCases {
            let model = tinyModel(kind)
            let features = sample([2, 16, 8], seed: 3)
            let captions = [[1, 4, 5, 2], [1, 6, 2]]
            checkGradients([features], relativeTolerance: 2e-2, absoluteTolerance: 2e-3) {
                model.decoder.loss(
                    features: $0[0], captions: captions, attentionRegularization: 0.5
                ).total
            }
            // Every decoder parameter receives a gradient.
            model.decoder.loss(features: features, captions: captions, attentionRegularization: 0.5)
                .total.backward()
            for parameter in model.store.parameters where parameter.name.hasPrefix("decoder.") {
                XCTAssertNotNil(parameter.gradient, "\(kind): \(parameter.name)")
            }
        }
    }

    func testTrainingLearnsAColourToCaptionMapping() throws {
        let (images, captions, model) = colourSet()
        let input = model.configuration.encoder.preprocessing.tensor(images)
        var adam = Adam(parameters: model.store.parameters, learningRate: 0.02)
        var first: Float = 0
        var last: Float = 0
        for step in 0..<150 {
            let (loss, words) = model.decoder.loss(
                features: model.encoder(input), captions: captions, attentionRegularization: 0)
            loss.backward()
            adam.step()
            if step == 0 { first = words }
            last = words
        }
        XCTAssertGreaterThan(first, 2)  // about ln 15 at the start
        XCTAssertLessThan(last, 0.05)
        let features = withoutGradients { model.features(of: images) }
        XCTAssertEqual(
            try model.captions(for: features).map(\.text),
            ["a red circle", "a blue square", "a green triangle"])
        // Beam search finds captions at least as likely as greedy decoding.
        let greedy = try model.captions(for: features, beamWidth: 1)
        let beam = try model.captions(for: features, beamWidth: 3)
        for (g, b) in zip(greedy, beam) {
            XCTAssertGreaterThanOrEqual(
                b.logProbability / Float(b.tokens.count + 1),
                g.logProbability / Float(g.tokens.count + 1) - 1e-4)
            XCTAssertEqual(b.attention.count, b.tokens.count)
            XCTAssertEqual(b.attention.first?.count, 16)
        }
    }

    func testLengthPenaltyZeroRanksBeamsByTotalLogProbability() throws {
        // An untrained model gives captions of varied lengths: with α = 0 beam search picks the
        // caption of highest total log-probability among those it finished, with α = 1 that of
        // highest mean, so α = 0's totals are never lower, and the two differ on some images.
        let model = tinyModel(.attention, seed: 7)
        var generator = SplitMix64(seed: 8)
        let features = withoutGradients {
            model.encoder(Tensor(randomNormal: [12, 3, 16, 16], using: &generator))
        }
        let total = try model.captions(for: features, beamWidth: 3, lengthPenalty: 0)
        let mean = try model.captions(for: features, beamWidth: 3, lengthPenalty: 1)
        XCTAssertEqual(
            try model.captions(for: features, beamWidth: 3).map(\.tokens), mean.map(\.tokens),
            "the configuration's default, 1")
        for (byTotal, byMean) in zip(total, mean) {
            XCTAssertGreaterThanOrEqual(byTotal.logProbability, byMean.logProbability - 1e-5)
        }
        XCTAssertTrue(zip(total, mean).contains { $0.tokens != $1.tokens })
    }

    func testConfigurationLengthPenaltyIsOptionalAndChecked() throws {
        var configuration = CaptionModelConfiguration()
        configuration.lengthPenalty = 0.5
        let json = try JSONEncoder().encode(configuration)
        let decoded = try JSONDecoder().decode(CaptionModelConfiguration.self, from: json)
        XCTAssertEqual(decoded, configuration)
        // Configurations saved before the key existed rank by mean log-probability (α = 1).
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["length_penalty"] = nil
        let older = try JSONSerialization.data(withJSONObject: object)
        XCTAssertEqual(
            try JSONDecoder().decode(CaptionModelConfiguration.self, from: older).lengthPenalty, 1)
        object["length_penalty"] = -1
        XCTAssertThrowsError(
            try JSONDecoder().decode(
                CaptionModelConfiguration.self,
                from: try JSONSerialization.data(withJSONObject: object)))
    }

    func testSaveAndLoadRoundTripAndRefuseMismatches() throws {
        let model = tinyModel(.attention, seed: 4)
        let directory = Fixtures.temporaryDirectory() + "/model"
        try model.save(to: directory)
        let loaded = try CaptionModel(contentsOf: directory)
        XCTAssertEqual(loaded.configuration, model.configuration)
        for parameter in model.store.parameters {
            XCTAssertEqual(loaded.store[parameter.name]?.value.scalars, parameter.value.scalars)
        }
        // Weights from two saves, as an interrupted save between the two files leaves them.
        let other = Fixtures.temporaryDirectory() + "/other"
        try model.save(to: other)
        let decoderPath = directory + "/decoder.safetensors"
        let savedDecoder = try Data(contentsOf: URL(fileURLWithPath: decoderPath))
        try FileManager.default.removeItem(atPath: decoderPath)
        try FileManager.default.copyItem(
            atPath: other + "/decoder.safetensors", toPath: decoderPath)
        XCTAssertThrowsError(try CaptionModel(contentsOf: directory)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("different saves"), "\($0)")
        }
        try savedDecoder.write(to: URL(fileURLWithPath: decoderPath))
        XCTAssertNoThrow(try CaptionModel(contentsOf: directory))
        // A vocabulary that does not belong to the weights.
        try #"["<pad>", "<start>", "<end>", "<unk>", "a"]"#.write(
            toFile: directory + "/vocab.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CaptionModel(contentsOf: directory)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("shape mismatch"), "\($0)")
        }
        XCTAssertThrowsError(try CaptionModel(contentsOf: Fixtures.temporaryDirectory())) {
            XCTAssertTrue("\($0.localizedDescription)".contains("missing config.json"), "\($0)")
        }
    }
}
