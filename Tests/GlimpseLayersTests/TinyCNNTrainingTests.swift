// TinyCNNTrainingTests.swift — the convolution pieces together: a small CNN learns to tell
// horizontal from vertical bars by plain gradient descent.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class TinyCNNTrainingTests: XCTestCase {
    /// Conv(1→4, 3×3, pad 1) → ReLU → MaxPool 2×2 → Conv(4→8, 3×3, pad 1) → ReLU →
    /// global average pool → Linear(8→2).
    struct TinyCNN {
        let conv1: Conv2D
        let pool = MaxPool2D(kernelSize: 2)
        let conv2: Conv2D
        let gap = GlobalAveragePool()
        let classifier: Linear

        init(in scope: ParameterScope) {
            conv1 = Conv2D(
                inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, in: scope.scope("conv1"))
            conv2 = Conv2D(
                inChannels: 4, outChannels: 8, kernelSize: 3, padding: 1, in: scope.scope("conv2"))
            classifier = Linear(8, 2, in: scope.scope("fc"))
        }

        /// [N, 1, 8, 8] -> logits [N, 2]
        func callAsFunction(_ x: Tensor) -> Tensor {
            let h1 = pool(relu(conv1(x)))  // [N, 4, 4, 4]
            let h2 = gap(relu(conv2(h1)))  // [N, 8]
            return classifier(h2)
        }
    }

    /// 32 images [32, 1, 8, 8]: a one-pixel bar (amplitude 1 or 0.6) at each of 8 rows (class 0)
    /// or columns (class 1), on small fixed noise; and the one-hot labels [32, 2].
    func barImages() -> (images: Tensor, targets: Tensor) {
        let noise = sample([32, 64], seed: 77, in: -0.1..<0.1).scalars
        var pixels: [Float] = []
        var targets: [Float] = []
        for image in 0..<32 {
            let (vertical, position) = (image % 2 == 1, (image / 2) % 8)
            let amplitude: Float = image < 16 ? 1 : 0.6
            for row in 0..<8 {
                for column in 0..<8 {
                    let onBar = (vertical ? column : row) == position
                    pixels.append((onBar ? amplitude : 0) + noise[image * 64 + row * 8 + column])
                }
            }
            targets += vertical ? [0, 1] : [1, 0]
        }
        return (
            Tensor(shape: [32, 1, 8, 8], scalars: pixels), Tensor(shape: [32, 2], scalars: targets)
        )
    }

    func testTinyCNNLearnsBarOrientation() {
        let (images, targets) = barImages()
        let store = ParameterStore(seed: 12)
        let model = TinyCNN(in: store.root)

        // Mean cross-entropy: −(1/N) Σ log softmax(logits) ⊙ one-hot.
        func loss() -> Tensor {
            -(logSoftmax(model(images), axis: 1) * targets).sum() / 32
        }

        let initial = loss().scalar
        let learningRate: Float = 0.5
        for _ in 0..<300 {
            loss().backward()
            for parameter in store.parameters {
                parameter.value = (parameter.value - learningRate * parameter.gradient!).detached()
                parameter.zeroGradient()
            }
        }
        let final = loss().scalar
        XCTAssertEqual(initial, log(2), accuracy: 0.1, "an untrained model is near chance")
        XCTAssertLessThan(final, 0.1, "trained loss \(final), started at \(initial)")
    }
}
