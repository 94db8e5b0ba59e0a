// Training a captioning model: batches of images with one sampled reference caption each,
// teacher forcing, Adam with global-norm clipping and a step learning-rate schedule,
// validation BLEU-4/CIDEr-D after every epoch, the best model kept, progress lines, atomic
// checkpoints and exact resume.
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseTraining
import GlimpseVision

/// What to train on, where, and for how long.
public struct CaptionTrainingOptions: Sendable {
    /// A dataset accepted by ``CaptionDataset/load(_:imageDirectory:)``.
    public var dataPath: String
    /// The model directory: the best model's files plus `checkpoint/` for resuming.
    public var outputDirectory: String
    public var configuration = CaptionModelConfiguration()
    /// Epochs in all (counting those before a resume); `Int.max` trains until `maxSeconds` or
    /// a signal.
    public var epochs = 10
    public var batchSize = 32
    public var learningRate: Float = 2e-3
    /// The learning rate is multiplied by `learningRateDecay` every `decayEvery` epochs.
    public var learningRateDecay: Float = 0.8
    public var decayEvery = 3
    public var clipNorm: Float = 5
    /// Share of images held out for validation when the data has no split (deterministic).
    public var validationFraction = 0.05
    /// Stop (after saving) once this much wall-clock time has passed in this run.
    public var maxSeconds: Double?
    /// Continue from `outputDirectory/checkpoint`; without a checkpoint there yet, start anew.
    public var resume = false
    /// Replace a model already in `outputDirectory` (otherwise refused unless resuming).
    public var overwrite = false
    /// Resume on data other than the checkpoint's (fine-tuning) instead of refusing.
    public var allowDataChange = false
    public var seed: UInt64 = 1
    public var printEvery = 50
    /// Save a checkpoint every N steps (nil: not by steps; one is always saved after each
    /// epoch) …
    public var checkpointEvery: Int?
    /// … and when this many minutes have passed since the last save (nil: not by time).
    public var checkpointMinutes: Double? = 10

    public init(dataPath: String, outputDirectory: String) {
        self.dataPath = dataPath
        self.outputDirectory = outputDirectory
    }

