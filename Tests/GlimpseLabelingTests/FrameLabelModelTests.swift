// The frame labeller: gradients of L_c + λ_r·L_r against finite differences for every temporal
// model and ranking term, with and without the frame-difference input; the online labeller
// equal to the batched forward; a save/load round trip; and training that learns a label no
// single frame shows (the direction of motion).
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseTensor
import GlimpseTraining
import TestSupport
import XCTest

@testable import GlimpseLabeling

final class FrameLabelModelTests: XCTestCase {
    func configuration(
        _ temporal: TemporalModel, rank: RankLoss = .none, difference: Bool = false
    ) -> FrameLabelConfiguration {
        var configuration = FrameLabelConfiguration()
        configuration.labels = ["background", "left", "right"]
        configuration.encoder.channels = [3, 4]
        configuration.encoder.preprocessing.width = 8
        configuration.encoder.preprocessing.height = 8
        configuration.hidden = 5
        configuration.attention = 4
        configuration.poolingWindow = 2
        configuration.temporal = temporal
        configuration.rankLoss = rank
        configuration.lambdaR = 0.7
        configuration.frameDifference = difference
        return configuration
    }

    /// Every temporal model, with and without the frame-difference input.
    var variants: [(TemporalModel, Bool)] {
        TemporalModel.allCases.flatMap { [($0, false), ($0, true)] }
    }

    func testLossGradientsMatchFiniteDifferences() throws {
        // With cross-entropy alone: L_r holds its running maximum constant (a stop-gradient),
        // so finite differences of the whole loss differ from its gradient by design wherever a
        // hinge is active. L_r's own gradient is checked against a frozen-target reference in
        // RankingLossTests, and testTheRankingTermAddsToTheCrossEntropy checks how it is added.
        let labels = [[1, 1, 2], [0, 2]]
        for (temporal, difference) in variants {
            let model = try FrameLabelModel(
                configuration: configuration(temporal, difference: difference))
            let frames = sample([5, 3, 8, 8], seed: 4)
            checkGradients([frames], relativeTolerance: 3e-2, absoluteTolerance: 2e-3) {
                model.loss(frames: $0[0], labels: labels).loss
            }
            for parameter in [model.classifier.weight] + (model.attention?.parameters ?? []) {
                let original = parameter.value
                checkGradients([original], relativeTolerance: 3e-2, absoluteTolerance: 2e-3) {
                    parameter.value = $0[0]
                    return model.loss(frames: frames, labels: labels).loss
                }
                parameter.value = original
            }
            // Every parameter receives a gradient, with each ranking term too.
            for rank in RankLoss.allCases {
                let ranked = try FrameLabelModel(
                    configuration: configuration(temporal, rank: rank, difference: difference))
                ranked.loss(frames: frames, labels: labels).loss.backward()
                for parameter in ranked.parameters {
                    XCTAssertNotNil(parameter.gradient, "\(temporal) \(rank): \(parameter.name)")
                }
            }
        }
    }

    func testTheRankingTermAddsToTheCrossEntropy() throws {
        let frames = sample([6, 3, 8, 8], seed: 9)
        let labels = [[1, 1, 1, 2, 2, 2]]
        let plain = try FrameLabelModel(configuration: configuration(.lstm))
        let ranked = try FrameLabelModel(configuration: configuration(.lstm, rank: .score))
        let (withoutRank, crossEntropy) = plain.loss(frames: frames, labels: labels)
        let (withRank, same) = ranked.loss(frames: frames, labels: labels)
        XCTAssertEqual(crossEntropy, same)  // same seed, same weights
        XCTAssertEqual(withoutRank.scalar, crossEntropy)
        // L_r by hand through the layer function, on the same probabilities.
        let probabilities = withoutGradients {
            softmax(
                ranked.logits(frames: frames, lengths: [6]).reshaped(to: [6, 3]), axis: 1)
        }
        let expected = rankingLoss(.detectionScore, probabilities: probabilities, labels: labels[0])
        XCTAssertEqual(withRank.scalar, crossEntropy + 0.7 * expected.scalar, accuracy: 1e-6)
    }

    func testPaddingDoesNotChangeASequencesLogits() throws {
        for (temporal, difference) in variants {
            let model = try FrameLabelModel(
                configuration: configuration(temporal, difference: difference))
            let frames = sample([7, 3, 8, 8], seed: 2)
            let together = model.logits(frames: frames, lengths: [3, 4])  // [4, 2, 3]
            let alone = model.logits(frames: frames.slice(axis: 0, range: 0..<3), lengths: [3])
            for t in 0..<3 {
                assertClose(
                    together.slice(axis: 0, range: t..<(t + 1)).slice(axis: 1, range: 0..<1)
                        .reshaped(to: [3]),
                    alone.slice(axis: 0, range: t..<(t + 1)).reshaped(to: [3]),
                    "\(temporal) \(difference)")
            }
        }
    }

