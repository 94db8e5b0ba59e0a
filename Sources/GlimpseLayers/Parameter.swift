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

    public var description: String {
        switch self {
        case .duplicateName(let name): "parameter \(name) is defined twice"
        case .missing(let name): "checkpoint has no tensor \(name)"
        case .shapeMismatch(let name, let checkpoint, let model):
            "shape mismatch for \(name): checkpoint \(checkpoint), model \(model)"
                + " (was it trained with a different configuration?)"
        case .unexpected(let names):
            "checkpoint has tensors the model does not use: \(names.prefix(5).joined(separator: ", "))"
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
    }
    private let state: Mutex<State>

    /// A store whose new parameters are drawn from a generator seeded with `seed`.
    public init(seed: UInt64 = 0) {
        state = Mutex(State(generator: SplitMix64(seed: seed)))
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
        let parameters = self.parameters
        for parameter in parameters {
            guard let tensor = tensors[parameter.name] else { throw .missing(parameter.name) }
            guard tensor.shape == parameter.shape else {
                throw .shapeMismatch(
                    name: parameter.name, checkpoint: tensor.shape, model: parameter.shape)
            }
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
        _ name: String, initialValue: (inout SplitMix64) -> Tensor
    ) -> Parameter {
        state.withLock { state in
            precondition(state.byName[name] == nil, ParameterError.duplicateName(name).description)
            let parameter = Parameter(name: name, value: initialValue(&state.generator))
            state.parameters.append(parameter)
            state.byName[name] = parameter
            return parameter
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

    /// Creates the parameter `prefix.name`, initialised by `initialValue` from the store's
    /// generator.
    public func parameter(
        _ name: String, initialValue: (inout SplitMix64) -> Tensor
    ) -> Parameter {
        store.create(qualified(name), initialValue: initialValue)
    }
}
