// Training a frame labeller on the training engine: sequences of up to `window` sampled frames
// cut from the training videos (truncated backpropagation through time: a long video becomes
// several sequences, each starting from a zero state), batched with padding and masks, Adam
// with global-norm clipping; validation frame accuracy and mAP over whole videos after every
// epoch, the best model kept.
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseTraining

/// A video's sampled frames, already at the model's input size, and each frame's class.
public struct LabelledClip: Sendable {
    public var name: String
    public var frames: [Image]
    public var times: [Double]
    public var labels: [Int]

    public init(name: String, frames: [Image], times: [Double], labels: [Int]) {
        self.name = name
        self.frames = frames
        self.times = times
        self.labels = labels
    }
}

/// What to train and how long.
public struct LabelTrainingOptions: Sendable {
    /// Budget, checkpoints and the model directory.
    public var run: TrainingRun
    /// The model's shape, ranking loss and sampling rate (its labels are the data's).
    public var configuration = FrameLabelConfiguration()
    /// Sequences per step: `8`.
    public var batchSize = 8
    public var learningRate: Float = 1e-3
    public var clipNorm: Float = 5
    /// Data order.
    public var seed: UInt64 = 1
    /// Continue the run in the model directory (a new run without a checkpoint there).
    public var resume = false
    /// Replace a model already there.
    public var overwrite = false

    public init(outputDirectory: String) {
        run = TrainingRun(outputDirectory: outputDirectory)
        run.epochs = 20
    }

    /// Throws when a setting is outside its domain.
    public func validate() throws(LabelingError) {
        guard batchSize >= 1 else { throw .invalidArgument("batch size must be at least 1") }
        for (name, value) in [("learning rate", learningRate), ("clip norm", clipNorm)]
        where !(value > 0 && value.isFinite) {
            throw .invalidArgument("\(name) must be a positive number, got \(value)")
        }
        try configuration.validate()
    }
}

/// The outcome of a training run.
public struct LabelTrainingReport: Sendable {
    public var epochs: Int
    public var steps: Int
    /// The best validation frame accuracy (nil without validation videos).
    public var bestAccuracy: Double?
    public var lastValidation: ValidationResult?
    public var framesPerSecond: Double
    public var interruption: Int32?
}

/// Frame labelling as a task of the training engine.
struct FrameLabelTask: TrainingTask {
    /// Saved in a checkpoint, so that a resume needs the checkpoint alone.
    struct State: Codable {
        var configuration: FrameLabelConfiguration
    }

    static let modelFiles = [FrameLabelModel.configurationFile, FrameLabelModel.weightsFile]

    let model: FrameLabelModel
    let clips: [LabelledClip]
    /// Training sequences: clip, first frame, frame count.
    let windows: [(clip: Int, start: Int, count: Int)]
    let batches: ShuffledBatches
    let validation: [LabelledClip]

    init(
        model: FrameLabelModel, clips: [LabelledClip], validation: [LabelledClip], batchSize: Int,
        seed: UInt64
    ) {
        self.model = model
        self.clips = clips
        self.validation = validation
        let window = model.configuration.window
        windows = clips.enumerated().flatMap { index, clip in
            stride(from: 0, to: clip.frames.count, by: window).map {
                (index, $0, min(window, clip.frames.count - $0))
            }
        }
        batches = ShuffledBatches(count: windows.count, batchSize: batchSize, seed: seed)
    }

    var stepsPerEpoch: Int { batches.stepsPerEpoch }
    var itemName: String { "frames" }
    var state: State { State(configuration: model.configuration) }
    func restore(_ state: State) throws {}

    func loss(at position: TrainingPosition) throws -> StepLoss {
        let chosen = batches.indices(at: position).map { windows[$0] }
        let images = chosen.flatMap { clips[$0.clip].frames[$0.start..<($0.start + $0.count)] }
        let labels = chosen.map { Array(clips[$0.clip].labels[$0.start..<($0.start + $0.count)]) }
        let (loss, crossEntropy) = model.loss(frames: model.input(images), labels: labels)
        return StepLoss(loss: loss, reported: crossEntropy, items: images.count)
    }

