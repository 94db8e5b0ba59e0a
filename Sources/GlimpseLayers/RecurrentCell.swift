// The protocol shared by RNNCell, LSTMCell and GRUCell, and the gate weights they all hold
// (PyTorch's nn.RNNCell/nn.LSTMCell/nn.GRUCell names, layouts and initialisation).
import GlimpseTensor

/// One step of a recurrent network: `state′ = cell(x, state)`.
///
/// `Recurrent` runs a cell over whole sequences through `run(_:from:reversed:)`; the built-in
/// cells implement it with one GEMM for the input projections of all steps and a `Recurrence`
/// for the per-step products h·W_hhᵀ. A custom cell gets a default that calls it once per step.
public protocol RecurrentCell: Module {
    associatedtype State
    /// Features of each step's input.
    var inputSize: Int { get }
    /// H, features of each step's output.
    var hiddenSize: Int { get }
    /// The initial state of `batchSize` sequences: all zeros.
    func zeroState(batchSize: Int) -> State
    /// One step.   input: [N, in] -> next state
    func callAsFunction(_ input: Tensor, _ state: State) -> State
    /// The output h of a state.   [N, H]
    func output(of state: State) -> Tensor
    /// The cell applied to every step of `inputs` in time order, or in reverse time order when
    /// `reversed`, starting from `state`. inputs: [T, N, in] -> outputs: [T, N, H] (output t is
    /// the one after step t, in time order either way), and the state after the last step run.
    func run(_ inputs: Tensor, from state: State, reversed: Bool) -> (outputs: Tensor, state: State)
}

extension RecurrentCell {
    /// One call per step (the built-in cells override this with a faster loop).
    public func run(
        _ inputs: Tensor, from state: State, reversed: Bool
    ) -> (outputs: Tensor, state: State) {
        let steps = checkedSteps(inputs)
        var state = state
        var outputs = [Tensor?](repeating: nil, count: steps.count)
        for t in timeOrder(steps.count, reversed: reversed) {
            state = self(steps[t], state)
            outputs[t] = output(of: state)
        }
        return (stack(outputs.map { $0! }, axis: 0), state)
    }

    /// The steps of inputs [T, N, in] (T ≥ 1), checking the shape.
    func checkedSteps(_ inputs: Tensor) -> [Tensor] {
        checkSequence(inputs)
        return inputs.unstacked()
    }

    func checkSequence(_ inputs: Tensor) {
        precondition(
            inputs.rank == 3 && inputs.shape[0] > 0 && inputs.shape[2] == inputSize,
            "\(Self.self)(input \(inputSize), hidden \(hiddenSize)) needs inputs [T ≥ 1, N, "
                + "\(inputSize)], got \(inputs.shape)")
    }

    func checkStep(_ input: Tensor, _ hidden: Tensor) {
        precondition(
            input.rank == 2 && input.shape[1] == inputSize
                && hidden.shape == [input.shape[0], hiddenSize],
            "\(Self.self)(input \(inputSize), hidden \(hiddenSize)) needs input [N, \(inputSize)] "
                + "and hidden [N, \(hiddenSize)], got \(input.shape) and \(hidden.shape)")
    }
}

/// Step indices 0..<count, or count−1…0 when `reversed`.
func timeOrder(_ count: Int, reversed: Bool) -> [Int] {
    reversed ? Array((0..<count).reversed()) : Array(0..<count)
}

/// How a recurrent cell's weights start.
public enum RecurrentInitialization: String, Sendable, Codable {
    /// Every weight and bias from U(−1/√H, 1/√H), PyTorch's default.
    case uniform
    /// Each H×H gate block of `weight_hh` orthogonal (Saxe et al. 2014); the rest as `uniform`.
    case orthogonal
}

/// The stacked gate weights of a recurrent cell, created in PyTorch's order and layout:
/// `weight_ih` [G·H, in], `weight_hh` [G·H, H], `bias_ih` [G·H], `bias_hh` [G·H] (G gates,
/// each name followed by `suffix`, e.g. `_l1_reverse`).
struct GateWeights {
    let weightIH: Parameter
    let weightHH: Parameter
    let biasIH: Parameter?
    let biasHH: Parameter?

    init(
        gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool,
        initialization: RecurrentInitialization, scope: ParameterScope, suffix: String
    ) {
        precondition(inputSize > 0 && hiddenSize > 0, "recurrent cell sizes must be positive")
        let rows = gates * hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        weightIH = scope.parameter("weight_ih" + suffix, shape: [rows, inputSize]) {
            Tensor(randomUniform: [rows, inputSize], in: -bound..<bound, using: &$0)
        }
        weightHH = scope.parameter("weight_hh" + suffix, shape: [rows, hiddenSize]) { generator in
            switch initialization {
            case .uniform:
                return Tensor(
                    randomUniform: [rows, hiddenSize], in: -bound..<bound, using: &generator)
            case .orthogonal:
                let blocks = (0..<gates).map { _ in
                    Tensor(orthogonal: [hiddenSize, hiddenSize], using: &generator)
                }
                return concat(blocks, axis: 0)
            }
        }
        biasIH =
            bias
            ? scope.parameter("bias_ih" + suffix, shape: [rows]) {
                Tensor(randomUniform: [rows], in: -bound..<bound, using: &$0)
            } : nil
        biasHH =
            bias
            ? scope.parameter("bias_hh" + suffix, shape: [rows]) {
                Tensor(randomUniform: [rows], in: -bound..<bound, using: &$0)
            } : nil
    }

    /// b_ih + b_hh, or nil without biases: the bias of cells whose gates take the sum of both
    /// projections (LSTM, RNN).
    var summedBias: Tensor? {
        if let biasIH, let biasHH { biasIH.value + biasHH.value } else { nil }
    }

    /// The affine part of the cell over inputs [T, N, in] (T = 1 for a single step): one GEMM
    /// for x·W_ihᵀ + b_ih + b_hh at every step, then h·W_hhᵀ per step (RNN).
    func recurrence(_ inputs: Tensor) -> Recurrence {
        Recurrence(
            inputs: inputs, inputWeight: weightIH.value, bias: summedBias, weight: weightHH.value)
    }

    /// x·W_ihᵀ + b_ih for every step of inputs [T, N, in] -> [T, N, G·H] (GRU, which keeps the
    /// two projections apart).
    func projectInputs(_ inputs: Tensor) -> Tensor {
        let (steps, batch) = (inputs.shape[0], inputs.shape[1])
        let flat = inputs.reshaped(to: [steps * batch, inputs.shape[2]])
        let product = matmul(flat, weightIH.value, transposeB: true)
        let projected = biasIH.map { product + $0.value } ?? product
        return projected.reshaped(to: [steps, batch, weightHH.shape[0]])
    }
}
