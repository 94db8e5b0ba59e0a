// What a task hands the training engine: its model, its batch loss, its validation metric and
// its save format. Everything else (the loop, the optimizer step, checkpoints, signals,
// budgets, progress, the metrics log and curve) is the engine's.
import GlimpseLayers
import GlimpseTensor

/// Where a training loop stands: the step about to run.
public struct TrainingPosition: Sendable, Equatable {
    /// Epochs completed (0-based index of the current epoch).
    public var epoch: Int
    /// Steps completed in this epoch (0-based index of the step about to run).
    public var stepInEpoch: Int
    /// Steps completed over the whole run, resumed runs included.
    public var step: Int

    public init(epoch: Int, stepInEpoch: Int, step: Int) {
        self.epoch = epoch
        self.stepInEpoch = stepInEpoch
        self.step = step
    }
}

/// One step's loss.
public struct StepLoss {
    /// The scalar to differentiate.
    public var loss: Tensor
    /// The figure shown and logged (e.g. the loss per word without a regulariser).
    public var reported: Float
    /// Items in the batch (images, characters, frames, questions), for items/s.
    public var items: Int

    public init(loss: Tensor, reported: Float, items: Int) {
        self.loss = loss
        self.reported = reported
        self.items = items
    }
}

/// Validation metrics, in the order they are shown; `primary` (higher is better) decides
/// which model is kept.
public struct ValidationResult: Sendable, Equatable {
    public var metrics: [Metric]
    public var primary: String

    /// A named figure.
    public struct Metric: Sendable, Equatable {
        public var name: String
        public var value: Double
        public init(_ name: String, _ value: Double) {
            self.name = name
            self.value = value
        }
    }

    public init(_ metrics: [Metric], primary: String) {
        self.metrics = metrics
        self.primary = primary
    }

    /// The value of the metric called `name`.
    public subscript(name: String) -> Double? { metrics.first { $0.name == name }?.value }

    /// The primary metric's value (−∞ when missing, so it never counts as best).
    public var primaryValue: Double { self[primary] ?? -.infinity }
}

/// A model and its data, as the engine trains them.
public protocol TrainingTask {
    associatedtype Model: Module
    /// What the task saves in a checkpoint besides parameters and optimizer (its own loop
    /// state, e.g. carried recurrent states or generator positions).
    associatedtype State: Codable

    /// The files ``saveModel(to:)`` writes: a directory holding them all has a model.
    static var modelFiles: [String] { get }
    /// The model whose parameters the optimizer updates and the checkpoint holds.
    var model: Model { get }
    /// Steps (batches) in one pass over the data; at least 1.
    var stepsPerEpoch: Int { get }
    /// What one item is called in progress lines: "img", "chars", "frames", "q".
    var itemName: String { get }
    /// The model's configuration as JSON, stored in the checkpoint's metadata (nil: none).
    var configurationJSON: String? { get }

    /// The loss of the batch at `position`.
    mutating func loss(at position: TrainingPosition) throws -> StepLoss
    /// Called after each optimizer step (`position` is the step just taken); may log.
    mutating func didStep(at position: TrainingPosition, log: (String) -> Void) throws
    /// Scores the model on held-out data after an epoch; nil when there is none.
    mutating func validate() throws -> ValidationResult?
    /// Writes the model's files into the empty directory `directory` (the engine publishes
    /// them into the model directory as one unit).
    func saveModel(to directory: String) throws

    /// The state to save in a checkpoint …
    var state: State { get }
    /// … and to continue from.
    mutating func restore(_ state: State) throws
}

extension TrainingTask {
    public var configurationJSON: String? { nil }
    public mutating func didStep(at position: TrainingPosition, log: (String) -> Void) throws {}
    public mutating func validate() throws -> ValidationResult? { nil }
}

/// The state of a task that keeps none.
public struct NoTaskState: Codable, Sendable, Equatable {
    public init() {}
}

extension TrainingTask where State == NoTaskState {
    public var state: NoTaskState { NoTaskState() }
    public mutating func restore(_ state: NoTaskState) throws {}
}

/// The batches of one epoch over `count` examples in an order fixed by the seed and the epoch
/// (Fisher–Yates); the last batch may be smaller.
public struct ShuffledBatches: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) {
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
    }

    /// ⌈count / batchSize⌉.
    public var stepsPerEpoch: Int { (count + batchSize - 1) / batchSize }

    /// A permutation of 0..<count for `epoch`.
    public func order(epoch: Int) -> [Int] {
        var generator = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return order
    }

    /// The example indices of the batch at `position`.
    public func indices(at position: TrainingPosition) -> [Int] {
        let start = position.stepInEpoch * batchSize
        return Array(order(epoch: position.epoch)[start..<min(count, start + batchSize)])
    }
}
