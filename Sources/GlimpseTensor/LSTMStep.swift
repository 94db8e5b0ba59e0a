// LSTMStep.swift — one LSTM step as one op, the step of a decoder.
//
// A decoder at batch 1 reads W_ih and W_hh (1 MB each at H = 256) once per step: the step is two
// matrix–vector products bound by memory. In inference, for 1 to 64 rows (a greedy batch, a
// beam), each thread computes x·W_ihᵀ + h·W_hhᵀ + b for its own gate columns of every row in one
// hand-off (`Recurrence` makes one per product), from copies of W_ihᵀ and W_hhᵀ packed once
// (PackedMatrix.swift: contiguous panels, measured 2–5% faster per greedy decode at batch 1 than
// OpenBLAS's matrix–vector product on W itself), then the cell runs on the gates. Otherwise, when
// gradients are recorded or for more rows, the step is `Recurrence` followed by `lstmCell`.
//
// A decoder that reads its previous word steps on [E[w]; x]. The product of W_ih's first M
// columns with E[w] depends only on the word, so in inference it is computed on a word's first
// step and looked up after: a step then reads those columns (at M = 128 of 256 inputs, half of
// W_ih, 512 KB, a sixth of the attention decoder's weights per step) once per word.
import Synchronization

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
    guard !isRecording(sources), fusesStep(rows: rows), input.rank == 2,
        input.shape[0] == rows, inputWeight.shape == [4 * width, input.shape[1]],
        weight.shape == [4 * width, width], isGateBias(bias, width: width)
    else {
        let recurrence = Recurrence(
            inputs: input.unsqueezed(axis: 0), inputWeight: inputWeight, bias: bias,
            weight: weight)
        return lstmCell(gates: recurrence(step: 0, hidden), cell: cell)
    }
    let (packedInput, packedHidden) = (
        PackedMatrix.cached(transposing: inputWeight), PackedMatrix.cached(transposing: weight)
    )
    return fusedStep(bias: bias, cell: cell, weightFloats: inputWeight.count &+ weight.count) {
        columns, gates in
        packedInput.addProduct(of: input.storage.base, rows: rows, columns: columns, to: gates)
        packedHidden.addProduct(of: hidden.storage.base, rows: rows, columns: columns, to: gates)
    }
}

/// One LSTM step whose input is a word's embedding followed by x: `lstmStep` with input
/// [E[words]; x]. In inference E[w]·W_ih[:, 0..<M]ᵀ is computed once per word and weight, then
/// reused (see the file's banner).
///
/// words: N ids in 0..<V, embedding E: [V, M], input x: [N, in − M] (in − M may be 0), hidden
/// and cell: [N, H], inputWeight W_ih: [4H, in], bias: [4H] or nil, weight W_hh: [4H, H]
/// -> (h′, c′) [N, H] each.
public func lstmStep(
    words: [Int], embedding: Tensor, input: Tensor, hidden: Tensor, cell: Tensor,
    inputWeight: Tensor, bias: Tensor?, weight: Tensor
) -> (hidden: Tensor, cell: Tensor) {
    let (rows, width) = (hidden.shape[0], hidden.shape[1])
    let sources = [embedding, input, hidden, cell, inputWeight, weight] + (bias.map { [$0] } ?? [])
    guard !isRecording(sources), fusesStep(rows: rows), words.count == rows,
        embedding.rank == 2, words.allSatisfy({ (0..<embedding.shape[0]).contains($0) }),
        input.rank == 2, input.shape[0] == rows,
        inputWeight.shape == [4 * width, embedding.shape[1] + input.shape[1]],
        weight.shape == [4 * width, width], isGateBias(bias, width: width)
    else {
        return lstmStep(
            input: concat([gather(embedding, indices: words), input], axis: 1), hidden: hidden,
            cell: cell, inputWeight: inputWeight, bias: bias, weight: weight)
    }
    let (dimension, gateCount) = (embedding.shape[1], 4 &* width)
    let steps = wordSteps.value(for: [embedding, inputWeight]) {
        (
            WordStep(inputWeight: $0[1], wordColumns: dimension),
            ($0[0].shape[0] &+ $0[1].shape[1] &- dimension) &* gateCount
        )
    }
    let projections = steps.projections(of: words, embedding: embedding, inputWeight: inputWeight)
    let packedHidden = PackedMatrix.cached(transposing: weight)
    return fusedStep(
        bias: bias, cell: cell, weightFloats: gateCount &* input.shape[1] &+ weight.count
    ) { columns, gates in
        for (row, projection) in projections.enumerated() {
            let (line, pp) = (gates + row &* gateCount, projection.base)
            for j in columns { line[j] += pp[j] }
        }
        steps.otherInputs.addProduct(
            of: input.storage.base, rows: rows, columns: columns, to: gates)
        packedHidden.addProduct(of: hidden.storage.base, rows: rows, columns: columns, to: gates)
    }
}

