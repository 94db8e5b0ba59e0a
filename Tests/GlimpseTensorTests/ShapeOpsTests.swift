// ShapeOpsTests.swift — reshape, permute, slice, concat, stack, split and gather: values and
// gradients.
import GlimpseTensor
import TestSupport
import XCTest

final class ShapeOpsTests: XCTestCase {
    let cube = Tensor(rangeFrom: 0, to: 24).reshaped(to: [2, 3, 4])

    func testReshapeSqueezeAndUnsqueeze() {
        XCTAssertEqual(cube.reshaped(to: [4, -1]).shape, [4, 6])
        XCTAssertEqual(cube.unsqueezed(axis: 1).shape, [2, 1, 3, 4])
        XCTAssertEqual(cube.unsqueezed(axis: -1).shape, [2, 3, 4, 1])
        XCTAssertEqual(cube.unsqueezed(axis: 0).squeezed(axis: 0).shape, [2, 3, 4])
        XCTAssertEqual(cube.reshaped(to: [24]).scalars, (0..<24).map(Float.init))
    }

    func testTransposeAndPermuteValues() {
        let m = Tensor(rangeFrom: 0, to: 6).reshaped(to: [2, 3])
        XCTAssertEqual(m.transposed().shape, [3, 2])
        XCTAssertEqual(m.transposed().scalars, [0, 3, 1, 4, 2, 5])
        let p = cube.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p[3, 1, 2], cube[1, 2, 3])
        XCTAssertEqual(p[1, 0, 2], cube[0, 2, 1])
        XCTAssertEqual(p.permuted([1, 2, 0]).scalars, cube.scalars)
    }

    func testSliceValues() {
        let s = cube.slice(axis: 1, range: 1..<3)
        XCTAssertEqual(s.shape, [2, 2, 4])
        XCTAssertEqual(s.scalars, [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        XCTAssertEqual(cube.slice(axis: -1, range: 3..<4).scalars, [3, 7, 11, 15, 19, 23])
        XCTAssertEqual(cube.slice(axis: 0, range: 1..<1).shape, [0, 3, 4])
    }

    func testConcatSplitAndStackValues() {
        let a = Tensor(shape: [2, 1], scalars: [1, 2])
        let b = Tensor(shape: [2, 2], scalars: [3, 4, 5, 6])
        let joined = concat([a, b], axis: 1)
        XCTAssertEqual(joined.shape, [2, 3])
        XCTAssertEqual(joined.scalars, [1, 3, 4, 2, 5, 6])
        XCTAssertEqual(concat([b, b], axis: 0).scalars, [3, 4, 5, 6, 3, 4, 5, 6])

        let pieces = joined.split(sizes: [1, 2], axis: 1)
        XCTAssertEqual(pieces.map(\.scalars), [[1, 2], [3, 4, 5, 6]])
        let halves = cube.split(count: 2, axis: -1)
        XCTAssertEqual(halves.map(\.shape), [[2, 3, 2], [2, 3, 2]])
        XCTAssertEqual(concat(halves, axis: 2).scalars, cube.scalars)

        let stacked = stack([Tensor([1, 2]), Tensor([3, 4])], axis: 1)
        XCTAssertEqual(stacked.shape, [2, 2])
        XCTAssertEqual(stacked.scalars, [1, 3, 2, 4])
        XCTAssertEqual(stack([cube, cube], axis: 3).shape, [2, 3, 4, 2])
    }

    func testGatherSelectsRows() {
        let table = Tensor(rangeFrom: 0, to: 8).reshaped(to: [4, 2])
        let rows = gather(table, indices: [3, 0, 3])
        XCTAssertEqual(rows.shape, [3, 2])
        XCTAssertEqual(rows.scalars, [6, 7, 0, 1, 6, 7])
        XCTAssertEqual(gather(cube, indices: [1]).shape, [1, 3, 4])
    }

    func testGatherGradientScatterAddsRepeatedIndices() {
        let table = sample([5, 3], seed: 40)
        checkGradients([table]) { gather($0[0], indices: [4, 1, 4, 4, 0]) }
        let leaf = Tensor.zeros([3, 2]).requiringGradient()
        gather(leaf, indices: [2, 0, 2]).sum().backward()
        XCTAssertEqual(leaf.gradient?.scalars, [1, 1, 0, 0, 2, 2])
    }

    func testShapeOpGradients() {
        let x = sample([2, 3, 4], seed: 41)
        checkGradients([x]) { $0[0].reshaped(to: [6, 4]) }
        checkGradients([x]) { $0[0].unsqueezed(axis: 2).squeezed(axis: 2) }
        checkGradients([sample([3, 5], seed: 42)]) { $0[0].transposed() }
        checkGradients([x]) { $0[0].permuted([2, 0, 1]) }
        checkGradients([x]) { $0[0].permuted([1, 2, 0]) }
        checkGradients([x]) { $0[0].slice(axis: 0, range: 1..<2) }
        checkGradients([x]) { $0[0].slice(axis: 1, range: 1..<3) }
        checkGradients([x]) { $0[0].slice(axis: -1, range: 0..<3) }
    }

    func testConcatSplitAndStackGradients() {
        let a = sample([2, 1, 4], seed: 43)
        let b = sample([2, 3, 4], seed: 44)
        let c = sample([2, 2, 4], seed: 45)
        checkGradients([a, b, c]) { concat($0, axis: 1) }
        checkGradients([b, b]) { concat($0, axis: 0) }
        checkGradients([b, b]) { concat($0, axis: 2) }
        checkGradients([b]) { x in
            let parts = x[0].split(sizes: [1, 2], axis: 1)
            return parts[0] * parts[1].sum(alongAxis: 1, keepDims: true)
        }
        checkGradients([b]) { x in
            let parts = x[0].split(count: 2, axis: 2)
            return tanh(parts[0]) - parts[1] * 2
        }
        for axis in 0...3 {
            checkGradients([b, sample([2, 3, 4], seed: 46)]) { stack($0, axis: axis) }
        }
    }
}
