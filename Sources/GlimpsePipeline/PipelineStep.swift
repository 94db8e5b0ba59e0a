// A stage with its value types erased, as the executor and pipeline files handle it, and the
// typed builder that the type checker verifies: `Pipeline(DecodeImage(), workers: 2)
// .then(captioner, batch: 32)` only compiles when each output is the next stage's input.
import Foundation

/// The name a pipeline shows for a value type (`Image`, `String`, `GeneratedCaption`).
public func pipelineTypeName<T>(_ type: T.Type) -> String {
    String(describing: type)
}

/// A processing instance of a step: one per worker thread.
final class StepWorker: @unchecked Sendable {
    /// Processes values, each with the identity of the input it comes from.
    let processBatch: ([Any], [String]) -> [Result<Any, any Error>]
    let close: () throws -> Void
    /// Seconds spent in the stage so far (read once the worker's thread is done).
    var busySeconds: Double = 0

    init(
        processBatch: @escaping ([Any], [String]) -> [Result<Any, any Error>],
        close: @escaping () throws -> Void
    ) {
        self.processBatch = processBatch
        self.close = close
    }
}

/// One step of a pipeline: a stage with its batch size and worker count, its value types
/// erased to `Any` so steps built from a file can be chained.
public struct PipelineStep: @unchecked Sendable {
    /// The stage's name (`decode-image`).
    public var name: String
    /// The type of value the step takes.
    public var inputType: String
    /// The type of value the step gives.
    public var outputType: String
    /// How many inputs one call of the stage processes together.
    public var batchSize: Int
    /// How many threads run copies of the stage at once.
    public var workers: Int
    /// The parameters it was built with, for `--explain`.
    public var parameters: [String: ParameterValue]
    /// A fan-out's two branches of steps (empty for a stage).
    public internal(set) var branches: [[PipelineStep]]
    /// Encodes an output as a JSON result, when the output type is `Encodable`.
    let encodeOutput: ((Any) throws -> Data)?
    let makeWorker: () throws -> StepWorker

    /// A step running copies of `stage`.
    public init<S: Stage>(
        _ stage: S, batchSize: Int = 1, workers: Int = 1,
        parameters: [String: ParameterValue] = [:]
    ) {
        self.init(
            stage, batchSize: batchSize, workers: workers, parameters: parameters, encode: nil)
    }

    /// A step running copies of `stage`, whose outputs can be written as JSON results.
    public init<S: Stage>(
        _ stage: S, batchSize: Int = 1, workers: Int = 1,
        parameters: [String: ParameterValue] = [:]
    ) where S.Output: Encodable {
        self.init(
            stage, batchSize: batchSize, workers: workers, parameters: parameters,
            encode: Self.encoder(S.Output.self, stage: stage.name))
    }

    /// A step running copies of `stage`, which sees each value's input, and whose outputs can
    /// be written as JSON results.
    public init<S: SourcedStage>(
        _ stage: S, batchSize: Int = 1, workers: Int = 1,
        parameters: [String: ParameterValue] = [:]
    ) where S.Output: Encodable {
        self.init(
            name: stage.name, input: S.Input.self, output: S.Output.self, batchSize: batchSize,
            workers: workers, parameters: parameters,
            encode: Self.encoder(S.Output.self, stage: stage.name)
        ) {
            var copy = stage
            try copy.open()
            let box = SourcedStageBox(copy)
            return StepWorker(processBatch: box.process, close: box.close)
        }
    }

    private init<S: Stage>(
        _ stage: S, batchSize: Int, workers: Int, parameters: [String: ParameterValue],
        encode: ((Any) throws -> Data)?
    ) {
        self.init(
            name: stage.name, input: S.Input.self, output: S.Output.self, batchSize: batchSize,
            workers: workers, parameters: parameters, encode: encode
        ) {
            var copy = stage
            try copy.open()
            let box = StageBox(copy)
            return StepWorker(processBatch: { values, _ in box.process(values) }, close: box.close)
        }
    }

    private init<Input, Output>(
        name: String, input: Input.Type, output: Output.Type, batchSize: Int, workers: Int,
        parameters: [String: ParameterValue], encode: ((Any) throws -> Data)?,
        makeWorker: @escaping () throws -> StepWorker
    ) {
        self.init(
            name: name, inputType: pipelineTypeName(input), outputType: pipelineTypeName(output),
            batchSize: batchSize, workers: workers, parameters: parameters, branches: [],
            encode: encode, makeWorker: makeWorker)
    }

    init(
        name: String, inputType: String, outputType: String, batchSize: Int, workers: Int,
        parameters: [String: ParameterValue], branches: [[PipelineStep]],
        encode: ((Any) throws -> Data)?, makeWorker: @escaping () throws -> StepWorker
    ) {
        self.name = name
        self.inputType = inputType
        self.outputType = outputType
        self.batchSize = max(1, batchSize)
        self.workers = max(1, workers)
        self.parameters = parameters
        self.branches = branches
        encodeOutput = encode
        self.makeWorker = makeWorker
    }

