// TensorTests.swift — creation, element access and value semantics of Tensor.
import GlimpseTensor
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testCreationFillsShapeAndScalars() {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(matrix.shape, [2, 3])
        XCTAssertEqual(matrix.rank, 2)
        XCTAssertEqual(matrix.count, 6)
        XCTAssertEqual(matrix[1, 0], 4)
        XCTAssertEqual(matrix[0, 2], 3)

        let scalar = Tensor(2.5)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.count, 1)
        XCTAssertEqual(scalar.scalar, 2.5)

        XCTAssertEqual(Tensor([1, 2]).shape, [2])
        XCTAssertEqual(Tensor.zeros([2, 2]).scalars, [0, 0, 0, 0])
        XCTAssertEqual(Tensor.ones([3]).scalars, [1, 1, 1])
        XCTAssertEqual(Tensor(repeating: 7, shape: [1, 2]).scalars, [7, 7])
        XCTAssertEqual(Tensor.zeros([0, 3]).count, 0)
    }

    func testRangeMatchesNumpyArange() {
        XCTAssertEqual(Tensor(rangeFrom: 0, to: 4).scalars, [0, 1, 2, 3])
        XCTAssertEqual(Tensor(rangeFrom: -1, to: 1.25, stride: 0.5).scalars, [-1, -0.5, 0, 0.5, 1])
        XCTAssertEqual(Tensor(rangeFrom: 3, to: 0, stride: -1).scalars, [3, 2, 1])
        XCTAssertEqual(Tensor(rangeFrom: 2, to: 2).count, 0)
    }

    func testCopiesAreIndependentValues() {
        let original = Tensor([1, 2, 3])
        var copy = original
        copy.withUnsafeMutableBufferPointer { $0[0] = 10 }
        XCTAssertEqual(original.scalars, [1, 2, 3])
        XCTAssertEqual(copy.scalars, [10, 2, 3])

        let reshaped = copy.reshaped(to: [3, 1])
        copy.withUnsafeMutableBufferPointer { $0[1] = 20 }
        XCTAssertEqual(reshaped.scalars, [10, 2, 3], "a reshaped copy keeps its values")
    }

    func testReshapeSharesStorage() {
        let x = Tensor(rangeFrom: 0, to: 6)
        let y = x.reshaped(to: [2, -1])
        XCTAssertEqual(y.shape, [2, 3])
        let xAddress = x.withUnsafeBufferPointer { $0.baseAddress }
        let yAddress = y.withUnsafeBufferPointer { $0.baseAddress }
        XCTAssertEqual(xAddress, yAddress)
    }

    func testDescriptionShowsShapeAndValues() {
        XCTAssertEqual(
            Tensor(shape: [1, 2], scalars: [1, 2]).description, "Tensor([1, 2], [1.0, 2.0])")
        XCTAssertTrue(
            Tensor.zeros([20]).requiringGradient().description.hasSuffix("requiresGradient)"))
    }
}