    func validate() throws -> ValidationResult? {
        guard !validation.isEmpty else { return nil }
        let scores = LabelTraining.evaluate(model, on: validation)
        return ValidationResult(
            [
                .init("accuracy", scores.frameAccuracy), .init("mAP", scores.map),
                .init("early@0.2", scores.earlyDetection["0.2"] ?? 0),
            ], primary: "accuracy")
    }

    func saveModel(to directory: String) throws {
        try model.save(to: directory)
    }
}

/// Runs frame-labelling training on the training engine.
public enum LabelTraining {
    /// Trains on `train`, validating on `validation`; `data` fingerprints the examples, so a
    /// resume on other data is refused.
    public static func run(
        _ options: LabelTrainingOptions, train: [LabelledClip], validation: [LabelledClip],
        data: DataFingerprint, display: ProgressDisplay
    ) throws -> LabelTrainingReport {
        try options.validate()
        guard !train.isEmpty, train.allSatisfy({ !$0.frames.isEmpty }) else {
            throw LabelingError.invalidArgument("no training frames")
        }
        let checkpoint = try resumableCheckpoint(options, display: display)
        var configuration = options.configuration
        if let checkpoint {
            try TrainingEngine<FrameLabelTask>.verify(checkpoint, data: data, run: options.run)
            if let saved = try TrainingEngine<FrameLabelTask>.savedTaskState(in: checkpoint) {
                configuration = saved.configuration
            }
        }
        let model = try FrameLabelModel(configuration: configuration)
        let task = FrameLabelTask(
            model: model, clips: train, validation: validation, batchSize: options.batchSize,
            seed: options.seed)
        var optimizer = Adam(parameters: model.parameters, learningRate: options.learningRate)
        optimizer.clipping = .globalNorm(options.clipNorm)
        var engine = TrainingEngine(
            task: task, optimizer: optimizer, run: options.run, data: data, display: display)
        let summary = try engine.fit(from: checkpoint)
        return LabelTrainingReport(
            epochs: summary.epochs, steps: summary.steps, bestAccuracy: summary.best,
            lastValidation: summary.lastValidation, framesPerSecond: summary.itemsPerSecond,
            interruption: summary.interruption)
    }

    /// Protects the model directory and loads its checkpoint when resuming.
    static func resumableCheckpoint(_ options: LabelTrainingOptions, display: ProgressDisplay)
        throws -> Checkpoint?
    {
        let resuming =
            try OutputDirectory.prepare(
                options.run.outputDirectory, files: FrameLabelTask.modelFiles,
                resume: options.resume, overwrite: options.overwrite,
                log: { display.message($0) }) == .resume
        return resuming ? try Checkpoint(contentsOf: options.run.checkpointDirectory) : nil
    }

    /// Per-frame class probabilities of `model` over whole clips.   -> [clip][frame][class]
    public static func probabilities(_ model: FrameLabelModel, on clips: [LabelledClip])
        -> [[[Float]]]
    {
        clips.map { clip in
            guard !clip.frames.isEmpty else { return [] }
            let classes = model.labels.count
            let scalars = withoutGradients {
                softmax(
                    model.logits(frames: model.input(clip.frames), lengths: [clip.frames.count])
                        .reshaped(to: [clip.frames.count, classes]), axis: 1
                ).scalars
            }
            return (0..<clip.frames.count).map {
                Array(scalars[($0 * classes)..<(($0 + 1) * classes)])
            }
        }
    }

    /// The scores of `model` on `clips`.
    public static func evaluate(_ model: FrameLabelModel, on clips: [LabelledClip])
        -> LabelingScores
    {
        LabelingScores.compute(
            probabilities: probabilities(model, on: clips), labels: clips.map(\.labels))
    }
}

