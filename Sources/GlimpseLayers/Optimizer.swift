// The protocol every optimizer conforms to, and the state it saves in a checkpoint.
import GlimpseTensor

/// What an optimizer must save so that a resumed run continues exactly: its step count and
/// named tensors such as Adam's moments, keyed `<slot>.<parameter name>` (`exp_avg.fc.weight`,
/// PyTorch's slot names).
public struct OptimizerState: Sendable {
    public var step: Int
    public var tensors: [String: Tensor]

    public init(step: Int = 0, tensors: [String: Tensor] = [:]) {
        self.step = step
        self.tensors = tensors
    }
}

/// Updates parameters from their accumulated gradients.
///
/// ```swift
/// var optimizer = Adam(parameters: store.parameters, learningRate: 1e-3)
/// let loss = model(x).crossEntropy(y); loss.backward()
/// optimizer.step()            // updates every parameter and clears its gradient
/// ```
public protocol Optimizer {
    /// The parameters it updates.
    var parameters: [Parameter] { get }
    /// The step size; schedules change it between steps.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients (parameters without one are skipped) and
    /// clears them.
    mutating func step()
    /// The state to save in a checkpoint.
    var state: OptimizerState { get }
    /// Restores a saved state; throws if a tensor is missing or has the wrong shape.
    mutating func restore(_ state: OptimizerState) throws(ParameterError)
}
