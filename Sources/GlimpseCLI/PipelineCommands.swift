// `glimpse run PIPELINE INPUT...` and `glimpse pipelines`: pipeline files run over many
// inputs, resumable and shardable.
import ArgumentParser
import Foundation
import GlimpseMedia
import GlimpsePipeline
import GlimpseTraining

/// The batch-run options every command over many inputs takes.
struct BatchRunArguments: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Append one JSON line per input to this file (instead of standard output).",
            discussion: "Lines are {\"input\", \"ok\": true, \"result\"} or {\"input\", \"ok\": "
                + "false, \"error\"}, each written whole.",
            valueName: "FILE.jsonl"))
    var out: String?
    @Flag(help: "Skip the inputs --out already holds (after cutting off a torn last line).")
    var resume = false
    @Option(
        help: ArgumentHelp(
            "Process only shard I of N (I from 0), chosen by a hash of each input's name.",
            valueName: "I/N"))
    var shard: String?
    @Flag(help: "Also take the files in subfolders of folder arguments.")
    var recursive = false

    func validate() throws {
        if resume && out == nil { throw ValidationError("--resume needs --out FILE.jsonl") }
        if let shard {
            do {
                _ = try Shard(shard)
            } catch {
                throw ValidationError(error.localizedDescription)
            }
        }
    }

    /// The shard, checked in `validate`.
    var parsedShard: Shard? { shard.flatMap { try? Shard($0) } }

    /// Runs `pipeline` over `items` into `--out` (resumed with `--resume`) with progress, else
    /// to standard output, or with `printing: false` to `observe` alone (a front showing results
    /// its own way). Ctrl-C finishes the items in flight; a stopped run exits 130.
    func run(
        _ pipeline: LoadedPipeline, over items: [PipelineItem], printing: Bool = true,
        observe: (String, Result<Any, any Error>) throws -> Void = { _, _ in }
    ) throws -> BatchRunReport {
        let log =
            try out.map { try ResultLog(appendingTo: $0, resume: resume) }
            ?? (printing ? ResultLog() : nil)
        Interruption.begin()
        defer { Interruption.end() }
        let run = BatchRun(
            pipeline: pipeline, shard: parsedShard,
            options: ExecutionOptions(shouldStop: { Interruption.requested != nil }))
        let report = try run.run(
            items, into: log, progress: out == nil ? nil : ProgressReporter(), observe: observe)
        if report.skipped > 0 {
            Standard.error(
                "resumed: \(report.skipped) of \(report.inputs) inputs were already in \(out ?? "")"
            )
        }
        if report.stopped, let signal = Interruption.requested {
            Standard.error(
                "stopped after \(report.written + report.skipped) of \(report.inputs) inputs"
                    + (out.map { "; continue with the same command and --resume (\($0))" } ?? ""))
            throw ExitCode(Interruption.exitStatus(for: signal))
        }
        return report
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file over inputs: one JSON line per input.",
        discussion: """
            PIPELINE is a pipeline file or the name of a shipped one (glimpse pipelines lists \
            them). INPUT is a file, a folder, a glob pattern, @LIST (one path per line) or - \
            (paths on standard input); for a pipeline over rows, JSONL files. A bad input \
            becomes an error line and the run goes on; it exits 1 if any failed.
            """)

    @Argument(help: "The pipeline file, or a shipped pipeline's name.")
    var pipeline: String
    @Argument(help: "Inputs: files, folders, glob patterns, @list.txt or -.")
    var inputs: [String] = []
    @Option(help: "Inputs per batch for every stage that batches (default: the file's).")
    var batch: Int?
    @Option(help: "Threads for every stage that runs in parallel (default: the file's).")
    var workers: Int?
    @Flag(help: "Print the stage graph (types, batch sizes, workers, parameters) and exit.")
    var explain = false
    @Option(
        help: ArgumentHelp(
            "Refuse images or frames larger than this many pixels (default: the file's).",
            discussion: "Sets max_pixels on every stage of the file that decodes."))
    var maxPixels: Int?
    @OptionGroup var batchRun: BatchRunArguments
    @OptionGroup var compute: ThreadArguments

    func validate() throws {
        if let maxPixels {
            try ArgumentCheck.require(maxPixels, in: 1...DecodeLimits.ceiling, flag: "--max-pixels")
        }
        if let batch { try ArgumentCheck.require(batch, in: 1...4096, flag: "--batch") }
        if let workers { try ArgumentCheck.require(workers, in: 1...256, flag: "--workers") }
        if !explain && inputs.isEmpty { throw ValidationError("give at least one INPUT") }
    }

    func run() throws {
        compute.apply()
        let path = try PipelineLocation.resolve(pipeline)
        var definition = try PipelineDefinition.read(path)
        if let maxPixels {
            let decoding = definition.stageNames.filter { name in
                PipelineLocation.registry.descriptor(named: name)?.parameters.contains {
                    $0.name == "max_pixels"
                } == true
            }
            for name in Set(decoding) {
                definition.set("max_pixels", to: .int(maxPixels), onStage: name)
            }
        }
        let loaded = try PipelineLocation.load(
            definition, path: path, batch: batch, workers: workers)
        if explain {
            print(loaded.explanation())
            return
        }
        let kind = loaded.definition.input
        let paths = try RunInputs.paths(
            inputs, extensions: kind.extensions, recursive: batchRun.recursive)
        let report = try batchRun.run(loaded, over: RunInputs.items(paths, kind: kind))
        if report.failed > 0 {
            Standard.error("\(report.failed) of \(report.written) inputs failed")
            throw ExitCode.failure
        }
    }
}

