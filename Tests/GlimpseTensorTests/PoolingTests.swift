// PoolingTests.swift — max, average and global average pooling: values by hand and against
// naive numpy loops (Tests/GlimpseLayersTests/reference/conv_pool_reference.py), gradients by
// finite differences.
import GlimpseTensor
import TestSupport
import XCTest

final class PoolingTests: XCTestCase {
    /// Distinct values 0.1 apart (a permutation of 0.1·k), so no finite-difference step of 1e-2
    /// changes which element is a window's maximum.
    func distinctSample(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        // 37 is coprime with every count used here, so k ↦ 37·k mod count is a permutation.
        return Tensor(shape: shape, scalars: (0..<count).map { Float(($0 * 37) % count) * 0.1 })
    }

    func testMaxPoolWithNonSquareStrideByHand() {
        // 2×2 windows moving 2 rows down and 1 column across.
        let x = Tensor(shape: [1, 1, 4, 3], scalars: [1, 5, 2, 3, 4, 9, 8, 0, 6, 7, 1, 2])
        let y = maxPool2d(x, kernel: (2, 2), stride: (2, 1))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [5, 9, 8, 6])
    }

    func testMaxPoolPaddingCountsAsMinusInfinity() {
        // All-negative input: zero padding would win every border window, −∞ never does.
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [-4, -3, -2, -1])
        let y = maxPool2d(x, kernel: (2, 2), stride: (1, 1), padding: (1, 1))
        XCTAssertEqual(y.shape, [1, 1, 3, 3])
        XCTAssertEqual(y.scalars, [-4, -3, -3, -2, -1, -1, -2, -1, -1])
    }

    func testMaxPoolPropagatesNaN() {
        // As in PyTorch, a window holding NaN pools to NaN: 2×2 windows with stride 2 (four
        // windows per row, the vectorised path) and overlapping windows (the general path).
        let x = Tensor(
            shape: [1, 1, 2, 8], scalars: [1, 2, 3, .nan, 5, 6, 7, 8, 0, 1, 9, 4, 0, 0, 0, 0])
        let halved = maxPool2d(x, kernel: (2, 2), stride: (2, 2)).scalars
        XCTAssertEqual(halved[0], 2)
        XCTAssertTrue(halved[1].isNaN)
        XCTAssertEqual(Array(halved[2...]), [6, 8])
        let sliding = maxPool2d(x, kernel: (2, 2), stride: (1, 1)).scalars
        XCTAssertEqual(Array(sliding[0..<2]), [2, 9])
        XCTAssertTrue(sliding[2].isNaN && sliding[3].isNaN)
    }

    func testTwoByTwoMaxPoolMatchesWindowMaxima() {
        // Rows of 4 (vectorised by hand), 11 (by hand plus remainder) and 20 windows (by the
        // compiler), against the maxima of the four strided views.
        for (shape, seed) in [([2, 3, 4, 8], 30), ([1, 2, 6, 22], 31), ([1, 2, 2, 40], 32)] {
            let x = sample(shape, seed: UInt64(seed))
            let (n, c, oh, ow) = (shape[0], shape[1], shape[2] / 2, shape[3] / 2)
            let windows = x.reshaped(to: [n, c, oh, 2, ow, 2]).permuted([0, 1, 2, 4, 3, 5])
                .reshaped(to: [n, c, oh, ow, 4])
            let expected = windows.max(alongAxis: 4).values
            assertClose(maxPool2d(x, kernel: (2, 2), stride: (2, 2)), expected, "\(shape)")
            checkGradients([distinctSample(shape)]) {
                maxPool2d($0[0], kernel: (2, 2), stride: (2, 2))
            }
        }
    }

    /// Values from conv_pool_reference.py: naive float64 loops in numpy.
    func testMatchesNumpyReference() throws {
        let maxCases = try ConvPoolCase.load(op: "maxPool2d")
        let averageCases = try ConvPoolCase.load(op: "avgPool2d")
        XCTAssertEqual(maxCases.count, 3)
        XCTAssertEqual(averageCases.count, 1)
        for c in maxCases + averageCases {
            let kernel = try XCTUnwrap(c.kernel)
            let pool = c.op == "maxPool2d" ? maxPool2d : avgPool2d
            let y = pool(
                c.input, (kernel[0], kernel[1]), (c.stride[0], c.stride[1]),
                (c.padding[0], c.padding[1]))
            XCTAssertEqual(y.shape, c.expectedShape, c.name)
            assertClose(y.scalars, c.expected, c.name)
        }
    }

    func testMaxPoolGradients() {
        checkGradients([distinctSample([2, 2, 4, 6])]) {
            maxPool2d($0[0], kernel: (2, 2), stride: (2, 2))
        }
        // Overlapping windows with padding: one element may be the maximum of several.
        checkGradients([distinctSample([2, 1, 7, 5])]) {
            maxPool2d($0[0], kernel: (3, 3), stride: (2, 1), padding: (1, 1))
        }
    }

    func testMaxPoolRoutesTiesToTheFirstMaximum() {
        // Five windows: four in vector lanes, one in the scalar remainder.
        let x = Tensor.ones([1, 1, 2, 10]).requiringGradient()
        maxPool2d(x, kernel: (2, 2), stride: (2, 2)).sum().backward()
        XCTAssertEqual(
            x.gradient?.scalars, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0] + [Float](repeating: 0, count: 10))
    }

    func testAveragePoolIncludesPaddingInTheDivisor() {
        // Each 3×3 window around a pixel of a 2×2 image of ones holds 4 ones and 5 zeros.
        let y = avgPool2d(.ones([1, 1, 2, 2]), kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        assertClose(y.scalars, [Float](repeating: 4.0 / 9, count: 4))
    }

    func testAveragePoolGradients() {
        checkGradients([sample([2, 2, 7, 6], seed: 21)]) {
            avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        }
        checkGradients([sample([1, 2, 5, 6], seed: 22)]) {
            avgPool2d($0[0], kernel: (2, 3), stride: (1, 2))
        }
    }

    func testGlobalAveragePool() {
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, -1, -1, 0, 6])
        let y = globalAveragePool(x)
        XCTAssertEqual(y.shape, [1, 2])
        assertClose(y.scalars, [2.5, 1])
        checkGradients([sample([2, 3, 3, 4], seed: 23)]) { globalAveragePool($0[0]) }
    }
}
