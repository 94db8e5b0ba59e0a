// SoftmaxTests.swift — softmax and log-softmax: values, stability and gradients.
// Expected values: reference/forward_values.py.
import GlimpseTensor
import TestSupport
import XCTest

final class SoftmaxTests: XCTestCase {
    let s = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 4])

    func testValuesMatchNumpy() {
        assertClose(
            softmax(s, axis: 0).scalars,
            [0.8807971, 0.8175745, 0.2689414, 0.1192029, 0.1824255, 0.7310586])
        assertClose(
            softmax(s, axis: -1).scalars,
            [0.09003057, 0.2447285, 0.665241, 0.006497943, 0.02912176, 0.9643803])
        assertClose(
            logSoftmax(s, axis: 0).scalars,
            [-0.126928, -0.2014133, -1.313262, -2.126928, -1.701413, -0.3132617])
        assertClose(
            logSoftmax(s, axis: 1).scalars,
            [-2.407606, -1.407606, -0.407606, -5.03627, -3.53627, -0.03626957])
    }

    func testLargeLogitsDoNotOverflow() {
        let big = Tensor([1000, 1001, -1000])
        assertClose(softmax(big, axis: 0).scalars, [0.2689414, 0.7310586, 0])
        // Float32 spacing near 1000 is 6e-5, which bounds the accuracy of x − logsumexp(x).
        assertClose(
            logSoftmax(big, axis: 0).scalars, [-1.313262, -0.3132617, -2001.313262],
            absoluteTolerance: 1e-4)
    }

    func testGradientsAlongEveryAxis() {
        let x = sample([2, 3, 4], seed: 50, in: -2..<2)
        for axis in [0, 1, 2, -1] {
            checkGradients([x]) { softmax($0[0], axis: axis) }
            checkGradients([x]) { logSoftmax($0[0], axis: axis) }
        }
    }
}
