// MatmulTests.swift — matrix and batched products with every transpose flag: values and gradients.
// Expected values: reference/forward_values.py.
import GlimpseTensor
import TestSupport
import XCTest

final class MatmulTests: XCTestCase {
    let a = Tensor(rangeFrom: 0, to: 6).reshaped(to: [2, 3]) - 2
    let b = Tensor(rangeFrom: 0, to: 12).reshaped(to: [3, 4]) / 4

    func testMatrixProductMatchesNumpy() {
        let c = matmul(a, b)
        XCTAssertEqual(c.shape, [2, 4])
        assertClose(c.scalars, [-1, -1.75, -2.5, -3.25, 8, 9.5, 11, 12.5])
        assertClose(matmul(a, a, transposeA: true).scalars, [5, 4, 3, 4, 5, 6, 3, 6, 9])
        assertClose(matmul(a, a, transposeB: true).scalars, [5, -4, -4, 14])
        assertClose(
            matmul(b, a, transposeA: true, transposeB: true), matmul(a, b).transposed())
    }

    func testBatchedProductMatchesNumpy() {
        let x = Tensor(rangeFrom: 0, to: 12).reshaped(to: [2, 2, 3]) - 5
        let y = Tensor(rangeFrom: 0, to: 12).reshaped(to: [2, 3, 2]) / 3
        let z = matmul(x, y)
        XCTAssertEqual(z.shape, [2, 2, 2])
        assertClose(
            z.scalars,
            [-6.666667, -10.66667, -0.6666667, -1.666667, 17.33333, 19.33333, 41.33333, 46.33333])
    }

    func testEmptyInnerDimensionGivesZeros() {
        XCTAssertEqual(
            matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3])).scalars, [0, 0, 0, 0, 0, 0])
    }

    func testMatrixProductGradientsForEveryTransposeFlag() {
        let m = sample([2, 3], seed: 30)
        let n = sample([3, 4], seed: 31)
        checkGradients([m, n]) { matmul($0[0], $0[1]) }
        checkGradients([m.transposed(), n]) { matmul($0[0], $0[1], transposeA: true) }
        checkGradients([m, n.transposed()]) { matmul($0[0], $0[1], transposeB: true) }
        checkGradients([m.transposed(), n.transposed()]) {
            matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
        checkGradients([m]) { matmul($0[0], $0[0], transposeB: true) }
    }

    func testBatchedProductGradientsForEveryTransposeFlag() {
        let m = sample([2, 3, 2], seed: 32)
        let n = sample([2, 2, 4], seed: 33)
        let mT = m.permuted([0, 2, 1])
        let nT = n.permuted([0, 2, 1])
        checkGradients([m, n]) { matmul($0[0], $0[1]) }
        checkGradients([mT, n]) { matmul($0[0], $0[1], transposeA: true) }
        checkGradients([m, nT]) { matmul($0[0], $0[1], transposeB: true) }
        checkGradients([mT, nT]) { matmul($0[0], $0[1], transposeA: true, transposeB: true) }
    }
}
