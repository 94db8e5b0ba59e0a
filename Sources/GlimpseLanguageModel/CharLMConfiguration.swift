// Everything that fixes a character-level language model's shape and its training run; saved
// as config.json in the model directory and in the checkpoint's metadata.
import GlimpseSupport

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

    /// The widest hidden layer or embedding a configuration may ask for.
    public static let maxWidth = 16384
    /// The most stacked layers.
    public static let maxLayers = 16
    /// The longest truncated-BPTT chunk.
    public static let maxSequenceLength = 100_000
    /// The most parallel streams.
    public static let maxBatchSize = 65536

    /// Decodes a configuration and checks every field's range, naming the field that is out
    /// of range (a configuration file is data, and sizes the model).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cell = try container.decode(RecurrentCellKind.self, forKey: .cell)
        hidden = try container.decode(Int.self, forKey: .hidden, in: 1...Self.maxWidth)
        layers = try container.decode(Int.self, forKey: .layers, in: 1...Self.maxLayers)
        embedding = try container.decode(Int.self, forKey: .embedding, in: 1...Self.maxWidth)
        sequenceLength = try container.decode(
            Int.self, forKey: .sequenceLength, in: 1...Self.maxSequenceLength)
        batchSize = try container.decode(Int.self, forKey: .batchSize, in: 1...Self.maxBatchSize)
        optimizer = try container.decode(OptimizerKind.self, forKey: .optimizer)
        learningRate = try container.decode(Float.self, forKey: .learningRate, in: 1e-12...10)
        clipValue = try container.decode(Float.self, forKey: .clipValue, in: 1e-12...1e9)
        seed = try container.decode(UInt64.self, forKey: .seed)
    }

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
