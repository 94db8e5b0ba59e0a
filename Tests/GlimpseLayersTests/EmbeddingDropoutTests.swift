// Embedding (lookup, PyTorch names and init, scatter-add gradients) and dropout (mask
// statistics, scaling, inference identity, gradients through a fixed mask).
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class EmbeddingDropoutTests: XCTestCase {
    func testEmbeddingLooksUpRows() throws {
        let store = ParameterStore(seed: 1)
        let embedding = Embedding(count: 4, dimension: 2, in: store.scope("embed"))
        XCTAssertEqual(store.parameters.map(\.name), ["embed.weight"])
        try store.load(["embed.weight": Tensor(shape: [4, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])])
        let y = embedding([2, 0, 2])
        XCTAssertEqual(y.shape, [3, 2])
        XCTAssertEqual(y.scalars, [4, 5, 0, 1, 4, 5])
        let batch = embedding([[3, 1], [0, 0], [2, 3]])
        XCTAssertEqual(batch.shape, [3, 2, 2])
        XCTAssertEqual(batch.scalars, [6, 7, 2, 3, 0, 1, 0, 1, 4, 5, 6, 7])
    }

    func testEmbeddingInitialisationIsStandardNormal() {
        let store = ParameterStore(seed: 2)
        let values = Embedding(count: 200, dimension: 50, in: store.root).weight.value.scalars
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance.squareRoot(), 1, accuracy: 0.05)
    }

    func testEmbeddingGradientsSumOverRepeatedIndices() {
        let store = ParameterStore(seed: 3)
        let embedding = Embedding(count: 5, dimension: 3, in: store.root)
        let indices = [1, 3, 1, 1, 0]
        checkGradients([embedding.weight.value]) { tanh(gather($0[0], indices: indices)) }
        embedding(indices).sum().backward()
        // Row 1 was used three times, rows 0 and 3 once, rows 2 and 4 never.
        XCTAssertEqual(
            embedding.weight.gradient?.scalars, [1, 1, 1, 3, 3, 3, 0, 0, 0, 1, 1, 1, 0, 0, 0])
    }

    func testDropoutZeroesAboutPAndRescalesTheRest() {
        var generator = SplitMix64(seed: 4)
        let y = dropout(.ones([100, 100]), probability: 0.25, using: &generator).scalars
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == Float(4) / 3 })
        let kept = Float(y.filter { $0 != 0 }.count) / Float(y.count)
        XCTAssertEqual(kept, 0.75, accuracy: 0.02)
        XCTAssertEqual(y.reduce(0, +) / Float(y.count), 1, accuracy: 0.03, "E[y] = x")
    }

    func testDropoutEdgeProbabilitiesAndSeeds() {
        var generator = SplitMix64(seed: 5)
        let x = sample([4, 6], seed: 50)
        XCTAssertEqual(dropout(x, probability: 0, using: &generator).scalars, x.scalars)
        XCTAssertEqual(
            dropout(x, probability: 1, using: &generator).scalars, [Float](repeating: 0, count: 24))
        var first = SplitMix64(seed: 6)
        var second = SplitMix64(seed: 6)
        XCTAssertEqual(
            dropout(x, probability: 0.5, using: &first).scalars,
            dropout(x, probability: 0.5, using: &second).scalars, "a seed fixes the mask")
    }

    func testDropoutLayerIsIdentityUnlessTraining() {
        let layer = Dropout(probability: 0.5)
        let x = sample([3, 8], seed: 51)
        var generator = SplitMix64(seed: 7)
        let untouched = generator
        XCTAssertEqual(layer(x, training: false, using: &generator).scalars, x.scalars)
        XCTAssertEqual(generator, untouched, "inference draws nothing")
        let trained = layer(x, training: true, using: &generator).scalars
        XCTAssertTrue(zip(trained, x.scalars).allSatisfy { $0 == 0 || $0 == 2 * $1 })
        XCTAssertTrue(trained.contains(0))
    }

    func testDropoutGradientIsTheMask() {
        // The same seed on every call gives the same mask, so finite differences see a fixed map.
        checkGradients([sample([4, 5], seed: 52)]) {
            var generator = SplitMix64(seed: 8)
            return tanh(dropout($0[0], probability: 0.3, using: &generator))
        }
        let x = sample([4, 5], seed: 53).requiringGradient()
        var generator = SplitMix64(seed: 9)
        let y = dropout(x, probability: 0.3, using: &generator)
        y.sum().backward()
        let expected = zip(y.scalars, x.scalars).map { $0.0 == 0 ? Float(0) : 1 / 0.7 }
        assertClose(x.gradient!.scalars, expected)
    }
}
