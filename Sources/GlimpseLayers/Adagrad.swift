// Adagrad, as torch.optim.Adagrad and Karpathy's min-char-rnn.
import GlimpseTensor

/// sum ← sum + g²; p ← p − lr·g / (√sum + ε).   (min-char-rnn: ε inside the root, 1e-8.)
public struct Adagrad: Optimizer {
    private var core: OptimizerCore
    public var learningRate: Float
    public var epsilon: Float

    public init(
        parameters: [Parameter], learningRate: Float = 0.1, epsilon: Float = 1e-10,
        weightDecay: Float = 0
    ) {
        core = OptimizerCore(parameters: parameters, weightDecay: weightDecay, slotNames: ["sum"])
        self.learningRate = learningRate
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
        let eps = epsilon
        for (k, parameter) in core.parameters.enumerated() {
            guard let g = gradients[k] else { continue }
            var sum = core.takeSlot("sum", k)
            for i in sum.indices { sum[i] += g[i] * g[i] }
            parameter.update { p in
                for i in p.indices { p[i] -= lr * g[i] / (sum[i].squareRoot() + eps) }
            }
            core.putSlot("sum", k, sum)
        }
    }
}
