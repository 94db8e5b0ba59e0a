// LSTMSequence.swift — a whole LSTM layer over a sequence as one op: the recurrence forward and,
// when training, back-propagation through time, each as one kernel.
//
// Step by step, an LSTM runs a product h·W_hhᵀ split across threads, waits for it, then runs the
// cell split across threads again: two hand-offs, several allocations and graph nodes per step,
// and as many again in backward. Here each thread owns a block of the layer for the whole
// sequence: rows n₀..<n₁ of the batch and hidden units j₀..<j₁. Forward, it computes the four
// gate columns of its units (i, f, g and o of j₀..<j₁, with packed copies of those rows of W_ih
// and W_hh, PackedMatrix.swift) for its rows, applies the cell to them and writes its part of hₜ:
//
//   gatesₜ[rows, block] = b[block] + xₜ[rows]·W_ih[block, :]ᵀ + hₜ₋₁[rows]·W_hh[block, :]ᵀ
//   (hₜ, cₜ)[rows, j₀..<j₁] = cell(gatesₜ[rows, block], cₜ₋₁[rows, j₀..<j₁])
//
// The input product runs step by step too, beside the recurrent one, rather than as one GEMM
// over all steps before them: its [N, 4H] result stays in cache instead of a [T, N, 4H] one
// going through memory, and there is no separate parallel phase to wait for (measured: the
// forward pass 31% faster at batch 32, forward+backward 7%).
//
// The sequences of a batch are independent, so with 12 or more rows per thread each thread
// takes rows and all the units, and never waits for the other (measured 3–5% faster than
// splitting the units at batch 32, and immune to one thread running late). Smaller batches
// split the units (whole 16-column panels) over all rows instead; step t + 1 then reads all of
// hₜ, so the threads meet at one barrier per step.
//
// Backward, from the last step processed to the first, with ∂h and ∂c carried between steps:
//
//   ∂hₜ += ∂outputₜ;   (∂Rₜ[rows, block], ∂c)[rows, j₀..<j₁] = cell backward   (Recurrence.swift)
//   ∂hₜ₋₁[rows, j₀..<j₁] = ∂Rₜ[rows]·W_hh[:, j₀..<j₁]
//
// Split by units, the product needs all of ∂Rₜ: one barrier per step again. The weight
// gradients then come from whole-sequence GEMMs with K = T·N: ∂W_hh = ∂Rᵀ·H₋₁ (the hidden state
// each step read), ∂W_ih = ∂Rᵀ·x, ∂b = Σ rows of ∂R, and ∂x = ∂R·W_ih. Activations [T, N, 5H]
// and the cell state of every step are kept for backward.
//
// The values are those of the step-by-step ops (`Recurrence` and `lstmCell`) up to the rounding
// of the products' sums.

import CVectorMath

/// One LSTM layer over a sequence (gate order i, f, g, o), as one op with one kernel for the
/// recurrence and one for its backward pass.
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
    let sources = [inputs, inputWeight, weight, hidden, cell] + (bias.map { [$0] } ?? [])
    let recording = GradientMode.isRecording && sources.contains { $0.requiresGradient }
    let sequence = LSTMSequenceKernel(
        inputs: inputs, inputWeight: inputWeight, bias: bias, weight: weight,
        hidden: hidden, cell: cell, reversed: reversed, saving: recording)
    let forward = sequence.forward()
    guard recording else { return forward }
    let outputs = record(outputs: [forward.outputs, forward.hidden, forward.cell], sources) {
        upstreams in
        let (dR, dHidden, dCell) = sequence.backward(
            dOutputs: upstreams[0], dHidden: upstreams[1], dCell: upstreams[2])
        let rows = dR.shape[0]
        let flatInputs = inputs.viewed(as: [rows, inputs.shape[2]])
        return [
            inputs.requiresGradient  // ∂x = ∂R·W_ih
                ? Kernels.gemm(dR, transposed: false, inputWeight, transposed: false)
                    .viewed(as: inputs.shape) : nil,
            inputWeight.requiresGradient  // ∂W_ih = ∂Rᵀ·x
                ? Kernels.gemm(dR, transposed: true, flatInputs, transposed: false) : nil,
            weight.requiresGradient  // ∂W_hh = ∂Rᵀ·H₋₁
                ? Kernels.gemm(dR, transposed: true, sequence.previousHidden(), transposed: false)
                : nil,
            dHidden, dCell,
        ]
            + (bias.map { _ in
                [Kernels.sum(dR.viewed(as: [1, rows, 4 * width])).viewed(as: [4 * width])]
            } ?? [])
    }
    return (outputs[0], outputs[1], outputs[2])
}

