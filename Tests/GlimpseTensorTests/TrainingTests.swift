// TrainingTests.swift — the pieces together: a 2-layer MLP learns XOR by plain gradient descent.
import GlimpseTensor
import TestSupport
import XCTest

final class TrainingTests: XCTestCase {
    func testMultilayerPerceptronLearnsXOR() {
        // Inputs [4, 2] in {−1, 1}², class 1 when the signs differ.
        let inputs = Tensor(shape: [4, 2], scalars: [-1, -1, -1, 1, 1, -1, 1, 1])
        let targets = Tensor(shape: [4, 2], scalars: [1, 0, 0, 1, 0, 1, 1, 0])  // one-hot
        var generator = SplitMix64(seed: 2024)
        var parameters = [
            Tensor(glorotUniform: [8, 2], using: &generator).requiringGradient(),  // w1 [H, 2]
            Tensor.zeros([8]).requiringGradient(),  // b1 [H]
            Tensor(glorotUniform: [2, 8], using: &generator).requiringGradient(),  // w2 [2, H]
            Tensor.zeros([2]).requiringGradient(),  // b2 [2]
        ]

        // Mean negative log-likelihood of the labels under softmax(MLP(inputs)).
        func loss() -> Tensor {
            let hidden = tanh(matmul(inputs, parameters[0], transposeB: true) + parameters[1])
            let logits = matmul(hidden, parameters[2], transposeB: true) + parameters[3]  // [4, 2]
            return -(logSoftmax(logits, axis: 1) * targets).sum() / 4
        }

        let initial = loss().scalar
        for _ in 0..<300 {
            loss().backward()
            for index in parameters.indices {
                let gradient = parameters[index].gradient!.scalars
                parameters[index].withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] -= 0.5 * gradient[i] }
                }
                parameters[index].zeroGradient()
            }
        }
        let final = loss().scalar
        XCTAssertGreaterThan(initial, 0.5, "an untrained model is near chance (ln 2 ≈ 0.69)")
        XCTAssertLessThan(final, 0.05, "trained loss \(final), started at \(initial)")
    }
}
