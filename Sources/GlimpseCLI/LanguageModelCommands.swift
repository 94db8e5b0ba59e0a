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
            discussion: "The last line printed is `final loss X`: mean nats per character over "
                + "the last 100 steps.")

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
        @Option(help: "Parallel text streams per step.")
        var batch = 16
        @Option(help: "adagrad or adam.")
        var optimizer: OptimizerKind = .adam
        @Option(help: "Learning rate (default: 0.002 for adam, 0.1 for adagrad).")
        var lr: Float?
        @Option(
            help: ArgumentHelp(
                "Training steps in all (a resumed run counts earlier steps).",
                discussion: "Default: 2000, or until --max-seconds when that is given."))
        var steps: Int?
        @Option(help: "Print a progress line every N steps.")
        var printEvery = 100
        @Option(help: "Print a sample every N steps (0: never).")
        var sampleEvery = 1000
        @OptionGroup var training: TrainingArguments

        func validate() throws {
            let widths = 1...CharLMConfiguration.maxWidth
            try ArgumentCheck.require(hidden, in: widths, flag: "--hidden")
            try ArgumentCheck.require(
                layers, in: 1...CharLMConfiguration.maxLayers, flag: "--layers")
            try ArgumentCheck.require(embedding, in: widths, flag: "--embedding")
            try ArgumentCheck.require(
                seqLength, in: 1...CharLMConfiguration.maxSequenceLength, flag: "--seq-length")
            try ArgumentCheck.require(
                batch, in: 1...CharLMConfiguration.maxBatchSize, flag: "--batch")
            if let lr { try ArgumentCheck.requirePositive(lr, atMost: 10, flag: "--lr") }
            if let steps { try ArgumentCheck.require(steps, in: 1...Int.max, flag: "--steps") }
            try ArgumentCheck.require(printEvery, in: 1...Int.max, flag: "--print-every")
            try ArgumentCheck.require(sampleEvery, in: 0...Int.max, flag: "--sample-every")
        }

        func run() throws {
            training.configureThreads()
            var configuration = CharLMConfiguration()
            configuration.cell = cell
            configuration.hidden = hidden
            configuration.layers = layers
            configuration.embedding = embedding
            configuration.sequenceLength = seqLength
            configuration.batchSize = batch
            configuration.optimizer = optimizer
            configuration.learningRate = lr ?? (optimizer == .adam ? 2e-3 : 0.1)
            configuration.seed = training.seed
            var options = CharLMTrainingOptions(
                textPath: text, outputDirectory: out, configuration: configuration,
                steps: steps ?? (training.maxSeconds == nil ? 2000 : Int.max),
                maxSeconds: training.maxSeconds, resume: training.resume)
            options.overwrite = training.overwrite
            options.allowDataChange = training.allowDataChange
            options.printEvery = printEvery
            options.sampleEvery = sampleEvery
            options.checkpointEvery = training.checkpointEvery
            options.checkpointMinutes = training.checkpointMinutes
            let report = try CharLMTraining.run(options, log: TrainingArguments.log)
            try TrainingArguments.exitIfInterrupted(report.interruption)
            print(String(format: "final loss %.4f", report.finalLoss))
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text from a trained model directory.")

        @Argument(help: "A model directory made by `glimpse lm train`.")
        var model: String
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
            try ArgumentCheck.require(length, in: 0...10_000_000, flag: "--length")
            try ArgumentCheck.requirePositive(temperature, atMost: 100, flag: "--temperature")
        }

        func run() throws {
            compute.apply()
            print(
                prime
                    + (try sampleCharacterModel(
                        directory: model, length: length, prime: prime, temperature: temperature,
                        seed: seed)))
        }
    }
}

extension RecurrentCellKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
