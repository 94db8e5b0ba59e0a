// LSTMSequenceTests.swift — the whole-sequence LSTM op (lstmSequence) against the step-by-step
// ops it replaces (Recurrence and lstmCell), values and gradients, on one and two threads, and
// its gradients by finite differences.
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
        // run on one thread whatever the thread count; a batch of 25 splits by rows (12 + 13).
        let shapes = [(5, 3, 4, 67), (4, 1, 3, 16), (1, 2, 5, 64), (3, 25, 4, 35)]
        for (steps, batch, input, hidden) in shapes {
            let x = sample([steps, batch, input], seed: 1)
            let wIH = sample([4 * hidden, input], seed: 2)
            let wHH = sample([4 * hidden, hidden], seed: 3, in: -0.3..<0.3)
            let h0 = sample([batch, hidden], seed: 4)
            let c0 = sample([batch, hidden], seed: 5)
            for bias in [sample([4 * hidden], seed: 6), nil] {
                for reversed in [false, true] {
                    let expected = stepByStep(x, wIH, bias, wHH, h0, c0, reversed: reversed)
                    // Inference also multiplies by the packed-weight cache's W_hhᵀ.
                    for (threads, inference) in [(1, false), (2, false), (2, true)] {
                        Parallelism.threadCount = threads
                        func run() -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
                            lstmSequence(
                                inputs: x, inputWeight: wIH, bias: bias, weight: wHH, hidden: h0,
                                cell: c0, reversed: reversed)
                        }
                        let actual = inference ? withoutGradients(run) : run()
                        let label =
                            "T \(steps) N \(batch) H \(hidden), bias \(bias != nil), reversed "
                            + "\(reversed), \(threads) threads, inference \(inference)"
                        assertClose(actual.outputs, expected.outputs, "\(label): outputs")
                        assertClose(actual.hidden, expected.hidden, "\(label): hidden")
                        assertClose(actual.cell, expected.cell, "\(label): cell")
                    }
                }
            }
        }
    }

    func testGradientsMatchTheStepByStepOps() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        // 67 units split unevenly across two threads; a batch of 25 splits by rows (12 + 13).
        for (steps, batch, input, hidden) in [(4, 3, 5, 67), (3, 25, 4, 35)] {
            let values = [
                [steps, batch, input], [4 * hidden, input], [4 * hidden, hidden], [batch, hidden],
                [batch, hidden], [4 * hidden],
            ].enumerated().map { sample($1, seed: UInt64(20 + $0), in: -0.5..<0.5) }
            // The loss weights outputs, final hidden and final cell state differently.
            func loss(_ outputs: Tensor, _ hidden: Tensor, _ cell: Tensor) -> Tensor {
                (outputs * outputs).sum() + (hidden * 3).sum() + (cell * cell * 2).sum()
            }
            for (reversed, withBias) in [(false, true), (true, false)] {
                var leaves = values.map { $0.requiringGradient() }
                let expected = stepByStep(
                    leaves[0], leaves[1], withBias ? leaves[5] : nil, leaves[2], leaves[3],
                    leaves[4], reversed: reversed)
                loss(expected.outputs, expected.hidden, expected.cell).backward()
                let reference = leaves.prefix(withBias ? 6 : 5).map { $0.gradient! }
                for threads in [1, 2] {
                    Parallelism.threadCount = threads
                    leaves = values.map { $0.requiringGradient() }
                    let actual = lstmSequence(
                        inputs: leaves[0], inputWeight: leaves[1], bias: withBias ? leaves[5] : nil,
                        weight: leaves[2], hidden: leaves[3], cell: leaves[4], reversed: reversed)
                    loss(actual.outputs, actual.hidden, actual.cell).backward()
                    for (index, gradient) in reference.enumerated() {
                        assertClose(
                            leaves[index].gradient!, gradient, absoluteTolerance: 1e-4,
                            "N \(batch) input \(index), reversed \(reversed), \(threads) threads")
                    }
                }
            }
        }
    }

    func testGradientsByFiniteDifferences() {
        // Only the outputs reach the loss in the first check, only the final state in the second.
        let (steps, batch, input, hidden) = (3, 2, 3, 4)
        let inputs = [
            sample([steps, batch, input], seed: 30), sample([4 * hidden, input], seed: 31),
            sample([4 * hidden, hidden], seed: 32), sample([batch, hidden], seed: 33),
            sample([batch, hidden], seed: 34), sample([4 * hidden], seed: 35),
        ]
        checkGradients(inputs) { p in
            lstmSequence(
                inputs: p[0], inputWeight: p[1], bias: p[5], weight: p[2], hidden: p[3],
                cell: p[4]
            ).outputs
        }
        checkGradients(Array(inputs.prefix(5))) { p in
            let result = lstmSequence(
                inputs: p[0], inputWeight: p[1], bias: nil, weight: p[2], hidden: p[3],
                cell: p[4], reversed: true)
            return concat([result.hidden, result.cell], axis: 1)
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
