// Training a character-level language model with truncated backpropagation through time:
// B parallel streams, chunks of T characters, recurrent state carried (detached) between
// chunks, Adagrad or Adam, element-wise gradient clipping, progress lines, samples, atomic
// checkpoints and exact resume.
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
    /// until `maxSeconds` or a signal.
    public var steps: Int
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
            ("steps", steps, 1), ("printEvery", printEvery, 1), ("sampleEvery", sampleEvery, 0),
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

/// Runs training; `log` receives progress lines and samples.
public enum CharLMTraining {
    public static func run(
        _ options: CharLMTrainingOptions, log: (String) -> Void
    ) throws -> CharLMTrainingReport {
        try options.validate()
        let files = ModelDirectory(options.outputDirectory)
        var configuration = options.configuration
        let resuming =
            options.resume
            && FileManager.default.fileExists(atPath: files.checkpoint + "/state.json")
        if resuming {
            configuration = try files.configuration()
            log("resuming \(files.checkpoint) with its configuration")
        }
        try configuration.validate()
        switch configuration.cell {
        case .lstm: return try Run<LSTMCell>(options, configuration, files).train(log: log)
        case .gru: return try Run<GRUCell>(options, configuration, files).train(log: log)
        case .rnn: return try Run<RNNCell>(options, configuration, files).train(log: log)
        }
    }

    /// The saved run state besides tensors: carried recurrent states and the loss history.
    struct Progress: Codable {
        var states: [[Float]]
        var stateShapes: [[Int]]
        var recentLosses: [Float]
        var smoothLoss: Float
        var textCharacters: Int
        /// The text the run was trained on (nil in checkpoints made before it was saved).
        var data: DataFingerprint?
    }

    struct Run<Cell: LanguageModelCell> {
        let options: CharLMTrainingOptions
        let configuration: CharLMConfiguration
        let files: ModelDirectory

        init(
            _ options: CharLMTrainingOptions, _ configuration: CharLMConfiguration,
            _ files: ModelDirectory
        ) {
            self.options = options
            self.configuration = configuration
            self.files = files
        }

