// The one training loop every task runs on (PyTorch Lightning's `Trainer.fit`, in one file):
//
//   for each epoch (until --epochs, --steps, --max-seconds or a signal):
//       learning rate from the schedule
//       for each step:  loss = task.loss(position) → backward → [all-reduce] → optimizer step
//                       NaN guard · progress · metrics row · checkpoint when due
//       validation → best model published as a unit · checkpoint
//
// Resume is exact: the checkpoint holds parameters, optimizer moments, the position (epoch,
// step in epoch, step), the best metric, the data fingerprint and the task's own state, and the
// loop continues at the step it stopped before. A SIGKILL at any moment leaves the previous
// checkpoint (swapped in whole, see Checkpoint.swift) and a whole model (StagedPublication).
import Foundation
import GlimpseLayers
import GlimpseSupport
import GlimpseTensor

/// The budget, schedule and places of one training run.
public struct TrainingRun: Sendable {
    /// The model directory: the published model, `checkpoint/`, training.jsonl and .png.
    public var outputDirectory: String
    /// Epochs in all, counting those before a resume (`Int.max`: no limit).
    public var epochs = Int.max
    /// Steps in all, counting those before a resume (`Int.max`: no limit).
    public var steps = Int.max
    /// Stop (after a checkpoint) once this much wall-clock time has passed in this run.
    public var maxSeconds: Double?
    /// Save a checkpoint every N steps (nil: not by steps) …
    public var checkpointEvery: Int?
    /// … and when this many minutes have passed since the last save (nil: not by time).
    public var checkpointMinutes: Double? = 10
    /// Also checkpoint after every epoch (for tasks whose epochs are long).
    public var checkpointEachEpoch = true
    /// Also validate every N steps inside an epoch (nil: after each epoch only).
    public var validateEvery: Int?
    /// A training.jsonl row every N steps (and at the end of each epoch).
    public var logEvery = 50
    /// Resume on data other than the checkpoint's instead of refusing.
    public var allowDataChange = false

    public init(outputDirectory: String) {
        self.outputDirectory = outputDirectory
    }

    /// Throws a description of the first setting outside its domain.
    public func validate() throws(TrainingError) {
        for (name, value) in [
            ("epochs", epochs), ("steps", steps), ("logEvery", logEvery),
            ("checkpointEvery", checkpointEvery ?? 1), ("validateEvery", validateEvery ?? 1),
        ] where value < 1 {
            throw .invalidSetting("\(name) must be at least 1, got \(value)")
        }
        for (name, value) in [("maxSeconds", maxSeconds), ("checkpointMinutes", checkpointMinutes)]
        {
            if let value, !(value > 0 && value.isFinite) {
                throw .invalidSetting("\(name) must be a positive number, got \(value)")
            }
        }
    }

    /// The checkpoint directory.
    public var checkpointDirectory: String { outputDirectory + "/checkpoint" }
}

/// How a run ended.
public struct TrainingSummary: Sendable {
    /// Epochs completed and steps taken in all, resumed runs included.
    public var epochs: Int
    public var steps: Int
    /// Steps taken by this process.
    public var stepsThisRun: Int
    /// The best value of the primary validation metric (nil without validation).
    public var best: Double?
    /// The last validation's metrics.
    public var lastValidation: ValidationResult?
    /// Items per second over this run.
    public var itemsPerSecond: Double
    /// The signal (SIGINT or SIGTERM) that stopped the run after its checkpoint was written.
    public var interruption: Int32?
}

/// The engine's part of a checkpoint's state.json `extra`, with the task's.
public struct EngineState<TaskState: Codable>: Codable {
    var stepInEpoch: Int
    var best: Double?
    var data: DataFingerprint
    var task: TaskState
}

/// Trains a ``TrainingTask``; see the file comment.
public struct TrainingEngine<Task: TrainingTask> {
    public private(set) var task: Task
    public private(set) var optimizer: any Optimizer
    public let run: TrainingRun
    let data: DataFingerprint
    /// The learning rate for an epoch (nil: the optimizer's stays as it is).
    let schedule: ((Int) -> Float)?
    let display: ProgressDisplay

    /// An engine for `task` on `data`, continuing from `checkpoint` when given.
    public init(
        task: Task, optimizer: any Optimizer, run: TrainingRun, data: DataFingerprint,
        schedule: ((Int) -> Float)? = nil, display: ProgressDisplay
    ) {
        self.task = task
        self.optimizer = optimizer
        self.run = run
        self.data = data
        self.schedule = schedule
        self.display = display
    }

    /// The task state saved in `checkpoint` (the task may need it, e.g. its configuration and
    /// vocabulary, before it can be built); nil when the checkpoint has none.
    public static func savedTaskState(in checkpoint: Checkpoint) throws -> Task.State? {
        try checkpoint.extra(EngineState<Task.State>.self)?.task
    }