    /// Throws when a setting is outside its domain.
    public func validate() throws(CaptionError) {
        for (name, value, minimum) in [
            ("epochs", epochs, 1), ("batchSize", batchSize, 1), ("decayEvery", decayEvery, 1),
            ("printEvery", printEvery, 1), ("checkpointEvery", checkpointEvery ?? 1, 1),
        ] where value < minimum {
            throw .invalidArgument("\(name) must be at least \(minimum), got \(value)")
        }
        for (name, value) in [
            ("learningRate", learningRate), ("learningRateDecay", learningRateDecay),
            ("clipNorm", clipNorm),
        ] where !(value > 0 && value.isFinite) {
            throw .invalidArgument("\(name) must be a positive number, got \(value)")
        }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw .invalidArgument(
                "validationFraction must be in [0, 1), got \(validationFraction)")
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
public struct CaptionTrainingReport: Sendable {
    public var epochs: Int
    public var steps: Int
    public var bestCIDEr: Double
    public var lastScores: CaptionScores?
    public var imagesPerSecond: Double
    /// The signal (SIGINT or SIGTERM) that stopped the run after its checkpoint was written,
    /// nil when it ran to its end.
    public var interruption: Int32?
}

/// Runs caption training; `log` receives progress lines.
public enum CaptionTraining {
    /// The position and history saved with a checkpoint.
    struct Progress: Codable {
        var stepInEpoch: Int
        var validation: [String]
        var bestCIDEr: Double
        /// The model's configuration and vocabulary, so that a resume needs the checkpoint
        /// alone (nil in checkpoints made before they were saved here).
        var configuration: CaptionModelConfiguration?
        var vocabulary: CaptionVocabulary?
        /// The training examples the run was trained on.
        var data: DataFingerprint?
    }

    public static func run(
        _ options: CaptionTrainingOptions, log: (String) -> Void
    ) throws -> CaptionTrainingReport {
        try options.validate()
        let examples = try CaptionDataset.load(options.dataPath)
        let (train, validation) = split(examples, fraction: options.validationFraction)
        guard !train.isEmpty else {
            throw CaptionError.invalidData(path: options.dataPath, reason: "no training images")
        }
        let resuming =
            try OutputDirectory.prepare(
                options.outputDirectory,
                files: [
                    CaptionModel.configurationFile, CaptionModel.vocabularyFile,
                    CaptionModel.encoderFile, CaptionModel.decoderFile,
                ], resume: options.resume, overwrite: options.overwrite, log: log) == .resume
        // Before any training: an output that cannot be made fails now, not at the first save.
        try Directory.create(options.outputDirectory)
        let checkpointPath = options.outputDirectory + "/checkpoint"
        let data = DataFingerprint(
            train.map {
                ($0.imagePath as NSString).lastPathComponent + "\t"
                    + $0.captions.joined(separator: "\t")
            })
        var configuration = options.configuration
        var vocabulary = CaptionVocabulary(
            captions: train.flatMap(\.captions), minCount: configuration.minWordCount)
        let checkpoint = resuming ? try Checkpoint(contentsOf: checkpointPath) : nil
        let progress = try checkpoint?.extra(Progress.self)
        if resuming {
            if let saved = progress?.configuration, let words = progress?.vocabulary {
                configuration = saved
                vocabulary = words
            } else {
                let saved = try CaptionModel(contentsOf: options.outputDirectory)
                configuration = saved.configuration
                vocabulary = saved.vocabulary
            }
            try data.check(
                against: progress?.data, checkpoint: checkpointPath,
                allowed: options.allowDataChange)
        }
        let model = CaptionModel(configuration: configuration, vocabulary: vocabulary)
        let preprocessing = configuration.encoder.preprocessing

        log("loading \(train.count) training and \(validation.count) validation images")
        let trainInputs = try loadImages(train, preprocessing: preprocessing)
        let validationImages = try validation.map { example throws -> Image in
            try Image(contentsOf: example.imagePath, layout: .rgb)
        }
        let encoded = train.map { example in
            example.captions.map {
                [CaptionVocabulary.start] + vocabulary.encode($0).prefix(configuration.maxLength)
                    + [CaptionVocabulary.end]
            }
        }

        var optimizer = Adam(parameters: model.store.parameters, learningRate: options.learningRate)
        optimizer.clipping = .globalNorm(options.clipNorm)
        let schedule = StepLearningRate(
            initial: options.learningRate, stepSize: max(1, options.decayEvery),
            gamma: options.learningRateDecay)
        let batchesPerEpoch = (train.count + options.batchSize - 1) / options.batchSize
        var step = 0
        var epoch = 0
        var stepInEpoch = 0
        var bestCIDEr = -Double.infinity
        var lastScores: CaptionScores?
        var lastCheckpoint: Int?
        if let checkpoint {
            try checkpoint.restore(into: model.store, optimizer: &optimizer)
            step = checkpoint.training.step
            lastCheckpoint = step
            epoch = checkpoint.training.epoch
            if let progress {
                guard (0...batchesPerEpoch).contains(progress.stepInEpoch),
                    !progress.bestCIDEr.isNaN
                else {
                    throw CaptionError.invalidModel(
                        path: checkpointPath,
                        reason: "state.json: step_in_epoch \(progress.stepInEpoch) is not in "
                            + "0...\(batchesPerEpoch), or the best CIDEr-D is not a number")
                }
                stepInEpoch = progress.stepInEpoch
                bestCIDEr = progress.bestCIDEr
            }
            log("resumed at epoch \(epoch + 1), step \(step)")
        }

        var checkpoints = CheckpointSchedule(
            every: options.checkpointEvery, minutes: options.checkpointMinutes)
        func saveCheckpoint() throws {
            var checkpoint = Checkpoint(
                store: model.store, optimizer: optimizer.state,
                training: TrainingState(
                    step: step, epoch: epoch, learningRate: optimizer.learningRate,
                    bestMetric: bestCIDEr.isFinite ? bestCIDEr : nil))
            try checkpoint.setExtra(
                Progress(
                    stepInEpoch: stepInEpoch, validation: [], bestCIDEr: bestCIDEr,
                    configuration: configuration, vocabulary: vocabulary, data: data))
            try Directory.create(options.outputDirectory)
            try checkpoint.save(to: checkpointPath)
            lastCheckpoint = step
            checkpoints.saved()
        }

        var metrics = try TrainingLog(
            path: options.outputDirectory + "/" + TrainingLog.fileName,
            resumedStep: checkpoint.map { _ in step })
        let curvePath = options.outputDirectory + "/" + TrainingCurve.fileName
        let started = Date()
        var imagesSeen = 0
        var stopped = false
        Interruption.begin()
        defer { Interruption.end() }
        var interruption: Int32?
        epochs: while epoch < options.epochs {
            optimizer.learningRate = schedule.learningRate(atStep: epoch)
            let order = shuffled(train.count, seed: options.seed, epoch: epoch)
            while stepInEpoch < batchesPerEpoch {
                if let signal = Interruption.requested {
                    interruption = signal
                    stopped = true
                    break epochs
                }
                if let limit = options.maxSeconds, Date().timeIntervalSince(started) >= limit {
                    log("stopping after \(Int(limit)) s (--max-seconds); resume with --resume")
                    stopped = true
                    break epochs
                }
                let batch = Array(
                    order[
                        (stepInEpoch * options.batchSize)..<min(
                            train.count, (stepInEpoch + 1) * options.batchSize)])
                var chooser = SplitMix64(seed: options.seed &* 1_000_003 &+ UInt64(step))
                let captions = batch.map {
                    encoded[$0][Int(chooser.next() % UInt64(encoded[$0].count))]
                }
                let images = gather(trainInputs, indices: batch)  // [B, 3, H, W]
                let (loss, wordLoss) = model.decoder.loss(
                    features: model.encoder(images), captions: captions,
                    attentionRegularization: configuration.attentionRegularization)
                // A non-finite loss or gradient stops the run before anything is saved: the
                // last checkpoint stays the last good one.
                guard loss.scalar.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "loss", step: step + 1, lastCheckpoint: lastCheckpoint)
                }
                loss.backward()
                optimizer.step()
                guard optimizer.lastGradientNorm.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "gradient", step: step + 1, lastCheckpoint: lastCheckpoint)
                }
                step += 1
                stepInEpoch += 1
                imagesSeen += batch.count
                if step % options.printEvery == 0 || stepInEpoch == batchesPerEpoch {
                    let elapsed = Date().timeIntervalSince(started)
                    let rate = Double(imagesSeen) / max(elapsed, 1e-9)
                    let stepsLeft =
                        Double(options.epochs - epoch) * Double(batchesPerEpoch)
                        - Double(stepInEpoch)
                    let remaining = TrainingClock.remaining(
                        workLeft: stepsLeft * Double(options.batchSize), rate: rate,
                        elapsed: elapsed, maxSeconds: options.maxSeconds)
                    let epochs = options.epochs == Int.max ? "" : "/\(options.epochs)"
                    log(
                        String(
                            format: "epoch %d%@  step %d/%d  loss %.4f  %.0f img/s  eta %@",
                            epoch + 1, epochs, stepInEpoch, batchesPerEpoch, wordLoss, rate,
                            TrainingClock.format(remaining)))
                    try metrics.append(
                        TrainingRecord(
                            step: step, epoch: epoch + 1, loss: Double(wordLoss),
                            learningRate: Double(optimizer.learningRate), itemsPerSecond: rate,
                            wallSeconds: elapsed))
                }
                if stepInEpoch < batchesPerEpoch && checkpoints.isDue(afterStep: step) {
                    try saveCheckpoint()
                }
            }
            // End of epoch: validate, keep the best model.
            stepInEpoch = 0
            epoch += 1
            if !validation.isEmpty {
                let scores = try evaluate(
                    model, images: validationImages, references: validation.map(\.captions))
                lastScores = scores
                log(
                    String(
                        format: "epoch %d validation  BLEU-4 %.4f  CIDEr-D %.4f", epoch,
                        scores.bleu[3], scores.cider))
                try metrics.append(
                    TrainingRecord(
                        step: step, epoch: epoch, wallSeconds: Date().timeIntervalSince(started),
                        validation: ["BLEU-4": scores.bleu[3], "CIDEr-D": scores.cider]))
                try TrainingCurve.write(metrics.records, metric: "CIDEr-D", to: curvePath)
                if scores.cider > bestCIDEr {
                    bestCIDEr = scores.cider
                    try model.save(to: options.outputDirectory)
                    log("saved best model (CIDEr-D \(String(format: "%.4f", scores.cider)))")
                }
            } else {
                try model.save(to: options.outputDirectory)
            }
            try saveCheckpoint()
        }
        if stopped {
            try saveCheckpoint()
            if !FileManager.default.fileExists(
                atPath: options.outputDirectory + "/" + CaptionModel.decoderFile)
            {
                try model.save(to: options.outputDirectory)
            }
        }
        try TrainingCurve.write(
            metrics.records, metric: validation.isEmpty ? nil : "CIDEr-D", to: curvePath)
        if interruption != nil {
            log("interrupted at epoch \(epoch + 1), step \(step); resume with --resume")
        }
        return CaptionTrainingReport(
            epochs: epoch, steps: step, bestCIDEr: bestCIDEr, lastScores: lastScores,
            imagesPerSecond: Double(imagesSeen) / max(Date().timeIntervalSince(started), 1e-9),
            interruption: interruption)
    }

    /// Greedy captions of `images` scored against `references`.
    static func evaluate(
        _ model: CaptionModel, images: [Image], references: [[String]], beamWidth: Int = 1
    ) throws(CaptionError) -> CaptionScores {
        var candidates: [String] = []
        for start in stride(from: 0, to: images.count, by: 64) {
            let batch = Array(images[start..<min(images.count, start + 64)])
            let features = withoutGradients { model.features(of: batch) }
            candidates += try model.captions(for: features, beamWidth: beamWidth).map(\.text)
        }
        return CaptionScores.compute(candidates: candidates, references: references)
    }

    /// Train and validation examples: the data's own split when it has one, else every
    /// ⌈1/fraction⌉-th image.
    static func split(_ examples: [CaptionExample], fraction: Double)
        -> (train: [CaptionExample], validation: [CaptionExample])
    {
        if examples.contains(where: { $0.split != nil }) {
            return (
                examples.filter { $0.split == "train" || $0.split == "restval" },
                examples.filter { $0.split == "val" }
            )
        }
        guard fraction > 0 else { return (examples, []) }
        let every = max(2, Int((1 / fraction).rounded(.up)))
        return (
            examples.enumerated().filter { $0.offset % every != every - 1 }.map(\.element),
            examples.enumerated().filter { $0.offset % every == every - 1 }.map(\.element)
        )
    }

    /// Decodes and preprocesses every image once.   -> [N, 3, H, W]
    static func loadImages(_ examples: [CaptionExample], preprocessing: Preprocessing) throws
        -> Tensor
    {
        var scalars: [Float] = []
        scalars.reserveCapacity(examples.count * 3 * preprocessing.width * preprocessing.height)
        for example in examples {
            let image = try Image(contentsOf: example.imagePath, layout: .rgb)
            scalars += preprocessing.tensor([image]).scalars
        }
        return Tensor(
            shape: [examples.count, 3, preprocessing.height, preprocessing.width], scalars: scalars)
    }

    /// A permutation of 0..<count fixed by the seed and the epoch (Fisher–Yates).
    static func shuffled(_ count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return order
    }
}
