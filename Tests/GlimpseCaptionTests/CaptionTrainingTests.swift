// Caption training: an interrupted and resumed run ends with exactly the weights of an
// uninterrupted one.
import Foundation
import GlimpseCaption
import GlimpseLayers
import GlimpseScenes
import GlimpseTensor
import TestSupport
import XCTest

final class CaptionTrainingTests: XCTestCase {
    func options(data: String, out: String, epochs: Int) -> CaptionTrainingOptions {
        var options = CaptionTrainingOptions(dataPath: data, outputDirectory: out)
        options.configuration.encoder.channels = [4, 8, 8]
        options.configuration.embedding = 8
        options.configuration.hidden = 12
        options.configuration.attention = 6
        options.epochs = epochs
        options.batchSize = 8
        options.validationFraction = 0.2
        options.printEvery = 1000
        return options
    }

    func testResumedTrainingMatchesAnUninterruptedRun() throws {
        let data = Fixtures.temporaryDirectory()
        _ = try SceneDatasetWriter(generator: SceneGenerator(seed: 5), includeQuestions: false)
            .write(count: 24, to: data)
        let straight = Fixtures.temporaryDirectory()
        let interrupted = Fixtures.temporaryDirectory()
        let a = try CaptionTraining.run(options(data: data, out: straight, epochs: 2)) { _ in }
        _ = try CaptionTraining.run(options(data: data, out: interrupted, epochs: 1)) { _ in }
        var resume = options(data: data, out: interrupted, epochs: 2)
        resume.resume = true
        let b = try CaptionTraining.run(resume) { _ in }
        XCTAssertEqual(a.steps, b.steps)
        XCTAssertEqual(a.steps, 2 * 3)  // 19 training images in batches of 8
        let left = try Checkpoint(contentsOf: straight + "/checkpoint")
        let right = try Checkpoint(contentsOf: interrupted + "/checkpoint")
        XCTAssertFalse(left.parameters.isEmpty)
        for (name, tensor) in left.parameters {
            XCTAssertEqual(tensor.scalars, right.parameters[name]?.scalars, name)
        }
    }
}
