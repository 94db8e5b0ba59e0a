// LSTMStepTests.swift — one LSTM step (lstmStep), and the step of a decoder reading words
// (lstmStep(words:…)): in inference, the fused few-row kernel and the projected words it reuses
// against the equations evaluated in Double; when recording, gradients by finite differences.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class LSTMStepTests: XCTestCase {
    /// h′ and c′ from the nn.LSTMCell equations, in Double.
    func reference(
        _ x: Tensor, _ h: Tensor, _ c: Tensor, _ wIH: Tensor, _ bias: Tensor?, _ wHH: Tensor
    ) -> (hidden: [Float], cell: [Float]) {
        let (rows, width, depth) = (h.shape[0], h.shape[1], x.shape[1])
        let (xs, hs, cs) = (x.scalars, h.scalars, c.scalars)
        let (wi, wh, b) = (wIH.scalars, wHH.scalars, bias?.scalars)
        func sigma(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var (hidden, cell) = ([Float](), [Float]())
        for n in 0..<rows {
            func gate(_ q: Int, _ j: Int) -> Double {
                let g = q * width + j
                var total = Double(b?[g] ?? 0)
                for k in 0..<depth {
                    total += Double(xs[n * depth + k]) * Double(wi[g * depth + k])
                }
                for k in 0..<width {
                    total += Double(hs[n * width + k]) * Double(wh[g * width + k])
                }
                return total
            }
            for j in 0..<width {
                let (i, f) = (sigma(gate(0, j)), sigma(gate(1, j)))
                let (g, o) = (tanh(gate(2, j)), sigma(gate(3, j)))
                let newCell = f * Double(cs[n * width + j]) + i * g
                cell.append(Float(newCell))
                hidden.append(Float(o * tanh(newCell)))
            }
        }
        return (hidden, cell)
    }

    /// h′ and c′ within 1e-5 of the reference.
    func assertStep(
        _ actual: (hidden: Tensor, cell: Tensor), _ expected: (hidden: [Float], cell: [Float]),
        _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertClose(
            actual.hidden.scalars, expected.hidden, absoluteTolerance: 1e-5, "\(label): h",
            file: file, line: line)
        assertClose(
            actual.cell.scalars, expected.cell, absoluteTolerance: 1e-5, "\(label): c",
            file: file, line: line)
    }

    func testInferenceMatchesTheEquations() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // (rows, input, hidden): 4·128·(128 + 128) = 2¹⁷ weights split by gate columns on two
        // threads, as do 30 rows of a smaller step (over 2 MFLOP); the small shapes run on one;
        // 65 rows run `Recurrence` and the cell.
        for (rows, input, hidden) in [
            (1, 128, 128), (3, 128, 128), (30, 40, 80), (2, 5, 7), (4, 3, 1), (65, 5, 6),
        ] {
            let x = sample([rows, input], seed: 1)
            let h = sample([rows, hidden], seed: 2)
            let c = sample([rows, hidden], seed: 3)
            let wIH = sample([4 * hidden, input], seed: 4, in: -0.2..<0.2)
            let wHH = sample([4 * hidden, hidden], seed: 5, in: -0.2..<0.2)
            for bias in [sample([4 * hidden], seed: 6), nil] {
                let expected = reference(x, h, c, wIH, bias, wHH)
                for threads in [1, 2] {
                    Parallelism.threadCount = threads
                    let actual = withoutGradients {
                        lstmStep(
                            input: x, hidden: h, cell: c, inputWeight: wIH, bias: bias,
                            weight: wHH)
                    }
                    let label =
                        "N \(rows) in \(input) H \(hidden) bias \(bias != nil), \(threads) threads"
                    assertStep(actual, expected, label)
                }
            }
        }
    }

    func testGradientsByFiniteDifferences() {
        // The numeric side evaluates the step without recording, through the fused kernel.
        let inputs = [
            sample([2, 3], seed: 10), sample([2, 4], seed: 11), sample([2, 4], seed: 12),
            sample([16, 3], seed: 13), sample([16], seed: 14), sample([16, 4], seed: 15),
        ]
        checkGradients(inputs) { x in
            let (h, c) = lstmStep(
                input: x[0], hidden: x[1], cell: x[2], inputWeight: x[3], bias: x[4],
                weight: x[5])
            return concat([h, c], axis: 1)
        }
    }

    /// The word step against the equations on [E[words]; x], each word's first step (its product
    /// with W_ih's first columns computed) and a later one (reused), with a word repeated within
    /// a step of several rows; the 2¹⁷-weight shapes split on two threads; a step of 65 rows runs
    /// the separate ops on the concatenated input.
    func testWordStepMatchesTheEquations() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // (rows, words' dimension, other inputs, hidden)
        for (rows, dimension, others, hidden) in [
            (1, 64, 64, 128), (5, 64, 64, 128), (1, 6, 0, 5), (1, 5, 3, 7), (3, 6, 4, 5),
            (65, 6, 4, 5),
        ] {
            let embedding = sample([10, dimension], seed: 20)
            let wIH = sample([4 * hidden, dimension + others], seed: 21, in: -0.2..<0.2)
            let wHH = sample([4 * hidden, hidden], seed: 22, in: -0.2..<0.2)
            let bias = sample([4 * hidden], seed: 23)
            for (threads, sequence) in [(1, [[2, 5, 2]]), (2, [[7, 9, 7]])] {
                Parallelism.threadCount = threads
                for (step, word) in sequence[0].enumerated() {
                    let words = (0..<rows).map { (word + $0 / 2) % 10 }
                    let x = sample([rows, others], seed: UInt64(30 + step))
                    let h = sample([rows, hidden], seed: UInt64(40 + step))
                    let c = sample([rows, hidden], seed: UInt64(50 + step))
                    let input = concat([gather(embedding, indices: words), x], axis: 1)
                    let expected = reference(input, h, c, wIH, bias, wHH)
                    let actual = withoutGradients {
                        lstmStep(
                            words: words, embedding: embedding, input: x, hidden: h, cell: c,
                            inputWeight: wIH, bias: bias, weight: wHH)
                    }
                    let label =
                        "N \(rows) M \(dimension) in \(others) H \(hidden), \(threads) threads, "
                        + "step \(step) words \(words)"
                    assertStep(actual, expected, label)
                }
            }
        }
    }

    /// The packed weights and projected words belong to the weights they came from: changing a
    /// weight in place makes them anew, for the word step and the plain one-row step alike.
    func testOneRowStepsFollowWeightsChangedInPlace() {
        var embedding = sample([4, 3], seed: 60)
        var wIH = sample([8, 5], seed: 61, in: -0.5..<0.5)
        var wHH = sample([8, 2], seed: 62, in: -0.5..<0.5)
        let (x, h, c) = (
            sample([1, 2], seed: 63), sample([1, 2], seed: 64), sample([1, 2], seed: 65)
        )
        func change(_ weight: inout Tensor) {
            weight.withUnsafeMutableBufferPointer { w in
                for i in w.indices { w[i] = 0.25 - w[i] }
            }
        }
        for changed in ["nothing", "E", "W_ih", "W_hh"] {
            switch changed {
            case "E": change(&embedding)
            case "W_ih": change(&wIH)
            case "W_hh": change(&wHH)
            default: break
            }
            let input = concat([gather(embedding, indices: [3]), x], axis: 1)
            let expected = reference(input, h, c, wIH, nil, wHH)
            let (fromWords, plain) = withoutGradients {
                (
                    lstmStep(
                        words: [3], embedding: embedding, input: x, hidden: h, cell: c,
                        inputWeight: wIH, bias: nil, weight: wHH),
                    lstmStep(
                        input: input, hidden: h, cell: c, inputWeight: wIH, bias: nil,
                        weight: wHH)
                )
            }
            assertStep(fromWords, expected, "word step after changing \(changed)")
            assertStep(plain, expected, "plain step after changing \(changed)")
        }
    }

    func testWordStepGradientsByFiniteDifferences() {
        // One row: the numeric side runs the inference kernel with its projected words.
        let inputs = [
            sample([3, 2], seed: 70), sample([1, 3], seed: 71), sample([1, 4], seed: 72),
            sample([1, 4], seed: 73), sample([16, 5], seed: 74), sample([16], seed: 75),
            sample([16, 4], seed: 76),
        ]
        checkGradients(inputs) { x in
            let (h, c) = lstmStep(
                words: [1], embedding: x[0], input: x[1], hidden: x[2], cell: x[3],
                inputWeight: x[4], bias: x[5], weight: x[6])
            return concat([h, c], axis: 1)
        }
    }
}
