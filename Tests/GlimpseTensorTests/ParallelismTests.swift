// Work split across threads gives the single-threaded results: large products split by rows or
// columns (every transpose flag), few-row and one-column products (matrix–vector), and
// convolution and pooling split by image.
import GlimpseTensor
import TestSupport
import XCTest

final class ParallelismTests: XCTestCase {
    /// Runs `body` with `Parallelism.threadCount` set to `threads`, restoring it afterwards.
    func with<R>(threads: Int, _ body: () -> R) -> R {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = threads
        return body()
    }

    /// Σ_k op(A)[i, k]·op(B)[k, j] in Double, independent of BLAS.
    func naiveProduct(
        _ a: Tensor, _ transposeA: Bool, _ b: Tensor, _ transposeB: Bool
    ) -> [Float] {
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transposeB ? b.shape[0] : b.shape[1]
        let (x, y) = (a.scalars, b.scalars)
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k {
                    let left = transposeA ? x[p * m + i] : x[i * k + p]
                    let right = transposeB ? y[j * k + p] : y[p * n + j]
                    total += Double(left) * Double(right)
                }
                c[i * n + j] = Float(total)
            }
        }
        return c
    }

    func testSplitProductsMatchANaiveProduct() {
        // 2·m·n·k ≥ 2²¹ so the product is split: tall (by rows) and wide (by columns), with
        // extents that are not multiples of the 16-row alignment.
        for (m, n, k) in [(203, 37, 300), (21, 517, 250)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = sample(transposeA ? [k, m] : [m, k], seed: 1)
                    let b = sample(transposeB ? [n, k] : [k, n], seed: 2)
                    let split = with(threads: 2) {
                        matmul(a, b, transposeA: transposeA, transposeB: transposeB)
                    }
                    XCTAssertEqual(split.shape, [m, n])
                    assertClose(
                        split.scalars, naiveProduct(a, transposeA, b, transposeB),
                        absoluteTolerance: 1e-4, relativeTolerance: 1e-4,
                        "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB \(transposeB)")
                }
            }
        }
    }

    func testFewRowAndOneColumnProductsMatchANaiveProduct() {
        // These run as matrix–vector products (up to 4 rows, or one column): small ones on one
        // thread, and ones of ≥ 2²¹ flops split by columns (few rows) or by rows (one column);
        // few-row products with a matrix of ≥ 2¹⁷ elements split by columns whatever their flops.
        let shapes = [
            (1, 5, 3), (3, 7, 5), (4, 1, 3), (1, 2051, 520), (4, 2051, 520), (2051, 1, 520),
            (1, 1, 7), (2, 301, 500),
        ]
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = sample(transposeA ? [k, m] : [m, k], seed: 4)
                    let b = sample(transposeB ? [n, k] : [k, n], seed: 5)
                    for threads in [1, 2] {
                        let product = with(threads: threads) {
                            matmul(a, b, transposeA: transposeA, transposeB: transposeB)
                        }
                        assertClose(
                            product.scalars, naiveProduct(a, transposeA, b, transposeB),
                            absoluteTolerance: 1e-4, relativeTolerance: 1e-4,
                            "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB "
                                + "\(transposeB) threads \(threads)")
                    }
                }
            }
        }
    }

    func testOneRowRecurrenceAddsItsProductToTheInputs() {
        // A batch of one: Rₜ = x̃ₜ + h·W_hhᵀ accumulates a matrix–vector product into x̃ₜ.
        let weight = sample([600, 300], seed: 6)
        let inputs = sample([2, 1, 600], seed: 7)
        let hidden = sample([1, 300], seed: 8)
        for threads in [1, 2] {
            let step = with(threads: threads) {
                Recurrence(weight: weight, projected: inputs)(step: 1, hidden)
            }
            let expected = zip(
                inputs.unstacked()[1].scalars, naiveProduct(hidden, false, weight, true)
            ).map(+)
            assertClose(
                step.scalars, expected, absoluteTolerance: 1e-4, relativeTolerance: 1e-4,
                "threads \(threads)")
        }
    }

    func testConvolutionAndPoolingSplitByImageMatchOneThread() {
        let x = sample([5, 3, 12, 10], seed: 3).requiringGradient()
        let weight = sample([4, 3, 3, 3], seed: 4).requiringGradient()
        let bias = sample([4], seed: 5).requiringGradient()
        func run(threads: Int) -> [[Float]] {
            with(threads: threads) {
                let y = maxPool2d(
                    conv2d(x, weight: weight, bias: bias, padding: (1, 1)), kernel: (2, 2),
                    stride: (2, 2))
                (y * y).sum().backward()
                defer {
                    for t in [x, weight, bias] { t.zeroGradient() }
                }
                return [
                    y.scalars, x.gradient!.scalars, weight.gradient!.scalars,
                    bias.gradient!.scalars,
                ]
            }
        }
        let one = run(threads: 1)
        let two = run(threads: 2)
        for (index, name) in ["output", "input gradient", "weight gradient", "bias gradient"]
            .enumerated()
        {
            // Only the weight gradient's sum over images is reordered.
            assertClose(
                two[index], one[index], absoluteTolerance: 1e-5, relativeTolerance: 1e-5, name)
        }
    }

    func testReLUSplitAcrossThreadsMatchesItsDefinition() {
        // 300 000 elements: more than two 65 536-element chunks.
        let x = sample([300, 1000], seed: 10).requiringGradient()
        let upstream = sample([300, 1000], seed: 11)
        let y = with(threads: 2) { relu(x) }
        with(threads: 2) { (y * upstream).sum().backward() }
        XCTAssertEqual(y.scalars, x.scalars.map { max($0, 0) })
        XCTAssertEqual(
            x.gradient!.scalars, zip(x.scalars, upstream.scalars).map { $0 > 0 ? $1 : 0 })
    }
}
