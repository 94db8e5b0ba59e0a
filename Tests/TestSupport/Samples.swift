// Samples.swift — deterministic small inputs for the tensor tests.
import GlimpseTensor

/// A tensor of `shape` with elements uniform in `range`, the same for every run with `seed`.
public func sample(_ shape: [Int], seed: UInt64, in range: Range<Float> = -1..<1) -> Tensor {
    var generator = SplitMix64(seed: seed)
    return Tensor(randomUniform: shape, in: range, using: &generator)
}
