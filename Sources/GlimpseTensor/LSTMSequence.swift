// LSTMSequence.swift — a whole LSTM layer's recurrence in inference, as one kernel.
//
// Step by step, an LSTM runs a product h·W_hhᵀ split across threads, waits for it, then runs the
// cell split across threads again: two hand-offs and several allocations per step. Here each
// thread owns a block of hidden units j₀..<j₁ for the whole sequence: it computes the four gate
// columns of its units (i, f, g and o of j₀..<j₁, a [N, 4w] product with its own packed copy of
// those rows of W_hh, PackedMatrix.swift), applies the cell to them and writes its part of hₜ.
// Blocks are whole 16-column panels. The only synchronisation is one barrier per step, since
// step t + 1 reads all of hₜ.
//
//   gatesₜ[:, block] = x̃ₜ[:, block] + b[block] + hₜ₋₁·W_hh[block, :]ᵀ,   x̃ = x·W_ihᵀ (one GEMM)
//   (hₜ, cₜ)[:, j₀..<j₁] = cell(gatesₜ[:, block], cₜ₋₁[:, j₀..<j₁])
//
// The values are those of the step-by-step ops (`Recurrence` and `lstmCell`) up to the rounding
// of the products' sums. Nothing is recorded: training uses the step-by-step ops, whose graph
// backward needs.

import CVectorMath

/// The outputs and final state of one LSTM layer over a sequence, in inference (no gradients are
/// recorded; use it where `gradientsAreRecorded(for:)` is false). Gate order i, f, g, o.
///
/// inputs x: [T, N, in], inputWeight W_ih: [4H, in], bias (b_ih + b_hh): [4H] or nil, weight
/// W_hh: [4H, H], hidden h₀ and cell c₀: [N, H] -> outputs [T, N, H] (hₜ at index t), and the
/// state after the last step. With `reversed`, steps run from t = T − 1 down to 0.
public func lstmSequence(
    inputs: Tensor, inputWeight: Tensor, bias: Tensor?, weight: Tensor, hidden: Tensor,
    cell: Tensor, reversed: Bool = false
) -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
    let width = weight.shape.count == 2 ? weight.shape[1] : 0
    let batch = inputs.rank == 3 ? inputs.shape[1] : 0
    precondition(
        inputs.rank == 3 && weight.shape == [4 * width, width]
            && inputWeight.shape == [4 * width, inputs.shape[2]]
            && (bias == nil || bias!.shape == [4 * width]) && hidden.shape == [batch, width]
            && cell.shape == [batch, width],
        "lstmSequence needs inputs [T, N, in], inputWeight [4H, in], bias [4H], weight [4H, H], "
            + "hidden and cell [N, H], got \(inputs.shape), \(inputWeight.shape), "
            + "\(bias?.shape ?? []), \(weight.shape), \(hidden.shape) and \(cell.shape)")
    let projected = Kernels.affine(inputs, inputWeight)  // [T, N, 4H]
    return Kernels.lstmSequence(
        projected: projected, bias: bias, weight: weight, hidden: hidden, cell: cell,
        reversed: reversed)
}

extension Kernels {
    /// Hidden units per thread below which one thread runs the whole sequence: a block's
    /// [N, 4w] product must repay a barrier per step.
    static let minimumUnitsPerThread = 32

    /// The recurrence of `lstmSequence` from x̃ = x·W_ihᵀ.   projected: [T, N, 4H]
    static func lstmSequence(
        projected: Tensor, bias: Tensor?, weight: Tensor, hidden: Tensor, cell: Tensor,
        reversed: Bool
    ) -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
        let (steps, batch, width) = (projected.shape[0], projected.shape[1], weight.shape[1])
        let gates = 4 &* width
        let outputs = TensorStorage(count: steps &* batch &* width)
        // Ping-pong cell states: the cell kernel may not write over its input.
        let cells = [TensorStorage(count: batch &* width), TensorStorage(count: batch &* width)]
        cells[0].base.update(from: cell.storage.base, count: batch &* width)
        let finalCell = steps % 2 == 0 ? 0 : 1
        let px = UnsafePointer(projected.storage.base)
        let pb = bias.map { UnsafePointer($0.storage.base) }
        let pw = UnsafePointer(weight.storage.base)
        let h0 = UnsafePointer(hidden.storage.base)

        /// Runs every step for hidden units `units`, waiting at `barrier` after each.
        func run(units: Range<Int>, barrier: SpinBarrier) {
            let (first, count) = (units.lowerBound, units.count)
            let blockGates = 4 &* count
            // This block's rows of W_hh for each gate q, W_hh[q·H + j₀ ..< q·H + j₁, :], packed
            // as the [H, w] right operand of hₜ₋₁·W_hh[rows]ᵀ.
            let packed = (0..<4).map {
                PackedMatrix(
                    transposing: pw + ($0 &* width &+ first) &* width, rows: count, depth: width)
            }
            let products = UnsafeMutablePointer<Float>.allocate(capacity: batch &* blockGates)
            defer { products.deallocate() }
            var previousHidden = h0
            for index in 0..<steps {
                let t = reversed ? steps &- 1 &- index : index
                let (source, target) = (cells[index & 1].base, cells[(index &+ 1) & 1].base)
                // products = x̃ₜ[:, block] + b[block], then += hₜ₋₁·blockᵀ.
                for n in 0..<batch {
                    let from = px + (t &* batch &+ n) &* gates
                    let to = products + n &* blockGates
                    for q in 0..<4 {
                        let offset = q &* width &+ first
                        let (x, out) = (from + offset, to + q &* count)
                        if let pb {
                            for u in 0..<count { out[u] = x[u] + pb[offset &+ u] }
                        } else {
                            out.update(from: x, count: count)
                        }
                    }
                }
                for q in 0..<4 {
                    packed[q].product(
                        previousHidden, lda: width, rows: batch, into: products + q &* count,
                        ldc: blockGates, accumulating: true, split: false)
                }
                let output = outputs.base + t &* batch &* width
                for n in 0..<batch {
                    let row = n &* width &+ first
                    glimpse_lstm_forward(
                        products + n &* blockGates, source + row, output + row, target + row, nil,
                        1, count)
                }
                barrier.wait()  // hₜ complete: the next step reads all of it
                previousHidden = UnsafePointer(output)
            }
        }

        if steps > 0 && batch > 0 && width > 0 {
            let threads = Swift.min(
                Parallelism.threadCount, Swift.max(1, width / minimumUnitsPerThread))
            let panels = (width &+ 15) / 16
            let ran = Parallelism.runTogether(chunks: threads) { chunk, barrier in
                let start = Swift.min(width, panels &* chunk / threads &* 16)
                let end = Swift.min(width, panels &* (chunk &+ 1) / threads &* 16)
                run(units: start..<end, barrier: barrier)
            }
            if !ran { run(units: 0..<width, barrier: SpinBarrier(parties: 1)) }
        }
        let last = reversed ? 0 : steps &- 1
        let finalHidden = TensorStorage(count: batch &* width)
        if steps > 0 {
            finalHidden.base.update(
                from: outputs.base + last &* batch &* width, count: batch &* width)
        } else {
            finalHidden.base.update(from: hidden.storage.base, count: batch &* width)
        }
        return (
            Tensor(shape: [steps, batch, width], storage: outputs),
            Tensor(shape: [batch, width], storage: finalHidden),
            Tensor(shape: [batch, width], storage: cells[finalCell])
        )
    }
}
