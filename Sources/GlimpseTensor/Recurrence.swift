// Recurrence.swift — the ops recurrent layers are built from: the fused LSTM cell, `unstacked()`
// and `Recurrence` (a layer's x·W_ihᵀ + b + h·W_hhᵀ over a sequence, with its weight gradients
// deferred to whole-sequence GEMMs).
//
// LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), in
// PyTorch's gate order i, f, g, o. Given pre-activations a = [aᵢ | a_f | a_g | a_o] ([N, 4H]):
//   i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
//   c′ = f⊙c + i⊙g,   h′ = o⊙tanh(c′)
// and backward, with ∂c′ₜₒₜ = ∂c′ + ∂h′⊙o⊙(1 − tanh²c′):
//   ∂aᵢ = ∂c′ₜₒₜ⊙g⊙i(1−i),  ∂a_f = ∂c′ₜₒₜ⊙c⊙f(1−f),  ∂a_g = ∂c′ₜₒₜ⊙i⊙(1−g²),
//   ∂a_o = ∂h′⊙tanh(c′)⊙o(1−o),  ∂c = ∂c′ₜₒₜ⊙f
//
// Ops with several outputs. A pullback here maps the gradient of ONE output tensor to each input,
// but the cell's backward needs ∂h′ and ∂c′ together. `record(outputs:_:_:)` gives each output a
// node whose only parent is a one-element "token" node holding the real pullbacks: an output's
// pullback just stores its upstream gradient in a shared box (returning 0 for the token), and
// because the token is an ancestor of every output, backward() reaches it only after all of them.
// Its pullbacks then run the fused backward once, on all stored gradients. This avoids packing
// (h′, c′) into one [N, 2H] tensor and slicing it, whose pullbacks would allocate zero-padded
// [N, 2H] gradients and sum them at every step. `unstacked()` uses the same mechanism so that
// taking the T steps of a [T, N, F] tensor costs O(T·N·F) in backward, where T `slice`s would
// each pad a full-size gradient (O(T²·N·F)).
//
// `Recurrence` uses a token too, for the weights of a recurrent layer's affine part: each step's
// node stores its upstream gradient ∂Rₜ and its hₜ in [T·N, ·] buffers, and the token computes
// ∂W_hh = Σₜ ∂Rₜᵀ·hₜ as ONE GEMM with K = T·N (likewise ∂W_ih, ∂b, ∂x), instead of T small GEMMs
// with K = N whose [G, H] results backward() would sum one by one.

import COpenBLAS
import CVectorMath
import Synchronization

// MARK: - LSTM cell

/// One LSTM step from pre-activation gates, in one pass (PyTorch gate order i, f, g, o):
/// i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o), c′ = f⊙c + i⊙g, h′ = o⊙tanh(c′).
///
/// gates: [N, 4H] (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), cell: [N, H] -> (h′: [N, H], c′: [N, H]).
/// The backward pass is one fused pass too, from ∂h′ and ∂c′ to ∂gates and ∂c. The forward pass
/// is CVectorMath's `glimpse_lstm_forward`: σ within 1.5·10⁻⁷ relative and tanh within 2·10⁻⁷
/// absolute of the exact values.
public func lstmCell(gates: Tensor, cell: Tensor) -> (hidden: Tensor, cell: Tensor) {
    precondition(
        gates.rank == 2 && cell.rank == 2 && gates.shape[0] == cell.shape[0]
            && gates.shape[1] == 4 * cell.shape[1],
        "lstmCell needs gates [N, 4H] and cell [N, H], got \(gates.shape) and \(cell.shape)")
    let recording = GradientMode.isRecording && (gates.requiresGradient || cell.requiresGradient)
    let forward = Kernels.lstmForward(gates: gates, cell: cell, saving: recording)
    guard recording, let activations = forward.activations else {
        return (forward.hidden, forward.cell)
    }
    let outputs = record(outputs: [forward.hidden, forward.cell], [gates, cell]) { upstreams in
        let (dGates, dCell) = Kernels.lstmBackward(
            dHidden: upstreams[0], dCell: upstreams[1], activations: activations,
            previousCell: cell)
        return [dGates, dCell]
    }
    return (outputs[0], outputs[1])
}