struct PipelinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "List the shipped pipeline files and the stages pipeline files can name.")

    @Flag(help: "Print one JSON object: pipelines (path, input, stages) and stages.")
    var json = false

    /// One shipped pipeline file: its stages in order, or why it does not load.
    struct PipelineEntry: Encodable {
        var path: String
        var input: String?
        var stages: [String]
        var error: String?
    }

    /// One stage a pipeline file can name.
    struct StageEntry: Encodable {
        struct Parameter: Encodable {
            var name: String
            var kind: String
            var required: Bool
            var defaultValue: ParameterValue?
            var summary: String
            enum CodingKeys: String, CodingKey {
                case name, kind, required, summary
                case defaultValue = "default"
            }
        }
        var name: String
        var input: String
        var output: String
        var batches: Bool
        var parallel: Bool
        var summary: String
        var parameters: [Parameter]
    }

    struct Listing: Encodable {
        var pipelines: [PipelineEntry]
        var stages: [StageEntry]
    }

    static func listing() -> Listing {
        let pipelines = PipelineLocation.shipped().map { path -> PipelineEntry in
            do {
                let definition = try PipelineDefinition.read(path)
                return PipelineEntry(
                    path: path, input: definition.input.rawValue,
                    stages: definition.stages.map(\.outline))
            } catch {
                return PipelineEntry(path: path, stages: [], error: error.localizedDescription)
            }
        }
        let stages = PipelineLocation.registry.descriptors.map { stage in
            StageEntry(
                name: stage.name, input: "\(stage.inputType)", output: "\(stage.outputType)",
                batches: stage.batches, parallel: stage.parallel, summary: stage.summary,
                parameters: stage.parameters.map {
                    StageEntry.Parameter(
                        name: $0.name, kind: $0.kind.rawValue, required: $0.required,
                        defaultValue: $0.defaultValue, summary: $0.summary)
                })
        }
        return Listing(pipelines: pipelines, stages: stages)
    }

    func run() throws {
        let listing = Self.listing()
        if json {
            try Standard.printJSON(listing)
            return
        }
        print("pipeline files:")
        for pipeline in listing.pipelines {
            print("  \(pipeline.path)")
            if let input = pipeline.input {
                print("    input \(input): " + pipeline.stages.joined(separator: " → "))
            } else if let error = pipeline.error {
                print("    does not load: \(error)")
            }
        }
        print("\nstages:")
        for stage in listing.stages {
            var traits: [String] = []
            if stage.batches { traits.append("batches") }
            if stage.parallel { traits.append("parallel") }
            print(
                "  \(stage.name): \(stage.input) → \(stage.output)"
                    + (traits.isEmpty ? "" : "  (" + traits.joined(separator: ", ") + ")"))
            print("    \(stage.summary)")
            for parameter in stage.parameters {
                let note =
                    parameter.required
                    ? "required" : parameter.defaultValue.map { "default \($0)" } ?? "optional"
                print("    \(parameter.name) (\(parameter.kind), \(note)): \(parameter.summary)")
            }
        }
    }
}
