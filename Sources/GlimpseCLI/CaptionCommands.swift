// `glimpse caption IMAGE...`, `glimpse caption train` and `glimpse caption eval`.
import ArgumentParser
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseScenes
import GlimpseSupport
import GlimpseTensor
import GlimpseVision

struct CaptionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption",
        abstract: "Caption images (CNN + LSTM with soft attention), train and evaluate models.",
        subcommands: [Run.self, Train.self, Evaluate.self, Calibrate.self],
        defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Caption image files, folders or glob patterns (the default subcommand).",
            discussion: "A bad file is reported and skipped, and the run exits 1 after listing "
                + "them. A caption the model cannot vouch for (an image unlike its training "
                + "data, or a caption cut off at the model's max_length) is still printed, "
                + "with a warning on stderr.")

        @Argument(help: "Image files, folders, or patterns such as 'photos/*.jpg'.")
        var images: [String]
        @Option(help: "Model directory (default: the shipped models/captioner).")
        var model: String?
        @OptionGroup var search: CaptionSearchOptions
        @Option(
            name: .customLong("n-best"),
            help: "Print the K best captions per image with their log-probabilities (K ≤ --beam).")
        var nBest = 1
        @Option(
            help: ArgumentHelp(
                "How an image reaches the model's input size: stretch, crop or pad.",
                discussion: "Default: as the model was trained (encoder.preprocessing.resize)."))
        var resize: Preprocessing.ResizeMode?
        @Flag(
            help: ArgumentHelp(
                "One JSON object per line (text otherwise, folders included).",
                discussion: "Keys: image, caption, log_prob, truncated, confidence "
                    + "{mean_log_prob, unlike_share} and in_domain (null for an uncalibrated "
                    + "model), plus captions [{caption, log_prob, truncated}] with --n-best."))
        var json = false
        @Option(help: "Write a sheet of per-word attention heatmaps (first image) to this PNG.")
        var attentionMap: String?
        @Option(help: "Images per encoder batch (default: pipelines/caption.json's).")
        var batch: Int?
        @OptionGroup var batchRun: BatchRunArguments
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            if let batch { try ArgumentCheck.require(batch, in: 1...4096, flag: "--batch") }
            guard (1...search.beam).contains(nBest) else {
                throw ValidationError(
                    "--n-best must be in 1...\(search.beam) (the beam width, --beam), got \(nBest)")
            }
        }

        /// `pipelines/caption.json` with this command's model and search settings.
        func pipeline(model directory: String) throws -> LoadedPipeline {
            let path = try PipelineLocation.resolve("caption")
            var definition = try PipelineDefinition.read(path)
            for stage in ["preprocess", "encode-image", "decode-captions"] {
                definition.set("model", to: .string(directory), onStage: stage)
            }
            definition.set("max_pixels", to: .int(decode.maxPixels), onStage: "decode-image")
            if let resize {
                definition.set("resize", to: .string(resize.argument), onStage: "preprocess")
            }
            definition.set("beam", to: .int(search.beam), onStage: "decode-captions")
            definition.set("n_best", to: .int(nBest), onStage: "decode-captions")
            definition.set(
                "block_trigrams", to: .bool(search.blockTrigrams), onStage: "decode-captions")
            if let lengthPenalty = search.lengthPenalty {
                definition.set(
                    "length_penalty", to: .number(Double(lengthPenalty)),
                    onStage: "decode-captions")
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
            var failures: [String] = []
            var mapped: CaptionResult?
            let report = try batchRun.run(pipeline, over: items, printing: false) { path, result in
                switch result {
                case .success(let value):
                    guard let captioned = value as? CaptionResult else { return }
                    if mapped == nil { mapped = captioned }
                    Self.warn(about: captioned, of: path)
                    guard batchRun.out == nil else { return }
                    if json {
                        try Standard.printJSON(CaptionLine(image: path, result: captioned))
                    } else if captioned.captions.count == 1 {
                        print("\(path): \(captioned.caption.text)")
                    } else {
                        print("\(path):")
                        for caption in captioned.captions {
                            print(
                                String(format: "  %8.3f  ", caption.logProbability) + caption.text)
                        }
                    }
                case .failure(let error):
                    Standard.error("error: \(BatchRun.message(error))")
                    failures.append(path)
                }
            }
            if let attentionMap, let mapped, let image = mapped.image {
                do {
                    try AttentionMapSheet.render(
                        mapped.caption, of: image, model: try CaptionModel(contentsOf: directory)
                    ).write(to: attentionMap)
                } catch let error as CaptionError {
                    throw ValidationFailure("\(attentionMap): \(error.localizedDescription)")
                }
            }
            if !failures.isEmpty {
                throw ValidationFailure(
                    "\(failures.count) of \(report.inputs) images could not be captioned: "
                        + failures.joined(separator: ", "))
            }
        }

        /// The stderr warnings for a caption the model cannot vouch for.
        static func warn(about result: CaptionResult, of path: String) {
            if let confidence = result.confidence, !confidence.inDomain {
                Standard.error(
                    "warning: \(path) looks unlike this model's training data ("
                        + confidence.reasons.joined(separator: "; ")
                        + "); the caption is unreliable")
            }
            if result.caption.truncated {
                Standard.error(
                    "warning: \(path): the caption reached the model's max_length "
                        + "(\(result.caption.tokens.count) words) without ending; it is cut off")
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a captioning model; resumable with --resume.")

        @Option(
            help: ArgumentHelp(
                "Dataset: COCO, Karpathy or neuraltalk2 JSON, JSONL, a folder of images with "
                    + ".txt captions, or a `glimpse data scenes` folder.",
                discussion: CaptionDataset.acceptedLayouts))
        var data: String
        @Option(
            help: ArgumentHelp(
                "Resolve the dataset's image paths under this folder (COCO's train2014/, …).",
                valueName: "DIR"))
        var images: String?
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
        @Option(
            help: "How images reach the input size: stretch, crop or pad (saved with the model).")
        var resize: Preprocessing.ResizeMode = .stretch
        @OptionGroup var decode: DecodeOptions
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
            options.imageDirectory = images
            options.limits = decode.limits
            options.configuration.decoder = decoder
            options.configuration.seed = training.seed
            options.configuration.attentionRegularization = attentionRegularization
            options.configuration.encoder.positionEmbedding = positionEmbedding
            options.configuration.lengthPenalty = lengthPenalty
            options.configuration.encoder.preprocessing.resize = resize
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
            if let calibration = report.calibration {
                Calibrate.print(calibration, directory: out)
            }
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

        @Option(
            help: "Dataset to evaluate on (all of its images; any layout `caption train` reads).")
        var data: String
        @Option(
            help: ArgumentHelp(
                "Resolve the dataset's image paths under this folder (COCO's train2014/, …).",
                valueName: "DIR"))
        var images: String?
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
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func run() throws {
            compute.apply()
            let captioner = try CaptionModel(
                contentsOf: try ModelLocation.resolve(model, name: "captioner"))
            let report = try CaptionEvaluation.run(
                model: captioner, dataPath: data, imageDirectory: images, beamWidth: search.beam,
                lengthPenalty: search.lengthPenalty, limits: decode.limits)
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

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what a model knows, so captions of unlike images are flagged.",
            discussion: "Fits the encoder's feature statistics on the training images of "
                + "--data and chooses the thresholds below which `glimpse caption` warns on its "
                + "held-out images (the validation split training used), then writes "
                + "domain.safetensors into the model directory. `caption train` does this "
                + "itself; run it for a model trained before, or on other data.")

        @Option(help: "The model's training data (any layout `caption train` reads).")
        var data: String
        @Option(
            help: ArgumentHelp(
                "Resolve the dataset's image paths under this folder (COCO's train2014/, …).",
                valueName: "DIR"))
        var images: String?
        @Option(help: "Model directory to calibrate (default: the shipped models/captioner).")
        var model: String?
        @Option(help: "Fit the statistics on at most N training images, evenly spaced.")
        var fitImages = 2000
        @OptionGroup var search: CaptionSearchOptions
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            try ArgumentCheck.require(fitImages, in: 1...10_000_000, flag: "--fit-images")
        }

        func run() throws {
            compute.apply()
            let directory = try ModelLocation.resolve(model, name: "captioner")
            var options = CaptionCalibrationOptions(dataPath: data, imageDirectory: images)
            options.fitImages = fitImages
            options.limits = decode.limits
            options.search = search.search()
            let report = try CaptionCalibration.calibrate(
                modelDirectory: directory, options: options)
            Self.print(report, directory: directory)
        }

        static func print(_ report: CaptionCalibrationReport, directory: String) {
            let domain = report.domain
            Swift.print(
                "calibrated \(directory): statistics of \(report.fittedImages) training images; "
                    + "over \(report.heldOutImages) held-out images the largest unlike share was "
                    + String(format: "%.3f", report.largestUnlikeShare)
                    + " and the lowest mean log-probability "
                    + String(format: "%.3f", report.lowestMeanLogProbability) + "; warning below "
                    + String(
                        format: "unlike share %.3f / mean log-probability %.3f",
                        domain.unlikeShareThreshold, domain.meanLogProbabilityThreshold))
        }
    }
}

extension DecoderKind: ExpressibleByArgument {}

/// One `--json` line of `glimpse caption`: the image's path and its ``CaptionResult``.
struct CaptionLine: Encodable {
    var image: String
    var result: CaptionResult

    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(image, forKey: .image)
    }

    enum Key: String, CodingKey { case image }
}

/// A failure that is not about one file.
struct ValidationFailure: Error, LocalizedError {
    var message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
