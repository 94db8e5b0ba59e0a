// Named trainable tensors: the `Parameter` a layer holds, the `ParameterStore` that lists them
// for optimizers and checkpoints, and the `ParameterScope` that names them as layers are built
// (candle's VarBuilder idea): the same layer code creates fresh weights or loads saved ones.
import GlimpseTensor
import Synchronization

/// A trainable tensor with its checkpoint name, shared by the layer that uses it and the store
/// that lists it. Optimizers replace `value`; the layer reads it on every call.
public final class Parameter: @unchecked Sendable {
    /// Dotted checkpoint key in PyTorch style, e.g. `decoder.attention.encoder_att.weight`.
    public let name: String
    private let storage: Mutex<Tensor>

    /// The current value, a leaf that requires gradients.
    public var value: Tensor {
        get { storage.withLock { $0 } }
        set {
            precondition(
                newValue.shape == shape, "\(name): new value \(newValue.shape), expected \(shape)")
            storage.withLock {
                $0 = newValue.requiresGradient ? newValue : newValue.requiringGradient()
            }
        }
    }

    /// The fixed shape of the parameter.
    public let shape: [Int]

    init(name: String, value: Tensor) {
        self.name = name
        self.shape = value.shape
        self.storage = Mutex(value.requiringGradient())
    }

    /// A parameter of `shape` holding no scalars: what a loading store hands a layer when the
    /// checkpoint lacks the tensor, so that nothing is allocated from a configuration's numbers
    /// before ``ParameterStore/finishLoading()`` reports the problem.
    private init(name: String, unloadedShape shape: [Int]) {
        self.name = name
        self.shape = shape
        self.storage = Mutex(Tensor(shape: [0], scalars: []).requiringGradient())
    }

    static func unloaded(_ name: String, shape: [Int]) -> Parameter {
        Parameter(name: name, unloadedShape: shape)
    }

    /// ∂loss/∂value accumulated by `backward()` since the last `zeroGradient()`.
    public var gradient: Tensor? { value.gradient }

    /// Discards the accumulated gradient.
    public func zeroGradient() { value.zeroGradient() }

    /// Changes the value in place (an optimizer step), keeping the parameter's gradient leaf.
    /// Storage still referenced by a recorded graph is copied first, so that graph is unchanged.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        storage.withLock { $0.withUnsafeMutableBufferPointer(body) }
    }
}

/// Errors raised when parameters are looked up or loaded.
public enum ParameterError: Error, Equatable, CustomStringConvertible {
    /// Two layers asked for the same name.
    case duplicateName(String)
    /// A checkpoint lacks a parameter the model needs.
    case missing(String)
    /// A checkpoint tensor has a different shape from the model's parameter.
    case shapeMismatch(name: String, checkpoint: [Int], model: [Int])
    /// A checkpoint holds tensors the model does not use.
    case unexpected([String])
    /// A checkpoint tensor holds NaN or an infinity.
    case nonFinite(name: String, index: Int, value: Float)

    public var description: String {
        switch self {
        case .duplicateName(let name): "parameter \(name) is defined twice"
        case .missing(let name): "checkpoint has no tensor \(name)"
        case .shapeMismatch(let name, let checkpoint, let model):
            "shape mismatch for \(name): checkpoint \(checkpoint), model \(model)"
                + " (was it trained with a different configuration?)"
        case .unexpected(let names):
            "checkpoint has tensors the model does not use: \(names.prefix(5).joined(separator: ", "))"
        case .nonFinite(let name, let index, let value):
            "tensor \(name) holds \(value) at element \(index): weights must be finite numbers"
        }
    }
}

/// Every parameter of a model, in creation order, with the random generator that initialises
/// new ones (so a seed fixes the whole model).
public final class ParameterStore: @unchecked Sendable {
    private struct State {
        var parameters: [Parameter] = []
        var byName: [String: Parameter] = [:]
        var generator: SplitMix64
        /// The checkpoint parameters are taken from, by name, in a loading store.
        var source: [String: Tensor]?
        /// The first tensor a loading store could not hand out.
        var loadingProblem: ParameterError?
    }
    private let state: Mutex<State>

    /// A store whose new parameters are drawn from a generator seeded with `seed`.
    public init(seed: UInt64 = 0) {
        state = Mutex(State(generator: SplitMix64(seed: seed)))
    }

    /// A store whose parameters are taken by name from `tensors` as layers create them, each
    /// checked against the shape the layer expects; no random weights are drawn and nothing is
    /// allocated for a missing or mis-shaped tensor (candle's `VarBuilder`). Build the model in
    /// it, then call ``finishLoading(strict:)``, which reports the first problem.
    ///
    /// ```swift
    /// let store = ParameterStore(loading: try Safetensors.read(path: "model.safetensors").tensors)
    /// let fc = Linear(128, 13, in: store.scope("classifier"))
    /// try store.finishLoading()   // missing, mis-shaped, non-finite or unused tensors
    /// ```
    public init(loading tensors: [String: Tensor], seed: UInt64 = 0) {
        state = Mutex(State(generator: SplitMix64(seed: seed), source: tensors))
    }

    /// Throws the first problem met while layers took their parameters from the checkpoint
    /// (missing, mis-shaped or non-finite tensor), then, when `strict`, any checkpoint tensor no
    /// layer asked for. A store made by ``init(seed:)`` never throws.
    public func finishLoading(strict: Bool = true) throws(ParameterError) {
        let (problem, unused) = state.withLock { state -> (ParameterError?, [String]) in
            guard let source = state.source else { return (nil, []) }
            return (state.loadingProblem, source.keys.filter { state.byName[$0] == nil }.sorted())
        }
        if let problem { throw problem }
        if strict && !unused.isEmpty { throw .unexpected(unused) }
    }

