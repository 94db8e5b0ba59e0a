// Training a captioning model on the training engine: batches of images with one sampled
// reference caption each, teacher forcing, Adam with global-norm clipping and a step
// learning-rate schedule, validation BLEU-4/CIDEr-D after every epoch, the best model kept.
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
    /// Where the dataset's relative image paths are resolved (nil: beside the dataset).
    public var imageDirectory: String?
    /// Images larger than this are refused before they are decoded.
    public var limits = DecodeLimits.standard
    /// The model directory: the best model's files plus `checkpoint/` for resuming.
    public var outputDirectory: String
    public var configuration = CaptionModelConfiguration()
    /// Epochs in all (counting those before a resume); `Int.max` trains until `maxSeconds`,
    /// `steps` or a signal.
    public var epochs = 10
    /// Steps in all (counting those before a resume); `Int.max`: no limit.
    public var steps = Int.max
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
    /// Also validate every N steps inside an epoch (nil: after each epoch only).
    public var validateEvery: Int?
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
            ("epochs", epochs, 1), ("steps", steps, 1), ("batchSize", batchSize, 1),
            ("decayEvery", decayEvery, 1),
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
    /// The best validation CIDEr-D (nil without validation images).
    public var bestCIDEr: Double?
    /// The last validation's metrics (BLEU-4, CIDEr-D).
    public var lastValidation: ValidationResult?
    public var imagesPerSecond: Double
    /// The calibration of the best model's domain, nil when the run was interrupted or had no
    /// validation images.
    public var calibration: CaptionCalibrationReport?
    /// The signal (SIGINT or SIGTERM) that stopped the run after its checkpoint was written,
    /// nil when it ran to its end.
    public var interruption: Int32?
}

/// Caption training as a task of the training engine: images with one sampled reference
/// caption each, teacher forcing, validation BLEU-4 and CIDEr-D after every epoch.
struct CaptionTask: TrainingTask {
    /// Saved with a checkpoint, so that a resume needs the checkpoint alone.
    struct State: Codable {
        var configuration: CaptionModelConfiguration
        var vocabulary: CaptionVocabulary
    }

    static let modelFiles = [
        CaptionModel.configurationFile, CaptionModel.vocabularyFile, CaptionModel.encoderFile,
        CaptionModel.decoderFile,
    ]

    let model: CaptionModel
    /// Every training image, preprocessed.   [N, 3, H, W]
    let inputs: Tensor
    /// Per image, its captions as word ids between <start> and <end>.
    let captions: [[[Int]]]
    let batches: ShuffledBatches
    let seed: UInt64
    let validationImages: [Image]
    let validationReferences: [[String]]

    var stepsPerEpoch: Int { batches.stepsPerEpoch }
    var itemName: String { "img" }
    var state: State { State(configuration: model.configuration, vocabulary: model.vocabulary) }

    func loss(at position: TrainingPosition) throws -> StepLoss {
        let batch = batches.indices(at: position)
        var chooser = SplitMix64(seed: seed &* 1_000_003 &+ UInt64(position.step))
        let chosen = batch.map {
            captions[$0][Int(chooser.next() % UInt64(captions[$0].count))]
        }
        let (loss, wordLoss) = model.decoder.loss(
            features: model.encoder(gather(inputs, indices: batch)), captions: chosen,
            attentionRegularization: model.configuration.attentionRegularization)
        return StepLoss(loss: loss, reported: wordLoss, items: batch.count)
    }

    func validate() throws -> ValidationResult? {
        guard !validationImages.isEmpty else { return nil }
        let scores = try CaptionTraining.evaluate(
            model, images: validationImages, references: validationReferences)
        return ValidationResult(
            [.init("BLEU-4", scores.bleu[3]), .init("CIDEr-D", scores.cider)], primary: "CIDEr-D")
    }

    func saveModel(to directory: String) throws {
        try model.save(to: directory)
    }

    func restore(_ state: State) throws {}
}

