// ElementwiseTests.swift — arithmetic, broadcasting and pointwise functions: values and gradients.
// Expected values: reference/forward_values.py.
import GlimpseTensor
import TestSupport
import XCTest

final class ElementwiseTests: XCTestCase {
    let x = Tensor(rangeFrom: -1, to: 1.25, stride: 0.5)

    func testPointwiseValuesMatchNumpy() {
        assertClose(exp(x).scalars, [0.3678794, 0.6065307, 1, 1.648721, 2.718282])
        assertClose(tanh(x).scalars, [-0.7615942, -0.4621172, 0, 0.4621172, 0.7615942])
        assertClose(sigmoid(x).scalars, [0.2689414, 0.3775407, 0.5, 0.6224593, 0.7310586])
        assertClose(log(x + 2).scalars, [0, 0.4054651, 0.6931472, 0.9162908, 1.098612])
        assertClose(sqrt(x + 2).scalars, [1, 1.224745, 1.414214, 1.581139, 1.732051])
        assertClose(pow(x + 2, 1.5).scalars, [1, 1.837117, 2.828427, 3.952847, 5.196153])
        XCTAssertEqual(relu(x).scalars, [0, 0, 0, 0.5, 1])
        XCTAssertEqual(clamp(x, min: -0.5, max: 0.5).scalars, [-0.5, -0.5, 0, 0.5, 0.5])
        XCTAssertEqual((-x).scalars, [1, 0.5, 0, -0.5, -1])
    }

    func testSigmoidSaturatesWithoutOverflow() {
        // No NaN or infinity; the exponential is clamped, so σ(−200) is 6·10⁻³⁹ rather than 0.
        let y = sigmoid(Tensor([-200, 200])).scalars
        XCTAssertEqual(y[0], 0, accuracy: 1e-30)
        XCTAssertEqual(y[1], 1)
        XCTAssertEqual(tanh(Tensor([-200, 200])).scalars, [-1, 1])
    }

    func testScalarOperators() {
        let v = Tensor([1, 2, 4])
        XCTAssertEqual((v + 1).scalars, [2, 3, 5])
        XCTAssertEqual((1 + v).scalars, [2, 3, 5])
        XCTAssertEqual((v - 1).scalars, [0, 1, 3])
        XCTAssertEqual((1 - v).scalars, [0, -1, -3])
        XCTAssertEqual((v * 2).scalars, [2, 4, 8])
        XCTAssertEqual((2 * v).scalars, [2, 4, 8])
        XCTAssertEqual((v / 2).scalars, [0.5, 1, 2])
        XCTAssertEqual((4 / v).scalars, [4, 2, 1])
    }

    func testBroadcastingValues() {
        let row = Tensor([1, 2, 3])  // [3]
        let column = Tensor(shape: [2, 1], scalars: [10, 20])
        let sum = row + column
        XCTAssertEqual(sum.shape, [2, 3])
        XCTAssertEqual(sum.scalars, [11, 12, 13, 21, 22, 23])
        XCTAssertEqual((column - row).scalars, [9, 8, 7, 19, 18, 17])
        XCTAssertEqual((column / Tensor(2)).scalars, [5, 10])
        let cube = Tensor(rangeFrom: 0, to: 8).reshaped(to: [2, 2, 2])
        XCTAssertEqual(
            (cube * Tensor(shape: [2, 1, 1], scalars: [1, -1])).scalars,
            [0, 1, 2, 3, -4, -5, -6, -7])
        XCTAssertEqual(row.broadcasted(to: [2, 3]).scalars, [1, 2, 3, 1, 2, 3])
    }

    func testBinaryOperatorGradients() {
        let a = sample([2, 3], seed: 1)
        let b = sample([2, 3], seed: 2, in: 0.5..<2)
        checkGradients([a, b]) { $0[0] + $0[1] }
        checkGradients([a, b]) { $0[0] - $0[1] }
        checkGradients([a, b]) { $0[0] * $0[1] }
        checkGradients([a, b]) { $0[0] / $0[1] }
        checkGradients([a]) { $0[0] * $0[0] }
    }

    func testBroadcastingGradientsReduceToInputShapes() {
        let matrix = sample([2, 3], seed: 3)
        let row = sample([3], seed: 4, in: 0.5..<2)
        let column = sample([2, 1], seed: 5, in: 0.5..<2)
        let scalar = sample([], seed: 6, in: 0.5..<2)
        checkGradients([matrix, row]) { $0[0] + $0[1] }
        checkGradients([row, matrix]) { $0[0] - $0[1] }
        checkGradients([matrix, column]) { $0[0] * $0[1] }
        checkGradients([matrix, column]) { $0[0] / $0[1] }
        checkGradients([column, row]) { $0[0] / $0[1] }
        checkGradients([scalar, matrix]) { $0[0] * $0[1] }
        checkGradients([sample([2, 1, 4], seed: 7), sample([3, 1], seed: 8)]) { $0[0] * $0[1] }
        checkGradients([row]) { $0[0].broadcasted(to: [2, 2, 3]) }
        checkGradients([column]) { $0[0].broadcasted(to: [2, 4]) }
    }

    func testScalarOperatorGradients() {
        let v = sample([2, 2], seed: 9, in: 0.5..<2)
        checkGradients([v]) { $0[0] + 3 }
        checkGradients([v]) { 3 + $0[0] }
        checkGradients([v]) { $0[0] - 3 }
        checkGradients([v]) { 3 - $0[0] }
        checkGradients([v]) { $0[0] * -2 }
        checkGradients([v]) { -2 * $0[0] }
        checkGradients([v]) { $0[0] / 4 }
        checkGradients([v]) { 2 / $0[0] }
        checkGradients([v]) { -$0[0] }
    }

    func testPointwiseFunctionGradients() {
        let v = sample([2, 3], seed: 10, in: -2..<2)
        let positive = sample([2, 3], seed: 11, in: 0.5..<2)
        checkGradients([v]) { exp($0[0]) }
        checkGradients([positive]) { log($0[0]) }
        checkGradients([v]) { tanh($0[0]) }
        checkGradients([v]) { sigmoid($0[0]) }
        checkGradients([positive]) { sqrt($0[0]) }
        checkGradients([positive]) { pow($0[0], 1.5) }
        checkGradients([positive]) { pow($0[0], -2) }
        checkGradients([v]) { pow($0[0], 3) }
    }

    func testKinkedFunctionGradientsAwayFromKinks() {
        let v = Tensor(shape: [2, 3], scalars: [-1.5, -0.4, 0.3, 0.8, 1.7, -0.9])
        checkGradients([v]) { relu($0[0]) }
        checkGradients([v]) { clamp($0[0], min: -1, max: 1) }
    }
}
