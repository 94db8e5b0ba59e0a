// Multi-layer, optionally bidirectional recurrent networks over whole sequences: the generic
// `Recurrent<Cell>` and PyTorch's nn.LSTM / nn.GRU / nn.RNN as `LSTM`, `GRU`, `RNN`, with their
// parameter names (`weight_ih_l0`, `weight_hh_l1_reverse`, …) and state order.
import GlimpseTensor

/// An LSTM over sequences, PyTorch's nn.LSTM.
public typealias LSTM = Recurrent<LSTMCell>
/// A GRU over sequences, PyTorch's nn.GRU.
public typealias GRU = Recurrent<GRUCell>
/// An Elman RNN over sequences, PyTorch's nn.RNN.
public typealias RNN = Recurrent<RNNCell>

/// A stack of `layers` recurrent layers, each running one cell forward in time and, when
/// bidirectional, a second cell backward in time, their outputs concatenated.
///
/// Shapes are time-major as PyTorch's default: inputs [T, N, in] -> outputs [T, N, D·H]
/// (D = 2 when bidirectional), or batch-major [N, T, ·] with `batchFirst`. Output t of the last
/// layer is [h_t forward | h_t backward]. States are listed as PyTorch's h_n: index
/// layer·D + direction. Layer l > 0 reads the D·H outputs of layer l − 1.
///
/// ```swift
/// let lstm = LSTM(inputSize: 128, hiddenSize: 256, layers: 2, bidirectional: true,
///                 in: store.scope("encoder"))        // encoder.weight_ih_l0, …
/// var (outputs, states) = lstm(chunk, initialStates: nil)
/// // truncated BPTT: next window starts from the detached final states
/// (outputs, states) = lstm(nextChunk, initialStates: states.map { $0.detached() })
/// ```
public struct Recurrent<Cell: RecurrentCell>: Layer {
    public var parameters: [Parameter] { cells.flatMap { $0.flatMap(\.parameters) } }

    /// `cells[layer][direction]`; direction 1 runs backward in time.
    public let cells: [[Cell]]
    public let inputSize: Int
    public let hiddenSize: Int
    public let batchFirst: Bool

    /// The number of stacked layers.
    public var layerCount: Int { cells.count }
    /// D: 2 when bidirectional, else 1.
    public var directionCount: Int { cells[0].count }

    /// Builds the cells with `makeCell(layerInputSize, suffix)`, where `suffix` is PyTorch's
    /// parameter-name suffix `_l<layer>` or `_l<layer>_reverse`, in PyTorch's order.
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        batchFirst: Bool = false, makeCell: (_ inputSize: Int, _ nameSuffix: String) -> Cell
    ) {
        precondition(layers >= 1, "a recurrent network needs at least one layer, got \(layers)")
        let directions = bidirectional ? 2 : 1
        cells = (0..<layers).map { layer in
            let layerInput = layer == 0 ? inputSize : hiddenSize * directions
            return (0..<directions).map { direction in
                makeCell(layerInput, "_l\(layer)" + (direction == 1 ? "_reverse" : ""))
            }
        }
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.batchFirst = batchFirst
    }

    /// Zero initial states, one per layer and direction.
    public func zeroStates(batchSize: Int) -> [Cell.State] {
        cells.flatMap { $0.map { $0.zeroState(batchSize: batchSize) } }
    }

    /// The outputs of the last layer from zero initial states.   [T, N, in] -> [T, N, D·H]
    public func callAsFunction(_ inputs: Tensor) -> Tensor {
        self(inputs, initialStates: nil).outputs
    }

    /// The outputs of the last layer and the final state of every layer and direction (the
    /// state after its last step: time T−1 forward, time 0 backward).
    /// inputs: [T, N, in] -> outputs: [T, N, D·H]; states: layers·D (nil: zeros)
    public func callAsFunction(
        _ inputs: Tensor, initialStates: [Cell.State]?
    ) -> (outputs: Tensor, states: [Cell.State]) {
        precondition(
            inputs.rank == 3 && inputs.shape[2] == inputSize,
            "\(Self.self) needs inputs [\(batchFirst ? "N, T" : "T, N"), \(inputSize)], "
                + "got \(inputs.shape)")
        var x = batchFirst ? inputs.permuted([1, 0, 2]) : inputs  // [T, N, in]
        let initial = initialStates ?? zeroStates(batchSize: x.shape[1])
        precondition(
            initial.count == layerCount * directionCount,
            "\(Self.self) needs \(layerCount * directionCount) initial states (layers × "
                + "directions), got \(initial.count)")
        var states: [Cell.State] = []
        for (layer, directions) in cells.enumerated() {
            var outputs: [Tensor] = []
            for (direction, cell) in directions.enumerated() {
                let (output, state) = cell.run(
                    x, from: initial[layer * directionCount + direction], reversed: direction == 1)
                outputs.append(output)  // [T, N, H]
                states.append(state)
            }
            x = outputs.count == 1 ? outputs[0] : concat(outputs, axis: 2)  // [T, N, D·H]
        }
        return (batchFirst ? x.permuted([1, 0, 2]) : x, states)
    }
}

/// A gated cell (LSTM, GRU): built from its sizes, bias flag and initialisation alone, so that one
/// `Recurrent` initialiser stacks either.
public protocol GatedRecurrentCell: RecurrentCell {
    /// Creates the cell's weights (each name followed by `nameSuffix`) in `scope`.
    init(
        inputSize: Int, hiddenSize: Int, bias: Bool, initialization: RecurrentInitialization,
        in scope: ParameterScope, nameSuffix: String)
}

extension LSTMCell: GatedRecurrentCell {}
extension GRUCell: GatedRecurrentCell {}

extension Recurrent where Cell: GatedRecurrentCell {
    /// PyTorch's nn.LSTM or nn.GRU(inputSize, hiddenSize, num_layers: layers, bias,
    /// batch_first, bidirectional), parameters in `scope`.
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        batchFirst: Bool = false, bias: Bool = true,
        initialization: RecurrentInitialization = .uniform, in scope: ParameterScope
    ) {
        self.init(
            inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, batchFirst: batchFirst
        ) { size, suffix in
            Cell(
                inputSize: size, hiddenSize: hiddenSize, bias: bias, initialization: initialization,
                in: scope, nameSuffix: suffix)
        }
    }
}

extension Recurrent where Cell == RNNCell {
    /// PyTorch's nn.RNN(inputSize, hiddenSize, num_layers: layers, nonlinearity, bias,
    /// batch_first, bidirectional), parameters in `scope`.
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        batchFirst: Bool = false, nonlinearity: RNNCell.Nonlinearity = .tanh, bias: Bool = true,
        initialization: RecurrentInitialization = .uniform, in scope: ParameterScope
    ) {
        self.init(
            inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, batchFirst: batchFirst
        ) { size, suffix in
            RNNCell(
                inputSize: size, hiddenSize: hiddenSize, nonlinearity: nonlinearity, bias: bias,
                initialization: initialization, in: scope, nameSuffix: suffix)
        }
    }
}
