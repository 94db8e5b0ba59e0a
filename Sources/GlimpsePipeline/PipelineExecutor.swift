// Running steps over inputs: each step on its own worker threads, bounded queues between
// them, so decoding the next images overlaps the model's compute on this batch; results come
// back in input order.
import Foundation

/// One input of a run: its identity (the path, or `file:line`) and its value, or the error
/// that reading it gave (passed through the steps untouched and reported as its result).
public struct PipelineItem: @unchecked Sendable {
    public var id: String
    public var value: Result<Any, any Error>

    public init(id: String, value: Any) {
        self.id = id
        self.value = .success(value)
    }

    public init(id: String, error: any Error) {
        self.id = id
        value = .failure(error)
    }
}

/// How a run executes.
public struct ExecutionOptions: Sendable {
    /// Steps on their own threads with queues between them (the default); `false` runs them
    /// one after the other on the calling thread, a batch at a time (for comparison).
    public var overlapped = true
    /// Asked before each input is taken: `true` stops taking inputs; the items in flight finish
    /// and are delivered (Ctrl-C).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(overlapped: Bool = true, shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.overlapped = overlapped
        self.shouldStop = shouldStop
    }
}

/// What a run did.
public struct ExecutionReport: Sendable, Equatable {
    /// Inputs delivered.
    public var delivered = 0
    /// Of them, those whose result is an error.
    public var failed = 0
    /// Whether `shouldStop` ended the run before the inputs did.
    public var stopped = false
    /// Each step's time inside its stage, summed over its workers: where a run's time goes.
    public var stepSeconds: [Double] = []

    public init() {}
}

/// Runs steps over items.
public struct PipelineExecutor: Sendable {
    public var steps: [PipelineStep]
    public var options: ExecutionOptions

    public init(steps: [PipelineStep], options: ExecutionOptions = ExecutionOptions()) {
        self.steps = steps
        self.options = options
    }

    /// Processes `items` and calls `deliver(index, id, result)` on the calling thread for each,
    /// in input order. Workers are created (models opened) before the first item is taken, so
    /// a failure to open throws before any input is read. An error thrown by `deliver` stops
    /// the run and is rethrown once the threads have finished.
    public func run<Items: Sequence>(
        _ items: Items, deliver: (Int, String, Result<Any, any Error>) throws -> Void
    ) throws -> ExecutionReport where Items.Element == PipelineItem {
        let workers = try steps.map { step in
            try (0..<step.workers).map { _ in try step.makeWorker() }
        }
        defer {
            for worker in workers.joined() { try? worker.close() }
        }
        if options.overlapped {
            return try overlapped(items, workers: workers, deliver: deliver)
        }
        return try sequential(items, workers: workers.map { $0[0] }, deliver: deliver)
    }

    /// Each step over the whole batch in turn, on this thread.
    private func sequential<Items: Sequence>(
        _ items: Items, workers: [StepWorker],
        deliver: (Int, String, Result<Any, any Error>) throws -> Void
    ) throws -> ExecutionReport where Items.Element == PipelineItem {
        var report = ExecutionReport()
        let chunk = steps.map(\.batchSize).max() ?? 1
        var iterator = items.makeIterator()
        var index = 0
        while true {
            var batch: [Envelope] = []
            while batch.count < chunk, !options.shouldStop(), let item = iterator.next() {
                batch.append(Envelope(index: index, id: item.id, value: item.value))
                index += 1
            }
            if batch.isEmpty { break }
            for (step, worker) in zip(steps, workers) {
                for start in stride(from: 0, to: batch.count, by: step.batchSize) {
                    let end = min(batch.count, start + step.batchSize)
                    Self.apply(worker, to: &batch[start..<end])
                }
            }
            for envelope in batch {
                try deliver(envelope.index, envelope.id, envelope.value)
                report.delivered += 1
                if case .failure = envelope.value { report.failed += 1 }
            }
        }
        report.stopped = options.shouldStop()
        report.stepSeconds = workers.map(\.busySeconds)
        return report
    }

