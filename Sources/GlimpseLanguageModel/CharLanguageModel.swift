// A character-level language model (Karpathy's min-char-rnn and char-rnn, generalised):
// embedding → stacked recurrent layers → linear readout over the vocabulary.
// T = time steps, N = streams (batch), E = embedding, H = hidden, V = vocabulary size.
import Foundation
import GlimpseLayers
import GlimpseTensor

/// Predicts the next character from the characters so far.
///
/// Checkpoint keys: `embedding.weight`, `rnn.weight_ih_l0` … (PyTorch's nn.LSTM/GRU/RNN
/// names), `decoder.weight`, `decoder.bias`.
public struct CharLanguageModel<Cell: LanguageModelCell>: Module {
    public let configuration: CharLMConfiguration
    public let vocabulary: CharacterVocabulary
    /// Every parameter, seeded by `configuration.seed`.
    public let store: ParameterStore
    let embedding: Embedding
    let network: Recurrent<Cell>
    let decoder: Linear

    public var parameters: [Parameter] {
        embedding.parameters + network.parameters + decoder.parameters
    }

    /// A freshly initialised model (weights from `configuration.seed`).
    public init(configuration: CharLMConfiguration, vocabulary: CharacterVocabulary) {
        self.init(
            configuration: configuration, vocabulary: vocabulary,
            store: ParameterStore(seed: configuration.seed))
    }

    /// The model's layers with their parameters created in, or (for a store made by
    /// `ParameterStore(loading:)`) taken from, `store`.
    public init(
        configuration: CharLMConfiguration, vocabulary: CharacterVocabulary,
        store: ParameterStore
    ) {
        self.configuration = configuration
        self.vocabulary = vocabulary
        self.store = store
        embedding = Embedding(
            count: vocabulary.count, dimension: configuration.embedding,
            in: store.scope("embedding"))
        network = Cell.network(configuration, in: store.scope("rnn"))
        decoder = Linear(configuration.hidden, vocabulary.count, in: store.scope("decoder"))
    }

    /// The model with every parameter taken by name from `checkpoint` and checked against the
    /// shape `configuration` and `vocabulary` imply (nothing is allocated for a mismatch), and
    /// the checkpoint's generator state.
    public init(
        configuration: CharLMConfiguration, vocabulary: CharacterVocabulary,
        checkpoint: Checkpoint
    ) throws(LanguageModelError) {
        let store = ParameterStore(loading: checkpoint.parameters, seed: configuration.seed)
        self.init(configuration: configuration, vocabulary: vocabulary, store: store)
        do {
            try store.finishLoading()
        } catch {
            throw .invalidModel(
                path: checkpoint.directory ?? "checkpoint",
                reason: "\(error) — do config.json and vocab.json belong to this checkpoint?")
        }
        store.generatorState = checkpoint.parameterGenerator
    }

    /// Zero states for `batchSize` streams.
    public func zeroStates(batchSize: Int) -> [Cell.State] {
        network.zeroStates(batchSize: batchSize)
    }

    /// Next-character logits for time-major ids (element t·N + b is time t of stream b).
    /// ids: T·N -> logits [T·N, V], and the states after the last step.
    public func logits(
        _ ids: [Int], steps: Int, batchSize: Int, states: [Cell.State]?
    ) -> (logits: Tensor, states: [Cell.State]) {
        precondition(ids.count == steps * batchSize, "\(ids.count) ids for \(steps)×\(batchSize)")
        // [T, N, E]
        let x = embedding(ids).reshaped(to: [steps, batchSize, configuration.embedding])
        let (outputs, states) = network(x, initialStates: states)  // [T, N, H]
        let flat = outputs.reshaped(to: [steps * batchSize, configuration.hidden])
        return (decoder(flat), states)  // [T·N, V]
    }

    /// `length` characters sampled after `prime` from softmax(logits / `temperature`).
    public func sample(
        length: Int, prime: String, temperature: Float, seed: UInt64
    ) throws(LanguageModelError) -> String {
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("--temperature must be a positive number, got \(temperature)")
        }
        guard length >= 0 else { throw .invalidArgument("--length must be ≥ 0, got \(length)") }
        var generator = SplitMix64(seed: seed)
        var ids = try vocabulary.encode(prime, context: "--prime")
        if ids.isEmpty { ids = [Int(generator.next() % UInt64(vocabulary.count))] }
        var output = ""
        withoutGradients {
            // The prime runs through the network in one pass; then one step per character.
            var (logits, states) = self.logits(ids, steps: ids.count, batchSize: 1, states: nil)
            var row = logits.slice(axis: 0, range: (ids.count - 1)..<ids.count)
            var generated: [Int] = []
            for _ in 0..<length {
                let next = Self.draw(from: row.scalars, temperature: temperature, using: &generator)
                generated.append(next)
                (logits, states) = self.logits([next], steps: 1, batchSize: 1, states: states)
                row = logits
            }
            output = vocabulary.decode(generated)
        }
        return output
    }

    /// An index drawn with probability softmax(logits / temperature).
    static func draw(
        from logits: [Float], temperature: Float, using generator: inout SplitMix64
    ) -> Int {
        let scaled = logits.map { $0 / temperature }
        let maximum = scaled.max() ?? 0
        let weights = scaled.map { Foundation.exp(Double($0 - maximum)) }
        let total = weights.reduce(0, +)
        var threshold = Double(generator.next() >> 11) / Double(1 << 53) * total
        for (index, weight) in weights.enumerated() {
            threshold -= weight
            if threshold < 0 { return index }
        }
        return weights.count - 1
    }
}
