// RandomTests.swift — the seeded generator and the weight initialisers.
// SplitMix64 reference outputs: reference/forward_values.py.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class RandomTests: XCTestCase {
    func testSplitMix64MatchesTheReferenceStream() {
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(generator.next(), 0x06C4_5D18_8009_454F)
    }

    func testSameSeedGivesSameTensorsAndSavedStateResumes() throws {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        XCTAssertEqual(
            Tensor(randomNormal: [10], using: &first).scalars,
            Tensor(randomNormal: [10], using: &second).scalars)
        var other = SplitMix64(seed: 43)
        XCTAssertNotEqual(
            Tensor(randomUniform: [10], using: &first).scalars,
            Tensor(randomUniform: [10], using: &other).scalars)

        let saved = try JSONEncoder().encode(first)
        let expected = Tensor(randomUniform: [5], using: &first).scalars
        var restored = try JSONDecoder().decode(SplitMix64.self, from: saved)
        XCTAssertEqual(Tensor(randomUniform: [5], using: &restored).scalars, expected)
    }

    func testUniformAndNormalMoments() {
        var generator = SplitMix64(seed: 7)
        let uniform = Tensor(randomUniform: [20_000], in: -2..<4, using: &generator)
        XCTAssertTrue(uniform.scalars.allSatisfy { $0 >= -2 && $0 < 4 })
        XCTAssertEqual(uniform.mean().scalar, 1, accuracy: 0.05)
        let normal = Tensor(
            randomNormal: [20_000], mean: 3, standardDeviation: 2, using: &generator)
        XCTAssertEqual(normal.mean().scalar, 3, accuracy: 0.05)
        XCTAssertEqual(standardDeviation(normal), 2, accuracy: 0.05)
    }

    func testGlorotAndKaimingScales() {
        var generator = SplitMix64(seed: 8)
        // Weight [out 200, in 100]: fanIn 100, fanOut 200.
        let glorot = Tensor(glorotUniform: [200, 100], using: &generator)
        let glorotBound = (6 / Float(300)).squareRoot()
        XCTAssertTrue(glorot.scalars.allSatisfy { abs($0) <= glorotBound })
        XCTAssertEqual(
            standardDeviation(glorot), glorotBound / Float(3).squareRoot(), accuracy: 0.003)

        let uniform = Tensor(kaimingUniform: [200, 100], using: &generator)
        let kaimingBound = (6 / Float(100)).squareRoot()
        XCTAssertTrue(uniform.scalars.allSatisfy { abs($0) <= kaimingBound })
        XCTAssertEqual(standardDeviation(uniform), (2 / Float(100)).squareRoot(), accuracy: 0.003)

        // Convolution weight [out 64, in 8, 3, 3]: fanIn 72.
        let normal = Tensor(kaimingNormal: [64, 8, 3, 3], using: &generator)
        XCTAssertEqual(standardDeviation(normal), (2 / Float(72)).squareRoot(), accuracy: 0.004)
    }

    func testOrthogonalRowsOrColumnsAreOrthonormal() {
        var generator = SplitMix64(seed: 9)
        let wide = Tensor(orthogonal: [3, 5], using: &generator)
        assertClose(
            matmul(wide, wide, transposeB: true), eye(3), absoluteTolerance: 1e-5,
            "rows of a wide matrix")
        let tall = Tensor(orthogonal: [6, 4], gain: 2, using: &generator)
        assertClose(
            matmul(tall, tall, transposeA: true), eye(4) * 4, absoluteTolerance: 1e-5,
            "columns of a tall matrix, scaled by gain²")
        let square = Tensor(orthogonal: [4, 2, 2], using: &generator).reshaped(to: [4, 4])
        assertClose(matmul(square, square, transposeB: true), eye(4), absoluteTolerance: 1e-5)
    }

    private func standardDeviation(_ x: Tensor) -> Float {
        let centered = x - x.mean()
        return (centered * centered).mean().scalar.squareRoot()
    }

    private func eye(_ n: Int) -> Tensor {
        Tensor(shape: [n, n], scalars: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
    }
}
