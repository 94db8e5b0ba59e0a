import CVectorMath
// ConvolutionTests.swift — conv2d: values by hand and against naive numpy loops
// (Tests/GlimpseLayersTests/reference/conv_pool_reference.py), gradients by finite differences.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

/// One case of fixtures/reference/conv_pool.json.
struct ConvPoolCase: Decodable {
    var name: String
    var op: String
    var inputShape: [Int]
    var weightShape: [Int]?
    var kernel: [Int]?
    var stride: [Int]
    var padding: [Int]
    var expectedShape: [Int]
    var expected: [Float]

    /// The cases of the reference file whose op is `op`.
    static func load(op: String) throws -> [ConvPoolCase] {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("reference/conv_pool.json")))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode([ConvPoolCase].self, from: data).filter { $0.op == op }
    }

    /// x[i] = sin(0.37·i) over the flat index, as the reference script builds it.
    var input: Tensor { formulaTensor(inputShape) { sin(0.37 * $0) } }
}

/// A tensor of `shape` whose element at flat index i is `f(i)` rounded to Float.
func formulaTensor(_ shape: [Int], _ f: (Double) -> Double) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { Float(f(Double($0))) })
}

final class ConvolutionTests: XCTestCase {
    func testConvolutionByHand() {
        // x = 1…9 as a 3×3 image, w = [[1, 0], [0, 1]]: y[i, j] = x[i, j] + x[i+1, j+1].
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, 1])
        let y = conv2d(x, weight: w, bias: Tensor([0.5]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        assertClose(y.scalars, [6.5, 8.5, 12.5, 14.5])
        // Padding 1 and stride 2 read zeros at the border: corners see one or two pixels.
        let padded = conv2d(x, weight: w, stride: (2, 2), padding: (1, 1))
        XCTAssertEqual(padded.shape, [1, 1, 2, 2])
        assertClose(padded.scalars, [1, 3, 7, 14])
    }

    func testOutputSizeIsFloorOfTheWindowCount() {
        let x = Tensor.zeros([1, 2, 7, 6])
        let shape = { (kernel: [Int], stride: (Int, Int), padding: (Int, Int)) in
            conv2d(x, weight: .zeros([3, 2] + kernel), stride: stride, padding: padding).shape
        }
        XCTAssertEqual(shape([3, 3], (2, 2), (1, 1)), [1, 3, 4, 3])  // ⌊(7+2−3)/2⌋+1, ⌊(6+2−3)/2⌋+1
        XCTAssertEqual(shape([3, 2], (2, 1), (1, 0)), [1, 3, 4, 5])
        XCTAssertEqual(shape([7, 6], (1, 1), (0, 0)), [1, 3, 1, 1])
        XCTAssertEqual(shape([1, 1], (3, 4), (0, 0)), [1, 3, 3, 2])
    }

    func testPointwiseConvolutionIsAChannelProduct() {
        // A 1×1 kernel mixes channels at each pixel: y[n, :, p] = W·x[n, :, p] + b.
        let x = sample([2, 3, 2, 2], seed: 11)
        let w = sample([4, 3, 1, 1], seed: 12)
        let b = sample([4], seed: 13)
        let y = conv2d(x, weight: w, bias: b)
        let pixels = x.reshaped(to: [2, 3, 4]).permuted([0, 2, 1]).reshaped(to: [8, 3])
        let expected = (matmul(pixels, w.reshaped(to: [4, 3]), transposeB: true) + b)
            .reshaped(to: [2, 4, 4]).permuted([0, 2, 1]).reshaped(to: [2, 4, 2, 2])
        assertClose(y, expected)
    }

    /// Values from conv_pool_reference.py: naive float64 loops in numpy.
    func testMatchesNumpyReference() throws {
        let cases = try ConvPoolCase.load(op: "conv2d")
        XCTAssertEqual(cases.count, 2)
        for c in cases {
            let weightShape = try XCTUnwrap(c.weightShape)
            let w = formulaTensor(weightShape) { cos(0.11 * $0) }
            let b = Tensor((0..<weightShape[0]).map { 0.1 * Float($0) - 0.2 })
            let y = conv2d(
                c.input, weight: w, bias: b, stride: (c.stride[0], c.stride[1]),
                padding: (c.padding[0], c.padding[1]))
            XCTAssertEqual(y.shape, c.expectedShape, c.name)
            assertClose(y.scalars, c.expected, absoluteTolerance: 2e-5, c.name)
        }
    }

    func testGradientsWithStridePaddingAndNonSquareKernel() {
        // Batch 2, kernel 3×2, stride 2, padding 1, with bias.
        checkGradients([
            sample([2, 2, 5, 4], seed: 1), sample([3, 2, 3, 2], seed: 2), sample([3], seed: 3),
        ]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        }
        // Different stride and padding per axis, no bias.
        checkGradients([sample([2, 3, 6, 5], seed: 4), sample([2, 3, 2, 3], seed: 5)]) {
            conv2d($0[0], weight: $0[1], stride: (1, 2), padding: (0, 1))
        }
    }

    func testGradientsWithSamePadding() {
        // Stride 1 with OW = W takes the kernels' contiguous-run path; the kernel is non-square
        // and the edge columns that read padding differ per kernel column.
        checkGradients([
            sample([2, 2, 4, 5], seed: 14), sample([3, 2, 3, 5], seed: 15), sample([3], seed: 16),
        ]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 2))
        }
        // Padding taller than the kernel: whole output rows read nothing but padding.
        checkGradients([sample([1, 2, 3, 4], seed: 17), sample([2, 2, 1, 3], seed: 18)]) {
            conv2d($0[0], weight: $0[1], padding: (2, 1))
        }
    }

    func testGradientsByWinograd() {
        // A 3×3 "same" convolution of an even-sized input takes its input gradient by Winograd's
        // F(2×2, 3×3) from 16 outputs on, and its weight gradient by F(3×3, 2×2) from 16 input
        // channels and outputs on: batch 2 (images across threads, the weight gradient summed
        // over chunks), a lone image (its tile rows across threads), 5, 1 and 2 tiles a row.
        let cases: [(input: [Int], outputs: Int, seed: UInt64)] = [
            ([2, 3, 6, 10], 17, 20), ([1, 2, 8, 2], 17, 23), ([2, 16, 4, 4], 16, 26),
            ([1, 17, 2, 6], 16, 29),
        ]
        for c in cases {
            checkGradients([
                sample(c.input, seed: c.seed),
                sample([c.outputs, c.input[1], 3, 3], seed: c.seed + 1),
                sample([c.outputs], seed: c.seed + 2),
            ]) {
                conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1))
            }
        }
    }

    func testWinogradConvolutionMatchesItsDefinition() {
        // 3×3 "same" convolutions of 16 or more channels run Winograd's F(2×2, 3×3): batch 2
        // (images across threads), and a lone image of 17 tile rows in bands (across threads),
        // each in inference (cached transformed weights) and while recording, with both compiled
        // copies of the transforms.
        defer { glimpse_allow_lanes(GLIMPSE_LANES_WIDEST) }
        for (input, outputs, seed) in [([2, 16, 6, 10], 5, UInt64(50)), ([1, 17, 34, 12], 3, 53)] {
            let (channels, height, width) = (input[1], input[2], input[3])
            let x = sample(input, seed: seed)
            let weight = sample([outputs, channels, 3, 3], seed: seed + 1)
            let bias = sample([outputs], seed: seed + 2)
            let (xs, ws, bs) = (x.scalars, weight.scalars, bias.scalars)
            var expected = [Float]()
            for n in 0..<input[0] {
                for o in 0..<outputs {
                    for i in 0..<height {
                        for j in 0..<width {
                            var sum = Double(bs[o])
                            for c in 0..<channels {
                                for u in 0..<3 {
                                    for v in 0..<3 {
                                        let (row, column) = (i + u - 1, j + v - 1)
                                        guard row >= 0, row < height, column >= 0, column < width
                                        else { continue }
                                        sum +=
                                            Double(ws[((o * channels + c) * 3 + u) * 3 + v])
                                            * Double(
                                                xs[
                                                    ((n * channels + c) * height + row) * width
                                                        + column])
                                    }
                                }
                            }
                            expected.append(Float(sum))
                        }
                    }
                }
            }
            for (recording, wide) in [
                (false, GLIMPSE_LANES_WIDEST), (false, 1), (false, 0), (true, 2),
            ] {
                glimpse_allow_lanes(wide)
                let w = recording ? weight.requiringGradient() : weight
                let y = conv2d(x, weight: w, bias: bias, padding: (1, 1))
                assertClose(
                    y.scalars, expected, absoluteTolerance: 1e-5,
                    "\(input), recording \(recording), wide \(wide)")
            }
        }
    }

    func testWinogradWeightGradientOfAManyTileImageMatchesItsDefinition() {
        // 17 × 17 = 289 tiles: the weight gradient runs in two bands of tile rows (15 and 2).
        let (channels, outputs, size) = (16, 16, 34)
        let x = sample([1, channels, size, size], seed: 40)
        let weight = sample([outputs, channels, 3, 3], seed: 41).requiringGradient()
        let dy = sample([1, outputs, size, size], seed: 42)
        (conv2d(x, weight: weight, padding: (1, 1)) * dy).sum().backward()
        // dW[o, c, u, v] = Σ_{i,j} dy[o, i, j]·x[c, i + u − 1, j + v − 1], in Double.
        let (xs, dys) = (x.scalars, dy.scalars)
        var expected = [Float]()
        for o in 0..<outputs {
            for c in 0..<channels {
                for u in 0..<3 {
                    for v in 0..<3 {
                        var sum = 0.0
                        for i in 0..<size {
                            for j in 0..<size {
                                let (row, column) = (i + u - 1, j + v - 1)
                                guard row >= 0, row < size, column >= 0, column < size else {
                                    continue
                                }
                                sum +=
                                    Double(dys[(o * size + i) * size + j])
                                    * Double(xs[(c * size + row) * size + column])
                            }
                        }
                        expected.append(Float(sum))
                    }
                }
            }
        }
        assertClose(weight.gradient!.scalars, expected, absoluteTolerance: 1e-3)
    }

    func testGradientsOfPointwiseConvolution() {
        checkGradients([
            sample([2, 3, 3, 2], seed: 6), sample([2, 3, 1, 1], seed: 7), sample([2], seed: 8),
        ]) {
            conv2d($0[0], weight: $0[1], bias: $0[2])
        }
    }

    func testOnlyInputsThatRequireGradientsReceiveThem() {
        let x = sample([1, 2, 4, 4], seed: 9)
        let w = sample([2, 2, 3, 3], seed: 10).requiringGradient()
        conv2d(x, weight: w, padding: (1, 1)).sum().backward()
        XCTAssertEqual(w.gradient?.shape, [2, 2, 3, 3])
        XCTAssertFalse(withoutGradients { conv2d(x, weight: w) }.requiresGradient)
    }
}
