// Linear: PyTorch layout, values by hand, gradients by finite differences; the parameter store.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class LinearTests: XCTestCase {
    func testForwardUsesPyTorchLayout() throws {
        let store = ParameterStore(seed: 1)
        let layer = Linear(3, 2, in: store.scope("fc"))
        XCTAssertEqual(store.parameters.map(\.name), ["fc.weight", "fc.bias"])
        try store.load([
            "fc.weight": Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1]),
            "fc.bias": Tensor([0.5, -0.5]),
        ])
        let y = layer(Tensor(shape: [1, 2, 3], scalars: [1, 1, 1, 2, 0, -1]))
        XCTAssertEqual(y.shape, [1, 2, 2])
        // Row 1: [6, 0] + b; row 2: [2 - 3, -2 - 1] + b.
        assertClose(y.scalars, [6.5, -0.5, -0.5, -3.5])
    }

    func testGradientsOfInputWeightAndBias() {
        let store = ParameterStore(seed: 2)
        let layer = Linear(4, 3, in: store.root)
        let x = sample([2, 4], seed: 5)
        checkGradients([x, layer.weight.value, layer.bias!.value]) { inputs in
            var y = matmul(inputs[0], inputs[1], transposeB: true)
            y = y + inputs[2]
            return tanh(y)
        }
        // The layer itself: its parameters receive gradients from backward().
        let loss = layer(x).sum()
        loss.backward()
        XCTAssertNotNil(layer.weight.gradient)
        assertClose(layer.bias!.gradient!.scalars, [2, 2, 2])
    }

    func testLoadRefusesMismatchedCheckpoints() {
        let store = ParameterStore()
        _ = Linear(3, 2, in: store.scope("fc"))
        XCTAssertThrowsError(try store.load(["fc.weight": .zeros([2, 3])])) {
            XCTAssertEqual($0 as? ParameterError, .missing("fc.bias"))
        }
        XCTAssertThrowsError(
            try store.load(["fc.weight": .zeros([3, 2]), "fc.bias": .zeros([2])])
        ) {
            XCTAssertEqual(
                $0 as? ParameterError,
                .shapeMismatch(name: "fc.weight", checkpoint: [3, 2], model: [2, 3]))
        }
        XCTAssertThrowsError(
            try store.load(["fc.weight": .zeros([2, 3]), "fc.bias": .zeros([2]), "x": .zeros([1])])
        ) {
            XCTAssertEqual($0 as? ParameterError, .unexpected(["x"]))
        }
    }

    func testSeedFixesInitialisation() {
        let a = ParameterStore(seed: 7)
        let b = ParameterStore(seed: 7)
        XCTAssertEqual(
            Linear(5, 4, in: a.root).weight.value.scalars,
            Linear(5, 4, in: b.root).weight.value.scalars)
    }
}
