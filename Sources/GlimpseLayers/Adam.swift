// Adam (Kingma & Ba 2015, Algorithm 1), as torch.optim.Adam.
import Foundation
import GlimpseTensor

/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·(m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
/// Weight decay is PyTorch's coupled L2 (added to g).
public struct Adam: Optimizer {
    private var core: OptimizerCore
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float

    public init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
        beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        core = OptimizerCore(
            parameters: parameters, weightDecay: weightDecay, slotNames: ["exp_avg", "exp_avg_sq"])
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var parameters: [Parameter] { core.parameters }
    public var clipping: GradientClipping {
        get { core.clipping }
        set { core.clipping = newValue }
    }
    public var lastGradientNorm: Float { core.lastGradientNorm }
    public var state: OptimizerState { core.state }
    public mutating func restore(_ state: OptimizerState) throws(ParameterError) {
        try core.restore(state)
    }

    public mutating func step() {
        let gradients = core.takeGradients()
        let t = Float(core.step)
        let b1 = beta1
        let b2 = beta2
        let eps = epsilon
        let correction1 = 1 - pow(b1, t)
        let correction2 = 1 - pow(b2, t)
        let stepSize = learningRate / correction1
        for (k, parameter) in core.parameters.enumerated() {
            guard let g = gradients[k] else { continue }
            var m = core.takeSlot("exp_avg", k)
            var v = core.takeSlot("exp_avg_sq", k)
            for i in m.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            }
            parameter.update { p in
                for i in p.indices {
                    p[i] -= stepSize * m[i] / ((v[i] / correction2).squareRoot() + eps)
                }
            }
            core.putSlot("exp_avg", k, m)
            core.putSlot("exp_avg_sq", k, v)
        }
    }
}
