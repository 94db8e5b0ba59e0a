// Fully connected layer, PyTorch's nn.Linear layout and initialisation.
import GlimpseTensor

/// y = x·Wᵀ + b.   W: [out, in], b: [out]   (PyTorch layout; keys `weight`, `bias`).
public struct Linear: Layer {
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public let weight: Parameter  // [out, in]
    public let bias: Parameter?  // [out]
    public let inputFeatures: Int
    public let outputFeatures: Int

    /// Weights and bias drawn from U(−1/√in, 1/√in), as PyTorch's default.
    public init(
        _ inputFeatures: Int, _ outputFeatures: Int, bias: Bool = true, in scope: ParameterScope
    ) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let bound = 1 / Float(inputFeatures).squareRoot()
        weight = scope.parameter("weight", shape: [outputFeatures, inputFeatures]) {
            Tensor(randomUniform: [outputFeatures, inputFeatures], in: -bound..<bound, using: &$0)
        }
        self.bias =
            bias
            ? scope.parameter("bias", shape: [outputFeatures]) {
                Tensor(randomUniform: [outputFeatures], in: -bound..<bound, using: &$0)
            } : nil
    }

    /// [N, in] -> [N, out]; any leading axes are kept: [..., in] -> [..., out].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(
            x.shape.last == inputFeatures,
            "Linear(\(inputFeatures), \(outputFeatures)) got input of shape \(x.shape)")
        let rows = x.count / inputFeatures
        let flat = x.reshaped(to: [rows, inputFeatures])
        var y = matmul(flat, weight.value, transposeB: true)  // [N, out]
        if let bias { y = y + bias.value }
        return y.reshaped(to: Array(x.shape.dropLast()) + [outputFeatures])
    }
}
