// Soft (additive) attention of "Show, Attend and Tell" (Xu et al. 2015, §4.2.1 and eq. 4–6,
// with the f_att MLP of Bahdanau et al. 2015), as in the common PyTorch implementation:
// modules `encoder_att`, `decoder_att`, `full_att`.
//
// N = batch, P = locations (H·W of the feature grid), E = feature dim, D = decoder hidden dim,
// A = attention dim.
import GlimpseTensor

/// Additive attention over image locations:
///
///     eᵢ = full_att(tanh(encoder_att(aᵢ) + decoder_att(h)))     scores [N, P]
///     α = softmax(e) over valid locations (masked ones get α = 0)
///     z = Σᵢ αᵢ aᵢ                                              context [N, E]
///
/// encoder_att(a) does not change while a caption is decoded: compute it once with
/// `projectFeatures` and pass it to every step.
///
/// ```swift
/// let attention = SoftAttention(features: 2048, hidden: 512, attention: 512,
///                               in: store.scope("decoder").scope("attention"))
/// let projected = attention.projectFeatures(features)          // once per image batch
/// for t in 0..<T { let (z, alpha) = attention(features, projected: projected, hidden: h); … }
/// ```
public struct SoftAttention: Module {
    public var parameters: [Parameter] {
        encoderAttention.parameters + decoderAttention.parameters + fullAttention.parameters
    }

    public let encoderAttention: Linear  // encoder_att: E -> A
    public let decoderAttention: Linear  // decoder_att: D -> A
    public let fullAttention: Linear  // full_att: A -> 1

    /// features E, hidden D, attention A; parameters `encoder_att.*`, `decoder_att.*`,
    /// `full_att.*` in `scope`.
    public init(features: Int, hidden: Int, attention: Int, in scope: ParameterScope) {
        encoderAttention = Linear(features, attention, in: scope.scope("encoder_att"))
        decoderAttention = Linear(hidden, attention, in: scope.scope("decoder_att"))
        fullAttention = Linear(attention, 1, in: scope.scope("full_att"))
    }

    /// encoder_att(features), constant over the steps of a sequence.   [N, P, E] -> [N, P, A]
    public func projectFeatures(_ features: Tensor) -> Tensor {
        encoderAttention(features)
    }

    /// Context and weights for decoder state `hidden`.
    /// features: [N, P, E], hidden: [N, D], mask: [N, P] of 1 (valid) / 0 (padding), nil = all
    /// valid; every row needs a valid location -> context [N, E], alpha [N, P]
    public func callAsFunction(
        _ features: Tensor, hidden: Tensor, mask: Tensor? = nil
    ) -> (context: Tensor, alpha: Tensor) {
        self(features, projected: projectFeatures(features), hidden: hidden, mask: mask)
    }

    /// As `callAsFunction(_:hidden:mask:)` with encoder_att(features) precomputed by
    /// `projectFeatures`.   projected: [N, P, A]
    public func callAsFunction(
        _ features: Tensor, projected: Tensor, hidden: Tensor, mask: Tensor? = nil
    ) -> (context: Tensor, alpha: Tensor) {
        precondition(
            features.rank == 3 && hidden.rank == 2 && hidden.shape[0] == features.shape[0]
                && projected.shape == [
                    features.shape[0], features.shape[1],
                    encoderAttention.outputFeatures,
                ],
            "SoftAttention needs features [N, P, E], projected [N, P, A] and hidden [N, D], got "
                + "\(features.shape), \(projected.shape) and \(hidden.shape)")
        let (batch, locations) = (features.shape[0], features.shape[1])
        var scores = additiveAttentionScores(
            projected: projected, query: decoderAttention(hidden),
            weight: fullAttention.weight.value, bias: fullAttention.bias?.value)  // [N, P]
        if let mask {
            precondition(
                mask.shape == [batch, locations],
                "SoftAttention mask must be [N, P] = [\(batch), \(locations)], got \(mask.shape)")
            // A large negative score gives α = 0 exactly (e^(−10³⁰) underflows) without the
            // 0·∞ = NaN that −∞ would give in arithmetic.
            let penalty = Tensor(
                shape: mask.shape, scalars: mask.scalars.map { $0 > 0 ? 0 : -1e30 })
            scores = scores + penalty
        }
        let alpha = softmax(scores, axis: 1)  // [N, P]
        let context = matmul(alpha.unsqueezed(axis: 1), features).squeezed(axis: 1)  // [N, E]
        return (context, alpha)
    }
}
