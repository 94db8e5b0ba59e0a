// The fused additive-attention scores: finite-difference gradients, and values and gradients
// equal to the same math composed from separate ops, also when split across threads.
import GlimpseTensor
import TestSupport
import XCTest

final class AttentionScoresTests: XCTestCase {
    /// w·tanh(projected + query) + b from broadcast add, tanh and matmul.
    func composed(_ projected: Tensor, _ query: Tensor, _ weight: Tensor, _ bias: Tensor)
        -> Tensor
    {
        let (n, p, a) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let t = tanh(projected + query.unsqueezed(axis: 1)).reshaped(to: [n * p, a])
        return (matmul(t, weight, transposeB: true) + bias).reshaped(to: [n, p])
    }

    func testGradientsMatchFiniteDifferences() {
        let inputs = [
            sample([2, 3, 4], seed: 1), sample([2, 4], seed: 2), sample([1, 4], seed: 3),
            sample([1], seed: 4),
        ]
        checkGradients(inputs) {
            additiveAttentionScores(
                projected: $0[0], query: $0[1], weight: $0[2], bias: $0[3])
        }
    }

    func testMatchesComposedOpsWhenSplitAcrossThreads() {
        // 8·300 rows of width 16 exceed two 1024-row chunks, so two threads split them.
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 2
        let inputs = [
            sample([8, 300, 16], seed: 5, in: -2..<2), sample([8, 16], seed: 6),
            sample([1, 16], seed: 7), sample([1], seed: 8),
        ].map { $0.requiringGradient() }
        let upstream = sample([8, 300], seed: 9)
        let fused = additiveAttentionScores(
            projected: inputs[0], query: inputs[1], weight: inputs[2], bias: inputs[3])
        (fused * upstream).sum().backward()
        let fusedGradients = inputs.map { $0.gradient!.scalars }
        for input in inputs { input.zeroGradient() }
        let reference = composed(inputs[0], inputs[1], inputs[2], inputs[3])
        (reference * upstream).sum().backward()
        assertClose(fused, reference, absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        for (index, input) in inputs.enumerated() {
            assertClose(
                fusedGradients[index], input.gradient!.scalars, absoluteTolerance: 1e-3,
                relativeTolerance: 1e-4, "input \(index)")
        }
        let inference = withoutGradients {
            additiveAttentionScores(
                projected: inputs[0], query: inputs[1], weight: inputs[2], bias: inputs[3])
        }
        XCTAssertEqual(inference.scalars, fused.scalars)
    }
}
