// The protocol every optimizer conforms to, the state it saves in a checkpoint, and the
// gradient preparation (clipping, weight decay) all optimizers share.
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

/// How gradients are bounded before an update.
public enum GradientClipping: Sendable, Equatable {
    case none
    /// Scale all gradients together so their global L2 norm is at most this
    /// (PyTorch's `clip_grad_norm_`).
    case globalNorm(Float)
    /// Clamp every gradient element to [−v, v] (PyTorch's `clip_grad_value_`, min-char-rnn's
    /// `np.clip(dparam, -5, 5)`).
    case value(Float)
}

/// Updates parameters from their accumulated gradients.
///
/// ```swift
/// var optimizer = Adam(parameters: store.parameters, learningRate: 1e-3)
/// optimizer.clipping = .globalNorm(5)
/// loss.backward()
/// optimizer.step()            // updates every parameter and clears its gradient
/// ```
public protocol Optimizer {
    /// The parameters it updates.
    var parameters: [Parameter] { get }
    /// The step size; schedules change it between steps.
    var learningRate: Float { get set }
    /// Bounds applied to the gradients at each step.
    var clipping: GradientClipping { get set }
    /// The L2 norm of all gradients at the last step, before clipping (for progress lines).
    var lastGradientNorm: Float { get }
    /// Applies one update from the current gradients (parameters without one are skipped) and
    /// clears them.
    mutating func step()
    /// The state to save in a checkpoint.
    var state: OptimizerState { get }
    /// Restores a saved state; throws if a tensor is missing or has the wrong shape.
    mutating func restore(_ state: OptimizerState) throws(ParameterError)
}

/// The bookkeeping every optimizer shares: per-parameter state slots, step count, clipping
/// and (coupled, L2) weight decay, PyTorch's conventions throughout.
struct OptimizerCore {
    let parameters: [Parameter]
    var weightDecay: Float
    var clipping: GradientClipping = .none
    var step = 0
    var lastGradientNorm: Float = 0
    /// slot name → one buffer per parameter (same count as the parameter).
    var slots: [String: [[Float]]]
    /// The slot names in a fixed order, so restoring reports the same first problem every time.
    let slotNames: [String]

    init(parameters: [Parameter], weightDecay: Float, slotNames: [String]) {
        self.parameters = parameters
        self.weightDecay = weightDecay
        var slots: [String: [[Float]]] = [:]
        for name in slotNames {
            slots[name] = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        }
        self.slots = slots
        self.slotNames = slotNames
    }

    /// Moves slot `name`'s buffer of parameter `k` out (leaving it empty), so that updating it
    /// does not copy it; give it back with `putSlot`.
    mutating func takeSlot(_ name: String, _ k: Int) -> [Float] {
        let buffer = slots[name]![k]
        slots[name]![k] = []
        return buffer
    }

    /// Puts back a buffer taken by `takeSlot`.
    mutating func putSlot(_ name: String, _ k: Int, _ buffer: [Float]) {
        slots[name]![k] = buffer
    }

    /// Σ xᵢ², accumulated in eight lanes (one running sum would wait on each addition).
    private func sumOfSquares(_ x: [Float]) -> Float {
        x.withUnsafeBufferPointer { x in
            var lanes = SIMD8<Float>()
            var i = 0
            while i + 8 <= x.count {
                let v = SIMD8<Float>(x[i..<(i + 8)])
                lanes += v * v
                i += 8
            }
            var total = lanes.sum()
            while i < x.count {
                total += x[i] * x[i]
                i += 1
            }
            return total
        }
    }

    /// The gradients to apply, after clipping and weight decay, or nil for parameters that got
    /// none. Clears every gradient and advances the step count.
    mutating func takeGradients() -> [[Float]?] {
        var gradients = parameters.map { $0.gradient?.scalars }
        lastGradientNorm = gradients.reduce(0) { $0 + ($1.map(sumOfSquares) ?? 0) }.squareRoot()
        switch clipping {
        case .none: break
        case .globalNorm(let maximum):
            // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), applied when below 1.
            let scale = maximum / (lastGradientNorm + 1e-6)
            if scale < 1 {
                for k in gradients.indices where gradients[k] != nil {
                    for i in gradients[k]!.indices { gradients[k]![i] *= scale }
                }
            }
        case .value(let limit):
            for k in gradients.indices where gradients[k] != nil {
                for i in gradients[k]!.indices {
                    gradients[k]![i] = Swift.min(Swift.max(gradients[k]![i], -limit), limit)
                }
            }
        }
        if weightDecay != 0 {
            for (k, parameter) in parameters.enumerated() where gradients[k] != nil {
                parameter.value.withUnsafeBufferPointer { p in
                    for i in p.indices { gradients[k]![i] += weightDecay * p[i] }
                }
            }
        }
        for parameter in parameters { parameter.zeroGradient() }
        step += 1
        return gradients
    }

    var state: OptimizerState {
        var tensors: [String: Tensor] = [:]
        for slot in slotNames {
            for (parameter, buffer) in zip(parameters, slots[slot]!) {
                tensors["\(slot).\(parameter.name)"] = Tensor(
                    shape: parameter.shape, scalars: buffer)
            }
        }
        return OptimizerState(step: step, tensors: tensors)
    }

    mutating func restore(_ state: OptimizerState) throws(ParameterError) {
        var restored = slots
        for slot in slotNames {
            for (k, parameter) in parameters.enumerated() {
                let key = "\(slot).\(parameter.name)"
                guard let tensor = state.tensors[key] else { throw .missing(key) }
                guard tensor.shape == parameter.shape else {
                    throw .shapeMismatch(
                        name: key, checkpoint: tensor.shape, model: parameter.shape)
                }
                restored[slot]![k] = tensor.scalars
            }
        }
        slots = restored
        step = state.step
    }
}
