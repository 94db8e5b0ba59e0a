// ConvReLUPoolTests.swift — the fused conv2dReLUMaxPool against the three separate ops (values
// and gradients), and its gradients by finite differences.
import CVectorMath
import GlimpseTensor
import TestSupport
import XCTest

final class ConvReLUPoolTests: XCTestCase {
    struct Case {
        var name: String
        var input: [Int]
        var weight: [Int]
        var bias = true
        var stride = (1, 1)
        var padding = (1, 1)
        var pool = (2, 2)
        var poolStride = (2, 2)
        var poolPadding = (0, 0)
        /// How far values may be from the separate ops'.
        var tolerance: Float = 1e-6
    }

    let cases = [
        // One image: in inference, bands of its output rows split across threads, each with
        // its own columns (aligned rows; odd sizes, whose last row and column the pool drops;
        // unaligned rows); when recording, its products and pooling split instead.
        Case(name: "batch 1", input: [1, 3, 12, 10], weight: [16, 3, 3, 3]),
        Case(name: "batch 1, odd size", input: [1, 2, 11, 7], weight: [6, 2, 3, 3]),
        Case(
            name: "batch 1, unaligned rows", input: [1, 2, 11, 9], weight: [4, 2, 3, 2],
            padding: (0, 0)),
        Case(name: "batch 3, odd size", input: [3, 2, 9, 7], weight: [5, 2, 3, 3]),
        Case(name: "no bias", input: [2, 2, 6, 6], weight: [4, 2, 3, 3], bias: false),
        // 3×3 "same" convolutions of 16 or more channels with 2×2 pools run Winograd's
        // F(2×2, 3×3): 5 tiles a row (part of a group of 8, a band crossing the
        // product's panels of 16), 18 a row (a whole group and part of one), and a lone tile.
        // Its transforms round differently from a direct sum, by up to ~1e-6 for these sizes.
        Case(
            name: "Winograd, batch 1", input: [1, 16, 12, 10], weight: [20, 16, 3, 3],
            tolerance: 1e-5),
        Case(
            name: "Winograd, batch 2", input: [2, 17, 34, 36], weight: [7, 17, 3, 3],
            tolerance: 1e-5),
        Case(
            name: "Winograd, one tile, no bias", input: [3, 16, 2, 2], weight: [6, 16, 3, 3],
            bias: false, tolerance: 1e-5),
        Case(
            name: "strided, overlapping padded pool", input: [2, 3, 11, 9], weight: [4, 3, 3, 2],
            stride: (2, 1), padding: (1, 0), pool: (3, 3), poolStride: (2, 2),
            poolPadding: (1, 1)),
    ]

    func separate(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: Case) -> Tensor {
        maxPool2d(
            relu(conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding)),
            kernel: c.pool, stride: c.poolStride, padding: c.poolPadding)
    }

    func fused(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: Case) -> Tensor {
        conv2dReLUMaxPool(
            x, weight: w, bias: b, stride: c.stride, padding: c.padding, pool: c.pool,
            poolStride: c.poolStride, poolPadding: c.poolPadding)
    }

    func testValuesMatchTheSeparateOps() {
        let saved = Parallelism.threadCount
        defer {
            Parallelism.threadCount = saved
            glimpse_allow_lanes(GLIMPSE_LANES_WIDEST)
        }
        for (index, c) in cases.enumerated() {
            let seed = UInt64(10 * index)
            let x = sample(c.input, seed: seed)
            let w = sample(c.weight, seed: seed + 1)
            let b = c.bias ? sample([c.weight[0]], seed: seed + 2) : nil
            let expected = withoutGradients { separate(x, w, b, c) }
            // Both compiled copies of the vector kernels (the Winograd transforms) in inference.
            for (recording, threads, wide) in [
                (false, 1, 2), (false, 2, 2), (false, 2, 1), (false, 2, 0), (true, 2, 2),
            ] {
                Parallelism.threadCount = threads
                glimpse_allow_lanes(Int32(wide))
                let inputs = recording ? [x, w].map { $0.requiringGradient() } : [x, w]
                let y = fused(inputs[0], inputs[1], b, c)
                let label =
                    "\(c.name), recording \(recording), \(threads) threads, wide lanes \(wide)"
                XCTAssertEqual(y.requiresGradient, recording, label)
                XCTAssertEqual(y.shape, expected.shape, label)
                // Equal up to where the bias enters the sum (BLAS may add it first) or, with
                // Winograd's transforms, up to their rounding.
                assertClose(y, expected, absoluteTolerance: c.tolerance, label)
            }
        }
    }

    func testAWeightChangedInPlaceIsTransformedAnew() {
        // Winograd's transformed weights are cached per weight in inference.
        let c = cases.first { $0.name == "Winograd, batch 1" }!
        let x = sample(c.input, seed: 70)
        var w = sample(c.weight, seed: 71)
        let b = sample([c.weight[0]], seed: 72)
        for _ in 0..<2 {
            let expected = withoutGradients { separate(x, w, b, c) }
            assertClose(withoutGradients { fused(x, w, b, c) }, expected, absoluteTolerance: 1e-5)
            w.withUnsafeMutableBufferPointer { w in
                for i in w.indices { w[i] *= -2 }
            }
        }
    }

    func testGradientsEqualTheSeparateOps() {
        for (index, c) in cases.enumerated() {
            let seed = UInt64(10 * index + 5)
            let inputs = [c.input, c.weight, [c.weight[0]]].enumerated().map {
                sample($1, seed: seed + UInt64($0))
            }
            var gradients: [[Tensor]] = []
            for op in [separate, fused] {
                let leaves = inputs.map { $0.requiringGradient() }
                let y = op(leaves[0], leaves[1], c.bias ? leaves[2] : nil, c)
                var generator = SplitMix64(seed: 3)
                (y * Tensor(randomUniform: y.shape, in: -1..<1, using: &generator)).sum()
                    .backward()
                gradients.append(leaves.prefix(c.bias ? 3 : 2).map { $0.gradient! })
            }
            for (separateGradient, fusedGradient) in zip(gradients[0], gradients[1]) {
                assertClose(fusedGradient, separateGradient, absoluteTolerance: 1e-5, c.name)
            }
        }
    }

    func testGradientsByFiniteDifferences() {
        // Inputs in −4…4 spread the pre-activations far apart compared with the finite-difference
        // step. A window whose two largest values lie within the step's reach would still spoil
        // the differences (of the separate ops too, as seeds 40–42 do); seeds 60–62 have none.
        checkGradients([
            sample([2, 2, 6, 4], seed: 60, in: -4..<4), sample([3, 2, 3, 3], seed: 61),
            sample([3], seed: 62),
        ]) {
            conv2dReLUMaxPool($0[0], weight: $0[1], bias: $0[2], padding: (1, 1), pool: (2, 2))
        }
        // Winograd's F(2×2, 3×3) forward pass, whose argmax routes the gradient.
        checkGradients([
            sample([1, 16, 4, 6], seed: 63, in: -4..<4), sample([3, 16, 3, 3], seed: 64),
            sample([3], seed: 65),
        ]) {
            conv2dReLUMaxPool($0[0], weight: $0[1], bias: $0[2], padding: (1, 1), pool: (2, 2))
        }
        checkGradients([
            sample([1, 2, 5, 5], seed: 43, in: -4..<4), sample([2, 2, 2, 2], seed: 44),
        ]) {
            conv2dReLUMaxPool(
                $0[0], weight: $0[1], pool: (3, 3), poolStride: (2, 2), poolPadding: (1, 1))
        }
    }
}