    func testTheOnlineLabellerEqualsTheBatchedForward() throws {
        for (temporal, difference) in variants {
            let model = try FrameLabelModel(
                configuration: configuration(temporal, difference: difference))
            let images = (0..<6).map { movingSquare(at: $0, size: 8) }
            let batched = withoutGradients {
                softmax(
                    model.logits(frames: model.input(images), lengths: [6]).reshaped(to: [6, 3]),
                    axis: 1
                ).scalars
            }
            var labeller = FrameLabeler(model: model)
            let online = images.flatMap { labeller.label($0) }
            XCTAssertEqual(online.count, batched.count)
            for (a, b) in zip(online, batched) {
                XCTAssertEqual(a, b, accuracy: 1e-5, "\(temporal) \(difference)")
            }
        }
    }

    func testTheFrameDifferenceInputRestartsWithEverySequence() {
        // Two sequences of 2 and 3 frames of one channel and two pixels each.
        let frames = Tensor(
            shape: [5, 1, 1, 2], scalars: [1, 2, 4, 8, 10, 20, 13, 19, 0, 30])
        let input = FrameLabelModel.withDifferences(frames, lengths: [2, 3])
        XCTAssertEqual(input.shape, [5, 2, 1, 2])
        XCTAssertEqual(
            input.scalars,
            [
                1, 2, 0, 0,  // first frame of the first sequence: no difference
                4, 8, 3, 6,
                10, 20, 0, 0,  // the second sequence starts afresh
                13, 19, 3, -1,
                0, 30, -13, 11,
            ])
    }

    func testTheFrameDifferenceInputSweepsSequenceLengthsAndCounts() {
        // Every length 1–12 as the first, a middle and the last sequence of 1–4 sequences, on
        // two channels of 3×2 pixels, against a plain loop over the sequences.
        let (channels, pixels) = (2, 6)
        for count in 1...4 {
            for length in 1...12 {
                for position in Set([0, count / 2, count - 1]) {
                    let lengths = (0..<count).map { $0 == position ? length : 1 + ($0 * 5) % 7 }
                    let frames = lengths.reduce(0, +)
                    let scalars = (0..<(frames * channels * pixels)).map {
                        Float(($0 * 37) % 101) - 50
                    }
                    let input = FrameLabelModel.withDifferences(
                        Tensor(shape: [frames, channels, 3, 2], scalars: scalars),
                        lengths: lengths)
                    var expected: [Float] = []
                    var start = 0
                    for sequenceLength in lengths {
                        for f in start..<(start + sequenceLength) {
                            let frame = Array(
                                scalars[(f * channels * pixels)..<((f + 1) * channels * pixels)])
                            let previous =
                                f == start
                                ? frame
                                : Array(
                                    scalars[
                                        ((f - 1) * channels * pixels)..<(f * channels * pixels)])
                            expected += frame + zip(frame, previous).map { $0 - $1 }
                        }
                        start += sequenceLength
                    }
                    XCTAssertEqual(input.shape, [frames, 2 * channels, 3, 2], "\(lengths)")
                    XCTAssertEqual(input.scalars, expected, "\(lengths)")
                }
            }
        }
    }

    func testFrameDifferenceAndTheEncodersInputMustAgree() throws {
        var configuration = configuration(.lstm, difference: true)
        XCTAssertEqual(configuration.encoder.inputChannels, 6)
        let model = try FrameLabelModel(configuration: configuration)
        XCTAssertEqual(
            model.parameters.first { $0.name == "encoder.conv1.weight" }?.value.shape, [3, 6, 3, 3])
        let directory = Fixtures.temporaryDirectory()
        try model.save(to: directory)
        XCTAssertEqual(try FrameLabelModel(contentsOf: directory).configuration, configuration)
        // A config.json whose encoder takes other channels than its frame_difference asks for.
        let text = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        try assertLoadingFails(
            directory,
            config: text.replacingOccurrences(
                of: "\"input_channels\" : 6", with: "\"input_channels\" : 3"),
            mentioning: "frame_difference")
        // Models written before the option existed read as RGB-only.
        try assertLoadingFails(
            directory,
            config: text.replacingOccurrences(of: "\"input_channels\" : 6,", with: "")
                .replacingOccurrences(of: "\"frame_difference\" : true,", with: ""),
            mentioning: "encoder.conv1.weight")
        configuration.encoder.inputChannels = 3
        XCTAssertThrowsError(try FrameLabelModel(configuration: configuration))
    }

