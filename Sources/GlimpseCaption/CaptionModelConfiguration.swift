// The shape of a captioning model, saved as config.json in its directory.
import GlimpseVision

/// Which decoder turns image features into words.
public enum DecoderKind: String, Codable, Sendable, CaseIterable {
    /// Show, Attend and Tell (Xu et al. 2015): soft attention over the feature grid.
    case attention
    /// Show and Tell (Vinyals et al. 2015): the mean image vector initialises the LSTM.
    case showAndTell = "show_and_tell"
}

/// Encoder, decoder and vocabulary settings (`Codable`, snake_case keys).
public struct CaptionModelConfiguration: Codable, Equatable, Sendable {
    /// `"attention"` or `"show_and_tell"`.
    public var decoder: DecoderKind = .attention
    /// The CNN and its input preprocessing.
    public var encoder = EncoderConfiguration()
    /// Word embedding width: `128`.
    public var embedding = 128
    /// LSTM hidden units: `256`.
    public var hidden = 256
    /// Attention MLP width: `128`.
    public var attention = 128
    /// Words seen fewer times than this become `<unk>`: `1`.
    public var minWordCount = 1
    /// Longest caption, in words, for training (longer ones are cut) and generation: `32`
    /// (a four-object scene caption has up to 31).
    public var maxLength = 32
    /// λ of the doubly stochastic attention regulariser λ·Σᵢ(1 − Σₜ αₜᵢ)²: `1`.
    public var attentionRegularization: Float = 1
    /// Seed of the initial weights: `1`.
    public var seed: UInt64 = 1

    enum CodingKeys: String, CodingKey {
        case decoder, encoder, embedding, hidden, attention, seed
        case minWordCount = "min_word_count"
        case maxLength = "max_length"
        case attentionRegularization = "attention_regularization"
    }

    public init() {}
}
