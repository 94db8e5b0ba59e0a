// The unit of a Glimpse pipeline: a stage with typed input and output and a lifecycle, and the
// composition that makes `decode → resize → normalize` one object.

/// One step of a pipeline. `open()` acquires resources (a model, a decoder) before the first
/// `process`, `close()` releases them; both default to doing nothing.
///
/// Stages are values; a pipeline owns its stages and calls them in order. A stage that is
/// `Sendable` can be moved to another task, so independent inputs can be processed concurrently
/// by copies of the same pipeline.
public protocol Stage<Input, Output> {
    associatedtype Input
    associatedtype Output

    /// A short name for progress and error messages, e.g. `decode-image`.
    var name: String { get }
    mutating func open() throws
    mutating func process(_ input: Input) throws -> Output
    /// Processes a batch: one result per input, in order, so one bad input fails alone. Stages
    /// that compute faster on a batch (the CNN encoder) override the default, which processes
    /// the inputs one by one.
    mutating func process(batch inputs: [Input]) -> [Result<Output, any Error>]
    mutating func close() throws
}

extension Stage {
    public mutating func open() throws {}
    public mutating func close() throws {}

    // Inlinable, so that each conforming module specializes it for its stages: the pipeline's
    // machinery per item is mostly generic code run unspecialized otherwise.
    @inlinable
    public mutating func process(batch inputs: [Input]) -> [Result<Output, any Error>] {
        var results: [Result<Output, any Error>] = []
        results.reserveCapacity(inputs.count)
        for input in inputs {
            do { results.append(.success(try process(input))) } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// This stage followed by `next`.
    public func then<Next: Stage>(_ next: Next) -> Chain<Self, Next> where Next.Input == Output {
        Chain(self, next)
    }

    /// Opens the stage, processes every input in order, closes it (also after an error).
    public mutating func run<Inputs: Sequence>(over inputs: Inputs) throws -> [Output]
    where Inputs.Element == Input {
        try open()
        do {
            let outputs = try inputs.map { try process($0) }
            try close()
            return outputs
        } catch {
            try? close()
            throw error
        }
    }
}

/// Two stages run one after the other; itself a stage, so chains nest.
public struct Chain<First: Stage, Second: Stage>: Stage where First.Output == Second.Input {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public var name: String { "\(first.name) → \(second.name)" }

    public mutating func open() throws {
        try first.open()
        try second.open()
    }

    public mutating func process(_ input: First.Input) throws -> Second.Output {
        try second.process(try first.process(input))
    }

    public mutating func close() throws {
        try first.close()
        try second.close()
    }
}

extension Chain: Sendable where First: Sendable, Second: Sendable {}

/// One input given to two stages, their outputs paired: a decoded video feeding both the frame
/// labeller and a captioner of sampled frames.
public struct FanOut<First: Stage, Second: Stage>: Stage where First.Input == Second.Input {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public var name: String { "(\(first.name) | \(second.name))" }

    public mutating func open() throws {
        try first.open()
        try second.open()
    }

    public mutating func process(_ input: First.Input) throws -> (First.Output, Second.Output) {
        (try first.process(input), try second.process(input))
    }

    public mutating func close() throws {
        try first.close()
        try second.close()
    }
}

extension FanOut: Sendable where First: Sendable, Second: Sendable {}

/// The one result of `batch([input])`: the single-input `process` of a stage that computes on
/// batches (`try processedAlone(image, by: process(batch:))`).
public func processedAlone<Input, Output>(
    _ input: Input, by batch: ([Input]) -> [Result<Output, any Error>]
) throws -> Output {
    guard let result = batch([input]).first else { throw PipelineError.missingResult }
    return try result.get()
}
