// What a pipeline file can name: a registered stage with its types and parameters, and the
// checked parameter values it is built from.
import Foundation

/// A parameter's value in a pipeline file.
public enum ParameterValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case strings([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String].self) {
            self = .strings(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a boolean, number, string or list of strings")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .strings(let value): "[" + value.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
    }
}

/// The kinds of parameter value.
public enum ParameterKind: String, Sendable {
    case bool = "boolean", int = "integer", number, string, strings = "list of strings"

    /// The kind with its article, as messages say it: `an integer`.
    public var phrase: String { (self == .int ? "an " : "a ") + rawValue }

    /// Whether `value` is of this kind (an integer is also a number).
    func admits(_ value: ParameterValue) -> Bool {
        switch (self, value) {
        case (.bool, .bool), (.int, .int), (.number, .number), (.number, .int), (.string, .string),
            (.strings, .strings):
            return true
        default:
            return false
        }
    }
}

/// A parameter a stage takes.
public struct StageParameter: Sendable {
    public var name: String
    public var kind: ParameterKind
    /// Its value when the file gives none (`nil`: absent, the stage decides).
    public var defaultValue: ParameterValue?
    /// Whether the file must give it.
    public var required: Bool
    public var summary: String

    public init(
        _ name: String, _ kind: ParameterKind, default defaultValue: ParameterValue? = nil,
        required: Bool = false, _ summary: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
        self.summary = summary
    }
}

/// A stage's checked parameter values, as its builder reads them.
public struct StageArguments: Sendable {
    /// The pipeline file and the stage's place in it, for errors.
    public var file: String
    public var place: String
    var values: [String: ParameterValue]

    /// The error for a value that is of the right kind but unusable.
    public func invalid(_ reason: String) -> PipelineError {
        .invalidFile(path: file, place: place, reason: reason)
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let value) = values[name] { return value }
        return false
    }

