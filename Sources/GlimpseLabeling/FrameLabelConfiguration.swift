// The shape of a frame-labelling model and how it was trained, saved as config.json in its
// directory (snake_case keys, every field range-checked as it is decoded).
import GlimpseLayers
import GlimpseSupport
import GlimpseVision

/// What carries information across frames.
public enum TemporalModel: String, Codable, Sendable, CaseIterable {
    /// An LSTM over each frame's mean feature vector (LRCN, Donahue et al. 2015).
    case lstm
    /// An LSTM over an attention context of each frame's feature grid, the attention driven
    /// by the previous LSTM state (Sharma, Kiros & Salakhutdinov 2015).
    case attention
    /// No recurrence: the mean of the last `pooling_window` frames' feature vectors (the
    /// late-pooling baseline of Ng et al. 2015, made causal so it can run online).
    case pooling
}

/// The ranking term of Ma, Sigal & Sclaroff's loss L = L_c + λ_r·L_r.
public enum RankLoss: String, Codable, Sendable, CaseIterable {
    /// Cross-entropy alone.
    case none
    /// L_s, on the detection score.
    case score
    /// L_m, on the discriminative margin.
    case margin

    /// The layer library's kind, nil for `none`.
    public var kind: RankingLossKind? {
        switch self {
        case .none: nil
        case .score: .detectionScore
        case .margin: .margin
        }
    }
}

/// Encoder, temporal model, labels and training settings (`Codable`, snake_case keys).
public struct FrameLabelConfiguration: Codable, Equatable, Sendable {
    /// Class names; index 0 is `background` (time no segment covers).
    public var labels: [String] = [Self.background]
    /// The CNN applied to every frame, and its input preprocessing.
    public var encoder = EncoderConfiguration()
    /// `lstm`, `attention` or `pooling`.
    public var temporal: TemporalModel = .lstm
    /// Whether the CNN sees each frame together with its change since the previous sampled
    /// frame (6 input channels: the frame, then frame − previous; zero on a sequence's first
    /// frame), the RGB-difference input of Wang et al.'s temporal segment networks. Motion is
    /// then in every frame's features instead of something the LSTM must work out from two
    /// of them. Setting it sets the encoder's input channels. Configurations written before it
    /// existed decode as `false`.
    public var frameDifference = false {
        didSet { encoder.inputChannels = Self.inputChannels(frameDifference: frameDifference) }
    }
    /// LSTM hidden units: `256`.
    public var hidden = 256
    /// Attention MLP width: `128`.
    public var attention = 128
    /// Frames averaged by the pooling baseline: `8`.
    public var poolingWindow = 8
    /// Frames sampled per second of video, in training and by default in labelling: `5`.
    public var fps: Double = 5
    /// The ranking term: `none`, `score` (L_s) or `margin` (L_m).
    public var rankLoss: RankLoss = .none
    /// λ_r: `1`.
    public var lambdaR: Float = 1
    /// Frames per training sequence (truncated backpropagation through time): `64`.
    public var window = 64
    /// Seed of the initial weights: `1`.
    public var seed: UInt64 = 1

    /// The name of class 0.
    public static let background = "background"
    /// The largest hidden and attention width, label count and window a configuration may ask for.
    public static let maxWidth = 16384
    public static let maxLabels = 10000
    public static let maxWindow = 100_000

    enum CodingKeys: String, CodingKey {
        case labels, encoder, temporal, hidden, attention, fps, window, seed
        case frameDifference = "frame_difference"
        case poolingWindow = "pooling_window"
        case rankLoss = "rank_loss"
        case lambdaR = "lambda_r"
    }

    public init() {}

    /// Decodes a configuration and checks every field, naming the one out of range.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        labels = try container.decode([String].self, forKey: .labels)
        guard (2...Self.maxLabels).contains(labels.count), labels.first == Self.background,
            Set(labels).count == labels.count, !labels.contains(where: \.isEmpty)
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .labels, in: container,
                debugDescription: "must be 2...\(Self.maxLabels) distinct non-empty names, the "
                    + "first \"\(Self.background)\"")
        }
        encoder = try container.decode(EncoderConfiguration.self, forKey: .encoder)
        frameDifference =
            try container.decodeIfPresent(Bool.self, forKey: .frameDifference) ?? false
        guard encoder.inputChannels == Self.inputChannels(frameDifference: frameDifference) else {
            throw DecodingError.dataCorruptedError(
                forKey: .frameDifference, in: container,
                debugDescription: "frame_difference \(frameDifference) needs the encoder's "
                    + "input_channels \(Self.inputChannels(frameDifference: frameDifference)), "
                    + "got \(encoder.inputChannels)")
        }
        temporal = try container.decode(TemporalModel.self, forKey: .temporal)
        let widths = 1...Self.maxWidth
        hidden = try container.decode(Int.self, forKey: .hidden, in: widths)
        attention = try container.decode(Int.self, forKey: .attention, in: widths)
        poolingWindow = try container.decode(Int.self, forKey: .poolingWindow, in: 1...10000)
        fps = try container.decode(Double.self, forKey: .fps)
        guard fps > 0 && fps <= 1000 else {
            throw DecodingError.dataCorruptedError(
                forKey: .fps, in: container, debugDescription: "must be in (0, 1000], got \(fps)")
        }
        rankLoss = try container.decode(RankLoss.self, forKey: .rankLoss)
        lambdaR = try container.decode(Float.self, forKey: .lambdaR, in: 0...1e6)
        window = try container.decode(Int.self, forKey: .window, in: 1...Self.maxWindow)
        seed = try container.decode(UInt64.self, forKey: .seed)
    }

    /// Throws when a field set in code is outside the ranges decoding enforces.
    public func validate() throws(LabelingError) {
        guard labels.count >= 2, labels.first == Self.background, Set(labels).count == labels.count
        else {
            throw .invalidArgument(
                "labels must be distinct, at least one besides \"\(Self.background)\" first")
        }
        for (name, value, range) in [
            ("hidden", hidden, 1...Self.maxWidth), ("attention", attention, 1...Self.maxWidth),
            ("pooling window", poolingWindow, 1...10000), ("window", window, 1...Self.maxWindow),
        ] where !range.contains(value) {
            throw .invalidArgument("\(name) must be in \(range), got \(value)")
        }
        guard fps > 0 && fps <= 1000 else { throw .invalidArgument("fps must be in (0, 1000]") }
        guard encoder.inputChannels == Self.inputChannels(frameDifference: frameDifference) else {
            throw .invalidArgument(
                "the encoder must take \(Self.inputChannels(frameDifference: frameDifference)) "
                    + "input channels with frame difference \(frameDifference ? "on" : "off")")
        }
        guard lambdaR >= 0 && lambdaR.isFinite else {
            throw .invalidArgument("λ_r must be a non-negative number, got \(lambdaR)")
        }
    }

    /// The encoder's input channels: RGB, plus its difference from the previous frame.
    static func inputChannels(frameDifference: Bool) -> Int { frameDifference ? 6 : 3 }

    /// Input width of the classifier.
    var classifierInput: Int { temporal == .pooling ? frameFeatureSize : hidden }
    /// What the temporal model sees of a frame: the grid's mean or attention context (E) and
    /// the spatial soft-argmax keypoints (2E).
    var frameFeatureSize: Int { 3 * encoder.featureSize }
}
