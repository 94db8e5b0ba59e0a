// PackedInferenceTests.swift — products of a decoder step in inference run from weights packed
// once and cached: the same results as OpenBLAS, and never stale after a weight changes.
import GlimpseTensor
import TestSupport
import XCTest

final class PackedInferenceTests: XCTestCase {
    /// x·Wᵀ with x: [32, 200] and W: [300, 200]: 32 rows and 60 000 weights take the cache.
    let x = sample([32, 200], seed: 1)

    func testInferenceProductsMatchTheRecordedOnes() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // 32 rows; a beam's 3 rows; 2 rows with 140 000 weights, split across threads by
        // columns whatever their flops.
        for (rows, outputs) in [(32, 300), (3, 300), (2, 700)] {
            let x = sample([rows, 200], seed: UInt64(rows))
            let weight = sample([outputs, 200], seed: 2).requiringGradient()
            let recorded = matmul(x, weight, transposeB: true)  // OpenBLAS
            for threads in [1, 2, 2] {  // packing, then from the cache
                Parallelism.threadCount = threads
                let inference = withoutGradients { matmul(x, weight, transposeB: true) }
                assertClose(
                    inference, recorded, absoluteTolerance: 1e-4,
                    "\(rows) rows, \(outputs) outputs, \(threads) threads")
            }
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
