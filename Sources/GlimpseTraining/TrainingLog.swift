// A training run's metrics as JSON lines in MODEL_DIR/training.jsonl: one row per logged step
// (loss, learning rate, throughput, wall time) and one per validation (the task's metrics).
// A resumed run first drops the rows past its checkpoint's step, so the file tells one
// history even when a killed run had logged steps that the resume does again.
import Foundation
import GlimpseSupport

/// One row of `training.jsonl`.
public struct TrainingRecord: Codable, Equatable, Sendable {
    /// Steps done in all when the row was written.
    public var step: Int
    /// The epoch (from 1) the step belongs to.
    public var epoch: Int
    /// The step's training loss (nil on a validation row).
    public var loss: Double?
    public var learningRate: Double?
    /// Examples (images, characters …) per second since the run (re)started.
    public var itemsPerSecond: Double?
    /// Seconds since the run (re)started.
    public var wallSeconds: Double
    /// Validation metrics by name (nil on a training row).
    public var validation: [String: Double]?

    public init(
        step: Int, epoch: Int, loss: Double? = nil, learningRate: Double? = nil,
        itemsPerSecond: Double? = nil, wallSeconds: Double, validation: [String: Double]? = nil
    ) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.itemsPerSecond = itemsPerSecond
        self.wallSeconds = wallSeconds
        self.validation = validation
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss, validation
        case learningRate = "learning_rate"
        case itemsPerSecond = "items_per_second"
        case wallSeconds = "wall_seconds"
    }
}

/// Appends ``TrainingRecord``s to a JSONL file and keeps them for the curve.
public struct TrainingLog {
    /// The name of the file in a model directory.
    public static let fileName = "training.jsonl"
    /// The file written, `MODEL_DIR/training.jsonl`.
    public let path: String
    /// Every row of the file, earlier runs' included.
    public private(set) var records: [TrainingRecord] = []

    /// Opens `path`; a run resumed at `resumedStep` keeps the earlier rows up to that step,
    /// a new run (nil) starts an empty file.
    public init(path: String, resumedStep: Int?) throws(FileError) {
        self.path = path
        if let resumedStep, FileManager.default.fileExists(atPath: path) {
            let text = String(decoding: try InputFile.read(path, limit: 1 << 30), as: UTF8.self)
            records = text.split(separator: "\n").compactMap {
                try? JSONDecoder().decode(TrainingRecord.self, from: Data($0.utf8))
            }.filter { $0.step <= resumedStep }
        }
        try AtomicFile.write(Data(records.map(Self.line).joined().utf8), to: path)
    }

    /// Appends `record` to the file (one whole line per write).
    public mutating func append(_ record: TrainingRecord) throws(FileError) {
        records.append(record)
        let bytes = Array(Self.line(record).utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw FileError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    private static func line(_ record: TrainingRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) }
        return (json ?? "{}") + "\n"
    }
}
