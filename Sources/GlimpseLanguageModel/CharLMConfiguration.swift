// Everything that fixes a character-level language model's shape and its training run; saved
// as config.json in the model directory and in the checkpoint's metadata.

/// The recurrent cell of a language model.
public enum RecurrentCellKind: String, Codable, Sendable, CaseIterable {
    case rnn
    case lstm
    case gru
}

/// The update rule used for training.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case adagrad
    case adam
}

/// Model shape and training settings (`Codable` with snake_case keys).
public struct CharLMConfiguration: Codable, Equatable, Sendable {
    /// Recurrent cell: `"lstm"`.
    public var cell: RecurrentCellKind = .lstm
    /// Hidden units per layer: `128`.
    public var hidden = 128
    /// Stacked recurrent layers: `1`.
    public var layers = 1
    /// Character embedding width: `64`.
    public var embedding = 64
    /// Characters per truncated-BPTT chunk: `25` (min-char-rnn's).
    public var sequenceLength = 25
    /// Parallel text streams per step: `16`.
    public var batchSize = 16
    /// `"adagrad"` (min-char-rnn) or `"adam"`.
    public var optimizer: OptimizerKind = .adam
    /// Step size: `0.002`.
    public var learningRate: Float = 2e-3
    /// Clip every gradient element to ±this (min-char-rnn: 5).
    public var clipValue: Float = 5
    /// Seed of initialisation and sampling: `1`.
    public var seed: UInt64 = 1

    enum CodingKeys: String, CodingKey {
        case cell, hidden, layers, embedding, optimizer, seed
        case sequenceLength = "sequence_length"
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case clipValue = "clip_value"
    }

    public init() {}

    /// Throws when a value is outside its domain.
    public func validate() throws(LanguageModelError) {
        for (name, value) in [
            ("--hidden", hidden), ("--layers", layers), ("--embedding", embedding),
            ("--seq-length", sequenceLength), ("--batch", batchSize),
        ] where value < 1 {
            throw .invalidArgument("\(name) must be at least 1, got \(value)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw .invalidArgument("--lr must be a positive number, got \(learningRate)")
        }
    }
}