// MARK: - Unstack

extension Tensor {
    /// The slices along axis 0: [T, S…] -> T tensors of shape [S…]; a sequence's time steps.
    /// One op: its backward writes every ∂sliceₜ into one ∂x (0 for slices no gradient reached).
    public func unstacked() -> [Tensor] {
        precondition(rank >= 1, "unstacked() needs rank ≥ 1, shape is \(shape)")
        let steps = shape[0]
        let pieceShape = Array(shape.dropFirst())
        let width = Tensor.elementCount(of: pieceShape)
        let source = UnsafePointer(storage.base)
        let pieces = (0..<steps).map { t in
            Tensor(shape: pieceShape) { piece in
                guard let base = piece.baseAddress else { return }
                base.update(from: source + t &* width, count: width)
            }
        }
        let fullShape = shape
        return record(outputs: pieces, [self]) { upstreams in
            let dx = Tensor(shape: fullShape) { dx in
                guard let base = dx.baseAddress else { return }
                for (t, upstream) in upstreams.enumerated() {
                    if let upstream {
                        (base + t &* width).update(from: upstream.storage.base, count: width)
                    } else {
                        (base + t &* width).initialize(repeating: 0, count: width)
                    }
                }
            }
            return [dx]
        }
    }
}

// MARK: - Recurrent products

/// The affine part of a recurrent layer over one sequence: Rₜ = x̃ₜ + hₜ·W_hhᵀ at each step t,
/// where x̃ = x·W_ihᵀ + b is computed for all steps by ONE GEMM when the recurrence is built
/// (or given precomputed, or absent). Its backward is deferred to whole-sequence GEMMs:
///   ∂W_hh = Σₜ ∂Rₜᵀ·hₜ,  ∂W_ih = ∂Rᵀ·x,  ∂b = Σ rows of ∂R,  ∂x = ∂R·W_ih   (∂x̃ = ∂R)
/// so per step only the products hₜ·W_hhᵀ and ∂hₜ = ∂Rₜ·W_hh remain.
///
/// x: [T, N, in], W_ih: [G, in], b: [G], W_hh: [G, H] (PyTorch's layouts; G = gates·H);
/// each step: h [N, H] -> Rₜ [N, G]. Build one per layer, direction and sequence, and call each
/// step at most once:
/// ```swift
/// let recurrence = Recurrence(inputs: x, inputWeight: wIH, bias: b, weight: wHH)
/// for t in 0..<T { gates = recurrence(step: t, h); … }
/// ```
public struct Recurrence: Sendable {
    /// T, the number of steps.
    public let steps: Int
    /// N, the batch size.
    public let batchSize: Int
    let weight: Tensor
    /// W_hhᵀ [H, G] and W_hh [G, H] packed for the per-step products h·W_hhᵀ and ∂R·W_hh, for
    /// sequences long enough to repay the copies (the second made by the first backward step);
    /// for a decoder's single steps in inference, W_hhᵀ from `PackedMatrix.cached`.
    let packedWeight: PackedMatrix?
    let packedBackward: PackedBackward?
    /// x̃ without the bias: [T, N, G], or nil for bare products h·W_hhᵀ.
    let projected: Tensor?
    /// b: [G], added to x̃ₜ as it is copied into step t's result (cheaper than a pass over x̃).
    let bias: Tensor?
    let sink: RecurrenceGradients?
    let token: Tensor?

    /// Rₜ = x̃ₜ + hₜ·W_hhᵀ with x̃ = x·W_ihᵀ + b.
    /// inputs x: [T, N, in], inputWeight: [G, in], bias: [G] or nil, weight: [G, H]
    public init(inputs: Tensor, inputWeight: Tensor, bias: Tensor?, weight: Tensor) {
        precondition(
            inputs.rank == 3 && inputWeight.rank == 2 && weight.rank == 2
                && inputWeight.shape == [weight.shape[0], inputs.shape[2]]
                && (bias == nil || bias!.shape == [weight.shape[0]]),
            "Recurrence needs inputs [T, N, in], inputWeight [G, in], bias [G] and weight "
                + "[G, H], got \(inputs.shape), \(inputWeight.shape), \(bias?.shape ?? []) and "
                + "\(weight.shape)")
        let projected = Kernels.affine(inputs, inputWeight)
        self.init(
            weight: weight, projected: projected, bias: bias, steps: inputs.shape[0],
            batchSize: inputs.shape[1],
            sources: [(inputs, .inputs), (inputWeight, .inputWeight)]
                + (bias.map { [($0, .bias)] } ?? []))
    }

