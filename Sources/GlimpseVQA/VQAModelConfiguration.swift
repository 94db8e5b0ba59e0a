// The shape of a VQA model, saved as config.json in its directory.
import GlimpseSupport
import GlimpseVision

/// How the question and the image grid are combined.
public enum VQAFusion: String, Codable, Sendable, CaseIterable {
    /// Stacked attention (Yang et al. 2016): the question attends over the grid, one or two hops,
    /// each adding the attended image vector to the query.
    case attention
    /// Relational attention (`RelationalFusion`): stacked attention whose hops also attend over
    /// the question's words, look relative to where the previous hop looked, and report the
    /// attended positions to the classifier.
    case relational
    /// Antol et al. 2015's "deeper LSTM Q + norm I": the L2-normalised mean image vector and the
    /// question vector, each through a tanh layer, multiplied element-wise.
    case product
    /// Baseline without the image: the question vector alone (how far language priors go).
    case questionOnly = "question-only"
    /// Baseline without the question: the L2-normalised mean image vector through a tanh layer.
    case imageOnly = "image-only"
}

/// Encoder, question LSTM, fusion and classifier settings (`Codable`, snake_case keys).
public struct VQAModelConfiguration: Codable, Equatable, Sendable {
    /// Always `"vqa"`: tells a VQA model directory from a captioner's.
    public var task = "vqa"
    /// `"relational"` (default), `"attention"`, `"product"`, or a baseline: `"question-only"`,
    /// `"image-only"`.
    public var fusion: VQAFusion = .relational
    /// The CNN and its input preprocessing.
    public var encoder = EncoderConfiguration()
    /// Word embedding width: `128`.
    public var embedding = 128
    /// LSTM hidden units, also the width of the fused vector: `256`.
    public var hidden = 256
    /// Stacked LSTM layers: `1` (1...2).
    public var layers = 1
    /// Attention MLP width: `128`.
    public var attention = 128
    /// Attention hops: `1` (1...2; unused by `product`).
    public var hops = 1
    /// Hidden width of the answer classifier MLP: `256`.
    public var classifierHidden = 256
    /// Question words seen fewer times than this in training become `<unk>`: `1`.
    public var minWordCount = 1
    /// Answer classes: the most frequent training answers, at most this many: `100`.
    public var maxAnswers = 100
    /// Seed of the initial weights: `1`.
    public var seed: UInt64 = 1

    enum CodingKeys: String, CodingKey {
        case task, fusion, encoder, embedding, hidden, layers, attention, hops, seed
        case classifierHidden = "classifier_hidden"
        case minWordCount = "min_word_count"
        case maxAnswers = "max_answers"
    }

    public init() {}

    /// The largest embedding, hidden, attention and classifier width a configuration may ask for.
    public static let maxWidth = 16384
    /// The most answer classes a configuration may ask for.
    public static let maxAnswerClasses = 100_000

    /// Decodes a configuration and checks every field's range, naming the field that is out of
    /// range (`hops: must be in 1...2, got 3`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = try container.decode(String.self, forKey: .task)
        guard task == "vqa" else {
            throw DecodingError.dataCorruptedError(
                forKey: .task, in: container,
                debugDescription: "must be \"vqa\", got \"\(task)\" (a model of another task?)")
        }
        let widths = 1...Self.maxWidth
        fusion = try container.decode(VQAFusion.self, forKey: .fusion)
        encoder = try container.decodeRGBEncoder(forKey: .encoder)
        embedding = try container.decode(Int.self, forKey: .embedding, in: widths)
        hidden = try container.decode(Int.self, forKey: .hidden, in: widths)
        layers = try container.decode(Int.self, forKey: .layers, in: 1...2)
        attention = try container.decode(Int.self, forKey: .attention, in: widths)
        hops = try container.decode(Int.self, forKey: .hops, in: 1...2)
        classifierHidden = try container.decode(Int.self, forKey: .classifierHidden, in: widths)
        minWordCount = try container.decode(Int.self, forKey: .minWordCount, in: 1...Int(Int32.max))
        maxAnswers = try container.decode(
            Int.self, forKey: .maxAnswers, in: 1...Self.maxAnswerClasses)
        seed = try container.decode(UInt64.self, forKey: .seed)
    }
}
