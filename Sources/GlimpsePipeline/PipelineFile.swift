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
//
// An entry {"fan_out": [[STAGES], [STAGES]]} gives its input to both branches and pairs their
// results (see StageEntry); its stages are checked as the file's are, their places named
// `stages[2].fan_out[1][0] (caption)`.
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
    /// The stages in order: each a stage's `stage` name and parameters (`batch` and
    /// `workers` among them), or a fan-out of two branches.
    public var stages: [StageEntry]

    public init(
        pipeline: String, description: String? = nil, input: PipelineInputKind,
        stages: [StageEntry]
    ) {
        self.pipeline = pipeline
        self.description = description
        self.input = input
        self.stages = stages
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case pipeline, description, input, stages
    }

    /// Decodes a pipeline file's object, refusing a key it does not know (a misspelt
    /// `"stages"` would otherwise leave a pipeline without them, or `"descripton"` be lost).
    public init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: JSONKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }.sorted()
        guard unknown.isEmpty else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [],
                    debugDescription: "unknown key" + (unknown.count == 1 ? " " : "s ")
                        + unknown.map { "\"\($0)\"" }.joined(separator: ", ")
                        + "; a pipeline file takes "
                        + CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            pipeline: try container.decode(String.self, forKey: .pipeline),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            input: try container.decode(PipelineInputKind.self, forKey: .input),
            stages: try container.decode([StageEntry].self, forKey: .stages))
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

    /// Sets `parameter` on every stage named `stage`, in fan-out branches too; returns whether
    /// there was one.
    @discardableResult
    public mutating func set(_ parameter: String, to value: ParameterValue, onStage stage: String)
        -> Bool
    {
        var found = false
        for index in stages.indices where stages[index].set(parameter, to: value, onStage: stage) {
            found = true
        }
        return found
    }

    /// The names of every stage, fan-out branches included, in file order.
    public var stageNames: [String] { stages.flatMap(\.stageNames) }
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
        let checking = Checking(path: path, registry: registry, batch: batch, workers: workers)
        let checked = try checking.check(
            definition.stages, at: "stages", type: definition.input.valueType,
            from: "the input (\(definition.input.rawValue))")
        if let unwritable = checked.unwritable {
            throw PipelineError.invalidFile(
                path: path, place: unwritable.place,
                reason: "the last stage's output (\(unwritable.type)) cannot be written as a "
                    + "result")
        }
        steps = try Self.build(checked.entries, context: context, path: path, inBranch: false)
    }

    /// A stage entry checked against the registry, ready to build.
    private indirect enum Checked {
        case stage(StageDescriptor, StageArguments, batch: Int, workers: Int)
        case fanOut([Checked], [Checked])
    }

    /// Checks entries of one file against the registry.
    private struct Checking {
        var path: String
        var registry: StageRegistry
        var batch: Int?
        var workers: Int?

        /// Checks `entries` (found at `prefix`: `stages`, or `stages[2].fan_out[1]` in a
        /// branch) given values of `type` from `previous`; returns them checked, the type the
        /// last gives and, when that cannot be written as a result, where and what it is.
        func check(_ entries: [StageEntry], at prefix: String, type: String, from previous: String)
            throws(PipelineError)
            -> (entries: [Checked], type: String, unwritable: (place: String, type: String)?)
        {
            guard !entries.isEmpty else {
                throw .invalidFile(path: path, place: prefix, reason: "no stages")
            }
            var checked: [Checked] = []
            var type = type
            var previous = previous
            var unwritable: (place: String, type: String)?
            for (index, entry) in entries.enumerated() {
                switch entry {
                case .stage(let parameters):
                    guard case .string(let name) = parameters["stage"] else {
                        throw .invalidFile(
                            path: path, place: "\(prefix)[\(index)]",
                            reason: "each stage needs \"stage\": NAME (or \"fan_out\": "
                                + "[[STAGES], [STAGES]])")
                    }
                    let place = "\(prefix)[\(index)] (\(name))"
                    guard let descriptor = registry.descriptor(named: name) else {
                        throw .invalidFile(
                            path: path, place: place,
                            reason: "unknown stage; the stages are "
                                + registry.descriptors.map(\.name).joined(separator: ", "))
                    }
                    guard descriptor.inputType == type else {
                        throw .invalidFile(
                            path: path, place: place,
                            reason: "takes \(descriptor.inputType), but \(previous) gives \(type)")
                    }
                    let arguments = try LoadedPipeline.arguments(
                        parameters, descriptor: descriptor, path: path, place: place)
                    let batchSize = try Self.override(
                        batch, of: "batch", in: 1...4096, if: descriptor.batches, arguments)
                    let workerCount = try Self.override(
                        workers, of: "workers", in: 1...256, if: descriptor.parallel, arguments)
                    checked.append(
                        .stage(descriptor, arguments, batch: batchSize, workers: workerCount))
                    type = descriptor.outputType
                    previous = "stage \(name)"
                    unwritable = descriptor.writesResults ? nil : (place, type)
                case .fanOut(let branches):
                    let place = "\(prefix)[\(index)].fan_out"
                    guard branches.count == 2 else {
                        throw .invalidFile(
                            path: path, place: place,
                            reason: "a fan_out takes two branches (lists of stages), got "
                                + "\(branches.count); nest a fan_out in a branch for more")
                    }
                    let first = try check(
                        branches[0], at: place + "[0]", type: type, from: previous)
                    let second = try check(
                        branches[1], at: place + "[1]", type: type, from: previous)
                    checked.append(.fanOut(first.entries, second.entries))
                    type = "(\(first.type), \(second.type))"
                    previous = "the fan_out at \(prefix)[\(index)]"
                    unwritable = first.unwritable ?? second.unwritable
                }
            }
            return (checked, type, unwritable)
        }

        /// `override`, else the file's `name` (checked against `range`), when the stage has the
        /// setting at all; 1 otherwise.
        static func override(
            _ override: Int?, of name: String, in range: ClosedRange<Int>, if applies: Bool,
            _ arguments: StageArguments
        ) throws(PipelineError) -> Int {
            guard applies else { return 1 }
            if let override { return override }
            return try arguments.int(name, in: range)
        }
    }

    /// Builds checked entries into steps; stages in a fan-out's branches run one copy each, on
    /// the fan-out's thread.
    private static func build(
        _ entries: [Checked], context: StageContext, path: String, inBranch: Bool
    ) throws -> [PipelineStep] {
        try entries.map { entry in
            switch entry {
            case .stage(let descriptor, let arguments, let batchSize, let workerCount):
                do {
                    var step = try descriptor.build(arguments, context, batchSize, workerCount)
                    if inBranch { step.workers = 1 }
                    return step
                } catch let error as PipelineError {
                    throw error
                } catch {
                    throw PipelineError.invalidFile(
                        path: path, place: arguments.place,
                        reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
                }
            case .fanOut(let first, let second):
                return PipelineStep(
                    fanOut: try build(first, context: context, path: path, inBranch: true),
                    try build(second, context: context, path: path, inBranch: true))
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
    /// parameters, a fan-out's branches indented under it (`glimpse run --explain`).
    public func explanation() -> String {
        var lines = ["pipeline \(definition.pipeline) (\(path))"]
        if let description = definition.description { lines.append("  \(description)") }
        lines.append("  input: \(definition.input.rawValue) → \(definition.input.valueType)")
        lines += Self.explanation(of: steps, indent: "  ")
        let pair = steps.last?.branches.isEmpty == false ? " (an array of the two results)" : ""
        lines.append(
            "  output: one JSON line per input, its result the \(steps.last?.outputType ?? "")"
                + " as JSON\(pair)")
        return lines.joined(separator: "\n")
    }

    /// One line per step, numbered from 1, each fan-out's branches below it.
    private static func explanation(of steps: [PipelineStep], indent: String) -> [String] {
        var lines: [String] = []
        for (index, step) in steps.enumerated() {
            let shown = step.parameters.filter { $0.key != "batch" && $0.key != "workers" }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append(
                "\(indent)\(index + 1). \(step.name): \(step.inputType) → \(step.outputType)"
                    + "  batch \(step.batchSize), workers \(step.workers)"
                    + (shown.isEmpty ? "" : "  " + shown.joined(separator: " ")))
            for (number, branch) in step.branches.enumerated() {
                lines.append("\(indent)   branch \(number + 1):")
                lines += explanation(of: branch, indent: indent + "     ")
            }
        }
        return lines
    }
}