    /// Runs the good envelopes of `batch` through `worker`, in place; failed ones pass.
    static func apply(_ worker: StepWorker, to batch: inout ArraySlice<Envelope>) {
        let good = batch.indices.filter {
            if case .success = batch[$0].value { true } else { false }
        }
        guard !good.isEmpty else { return }
        let values = good.map { index -> Any in
            if case .success(let value) = batch[index].value { return value }
            return ()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let results = worker.processBatch(values, good.map { batch[$0].id })
        worker.busySeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for (position, index) in good.enumerated() {
            batch[index].value =
                position < results.count
                ? results[position] : .failure(PipelineError.missingResult)
        }
    }

    /// The most items a thread moves at once for a stage that does not batch.
    static let chunk = 16

    /// Every step on its own threads, linked by bounded queues.
    private func overlapped<Items: Sequence>(
        _ items: Items, workers: [[StepWorker]],
        deliver: (Int, String, Result<Any, any Error>) throws -> Void
    ) throws -> ExecutionReport where Items.Element == PipelineItem {
        // Queue i feeds step i; the last feeds the caller. Items in flight are bounded so that
        // every step can hold a full batch per worker while the queues are full.
        let queues = (0...steps.count).map { index in
            let step = index < steps.count ? steps[index] : nil
            return BoundedQueue(
                capacity: max(2 * Self.chunk, 2 * (step.map { $0.batchSize * $0.workers } ?? 1)),
                producers: index == 0 ? 1 : steps[index - 1].workers)
        }
        let inFlight =
            queues.map(\.capacity).reduce(0, +)
            + steps.map { max($0.batchSize, Self.chunk) * $0.workers }.reduce(0, +) + Self.chunk
        let slots = DispatchSemaphore(value: inFlight)
        let abort = Flag()
        let stopped = Flag()
        let group = DispatchGroup()
        let options = options

        for (index, step) in steps.enumerated() {
            for worker in workers[index] {
                let input = queues[index]
                let output = queues[index + 1]
                let batchSize = step.batchSize
                group.enter()
                Thread.detachNewThread {
                    defer {
                        output.finishProducing()
                        group.leave()
                    }
                    while true {
                        // A stage that does not batch still takes what is waiting, up to a
                        // chunk, so items move between threads in groups.
                        var batch = ArraySlice(
                            batchSize > 1
                                ? input.pop(upTo: batchSize)
                                : input.pop(upTo: Self.chunk, waitingForMore: false))
                        if batch.isEmpty { return }
                        if !abort.isSet {
                            for start in stride(
                                from: batch.startIndex, to: batch.endIndex, by: batchSize)
                            {
                                Self.apply(
                                    worker,
                                    to: &batch[start..<min(batch.endIndex, start + batchSize)])
                            }
                        }
                        output.push(contentsOf: batch)
                    }
                }
            }
        }

        // The source reads the inputs on its own thread (a sequence read from standard input
        // may block), at most `inFlight` ahead of delivery.
        let source = SourceBox(items.makeIterator())
        group.enter()
        Thread.detachNewThread {
            defer {
                queues[0].finishProducing()
                group.leave()
            }
            var index = 0
            while true {
                slots.wait()
                if abort.isSet { return }
                if options.shouldStop() {
                    stopped.set()
                    return
                }
                guard let item = source.next() else { return }
                queues[0].push(Envelope(index: index, id: item.id, value: item.value))
                index += 1
            }
        }

        var report = ExecutionReport()
        var pending: [Int: Envelope] = [:]
        var next = 0
        var failure: (any Error)?
        let results = queues[steps.count]
        while true {
            let popped = results.pop(upTo: Self.chunk, waitingForMore: false)
            if popped.isEmpty { break }
            for envelope in popped { pending[envelope.index] = envelope }
            while let ready = pending.removeValue(forKey: next) {
                next += 1
                slots.signal()
                guard failure == nil else { continue }
                do {
                    try deliver(ready.index, ready.id, ready.value)
                    report.delivered += 1
                    if case .failure = ready.value { report.failed += 1 }
                } catch {
                    failure = error
                    abort.set()
                }
            }
        }
        // Wake a source waiting for a slot after an abort.
        slots.signal()
        group.wait()
        if let failure { throw failure }
        report.stopped = stopped.isSet
        report.stepSeconds = workers.map { $0.map(\.busySeconds).reduce(0, +) }
        return report
    }
}

/// An item on its way through the steps.
struct Envelope: @unchecked Sendable {
    var index: Int
    var id: String
    var value: Result<Any, any Error>
}

/// A flag set once, read from any thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// The inputs' iterator, used by the source thread alone.
final class SourceBox<Iterator: IteratorProtocol>: @unchecked Sendable
where Iterator.Element == PipelineItem {
    private var iterator: Iterator

    init(_ iterator: Iterator) { self.iterator = iterator }
    func next() -> PipelineItem? { iterator.next() }
}