/// Average precision over frames (scikit-learn's `average_precision_score`: Σₙ (Rₙ − Rₙ₋₁)·Pₙ
/// over the frames ranked by score), per class and averaged over the classes that occur,
/// background (class 0) excluded as in THUMOS.
public enum FrameAveragePrecision {
    /// AP of one class: `scores` the class's score per frame, `positive` whether it is the
    /// frame's class. nil when no frame is positive.
    public static func averagePrecision(scores: [Float], positive: [Bool]) -> Double? {
        let positives = positive.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var seen = 0
        var total = 0.0
        var index = 0
        // Frames with equal scores form one threshold, as in scikit-learn.
        while index < order.count {
            var next = index
            var hits = 0
            while next < order.count && scores[order[next]] == scores[order[index]] {
                hits += positive[order[next]] ? 1 : 0
                next += 1
            }
            truePositives += hits
            seen = next
            total += Double(hits) / Double(positives) * Double(truePositives) / Double(seen)
            index = next
        }
        return total
    }

    /// Mean AP over the classes 1… that occur in `labels`; 0 when none does.
    public static func mean(scores: [[Float]], labels: [Int]) -> Double {
        let classes = scores.first?.count ?? 0
        let values = (1..<max(1, classes)).compactMap { c in
            averagePrecision(scores: scores.map { $0[c] }, positive: labels.map { $0 == c })
        }
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// Per-frame predictions of a clip against its labels: the figures `glimpse label eval` prints.
public struct LabelingScores: Codable, Sendable, Equatable {
    /// Frames whose most probable class is their label.
    public var frameAccuracy: Double
    /// Mean over activity classes of frame-level average precision (background excluded).
    public var map: Double
    /// F1 of the predicted segments (runs of one predicted activity, scored by their mean
    /// confidence) against the labelled ones at tIoU 0.5.
    public var segmentF1: Double
    /// ActivityNet's detection mAP of those segments, averaged over tIoU 0.5:0.05:0.95.
    public var detectionMap: Double
    /// For each observed share f of a segment ("0.1" … "1.0"): the share of segments whose
    /// prediction at the frame ⌈f·n⌉ of its n frames is already its label.
    public var earlyDetection: [String: Double]
    public var frames: Int
    public var segments: Int

    enum CodingKeys: String, CodingKey {
        case map, frames, segments
        case frameAccuracy = "frame_accuracy"
        case segmentF1 = "segment_f1"
        case detectionMap = "detection_map"
        case earlyDetection = "early_detection"
    }

    /// Scores `probabilities` ([frames][classes] per clip) against the clips' labels.
    public static func compute(probabilities: [[[Float]]], labels: [[Int]]) -> LabelingScores {
        var correct = 0
        var frames = 0
        var flat: [[Float]] = []
        var truth: [Int] = []
        var early = [Int](repeating: 0, count: 10)
        var labelled: [FrameSegment] = []
        var predictedSegments: [FrameSegment] = []
        for (clip, (scores, classes)) in zip(probabilities, labels).enumerated() {
            let predicted = scores.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
            for (p, y) in zip(predicted, classes) { correct += p == y ? 1 : 0 }
            frames += classes.count
            flat += scores
            truth += classes
            predictedSegments += FrameSegment.runs(
                in: predicted,
                confidences: zip(scores, predicted).map { Double($0[$1]) }, clip: clip)
            for segment in FrameSegment.runs(in: classes, clip: clip) {
                labelled.append(segment)
                let n = segment.end - segment.start
                for k in 1...10 {
                    let seen = Int((Double(k) / 10 * Double(n)).rounded(.up))
                    if predicted[segment.start + max(1, seen) - 1] == segment.label {
                        early[k - 1] += 1
                    }
                }
            }
        }
        let segments = labelled.count
        return LabelingScores(
            frameAccuracy: frames == 0 ? 0 : Double(correct) / Double(frames),
            map: FrameAveragePrecision.mean(scores: flat, labels: truth),
            segmentF1: SegmentDetection.f1(predictions: predictedSegments, truth: labelled),
            detectionMap: SegmentDetection.meanAveragePrecision(
                predictions: predictedSegments, truth: labelled),
            earlyDetection: Dictionary(
                uniqueKeysWithValues: (1...10).map {
                    (
                        String(format: "%.1f", Double($0) / 10),
                        segments == 0 ? 0 : Double(early[$0 - 1]) / Double(segments)
                    )
                }),
            frames: frames, segments: segments)
    }
}