/// The state of one `lstmSequence` call: the forward kernel's results and what its backward
/// kernel reads. `@unchecked Sendable`: written by `forward()` (once, before the op returns),
/// then only read.
final class LSTMSequenceKernel: @unchecked Sendable {
    let (steps, batch, width): (Int, Int, Int)
    let inputs: Tensor  // x [T, N, in]
    let inputWeight: Tensor  // W_ih [4H, in]
    let bias: Tensor?  // b_ih + b_hh [4H]
    let weight: Tensor
    let initialHidden: Tensor
    let reversed: Bool
    /// hₜ for every t: [T, N, H].
    let outputs: TensorStorage
    /// The cell state before each processed step and after the last: [T + 1, N, H] when saving,
    /// else two states used in turn.
    let cells: TensorStorage
    /// [i | f | g | o | tanh c′] of every step, [T, N, 5H], when saving.
    let activations: TensorStorage?

    /// Hidden units per thread below which one thread runs the whole sequence: a block's
    /// [N, 4w] product must repay a barrier per step.
    static let minimumUnitsPerThread = 32
    /// Sequences per thread from which threads split the batch instead of the units (two 6-row
    /// blocks of the packed product).
    static let minimumRowsPerThread = 12

    init(
        inputs: Tensor, inputWeight: Tensor, bias: Tensor?, weight: Tensor, hidden: Tensor,
        cell: Tensor, reversed: Bool, saving: Bool
    ) {
        (steps, batch, width) = (inputs.shape[0], inputs.shape[1], weight.shape[1])
        (self.inputs, self.inputWeight, self.bias) = (inputs, inputWeight, bias)
        (self.weight, initialHidden) = (weight, hidden)
        self.reversed = reversed
        let plane = batch &* width
        outputs = TensorStorage(count: steps &* plane)
        cells = TensorStorage(count: (saving ? steps &+ 1 : 2) &* plane)
        cells.base.update(from: cell.storage.base, count: plane)
        activations = saving ? TensorStorage(count: steps &* 5 &* plane) : nil
    }

    /// The time index of the `index`-th step processed.
    func time(ofStep index: Int) -> Int { reversed ? steps &- 1 &- index : index }

    /// The cell state before processed step `index` (after the last for index T).
    func cellState(beforeStep index: Int) -> UnsafeMutablePointer<Float> {
        let slot = activations == nil ? index & 1 : index
        return cells.base + slot &* batch &* width
    }

    /// Runs `body(rows, units, packed, barrier)` for the blocks of the layer the threads own
    /// for the whole sequence, with `packed = pack(units)` for the block's units.
    ///
    /// Sequences of a batch are independent: with enough of them each thread owns a range of
    /// rows and all the units, and needs no barrier (nil), so that one thread running late
    /// never holds the other up; the units' packed weight is then shared. Otherwise each
    /// thread owns whole 16-unit panels of all rows, and the threads meet at `barrier` after
    /// each step.
    func forEachBlock<Packed>(
        packing pack: (Range<Int>) -> Packed,
        _ body: (Range<Int>, Range<Int>, Packed, SpinBarrier?) -> Void
    ) {
        guard steps > 0 && batch > 0 && width > 0 else { return }
        let rowThreads = Parallelism.chunkCount(
            of: batch, minimumChunk: Self.minimumRowsPerThread)
        let unitThreads = Swift.min(
            Parallelism.togetherLimit, Swift.max(1, width / Self.minimumUnitsPerThread))
        if rowThreads > 1 && rowThreads >= unitThreads {
            let packed = pack(0..<width)
            Parallelism.forEachChunk(of: batch, minimumChunk: Self.minimumRowsPerThread) {
                body($1, 0..<width, packed, nil)
            }
            return
        }
        let panels = (width &+ 15) / 16
        let ran = Parallelism.runTogether(chunks: unitThreads) { chunk, barrier in
            let start = Swift.min(width, panels &* chunk / unitThreads &* 16)
            let end = Swift.min(width, panels &* (chunk &+ 1) / unitThreads &* 16)
            body(0..<batch, start..<end, pack(start..<end), barrier)
        }
        if !ran { body(0..<batch, 0..<width, pack(0..<width), nil) }
    }

