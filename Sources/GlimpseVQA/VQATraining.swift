// Training a VQA model on the training engine: every distinct training image decoded and
// preprocessed once, batches made of all the questions of a few images (so the CNN runs once
// per image, not once per question), soft-target cross-entropy, Adam with global-norm clipping; validation with the official
// VQA accuracy after every epoch (a deterministic split when no validation file is given), the
// best model kept.
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseTraining

/// What to train on and how.
public struct VQATrainingOptions: Sendable {
    /// Budget, checkpoints and the model directory.
    public var run: TrainingRun
    public var configuration = VQAModelConfiguration()
    /// Questions per step, roughly: each step takes every question of about
    /// `batchSize / (questions per image)` images, so the CNN runs once per image: `64`.
    public var batchSize = 64
    public var learningRate: Float = 2e-3
    public var clipNorm: Float = 5
    /// Images larger than this are refused before they are decoded.
    public var limits = DecodeLimits.standard
    /// A model directory whose CNN weights start the encoder (``VQAModel/initializeEncoder(from:)``);
    /// nil starts from random weights. Ignored on resume, where the checkpoint has them.
    public var encoderSource: String?
    /// Without validation data: every ⌈1/fraction⌉-th image's questions are held out.
    public var validationFraction = 0.05
    /// Data order.
    public var seed: UInt64 = 1
    public var resume = false
    public var overwrite = false

    public init(outputDirectory: String) {
        run = TrainingRun(outputDirectory: outputDirectory)
        run.epochs = 10
    }

    /// Throws when a setting is outside its domain.
    public func validate() throws(VQAError) {
        guard batchSize >= 1 else { throw .invalidArgument("batch size must be at least 1") }
        for (name, value) in [("learning rate", learningRate), ("clip norm", clipNorm)]
        where !(value > 0 && value.isFinite) {
            throw .invalidArgument("\(name) must be a positive number, got \(value)")
        }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw .invalidArgument("validation fraction must be in [0, 1)")
        }
    }
}

/// The outcome of a training run.
public struct VQATrainingReport: Sendable {
    public var epochs: Int
    public var steps: Int
    /// The best validation accuracy (nil without validation questions).
    public var bestAccuracy: Double?
    public var lastValidation: ValidationResult?
    public var questionsPerSecond: Double
    /// Training questions none of whose answers is in the answer vocabulary (they add no loss).
    public var unanswerable: Int
    public var interruption: Int32?
}

/// VQA as a task of the training engine.
struct VQATask: TrainingTask {
    /// Saved with a checkpoint, so that a resume needs the checkpoint alone.
    struct State: Codable {
        var configuration: VQAModelConfiguration
        var questionVocabulary: QuestionVocabulary
        var answerVocabulary: AnswerVocabulary
    }

    static var modelFiles: [String] { VQAModel.modelFiles }

    let model: VQAModel
    /// Every distinct training image, preprocessed.   [M, 3, H, W]
    let images: Tensor
    /// Per training question: its image's row in `images`, tokens and answer targets.
    let questions: [VQAEncodedQuestion]
    let answers: [[VQAAnswerWeight]]
    /// The questions of each image: a batch takes all the questions of a few images, so the
    /// CNN runs once per image for all of them.
    let questionsOfImage: [[Int]]
    let batches: ShuffledBatches
    let validation: [VQAExample]
    let validationImages: [String: Image]

    var stepsPerEpoch: Int { batches.stepsPerEpoch }
    var itemName: String { "q" }
    var state: State {
        State(
            configuration: model.configuration, questionVocabulary: model.questionVocabulary,
            answerVocabulary: model.answerVocabulary)
    }
    func restore(_ state: State) throws {}

    func loss(at position: TrainingPosition) throws -> StepLoss {
        let chosen = batches.indices(at: position)  // images
        var batchQuestions: [VQAEncodedQuestion] = []
        var targets: [[VQAAnswerWeight]] = []
        for (slot, image) in chosen.enumerated() {
            for row in questionsOfImage[image] {
                batchQuestions.append(
                    VQAEncodedQuestion(tokens: questions[row].tokens, image: slot))
                targets.append(answers[row])
            }
        }
        let loss = model.loss(
            images: gather(images, indices: chosen), questions: batchQuestions, answers: targets)
        return StepLoss(loss: loss, reported: loss.scalar, items: batchQuestions.count)
    }

    func validate() throws -> ValidationResult? {
        guard !validation.isEmpty else { return nil }
        let evaluation = try model.evaluate(validation) { path throws(VQAError) -> Image in
            guard let image = validationImages[path] else {
                throw .invalidData(path: path, reason: "image not loaded")
            }
            return image
        }
        var metrics: [ValidationResult.Metric] = [.init("accuracy", evaluation.accuracy)]
        for (type, score) in evaluation.byQuestionType.sorted(by: { $0.key < $1.key }) {
            metrics.append(.init(type, score.accuracy))
        }
        return ValidationResult(metrics, primary: "accuracy")
    }

    func saveModel(to directory: String) throws {
        try model.save(to: directory)
    }
}

