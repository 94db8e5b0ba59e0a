// Dropout layer: inverted dropout in training, the identity otherwise.
import GlimpseTensor

/// y = x ⊙ m / (1 − p) in training, with m[i] ~ Bernoulli(1 − p) drawn from the caller's
/// generator; y = x otherwise (inverted dropout, as PyTorch's nn.Dropout).
///
/// Unlike other layers it does not conform to ``Layer``: whether it drops, and with which random
/// stream, are arguments of every call rather than hidden state, so a seed fixes a training run
/// and inference cannot drop by accident.
///
/// ```swift
/// let dropout = Dropout(probability: 0.5)
/// var generator = SplitMix64(seed: 1)
/// let h = dropout(features, training: true, using: &generator)
/// ```
public struct Dropout {
    /// The probability p that an element is zeroed, in [0, 1].
    public let probability: Float

    public init(probability: Float) {
        precondition(
            probability >= 0 && probability <= 1,
            "Dropout probability \(probability) is outside [0, 1]")
        self.probability = probability
    }

    /// Any shape -> the same shape: dropped and rescaled when `training`, else `x` itself (the
    /// generator is then not advanced).
    public func callAsFunction(
        _ x: Tensor, training: Bool, using generator: inout some RandomNumberGenerator
    ) -> Tensor {
        training ? dropout(x, probability: probability, using: &generator) : x
    }
}
