// VectorMathTests.swift — CVectorMath's eˣ, σ, tanh, LSTM cell, 2×2 max pool and packed product, in
// every compiled copy the processor runs (baseline x86-64, AVX2+FMA, AVX-512), against
// Double-precision Foundation and plain loops.
import CVectorMath
import Foundation
import XCTest

final class VectorMathTests: XCTestCase {
    /// The copies this processor can run: the baseline, and the wider ones it has.
    var laneSettings: [Int32] { Array(GLIMPSE_LANES_BASELINE...glimpse_lanes_available()) }

    override func tearDown() {
        glimpse_allow_lanes(GLIMPSE_LANES_WIDEST)
        super.tearDown()
    }

    /// −20…20 in steps of 0.001 (a count that is no multiple of a vector width), and extremes.
    let inputs: [Float] =
        (0...40_001).map { Float($0) * 0.001 - 20 } + [-88, -87.5, -87, 0, 1e-30, 87, 88, 200]

    func testTanhIsWithinTwoTenMillionthsAbsolute() {
        for wide in laneSettings {
            glimpse_allow_lanes(wide)
            var output = [Float](repeating: .nan, count: inputs.count)
            glimpse_tanh(inputs, &output, inputs.count)
            var summed = [Float](repeating: .nan, count: inputs.count)
            let halves = inputs.map { $0 / 2 }  // exact: tanh(x/2 + x/2) = tanh x
            glimpse_tanh_of_sum(halves, halves, &summed, inputs.count)
            var worst = 0.0
            for (index, x) in inputs.enumerated() {
                worst = max(worst, abs(Double(output[index]) - Foundation.tanh(Double(x))))
                XCTAssertEqual(summed[index], output[index], "x \(x), wide \(wide)")
            }
            XCTAssertLessThanOrEqual(worst, 2e-7, "wide \(wide)")
        }
    }

    func testExpIsWithinThreeTenMillionthsRelativeAndLimitedAsExpf() {
        let x = (0...176_050).map { Float($0) * 0.001 - 87.33 }  // −87.33 … 88.72
        let limits: [(Float, Float)] = [
            (-87.4, 0), (-1e30, 0), (-.infinity, 0), (88.8, .infinity), (1e30, .infinity),
        ]
        for wide in laneSettings {
            glimpse_allow_lanes(wide)
            var output = [Float](repeating: .nan, count: x.count)
            glimpse_exp(x, &output, x.count)
            var worst = 0.0
            for (index, value) in x.enumerated() {
                let exact = Foundation.exp(Double(value))
                worst = max(worst, abs(Double(output[index]) - exact) / exact)
            }
            XCTAssertLessThanOrEqual(worst, 3e-7, "wide \(wide)")
            var limited = [Float](repeating: .nan, count: limits.count + 1)
            glimpse_exp(limits.map(\.0) + [.nan], &limited, limits.count + 1)
            for (index, (value, expected)) in limits.enumerated() {
                XCTAssertEqual(limited[index], expected, "x \(value), wide \(wide)")
            }
            XCTAssertTrue(limited[limits.count].isNaN, "NaN, wide \(wide)")
        }
    }

    func testSigmoidIsWithinOneAndAHalfTenMillionthsRelative() {
        let x = (0...160_001).map { Float($0) * 0.001 - 80 }
        for wide in laneSettings {
            glimpse_allow_lanes(wide)
            var output = [Float](repeating: .nan, count: x.count)
            glimpse_sigmoid(x, &output, x.count)
            var worst = 0.0
            for (index, value) in x.enumerated() {
                let exact = 1 / (1 + Foundation.exp(-Double(value)))
                worst = max(worst, abs(Double(output[index]) - exact) / exact)
            }
            XCTAssertLessThanOrEqual(worst, 1.5e-7, "wide \(wide)")
            // Clamped, not overflowing: σ(−200) is about 6·10⁻³⁹ and σ(200) is 1.
            var extremes = [Float](repeating: .nan, count: 2)
            glimpse_sigmoid([-200, 200], &extremes, 2)
            XCTAssertEqual(extremes[0], 0, accuracy: 1e-30)
            XCTAssertEqual(extremes[1], 1)
        }
    }

