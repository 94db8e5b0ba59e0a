// What kind of model a directory holds, told by the weight files each task writes, so a
// model given to the wrong command is named for what it is instead of failing on a missing
// field of a config.json written for another task.
import Foundation

/// The kinds of model directory the commands read.
enum ModelKind: String, CaseIterable {
    case captioner
    case vqa
    case frameLabeller = "frame-labeller"
    case languageModel = "language-model"

    /// The kind of the model in `directory`, or nil when it is none of them.
    static func identify(_ directory: String) -> ModelKind? {
        func has(_ name: String) -> Bool {
            FileManager.default.fileExists(atPath: directory + "/" + name)
        }
        guard has("config.json") else { return nil }
        if has("vqa.safetensors") { return .vqa }
        if has("decoder.safetensors") { return .captioner }
        if has("model.safetensors") { return .frameLabeller }
        if has("vocab.json") && has("checkpoint") { return .languageModel }
        return nil
    }

    /// `a captioning model (made by `glimpse caption train`, used by `glimpse caption`)`.
    var description: String {
        switch self {
        case .captioner:
            "a captioning model (made by `glimpse caption train`, used by `glimpse caption`)"
        case .vqa:
            "a VQA model (made by `glimpse vqa train`, used by `glimpse vqa`)"
        case .frameLabeller:
            "a frame-labelling model (made by `glimpse label train`, used by `glimpse label`)"
        case .languageModel:
            "a character language model (made by `glimpse lm train`, used by `glimpse lm sample`)"
        }
    }

    /// Throws when `directory` holds a model of another kind, naming what it is.
    func check(_ directory: String) throws {
        guard let found = Self.identify(directory), found != self else { return }
        throw ValidationFailure("\(directory) is \(found.description), not \(noun)")
    }

    private var noun: String {
        switch self {
        case .captioner: "a captioning model"
        case .vqa: "a VQA model"
        case .frameLabeller: "a frame-labelling model"
        case .languageModel: "a character language model"
        }
    }
}
