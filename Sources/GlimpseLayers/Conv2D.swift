// 2-D convolution layer, PyTorch's nn.Conv2d layout and initialisation (dilation 1, groups 1).
import GlimpseTensor

/// y[n,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v] · x[n, c, i·sh + u − ph, j·sw + v − pw]
/// (zero padding), over NCHW tensors: x: [N, C, H, W] -> y: [N, O, OH, OW] with
/// OH = ⌊(H + 2·ph − KH)/sh⌋ + 1, OW = ⌊(W + 2·pw − KW)/sw⌋ + 1.
///
/// Parameters (PyTorch layout and keys): `weight` W: [O, C, KH, KW], `bias` b: [O].
public struct Conv2D: Layer {
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public let weight: Parameter  // [O, C, KH, KW]
    public let bias: Parameter?  // [O]
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)

    /// Weights and bias drawn from U(−1/√fanIn, 1/√fanIn) with fanIn = C·KH·KW, PyTorch's
    /// default (Kaiming uniform with a = √5 for the weight).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), bias: Bool = true, in scope: ParameterScope
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
            "Conv2D needs positive channels and kernel size, got \(inChannels) -> "
                + "\(outChannels), kernel \(kernelSize)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let shape = [outChannels, inChannels, kernelSize.0, kernelSize.1]
        let bound = 1 / Float(inChannels * kernelSize.0 * kernelSize.1).squareRoot()
        weight = scope.parameter("weight", shape: shape) {
            Tensor(randomUniform: shape, in: -bound..<bound, using: &$0)
        }
        self.bias =
            bias
            ? scope.parameter("bias", shape: [outChannels]) {
                Tensor(randomUniform: [outChannels], in: -bound..<bound, using: &$0)
            } : nil
    }

    /// A square kernel, stride and padding.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, in scope: ParameterScope
    ) {
        self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize),
            stride: (stride, stride), padding: (padding, padding), bias: bias, in: scope)
    }

    /// [N, C, H, W] -> [N, O, OH, OW]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return conv2d(
            x, weight: weight.value, bias: bias?.value, stride: (stride.height, stride.width),
            padding: (padding.height, padding.width))
    }

    /// `pool(relu(self(x)))` as one fused op (`conv2dReLUMaxPool`): the same values and
    /// gradients, without storing the full-size activation.
    /// [N, C, H, W] -> [N, O, OH', OW'], the pool's output size on [OH, OW]
    public func callAsFunction(_ x: Tensor, reluThen pool: MaxPool2D) -> Tensor {
        checkInput(x)
        return conv2dReLUMaxPool(
            x, weight: weight.value, bias: bias?.value, stride: (stride.height, stride.width),
            padding: (padding.height, padding.width),
            pool: (pool.kernelSize.height, pool.kernelSize.width),
            poolStride: (pool.stride.height, pool.stride.width),
            poolPadding: (pool.padding.height, pool.padding.width))
    }

    private func checkInput(_ x: Tensor) {
        precondition(
            x.rank == 4 && x.shape[1] == inChannels,
            "Conv2D(\(inChannels) -> \(outChannels)) needs input [N, \(inChannels), H, W], got "
                + "\(x.shape)")
    }
}
