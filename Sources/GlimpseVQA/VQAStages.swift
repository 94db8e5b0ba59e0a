// Visual question answering as pipeline stages: a JSONL row read as a question, its image
// decoded on a worker thread, and a batch of questions answered with the CNN run once per
// distinct image of the batch.
import Foundation
import GlimpseMedia
import GlimpsePipeline

/// A question with its decoded image.
public struct VQAQuestionImage: Sendable {
    public var example: VQAExample
    public var image: Image

    public init(example: VQAExample, image: Image) {
        self.example = example
        self.image = image
    }
}

/// One answered question: the prediction's fields (`answers`, `attention`, `tokens`, …) and
/// `image`, `question`, `answer`.
public struct VQAAnswer: Encodable, Sendable {
    public var image: String
    public var question: String
    public var prediction: VQAPrediction

    public init(image: String, question: String, _ prediction: VQAPrediction) {
        self.image = image
        self.question = question
        self.prediction = prediction
    }

    enum CodingKeys: String, CodingKey {
        case image, question, answer
    }

    public func encode(to encoder: any Encoder) throws {
        try prediction.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(question, forKey: .question)
        try container.encode(prediction.answer, forKey: .answer)
    }
}

/// Reads a JSONL row `{"image", "question"}` (answers optional), the image path relative to
/// the file's folder.
public struct ReadQuestion: Stage, Sendable {
    public var name: String { "read-question" }

    public init() {}

    public func process(_ row: TextRow) throws -> VQAExample {
        do {
            return try VQADataset.parseLine(
                row.text, folder: (row.file as NSString).deletingLastPathComponent,
                requireAnswers: false, source: "line \(row.line)")
        } catch {
            throw VQAError.invalidData(path: row.file, reason: error.reason)
        }
    }
}

/// Decodes a question's image.
public struct DecodeQuestionImage: Stage, Sendable {
    public var limits: DecodeLimits
    public var name: String { "decode-question-image" }

    public init(limits: DecodeLimits = .standard) {
        self.limits = limits
    }

    public func process(_ example: VQAExample) throws -> VQAQuestionImage {
        VQAQuestionImage(
            example: example,
            image: try Image(contentsOf: example.image, layout: .rgb, limits: limits))
    }
}

/// Answers a batch of questions, each distinct image through the CNN once.
public struct AnswerQuestions: Stage {
    public var model: VQAModel
    public var top: Int
    public var name: String { "answer" }

    public init(model: VQAModel, top: Int = 5) {
        self.model = model
        self.top = top
    }

    public func process(_ input: VQAQuestionImage) throws -> VQAAnswer {
        try processedAlone(input, by: process(batch:))
    }

    /// Questions that cannot be encoded (empty, too long) fail alone; the others are answered
    /// together.
    public func process(batch inputs: [VQAQuestionImage]) -> [Result<VQAAnswer, any Error>] {
        var results: [Result<VQAAnswer, any Error>?] = Array(repeating: nil, count: inputs.count)
        var good: [Int] = []
        for (index, input) in inputs.enumerated() {
            do {
                _ = try model.encode(question: input.example.question)
                good.append(index)
            } catch {
                results[index] = .failure(
                    VQAError.invalidData(
                        path: input.example.image,
                        reason: error.localizedDescription))
            }
        }
        var slots: [String: Int] = [:]
        var images: [Image] = []
        var indices: [Int] = []
        for index in good {
            let path = inputs[index].example.image
            if let slot = slots[path] {
                indices.append(slot)
            } else {
                slots[path] = images.count
                indices.append(images.count)
                images.append(inputs[index].image)
            }
        }
        if !good.isEmpty {
            do {
                let predictions = try model.answers(
                    for: images, questions: good.map { inputs[$0].example.question },
                    imageIndex: indices, top: top)
                for (index, prediction) in zip(good, predictions) {
                    let example = inputs[index].example
                    results[index] = .success(
                        VQAAnswer(image: example.image, question: example.question, prediction))
                }
            } catch {
                for index in good { results[index] = .failure(error) }
            }
        }
        return results.map { $0 ?? .failure(PipelineError.missingResult) }
    }
}

/// The VQA stages pipeline files can name.
public enum VQAStages {
    public static let descriptors: [StageDescriptor] = [
        StageDescriptor(
            name: "read-question",
            summary: "Reads a JSONL row {\"image\", \"question\"} (image relative to the file)."
        ) { _, _ in ReadQuestion() },
        StageDescriptor(
            name: "decode-question-image",
            summary: "Decodes a question's image as RGB.",
            parameters: [
                StageParameter(
                    "max_pixels", .int, default: .int(DecodeLimits.standard.maxPixels),
                    "refuse images larger than this many pixels")
            ],
            parallel: true
        ) { arguments, _ in
            DecodeQuestionImage(
                limits: DecodeLimits(
                    maxPixels: try arguments.int("max_pixels", in: 1...DecodeLimits.ceiling)))
        },
        StageDescriptor(
            name: "answer",
            summary: "Answers questions about images with a VQA model (top answers, attention).",
            parameters: [
                StageParameter("model", .string, required: true, "model directory or name"),
                StageParameter("top", .int, default: .int(5), "ranked answers per question"),
            ],
            batches: true
        ) { arguments, context in
            let directory = try context.modelDirectory(try arguments.string("model"))
            let model = try context.shared(directory) { try VQAModel(contentsOf: directory) }
            return AnswerQuestions(model: model, top: try arguments.int("top", in: 1...1000))
        },
    ]
}
