// Training a character-level language model on the training engine with truncated
// backpropagation through time: B parallel streams, chunks of T characters, recurrent state
// carried (detached) between chunks, Adagrad or Adam, element-wise gradient clipping, samples.
import Foundation
import GlimpseLayers
import GlimpseSupport
import GlimpseTensor
import GlimpseTraining

/// What to train, where, and for how long.
public struct CharLMTrainingOptions: Sendable {
    public var textPath: String
    /// The model directory: config.json, vocab.json and checkpoint/.
    public var outputDirectory: String
    public var configuration: CharLMConfiguration
    /// Stop after this many steps in all (counting steps before a resume); `Int.max` trains
    /// until `epochs`, `maxSeconds` or a signal.
    public var steps: Int
    /// Passes over the text in all (`Int.max`: no limit).
    public var epochs = Int.max
    /// Stop (and save) once this much wall-clock time has passed in this run.
    public var maxSeconds: Double?
    /// Continue from the checkpoint in `outputDirectory` (its configuration wins); without a
    /// checkpoint there yet, start a new run.
    public var resume: Bool
    /// Replace a model already in `outputDirectory` (otherwise refused unless resuming).
    public var overwrite = false
    /// Resume on a text other than the checkpoint's (fine-tuning) instead of refusing.
    public var allowDataChange = false
    public var printEvery = 100
    public var sampleEvery = 1000
    public var sampleLength = 200
    /// Save a checkpoint every N steps (nil: not by steps) …
    public var checkpointEvery: Int?
    /// … and when this many minutes have passed since the last save (nil: not by time).
    public var checkpointMinutes: Double? = 10

    public init(
        textPath: String, outputDirectory: String, configuration: CharLMConfiguration,
        steps: Int, maxSeconds: Double? = nil, resume: Bool = false
    ) {
        self.textPath = textPath
        self.outputDirectory = outputDirectory
        self.configuration = configuration
        self.steps = steps
        self.maxSeconds = maxSeconds
        self.resume = resume
    }

    /// Throws when a run setting is outside its domain (the configuration checks its own).
    public func validate() throws(LanguageModelError) {
        for (name, value, minimum) in [
            ("steps", steps, 1), ("epochs", epochs, 1), ("printEvery", printEvery, 1),
            ("sampleEvery", sampleEvery, 0),
            ("sampleLength", sampleLength, 0), ("checkpointEvery", checkpointEvery ?? 1, 1),
        ] where value < minimum {
            throw .invalidArgument("\(name) must be at least \(minimum), got \(value)")
        }
        if let maxSeconds, !(maxSeconds > 0 && maxSeconds.isFinite) {
            throw .invalidArgument("maxSeconds must be a positive number, got \(maxSeconds)")
        }
        if let checkpointMinutes, !(checkpointMinutes > 0 && checkpointMinutes.isFinite) {
            throw .invalidArgument(
                "checkpointMinutes must be a positive number, got \(checkpointMinutes)")
        }
    }
}

/// The outcome of a training run.
public struct CharLMTrainingReport: Sendable {
    /// Steps taken in all, including those before a resume.
    public var steps: Int
    /// Mean loss in nats per character over the last 100 steps (fewer if fewer were run).
    public var finalLoss: Float
    /// Mean loss of the first 100 steps of this run, for comparison.
    public var initialLoss: Float
    public var charactersPerSecond: Double
    /// The signal (SIGINT or SIGTERM) that stopped the run after its checkpoint was written,
    /// nil when it ran to its end.
    public var interruption: Int32?
}

/// Runs language-model training on the training engine.
public enum CharLMTraining {
    /// Trains, writing progress and samples to `display`.
    public static func run(
        _ options: CharLMTrainingOptions, display: ProgressDisplay
    ) throws -> CharLMTrainingReport {
        try options.validate()
        let files = ModelDirectory(options.outputDirectory)
        var configuration = options.configuration
        let resuming =
            options.resume
            && FileManager.default.fileExists(atPath: files.checkpoint + "/state.json")
        if resuming {
            try StagedPublication.recover(options.outputDirectory)
            configuration = try files.configuration()
            display.message("resuming \(files.checkpoint) with its configuration")
        }
        try configuration.validate()
        switch configuration.cell {
        case .lstm: return try train(LSTMCell.self, options, configuration, files, display)
        case .gru: return try train(GRUCell.self, options, configuration, files, display)
        case .rnn: return try train(RNNCell.self, options, configuration, files, display)
        }
    }