/// Runs caption training on the training engine.
public enum CaptionTraining {
    /// Trains, writing progress to `display`.
    public static func run(
        _ options: CaptionTrainingOptions, display: ProgressDisplay
    ) throws -> CaptionTrainingReport {
        try options.validate()
        let examples = try CaptionDataset.load(
            options.dataPath, imageDirectory: options.imageDirectory)
        let (train, validation) = split(examples, fraction: options.validationFraction)
        guard !train.isEmpty else {
            throw CaptionError.invalidData(path: options.dataPath, reason: "no training images")
        }
        guard options.batchSize <= train.count else {
            throw CaptionError.invalidArgument(
                "batch size \(options.batchSize) is larger than the \(train.count) training "
                    + "images of \(options.dataPath)")
        }
        let resuming =
            try OutputDirectory.prepare(
                options.outputDirectory, files: CaptionTask.modelFiles, resume: options.resume,
                overwrite: options.overwrite, log: { display.message($0) }) == .resume
        // Before any training: an output that cannot be made fails now, not at the first save.
        try Directory.create(options.outputDirectory)
        var run = TrainingRun(outputDirectory: options.outputDirectory)
        run.epochs = options.epochs
        run.steps = options.steps
        run.maxSeconds = options.maxSeconds
        run.checkpointEvery = options.checkpointEvery
        run.checkpointMinutes = options.checkpointMinutes
        run.logEvery = options.printEvery
        run.validateEvery = options.validateEvery
        run.allowDataChange = options.allowDataChange
        let data = DataFingerprint(
            train.map {
                ($0.imagePath as NSString).lastPathComponent + "\t"
                    + $0.captions.joined(separator: "\t")
            })
        var configuration = options.configuration
        var vocabulary = CaptionVocabulary(
            captions: train.flatMap(\.captions), minCount: configuration.minWordCount)
        let checkpoint = resuming ? try Checkpoint(contentsOf: run.checkpointDirectory) : nil
        if let checkpoint {
            try TrainingEngine<CaptionTask>.verify(checkpoint, data: data, run: run)
            guard let saved = try TrainingEngine<CaptionTask>.savedTaskState(in: checkpoint) else {
                throw TrainingError.invalidCheckpoint(
                    path: run.checkpointDirectory,
                    reason: "state.json has no model configuration (made by an older Glimpse)")
            }
            configuration = saved.configuration
            vocabulary = saved.vocabulary
        }
        let model = CaptionModel(configuration: configuration, vocabulary: vocabulary)

        display.message("loading \(train.count) training and \(validation.count) validation images")
        let task = CaptionTask(
            model: model,
            inputs: try loadImages(
                train, preprocessing: configuration.encoder.preprocessing, limits: options.limits),
            captions: train.map { example in
                example.captions.map {
                    [CaptionVocabulary.start]
                        + vocabulary.encode($0).prefix(configuration.maxLength)
                        + [CaptionVocabulary.end]
                }
            },
            batches: ShuffledBatches(
                count: train.count, batchSize: options.batchSize, seed: options.seed),
            seed: options.seed,
            validationImages: try validation.map { example throws -> Image in
                try Image(contentsOf: example.imagePath, layout: .rgb, limits: options.limits)
            },
            validationReferences: validation.map(\.captions))

        var optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate)
        optimizer.clipping = .globalNorm(options.clipNorm)
        let schedule = StepLearningRate(
            initial: options.learningRate, stepSize: options.decayEvery,
            gamma: options.learningRateDecay)
        var engine = TrainingEngine(
            task: task, optimizer: optimizer, run: run, data: data,
            schedule: { schedule.learningRate(atStep: $0) }, display: display)
        let summary = try engine.fit(from: checkpoint)
        var calibration: CaptionCalibrationReport?
        if summary.interruption == nil && !validation.isEmpty {
            display.message("calibrating the best model's domain")
            var calibrationOptions = CaptionCalibrationOptions(
                dataPath: options.dataPath, imageDirectory: options.imageDirectory)
            calibrationOptions.limits = options.limits
            calibrationOptions.validationFraction = options.validationFraction
            calibration = try CaptionCalibration.calibrate(
                modelDirectory: options.outputDirectory, options: calibrationOptions)
        }
        return CaptionTrainingReport(
            epochs: summary.epochs, steps: summary.steps, bestCIDEr: summary.best,
            lastValidation: summary.lastValidation, imagesPerSecond: summary.itemsPerSecond,
            calibration: calibration, interruption: summary.interruption)
    }

    /// Trains, sending each line of progress to `log` (no status line redrawn).
    public static func run(
        _ options: CaptionTrainingOptions, log: @escaping (String) -> Void
    ) throws -> CaptionTrainingReport {
        try run(options, display: .lines(log))
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
    static func loadImages(
        _ examples: [CaptionExample], preprocessing: Preprocessing, limits: DecodeLimits
    ) throws -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(examples.count * 3 * preprocessing.width * preprocessing.height)
        for example in examples {
            let image = try Image(contentsOf: example.imagePath, layout: .rgb, limits: limits)
            scalars += preprocessing.tensor([image]).scalars
        }
        return Tensor(
            shape: [examples.count, 3, preprocessing.height, preprocessing.width], scalars: scalars)
    }
}