/// Whether an LSTM step of `rows` rows runs fused in inference: its products read packed copies
/// of the weights once for all rows (up to 64, as `PackedMatrix.packsInference`).
private func fusesStep(rows: Int) -> Bool {
    (1...64).contains(rows)
}

private func isRecording(_ sources: [Tensor]) -> Bool {
    GradientMode.isRecording && sources.contains { $0.requiresGradient }
}

private func isGateBias(_ bias: Tensor?, width: Int) -> Bool {
    bias == nil || bias!.shape == [4 * width]
}

/// The step of N rows: gates = b, then `accumulate(columns, gates)` adds the products for
/// `columns` of the 4H gates of every row ([N, 4H], row-major), each thread its own columns in
/// one hand-off once the weights read reach 256 KB (as `Kernels.sgemm` splits a matrix–vector
/// product) or the products 2 MFLOP, then the cell.
private func fusedStep(
    bias: Tensor?, cell: Tensor, weightFloats: Int,
    accumulate: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
) -> (hidden: Tensor, cell: Tensor) {
    let (rows, gates) = (cell.shape[0], 4 &* cell.shape[1])
    let result = TensorStorage(count: rows &* gates)
    let pg = result.base
    for row in 0..<rows {
        if let bias {
            (pg + row &* gates).update(from: bias.storage.base, count: gates)
        } else {
            (pg + row &* gates).update(repeating: 0, count: gates)
        }
    }
    if weightFloats >= 1 << 16 || 2 &* rows &* weightFloats >= 1 << 21 {
        Parallelism.forEachChunk(of: gates, minimumChunk: 16, alignment: 16) {
            accumulate($1, pg)
        }
    } else {
        accumulate(0..<gates, pg)
    }
    let (h, c, _) = Kernels.lstmForward(
        gates: Tensor(shape: [rows, gates], storage: result), cell: cell, saving: false)
    return (h, c)
}

/// What a word-reading step derives from its embedding and input weight: W_ih's other columns
/// packed (W_ih[:, M..<in]ᵀ) and E[w]·W_ih[:, 0..<M]ᵀ [4H] per word, filled as words are first
/// read (a row, once stored, is never written again).
private final class WordStep: Sendable {
    let otherInputs: PackedMatrix
    private let projections = Mutex<[Int: TensorStorage]>([:])

    init(inputWeight: Tensor, wordColumns: Int) {
        let stride = inputWeight.shape[1]
        otherInputs = PackedMatrix(
            transposing: inputWeight.storage.base + wordColumns, rows: inputWeight.shape[0],
            depth: stride &- wordColumns, rowStride: stride)
    }

    /// E[w]·W_ih[:, 0..<M]ᵀ for each of `words`, computed for the words not read before.
    func projections(of words: [Int], embedding: Tensor, inputWeight: Tensor) -> [TensorStorage] {
        var known = projections.withLock { table in words.map { table[$0] } }
        for (index, word) in words.enumerated() where known[index] == nil {
            if let first = words[..<index].firstIndex(of: word) {
                known[index] = known[first]
                continue
            }
            let (dimension, gates) = (embedding.shape[1], inputWeight.shape[0])
            let projection = TensorStorage(count: gates)
            Kernels.sgemm(
                transposeA: false, transposeB: true, m: 1, n: gates, k: dimension,
                embedding.storage.base + word &* dimension, lda: dimension,
                inputWeight.storage.base, ldb: inputWeight.shape[1], projection.base, ldc: gates)
            projections.withLock { $0[word] = projection }
            known[index] = projection
        }
        return known.map { $0! }
    }
}

/// The word steps of the most recent decoders, at most 4 and, but for the newest, 64 MB with
/// the weights they keep alive (each counted with a full table of V·4H floats).
private let wordSteps = WeightCache<WordStep>(capacity: 4, capacityFloats: 16 << 20)
