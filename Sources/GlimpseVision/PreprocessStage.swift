// The model's own resize as a pipeline stage, so it runs on the decoding threads rather than
// in the model's batch.
import Foundation
import GlimpseMedia
import GlimpsePipeline
import GlimpseSupport

/// Resizes (and crops) an image as a model's encoder was trained: its `Preprocessing`.
public struct Preprocess: Stage, Sendable {
    public var preprocessing: Preprocessing
    public var name: String { "preprocess" }

    public init(_ preprocessing: Preprocessing) {
        self.preprocessing = preprocessing
    }

    public func process(_ image: Image) -> Image {
        preprocessing.resized(image)
    }

    /// The stage as pipeline files name it: `{"stage": "preprocess", "model": DIR}` reads the
    /// preprocessing from the model's `config.json` (`encoder.preprocessing`).
    public static let descriptor = StageDescriptor(
        name: "preprocess",
        summary: "Resizes an image to a model's input as its config.json says.",
        parameters: [
            StageParameter("model", .string, required: true, "model directory or name"),
            StageParameter(
                "resize", .string, "stretch, crop or pad (default: as the model was trained)"),
        ],
        parallel: true
    ) { arguments, context in
        let directory = try context.modelDirectory(try arguments.string("model"))
        guard FileManager.default.fileExists(atPath: directory + "/config.json") else {
            throw arguments.invalid("\(directory): missing config.json (not a model directory)")
        }
        let configuration = try JSONFile.decode(ModelInput.self, from: directory + "/config.json")
        var preprocessing = configuration.encoder.preprocessing
        if let name = try arguments.optionalString("resize") {
            guard let mode = Preprocessing.ResizeMode(argument: name) else {
                throw arguments.invalid("resize must be stretch, crop or pad, got \"\(name)\"")
            }
            preprocessing.resize = mode
        }
        return Preprocess(preprocessing)
    }

    /// The part of any model's config.json this stage reads.
    private struct ModelInput: Decodable {
        struct Encoder: Decodable {
            var preprocessing = Preprocessing()

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                preprocessing =
                    try container.decodeIfPresent(Preprocessing.self, forKey: .preprocessing)
                    ?? Preprocessing()
            }

            enum CodingKeys: String, CodingKey { case preprocessing }
        }
        var encoder: Encoder
    }
}
