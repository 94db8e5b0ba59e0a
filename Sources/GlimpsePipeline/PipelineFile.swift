// Pipeline files (pipelines/*.json): what a run takes as input and the stages it goes
// through, with their parameters. Loading checks everything (stage names, parameter kinds,
// that each stage takes what the one before gives) before any input is read.
//
// {
//   "pipeline": "caption",
//   "description": "Caption image files.",
//   "input": "images",
//   "stages": [
//     {"stage": "decode-image", "workers": 2},
//     {"stage": "caption", "model": "captioner", "beam": 3, "batch": 32}
//   ]
// }
import Foundation
import GlimpseSupport

/// What a pipeline's inputs are: image or video files (paths, folders, globs, lists), or the
/// rows of JSONL files.
public enum PipelineInputKind: String, Codable, Sendable, CaseIterable {
    case images, videos, rows

    /// The type of value the first stage is given.
    public var valueType: String {
        self == .rows ? pipelineTypeName(TextRow.self) : pipelineTypeName(String.self)
    }

    /// The file extensions a folder or pattern is filtered by.
    public var extensions: Set<String> {
        switch self {
        case .images: ["png", "jpg", "jpeg"]
        case .videos: ["mp4", "mkv", "mov", "avi", "webm", "m4v"]
        case .rows: ["jsonl"]
        }
    }
}

/// One line of a JSONL input file.
public struct TextRow: Sendable, Equatable {
    /// The file it is in.
    public var file: String
    /// Its line number, from 1.
    public var line: Int
    public var text: String

    public init(file: String, line: Int, text: String) {
        self.file = file
        self.line = line
        self.text = text
    }

    /// Its identity in results: `file:line`.
    public var id: String { "\(file):\(line)" }
}

/// A pipeline file's contents.
public struct PipelineDefinition: Codable, Equatable, Sendable {
    public var pipeline: String
    public var description: String?
    public var input: PipelineInputKind
    /// Each stage's `stage` name and parameters (`batch` and `workers` among them).
    public var stages: [[String: ParameterValue]]

    public init(
        pipeline: String, description: String? = nil, input: PipelineInputKind,
        stages: [[String: ParameterValue]]
    ) {
        self.pipeline = pipeline
        self.description = description
        self.input = input
        self.stages = stages
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case pipeline, description, input, stages
    }

    /// Reads a pipeline file; errors name it and the field.
    public static func read(_ path: String) throws(PipelineError) -> PipelineDefinition {
        do {
            return try JSONFile.decode(PipelineDefinition.self, from: path)
        } catch {
            throw .invalidFile(path: path, place: "", reason: Self.reason(error, path: path))
        }
    }

    private static func reason(_ error: any Error, path: String) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    /// The file's JSON: sorted keys, two-space indent, as the shipped files are written.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Sets `parameter` on every stage named `stage`; returns whether there was one.
    @discardableResult
    public mutating func set(_ parameter: String, to value: ParameterValue, onStage stage: String)
        -> Bool
    {
        var found = false
        for index in stages.indices where stages[index]["stage"] == .string(stage) {
            stages[index][parameter] = value
            found = true
        }
        return found
    }
}

/// A pipeline file checked and built: its steps are ready to run.
public struct LoadedPipeline: Sendable {
    public var path: String
    public var definition: PipelineDefinition
    public var steps: [PipelineStep]

