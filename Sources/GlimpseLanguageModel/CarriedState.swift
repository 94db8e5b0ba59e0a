// Recurrent states that truncated BPTT carries from one chunk to the next, and saves in a
// checkpoint so an interrupted run resumes exactly.
import GlimpseLayers
import GlimpseTensor

/// A recurrent state that can be cut from the graph and flattened to tensors.
public protocol CarriedState {
    /// The same values with no gradient history.
    func detached() -> Self
    /// The state's tensors in a fixed order.
    var tensors: [Tensor] { get }
    /// Rebuilds a state from `tensors` (as returned by ``tensors``).
    init(tensors: [Tensor])
}

extension Tensor: CarriedState {
    public var tensors: [Tensor] { [self] }
    public init(tensors: [Tensor]) { self = tensors[0] }
}

extension LSTMState: CarriedState {
    public var tensors: [Tensor] { [hidden, cell] }
    public init(tensors: [Tensor]) { self.init(hidden: tensors[0], cell: tensors[1]) }
}

/// A cell a character language model can be built on.
public protocol LanguageModelCell: RecurrentCell where State: CarriedState {
    /// The multi-layer network of this cell for `configuration`, parameters in `scope`.
    static func network(_ configuration: CharLMConfiguration, in scope: ParameterScope)
        -> Recurrent<Self>
}

extension LSTMCell: LanguageModelCell {
    public static func network(_ configuration: CharLMConfiguration, in scope: ParameterScope)
        -> Recurrent<LSTMCell>
    {
        LSTM(
            inputSize: configuration.embedding, hiddenSize: configuration.hidden,
            layers: configuration.layers, in: scope)
    }
}

extension GRUCell: LanguageModelCell {
    public static func network(_ configuration: CharLMConfiguration, in scope: ParameterScope)
        -> Recurrent<GRUCell>
    {
        GRU(
            inputSize: configuration.embedding, hiddenSize: configuration.hidden,
            layers: configuration.layers, in: scope)
    }
}

extension RNNCell: LanguageModelCell {
    public static func network(_ configuration: CharLMConfiguration, in scope: ParameterScope)
        -> Recurrent<RNNCell>
    {
        RNN(
            inputSize: configuration.embedding, hiddenSize: configuration.hidden,
            layers: configuration.layers, in: scope)
    }
}