    /// Encodes a value of type `Output` as one JSON result (sorted keys, slashes unescaped).
    private static func encoder<Output: Encodable>(_ type: Output.Type, stage: String)
        -> (Any) throws -> Data
    {
        { value in
            guard let output = value as? Output else {
                throw PipelineError.unexpectedValue(
                    stage: stage, expected: pipelineTypeName(Output.self))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(output)
        }
    }
}

/// A stage value a worker mutates in place.
private final class StageBox<S: Stage> {
    var stage: S

    init(_ stage: S) { self.stage = stage }

    func process(_ values: [Any]) -> [Result<Any, any Error>] {
        var inputs: [S.Input] = []
        inputs.reserveCapacity(values.count)
        for value in values {
            guard let input = value as? S.Input else {
                let error = PipelineError.unexpectedValue(
                    stage: stage.name, expected: pipelineTypeName(S.Input.self))
                return values.map { _ in .failure(error) }
            }
            inputs.append(input)
        }
        var results: [Result<Any, any Error>] = []
        results.reserveCapacity(values.count)
        for output in stage.process(batch: inputs) {
            switch output {
            case .success(let value): results.append(.success(value))
            case .failure(let error): results.append(.failure(error))
            }
        }
        return results
    }

    func close() throws { try stage.close() }
}

/// A sourced stage value a worker mutates in place: each value with its input's identity.
private final class SourcedStageBox<S: SourcedStage> {
    var stage: S

    init(_ stage: S) { self.stage = stage }

    func process(_ values: [Any], sources: [String]) -> [Result<Any, any Error>] {
        zip(values, sources).map { value, source in
            guard let input = value as? S.Input else {
                return .failure(
                    PipelineError.unexpectedValue(
                        stage: stage.name, expected: pipelineTypeName(S.Input.self)))
            }
            return Result { try stage.process(input, source: source) as Any }
        }
    }

    func close() throws { try stage.close() }
}

/// Stages chained with their batch sizes and worker counts; the compiler checks that each
/// stage takes what the one before it gives.
///
/// ```swift
/// let captioning = Pipeline(DecodeImage(), workers: 2)
///     .then(CaptionImages(model: model), batch: 32)
/// let report = try captioning.run(over: paths) { index, result in … }
/// ```
public struct Pipeline<Input, Output>: @unchecked Sendable {
    /// The steps in order.
    public private(set) var steps: [PipelineStep]

    /// A pipeline of one stage.
    public init<S: Stage>(_ stage: S, batch: Int = 1, workers: Int = 1)
    where S.Input == Input, S.Output == Output {
        steps = [PipelineStep(stage, batchSize: batch, workers: workers)]
    }

    /// A pipeline of one stage whose outputs are results to write.
    public init<S: Stage>(_ stage: S, batch: Int = 1, workers: Int = 1)
    where S.Input == Input, S.Output == Output, Output: Encodable {
        steps = [PipelineStep(stage, batchSize: batch, workers: workers)]
    }

    private init(steps: [PipelineStep]) { self.steps = steps }

    /// This pipeline followed by `stage`.
    public func then<S: Stage>(_ stage: S, batch: Int = 1, workers: Int = 1)
        -> Pipeline<Input, S.Output>
    where S.Input == Output {
        Pipeline<Input, S.Output>(
            steps: steps + [PipelineStep(stage, batchSize: batch, workers: workers)])
    }

    /// This pipeline followed by `stage`, whose outputs are results to write.
    public func then<S: Stage>(_ stage: S, batch: Int = 1, workers: Int = 1)
        -> Pipeline<Input, S.Output>
    where S.Input == Output, S.Output: Encodable {
        Pipeline<Input, S.Output>(
            steps: steps + [PipelineStep(stage, batchSize: batch, workers: workers)])
    }

    /// This pipeline followed by a stage that is told each value's input (a writer naming its
    /// files after it, such as `WriteAttentionMaps`).
    public func then<S: SourcedStage>(_ stage: S, workers: Int = 1) -> Pipeline<Input, S.Output>
    where S.Input == Output, S.Output: Encodable {
        Pipeline<Input, S.Output>(steps: steps + [PipelineStep(stage, workers: workers)])
    }

    /// Runs every input through the steps (see ``PipelineExecutor``) and hands each result to
    /// `deliver` in input order. `sources` names each input for sourced stages and errors (its
    /// path, say); without it an input is named by its index.
    public func run(
        over inputs: [Input], sources: [String]? = nil,
        options: ExecutionOptions = ExecutionOptions(),
        deliver: (Int, Result<Output, any Error>) throws -> Void
    ) throws -> ExecutionReport {
        if let sources, sources.count != inputs.count {
            throw PipelineError.invalidRun(
                "\(sources.count) source names for \(inputs.count) inputs")
        }
        let items = inputs.enumerated().map {
            PipelineItem(id: sources?[$0.offset] ?? "\($0.offset)", value: $0.element)
        }
        return try PipelineExecutor(steps: steps, options: options).run(items) { index, _, result in
            try deliver(
                index,
                result.flatMap { value in
                    guard let output = value as? Output else {
                        return .failure(
                            PipelineError.unexpectedValue(
                                stage: steps.last?.name ?? "",
                                expected: pipelineTypeName(Output.self)))
                    }
                    return .success(output)
                })
        }
    }
}
