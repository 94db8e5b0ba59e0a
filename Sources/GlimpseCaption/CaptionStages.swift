// Captioning as pipeline stages: `encode-image` runs a batch of images through the CNN encoder
// at once, `decode-captions` the decoder (greedy or beam search) over a batch of feature grids,
// so a run overlaps the encoder on one batch with the search on the one before; `caption` is
// both in one stage.
import GlimpseMedia
import GlimpsePipeline
import GlimpseTensor

/// A caption as a run's result: `{"caption", "log_prob", "truncated", "confidence",
/// "in_domain"}` plus `"captions"` (the n best, each `{"caption", "log_prob"}`) when more
/// than one was asked for; and the generated captions themselves (with their attention) and
/// the image the model saw, for a caller drawing attention maps.
public struct CaptionResult: Encodable, Sendable {
    /// The n best, best first (at least one).
    public var captions: [GeneratedCaption]
    /// nil when the model has no calibrated domain.
    public var confidence: CaptionConfidence?
    /// The image as the model was given it (after preprocessing); not part of the JSON.
    public var image: Image?

    public init(captions: [GeneratedCaption], confidence: CaptionConfidence?, image: Image? = nil) {
        self.captions = captions
        self.confidence = confidence
        self.image = image
    }

    /// The best caption.
    public var caption: GeneratedCaption { captions[0] }

    enum CodingKeys: String, CodingKey {
        case caption, captions, confidence, truncated
        case logProb = "log_prob"
        case inDomain = "in_domain"
    }

    struct Alternative: Encodable {
        var caption: String
        var logProb: Float
        var truncated: Bool

        enum CodingKeys: String, CodingKey {
            case caption, truncated
            case logProb = "log_prob"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(caption.text, forKey: .caption)
        try container.encode(caption.logProbability, forKey: .logProb)
        try container.encode(caption.truncated, forKey: .truncated)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(confidence?.inDomain, forKey: .inDomain)
        if captions.count > 1 {
            try container.encode(
                captions.map {
                    Alternative(
                        caption: $0.text, logProb: $0.logProbability, truncated: $0.truncated)
                }, forKey: .captions)
        }
    }
}

/// Captions images, a batch at a time, with their confidence when the model has a domain:
/// ``EncodeImages`` then ``DecodeCaptions`` in one stage.
public struct CaptionImages: Stage {
    public var model: CaptionModel { encoder.model }
    public var search: CaptionSearch { decoder.search }
    public var name: String { "caption" }
    private let encoder: EncodeImages
    private let decoder: DecodeCaptions

    public init(model: CaptionModel, search: CaptionSearch = CaptionSearch(beamWidth: 3)) {
        encoder = EncodeImages(model: model)
        decoder = DecodeCaptions(model: model, search: search)
    }

    public func process(_ image: Image) throws -> CaptionResult {
        try decoder.process(try encoder.process(image))
    }

    /// One encoder pass over the batch, then the decoder; a search error fails the batch.
    public func process(batch images: [Image]) -> [Result<CaptionResult, any Error>] {
        guard !images.isEmpty else { return [] }
        let features = withoutGradients { model.features(of: images) }
        return decoder.captions(for: features, of: images)
    }
}

/// An image's feature grid from a captioning model's encoder, with the image as the encoder
/// was given it (for attention maps).
public struct ImageFeatures: Sendable {
    /// [P, E]
    public var grid: Tensor
    public var image: Image
    /// Which model's encoder made the grid (``CaptionModel/identity``).
    public var encoder: String
}

/// The captioning model's CNN encoder over a batch of preprocessed images.
public struct EncodeImages: Stage {
    public let model: CaptionModel
    public var name: String { "encode-image" }
    /// The model's ``CaptionModel/identity``, taken once.
    private let identity: String

    public init(model: CaptionModel) {
        self.model = model
        identity = model.identity
    }

    public func process(_ image: Image) throws -> ImageFeatures {
        try processedAlone(image, by: process(batch:))
    }

    public func process(batch images: [Image]) -> [Result<ImageFeatures, any Error>] {
        guard !images.isEmpty else { return [] }
        let features = withoutGradients { model.features(of: images) }  // [N, P, E]
        let grid = Array(features.shape.dropFirst())
        return images.indices.map { i in
            .success(
                ImageFeatures(
                    grid: features.slice(axis: 0, range: i..<(i + 1)).reshaped(to: grid),
                    image: images[i], encoder: identity))
        }
    }
}

/// The captioning model's decoder over a batch of feature grids: captions with their
/// confidence when the model has a domain.
public struct DecodeCaptions: Stage {
    public let model: CaptionModel
    public var search: CaptionSearch
    public var name: String { "decode-captions" }
    /// The model's ``CaptionModel/identity``, taken once.
    private let identity: String

