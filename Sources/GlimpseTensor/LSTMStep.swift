// LSTMStep.swift — one LSTM step as one op, the step of a decoder.
//
// A decoder at batch 1 reads W_ih and W_hh (1 MB each at H = 256) once per step: the step is two
// matrix–vector products bound by memory. For one row in inference, each thread computes
// x·W_ihᵀ + h·W_hhᵀ + b for its own gate columns in one hand-off (`Recurrence` makes one per
// product), then the cell runs on the gates. Otherwise the step is `Recurrence` followed by
// `lstmCell`: when gradients are recorded, and for more rows, whose products in inference
// read packed cached weights once for all rows (PackedMatrix.swift).

/// One LSTM step: gates = x·W_ihᵀ + h·W_hhᵀ + b (gate order i, f, g, o), then the cell.
///
/// input x: [N, in], hidden h and cell c: [N, H], inputWeight W_ih: [4H, in], bias (b_ih + b_hh):
/// [4H] or nil, weight W_hh: [4H, H] -> (h′, c′) [N, H] each.
public func lstmStep(
    input: Tensor, hidden: Tensor, cell: Tensor, inputWeight: Tensor, bias: Tensor?,
    weight: Tensor
) -> (hidden: Tensor, cell: Tensor) {
    let (rows, width) = (hidden.shape[0], hidden.shape[1])
    let sources = [input, hidden, cell, inputWeight, weight] + (bias.map { [$0] } ?? [])
    let recording = GradientMode.isRecording && sources.contains { $0.requiresGradient }
    guard !recording, rows == 1, input.rank == 2, input.shape[0] == rows,
        inputWeight.shape == [4 * width, input.shape[1]], weight.shape == [4 * width, width],
        bias == nil || bias!.shape == [4 * width]
    else {
        let recurrence = Recurrence(
            inputs: input.unsqueezed(axis: 0), inputWeight: inputWeight, bias: bias,
            weight: weight)
        return lstmCell(gates: recurrence(step: 0, hidden), cell: cell)
    }
    let (gates, depth) = (4 &* width, input.shape[1])
    let result = TensorStorage(count: gates)  // one row
    let pg = result.base
    if let bias {
        pg.update(from: bias.storage.base, count: gates)
    } else {
        pg.update(repeating: 0, count: gates)
    }
    let operands = [(input, inputWeight, depth), (hidden, weight, width)]
    func products(_ columns: Range<Int>) {
        for (x, w, k) in operands where k > 0 {
            Kernels.sgemm(
                transposeA: false, transposeB: true, m: 1, n: columns.count, k: k,
                x.storage.base, lda: k, w.storage.base + columns.lowerBound &* k, ldb: k,
                beta: 1, pg + columns.lowerBound, ldc: gates, split: false)
        }
    }
    // As `Kernels.sgemm` splits a matrix–vector product: from 512 KB of weights.
    if gates &* (depth &+ width) >= 1 << 17 {
        Parallelism.forEachChunk(of: gates, minimumChunk: 16, alignment: 16) { products($1) }
    } else {
        products(0..<gates)
    }
    let (h, c, _) = Kernels.lstmForward(
        gates: Tensor(shape: [1, gates], storage: result), cell: cell, saving: false)
    return (h, c)
}
