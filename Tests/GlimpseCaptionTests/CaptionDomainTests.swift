// A captioning model's domain: feature statistics against hand-worked values, calibration on
// scenes, the domain file's round trip, and refusal of a file that belongs to other weights.
import Foundation
import GlimpseCaption
import GlimpseScenes
import GlimpseTensor
import GlimpseVision
import TestSupport
import XCTest

final class CaptionDomainTests: XCTestCase {
    func testStatisticsAndDistancesMatchHandWorkedValues() throws {
        // Two images, one location, two channels: [1, 2] and [3, 6].
        var fit = FeatureDomain.Fit(locations: 1, channels: 2)
        fit.add(Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 6]))
        var domain = try XCTUnwrap(fit.domain())
        XCTAssertEqual(domain.mean, [2, 4])
        // Population deviations 1 and 2; the floor (0.1 · 1.5) does not bind.
        XCTAssertEqual(domain.deviation[0], 1, accuracy: 1e-6)
        XCTAssertEqual(domain.deviation[1], 2, accuracy: 1e-6)
        // [4, 4]: z = (2, 0), distance √((4 + 0) / 2) = √2.
        let distances = domain.distances(Tensor(shape: [1, 1, 2], scalars: [4, 4]))
        XCTAssertEqual(distances[0], Float(2).squareRoot(), accuracy: 1e-6)
        domain.locationThreshold = 1.5
        XCTAssertEqual(
            domain.unlikeShares(Tensor(shape: [2, 1, 2], scalars: [4, 4, 2, 4])), [0, 0])
        domain.locationThreshold = 1.4
        XCTAssertEqual(
            domain.unlikeShares(Tensor(shape: [2, 1, 2], scalars: [4, 4, 2, 4])), [1, 0])

        // A channel constant over the training images gets the floor, not zero.
        var constant = FeatureDomain.Fit(locations: 2, channels: 1)
        constant.add(Tensor(shape: [2, 2, 1], scalars: [5, 0, 5, 2]))
        let floored = try XCTUnwrap(constant.domain())
        // Deviations 0 and 1: floor 0.1 · 0.5 + 10⁻⁶.
        XCTAssertEqual(floored.deviation[0], 0.05, accuracy: 1e-5)
        XCTAssertEqual(floored.deviation[1], 1, accuracy: 1e-6)
        XCTAssertNil(FeatureDomain.Fit(locations: 1, channels: 1).domain(), "no images")
        XCTAssertNil(
            FeatureDomain(
                locations: 1, channels: 2, mean: [0, 0], deviation: [1, 0], locationThreshold: 1))
    }

    /// A small model trained for a few steps on 40 scenes, saved to a temporary directory.
    func trainedModel() throws -> (directory: String, data: String) {
        let data = Fixtures.temporaryDirectory() + "/scenes"
        _ = try SceneDatasetWriter(generator: SceneGenerator(seed: 5)).write(count: 40, to: data)
        let out = Fixtures.temporaryDirectory() + "/model"
        var options = CaptionTrainingOptions(dataPath: data, outputDirectory: out)
        options.configuration.encoder.channels = [4, 8, 8]
        options.configuration.embedding = 8
        options.configuration.hidden = 12
        options.configuration.attention = 6
        options.epochs = 1
        options.batchSize = 16
        options.validationFraction = 0.25
        let report = try CaptionTraining.run(options, log: { _ in })
        let calibration = try XCTUnwrap(report.calibration, "training calibrates")
        XCTAssertEqual(calibration.heldOutImages, 10)
        XCTAssertEqual(calibration.fittedImages, 30)
        return (out, data)
    }

    func testTrainingCalibratesAndTheDomainFileRoundTrips() throws {
        let (directory, _) = try trainedModel()
        let model = try CaptionModel(contentsOf: directory)
        let domain = try XCTUnwrap(model.domain)
        XCTAssertEqual(domain.features.locations, 64)
        XCTAssertEqual(domain.features.channels, 8)
        XCTAssertGreaterThan(domain.unlikeShareThreshold, 0)
        XCTAssertLessThan(domain.meanLogProbabilityThreshold, 0)

        // Saving again keeps the domain, bound to the new save.
        let copy = Fixtures.temporaryDirectory() + "/copy"
        try model.save(to: copy)
        XCTAssertEqual(try CaptionModel(contentsOf: copy).domain, domain)

        // A model saved without a domain removes the file that described other weights.
        var bare = model
        bare.domain = nil
        try bare.save(to: copy)
        XCTAssertNil(try CaptionModel(contentsOf: copy).domain)
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy + "/domain.safetensors"))

        // The domain file of one save beside the weights of another is refused.
        try model.save(to: copy)
        try FileManager.default.removeItem(atPath: copy + "/domain.safetensors")
        try FileManager.default.copyItem(
            atPath: directory + "/domain.safetensors", toPath: copy + "/domain.safetensors")
        XCTAssertThrowsError(try CaptionModel(contentsOf: copy)) {
            let message = ($0 as? CaptionError)?.errorDescription ?? "\($0)"
            XCTAssertTrue(
                message.hasPrefix(copy + "/domain.safetensors: calibrated for other weights"),
                message)
        }
    }

    func testMalformedDomainFilesAreRefusedNamingWhatIsWrong() throws {
        let (directory, _) = try trainedModel()
        let path = directory + "/domain.safetensors"
        let good = try Safetensors.read(path: path)
        let cases: [(String, SafetensorsFile)] = [
            (
                "metadata unlike_share_threshold must be a number in 0.0...1.0, got \"2\"",
                SafetensorsFile(
                    tensors: good.tensors,
                    metadata: good.metadata.merging(["unlike_share_threshold": "2"]) { $1 })
            ),
            (
                "needs the tensors feature_mean and feature_deviation",
                SafetensorsFile(tensors: [:], metadata: good.metadata)
            ),
            (
                "feature_mean and feature_deviation must be [64, 8] (the encoder's grid), got "
                    + "[8, 64] and [64, 8]",
                SafetensorsFile(
                    tensors: good.tensors.merging([
                        "feature_mean": Tensor(
                            shape: [8, 64], scalars: [Float](repeating: 0, count: 512))
                    ]) { $1 }, metadata: good.metadata)
            ),
            (
                "feature statistics must be finite, deviations positive",
                SafetensorsFile(
                    tensors: good.tensors.merging([
                        "feature_deviation": Tensor(
                            shape: [64, 8], scalars: [Float](repeating: 0, count: 512))
                    ]) { $1 }, metadata: good.metadata)
            ),
        ]
        for (reason, file) in cases {
            try Safetensors.write(file.tensors, metadata: file.metadata, to: path)
            XCTAssertThrowsError(try CaptionModel(contentsOf: directory)) {
                XCTAssertEqual($0 as? CaptionError, .invalidModel(path: path, reason: reason))
            }
        }
    }
}
