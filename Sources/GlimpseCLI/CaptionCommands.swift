// `glimpse caption IMAGE...`, `glimpse caption train` and `glimpse caption eval`.
import ArgumentParser
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseScenes
import GlimpseSupport
import GlimpseTensor

struct CaptionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption",
        abstract: "Caption images (CNN + LSTM with soft attention), train and evaluate models.",
        subcommands: [Run.self, Train.self, Evaluate.self], defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Caption image files, folders or glob patterns (the default subcommand).",
            discussion: "Folders and patterns stream one JSON object per line; a bad file is "
                + "reported and skipped, and the run exits 1 after listing them.")

        @Argument(help: "Image files, folders, or patterns such as 'photos/*.jpg'.")
        var images: [String]
        @Option(help: "Model directory (default: the shipped models/captioner).")
        var model: String?
        @OptionGroup var search: CaptionSearchOptions
        @Flag(help: "One JSON object per line: {\"image\", \"caption\", \"log_prob\"}.")
        var json = false
        @Option(help: "Write a sheet of per-word attention heatmaps (first image) to this PNG.")
        var attentionMap: String?
        @Option(help: "Images per encoder batch (default: pipelines/caption.json's).")
        var batch: Int?
        @OptionGroup var batchRun: BatchRunArguments
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            if let batch { try ArgumentCheck.require(batch, in: 1...4096, flag: "--batch") }
        }

        /// `pipelines/caption.json` with this command's model and search settings.
        func pipeline(model directory: String) throws -> LoadedPipeline {
            let path = try PipelineLocation.resolve("caption")
            var definition = try PipelineDefinition.read(path)
            for stage in ["preprocess", "caption"] {
                definition.set("model", to: .string(directory), onStage: stage)
            }
            definition.set("beam", to: .int(search.beam), onStage: "caption")
            if let lengthPenalty = search.lengthPenalty {
                definition.set(
                    "length_penalty", to: .number(Double(lengthPenalty)), onStage: "caption")
            }
            return try PipelineLocation.load(definition, path: path, batch: batch)
        }

        func run() throws {
            compute.apply()
            let directory = try ModelLocation.resolve(model, name: "captioner")
            let pipeline = try pipeline(model: directory)
            let paths = try RunInputs.paths(
                images, extensions: PipelineInputKind.images.extensions,
                recursive: batchRun.recursive)
            let items = RunInputs.items(paths, kind: .images)
            let asJSON = json || images.contains { RunInputs.isPattern($0) }
            var failures: [String] = []
            var mapped: CaptionResult?
            var mappedPath = ""
            let report = try batchRun.run(pipeline, over: items, printing: false) { path, result in
                switch result {
                case .success(let value):
                    guard let captioned = value as? CaptionResult else { return }
                    if mapped == nil {
                        mapped = captioned
                        mappedPath = path
                    }
                    guard batchRun.out == nil else { return }
                    if asJSON {
                        try Standard.printJSON(
                            CaptionLine(
                                image: path, caption: captioned.caption.text,
                                logProb: captioned.caption.logProbability))
                    } else {
                        print("\(path): \(captioned.caption.text)")
                    }
                case .failure(let error):
                    Standard.error("error: \(BatchRun.message(error))")
                    failures.append(path)
                }
            }
            if let attentionMap, let mapped {
                try AttentionMapWriter.write(
                    caption: mapped.caption, image: try Image(contentsOf: mappedPath, layout: .rgb),
                    model: try CaptionModel(contentsOf: directory), to: attentionMap)
            }
            if !failures.isEmpty {
                throw ValidationFailure(
                    "\(failures.count) of \(report.inputs) images could not be captioned: "
                        + failures.joined(separator: ", "))
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a captioning model; resumable with --resume.")

        @Option(help: "Dataset: a `glimpse data scenes` folder, COCO or Karpathy JSON, or JSONL.")
        var data: String
        @Option(help: "Model directory to write.")
        var out: String
        @Option(help: "Decoder: attention or show_and_tell.")
        var decoder: DecoderKind = .attention
        @Option(help: "λ of the doubly stochastic attention regulariser λ·Σᵢ(1 − Σₜ αₜᵢ)².")
        var attentionRegularization: Float = 1
        @Flag(
            inversion: .prefixedNo,
            help: "Add a learned position embedding to the encoder's feature grid.")
        var positionEmbedding = true
        @Option(
            help: ArgumentHelp(
                "Beam search's default length penalty A for this model (saved in config.json).",
                discussion:
                    "Captions rank by log-probability / length^A; training does not use it.",
                valueName: "A"))
        var lengthPenalty: Float = 1
        @OptionGroup(title: "Training")
        var training: TrainingArguments

        func validate() throws {
            try ArgumentCheck.require(
                attentionRegularization, in: 0...1e6, flag: "--attention-regularization")
            try ArgumentCheck.require(lengthPenalty, in: 0...100, flag: "--length-penalty")
        }

        func run() throws {
            let display = training.start()
            var options = CaptionTrainingOptions(dataPath: data, outputDirectory: out)
            options.configuration.decoder = decoder
            options.configuration.seed = training.seed
            options.configuration.attentionRegularization = attentionRegularization
            options.configuration.encoder.positionEmbedding = positionEmbedding
            options.configuration.lengthPenalty = lengthPenalty
            (options.epochs, options.steps) = training.length(
                defaultEpochs: 10, defaultSteps: Int.max)
            options.checkpointEvery = training.checkpointEvery
            options.checkpointMinutes = training.checkpointMinutes
            options.batchSize = training.batch ?? 32
            options.learningRate = training.lr ?? 2e-3
            options.maxSeconds = training.maxSeconds
            options.seed = training.seed
            options.resume = training.resume
            options.overwrite = training.overwrite
            options.allowDataChange = training.allowDataChange
            options.printEvery = training.logEvery
            options.validateEvery = training.validateEvery
            let report = try CaptionTraining.run(options, display: display)
            try TrainingArguments.exitIfInterrupted(report.interruption)
            print(
                String(
                    format: "trained %d epochs, %d steps, %.0f img/s", report.epochs, report.steps,
                    report.imagesPerSecond)
                    + (report.bestCIDEr.map { String(format: ", best CIDEr-D %.4f", $0) } ?? ""))
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Score a model: BLEU-1..4, CIDEr-D, ROUGE-L, and fact accuracy on scenes.")

        @Option(help: "Dataset to evaluate on (all of its images).")
        var data: String
        @Option(help: "Model directory (default: the shipped models/captioner).")
        var model: String?
        @OptionGroup var search: CaptionSearchOptions
        @Flag(help: "Print one JSON object.")
        var json = false
        @Option(
            help: ArgumentHelp(
                "Also write every image's caption to this JSONL file.",
                discussion: "Lines are {\"image\", \"caption\", \"fact_accurate\", "
                    + "\"problems\"}; the fact fields are null and empty without scenes.json."))
        var captions: String?
        @OptionGroup var compute: ThreadArguments

        func run() throws {
            compute.apply()
            let captioner = try CaptionModel(
                contentsOf: try ModelLocation.resolve(model, name: "captioner"))
            let report = try CaptionEvaluation.run(
                model: captioner, dataPath: data, beamWidth: search.beam,
                lengthPenalty: search.lengthPenalty)
            if let captions {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                var lines = Data()
                for line in report.perImage {
                    lines.append(try encoder.encode(line))
                    lines.append(0x0A)
                }
                try AtomicFile.write(lines, to: captions)
            }
            if json {
                try Standard.printJSON(report)
                return
            }
            let s = report.scores
            print(
                String(
                    format: "BLEU-1 %.4f  BLEU-2 %.4f  BLEU-3 %.4f  BLEU-4 %.4f", s.bleu[0],
                    s.bleu[1], s.bleu[2], s.bleu[3]))
            print(String(format: "CIDEr-D %.4f  ROUGE-L %.4f", s.cider, s.rougeL))
            if let facts = report.factAccuracy {
                let groups = (report.factAccuracyByObjectCount ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key) objects " + String(format: "%.4f", $0.value) }
                print(
                    String(format: "fact accuracy %.4f", facts) + "  ("
                        + groups.joined(separator: ", ") + ")")
            }
        }
    }
}

extension DecoderKind: ExpressibleByArgument {}

/// One `--json` line of `glimpse caption`.
struct CaptionLine: Encodable {
    var image: String
    var caption: String
    var logProb: Float

    enum CodingKeys: String, CodingKey {
        case image, caption
        case logProb = "log_prob"
    }
}

/// A failure that is not about one file.
struct ValidationFailure: Error, LocalizedError {
    var message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