    /// Rₜ = x̃ₜ + hₜ·W_hhᵀ with x̃ precomputed.   projected: [T, N, G], weight: [G, H]
    public init(weight: Tensor, projected: Tensor) {
        precondition(
            projected.rank == 3 && weight.rank == 2 && projected.shape[2] == weight.shape[0],
            "Recurrence needs projected [T, N, G] and weight [G, H], got \(projected.shape) and "
                + "\(weight.shape)")
        self.init(
            weight: weight, projected: projected, bias: nil, steps: projected.shape[0],
            batchSize: projected.shape[1], sources: [(projected, .projected)])
    }

    /// Bare products Rₜ = hₜ·W_hhᵀ for `steps` steps of `batchSize` rows.   weight: [G, H]
    public init(weight: Tensor, steps: Int, batchSize: Int) {
        precondition(weight.rank == 2, "Recurrence weight must be [G, H], got \(weight.shape)")
        self.init(
            weight: weight, projected: nil, bias: nil, steps: steps, batchSize: batchSize,
            sources: [])
    }

    /// What each input of the token is.
    enum Source { case inputs, inputWeight, bias, projected, weight }

    private init(
        weight: Tensor, projected: Tensor?, bias: Tensor?, steps: Int, batchSize: Int,
        sources: [(Tensor, Source)]
    ) {
        self.steps = steps
        self.batchSize = batchSize
        self.weight = weight
        self.projected = projected
        self.bias = bias
        let long = steps >= 4
        let (gates, width) = (weight.shape[0], weight.shape[1])
        packedWeight =
            long
            ? PackedMatrix(transposing: weight)
            : PackedMatrix.packsInference(rows: batchSize, width: gates, depth: width)
                ? PackedMatrix.cached(transposing: weight) : nil
        packedBackward = long ? PackedBackward(weight) : nil
        let sources = sources + [(weight, .weight)]
        let parentCount = sources.filter { $0.0.requiresGradient }.count
        guard GradientMode.isRecording, parentCount > 0 else {
            sink = nil
            token = nil
            return
        }
        let sink = RecurrenceGradients(
            steps: steps, batchSize: batchSize, gates: weight.shape[0], hidden: weight.shape[1],
            parentCount: parentCount, keepsHidden: weight.requiresGradient)
        self.sink = sink
        let tensors = sources.map(\.0)
        let kinds = sources.map(\.1)
        let rows = steps &* batchSize
        token = record(Tensor.zeros([1]), tensors) { _, index in
            let (products, hidden) = sink.takeSealed()
            let source = tensors[index]
            let dR = Tensor(shape: [rows, weight.shape[0]], storage: products)  // [T·N, G]
            switch kinds[index] {
            case .projected:
                return dR.viewed(as: source.shape)
            case .inputs:  // ∂x = ∂R·W_ih
                return Kernels.gemm(dR, transposed: false, tensors[index + 1], transposed: false)
                    .viewed(as: source.shape)
            case .inputWeight:  // ∂W_ih = ∂Rᵀ·x
                let x = tensors[index - 1]
                return Kernels.gemm(
                    dR, transposed: true, x.viewed(as: [rows, x.shape[2]]), transposed: false)
            case .bias:  // ∂b = Σ rows of ∂R
                return Kernels.sum(dR.viewed(as: [1, rows, weight.shape[0]]))
                    .viewed(as: source.shape)
            case .weight:  // ∂W_hh = ∂Rᵀ·H
                return Kernels.gemm(
                    dR, transposed: true, Tensor(shape: [rows, weight.shape[1]], storage: hidden!),
                    transposed: false)
            }
        }
    }

