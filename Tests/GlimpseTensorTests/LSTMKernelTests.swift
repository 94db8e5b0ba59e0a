// LSTMKernelTests.swift — the fused LSTM cell, unstacked() and Recurrence: values against the
// equations, gradients against finite differences, and the multi-output gradient plumbing.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class LSTMKernelTests: XCTestCase {
    /// (h′, c′) from the equations with libm, in Double.   gates: [N, 4H], cell: [N, H]
    func referenceCell(gates: Tensor, cell: Tensor) -> (hidden: [Float], cell: [Float]) {
        let (rows, width) = (cell.shape[0], cell.shape[1])
        let (a, c) = (gates.scalars.map(Double.init), cell.scalars.map(Double.init))
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var (hidden, newCell) = ([Float](), [Float]())
        for n in 0..<rows {
            for j in 0..<width {
                let base = n * 4 * width + j
                let i = sigmoid(a[base])
                let f = sigmoid(a[base + width])
                let g = Foundation.tanh(a[base + 2 * width])
                let o = sigmoid(a[base + 3 * width])
                let c2 = f * c[n * width + j] + i * g
                newCell.append(Float(c2))
                hidden.append(Float(o * Foundation.tanh(c2)))
            }
        }
        return (hidden, newCell)
    }

    func testForwardMatchesEquations() {
        // Pre-activations up to ±12 reach the saturated ends of σ and tanh.
        let gates = sample([3, 20], seed: 1, in: -12..<12)
        let cell = sample([3, 5], seed: 2, in: -3..<3)
        let (hidden, newCell) = lstmCell(gates: gates, cell: cell)
        let expected = referenceCell(gates: gates, cell: cell)
        XCTAssertEqual(hidden.shape, [3, 5])
        assertClose(
            hidden.scalars, expected.hidden, absoluteTolerance: 1e-6, relativeTolerance: 1e-6)
        assertClose(
            newCell.scalars, expected.cell, absoluteTolerance: 1e-6, relativeTolerance: 1e-6)
    }

    func testForwardIsFiniteForExtremePreActivations() {
        let gates = Tensor(shape: [1, 8], scalars: [-200, 200, -1e30, 1e30, 90, -90, 1e-8, -1e-8])
        let (hidden, cell) = lstmCell(gates: gates, cell: Tensor(shape: [1, 2], scalars: [1, -1]))
        XCTAssertTrue((hidden.scalars + cell.scalars).allSatisfy(\.isFinite))
        let expected = referenceCell(gates: gates, cell: Tensor(shape: [1, 2], scalars: [1, -1]))
        assertClose(cell.scalars, expected.cell, absoluteTolerance: 1e-6)
        assertClose(hidden.scalars, expected.hidden, absoluteTolerance: 1e-6)
    }

    func testGradientsOfGatesAndCell() {
        let gates = sample([2, 12], seed: 3, in: -2..<2)
        let cell = sample([2, 3], seed: 4, in: -1.5..<1.5)
        // Both outputs, each alone (the other's gradient is then absent, not zero-filled).
        checkGradients([gates, cell]) { inputs in
            let (h, c) = lstmCell(gates: inputs[0], cell: inputs[1])
            return concat([h, c * 0.5], axis: 1)
        }
        checkGradients([gates, cell]) { inputs in lstmCell(gates: inputs[0], cell: inputs[1]).hidden
        }
        checkGradients([gates, cell]) { inputs in lstmCell(gates: inputs[0], cell: inputs[1]).cell }
        // Only one input requiring gradients.
        checkGradients([gates]) { inputs in lstmCell(gates: inputs[0], cell: cell).hidden * 2 }
    }

    func testGradientsThroughTwoChainedCells() {
        // c′ of the first cell feeds the second; h′ of both reaches the loss.
        let gates = sample([2, 2, 8], seed: 5, in: -2..<2)
        let cell = sample([2, 2], seed: 6)
        checkGradients([gates, cell]) { inputs in
            let steps = inputs[0].unstacked()
            let first = lstmCell(gates: steps[0], cell: inputs[1])
            let feedback = concat(Array(repeating: first.hidden, count: 4), axis: 1)  // [2, 8]
            let second = lstmCell(gates: steps[1] + feedback, cell: first.cell)
            return concat([first.hidden, second.hidden, second.cell], axis: 1)
        }
    }

    func testBackwardTwiceAccumulatesTwice() {
        let gates = sample([2, 8], seed: 7).requiringGradient()
        let cell = sample([2, 2], seed: 8).requiringGradient()
        let (h, c) = lstmCell(gates: gates, cell: cell)
        let loss = (h * 3 + c).sum()
        loss.backward()
        let once = (gates.gradient!.scalars, cell.gradient!.scalars)
        loss.backward()
        assertClose(gates.gradient!.scalars, once.0.map { 2 * $0 })
        assertClose(cell.gradient!.scalars, once.1.map { 2 * $0 })
    }

    func testInferenceModeRecordsNothing() {
        let gates = sample([2, 8], seed: 9).requiringGradient()
        let (h, c) = withoutGradients { lstmCell(gates: gates, cell: .zeros([2, 2])) }
        XCTAssertFalse(h.requiresGradient || c.requiresGradient)
        XCTAssertEqual(h.scalars, lstmCell(gates: gates, cell: .zeros([2, 2])).hidden.scalars)
    }

    func testUnstackedValuesAndGradient() {
        let x = sample([3, 2, 2], seed: 10)
        let pieces = x.unstacked()
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces[1].shape, [2, 2])
        XCTAssertEqual(pieces[1].scalars, Array(x.scalars[4..<8]))
        // Steps used twice, once, and not at all.
        checkGradients([x]) { inputs in
            let steps = inputs[0].unstacked()
            return steps[0] * steps[0] + steps[2] * 3
        }
    }

    func testRecurrenceMatchesMatmul() {
        let weight = sample([6, 2], seed: 11)
        let inputs = sample([3, 4, 6], seed: 12)
        let hidden = sample([4, 2], seed: 13)
        let recurrence = Recurrence(weight: weight, projected: inputs)
        let expected = inputs.unstacked()[1] + matmul(hidden, weight, transposeB: true)
        assertClose(recurrence(step: 1, hidden), expected)
        let plain = Recurrence(weight: weight, steps: 3, batchSize: 4)
        assertClose(plain(step: 2, hidden), matmul(hidden, weight, transposeB: true))
    }

    func testRecurrenceGradientsOfWeightInputsAndInitialState() {
        // h_{t+1} = tanh(inputs_t + h_t·Wᵀ) over 3 steps; step 1's output also feeds the loss.
        let weight = sample([3, 3], seed: 14)
        let inputs = sample([3, 2, 3], seed: 15)
        let initial = sample([2, 3], seed: 16)
        checkGradients([weight, inputs, initial]) { p in
            let recurrence = Recurrence(weight: p[0], projected: p[1])
            var h = p[2]
            var outputs: [Tensor] = []
            for t in 0..<3 {
                h = tanh(recurrence(step: t, h))
                outputs.append(h)
            }
            return concat([outputs[1], outputs[2]], axis: 1)
        }
        // Without inputs, and with the weight alone requiring gradients.
        checkGradients([weight]) { p in
            let recurrence = Recurrence(weight: p[0], steps: 2, batchSize: 2)
            let h1 = sigmoid(recurrence(step: 0, initial))
            return recurrence(step: 1, h1)
        }
    }

    func testRecurrenceWithInputProjectionMatchesOpsAndGradients() {
        // Rₜ = xₜ·W_ihᵀ + b + hₜ·W_hhᵀ, the input projection done inside in one GEMM.
        let x = sample([3, 2, 4], seed: 23)  // [T, N, in]
        let inputWeight = sample([6, 4], seed: 24)
        let bias = sample([6], seed: 25)
        let weight = sample([6, 2], seed: 26)
        let h0 = sample([2, 2], seed: 27)
        let recurrence = Recurrence(inputs: x, inputWeight: inputWeight, bias: bias, weight: weight)
        let expected =
            matmul(x.unstacked()[2], inputWeight, transposeB: true) + bias
            + matmul(h0, weight, transposeB: true)
        assertClose(recurrence(step: 2, h0), expected)
        checkGradients([x, inputWeight, bias, weight, h0]) { p in
            let recurrence = Recurrence(inputs: p[0], inputWeight: p[1], bias: p[2], weight: p[3])
            var h = p[4]
            var outputs: [Tensor] = []
            for t in [2, 1, 0] {  // any step order, as a backward-in-time layer runs
                let r = recurrence(step: t, h)  // [2, 6]
                h = tanh(r.slice(axis: 1, range: 0..<2) * r.slice(axis: 1, range: 4..<6))
                outputs.append(h)
            }
            return concat(outputs, axis: 1)
        }
        // No bias; the weights alone requiring gradients.
        checkGradients([inputWeight, weight]) { p in
            let recurrence = Recurrence(inputs: x, inputWeight: p[0], bias: nil, weight: p[1])
            return sigmoid(
                recurrence(step: 1, recurrence(step: 0, h0).slice(axis: 1, range: 2..<4)))
        }
    }

    func testLongRecurrenceUsesPackedWeightsWithTheSameValuesAndGradients() {
        // From 4 steps on, h·W_hhᵀ and ∂R·W_hh run from packed copies of the weight. 18 gates
        // leave a partial 16-column panel.
        let weight = sample([18, 6], seed: 30)
        let inputs = sample([5, 2, 18], seed: 31)
        let initial = sample([2, 6], seed: 32)
        let recurrence = Recurrence(weight: weight, projected: inputs)
        assertClose(
            recurrence(step: 4, initial),
            inputs.unstacked()[4] + matmul(initial, weight, transposeB: true))
        checkGradients([weight, inputs, initial]) { p in
            let recurrence = Recurrence(weight: p[0], projected: p[1])
            var h = p[2]
            for t in 0..<5 { h = tanh(recurrence(step: t, h).slice(axis: 1, range: 0..<6)) }
            return h
        }
    }

    func testLargeRecurrentProductsSplitAcrossThreadsGiveTheSameResult() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        let weight = sample([1000, 256], seed: 33)  // 63 panels, the last partial
        let hidden = sample([32, 256], seed: 34)
        let expected = matmul(hidden, weight, transposeB: true)
        for threads in [1, 2] {
            Parallelism.threadCount = threads
            let recurrence = Recurrence(weight: weight, steps: 4, batchSize: 32)
            assertClose(recurrence(step: 0, hidden), expected, absoluteTolerance: 1e-4)
        }
    }

    func testRecurrenceBackwardTwiceAccumulatesTwice() {
        let weight = sample([4, 2], seed: 17).requiringGradient()
        let inputs = sample([2, 1, 4], seed: 18).requiringGradient()
        let recurrence = Recurrence(weight: weight, projected: inputs)
        let h1 = tanh(recurrence(step: 0, sample([1, 2], seed: 19)))
        let loss = recurrence(step: 1, h1.slice(axis: 1, range: 0..<2)).sum()
        loss.backward()
        let once = (weight.gradient!.scalars, inputs.gradient!.scalars)
        loss.backward()
        assertClose(weight.gradient!.scalars, once.0.map { 2 * $0 })
        assertClose(inputs.gradient!.scalars, once.1.map { 2 * $0 })
    }
}
