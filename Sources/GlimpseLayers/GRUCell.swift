// GRU cell (Cho et al. 2014) in PyTorch's nn.GRUCell form, gate order r, z, n in `weight_ih`
// [3H, in], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H]. The reset gate multiplies the whole
// hidden projection W_hn·h + b_hn (PyTorch's variant, not the paper's r⊙h inside the product),
// so b_hh cannot be folded into the input projection.
import GlimpseTensor

/// One GRU step, as PyTorch's nn.GRUCell:
///
///     r = σ(W_ir·x + b_ir + W_hr·h + b_hr)
///     z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
///     n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn))
///     h′ = (1 − z)⊙n + z⊙h
public struct GRUCell: RecurrentCell {
    public var parameters: [Parameter] {
        [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
    }

    public typealias State = Tensor  // h: [N, H]

    public let weightIH: Parameter  // [3H, in]
    public let weightHH: Parameter  // [3H, H]
    public let biasIH: Parameter?  // [3H]
    public let biasHH: Parameter?  // [3H]
    public let inputSize: Int
    public let hiddenSize: Int
    private let weights: GateWeights

    /// Creates `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (each followed by `nameSuffix`)
    /// in `scope`.
    public init(
        inputSize: Int, hiddenSize: Int, bias: Bool = true,
        initialization: RecurrentInitialization = .uniform, in scope: ParameterScope,
        nameSuffix: String = ""
    ) {
        weights = GateWeights(
            gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias,
            initialization: initialization, scope: scope, suffix: nameSuffix)
        (weightIH, weightHH) = (weights.weightIH, weights.weightHH)
        (biasIH, biasHH) = (weights.biasIH, weights.biasHH)
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
    }

    public func zeroState(batchSize: Int) -> Tensor { .zeros([batchSize, hiddenSize]) }

    public func output(of state: Tensor) -> Tensor { state }

    /// One step.   input: [N, in], hidden: [N, H] -> [N, H]
    public func callAsFunction(_ input: Tensor, _ hidden: Tensor) -> Tensor {
        checkStep(input, hidden)
        let recurrence = Recurrence(weight: weightHH.value, steps: 1, batchSize: input.shape[0])
        let projected = weights.projectInputs(input.unsqueezed(axis: 0)).squeezed(axis: 0)
        return step(projected, recurrence(step: 0, hidden), hidden)
    }

    /// Steps over inputs [T, N, in] with one input GEMM for all of them.
    public func run(
        _ inputs: Tensor, from state: Tensor, reversed: Bool
    ) -> (outputs: Tensor, state: Tensor) {
        checkSequence(inputs)
        let (steps, batch) = (inputs.shape[0], inputs.shape[1])
        let projected = weights.projectInputs(inputs).unstacked()
        let recurrence = Recurrence(weight: weightHH.value, steps: steps, batchSize: batch)
        var hidden = state
        var outputs = [Tensor?](repeating: nil, count: steps)
        for t in timeOrder(steps, reversed: reversed) {
            hidden = step(projected[t], recurrence(step: t, hidden), hidden)
            outputs[t] = hidden
        }
        return (stack(outputs.map { $0! }, axis: 0), hidden)
    }

    /// h′ from x·W_ihᵀ + b_ih [N, 3H], h·W_hhᵀ [N, 3H] and h [N, H].
    private func step(_ projected: Tensor, _ product: Tensor, _ hidden: Tensor) -> Tensor {
        let recurrent = biasHH.map { product + $0.value } ?? product
        let x = projected.split(count: 3, axis: 1)  // [N, H] each: r, z, n
        let h = recurrent.split(count: 3, axis: 1)
        let r = sigmoid(x[0] + h[0])
        let z = sigmoid(x[1] + h[1])
        let n = tanh(x[2] + r * h[2])
        return n + z * (hidden - n)  // (1 − z)⊙n + z⊙h
    }
}
