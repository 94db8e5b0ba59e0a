// The protocols every layer and model conforms to: `Module` (named parameters, composition)
// and `Layer` (a module called like a function).
//
// Training and evaluation differ only in dropout here, and dropout takes `training:` and its
// random stream as arguments of each call (see Dropout.swift) rather than a mode hidden in the
// module, so a module has no mode to switch and inference cannot drop by accident.
import GlimpseTensor

/// Anything holding parameters: a layer, a block of layers or a whole model (mlx-swift's
/// `Module`). A module lists its own parameters and its children's, in a fixed order; each
/// ``Parameter`` carries its dotted checkpoint name, so the list is also the checkpoint's
/// contents. The training engine, checkpoints and parameter counts need nothing else.
///
/// ```swift
/// struct Classifier: Module {
///     let hidden: Linear, output: Linear
///     var parameters: [Parameter] { hidden.parameters + output.parameters }
/// }
/// ```
public protocol Module {
    /// Every parameter, children's included, in creation order.
    var parameters: [Parameter] { get }
}

extension Module {
    /// Name → parameter.
    public var namedParameters: [String: Parameter] {
        Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Total number of scalars over all parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

extension Optional: Module where Wrapped: Module {
    /// An absent child has no parameters.
    public var parameters: [Parameter] { self?.parameters ?? [] }
}

extension Array: Module where Element: Module {
    /// The elements' parameters in order.
    public var parameters: [Parameter] { flatMap(\.parameters) }
}

/// A module called like a function: `let y = layer(x)`.
///
/// Layers are value types holding ``Parameter`` references; building one registers its
/// parameters in a ``ParameterScope``, so a model's structure fixes its checkpoint keys.
public protocol Layer: Module {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ input: Input) -> Output
}

/// Two layers one after the other, `second(first(x))`; the type checker verifies that they
/// connect. Build chains with ``Layer/then(_:)``:
///
/// ```swift
/// let block = Conv2D(inChannels: 3, outChannels: 32, kernelSize: 3, padding: 1, in: scope)
///     .then(ReLU()).then(MaxPool2D(kernelSize: 2))
/// ```
public struct Chain<First: Layer, Second: Layer>: Layer where First.Output == Second.Input {
    public let first: First
    public let second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public var parameters: [Parameter] { first.parameters + second.parameters }

    public func callAsFunction(_ input: First.Input) -> Second.Output {
        second(first(input))
    }
}

extension Layer {
    /// This layer followed by `next`.
    public func then<Next: Layer>(_ next: Next) -> Chain<Self, Next> where Next.Input == Output {
        Chain(self, next)
    }
}

/// max(0, x) as a layer, for chains.
public struct ReLU: Layer {
    public init() {}
    public var parameters: [Parameter] { [] }
    public func callAsFunction(_ x: Tensor) -> Tensor { relu(x) }
}
