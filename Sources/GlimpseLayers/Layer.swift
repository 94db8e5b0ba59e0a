// The protocol every layer conforms to.
import GlimpseTensor

/// A differentiable function with parameters, called like a function: `let y = layer(x)`.
///
/// Layers are value types holding ``Parameter`` references; building one registers its
/// parameters in a ``ParameterScope``, so a model's structure fixes its checkpoint keys.
public protocol Layer {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ input: Input) -> Output
}
