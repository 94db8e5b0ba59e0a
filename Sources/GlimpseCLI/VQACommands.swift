// `glimpse vqa IMAGE QUESTION`, `glimpse vqa --questions FILE.jsonl`, `glimpse vqa train` and
// `glimpse vqa eval`: visual question answering.
import ArgumentParser
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseTraining
import GlimpseVQA

struct VQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa",
        abstract: "Answer questions about images (question LSTM + CNN grid + attention).",
        subcommands: [Ask.self, Train.self, Evaluate.self], defaultSubcommand: Ask.self)

    struct Ask: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ask",
            abstract: "Answer a question about an image, or every row of a JSONL file (default).",
            discussion: """
                With IMAGE and QUESTION: the answer, then the top answers with probabilities. \
                With --questions FILE.jsonl (rows {"image", "question"}, paths relative to the \
                file): one JSON line per row on standard output; a bad row is reported on \
                standard error and skipped, and the run exits 1 after listing them.
                """)

        @Argument(help: "The image file.")
        var image: String?
        @Argument(help: "The question, in quotes.")
        var question: String?
        @Option(
            name: [.customLong("questions"), .customLong("data")],
            help: "Answer every row of this JSONL file instead (--data is the same).")
        var questions: String?
        @Option(help: "Model directory (default: the shipped models/vqa).")
        var model: String?
        @Option(help: "How many ranked answers to show.")
        var top = 5
        @Flag(help: "One JSON object per question.")
        var json = false
        @Option(help: "Write the attention over the image (one panel per hop) to this PNG.")
        var attentionMap: String?
        @OptionGroup var batchRun: BatchRunArguments
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            try ArgumentCheck.require(top, in: 1...1000, flag: "--top")
            guard (questions == nil) == (image != nil && question != nil) else {
                throw ValidationError("give IMAGE and QUESTION, or --questions FILE.jsonl")
            }
        }

        func run() throws {
            compute.apply()
            let directory = try ModelLocation.resolve(model, name: "vqa")
            if let questions {
                try answerAll(questions, model: directory)
                return
            }
            guard let image, let question else { return }
            let answer = try answerOne(image: image, question: question, model: directory)
            let prediction = answer.prediction
            if json {
                try Standard.printJSON(answer)
            } else {
                print(prediction.answer)
                for ranked in prediction.answers {
                    print(String(format: "  %6.2f%%  %@", ranked.probability * 100, ranked.answer))
                }
                if prediction.unknownWords > 0 {
                    Standard.error(
                        "note: \(prediction.unknownWords) question words are not in the model's "
                            + "vocabulary: \(prediction.tokens.joined(separator: " "))")
                }
            }
            if let attentionMap {
                let configuration = try VQAModel.configuration(ofModel: directory)
                guard !prediction.attention.isEmpty else {
                    throw ValidationFailure(
                        "\(attentionMap): a \(configuration.fusion.rawValue) model has no "
                            + "attention to draw")
                }
                let asked = question.trimmingCharacters(in: CharacterSet(charactersIn: "? \t"))
                let picture = try Image(contentsOf: image, layout: .rgb, limits: decode.limits)
                try AttentionMapSheet.render(
                    image: configuration.encoder.preprocessing.resized(picture),
                    words: prediction.attention.indices.map { "hop \($0 + 1)" },
                    attention: prediction.attention, gridWidth: prediction.gridWidth,
                    gridHeight: prediction.gridHeight, title: "\(asked)? \(prediction.answer)"
                ).write(to: attentionMap)
            }
        }

        /// `pipelines/vqa.json` with this command's model, top and decode limit.
        func pipeline(model directory: String) throws -> LoadedPipeline {
            var definition = try PipelineDefinition.read(try PipelineLocation.resolve("vqa"))
            definition.set("model", to: .string(directory), onStage: "answer")
            definition.set("top", to: .int(top), onStage: "answer")
            definition.set(
                "max_pixels", to: .int(decode.maxPixels), onStage: "decode-question-image")
            return try PipelineLocation.load(definition, path: "pipelines/vqa.json")
        }

        /// One question through `pipelines/vqa.json`, entering past the stage that reads JSONL
        /// rows (the question is already an example): its answer, or the error naming the image
        /// or the question.
        func answerOne(image: String, question: String, model directory: String) throws
            -> VQAAnswer
        {
            var loaded = try pipeline(model: directory)
            guard loaded.steps.first?.name == "read-question" else {
                throw ValidationFailure(
                    "\(loaded.path): must start with the read-question stage to answer one question"
                )
            }
            loaded.steps.removeFirst()
            let example = VQAExample(image: image, question: question, answers: [])
            var outcome: Result<Any, any Error>?
            _ = try batchRun.run(
                loaded, over: [PipelineItem(id: image, value: example)], printing: false
            ) { _, result in outcome = result }
            switch outcome {
            case .success(let value as VQAAnswer): return value
            case .failure(let error): throw ValidationFailure(BatchRun.message(error))
            default: throw ValidationFailure("\(image): the pipeline gave no answer")
            }
        }

        /// Batch mode through `pipelines/vqa.json`: good rows answered in order, bad rows and
        /// unreadable images reported.
        func answerAll(_ path: String, model directory: String) throws {
            let pipeline = try pipeline(model: directory)
            let items = RunInputs.items([path], kind: .rows)
            guard !items.isEmpty else {
                throw ValidationFailure("\(path): no rows (an empty file?)")
            }
            var failures = 0
            let report = try batchRun.run(pipeline, over: items, printing: false) { _, result in
                switch result {
                case .success(let value):
                    if batchRun.out == nil, let answer = value as? VQAAnswer {
                        try Standard.printJSON(answer)
                    }
                case .failure(let error):
                    failures += 1
                    Standard.error("error: \(BatchRun.message(error))")
                }
            }
            if failures > 0 {
                throw ValidationFailure(
                    "\(failures) of \(report.inputs) rows of \(path) could not be answered (listed above)"
                )
            }
        }
    }

    /// The data options of training and evaluation: JSONL, or the VQA v2 files.
    struct DataArguments: ParsableArguments {
        @Option(help: "JSONL rows {\"image\", \"question\", \"answer\" or \"answers\"}.")
        var data: String?
        @Option(help: "VQA v2 questions JSON (with --annotations and --images).")
        var vqaQuestions: String?
        @Option(help: "VQA v2 annotations JSON.")
        var annotations: String?
        @Option(help: "The images folder of the VQA v2 files.")
        var images: String?

        func validate() throws {
            guard (data != nil) != (vqaQuestions != nil) else {
                throw ValidationError(
                    "give --data FILE.jsonl, or --vqa-questions, --annotations and --images")
            }
            if vqaQuestions != nil && (annotations == nil || images == nil) {
                throw ValidationError("--vqa-questions needs --annotations and --images")
            }
        }

        func load() throws -> [VQAExample] {
            if let data { return try VQADataset(jsonl: data, requireAnswers: true).examples }
            guard let vqaQuestions, let images else { return [] }
            return try VQADataset(
                vqaQuestions: vqaQuestions, annotations: annotations, images: images,
                requireAnswers: true
            ).examples
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a VQA model; resumable with --resume.",
            discussion: "Progress goes to standard error; the summary to standard output.")

        @OptionGroup var data: DataArguments
        @Option(help: "Validation JSONL (default: every 20th image's questions of --data).")
        var val: String?
        @Option(help: "Model directory to write.")
        var out: String
        @Option(
            help: """
                Fusion: attention (stacked attention), relational (attention whose hops also \
                attend over the words and compare positions), product (Antol et al.), or a \
                baseline: question-only, image-only.
                """)
        var fusion: VQAFusion = .relational
        @Option(
            help: """
                Start the CNN from this model directory's encoder (e.g. models/captioner); it \
                must have the same encoder configuration.
                """)
        var encoderFrom: String?
        @Option(help: "Attention hops (1 or 2).")
        var hops = 1
        @Option(help: "Answers kept (the most frequent training answers).")
        var maxAnswers = 100
        @OptionGroup var decode: DecodeOptions
        @OptionGroup(title: "Training")
        var training: TrainingArguments

        func validate() throws {
            try ArgumentCheck.require(hops, in: 1...2, flag: "--hops")
            try ArgumentCheck.require(maxAnswers, in: 2...100_000, flag: "--max-answers")
        }

        func run() throws {
            let display = training.start()
            var options = VQATrainingOptions(outputDirectory: out)
            options.configuration.fusion = fusion
            options.encoderSource = encoderFrom
            options.configuration.hops = hops
            options.configuration.maxAnswers = maxAnswers
            options.configuration.seed = training.seed
            training.configure(&options.run, defaultEpochs: 10)
            options.batchSize = training.batch ?? 64
            options.learningRate = training.lr ?? 2e-3
            options.seed = training.seed
            options.resume = training.resume
            options.overwrite = training.overwrite
            options.limits = decode.limits
            let validation = try val.map {
                try VQADataset(jsonl: $0, requireAnswers: true).examples
            }
            let report = try VQATraining.run(
                options, train: try data.load(), validation: validation, display: display)
            try TrainingArguments.exitIfInterrupted(report.interruption)
            print(
                String(
                    format: "trained %d epochs, %d steps, %.0f q/s", report.epochs, report.steps,
                    report.questionsPerSecond)
                    + (report.bestAccuracy.map { String(format: ", best accuracy %.4f", $0) } ?? "")
            )
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "The official VQA accuracy, by answer type and by question type.")

        @OptionGroup var data: DataArguments
        @Option(help: "Model directory (default: the shipped models/vqa).")
        var model: String?
        @Flag(help: "Print one JSON object: accuracy, by_answer_type, by_question_type.")
        var json = false
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func run() throws {
            compute.apply()
            let answerer = try VQAModel(contentsOf: try ModelLocation.resolve(model, name: "vqa"))
            let examples = try data.load()
            var cache: [String: Image] = [:]
            let evaluation = try answerer.evaluate(examples) { path throws(VQAError) -> Image in
                if let image = cache[path] { return image }
                let image = try VQATraining.loadImage(path, limits: decode.limits)
                cache[path] = image
                return image
            }
            if json {
                try Standard.printJSON(evaluation)
                return
            }
            print(
                String(
                    format: "accuracy %.4f over %d questions", evaluation.accuracy, evaluation.count
                ))
            for (title, groups) in [
                ("answer type", evaluation.byAnswerType),
                ("question type", evaluation.byQuestionType),
            ] where !groups.isEmpty {
                print("by \(title):")
                for (name, score) in groups.sorted(by: { $0.key < $1.key }) {
                    print(String(format: "  %-12@ %.4f  (%d)", name, score.accuracy, score.count))
                }
            }
        }
    }
}

extension VQAFusion: ExpressibleByArgument {}