    /// Checks `definition` (from `path`) against `registry` and builds its stages. `batch` and
    /// `workers`, when given, replace those of every stage that batches or runs in parallel.
    public init(
        _ definition: PipelineDefinition, path: String, registry: StageRegistry,
        context: StageContext, batch: Int? = nil, workers: Int? = nil
    ) throws {
        self.path = path
        self.definition = definition
        var checked: [(StageDescriptor, StageArguments, Int, Int)] = []
        var type = definition.input.valueType
        var previous = "the input (\(definition.input.rawValue))"
        guard !definition.stages.isEmpty else {
            throw PipelineError.invalidFile(path: path, place: "stages", reason: "no stages")
        }
        for (index, entry) in definition.stages.enumerated() {
            guard case .string(let name) = entry["stage"] else {
                throw PipelineError.invalidFile(
                    path: path, place: "stages[\(index)]",
                    reason: "each stage needs \"stage\": NAME")
            }
            let place = "stages[\(index)] (\(name))"
            guard let descriptor = registry.descriptor(named: name) else {
                throw PipelineError.invalidFile(
                    path: path, place: place,
                    reason: "unknown stage; the stages are "
                        + registry.descriptors.map(\.name).joined(separator: ", "))
            }
            guard descriptor.inputType == type else {
                throw PipelineError.invalidFile(
                    path: path, place: place,
                    reason: "takes \(descriptor.inputType), but \(previous) gives \(type)")
            }
            let arguments = try Self.arguments(
                entry, descriptor: descriptor, path: path, place: place)
            let batchSize =
                try descriptor.batches ? (batch ?? arguments.int("batch", in: 1...4096)) : 1
            let workerCount =
                try descriptor.parallel ? (workers ?? arguments.int("workers", in: 1...256)) : 1
            checked.append((descriptor, arguments, batchSize, workerCount))
            type = descriptor.outputType
            previous = "stage \(name)"
        }
        guard let last = checked.last?.0, last.writesResults else {
            throw PipelineError.invalidFile(
                path: path, place: "stages[\(definition.stages.count - 1)]",
                reason: "the last stage's output (\(type)) cannot be written as a result")
        }
        steps = try checked.map { descriptor, arguments, batchSize, workerCount in
            do {
                return try descriptor.build(arguments, context, batchSize, workerCount)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError.invalidFile(
                    path: path, place: arguments.place,
                    reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
        }
    }

    /// Loads the pipeline file at `path`.
    public init(
        contentsOf path: String, registry: StageRegistry, context: StageContext,
        batch: Int? = nil, workers: Int? = nil
    ) throws {
        try self.init(
            PipelineDefinition.read(path), path: path, registry: registry, context: context,
            batch: batch, workers: workers)
    }

    /// A stage entry's parameters checked against its descriptor, defaults filled in.
    private static func arguments(
        _ entry: [String: ParameterValue], descriptor: StageDescriptor, path: String,
        place: String
    ) throws(PipelineError) -> StageArguments {
        var specs = descriptor.parameters
        if descriptor.batches {
            specs.append(StageParameter("batch", .int, default: .int(32), "inputs per batch"))
        }
        if descriptor.parallel {
            specs.append(
                StageParameter("workers", .int, default: .int(2), "threads running the stage"))
        }
        var values: [String: ParameterValue] = [:]
        for (key, value) in entry where key != "stage" {
            guard let spec = specs.first(where: { $0.name == key }) else {
                let known = specs.map(\.name)
                throw .invalidFile(
                    path: path, place: place,
                    reason: "unknown parameter \"\(key)\"; "
                        + (known.isEmpty
                            ? "this stage takes none"
                            : "it takes " + known.joined(separator: ", ")))
            }
            guard spec.kind.admits(value) else {
                throw .invalidFile(
                    path: path, place: place,
                    reason: "\(key) must be \(spec.kind.phrase), got \(value)")
            }
            values[key] = value
        }
        for spec in specs where values[spec.name] == nil {
            if spec.required {
                throw .invalidFile(path: path, place: place, reason: "\(spec.name) is required")
            }
            values[spec.name] = spec.defaultValue
        }
        return StageArguments(file: path, place: place, values: values)
    }

    /// The stage graph: input, then each stage with its types, batch size, workers and
    /// parameters (`glimpse run --explain`).
    public func explanation() -> String {
        var lines = ["pipeline \(definition.pipeline) (\(path))"]
        if let description = definition.description { lines.append("  \(description)") }
        lines.append("  input: \(definition.input.rawValue) → \(definition.input.valueType)")
        for (index, step) in steps.enumerated() {
            let shown = step.parameters.filter { $0.key != "batch" && $0.key != "workers" }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append(
                "  \(index + 1). \(step.name): \(step.inputType) → \(step.outputType)"
                    + "  batch \(step.batchSize), workers \(step.workers)"
                    + (shown.isEmpty ? "" : "  " + shown.joined(separator: " ")))
        }
        lines.append(
            "  output: one JSON line per input, its result the \(steps.last?.outputType ?? "") as JSON"
        )
        return lines.joined(separator: "\n")
    }
}
