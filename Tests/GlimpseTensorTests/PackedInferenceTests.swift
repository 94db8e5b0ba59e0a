// PackedInferenceTests.swift — products of a decoder step in inference run from weights packed
// once and cached: the same results as OpenBLAS, and never stale after a weight changes.
import GlimpseTensor
import TestSupport
import XCTest

final class PackedInferenceTests: XCTestCase {
    /// x·Wᵀ with x: [32, 200] and W: [300, 200]: 32 rows and 60 000 weights take the cache.
    let x = sample([32, 200], seed: 1)

    func testInferenceProductsMatchTheRecordedOnes() {
        let weight = sample([300, 200], seed: 2).requiringGradient()
        let recorded = matmul(x, weight, transposeB: true)  // OpenBLAS
        for _ in 0..<2 {  // packing, then from the cache
            let inference = withoutGradients { matmul(x, weight, transposeB: true) }
            assertClose(inference, recorded, absoluteTolerance: 1e-4)
        }
        // A one-step recurrence (a decoder's LSTM cell step): W_ih [256, 300], W_hh [256, 128].
        let inputWeight = sample([256, 300], seed: 3)
        let recurrent = sample([256, 128], seed: 4)
        let inputs = sample([1, 32, 300], seed: 5)
        let hidden = sample([32, 128], seed: 6)
        func step() -> Tensor {
            Recurrence(inputs: inputs, inputWeight: inputWeight, bias: nil, weight: recurrent)(
                step: 0, hidden)
        }
        let expected = step()
        assertClose(withoutGradients { step() }, expected, absoluteTolerance: 1e-4)
    }

    func testAWeightChangedInPlaceIsPackedAnew() {
        var weight = sample([300, 200], seed: 7)
        let before = withoutGradients { matmul(x, weight, transposeB: true) }
        weight.withUnsafeMutableBufferPointer { w in
            for i in w.indices { w[i] *= -2 }
        }
        let after = withoutGradients { matmul(x, weight, transposeB: true) }
        assertClose(after, before * -2, absoluteTolerance: 1e-4)
    }
}
