// Finding pipeline files, the stages they can name, and the models they name.
import Foundation
import GlimpseCaption
import GlimpseLabeling
import GlimpsePipeline
import GlimpseVQA
import GlimpseVision

enum PipelineLocation {
    /// Every stage a pipeline file can name.
    static let registry = StageRegistry(
        MediaStages.descriptors + [Preprocess.descriptor] + CaptionStages.descriptors
            + VQAStages.descriptors + LabelStages.descriptors)

    /// The folders searched for a pipeline named without a path: `$GLIMPSE_PIPELINES`,
    /// `./pipelines`, and `pipelines` in a folder above the executable (a source checkout).
    static func folders() -> [String] {
        var folders: [String] = []
        if let root = ProcessInfo.processInfo.environment["GLIMPSE_PIPELINES"] {
            folders.append(root)
        }
        folders.append(FileManager.default.currentDirectoryPath + "/pipelines")
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            folders.append(url.appendingPathComponent("pipelines").path)
        }
        return folders
    }

    /// `argument` if it is a file; else the shipped pipeline of that name (`caption` or
    /// `caption.json`).
    static func resolve(_ argument: String) throws -> String {
        if FileManager.default.fileExists(atPath: argument) { return argument }
        if !argument.contains("/") {
            let name = argument.hasSuffix(".json") ? argument : argument + ".json"
            for folder in folders()
            where FileManager.default.fileExists(atPath: folder + "/" + name) {
                return folder + "/" + name
            }
        }
        throw ValidationFailure(
            "\(argument): no such pipeline file (the shipped ones: glimpse pipelines)")
    }

    /// The shipped pipeline files.
    static func shipped() -> [String] {
        for folder in folders() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                continue
            }
            let files = names.filter { $0.hasSuffix(".json") }.sorted()
            if !files.isEmpty { return files.map { folder + "/" + $0 } }
        }
        return []
    }

    /// Model values in pipeline files: a folder path as given, or a shipped model's name.
    static func context() -> StageContext {
        StageContext { value in
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                return value
            }
            guard !value.contains("/") else {
                throw ValidationFailure("model \(value): no such folder")
            }
            return try ModelLocation.resolve(nil, name: value)
        }
    }

    /// Loads a pipeline definition (`path` for messages) with the standard stages.
    static func load(
        _ definition: PipelineDefinition, path: String, batch: Int? = nil, workers: Int? = nil,
        context: StageContext = context()
    ) throws -> LoadedPipeline {
        try LoadedPipeline(
            definition, path: path, registry: registry, context: context, batch: batch,
            workers: workers)
    }
}