    /// Rₜ = x̃ₜ + h·W_hhᵀ (or h·W_hhᵀ).   hidden: [N, H] -> [N, G]
    public func callAsFunction(step t: Int, _ hidden: Tensor) -> Tensor {
        let width = weight.shape[1]
        precondition(t >= 0 && t < steps, "step \(t) out of range 0..<\(steps)")
        precondition(
            hidden.shape == [batchSize, width],
            "Recurrence step needs hidden [\(batchSize), \(width)], got \(hidden.shape)")
        let product = Kernels.recurrentProduct(
            hidden, weight, packed: packedWeight, adding: projected, bias: bias, step: t)
        let (weight, packedBackward) = (self.weight, self.packedBackward)
        let backToHidden: @Sendable (Tensor) -> Tensor = { upstream in  // ∂h = ∂R·W_hh
            guard let packedBackward else {
                return Kernels.gemm(upstream, transposed: false, weight, transposed: false)
            }
            return packedBackward.product(upstream)
        }
        guard let token, let sink else { return record(product, hidden, backToHidden) }
        sink.storeHidden(hidden, step: t)
        return record(product, [token, hidden]) { upstream, index in
            guard index == 0 else { return backToHidden(upstream) }
            sink.accumulate(upstream, step: t)
            return Tensor.zeros([1])
        }
    }
}

/// W_hh packed for the backward products ∂h = ∂R·W_hh on first use, so that a forward pass
/// without backward does not pay for it.
final class PackedBackward: Sendable {
    private let weight: Tensor
    private let packed = Mutex<PackedMatrix?>(nil)

    init(_ weight: Tensor) {
        self.weight = weight
    }

    /// ∂R·W_hh.   upstream: [N, G] -> [N, H]
    func product(_ upstream: Tensor) -> Tensor {
        let matrix = packed.withLock { packed in
            if let packed { return packed }
            let made = PackedMatrix(weight)
            packed = made
            return made
        }
        let rows = upstream.shape[0]
        let result = TensorStorage(count: rows &* matrix.width)
        matrix.product(
            upstream.storage.base, lda: matrix.depth, rows: rows, into: result.base,
            ldc: matrix.width, accumulating: false)
        return Tensor(shape: [rows, matrix.width], storage: result)
    }
}

/// Gradient buffers shared by a `Recurrence`'s steps and its token.
///
/// `@unchecked Sendable`: the gradient state is behind the mutex; each step writes its own rows
/// of `hidden`; buffers handed out by `takeSealed()` are no longer written.
final class RecurrenceGradients: @unchecked Sendable {
    private struct State {
        /// ∂Rₜ of the current backward pass, rows t·N..<(t+1)·N; allocated at the first.
        var products: TensorStorage?
        /// Whether step t's rows of `products` hold a gradient yet (else they are garbage).
        var written: [Bool]
        /// Whether step t has been run.
        var started: [Bool]
        /// The gradients of the backward pass whose token is being processed.
        var sealed: TensorStorage?
        /// Token pullbacks still to take `sealed` in this pass.
        var remaining = 0
    }
    let steps: Int
    let batchSize: Int
    let gates: Int
    let width: Int
    let parentCount: Int
    /// hₜ of every step, rows t·N..<(t+1)·N; 0 for steps never run. [T·N, H]
    /// Kept only when W_hh requires gradients.
    let hidden: TensorStorage?
    private let state: Mutex<State>

    init(
        steps: Int, batchSize: Int, gates: Int, hidden width: Int, parentCount: Int,
        keepsHidden: Bool
    ) {
        (self.steps, self.batchSize, self.gates, self.width) = (steps, batchSize, gates, width)
        self.parentCount = parentCount
        hidden = keepsHidden ? TensorStorage(count: steps &* batchSize &* width) : nil
        hidden?.buffer.initialize(repeating: 0)
        let none = Array(repeating: false, count: steps)
        state = Mutex(State(written: none, started: none))
    }

    /// Keeps hₜ for ∂W_hh (one slot per step: a second call of step t would pair both steps'
    /// ∂Rₜ with the last hₜ, so it is refused).
    func storeHidden(_ h: Tensor, step t: Int) {
        state.withLock { state in
            precondition(!state.started[t], "Recurrence step \(t) was run twice")
            state.started[t] = true
        }
        guard let hidden else { return }
        let count = batchSize &* width
        (hidden.base + t &* count).update(from: h.storage.base, count: count)
    }

