// RMSprop, as torch.optim.RMSprop (no momentum, not centred).
import GlimpseTensor

/// v ← α·v + (1 − α)·g²; p ← p − lr·g / (√v + ε).
public struct RMSprop: Optimizer {
    private var core: OptimizerCore
    public var learningRate: Float
    public var alpha: Float
    public var epsilon: Float

    public init(
        parameters: [Parameter], learningRate: Float = 0.01, alpha: Float = 0.99,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        core = OptimizerCore(
            parameters: parameters, weightDecay: weightDecay, slotNames: ["square_avg"])
        self.learningRate = learningRate
        self.alpha = alpha
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
        let lr = learningRate
        let a = alpha
        let eps = epsilon
        for (k, parameter) in core.parameters.enumerated() {
            guard let g = gradients[k] else { continue }
            var v = core.takeSlot("square_avg", k)
            for i in v.indices { v[i] = a * v[i] + (1 - a) * g[i] * g[i] }
            parameter.update { p in
                for i in p.indices { p[i] -= lr * g[i] / (v[i].squareRoot() + eps) }
            }
            core.putSlot("square_avg", k, v)
        }
    }
}
