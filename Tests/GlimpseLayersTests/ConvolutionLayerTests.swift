// Conv2D and the pooling layers: PyTorch names, layout and initialisation, values against the
// functional ops, parameter gradients by finite differences.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class ConvolutionLayerTests: XCTestCase {
    func testConv2DUsesPyTorchNamesShapesAndInitialisation() {
        let store = ParameterStore(seed: 3)
        let conv = Conv2D(
            inChannels: 3, outChannels: 16, kernelSize: (3, 2), in: store.scope("conv1"))
        XCTAssertEqual(store.parameters.map(\.name), ["conv1.weight", "conv1.bias"])
        XCTAssertEqual(conv.weight.shape, [16, 3, 3, 2])
        XCTAssertEqual(conv.bias?.shape, [16])
        // U(−1/√fanIn, 1/√fanIn) with fanIn = 3·3·2 = 18, for weight and bias.
        let bound = 1 / Float(18).squareRoot()
        for parameter in [conv.weight, conv.bias!] {
            let values = parameter.value.scalars
            XCTAssertLessThanOrEqual(values.map(abs).max()!, bound, parameter.name)
            XCTAssertGreaterThan(values.map(abs).max()!, 0.7 * bound, parameter.name)
        }
        let noBias = Conv2D(
            inChannels: 1, outChannels: 2, kernelSize: 3, bias: false, in: store.root)
        XCTAssertNil(noBias.bias)
    }

    func testConv2DForwardMatchesTheFunctionalOp() throws {
        let store = ParameterStore(seed: 4)
        let conv = Conv2D(
            inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1,
            in: store.scope("c"))
        let x = sample([2, 2, 6, 5], seed: 40)
        let y = conv(x)
        XCTAssertEqual(y.shape, [2, 3, 3, 3])
        let expected = conv2d(
            x, weight: conv.weight.value, bias: conv.bias!.value, stride: (2, 2),
            padding: (1, 1))
        assertClose(y, expected)
        // Loaded weights are used as given: a 1×1 kernel of 2 doubles the input.
        let pointwise = Conv2D(inChannels: 1, outChannels: 1, kernelSize: 1, in: store.scope("p"))
        try store.load(
            [
                "c.weight": conv.weight.value, "c.bias": conv.bias!.value,
                "p.weight": Tensor(shape: [1, 1, 1, 1], scalars: [2]), "p.bias": Tensor([0]),
            ])
        assertClose(pointwise(Tensor(shape: [1, 1, 1, 2], scalars: [1, -3])).scalars, [2, -6])
    }

    func testConv2DWithReLUThenPoolMatchesTheThreeLayers() {
        let store = ParameterStore(seed: 6)
        let conv = Conv2D(
            inChannels: 2, outChannels: 4, kernelSize: (3, 3), stride: (1, 2), padding: (1, 1),
            in: store.root)
        let x = sample([2, 2, 7, 8], seed: 42)
        for pool in [MaxPool2D(kernelSize: 2), MaxPool2D(kernelSize: 3, stride: 1, padding: 1)] {
            let expected = pool(relu(conv(x)))
            let y = conv(x, reluThen: pool)
            assertClose(y, expected, absoluteTolerance: 1e-6)
            y.sum().backward()
            let bias = conv.bias!.gradient!
            conv.bias!.zeroGradient()
            expected.sum().backward()
            assertClose(bias, conv.bias!.gradient!)
            conv.bias!.zeroGradient()
        }
    }

    func testConv2DParameterGradients() {
        let store = ParameterStore(seed: 5)
        let conv = Conv2D(
            inChannels: 2, outChannels: 3, kernelSize: (2, 3), stride: (2, 1), padding: (1, 1),
            in: store.root)
        let x = sample([2, 2, 5, 4], seed: 41)
        checkGradients([x, conv.weight.value, conv.bias!.value]) {
            tanh(conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 1)))
        }
        // Through the layer: ∂Σy/∂b[o] = N·OH·OW = 2·3·4 (OH = ⌊(5+2−2)/2⌋+1, OW = (4+2−3)+1).
        conv(x).sum().backward()
        XCTAssertEqual(conv.weight.gradient?.shape, [3, 2, 2, 3])
        assertClose(conv.bias!.gradient!.scalars, [24, 24, 24])
    }

    func testPoolingLayersDefaultStrideToKernelSize() {
        let x = sample([2, 3, 6, 4], seed: 42)
        assertClose(MaxPool2D(kernelSize: 2)(x), maxPool2d(x, kernel: (2, 2), stride: (2, 2)))
        assertClose(
            MaxPool2D(kernelSize: (3, 2), stride: (1, 2), padding: (1, 0))(x),
            maxPool2d(x, kernel: (3, 2), stride: (1, 2), padding: (1, 0)))
        assertClose(
            AvgPool2D(kernelSize: 3, stride: 2, padding: 1)(x),
            avgPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1)))
        XCTAssertEqual(AvgPool2D(kernelSize: (2, 1))(x).shape, [2, 3, 3, 4])
        let pooled = GlobalAveragePool()(x)
        XCTAssertEqual(pooled.shape, [2, 3])
        assertClose(pooled, x.reshaped(to: [2, 3, 24]).mean(alongAxis: 2))
    }
}
