// Cross-entropy and binary cross-entropy: values by hand, gradients by finite differences.
import Foundation
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class LossTests: XCTestCase {
    let logits = Tensor(shape: [3, 4], scalars: [1, 2, 3, 4, 0, 0, 0, 0, -1, 2, -3, 0.5])

    /// −log softmax(row)[t], computed directly.
    func negativeLogLikelihood(_ row: [Float], _ t: Int) -> Float {
        let m = row.max()!
        let z = row.map { exp(Double($0 - m)) }.reduce(0, +)
        return Float(log(z)) + m - row[t]
    }

    func testCrossEntropyValues() {
        let rows = (0..<3).map { Array(logits.scalars[($0 * 4)..<($0 * 4 + 4)]) }
        let all = crossEntropy(logits: logits, targets: [3, 1, 0]).scalar
        let expected =
            (negativeLogLikelihood(rows[0], 3) + negativeLogLikelihood(rows[1], 1)
                + negativeLogLikelihood(rows[2], 0)) / 3
        XCTAssertEqual(all, expected, accuracy: 1e-5)
        // Row 1 is uniform: −log(1/4).
        XCTAssertEqual(negativeLogLikelihood(rows[1], 1), Float(log(4.0)), accuracy: 1e-6)
        // Ignored targets and zero weights do not count, in the value or the mean.
        let ignoring = crossEntropy(logits: logits, targets: [3, ignoredTarget, 0]).scalar
        XCTAssertEqual(
            ignoring, (negativeLogLikelihood(rows[0], 3) + negativeLogLikelihood(rows[2], 0)) / 2,
            accuracy: 1e-5)
        let masked = crossEntropy(logits: logits, targets: [3, 1, 0], weights: [1, 0, 1]).scalar
        XCTAssertEqual(masked, ignoring, accuracy: 1e-6)
        XCTAssertEqual(
            crossEntropy(logits: logits, targets: [ignoredTarget, ignoredTarget, ignoredTarget])
                .scalar, 0)
    }

    func testCrossEntropyGradients() {
        checkGradients([sample([3, 5], seed: 1)]) {
            crossEntropy(logits: $0[0], targets: [4, 0, 2])
        }
        checkGradients([sample([4, 3], seed: 2)]) {
            crossEntropy(
                logits: $0[0], targets: [1, ignoredTarget, 0, 2], weights: [0.5, 1, 2, 1])
        }
    }

    func testBinaryCrossEntropy() {
        let x = Tensor([-2, 0, 3])
        let y = Tensor([0, 1, 1])
        // −[y log σ(x) + (1 − y) log(1 − σ(x))] averaged.
        let expected =
            [(-2.0, 0.0), (0.0, 1.0), (3.0, 1.0)].map { x, y -> Double in
                let s = 1 / (1 + exp(-x))
                return -(y * log(s) + (1 - y) * log(1 - s))
            }.reduce(0, +) / 3
        XCTAssertEqual(
            Double(binaryCrossEntropy(logits: x, targets: y).scalar), expected, accuracy: 1e-6)
        // Stable for large logits.
        XCTAssertEqual(
            binaryCrossEntropy(logits: Tensor([100]), targets: Tensor([0])).scalar, 100,
            accuracy: 1e-3)
        checkGradients([sample([2, 3], seed: 3)]) {
            binaryCrossEntropy(
                logits: $0[0], targets: Tensor(shape: [2, 3], scalars: [0, 1, 0.5, 1, 0, 0.25]))
        }
    }
}
