// `glimpse lm train` and `glimpse lm sample`: the character-level language model.
import ArgumentParser
import Foundation
import GlimpseLanguageModel

struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm", abstract: "Train and sample character-level language models.",
        subcommands: [Train.self, Sample.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train on a text file with truncated backpropagation through time.",
            discussion: "Progress goes to standard error; the last line on standard output is "
                + "`final loss X`: mean nats per character over the last 100 steps. Default "
                + "length: 2000 steps, or until --max-seconds when that is given.")

        @Argument(help: "The training text (UTF-8).")
        var text: String
        @Option(help: "The model directory to write (config.json, vocab.json, checkpoint/).")
        var out: String
        @Option(help: "Recurrent cell: rnn, lstm or gru.")
        var cell: RecurrentCellKind = .lstm
        @Option(help: "Hidden units per layer.")
        var hidden = 128
        @Option(help: "Stacked recurrent layers.")
        var layers = 1
        @Option(help: "Character embedding width.")
        var embedding = 64
        @Option(help: "Characters per truncated-BPTT chunk.")
        var seqLength = 25
        @Option(help: "adagrad or adam.")
        var optimizer: OptimizerKind = .adam
        @Option(help: "Print a sample every N steps (0: never).")
        var sampleEvery = 1000
        @OptionGroup(title: "Training")
        var training: TrainingArguments

        func validate() throws {
            let widths = 1...CharLMConfiguration.maxWidth
            try ArgumentCheck.require(hidden, in: widths, flag: "--hidden")
            try ArgumentCheck.require(
                layers, in: 1...CharLMConfiguration.maxLayers, flag: "--layers")
            try ArgumentCheck.require(embedding, in: widths, flag: "--embedding")
            try ArgumentCheck.require(
                seqLength, in: 1...CharLMConfiguration.maxSequenceLength, flag: "--seq-length")
            if let batch = training.batch {
                try ArgumentCheck.require(
                    batch, in: 1...CharLMConfiguration.maxBatchSize, flag: "--batch")
            }
            try ArgumentCheck.require(sampleEvery, in: 0...Int.max, flag: "--sample-every")
        }

        func run() throws {
            let display = training.start()
            var configuration = CharLMConfiguration()
            configuration.cell = cell
            configuration.hidden = hidden
            configuration.layers = layers
            configuration.embedding = embedding
            configuration.sequenceLength = seqLength
            configuration.batchSize = training.batch ?? 16
            configuration.optimizer = optimizer
            configuration.learningRate = training.lr ?? (optimizer == .adam ? 2e-3 : 0.1)
            configuration.seed = training.seed
            let length = training.length(defaultEpochs: Int.max, defaultSteps: 2000)
            var options = CharLMTrainingOptions(
                textPath: text, outputDirectory: out, configuration: configuration,
                steps: length.steps, maxSeconds: training.maxSeconds, resume: training.resume)
            options.epochs = length.epochs
            options.overwrite = training.overwrite
            options.allowDataChange = training.allowDataChange
            options.printEvery = training.logEvery
            options.sampleEvery = sampleEvery
            options.checkpointEvery = training.checkpointEvery
            options.checkpointMinutes = training.checkpointMinutes
            let report = try CharLMTraining.run(options, display: display)
            try TrainingArguments.exitIfInterrupted(report.interruption)
            print(String(format: "final loss %.4f", report.finalLoss))
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text from a trained model directory.")

        @Option(help: "A model directory made by `glimpse lm train`.")
        var model: String?
        @Argument(help: ArgumentHelp("The model directory, as --model.", valueName: "model"))
        var positionalModel: String?
        @Option(help: "Characters to generate.")
        var length = 400
        @Option(help: "Softmax temperature: below 1 is more conservative.")
        var temperature: Float = 1
        @Option(help: "Text to start from (its characters must be in the model's vocabulary).")
        var prime = ""
        @Option(help: "Sampling seed.")
        var seed: UInt64 = 1
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            switch (model, positionalModel) {
            case (nil, nil):
                throw ValidationError("Missing --model (a `glimpse lm train` directory).")
            case (.some(let option), .some(let argument)) where option != argument:
                throw ValidationError("--model \(option) and the model \(argument) disagree.")
            default: break
            }
            try ArgumentCheck.require(length, in: 0...10_000_000, flag: "--length")
            try ArgumentCheck.requirePositive(temperature, atMost: 100, flag: "--temperature")
        }

        func run() throws {
            compute.apply()
            let directory = try ModelLocation.resolve(
                model ?? positionalModel, name: ModelKind.languageModel.rawValue)
            print(
                prime
                    + (try sampleCharacterModel(
                        directory: directory, length: length, prime: prime,
                        temperature: temperature,
                        seed: seed)))
        }
    }
}

extension RecurrentCellKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
