// ReductionTests.swift — sum, mean and max: values and gradients.
// Expected values: reference/forward_values.py (r = arange(24).reshape(2, 3, 4)² mod 7).
import GlimpseTensor
import TestSupport
import XCTest

final class ReductionTests: XCTestCase {
    let r = Tensor(
        shape: [2, 3, 4],
        scalars: [0, 1, 4, 2, 2, 4, 1, 0, 1, 4, 2, 2, 4, 1, 0, 1, 4, 2, 2, 4, 1, 0, 1, 4])

    func testValuesMatchNumpy() {
        XCTAssertEqual(r.sum().shape, [])
        XCTAssertEqual(r.sum().scalar, 47)
        XCTAssertEqual(r.mean().scalar, 47 / 24, accuracy: 1e-6)

        let sum = r.sum(alongAxis: 1)
        XCTAssertEqual(sum.shape, [2, 4])
        XCTAssertEqual(sum.scalars, [3, 9, 7, 4, 9, 3, 3, 9])
        XCTAssertEqual(r.sum(alongAxis: 1, keepDims: true).shape, [2, 1, 4])

        let mean = r.mean(alongAxis: -1)
        XCTAssertEqual(mean.shape, [2, 3])
        assertClose(mean.scalars, [1.75, 1.75, 2.25, 1.5, 3, 1.5])

        let (values, indices) = r.max(alongAxis: 1)
        XCTAssertEqual(values.shape, [2, 4])
        XCTAssertEqual(values.scalars, [2, 4, 4, 2, 4, 2, 2, 4])
        XCTAssertEqual(indices, [1, 1, 0, 0, 0, 1, 1, 1], "ties resolve to the first maximum")
        XCTAssertEqual(r.max(alongAxis: 0, keepDims: true).values.shape, [1, 3, 4])
        // Along the last axis (its own kernel): ties resolve to the first maximum there too.
        let rows = Tensor(shape: [3, 4], scalars: [3, 7, 7, 1, -2, -5, -2, -9, 0, 0, 0, 0.5])
        let (rowMaxima, rowIndices) = rows.max(alongAxis: 1)
        XCTAssertEqual(rowMaxima.scalars, [7, -2, 0.5])
        XCTAssertEqual(rowIndices, [1, 0, 3])
    }

    func testSumAlongTheLastAxisOfLongRows() {
        // Rows shorter than, equal to and longer than the eight lanes, with a tail.
        for length in [1, 7, 8, 13, 64] {
            let x = sample([3, length], seed: UInt64(length))
            let expected = (0..<3).map { row in
                Float((0..<length).reduce(0.0) { $0 + Double(x.scalars[row * length + $1]) })
            }
            assertClose(
                x.sum(alongAxis: 1).scalars, expected, absoluteTolerance: 1e-5,
                "rows of \(length)")
        }
    }

    func testSumAndMeanGradients() {
        let x = sample([2, 3, 4], seed: 20)
        checkGradients([x]) { $0[0].sum() }
        checkGradients([x]) { $0[0].mean() }
        for axis in [0, 1, 2, -1] {
            checkGradients([x]) { $0[0].sum(alongAxis: axis) }
            checkGradients([x]) { $0[0].mean(alongAxis: axis, keepDims: true) }
        }
    }

    func testMaxGradientReachesOnlyTheMaximum() {
        // 7k mod 24 permutes 0..<24: distinct values 0.1 apart, so each slice has a unique
        // maximum and ±ε never changes which element it is.
        let distinct = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0 * 7 % 24) / 10 })
        for axis in [0, 1, 2] {
            checkGradients([distinct]) { $0[0].max(alongAxis: axis).values }
        }
        let v = Tensor(shape: [2, 3], scalars: [1, 5, 2, 9, 3, 4]).requiringGradient()
        v.max(alongAxis: 1).values.sum().backward()
        XCTAssertEqual(v.gradient?.scalars, [0, 1, 0, 1, 0, 0])
    }
}