    /// Trains, sending each line of progress and each sample to `log`.
    public static func run(
        _ options: CharLMTrainingOptions, log: @escaping (String) -> Void
    ) throws -> CharLMTrainingReport {
        try run(options, display: .lines(log))
    }

    static func train<Cell: LanguageModelCell>(
        _: Cell.Type, _ options: CharLMTrainingOptions, _ configuration: CharLMConfiguration,
        _ files: ModelDirectory, _ display: ProgressDisplay
    ) throws -> CharLMTrainingReport {
        let bytes = try InputFile.read(options.textPath, limit: 1 << 30)
        let text = String(decoding: bytes, as: UTF8.self)
        let resuming =
            try OutputDirectory.prepare(
                options.outputDirectory, files: LanguageModelTask<Cell>.modelFiles,
                resume: options.resume, overwrite: options.overwrite,
                log: { display.message($0) }) == .resume
        let vocabulary = resuming ? try files.vocabulary() : CharacterVocabulary(text: text)
        let ids = try vocabulary.encode(text, context: options.textPath)
        let batches = TextBatches(
            ids: ids, batchSize: configuration.batchSize,
            sequenceLength: configuration.sequenceLength)
        guard batches.chunksPerEpoch > 0 else {
            throw LanguageModelError.textTooShort(
                path: options.textPath, characters: ids.count,
                needed: configuration.sequenceLength * configuration.batchSize + 1)
        }
        let checkpoint = resuming ? try Checkpoint(contentsOf: files.checkpoint) : nil
        let model =
            try checkpoint.map {
                try CharLanguageModel<Cell>(
                    configuration: configuration, vocabulary: vocabulary, checkpoint: $0)
            } ?? CharLanguageModel<Cell>(configuration: configuration, vocabulary: vocabulary)
        var run = TrainingRun(outputDirectory: options.outputDirectory)
        run.allowDataChange = options.allowDataChange
        let data = DataFingerprint(bytes: bytes)
        if let checkpoint {
            try TrainingEngine<LanguageModelTask<Cell>>.verify(checkpoint, data: data, run: run)
        }
        var optimizer: any Optimizer =
            switch configuration.optimizer {
            case .adagrad:
                // min-char-rnn's Adagrad: ε = 1e-8.
                Adagrad(
                    parameters: model.parameters, learningRate: configuration.learningRate,
                    epsilon: 1e-8)
            case .adam:
                Adam(parameters: model.parameters, learningRate: configuration.learningRate)
            }
        optimizer.clipping = .value(configuration.clipValue)

        run.epochs = options.epochs
        run.steps = options.steps
        run.maxSeconds = options.maxSeconds
        run.checkpointEvery = options.checkpointEvery
        run.checkpointMinutes = options.checkpointMinutes
        run.checkpointEachEpoch = false
        run.logEvery = options.printEvery
        let task = LanguageModelTask(
            model: model, batches: batches, files: files,
            sampleEvery: options.sampleEvery, sampleLength: options.sampleLength)
        var engine = TrainingEngine(
            task: task, optimizer: optimizer, run: run, data: data,
            display: display)
        let summary = try engine.fit(from: checkpoint)
        let recent = engine.task.recent
        let first = engine.task.firstLosses
        return CharLMTrainingReport(
            steps: summary.steps,
            finalLoss: recent.isEmpty ? .nan : recent.reduce(0, +) / Float(recent.count),
            initialLoss: first.isEmpty ? .nan : first.reduce(0, +) / Float(first.count),
            charactersPerSecond: summary.itemsPerSecond, interruption: summary.interruption)
    }
}

/// Truncated BPTT as a task of the training engine: B parallel streams, chunks of T
/// characters, recurrent states carried (detached) between chunks and reset at each epoch.
struct LanguageModelTask<Cell: LanguageModelCell>: TrainingTask {
    /// The saved run state besides tensors: carried recurrent states, the loss history and
    /// the sample generator.
    struct State: Codable {
        var states: [[Float]]
        var stateShapes: [[Int]]
        var recentLosses: [Float]
        var smoothLoss: Float
        var sampler: UInt64
    }

    static var modelFiles: [String] { ["config.json", "vocab.json"] }

