// Captioning as a pipeline stage: a batch of images through the CNN encoder at once, then the
// decoder (greedy or beam search) over the batch's feature grids.
import GlimpseMedia
import GlimpsePipeline
import GlimpseTensor

/// A caption as a run's result: `{"caption", "log_prob"}`, and the generated caption itself
/// (with its attention) for a caller drawing attention maps.
public struct CaptionResult: Encodable, Sendable {
    public var caption: GeneratedCaption

    enum CodingKeys: String, CodingKey {
        case caption
        case logProb = "log_prob"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(caption.text, forKey: .caption)
        try container.encode(caption.logProbability, forKey: .logProb)
    }
}

/// Captions images, a batch at a time.
public struct CaptionImages: Stage {
    public var model: CaptionModel
    public var beamWidth: Int
    public var lengthPenalty: Float?
    public var name: String { "caption" }

    public init(model: CaptionModel, beamWidth: Int = 3, lengthPenalty: Float? = nil) {
        self.model = model
        self.beamWidth = beamWidth
        self.lengthPenalty = lengthPenalty
    }

    public func process(_ image: Image) throws -> CaptionResult {
        guard let result = try process(batch: [image]).first else {
            throw PipelineError.missingResult
        }
        return try result.get()
    }

    /// One encoder pass over the batch, then the decoder; a search error fails the batch.
    public func process(batch images: [Image]) -> [Result<CaptionResult, any Error>] {
        guard !images.isEmpty else { return [] }
        let features = withoutGradients { model.features(of: images) }
        do {
            let captions = try model.captions(
                for: features, beamWidth: beamWidth, lengthPenalty: lengthPenalty)
            return captions.map { .success(CaptionResult(caption: $0)) }
        } catch {
            return images.map { _ in .failure(error) }
        }
    }
}

/// The captioning stages pipeline files can name.
public enum CaptionStages {
    public static let descriptors: [StageDescriptor] = [
        StageDescriptor(
            name: "caption",
            summary: "Captions images with a captioning model (CNN encoder + LSTM decoder).",
            parameters: [
                StageParameter("model", .string, required: true, "model directory or name"),
                StageParameter("beam", .int, default: .int(3), "beam width; 1 decodes greedily"),
                StageParameter(
                    "length_penalty", .number,
                    "beam ranking log p / length^A (default: the model's)"),
            ],
            batches: true
        ) { arguments, context in
            let directory = try context.modelDirectory(try arguments.string("model"))
            let model = try context.shared(directory) { try CaptionModel(contentsOf: directory) }
            return CaptionImages(
                model: model,
                beamWidth: try arguments.int("beam", in: 1...CaptionModel.maxBeamWidth),
                lengthPenalty: try arguments.optionalNumber("length_penalty", in: 0...100).map(
                    Float.init))
        }
    ]
}