    func testLSTMForwardMatchesTheEquations() {
        let (rows, width) = (3, 37)
        // Deterministic values spread over −6…6 (gates) and −3…3 (cell); a gate stride wider
        // than the units reads a block of a wider layer's gates.
        let cell = (0..<(rows * width)).map { Float(3 * Foundation.cos(Double($0) * 0.61)) }
        func sigma(_ v: Float) -> Double { 1 / (1 + Foundation.exp(-Double(v))) }
        for (wide, stride) in laneSettings.flatMap({ w in [width, width + 5].map { (w, $0) } }) {
            glimpse_allow_lanes(wide)
            let gates = (0..<(rows * 4 * stride)).map {
                Float(6 * Foundation.sin(Double($0) * 0.37))
            }
            for saving in [false, true] {
                var hidden = [Float](repeating: .nan, count: rows * width)
                var newCell = hidden
                var saved = [Float](repeating: .nan, count: rows * 5 * width)
                saved.withUnsafeMutableBufferPointer { buffer in
                    glimpse_lstm_forward(
                        gates, stride, cell, &hidden, &newCell, saving ? buffer.baseAddress : nil,
                        rows, width)
                }
                for n in 0..<rows {
                    for j in 0..<width {
                        let a = n * 4 * stride + j
                        let i = sigma(gates[a])
                        let f = sigma(gates[a + stride])
                        let g = Foundation.tanh(Double(gates[a + 2 * stride]))
                        let o = sigma(gates[a + 3 * stride])
                        let c = f * Double(cell[n * width + j]) + i * g
                        let context =
                            "row \(n) unit \(j) wide \(wide) stride \(stride) saving \(saving)"
                        XCTAssertEqual(Double(newCell[n * width + j]), c, accuracy: 1e-6, context)
                        XCTAssertEqual(
                            Double(hidden[n * width + j]), o * Foundation.tanh(c), accuracy: 1e-6,
                            context)
                        guard saving else { continue }
                        let s = n * 5 * width + j
                        for (k, value) in [i, f, g, o, Foundation.tanh(c)].enumerated() {
                            XCTAssertEqual(
                                Double(saved[s + k * width]), value, accuracy: 1e-6, context)
                        }
                    }
                }
            }
        }
    }

    func testMaxPool2x2MatchesAPlainLoopWithTiesAndNaN() {
        // 7 × 37: odd sizes drop the last row and column; 18 windows per row is no multiple of
        // a vector width. Values from a small set make ties common; a few NaNs must propagate.
        let (height, width) = (7, 37)
        var plane = (0..<(height * width)).map { Float(($0 * 7919) % 5) - 2 }
        for index in [0, 41, 42, 113, 200] { plane[index] = .nan }
        let (rows, columns) = (height / 2, width / 2)
        var expected = [Float](repeating: 0, count: rows * columns)
        var expectedArgmax = [Int32](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns {
                let window = [0, 1, width, width + 1].map { 2 * i * width + 2 * j + $0 }
                let best =
                    window.first { plane[$0].isNaN }
                    ?? window.first { plane[$0] == window.map { plane[$0] }.max() }!
                expected[i * columns + j] = plane[best]
                expectedArgmax[i * columns + j] = Int32(best)
            }
        }
        for wide in laneSettings {
            glimpse_allow_lanes(wide)
            var output = [Float](repeating: 99, count: rows * columns)
            var argmax = [Int32](repeating: -1, count: rows * columns)
            glimpse_max_pool_2x2(plane, height, width, &output, &argmax)
            XCTAssertEqual(argmax, expectedArgmax, "wide \(wide)")
            var withoutArgmax = [Float](repeating: 99, count: rows * columns)
            glimpse_max_pool_2x2(plane, height, width, &withoutArgmax, nil)
            for (index, value) in expected.enumerated() {
                XCTAssertEqual(
                    output[index].bitPattern, value.bitPattern, "[\(index)] wide \(wide)")
                XCTAssertEqual(
                    withoutArgmax[index].bitPattern, value.bitPattern, "[\(index)] wide \(wide)")
            }
        }
    }