    /// Writes `text` as the config.json of the model in `directory` and checks that loading
    /// it is refused with an error mentioning `expected`.
    func assertLoadingFails(
        _ directory: String, config text: String, mentioning expected: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        try text.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FrameLabelModel(contentsOf: directory), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(expected), "\($0)", file: file, line: line)
        }
    }

    func testSaveAndLoadRoundTrip() throws {
        let model = try FrameLabelModel(configuration: configuration(.attention, rank: .margin))
        let directory = Fixtures.temporaryDirectory()
        try model.save(to: directory)
        let loaded = try FrameLabelModel(contentsOf: directory)
        XCTAssertEqual(loaded.configuration, model.configuration)
        let frames = sample([3, 3, 8, 8], seed: 5)
        XCTAssertEqual(
            loaded.logits(frames: frames, lengths: [3]).scalars,
            model.logits(frames: frames, lengths: [3]).scalars)

        // A configuration that asks for more than the weights hold is refused by shape.
        let text = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        try assertLoadingFails(
            directory,
            config: text.replacingOccurrences(of: "\"hidden\" : 5", with: "\"hidden\" : 16384"),
            mentioning: "rnn.weight_ih_l0")
        try assertLoadingFails(
            directory, config: text.replacingOccurrences(of: "\"background\"", with: "\"other\""),
            mentioning: "labels")
    }

    /// A white 2×2 square on black at column `position` (mod the width) of a `size`² frame.
    func movingSquare(at position: Int, size: Int, row: Int = 3) -> Image {
        var image = Image(width: size, height: size, filledWith: [0, 0, 0])
        for y in row..<(row + 2) {
            for x in 0..<2 {
                let column = (position + x) % size
                for c in 0..<3 { image.pixels[(y * size + column) * 3 + c] = 255 }
            }
        }
        return image
    }

    func testTrainingLearnsTheDirectionOfMotion() throws {
        for difference in [false, true] {
            try checkTrainingLearnsTheDirectionOfMotion(difference: difference)
        }
    }

    func checkTrainingLearnsTheDirectionOfMotion(difference: Bool) throws {
        // Each clip: a square still (background), then moving left or right. Every frame alone
        // looks the same (one square somewhere), so only the motion tells the label.
        var clips: [LabelledClip] = []
        for index in 0..<8 {
            let right = index % 2 == 0
            let start = (index * 3) % 8
            var frames: [Image] = []
            var labels: [Int] = []
            for t in 0..<10 {
                let moving = t >= 3
                let position = moving ? (right ? start + (t - 3) : start + 16 - (t - 3)) : start
                frames.append(movingSquare(at: position, size: 8, row: index % 5))
                labels.append(moving ? (right ? 2 : 1) : 0)
            }
            clips.append(
                LabelledClip(
                    name: "\(index)", frames: frames, times: (0..<10).map(Double.init),
                    labels: labels))
        }
        var options = LabelTrainingOptions(outputDirectory: Fixtures.temporaryDirectory() + "/m")
        options.configuration = configuration(.lstm, rank: .score, difference: difference)
        options.configuration.hidden = 16
        options.configuration.encoder.channels = [8, 16]
        options.batchSize = 4
        options.learningRate = 0.01
        options.run.epochs = 60
        options.run.logEvery = 2
        let report = try LabelTraining.run(
            options, train: clips, validation: clips, data: DataFingerprint(["motion"]),
            display: .lines { _ in })
        let rows = try String(
            contentsOfFile: options.run.outputDirectory + "/training.jsonl", encoding: .utf8
        )
        .split(separator: "\n").compactMap { row -> Double? in
            guard row.contains("\"loss\"") else { return nil }
            return Double(row.components(separatedBy: "\"loss\":")[1].prefix { $0 != "," })
        }
        let first = try XCTUnwrap(rows.first)
        let last = try XCTUnwrap(rows.last)
        XCTAssertLessThan(last, first / 3, "difference \(difference): \(first) -> \(last)")
        XCTAssertGreaterThan(report.bestAccuracy ?? 0, 0.9, "difference \(difference)")
        let model = try FrameLabelModel(contentsOf: options.run.outputDirectory)
        XCTAssertEqual(model.labels, ["background", "left", "right"])
    }
}
