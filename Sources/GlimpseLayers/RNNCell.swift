// Elman RNN cell with PyTorch's nn.RNNCell parameters: `weight_ih` [H, in], `weight_hh` [H, H],
// `bias_ih`, `bias_hh` [H].
import GlimpseTensor

/// One step of an Elman network, as PyTorch's nn.RNNCell:
///
///     h′ = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh),   φ = tanh (default) or relu
public struct RNNCell: RecurrentCell {
    public var parameters: [Parameter] {
        [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
    }

    public typealias State = Tensor  // h: [N, H]

    /// φ, PyTorch's `nonlinearity`.
    public enum Nonlinearity: String, Sendable, Codable {
        case tanh
        case relu
    }

    public let weightIH: Parameter  // [H, in]
    public let weightHH: Parameter  // [H, H]
    public let biasIH: Parameter?  // [H]
    public let biasHH: Parameter?  // [H]
    public let inputSize: Int
    public let hiddenSize: Int
    public let nonlinearity: Nonlinearity
    private let weights: GateWeights

    /// Creates `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (each followed by `nameSuffix`)
    /// in `scope`.
    public init(
        inputSize: Int, hiddenSize: Int, nonlinearity: Nonlinearity = .tanh, bias: Bool = true,
        initialization: RecurrentInitialization = .uniform, in scope: ParameterScope,
        nameSuffix: String = ""
    ) {
        weights = GateWeights(
            gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias,
            initialization: initialization, scope: scope, suffix: nameSuffix)
        (weightIH, weightHH) = (weights.weightIH, weights.weightHH)
        (biasIH, biasHH) = (weights.biasIH, weights.biasHH)
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
        self.nonlinearity = nonlinearity
    }

    public func zeroState(batchSize: Int) -> Tensor { .zeros([batchSize, hiddenSize]) }

    public func output(of state: Tensor) -> Tensor { state }

    /// One step.   input: [N, in], hidden: [N, H] -> [N, H]
    public func callAsFunction(_ input: Tensor, _ hidden: Tensor) -> Tensor {
        checkStep(input, hidden)
        let recurrence = weights.recurrence(input.unsqueezed(axis: 0))  // one step
        return activation(recurrence(step: 0, hidden))
    }

    /// Steps over inputs [T, N, in] with one input GEMM for all of them.
    public func run(
        _ inputs: Tensor, from state: Tensor, reversed: Bool
    ) -> (outputs: Tensor, state: Tensor) {
        checkSequence(inputs)
        let recurrence = weights.recurrence(inputs)
        var hidden = state
        var outputs = [Tensor?](repeating: nil, count: inputs.shape[0])
        for t in timeOrder(inputs.shape[0], reversed: reversed) {
            hidden = activation(recurrence(step: t, hidden))
            outputs[t] = hidden
        }
        return (stack(outputs.map { $0! }, axis: 0), hidden)
    }

    private func activation(_ x: Tensor) -> Tensor {
        switch nonlinearity {
        case .tanh: tanh(x)
        case .relu: relu(x)
        }
    }
}
