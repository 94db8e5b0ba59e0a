// LSTMStepTests.swift — one LSTM step (lstmStep): in inference, the fused few-row kernel against
// the equations evaluated in Double; when recording, gradients by finite differences.
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

    func testInferenceMatchesTheEquations() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // (rows, input, hidden): 4·128·(128 + 128) = 2¹⁷ weights split by gate columns on two
        // threads; the small shapes run on one.
        for (rows, input, hidden) in [(1, 128, 128), (3, 128, 128), (2, 5, 7), (4, 3, 1)] {
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
                    assertClose(
                        actual.hidden.scalars, expected.hidden, absoluteTolerance: 1e-5,
                        "\(label): h")
                    assertClose(
                        actual.cell.scalars, expected.cell, absoluteTolerance: 1e-5, "\(label): c")
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
}