    func testPackedProductMatchesADoubleProduct() {
        // Every row count up to two 6-row blocks and a remainder; columns that fill one panel,
        // leave a partial one, or are fewer than a panel; strides wider than the rows.
        for (m, n, k) in [(13, 37, 29), (1, 16, 8), (6, 5, 3), (4, 48, 1)] {
            let (lda, ldc) = (k + 3, n + 2)
            let a = (0..<(m * lda)).map { Float(Foundation.sin(Double($0) * 0.61)) }
            let w = (0..<(n * k)).map { Float(Foundation.cos(Double($0) * 0.37)) }  // [n, k]
            let initial = (0..<(m * ldc)).map { Float($0 % 7) - 3 }
            for (transposed, strides) in [(true, (1, k)), (false, (n, 1))] {
                // B [k, n] is wᵀ, stored as w itself or as a row-major copy of wᵀ.
                let b =
                    transposed
                    ? w : (0..<(k * n)).map { index in w[(index % n) * k + index / n] }
                var packed = [Float](repeating: .nan, count: glimpse_packed_count(k, n))
                glimpse_pack(b, k, n, strides.0, strides.1, &packed)
                for wide in laneSettings {
                    glimpse_allow_lanes(wide)
                    // Accumulating into C, or overwriting its n columns.
                    for accumulate in [true, false] {
                        var c = initial
                        glimpse_packed_product(a, lda, packed, &c, ldc, m, n, k, accumulate ? 1 : 0)
                        let expected = Self.product(
                            a, lda: lda, w, n: n, k: k, into: initial, ldc: ldc,
                            accumulating: accumulate)
                        for (index, value) in expected.enumerated() {
                            XCTAssertEqual(
                                Double(c[index]), value, accuracy: 1e-5,
                                "m \(m) n \(n) k \(k) [\(index / ldc), \(index % ldc)] wide \(wide)"
                                    + " accumulate \(accumulate)")
                        }
                    }
                }
            }
        }
    }

    func testPackedProductSweepMatchesADoubleProductAndAVX2BitForBit() {
        // Every row count through two blocks of 8 (AVX-512 pairs) and of 12 (a lone last
        // panel), every column count through two pairs of panels and a partial third, depths
        // of 1, 5 and 19.
        let lanes = laneSettings.filter { $0 >= GLIMPSE_LANES_WIDE }
        guard !lanes.isEmpty else { return }
        for k in [1, 5, 19] {
            for n in 1...66 {
                let w = (0..<(n * k)).map { Float(Foundation.cos(Double($0) * 0.37)) }  // [n, k]
                var packed = [Float](repeating: .nan, count: glimpse_packed_count(k, n))
                glimpse_pack(w, k, n, 1, k, &packed)
                for m in 1...25 {
                    let (lda, ldc) = (k + 1, n + 3)
                    let a = (0..<(m * lda)).map { Float(Foundation.sin(Double($0 + n) * 0.61)) }
                    let initial = (0..<(m * ldc)).map { Float($0 % 5) - 2 }
                    for accumulate in [true, false] {
                        let results = lanes.map { level in
                            glimpse_allow_lanes(level)
                            var c = initial
                            glimpse_packed_product(
                                a, lda, packed, &c, ldc, m, n, k, accumulate ? 1 : 0)
                            return c
                        }
                        let label = "m \(m) n \(n) k \(k) accumulate \(accumulate)"
                        for c in results.dropFirst() {
                            XCTAssertEqual(
                                c.map(\.bitPattern), results[0].map(\.bitPattern), label)
                        }
                        let c = results[results.count - 1]
                        let expected = Self.product(
                            a, lda: lda, w, n: n, k: k, into: initial, ldc: ldc,
                            accumulating: accumulate)
                        for (index, value) in expected.enumerated()
                        where abs(Double(c[index]) - value) > 1e-5 {
                            XCTFail(
                                "\(label) [\(index / ldc), \(index % ldc)]: \(c[index]), not \(value)"
                            )
                            return
                        }
                    }
                }
            }
        }
    }

    /// C (+)= A·wᵀ in Double: A [m, k] with row stride lda, w [n, k], C's rows of ldc ≥ n (the
    /// columns past n keep `initial`'s values).
    static func product(
        _ a: [Float], lda: Int, _ w: [Float], n: Int, k: Int, into initial: [Float], ldc: Int,
        accumulating: Bool
    ) -> [Double] {
        (0..<initial.count).map { index in
            let (i, j) = (index / ldc, index % ldc)
            var sum = accumulating || j >= n ? Double(initial[index]) : 0
            if j < n {
                for kk in 0..<k { sum += Double(a[i * lda + kk]) * Double(w[j * k + kk]) }
            }
            return sum
        }
    }
}