    /// Adds ∂Rₜ to step t's rows (the first gradient of a pass is copied, not added to zeros).
    func accumulate(_ upstream: Tensor, step t: Int) {
        let count = batchSize &* gates
        state.withLock { state in
            let products = state.products ?? TensorStorage(count: steps &* count)
            state.products = products
            let target = products.base + t &* count
            let source = UnsafePointer(upstream.storage.base)
            if state.written[t] {
                for i in 0..<count { target[i] += source[i] }
            } else {
                target.update(from: source, count: count)
                state.written[t] = true
            }
        }
    }

    /// The ∂R of the pass being completed (0 in rows of steps no gradient reached) and the
    /// hidden states; the first call of a pass starts a new accumulation for the next pass.
    func takeSealed() -> (products: TensorStorage, hidden: TensorStorage?) {
        state.withLock { state in
            if state.sealed == nil {
                let count = batchSize &* gates
                let products = state.products ?? TensorStorage(count: steps &* count)
                for t in 0..<steps where !state.written[t] {
                    (products.base + t &* count).initialize(repeating: 0, count: count)
                }
                state.sealed = products
                state.products = nil
                state.written = Array(repeating: false, count: steps)
                state.remaining = parentCount
            }
            let sealed = state.sealed!
            state.remaining -= 1
            if state.remaining == 0 { state.sealed = nil }
            return (sealed, hidden)
        }
    }
}

// MARK: - Ops with several outputs

/// Shared by the outputs of one multi-output op and its token: the outputs' upstream gradients,
/// then the results of the op's pullback until every input has taken its own.
///
/// `@unchecked Sendable`: all state is behind the mutex.
final class MultiOutputGradients: @unchecked Sendable {
    private struct State {
        var upstreams: [Tensor?]
        var results: [Tensor?]?
        var remaining = 0
    }
    private let state: Mutex<State>
    let parentCount: Int

    init(outputCount: Int, parentCount: Int) {
        state = Mutex(State(upstreams: Array(repeating: nil, count: outputCount)))
        self.parentCount = parentCount
    }

    func store(_ upstream: Tensor, output index: Int) {
        state.withLock { state in
            state.upstreams[index] = state.upstreams[index].map { $0 + upstream } ?? upstream
        }
    }

    /// Input `index`'s gradient; the first call of a backward pass runs `pullback` on the stored
    /// upstream gradients (and clears them for the next pass).
    func gradient(
        forInput index: Int, _ pullback: ([Tensor?]) -> [Tensor?]
    ) -> Tensor? {
        state.withLock { state in
            if state.results == nil {
                state.results = pullback(state.upstreams)
                state.upstreams = Array(repeating: nil, count: state.upstreams.count)
                state.remaining = parentCount
            }
            let result = state.results![index]
            state.remaining -= 1
            if state.remaining == 0 { state.results = nil }
            return result
        }
    }
}

/// `values` as the outputs of one op on `inputs` (see the banner). `pullback` receives
/// ∂loss/∂valuesⱼ (nil for outputs no gradient reached) and returns ∂loss/∂inputsₖ for every k
/// (nil allowed for inputs that do not require gradients); it runs once per backward pass.
func record(
    outputs values: [Tensor], _ inputs: [Tensor],
    _ pullback: @escaping @Sendable ([Tensor?]) -> [Tensor?]
) -> [Tensor] {
    let parentCount = inputs.filter(\.requiresGradient).count
    guard parentCount > 0, GradientMode.isRecording else { return values }
    let box = MultiOutputGradients(outputCount: values.count, parentCount: parentCount)
    let shapes = inputs.map(\.shape)
    let token = record(Tensor.zeros([1]), inputs) { _, index in
        box.gradient(forInput: index, pullback) ?? Tensor.zeros(shapes[index])
    }
    return values.enumerated().map { index, value in
        record(value, token) { upstream in
            box.store(upstream, output: index)
            return Tensor.zeros([1])
        }
    }
}

// MARK: - Kernels