    let model: CharLanguageModel<Cell>
    let batches: TextBatches
    let files: ModelDirectory
    let sampleEvery: Int
    let sampleLength: Int
    var states: [Cell.State]?
    /// The states the last loss produced, carried once its step is taken.
    var pending: [Cell.State]?
    /// The last 100 losses, and the first 100 of this run.
    var recent: [Float] = []
    var firstLosses: [Float] = []
    var lastLoss: Float = 0
    var smooth: Float
    var sampler: SplitMix64

    init(
        model: CharLanguageModel<Cell>, batches: TextBatches, files: ModelDirectory,
        sampleEvery: Int, sampleLength: Int
    ) {
        self.model = model
        self.batches = batches
        self.files = files
        self.sampleEvery = sampleEvery
        self.sampleLength = sampleLength
        smooth = Float(Foundation.log(Double(model.vocabulary.count)))  // a uniform guess
        sampler = SplitMix64(seed: model.configuration.seed &+ 1)
    }

    var stepsPerEpoch: Int { batches.chunksPerEpoch }
    var itemName: String { "chars" }
    var configurationJSON: String? { try? files.configurationJSON(model.configuration) }

    mutating func loss(at position: TrainingPosition) throws -> StepLoss {
        let chunk = batches.chunk(position.step)
        if chunk.startsEpoch { states = nil }
        let configuration = model.configuration
        let (logits, next) = model.logits(
            chunk.inputs, steps: configuration.sequenceLength,
            batchSize: configuration.batchSize, states: states)
        let loss = crossEntropy(logits: logits, targets: chunk.targets)
        pending = next
        lastLoss = loss.scalar
        return StepLoss(
            loss: loss, reported: lastLoss,
            items: configuration.sequenceLength * configuration.batchSize)
    }

    mutating func didStep(at position: TrainingPosition, log: (String) -> Void) throws {
        states = pending?.map { $0.detached() }
        pending = nil
        recent.append(lastLoss)
        if recent.count > 100 { recent.removeFirst(recent.count - 100) }
        if firstLosses.count < 100 { firstLosses.append(lastLoss) }
        smooth = 0.999 * smooth + 0.001 * lastLoss
        if sampleEvery > 0 && (position.step + 1) % sampleEvery == 0 {
            let sample = try model.sample(
                length: sampleLength, prime: "", temperature: 1, seed: sampler.next())
            log("----\n\(sample)\n----")
        }
    }

    func saveModel(to directory: String) throws {
        try ModelDirectory(directory).create(
            configuration: model.configuration, vocabulary: model.vocabulary)
    }

    var state: State {
        State(
            states: (states ?? []).flatMap { $0.tensors.map(\.scalars) },
            stateShapes: (states ?? []).flatMap { $0.tensors.map(\.shape) },
            recentLosses: recent, smoothLoss: smooth,
            sampler: sampler.state)
    }

    mutating func restore(_ saved: State) throws {
        guard saved.recentLosses.count <= 100, saved.recentLosses.allSatisfy(\.isFinite),
            saved.smoothLoss.isFinite
        else {
            throw LanguageModelError.invalidModel(
                path: files.checkpoint, reason: "state.json: invalid loss history")
        }
        recent = saved.recentLosses
        smooth = saved.smoothLoss
        sampler.state = saved.sampler
        states = try restoreStates(
            saved, like: model.zeroStates(batchSize: model.configuration.batchSize))
    }

    /// The carried states saved in `saved`, checked against the shapes of `expected` (the
    /// model's zero states) before any is rebuilt.
    func restoreStates(_ saved: State, like expected: [Cell.State]) throws -> [Cell.State]? {
        guard !saved.states.isEmpty else { return nil }
        let shapes = expected.flatMap { $0.tensors.map(\.shape) }
        guard saved.stateShapes == shapes,
            zip(saved.states, shapes).allSatisfy({ $0.count == $1.reduce(1, *) })
        else {
            throw LanguageModelError.invalidModel(
                path: files.checkpoint,
                reason: "state.json: carried states do not fit the model (expected shapes "
                    + "\(shapes))")
        }
        let tensors = zip(saved.states, shapes).map { Tensor(shape: $1, scalars: $0) }
        let perState = tensors.count / expected.count
        return stride(from: 0, to: tensors.count, by: perState).map {
            Cell.State(tensors: Array(tensors[$0..<($0 + perState)]))
        }
    }
}