    /// An integer parameter, checked against `range`.
    public func int(_ name: String, in range: ClosedRange<Int>) throws(PipelineError) -> Int {
        guard case .int(let value) = values[name] else { throw invalid("\(name) is missing") }
        guard range.contains(value) else {
            throw invalid(
                "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A number parameter, checked against `range`.
    public func number(_ name: String, in range: ClosedRange<Double>) throws(PipelineError)
        -> Double
    {
        let value: Double
        switch values[name] {
        case .number(let number): value = number
        case .int(let number): value = Double(number)
        default: throw invalid("\(name) is missing")
        }
        guard range.contains(value) else {
            throw invalid(
                "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A number parameter, or nil when it is absent (the model's own value is used).
    public func optionalNumber(_ name: String, in range: ClosedRange<Double>) throws(PipelineError)
        -> Double?
    {
        values[name] == nil ? nil : try number(name, in: range)
    }

    public func string(_ name: String) throws(PipelineError) -> String {
        guard case .string(let value) = values[name] else { throw invalid("\(name) is missing") }
        return value
    }

    /// A string parameter, or nil when it is absent.
    public func optionalString(_ name: String) throws(PipelineError) -> String? {
        values[name] == nil ? nil : try string(name)
    }

    public func strings(_ name: String) -> [String] {
        if case .strings(let value) = values[name] { return value }
        return []
    }
}

/// What builders share while a pipeline file loads: where models are, models already loaded
/// (two stages naming the same model get one copy), and what the command running the file
/// hands its stages (a listener for results as they are made, found by its type).
public final class StageContext: @unchecked Sendable {
    private let resolve: (String) throws -> String
    private let lock = NSLock()
    private var shared: [String: Any] = [:]
    private var provided: [ObjectIdentifier: Any] = [:]

    /// `resolveModel` turns a file's `model` value (a path, or a shipped model's name) into a
    /// model directory.
    public init(resolveModel: @escaping (String) throws -> String = { $0 }) {
        resolve = resolveModel
    }

    /// The model directory a `model` parameter names.
    public func modelDirectory(_ value: String) throws -> String { try resolve(value) }

    /// Hands `value` to the stages built after it that look for a `T` (one value per type).
    public func provide<T>(_ value: T) {
        lock.lock()
        defer { lock.unlock() }
        provided[ObjectIdentifier(T.self)] = value
    }

    /// The `T` the running command provided, if any.
    public func provided<T>(_ type: T.Type) -> T? {
        lock.lock()
        defer { lock.unlock() }
        return provided[ObjectIdentifier(T.self)] as? T
    }

    /// The value stored under `key`, loading it the first time.
    public func shared<T>(_ key: String, load: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let typedKey = "\(T.self):\(key)"
        if let value = shared[typedKey] as? T { return value }
        let value = try load()
        shared[typedKey] = value
        return value
    }
}

/// A stage a pipeline file can name.
public struct StageDescriptor: Sendable {
    public var name: String
    public var summary: String
    public var inputType: String
    public var outputType: String
    /// The stage's own parameters (`batch` and `workers` come on top).
    public var parameters: [StageParameter]
    /// Whether the stage computes a batch at once (then `batch` sets its size).
    public var batches: Bool
    /// Whether copies may run on several threads (then `workers` sets how many).
    public var parallel: Bool
    /// Whether its outputs can be written as results.
    public var writesResults: Bool
    let build: @Sendable (StageArguments, StageContext, Int, Int) throws -> PipelineStep

    /// A stage built by `make` from its arguments.
    public init<S: Stage>(
        name: String, summary: String, parameters: [StageParameter] = [], batches: Bool = false,
        parallel: Bool = false, make: @escaping @Sendable (StageArguments, StageContext) throws -> S
    ) {
        self.init(
            name: name, summary: summary, parameters: parameters, batches: batches,
            parallel: parallel, input: S.Input.self, output: S.Output.self, writesResults: false
        ) { arguments, context, batch, workers in
            PipelineStep(
                try make(arguments, context), batchSize: batch, workers: workers,
                parameters: arguments.values)
        }
    }

    /// A stage built by `make`, whose outputs can be written as results.
    public init<S: Stage>(
        name: String, summary: String, parameters: [StageParameter] = [], batches: Bool = false,
        parallel: Bool = false, make: @escaping @Sendable (StageArguments, StageContext) throws -> S
    ) where S.Output: Encodable {
        self.init(
            name: name, summary: summary, parameters: parameters, batches: batches,
            parallel: parallel, input: S.Input.self, output: S.Output.self, writesResults: true
        ) { arguments, context, batch, workers in
            PipelineStep(
                try make(arguments, context), batchSize: batch, workers: workers,
                parameters: arguments.values)
        }
    }

    /// A stage built by `make` that sees each value's input (a writer naming files after it),
    /// whose outputs can be written as results.
    public init<S: SourcedStage>(
        name: String, summary: String, parameters: [StageParameter] = [],
        make: @escaping @Sendable (StageArguments, StageContext) throws -> S
    ) where S.Output: Encodable {
        self.init(
            name: name, summary: summary, parameters: parameters, batches: false,
            parallel: false, input: S.Input.self, output: S.Output.self, writesResults: true
        ) { arguments, context, batch, workers in
            PipelineStep(
                try make(arguments, context), batchSize: batch, workers: workers,
                parameters: arguments.values)
        }
    }

    private init<Input, Output>(
        name: String, summary: String, parameters: [StageParameter], batches: Bool,
        parallel: Bool, input: Input.Type, output: Output.Type, writesResults: Bool,
        build: @escaping @Sendable (StageArguments, StageContext, Int, Int) throws -> PipelineStep
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.batches = batches
        self.parallel = parallel
        self.writesResults = writesResults
        inputType = pipelineTypeName(input)
        outputType = pipelineTypeName(output)
        self.build = build
    }
}

/// The stages pipeline files can name.
public struct StageRegistry: Sendable {
    public private(set) var descriptors: [StageDescriptor]

    public init(_ descriptors: [StageDescriptor]) {
        self.descriptors = descriptors
    }

    public func descriptor(named name: String) -> StageDescriptor? {
        descriptors.first { $0.name == name }
    }
}