extension Kernels {
    /// The LSTM cell forward. gates: [N, 4H], cell: [N, H] -> h′, c′: [N, H]; with `saving`, also
    /// the activations [i | f | g | o | tanh c′]: [N, 5H] for the backward pass.
    static func lstmForward(
        gates: Tensor, cell: Tensor, saving: Bool
    ) -> (hidden: Tensor, cell: Tensor, activations: Tensor?) {
        let (rows, width) = (cell.shape[0], cell.shape[1])
        let pa = UnsafePointer(gates.storage.base)
        let pc = UnsafePointer(cell.storage.base)
        let hidden = TensorStorage(count: rows &* width)
        let newCell = TensorStorage(count: rows &* width)
        let activations = saving ? TensorStorage(count: rows &* 5 &* width) : nil
        // Chunks of at least 4096 cells: smaller ones do not repay the hand-off.
        let minimum = Swift.max(1, 4096 / Swift.max(1, width))
        Parallelism.forEachChunk(of: rows, minimumChunk: minimum) { _, chunk in
            let (first, units) = (chunk.lowerBound, chunk.count)
            glimpse_lstm_forward(
                pa + first &* 4 &* width, width, pc + first &* width, hidden.base + first &* width,
                newCell.base + first &* width, activations.map { $0.base + first &* 5 &* width },
                units, width)
        }
        return (
            Tensor(shape: cell.shape, storage: hidden), Tensor(shape: cell.shape, storage: newCell),
            activations.map { Tensor(shape: [rows, 5 &* width], storage: $0) }
        )
    }

    /// The LSTM cell backward (formulas in the banner). ∂h′, ∂c′: [N, H] (nil = 0),
    /// activations [i | f | g | o | tanh c′]: [N, 5H], c: [N, H] -> ∂gates: [N, 4H], ∂c: [N, H].
    static func lstmBackward(
        dHidden: Tensor?, dCell: Tensor?, activations: Tensor, previousCell: Tensor
    ) -> (dGates: Tensor, dCell: Tensor) {
        let (rows, width) = (previousCell.shape[0], previousCell.shape[1])
        let zeros = dHidden == nil || dCell == nil ? Tensor.zeros(previousCell.shape) : nil
        let pdh = UnsafePointer((dHidden ?? zeros!).storage.base)
        let pdc = UnsafePointer((dCell ?? zeros!).storage.base)
        let ps = UnsafePointer(activations.storage.base)
        let pc = UnsafePointer(previousCell.storage.base)
        let dGates = TensorStorage(count: rows &* 4 &* width)
        let dPrevious = TensorStorage(count: rows &* width)
        for n in 0..<rows {
            lstmBackwardRow(
                activations: ps + n &* 5 &* width, dHidden: pdh + n &* width,
                dCell: pdc + n &* width, previousCell: pc + n &* width,
                dGates: dGates.base + n &* 4 &* width, dPreviousCell: dPrevious.base + n &* width,
                units: width, stride: width)
        }
        return (
            Tensor(shape: [rows, 4 &* width], storage: dGates),
            Tensor(shape: previousCell.shape, storage: dPrevious)
        )
    }

