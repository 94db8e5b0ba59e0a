// The shape of a captioning model, saved as config.json in its directory.
import GlimpseSupport
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
    /// α of beam search's ranking score log p / Lᵅ when the caller gives none: `1` (mean
    /// log-probability per word). A model directory carries the value chosen for it.
    public var lengthPenalty: Float = 1

    enum CodingKeys: String, CodingKey {
        case decoder, encoder, embedding, hidden, attention, seed
        case minWordCount = "min_word_count"
        case maxLength = "max_length"
        case attentionRegularization = "attention_regularization"
        case lengthPenalty = "length_penalty"
    }

    public init() {}

    /// The largest embedding, hidden and attention width a configuration may ask for.
    public static let maxWidth = 16384
    /// The longest caption a configuration may ask for.
    public static let maxCaptionLength = 1024

    /// Decodes a configuration and checks every field's range (widths 1...``maxWidth``,
    /// `max_length` 1...``maxCaptionLength``, finite non-negative weights), naming the field
    /// that is out of range. `length_penalty` is optional (configurations saved before it
    /// existed rank beams by mean log-probability per word).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let widths = 1...Self.maxWidth
        self.decoder = try container.decode(DecoderKind.self, forKey: .decoder)
        encoder = try container.decodeRGBEncoder(forKey: .encoder)
        embedding = try container.decode(Int.self, forKey: .embedding, in: widths)
        hidden = try container.decode(Int.self, forKey: .hidden, in: widths)
        attention = try container.decode(Int.self, forKey: .attention, in: widths)
        minWordCount = try container.decode(Int.self, forKey: .minWordCount, in: 1...Int(Int32.max))
        maxLength = try container.decode(
            Int.self, forKey: .maxLength, in: 1...Self.maxCaptionLength)
        attentionRegularization = try container.decode(
            Float.self, forKey: .attentionRegularization, in: 0...1e6)
        seed = try container.decode(UInt64.self, forKey: .seed)
        lengthPenalty =
            try container.contains(.lengthPenalty)
            ? container.decode(Float.self, forKey: .lengthPenalty, in: 0...100) : 1
    }
}