    /// The engine's state in `checkpoint`, after checking that it was trained on `data`
    /// (unless `run.allowDataChange`): callers check before loading their data.
    @discardableResult
    public static func verify(_ checkpoint: Checkpoint, data: DataFingerprint, run: TrainingRun)
        throws -> EngineState<Task.State>
    {
        guard let saved = try checkpoint.extra(EngineState<Task.State>.self) else {
            throw TrainingError.invalidCheckpoint(
                path: run.checkpointDirectory, reason: "state.json has no training position")
        }
        try data.check(
            against: saved.data, checkpoint: run.checkpointDirectory, allowed: run.allowDataChange)
        return saved
    }

    /// Trains until the budget, the epochs, the steps or a signal ends the run, continuing from
    /// `checkpoint` when given.
    public mutating func fit(from checkpoint: Checkpoint? = nil) throws -> TrainingSummary {
        try run.validate()
        let stepsPerEpoch = task.stepsPerEpoch
        guard stepsPerEpoch >= 1 else { throw TrainingError.invalidSetting("no training batches") }
        let out = run.outputDirectory
        try StagedPublication.recover(out)
        try Directory.create(out)

        var position = TrainingPosition(epoch: 0, stepInEpoch: 0, step: 0)
        var best: Double?
        var lastCheckpoint: Int?
        var modelPublished = false
        if let checkpoint {
            let saved = try Self.verify(checkpoint, data: data, run: run)
            guard (0...stepsPerEpoch).contains(saved.stepInEpoch), saved.best?.isNaN != true,
                checkpoint.training.step >= 0, checkpoint.training.epoch >= 0
            else {
                throw TrainingError.invalidCheckpoint(
                    path: run.checkpointDirectory,
                    reason: "state.json: step_in_epoch \(saved.stepInEpoch) is not in "
                        + "0...\(stepsPerEpoch), or a counter or the best metric is invalid")
            }
            try checkpoint.restore(into: task.model, optimizer: &optimizer)
            try task.restore(saved.task)
            position = TrainingPosition(
                epoch: checkpoint.training.epoch, stepInEpoch: saved.stepInEpoch,
                step: checkpoint.training.step)
            best = saved.best
            lastCheckpoint = position.step
            modelPublished = Task.modelFiles.allSatisfy {
                FileManager.default.fileExists(atPath: out + "/" + $0)
            }
            display.message("resumed at epoch \(position.epoch + 1), step \(position.step)")
        }

        var metrics = try TrainingLog(
            path: out + "/" + TrainingLog.fileName,
            resumedStep: checkpoint.map { _ in position.step })
        let curvePath = out + "/" + TrainingCurve.fileName
        var curveMetric: String?
        var checkpoints = CheckpointSchedule(
            every: run.checkpointEvery, minutes: run.checkpointMinutes)
        let totalSteps = Self.totalSteps(run, stepsPerEpoch: stepsPerEpoch)
        let firstStep = position.step
        var itemsThisRun = 0
        var smoothed = SmoothedLoss()
        var lastValidation: ValidationResult?
        var interruption: Int32?
        var stopped = false

        var hasValidation = false
        func publishModel() throws {
            let task = task
            try StagedPublication.publish(into: out) { staging in
                try task.saveModel(to: staging)
                SaveHook.pause(at: "publish")
            }
            modelPublished = true
        }
        func saveCheckpoint() throws {
            // Without validation the model is the latest weights, published before the
            // checkpoint that records them: a kill in between makes the resumed run redo the
            // same steps and publish the same weights again.
            if !hasValidation { try publishModel() }
            var checkpoint = Checkpoint(
                module: task.model, optimizer: optimizer.state,
                training: TrainingState(
                    step: position.step, epoch: position.epoch,
                    learningRate: optimizer.learningRate, bestMetric: best),
                config: task.configurationJSON)
            try checkpoint.setExtra(
                EngineState(
                    stepInEpoch: position.stepInEpoch, best: best, data: data, task: task.state))
            try checkpoint.save(to: run.checkpointDirectory)
            lastCheckpoint = position.step
            checkpoints.saved()
        }
        let started = display.now()
        /// Validates, logs, draws the curve and publishes the model when it is the best yet.
        func validate() throws {
            guard let result = try task.validate() else { return }
            hasValidation = true
            lastValidation = result
            curveMetric = result.primary
            let at = position.stepInEpoch == 0 ? "epoch \(position.epoch)" : "step \(position.step)"
            display.message(
                "\(at) validation  "
                    + result.metrics.map { String(format: "%@ %.4f", $0.name, $0.value) }
                    .joined(separator: "  "))
            try metrics.append(
                TrainingRecord(
                    step: position.step,
                    epoch: position.epoch + (position.stepInEpoch == 0 ? 0 : 1),
                    wallSeconds: display.now() - started,
                    validation: Dictionary(
                        result.metrics.map { ($0.name, $0.value) },
                        uniquingKeysWith: { first, _ in first })))
            try TrainingCurve.write(metrics.records, metric: result.primary, to: curvePath)
            if result.primaryValue > (best ?? -.infinity) {
                best = result.primaryValue
                try publishModel()
                display.message(
                    String(
                        format: "saved best model (%@ %.4f)", result.primary, result.primaryValue))
            }
        }

        Interruption.begin()
        defer { Interruption.end() }
        epochs: while position.epoch < run.epochs && position.step < run.steps {
            if let schedule { optimizer.learningRate = schedule(position.epoch) }
            while position.stepInEpoch < stepsPerEpoch {
                if let signal = Interruption.requested {
                    interruption = signal
                    stopped = true
                    break epochs
                }
                let elapsed = display.now() - started
                if let limit = run.maxSeconds, elapsed >= limit {
                    display.message(
                        "stopping after \(TrainingClock.format(limit)) (--max-seconds); "
                            + "resume with --resume")
                    stopped = true
                    break epochs
                }
                if position.step >= run.steps {
                    stopped = true
                    break epochs
                }
                let result = try task.loss(at: position)
                // A non-finite loss or gradient stops the run before anything is saved: the
                // last checkpoint stays the last good one.
                guard result.reported.isFinite, result.loss.scalar.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "loss", step: position.step + 1, lastCheckpoint: lastCheckpoint)
                }
                result.loss.backward()
                // Data parallelism goes here: all-reduce (average) every parameter's gradient
                // across processes before the step, each process having drawn its shard of the
                // batch (rank r of n takes every n-th example) in `task.loss(at:)`.
                optimizer.step()
                guard optimizer.lastGradientNorm.isFinite else {
                    throw TrainingError.nonFinite(
                        what: "gradient", step: position.step + 1, lastCheckpoint: lastCheckpoint)
                }
                let taken = position
                position.step += 1
                position.stepInEpoch += 1
                itemsThisRun += result.items
                smoothed.add(result.reported)
                var messages: [String] = []
                try task.didStep(at: taken) { messages.append($0) }
                for message in messages { display.message(message) }

                let now = display.now() - started
                let rate = Double(itemsThisRun) / max(now, 1e-9)
                let stepsLeft = totalSteps.map { Double($0 - position.step) } ?? .infinity
                let stepsPerSecond = Double(position.step - firstStep) / max(now, 1e-9)
                let status = TrainingStatus(
                    epoch: position.epoch + 1, epochs: run.epochs == Int.max ? nil : run.epochs,
                    step: position.step, steps: totalSteps, loss: smoothed.value,
                    itemsPerSecond: rate, itemName: task.itemName, elapsed: now,
                    remaining: TrainingClock.remaining(
                        workLeft: stepsLeft, rate: stepsPerSecond, elapsed: now,
                        maxSeconds: run.maxSeconds))
                let endOfEpoch = position.stepInEpoch == stepsPerEpoch
                display.status(status.line, force: position.step == totalSteps)
                if position.step % run.logEvery == 0 || endOfEpoch {
                    try metrics.append(
                        TrainingRecord(
                            step: position.step, epoch: position.epoch + 1,
                            loss: Double(result.reported),
                            learningRate: Double(optimizer.learningRate), itemsPerSecond: rate,
                            wallSeconds: now))
                }
                if !endOfEpoch, let every = run.validateEvery, position.step % every == 0 {
                    try validate()
                }
                if !endOfEpoch && checkpoints.isDue(afterStep: position.step) {
                    try saveCheckpoint()
                }
            }
            // End of an epoch: validate, keep the best model, checkpoint.
            position.stepInEpoch = 0
            position.epoch += 1
            try validate()
            if run.checkpointEachEpoch || position.step >= run.steps
                || position.epoch >= run.epochs
            {
                try saveCheckpoint()
            }
        }
        if stopped || lastCheckpoint != position.step {
            try saveCheckpoint()
        }
        if !modelPublished { try publishModel() }
        try TrainingCurve.write(metrics.records, metric: curveMetric, to: curvePath)
        display.finish()
        if interruption != nil {
            display.summary(
                "interrupted at epoch \(position.epoch + 1), step \(position.step); "
                    + "resume with --resume")
        }
        return TrainingSummary(
            epochs: position.epoch, steps: position.step, stepsThisRun: position.step - firstStep,
            best: best, lastValidation: lastValidation,
            itemsPerSecond: Double(itemsThisRun) / max(display.now() - started, 1e-9),
            interruption: interruption)
    }

    /// The step count the run ends at, when bounded.
    static func totalSteps(_ run: TrainingRun, stepsPerEpoch: Int) -> Int? {
        let (byEpochs, overflow) = run.epochs.multipliedReportingOverflow(by: stepsPerEpoch)
        let bound = min(overflow || run.epochs == Int.max ? Int.max : byEpochs, run.steps)
        return bound == Int.max ? nil : bound
    }
}

/// An exponential moving average of the loss with bias correction (Adam's), for the status line.
struct SmoothedLoss {
    private var average: Double = 0
    private var count = 0
    static let decay = 0.9

    mutating func add(_ loss: Float) {
        average = Self.decay * average + (1 - Self.decay) * Double(loss)
        count += 1
    }

    var value: Float {
        count == 0 ? .nan : Float(average / (1 - pow(Self.decay, Double(count))))
    }
}