    /// The recurrence: outputs, final hidden state and final cell state.
    func forward() -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
        let plane = batch &* width
        let depth = inputWeight.shape[1]
        let (px, pb) = (
            UnsafePointer(inputs.storage.base), bias.map { UnsafePointer($0.storage.base) }
        )
        // A block's rows of W_ih and W_hh, W[q·H + j₀ ..< q·H + j₁, :] for the gates q = i, f, g,
        // o in turn, packed as one right operand of xₜ·W_ih[block]ᵀ and hₜ₋₁·W_hh[block]ᵀ: the
        // block's gates come out as [i | f | g | o], w columns each. With all the units, that
        // is Wᵀ itself, from the packed-weight cache in inference.
        let inference = !GradientMode.isRecording && !GradientMode.isDifferentiating
        func pack(_ units: Range<Int>) -> (input: PackedMatrix, hidden: PackedMatrix) {
            func block(_ w: Tensor) -> PackedMatrix {
                if units.count == width {
                    return inference
                        ? PackedMatrix.cached(transposing: w) : PackedMatrix(transposing: w)
                }
                let (pw, k) = (UnsafePointer(w.storage.base), w.shape[1])
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: 4 &* units.count &* k)
                defer { rows.deallocate() }
                for q in 0..<4 {
                    (rows + q &* units.count &* k).update(
                        from: pw + (q &* width &+ units.lowerBound) &* k, count: units.count &* k)
                }
                return PackedMatrix(transposing: rows, rows: 4 &* units.count, depth: k)
            }
            return (block(inputWeight), block(weight))
        }
        forEachBlock(packing: pack) { rows, units, packed, barrier in
            let (first, count) = (units.lowerBound, units.count)
            // This block's pre-activations, [rows, 4w]: gate q of unit j at q·w + j.
            let gates = UnsafeMutablePointer<Float>.allocate(capacity: rows.count &* 4 &* count)
            defer { gates.deallocate() }
            // The cell writes its activations as five runs of w: straight into their [5H] row
            // when the block has all the units, else through `saved`.
            let whole = count == width
            let saved =
                activations == nil || whole
                ? nil : UnsafeMutablePointer<Float>.allocate(capacity: 5 &* count)
            defer { saved?.deallocate() }
            var previousHidden = UnsafePointer(initialHidden.storage.base)
            for index in 0..<steps {
                let t = time(ofStep: index)
                let (source, target) = (
                    cellState(beforeStep: index), cellState(beforeStep: index &+ 1)
                )
                // gates = b[block] + xₜ[rows]·W_ih[block]ᵀ + hₜ₋₁[rows]·W_hh[block]ᵀ.
                for n in 0..<rows.count {
                    for q in 0..<4 {
                        let to = gates + (n &* 4 &+ q) &* count
                        if let pb {
                            to.update(from: pb + (q &* width &+ first), count: count)
                        } else {
                            to.update(repeating: 0, count: count)
                        }
                    }
                }
                if depth > 0 {
                    packed.input.product(
                        px + (t &* batch &+ rows.lowerBound) &* depth, lda: depth,
                        rows: rows.count, into: gates, ldc: 4 &* count, accumulating: true,
                        split: false)
                }
                packed.hidden.product(
                    previousHidden + rows.lowerBound &* width, lda: width, rows: rows.count,
                    into: gates, ldc: 4 &* count, accumulating: true, split: false)
                let output = outputs.base + t &* plane
                for n in rows {
                    let row = n &* width &+ first
                    let activationRow = activations.map {
                        $0.base + ((t &* batch &+ n) &* 5 &* width &+ first)
                    }
                    glimpse_lstm_forward(
                        gates + (n &- rows.lowerBound) &* 4 &* count, count, source + row,
                        output + row, target + row, whole ? activationRow : saved, 1, count)
                    if let saved, let activationRow {
                        for q in 0..<5 {
                            (activationRow + q &* width).update(
                                from: saved + q &* count, count: count)
                        }
                    }
                }
                barrier?.wait()  // hₜ complete: the next step reads all of it
                previousHidden = UnsafePointer(output)
            }
        }
        let finalHidden = TensorStorage(count: plane)
        if steps > 0 {
            finalHidden.base.update(
                from: outputs.base + time(ofStep: steps &- 1) &* plane, count: plane)
        } else {
            finalHidden.base.update(from: initialHidden.storage.base, count: plane)
        }
        let finalCell = TensorStorage(count: plane)
        finalCell.base.update(from: cellState(beforeStep: steps), count: plane)
        return (
            Tensor(shape: [steps, batch, width], storage: outputs),
            Tensor(shape: [batch, width], storage: finalHidden),
            Tensor(shape: [batch, width], storage: finalCell)
        )
    }

    /// The hidden state each step read, in time order: H₋₁[t] = hₜ₋₁ (h₀ for the first step
    /// processed).   -> [T·N, H]
    func previousHidden() -> Tensor {
        let plane = batch &* width
        let result = TensorStorage(count: steps &* plane)
        for index in 0..<steps {
            let source =
                index == 0
                ? initialHidden.storage.base : outputs.base + time(ofStep: index &- 1) &* plane
            (result.base + time(ofStep: index) &* plane).update(from: source, count: plane)
        }
        return Tensor(shape: [steps &* batch, width], storage: result)
    }

    /// Back-propagation through time from ∂outputs [T, N, H] and ∂ of the final hidden and cell
    /// states [N, H] (nil = 0) -> ∂R (the gates' pre-activations, [T·N, 4H] in time order), and
    /// ∂h₀, ∂c₀.
    func backward(
        dOutputs: Tensor?, dHidden: Tensor?, dCell: Tensor?
    ) -> (dR: Tensor, dHidden: Tensor, dCell: Tensor) {
        guard let activations else {
            preconditionFailure("backward of a sequence run without saving")
        }
        let (gates, plane) = (4 &* width, batch &* width)
        let dR = TensorStorage(count: steps &* batch &* gates)
        // ∂h and ∂c carried from step to step, each thread in its own columns.
        let carriedHidden = TensorStorage(count: plane)
        let carriedCell = TensorStorage(count: plane)
        for (carried, upstream) in [(carriedHidden, dHidden), (carriedCell, dCell)] {
            if let upstream {
                carried.base.update(from: upstream.storage.base, count: plane)
            } else {
                carried.base.initialize(repeating: 0, count: plane)
            }
        }
        let pdo = dOutputs.map { UnsafePointer($0.storage.base) }
        let pw = UnsafePointer(weight.storage.base)
        let total = TensorStorage(count: plane)  // ∂hₜ: carried + ∂outputₜ
        // W_hh[:, j₀..<j₁], the [4H, w] right operand of ∂Rₜ·W_hh[:, block].
        func pack(_ units: Range<Int>) -> PackedMatrix {
            PackedMatrix(
                pw + units.lowerBound, depth: gates, width: units.count, rowStride: width)
        }
        forEachBlock(packing: pack) { rows, units, packed, barrier in
            let (first, count) = (units.lowerBound, units.count)
            for index in (0..<steps).reversed() {
                let t = time(ofStep: index)
                let previousCell = cellState(beforeStep: index)
                for n in rows {
                    let row = n &* width &+ first
                    let dh = total.base + row
                    if let pdo {
                        let from = pdo + (t &* plane &+ row)
                        for u in 0..<count { dh[u] = carriedHidden.base[row &+ u] + from[u] }
                    } else {
                        dh.update(from: carriedHidden.base + row, count: count)
                    }
                    let rowIndex = t &* batch &+ n
                    Kernels.lstmBackwardRow(
                        activations: activations.base + (rowIndex &* 5 &* width &+ first),
                        dHidden: dh, dCell: carriedCell.base + row,
                        previousCell: previousCell + row,
                        dGates: dR.base + (rowIndex &* gates &+ first),
                        dPreviousCell: carriedCell.base + row, units: count, stride: width)
                }
                barrier?.wait()  // ∂Rₜ complete: the product reads all of it
                packed.product(
                    dR.base + (t &* batch &+ rows.lowerBound) &* gates, lda: gates,
                    rows: rows.count,
                    into: carriedHidden.base + (rows.lowerBound &* width &+ first), ldc: width,
                    accumulating: false, split: false)
            }
        }
        return (
            Tensor(shape: [steps &* batch, gates], storage: dR),
            Tensor(shape: [batch, width], storage: carriedHidden),
            Tensor(shape: [batch, width], storage: carriedCell)
        )
    }
}
