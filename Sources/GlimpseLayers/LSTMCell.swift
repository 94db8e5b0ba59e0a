// LSTM cell (Hochreiter & Schmidhuber 1997; forget gate of Gers et al. 2000) with PyTorch's
// nn.LSTMCell parameters: gate order i, f, g, o in `weight_ih` [4H, in], `weight_hh` [4H, H],
// `bias_ih`, `bias_hh` [4H]. A step is one op (`lstmStep` in GlimpseTensor: the products, then
// the gate nonlinearities and state update fused in `lstmCell`), a sequence another
// (`lstmSequence`).
import GlimpseTensor

/// The state (h, c) of an LSTM.   hidden, cell: [N, H]
public struct LSTMState: Sendable {
    public var hidden: Tensor
    public var cell: Tensor

    public init(hidden: Tensor, cell: Tensor) {
        precondition(
            hidden.shape == cell.shape && hidden.rank == 2,
            "LSTM state needs hidden and cell of one [N, H] shape, got \(hidden.shape), "
                + "\(cell.shape)")
        self.hidden = hidden
        self.cell = cell
    }

    /// The same values cut from the gradient graph, to carry state across truncated
    /// backpropagation-through-time windows.
    public func detached() -> LSTMState {
        LSTMState(hidden: hidden.detached(), cell: cell.detached())
    }
}

/// One LSTM step, as PyTorch's nn.LSTMCell:
///
///     [aᵢ | a_f | a_g | a_o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh      [N, 4H]
///     i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///     c′ = f⊙c + i⊙g,   h′ = o⊙tanh(c′)
public struct LSTMCell: RecurrentCell {
    public var parameters: [Parameter] {
        [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
    }

    public typealias State = LSTMState

    public let weightIH: Parameter  // [4H, in]
    public let weightHH: Parameter  // [4H, H]
    public let biasIH: Parameter?  // [4H]
    public let biasHH: Parameter?  // [4H]
    public let inputSize: Int
    public let hiddenSize: Int
    private let weights: GateWeights

    /// Creates `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (each followed by `nameSuffix`,
    /// as `_l0` in nn.LSTM) in `scope`.
    public init(
        inputSize: Int, hiddenSize: Int, bias: Bool = true,
        initialization: RecurrentInitialization = .uniform, in scope: ParameterScope,
        nameSuffix: String = ""
    ) {
        weights = GateWeights(
            gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias,
            initialization: initialization, scope: scope, suffix: nameSuffix)
        (weightIH, weightHH) = (weights.weightIH, weights.weightHH)
        (biasIH, biasHH) = (weights.biasIH, weights.biasHH)
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
    }

    public func zeroState(batchSize: Int) -> LSTMState {
        LSTMState(hidden: .zeros([batchSize, hiddenSize]), cell: .zeros([batchSize, hiddenSize]))
    }

    public func output(of state: LSTMState) -> Tensor { state.hidden }

    /// One step.   input: [N, in], state: [N, H] each -> state′
    public func callAsFunction(_ input: Tensor, _ state: LSTMState) -> LSTMState {
        checkStep(input, state.hidden)
        let (hidden, cell) = lstmStep(
            input: input, hidden: state.hidden, cell: state.cell, inputWeight: weightIH.value,
            bias: weights.summedBias, weight: weightHH.value)
        return LSTMState(hidden: hidden, cell: cell)
    }

    /// One step of a decoder that reads its previous words: `self(concat([embedding(words), rest],
    /// axis: 1), state)`, where in inference each word's product with its columns of `weight_ih`
    /// is computed on the word's first step and reused after (`lstmStep(words:…)`).
    ///   words: N ids, rest: [N, in − M] (M = the embedding's dimension) -> state′
    public func callAsFunction(
        _ words: [Int], embeddedBy embedding: Embedding, followedBy rest: Tensor,
        _ state: LSTMState
    ) -> LSTMState {
        precondition(
            rest.rank == 2 && rest.shape[0] == words.count
                && embedding.dimension + rest.shape[1] == inputSize
                && state.hidden.shape == [words.count, hiddenSize],
            "LSTMCell(input \(inputSize), hidden \(hiddenSize)) needs \(words.count) words "
                + "embedded in \(embedding.dimension), followed by [\(words.count), "
                + "\(inputSize - embedding.dimension)], and hidden [\(words.count), "
                + "\(hiddenSize)], got \(rest.shape) and \(state.hidden.shape)")
        let (hidden, cell) = lstmStep(
            words: words, embedding: embedding.weight.value, input: rest, hidden: state.hidden,
            cell: state.cell, inputWeight: weightIH.value, bias: weights.summedBias,
            weight: weightHH.value)
        return LSTMState(hidden: hidden, cell: cell)
    }

    /// Steps over inputs [T, N, in] as one op (`lstmSequence`): one input GEMM for all steps,
    /// one kernel for the recurrence and one for its backward pass.
    public func run(
        _ inputs: Tensor, from state: LSTMState, reversed: Bool
    ) -> (outputs: Tensor, state: LSTMState) {
        checkSequence(inputs)
        let (outputs, hidden, cell) = lstmSequence(
            inputs: inputs, inputWeight: weightIH.value, bias: weights.summedBias,
            weight: weightHH.value,
            hidden: state.hidden, cell: state.cell, reversed: reversed)
        return (outputs, LSTMState(hidden: hidden, cell: cell))
    }
}
