// LSTMSequenceTests.swift — the one-kernel LSTM recurrence (lstmSequence) against the
// step-by-step ops it replaces in inference (Recurrence and lstmCell), on one and two threads.
import GlimpseTensor
import TestSupport
import XCTest

final class LSTMSequenceTests: XCTestCase {
    /// The outputs and final state by `Recurrence` and `lstmCell`, one step at a time.
    func stepByStep(
        _ x: Tensor, _ wIH: Tensor, _ bias: Tensor?, _ wHH: Tensor, _ h0: Tensor, _ c0: Tensor,
        reversed: Bool
    ) -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
        let steps = x.shape[0]
        let recurrence = Recurrence(inputs: x, inputWeight: wIH, bias: bias, weight: wHH)
        var (hidden, cell) = (h0, c0)
        var outputs = [Tensor?](repeating: nil, count: steps)
        for t in reversed ? Array((0..<steps).reversed()) : Array(0..<steps) {
            (hidden, cell) = lstmCell(gates: recurrence(step: t, hidden), cell: cell)
            outputs[t] = hidden
        }
        let stacked =
            steps > 0 ? stack(outputs.map { $0! }, axis: 0) : Tensor.zeros([0] + h0.shape)
        return (stacked, hidden, cell)
    }

    func testMatchesTheStepByStepOps() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // (steps, batch, input, hidden): 67 units split unevenly across two threads; 16 units
        // run on one thread whatever the thread count.
        for (steps, batch, input, hidden) in [(5, 3, 4, 67), (4, 1, 3, 16), (1, 2, 5, 64)] {
            let x = sample([steps, batch, input], seed: 1)
            let wIH = sample([4 * hidden, input], seed: 2)
            let wHH = sample([4 * hidden, hidden], seed: 3, in: -0.3..<0.3)
            let h0 = sample([batch, hidden], seed: 4)
            let c0 = sample([batch, hidden], seed: 5)
            for bias in [sample([4 * hidden], seed: 6), nil] {
                for reversed in [false, true] {
                    let expected = stepByStep(x, wIH, bias, wHH, h0, c0, reversed: reversed)
                    for threads in [1, 2] {
                        Parallelism.threadCount = threads
                        let actual = lstmSequence(
                            inputs: x, inputWeight: wIH, bias: bias, weight: wHH, hidden: h0,
                            cell: c0, reversed: reversed)
                        let label =
                            "T \(steps) N \(batch) H \(hidden), bias \(bias != nil), reversed "
                            + "\(reversed), \(threads) threads"
                        assertClose(actual.outputs, expected.outputs, "\(label): outputs")
                        assertClose(actual.hidden, expected.hidden, "\(label): hidden")
                        assertClose(actual.cell, expected.cell, "\(label): cell")
                    }
                }
            }
        }
    }

    func testAnEmptySequenceReturnsTheInitialState() {
        let h0 = sample([2, 8], seed: 7)
        let c0 = sample([2, 8], seed: 8)
        let result = lstmSequence(
            inputs: Tensor.zeros([0, 2, 3]), inputWeight: sample([32, 3], seed: 9), bias: nil,
            weight: sample([32, 8], seed: 10), hidden: h0, cell: c0)
        XCTAssertEqual(result.outputs.shape, [0, 2, 8])
        XCTAssertEqual(result.hidden.scalars, h0.scalars)
        XCTAssertEqual(result.cell.scalars, c0.scalars)
    }
}
