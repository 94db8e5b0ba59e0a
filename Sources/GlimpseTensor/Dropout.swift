// Dropout.swift — inverted dropout (Srivastava et al., "Dropout: A Simple Way to Prevent Neural
// Networks from Overfitting", JMLR 2014), with the kept values rescaled during training as
// PyTorch does, so inference is the identity.
//
//   y = x ⊙ m,   m[i] = 1/(1 − p) with probability 1 − p, else 0;   ∂x = ∂y ⊙ m
// The mask m is drawn from the caller's generator, so a seed fixes which elements drop.

/// Inverted dropout: each element is zeroed with probability `p` and the survivors are scaled
/// by 1/(1 − p), so E[y] = x. The mask is a constant of the graph: ∂x = ∂y ⊙ m.
///
/// x: any shape -> y: the same shape. `p` = 0 returns `x`; `p` = 1 returns zeros.
/// Element i is kept when the i-th uniform draw u ∈ [0, 1) from `generator` satisfies u ≥ p.
public func dropout(
    _ x: Tensor, probability p: Float, using generator: inout some RandomNumberGenerator
) -> Tensor {
    precondition(p >= 0 && p <= 1, "dropout probability \(p) is outside [0, 1]")
    if p == 0 { return x }
    let scale: Float = p == 1 ? 0 : 1 / (1 - p)
    let mask = Tensor(shape: x.shape) { mask in  // same shape as x, no gradient
        for i in mask.indices { mask[i] = generator.nextUnitFloat() >= p ? scale : 0 }
    }
    return x * mask
}