    /// One row of the LSTM cell backward for `units` units (formulas in the banner): the
    /// activations i, f, g, o, tanh c′ and the gradients ∂aᵢ, ∂a_f, ∂a_g, ∂a_o each a segment of
    /// `units` floats, segment q starting q·stride after the first. `dPreviousCell` may be
    /// `dCell` itself.
    @inline(__always)
    static func lstmBackwardRow(
        activations s: UnsafePointer<Float>, dHidden dh: UnsafePointer<Float>,
        dCell dc2: UnsafePointer<Float>, previousCell c: UnsafePointer<Float>,
        dGates da: UnsafeMutablePointer<Float>, dPreviousCell dc: UnsafeMutablePointer<Float>,
        units width: Int, stride: Int
    ) {
        // Explicit 4-lane vectors: with eleven streams the loop exceeds the auto-vectoriser's
        // budget of run-time alias checks and would run scalar.
        typealias Lanes = SIMD4<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ j: Int) -> Lanes {
            UnsafeRawPointer(p + j).loadUnaligned(as: Lanes.self)
        }
        @inline(__always) func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ j: Int) {
            UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: Lanes.self)
        }
        let (si, sf, sg, so, st) = (
            s, s + stride, s + 2 &* stride, s + 3 &* stride, s + 4 &* stride
        )
        let (dai, daf, dag, dao) = (da, da + stride, da + 2 &* stride, da + 3 &* stride)
        let vectorWidth = width & ~3
        var j = 0
        while j < vectorWidth {
            let (i, f, g, o, tc) = (load(si, j), load(sf, j), load(sg, j), load(so, j), load(st, j))
            let dhj = load(dh, j)
            let total = load(dc2, j) + dhj * o * (1 - tc * tc)  // ∂c′ₜₒₜ
            store(total * g * i * (1 - i), dai, j)
            store(total * load(c, j) * f * (1 - f), daf, j)
            store(total * i * (1 - g * g), dag, j)
            store(dhj * tc * o * (1 - o), dao, j)
            store(total * f, dc, j)
            j &+= 4
        }
        while j < width {
            let (i, f, g, o, tc) = (si[j], sf[j], sg[j], so[j], st[j])
            let total = dc2[j] + dh[j] * o * (1 - tc * tc)
            dai[j] = total * g * i * (1 - i)
            daf[j] = total * c[j] * f * (1 - f)
            dag[j] = total * i * (1 - g * g)
            dao[j] = dh[j] * tc * o * (1 - o)
            dc[j] = total * f
            j &+= 1
        }
    }

    /// x·Wᵀ over all leading axes by one GEMM.   x: [T, N, in], weight: [G, in] -> [T, N, G]
    static func affine(_ x: Tensor, _ weight: Tensor) -> Tensor {
        let (gates, width) = (weight.shape[0], weight.shape[1])
        let rows = x.count / Swift.max(width, 1)
        let result = TensorStorage(count: rows &* gates)
        if rows > 0 && PackedMatrix.packsInference(rows: rows, width: gates, depth: width) {
            PackedMatrix.cached(transposing: weight).product(
                x.storage.base, lda: width, rows: rows, into: result.base, ldc: gates,
                accumulating: false)
        } else if rows > 0 && gates > 0 && width > 0 {
            sgemm(
                transposeA: false, transposeB: true, m: rows, n: gates, k: width,
                x.storage.base, lda: width, weight.storage.base, ldb: width, result.base,
                ldc: gates)
        } else {
            result.buffer.initialize(repeating: 0)
        }
        return Tensor(shape: Array(x.shape.dropLast()) + [gates], storage: result)
    }

    /// x̃[t] (+ b) + h·Wᵀ, or h·Wᵀ, by one product onto a copy of x̃[t] (+ b), from `packed` Wᵀ
    /// when given.
    /// hidden: [N, H], weight: [G, H], projected: [T, N, G], bias: [G] -> [N, G]
    static func recurrentProduct(
        _ hidden: Tensor, _ weight: Tensor, packed: PackedMatrix?,
        adding projected: Tensor?, bias: Tensor?, step t: Int
    ) -> Tensor {
        let (rows, gates, width) = (hidden.shape[0], weight.shape[0], weight.shape[1])
        let count = rows &* gates
        let result = TensorStorage(count: count)
        if let projected {
            let source = UnsafePointer(projected.storage.base + t &* count)
            if let bias {
                let pb = UnsafePointer(bias.storage.base)
                for n in 0..<rows {
                    let (from, to) = (source + n &* gates, result.base + n &* gates)
                    for j in 0..<gates { to[j] = from[j] + pb[j] }
                }
            } else {
                result.base.update(from: source, count: count)
            }
        }
        if let packed {
            packed.product(
                hidden.storage.base, lda: width, rows: rows, into: result.base, ldc: gates,
                accumulating: projected != nil)
        } else if count > 0 && width > 0 {
            sgemm(
                transposeA: false, transposeB: true, m: rows, n: gates, k: width,
                hidden.storage.base, lda: width, weight.storage.base, ldb: width,
                beta: projected == nil ? 0 : 1, result.base, ldc: gates)
        } else if projected == nil {
            result.buffer.initialize(repeating: 0)
        }
        return Tensor(shape: [rows, gates], storage: result)
    }
}
