// Learning-rate schedules: the rate for a given step, set on the optimizer before each update.

/// Maps a step number (from 0) to a learning rate.
public protocol LearningRateSchedule: Sendable {
    func learningRate(atStep step: Int) -> Float
}

/// The same rate at every step.
public struct ConstantLearningRate: LearningRateSchedule {
    public var rate: Float
    public init(_ rate: Float) { self.rate = rate }
    public func learningRate(atStep step: Int) -> Float { rate }
}

/// rate · γ^⌊step / stepSize⌋, PyTorch's StepLR.
public struct StepLearningRate: LearningRateSchedule {
    public var initial: Float
    public var stepSize: Int
    public var gamma: Float

    public init(initial: Float, stepSize: Int, gamma: Float) {
        precondition(stepSize > 0, "step size must be positive, got \(stepSize)")
        self.initial = initial
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func learningRate(atStep step: Int) -> Float {
        var rate = initial
        for _ in 0..<(step / stepSize) { rate *= gamma }
        return rate
    }
}