    /// The root scope (no name prefix).
    public var root: ParameterScope { ParameterScope(store: self, prefix: "") }

    /// A scope whose names start with `name.`.
    public func scope(_ name: String) -> ParameterScope { root.scope(name) }

    /// All parameters in creation order.
    public var parameters: [Parameter] { state.withLock { $0.parameters } }

    /// The parameter called `name`, if any.
    public subscript(name: String) -> Parameter? { state.withLock { $0.byName[name] } }

    /// Total number of scalars over all parameters.
    public var scalarCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Name → current value, for writing a checkpoint.
    public var tensors: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
    }

    /// Replaces every parameter's value with the tensor of the same name. Throws, changing
    /// nothing, if a name is missing, a shape differs or (when `strict`) a tensor is unused.
    public func load(_ tensors: [String: Tensor], strict: Bool = true) throws(ParameterError) {
        try Self.load(tensors, into: parameters, strict: strict)
    }

    /// Replaces each of `parameters`' values with the tensor of the same name, after checking
    /// them all (see ``load(_:strict:)``).
    public static func load(
        _ tensors: [String: Tensor], into parameters: [Parameter], strict: Bool = true
    ) throws(ParameterError) {
        for parameter in parameters {
            guard let tensor = tensors[parameter.name] else { throw .missing(parameter.name) }
            guard tensor.shape == parameter.shape else {
                throw .shapeMismatch(
                    name: parameter.name, checkpoint: tensor.shape, model: parameter.shape)
            }
            if let problem = Self.nonFiniteProblem(parameter.name, tensor) { throw problem }
        }
        if strict {
            let known = Set(parameters.map(\.name))
            let extra = tensors.keys.filter { !known.contains($0) }.sorted()
            guard extra.isEmpty else { throw .unexpected(extra) }
        }
        for parameter in parameters {
            parameter.value = tensors[parameter.name]!.detached()
        }
    }

    /// The generator's state, for checkpoints that must resume exactly.
    public var generatorState: UInt64 {
        get { state.withLock { $0.generator.state } }
        set { state.withLock { $0.generator.state = newValue } }
    }

    fileprivate func create(
        _ name: String, shape: [Int], initialValue: (inout SplitMix64) -> Tensor
    ) -> Parameter {
        state.withLock { state in
            precondition(state.byName[name] == nil, ParameterError.duplicateName(name).description)
            let parameter: Parameter
            if let source = state.source {
                parameter = Self.take(
                    name, shape: shape, from: source, problem: &state.loadingProblem)
            } else {
                let value = initialValue(&state.generator)
                precondition(
                    value.shape == shape,
                    "\(name): initialised as \(value.shape), declared \(shape)")
                parameter = Parameter(name: name, value: value)
            }
            state.parameters.append(parameter)
            state.byName[name] = parameter
            return parameter
        }
    }

    /// The checkpoint's tensor `name` when it has `shape` and finite values; otherwise an
    /// unloaded placeholder, with the problem kept (the first one) for `finishLoading`.
    private static func take(
        _ name: String, shape: [Int], from source: [String: Tensor],
        problem: inout ParameterError?
    ) -> Parameter {
        var found: ParameterError?
        if let tensor = source[name] {
            if tensor.shape != shape {
                found = .shapeMismatch(name: name, checkpoint: tensor.shape, model: shape)
            } else if let nonFinite = nonFiniteProblem(name, tensor) {
                found = nonFinite
            } else {
                return Parameter(name: name, value: tensor.detached())
            }
        } else {
            found = .missing(name)
        }
        if problem == nil { problem = found }
        return .unloaded(name, shape: shape)
    }

    /// The first NaN or infinity of `tensor`, as an error naming it.
    private static func nonFiniteProblem(_ name: String, _ tensor: Tensor) -> ParameterError? {
        tensor.withUnsafeBufferPointer { scalars in
            guard let index = scalars.firstIndex(where: { !$0.isFinite }) else { return nil }
            return .nonFinite(name: name, index: index, value: scalars[index])
        }
    }
}

/// A position in a store's name hierarchy where a layer creates its parameters.
///
/// ```swift
/// let store = ParameterStore(seed: 1)
/// let fc = Linear(128, 13, in: store.scope("classifier"))   // "classifier.weight", "classifier.bias"
/// ```
public struct ParameterScope: Sendable {
    public let store: ParameterStore
    /// The name prefix, without a trailing dot ("" at the root).
    public let prefix: String

    /// The scope `prefix.name`.
    public func scope(_ name: String) -> ParameterScope {
        ParameterScope(store: store, prefix: qualified(name))
    }

    /// The full name of `name` in this scope.
    public func qualified(_ name: String) -> String {
        prefix.isEmpty ? name : prefix + "." + name
    }

    /// Creates the parameter `prefix.name` of `shape`: initialised by `initialValue` from the
    /// store's generator, or, in a loading store, taken from its checkpoint (checked against
    /// `shape`, `initialValue` not called).
    public func parameter(
        _ name: String, shape: [Int], initialValue: (inout SplitMix64) -> Tensor
    ) -> Parameter {
        store.create(qualified(name), shape: shape, initialValue: initialValue)
    }
}