/// Runs VQA training on the training engine.
public enum VQATraining {
    /// Trains on `train` (validating on `validation`, or on a deterministic share of `train`'s
    /// images when it is nil), writing progress to `display`.
    public static func run(
        _ options: VQATrainingOptions, train: [VQAExample], validation: [VQAExample]?,
        display: ProgressDisplay
    ) throws -> VQATrainingReport {
        try options.validate()
        let (training, held) =
            validation.map { (train, $0) } ?? split(train, options.validationFraction)
        guard !training.isEmpty else { throw VQAError.invalidArgument("no training questions") }
        guard options.batchSize <= training.count else {
            throw VQAError.invalidArgument(
                "batch size \(options.batchSize) is larger than the \(training.count) training "
                    + "questions")
        }
        if let missing = training.first(where: \.answers.isEmpty) {
            throw VQAError.invalidData(
                path: missing.source, reason: "a training question without an answer")
        }
        let data = DataFingerprint(
            training.map { "\($0.image)\t\($0.question)\t\($0.answers.joined(separator: "|"))" })
        let resuming =
            try OutputDirectory.prepare(
                options.run.outputDirectory, files: VQAModel.modelFiles, resume: options.resume,
                overwrite: options.overwrite, log: { display.message($0) }) == .resume
        try Directory.create(options.run.outputDirectory)
        let checkpoint =
            resuming ? try Checkpoint(contentsOf: options.run.checkpointDirectory) : nil
        var model = VQAModel(configuration: options.configuration, training: training)
        if let source = options.encoderSource, checkpoint == nil {
            try model.initializeEncoder(from: source)
            display.message("encoder initialised from \(source)")
        }
        if let checkpoint {
            try TrainingEngine<VQATask>.verify(checkpoint, data: data, run: options.run)
            if let saved = try TrainingEngine<VQATask>.savedTaskState(in: checkpoint) {
                model = VQAModel(
                    configuration: saved.configuration,
                    questionVocabulary: saved.questionVocabulary,
                    answerVocabulary: saved.answerVocabulary)
            }
        }

        // Every distinct image once.
        var rowOfImage: [String: Int] = [:]
        var pictures: [Image] = []
        for example in training where rowOfImage[example.image] == nil {
            rowOfImage[example.image] = pictures.count
            pictures.append(try loadImage(example.image, limits: options.limits))
        }
        display.message(
            "\(training.count) training questions on \(pictures.count) images, "
                + "\(held.count) validation questions; \(model.answerVocabulary.count) answers")
        let preprocessing = model.configuration.encoder.preprocessing
        var scalars: [Float] = []
        for start in stride(from: 0, to: pictures.count, by: 256) {
            scalars +=
                preprocessing.tensor(Array(pictures[start..<min(pictures.count, start + 256)]))
                .scalars
        }
        let images = Tensor(
            shape: [pictures.count, 3, preprocessing.height, preprocessing.width], scalars: scalars)
        var questions: [VQAEncodedQuestion] = []
        for example in training {
            var tokens = Array(
                model.questionVocabulary.encode(example.question).prefix(
                    VQADataset.maxQuestionWords))
            if tokens.isEmpty { tokens = [QuestionVocabulary.unknown] }
            questions.append(
                VQAEncodedQuestion(tokens: tokens, image: rowOfImage[example.image] ?? 0))
        }
        let answers = model.softTargets(for: training.map(\.answers))
        let unanswerable = answers.filter(\.isEmpty).count
        if unanswerable > 0 {
            display.message(
                "\(unanswerable) training questions have no answer among the top "
                    + "\(model.answerVocabulary.count) (they add no loss)")
        }
        var validationImages: [String: Image] = [:]
        for example in held where validationImages[example.image] == nil {
            validationImages[example.image] = try loadImage(
                example.image, limits: options.limits)
        }
        var questionsOfImage = [[Int]](repeating: [], count: pictures.count)
        for (row, question) in questions.enumerated() {
            questionsOfImage[question.image].append(row)
        }
        // About `batchSize` questions a step: that many questions' worth of images.
        let perImage = Double(training.count) / Double(pictures.count)
        let imagesPerStep = max(1, Int((Double(options.batchSize) / perImage).rounded()))
        let task = VQATask(
            model: model, images: images, questions: questions, answers: answers,
            questionsOfImage: questionsOfImage,
            batches: ShuffledBatches(
                count: pictures.count, batchSize: imagesPerStep, seed: options.seed),
            validation: held, validationImages: validationImages)
        var optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate)
        optimizer.clipping = .globalNorm(options.clipNorm)
        var engine = TrainingEngine(
            task: task, optimizer: optimizer, run: options.run, data: data, display: display)
        let summary = try engine.fit(from: checkpoint)
        return VQATrainingReport(
            epochs: summary.epochs, steps: summary.steps, bestAccuracy: summary.best,
            lastValidation: summary.lastValidation, questionsPerSecond: summary.itemsPerSecond,
            unanswerable: unanswerable, interruption: summary.interruption)
    }

    /// Decodes an image as RGB, refusing one larger than `limits`; the error names the file.
    public static func loadImage(_ path: String, limits: DecodeLimits) throws(VQAError) -> Image {
        do {
            return try Image(contentsOf: path, layout: .rgb, limits: limits)
        } catch {
            let message = error.localizedDescription
            throw .invalidData(
                path: path,
                reason: message.hasPrefix(path + ": ")
                    ? String(message.dropFirst(path.count + 2)) : message)
        }
    }

    /// Training and validation questions: every ⌈1/fraction⌉-th distinct image (in order of
    /// first appearance) is held out with all its questions.
    static func split(_ examples: [VQAExample], _ fraction: Double) -> (
        [VQAExample], [VQAExample]
    ) {
        guard fraction > 0 else { return (examples, []) }
        let every = max(2, Int((1 / fraction).rounded(.up)))
        var order: [String: Int] = [:]
        for example in examples where order[example.image] == nil {
            order[example.image] = order.count
        }
        let held = { (example: VQAExample) in (order[example.image] ?? 0) % every == every - 1 }
        return (examples.filter { !held($0) }, examples.filter(held))
    }
}