    public init(model: CaptionModel, search: CaptionSearch = CaptionSearch(beamWidth: 3)) {
        self.model = model
        self.search = search
        identity = model.identity
    }

    public func process(_ features: ImageFeatures) throws -> CaptionResult {
        try processedAlone(features, by: process(batch:))
    }

    /// One search over the batch's grids; a search error fails the batch, and a grid from
    /// another model's encoder fails alone.
    public func process(batch features: [ImageFeatures]) -> [Result<CaptionResult, any Error>] {
        let encoder = model.configuration.encoder
        let shape = [encoder.locations, encoder.featureSize]
        let good = features.indices.filter {
            features[$0].grid.shape == shape && features[$0].encoder == identity
        }
        var results: [Result<CaptionResult, any Error>] = features.map {
            .failure(
                CaptionError.invalidArgument(
                    "a feature grid from another model's encoder (\($0.encoder), shape "
                        + "\($0.grid.shape)) where this decoder's model is \(identity) "
                        + "(shape \(shape)): encode-image and decode-captions need the same model"
                ))
        }
        guard !good.isEmpty else { return results }
        let captioned = captions(
            for: stack(good.map { features[$0].grid }, axis: 0), of: good.map { features[$0].image }
        )
        for (index, result) in zip(good, captioned) { results[index] = result }
        return results
    }

    /// Captions of feature grids [N, P, E] of `images`.
    func captions(for features: Tensor, of images: [Image]) -> [Result<CaptionResult, any Error>] {
        do {
            let captions = try model.captions(for: features, search: search)
            let shares = model.domain?.features.unlikeShares(features)
            return captions.enumerated().map { i, best in
                .success(
                    CaptionResult(
                        captions: best,
                        confidence: shares.flatMap {
                            model.domain?.confidence(of: best[0], unlikeShare: $0[i])
                        }, image: images[i]))
            }
        } catch {
            return images.map { _ in .failure(error) }
        }
    }
}

/// The captioning stages pipeline files can name.
public enum CaptionStages {
    /// The parameters of a caption search.
    static let searchParameters = [
        StageParameter("beam", .int, default: .int(3), "beam width; 1 decodes greedily"),
        StageParameter(
            "length_penalty", .number, "beam ranking log p / length^A (default: the model's)"),
        StageParameter("n_best", .int, default: .int(1), "captions per image, best first (≤ beam)"),
        StageParameter(
            "block_trigrams", .bool, default: .bool(false),
            "refuse a word that repeats a word trigram of the caption"),
    ]

    static let modelParameter = StageParameter(
        "model", .string, required: true, "model directory or name")

    /// The model a stage's `model` parameter names (one copy for every stage naming it).
    static func model(_ arguments: StageArguments, _ context: StageContext) throws -> CaptionModel {
        let directory = try context.modelDirectory(try arguments.string("model"))
        return try context.shared(directory) { try CaptionModel(contentsOf: directory) }
    }

    /// The search a stage's parameters ask for.
    static func search(_ arguments: StageArguments) throws -> CaptionSearch {
        let beam = try arguments.int("beam", in: 1...CaptionModel.maxBeamWidth)
        return CaptionSearch(
            beamWidth: beam, count: try arguments.int("n_best", in: 1...beam),
            lengthPenalty: try arguments.optionalNumber("length_penalty", in: 0...100).map(
                Float.init),
            blocksTrigrams: arguments.bool("block_trigrams"))
    }

    public static let descriptors: [StageDescriptor] = [
        StageDescriptor(
            name: "caption",
            summary: "Captions images with a captioning model (CNN encoder + LSTM decoder).",
            parameters: [modelParameter] + searchParameters,
            batches: true
        ) { arguments, context in
            CaptionImages(model: try model(arguments, context), search: try search(arguments))
        },
        StageDescriptor(
            name: "encode-image",
            summary: "Runs a captioning model's CNN encoder over images: their feature grids.",
            parameters: [modelParameter],
            batches: true
        ) { arguments, context in
            EncodeImages(model: try model(arguments, context))
        },
        StageDescriptor(
            name: "decode-captions",
            summary: "Captions feature grids with a captioning model's LSTM decoder.",
            parameters: [modelParameter] + searchParameters,
            batches: true
        ) { arguments, context in
            DecodeCaptions(model: try model(arguments, context), search: try search(arguments))
        },
        StageDescriptor(
            name: "write-attention-maps",
            summary: "Writes each caption's per-word attention maps as one PNG sheet, DIR/ID.png.",
            parameters: [
                StageParameter("dir", .string, required: true, "folder the .png files go to"),
                StageParameter(
                    "model", .string, required: true,
                    "the caption stage's model (its vocabulary and feature grid)"),
            ]
        ) { arguments, context in
            WriteAttentionMaps(
                directory: try arguments.string("dir"), model: try model(arguments, context))
        },
    ]
}
