// Stochastic gradient descent with momentum, PyTorch's torch.optim.SGD.
import GlimpseTensor

/// buf ← μ·buf + g (buf = g at the first step); p ← p − lr·buf (or lr·(g + μ·buf) with
/// Nesterov). Without momentum: p ← p − lr·g. Weight decay adds λ·p to g.
public struct SGD: Optimizer {
    private var core: OptimizerCore
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool

    public init(
        parameters: [Parameter], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
        weightDecay: Float = 0
    ) {
        core = OptimizerCore(
            parameters: parameters, weightDecay: weightDecay,
            slotNames: momentum != 0 ? ["momentum_buffer"] : [])
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
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
        let first = core.step == 0
        let gradients = core.takeGradients()
        let lr = learningRate
        let mu = momentum
        for (k, parameter) in core.parameters.enumerated() {
            guard let g = gradients[k] else { continue }
            if mu == 0 {
                parameter.update { p in
                    for i in p.indices { p[i] -= lr * g[i] }
                }
                continue
            }
            var buffer = core.takeSlot("momentum_buffer", k)
            for i in buffer.indices { buffer[i] = first ? g[i] : mu * buffer[i] + g[i] }
            let nesterov = self.nesterov
            parameter.update { p in
                for i in p.indices { p[i] -= lr * (nesterov ? g[i] + mu * buffer[i] : buffer[i]) }
            }
            core.putSlot("momentum_buffer", k, buffer)
        }
    }
}