        func train(log: (String) -> Void) throws -> CharLMTrainingReport {
            let bytes = try InputFile.read(options.textPath, limit: 1 << 30)
            let text = String(decoding: bytes, as: UTF8.self)
            let data = DataFingerprint(bytes: bytes)
            let resuming =
                try OutputDirectory.prepare(
                    options.outputDirectory, files: ["config.json", "vocab.json"],
                    resume: options.resume, overwrite: options.overwrite, log: log) == .resume
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
            var optimizer = makeOptimizer(model.store)
            optimizer.clipping = .value(configuration.clipValue)
            var sampler = SplitMix64(seed: configuration.seed &+ 1)
            var step = 0
            var states: [Cell.State]?
            var recent: [Float] = []
            var smooth = Float(Foundation.log(Double(vocabulary.count)))  // loss of a uniform guess

            if let checkpoint {
                try checkpoint.restore(into: model.store, optimizer: &optimizer)
                step = checkpoint.training.step
                sampler.state = checkpoint.training.generators["sample"] ?? sampler.state
                if let progress = try checkpoint.extra(Progress.self) {
                    try data.check(
                        against: progress.data, checkpoint: files.checkpoint,
                        allowed: options.allowDataChange)
                    guard progress.textCharacters == ids.count || options.allowDataChange else {
                        throw LanguageModelError.invalidModel(
                            path: files.checkpoint,
                            reason: "trained on a text of \(progress.textCharacters) characters, "
                                + "\(options.textPath) has \(ids.count)")
                    }
                    guard progress.recentLosses.count <= 100,
                        progress.recentLosses.allSatisfy(\.isFinite), progress.smoothLoss.isFinite
                    else {
                        throw LanguageModelError.invalidModel(
                            path: files.checkpoint, reason: "state.json: invalid loss history")
                    }
                    recent = progress.recentLosses
                    smooth = progress.smoothLoss
                    states = try restoreStates(
                        progress, like: model.zeroStates(batchSize: configuration.batchSize))
                }
                log("resumed at step \(step)")
            } else {
                try files.create(configuration: configuration, vocabulary: vocabulary)
            }

            var metrics = try TrainingLog(
                path: options.outputDirectory + "/" + TrainingLog.fileName,
                resumedStep: checkpoint.map { _ in step })
            let started = Date()
            let firstStep = step
            var firstLosses: [Float] = []
            var lastSaved = step
            var lastCheckpoint = checkpoint.map { _ in step }
            var schedule = CheckpointSchedule(
                every: options.checkpointEvery, minutes: options.checkpointMinutes)
            func save() throws {
                var checkpoint = Checkpoint(
                    store: model.store, optimizer: optimizer.state,
                    training: TrainingState(
                        step: step, epoch: step / batches.chunksPerEpoch,
                        learningRate: optimizer.learningRate,
                        generators: ["sample": sampler.state]),
                    config: try files.configurationJSON(configuration))
                try checkpoint.setExtra(
                    Progress(
                        states: (states ?? []).flatMap { $0.tensors.map(\.scalars) },
                        stateShapes: (states ?? []).flatMap { $0.tensors.map(\.shape) },
                        recentLosses: recent, smoothLoss: smooth, textCharacters: ids.count,
                        data: data))
                try checkpoint.save(to: files.checkpoint)
                lastSaved = step
                lastCheckpoint = step
                schedule.saved()
            }

            Interruption.begin()
            defer { Interruption.end() }
            var interruption: Int32?
            while step < options.steps {
                if let signal = Interruption.requested {
                    interruption = signal
                    break
                }
                if let limit = options.maxSeconds, Date().timeIntervalSince(started) >= limit {
                    log("stopping after \(String(format: "%.1f", limit)) s (--max-seconds)")
                    break
                }
                let chunk = batches.chunk(step)
                if chunk.startsEpoch { states = nil }
                let (logits, next) = model.logits(
                    chunk.inputs, steps: configuration.sequenceLength,
                    batchSize: configuration.batchSize, states: states)
                let loss = crossEntropy(logits: logits, targets: chunk.targets)
                let value = loss.scalar
                // A non-finite loss or gradient stops the run before anything is saved: the
                // last checkpoint stays the last good one.
                guard value.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "loss", step: step + 1, lastCheckpoint: lastCheckpoint)
                }
                loss.backward()
                optimizer.step()
                guard optimizer.lastGradientNorm.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "gradient", step: step + 1, lastCheckpoint: lastCheckpoint)
                }
                states = next.map { $0.detached() }
                step += 1

                recent.append(value)
                if recent.count > 100 { recent.removeFirst(recent.count - 100) }
                if firstLosses.count < 100 { firstLosses.append(value) }
                smooth = 0.999 * smooth + 0.001 * value
                if step % options.printEvery == 0 || step == options.steps {
                    let elapsed = Date().timeIntervalSince(started)
                    let rate = Double(step - firstStep) / max(elapsed, 1e-9)
                    let remaining = TrainingClock.remaining(
                        workLeft: Double(options.steps - step), rate: rate, elapsed: elapsed,
                        maxSeconds: options.maxSeconds)
                    let total = options.steps == Int.max ? "" : "/\(options.steps)"
                    let characters =
                        rate * Double(configuration.sequenceLength * configuration.batchSize)
                    log(
                        String(
                            format: "step %d%@  loss %.4f  smooth %.4f  %.0f chars/s  eta %@",
                            step, total, value, smooth, characters,
                            TrainingClock.format(remaining)))
                    try metrics.append(
                        TrainingRecord(
                            step: step, epoch: step / batches.chunksPerEpoch + 1,
                            loss: Double(value), learningRate: Double(optimizer.learningRate),
                            itemsPerSecond: characters, wallSeconds: elapsed))
                }
                if options.sampleEvery > 0 && step % options.sampleEvery == 0 {
                    let sample = try model.sample(
                        length: options.sampleLength, prime: "", temperature: 1,
                        seed: sampler.next())
                    log("----\n\(sample)\n----")
                }
                if schedule.isDue(afterStep: step) {
                    try save()
                }
            }
            if lastSaved != step || !FileManager.default.fileExists(atPath: files.checkpoint) {
                try save()
            }
            try TrainingCurve.write(
                metrics.records, metric: nil,
                to: options.outputDirectory + "/" + TrainingCurve.fileName)
            if interruption != nil {
                log(
                    "interrupted at epoch \(step / batches.chunksPerEpoch + 1), step \(step); "
                        + "resume with --resume")
            }
            let elapsed = Date().timeIntervalSince(started)
            return CharLMTrainingReport(
                steps: step,
                finalLoss: recent.isEmpty ? .nan : recent.reduce(0, +) / Float(recent.count),
                initialLoss: firstLosses.isEmpty
                    ? .nan : firstLosses.reduce(0, +) / Float(firstLosses.count),
                charactersPerSecond: Double(
                    (step - firstStep) * configuration.sequenceLength * configuration.batchSize)
                    / max(elapsed, 1e-9),
                interruption: interruption)
        }

        func makeOptimizer(_ store: ParameterStore) -> any Optimizer {
            switch configuration.optimizer {
            case .adagrad:
                // min-char-rnn's Adagrad: ε = 1e-8.
                Adagrad(
                    parameters: store.parameters, learningRate: configuration.learningRate,
                    epsilon: 1e-8)
            case .adam:
                Adam(parameters: store.parameters, learningRate: configuration.learningRate)
            }
        }

        /// The carried states saved in `progress`, checked against the shapes of `expected`
        /// (the model's zero states) before any is rebuilt.
        func restoreStates(_ progress: Progress, like expected: [Cell.State]) throws
            -> [Cell.State]?
        {
            guard !progress.states.isEmpty else { return nil }
            let shapes = expected.flatMap { $0.tensors.map(\.shape) }
            guard progress.stateShapes == shapes,
                zip(progress.states, shapes).allSatisfy({ $0.count == $1.reduce(1, *) })
            else {
                throw LanguageModelError.invalidModel(
                    path: files.checkpoint,
                    reason: "state.json: carried states do not fit the model (expected shapes "
                        + "\(shapes))")
            }
            let tensors = zip(progress.states, shapes).map { Tensor(shape: $1, scalars: $0) }
            let perState = tensors.count / expected.count
            return stride(from: 0, to: tensors.count, by: perState).map {
                Cell.State(tensors: Array(tensors[$0..<($0 + perState)]))
            }
        }
    }
}
