// Matmul.swift — matrix and batched matrix products through OpenBLAS (`Kernels.sgemm`).
//
// C = op(A)·op(B), where op(X) is X or Xᵀ. Transposes are passed to BLAS as flags, never
// materialised, in the forward pass and in the pullbacks:
//   ∂op(A) = ∂C·op(B)ᵀ,   ∂op(B) = op(A)ᵀ·∂C,
// so ∂A = ∂C·op(B)ᵀ (or op(B)·∂Cᵀ when A is transposed) and ∂B = op(A)ᵀ·∂C (or ∂Cᵀ·op(A)).

/// The matrix product C = op(A)·op(B), where op(X) = Xᵀ if the matching flag is set.
///
/// Both operands are matrices, or both are batches of matrices multiplied pairwise:
/// op(A): [M, K], op(B): [K, N] -> C: [M, N];   op(A): [B, M, K], op(B): [B, K, N] -> C: [B, M, N]
/// (with `transposeA`, A is stored as [K, M] or [B, K, M]; likewise B as [N, K] or [B, N, K]).
public func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
) -> Tensor {
    let c = Kernels.gemm(a, transposed: transposeA, b, transposed: transposeB)
    let pullbackA: Pullback = { dC in
        transposeA
            ? Kernels.gemm(b, transposed: transposeB, dC, transposed: true)  // op(B)·∂Cᵀ
            : Kernels.gemm(dC, transposed: false, b, transposed: !transposeB)  // ∂C·op(B)ᵀ
    }
    let pullbackB: Pullback = { dC in
        transposeB
            ? Kernels.gemm(dC, transposed: true, a, transposed: transposeA)  // ∂Cᵀ·op(A)
            : Kernels.gemm(a, transposed: !transposeA, dC, transposed: false)  // op(A)ᵀ·∂C
    }
    return record(c, a, pullbackA, b, pullbackB)
}

extension Kernels {
    /// C = op(A)·op(B) for matrices or equal-size batches of matrices, by `Kernels.sgemm`.
    static func gemm(_ a: Tensor, transposed transA: Bool, _ b: Tensor, transposed transB: Bool)
        -> Tensor
    {
        precondition(
            (a.rank == 2 && b.rank == 2)
                || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]),
            "matmul needs two matrices or two equal batches of matrices, got \(a.shape) and "
                + "\(b.shape)")
        let batched = a.rank == 3
        let batch = batched ? a.shape[0] : 1
        // Stored [rows, columns] of each matrix.
        let (rowsA, columnsA) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (rowsB, columnsB) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transA ? (columnsA, rowsA) : (rowsA, columnsA)
        let (kB, n) = transB ? (columnsB, rowsB) : (rowsB, columnsB)
        precondition(
            k == kB,
            "matmul inner dimensions differ: \(a.shape)\(transA ? "ᵀ" : "") · "
                + "\(b.shape)\(transB ? "ᵀ" : "")")
        let shape = batched ? [batch, m, n] : [m, n]
        guard m > 0 && n > 0 && k > 0 else { return Tensor.zeros(shape) }
        let pa = UnsafePointer(a.storage.base)
        let pb = UnsafePointer(b.storage.base)
        if !batched && !transA && transB && PackedMatrix.packsInference(rows: m, width: n, depth: k)
        {
            // x·Wᵀ with a layer's weight, as a decoder step in inference.
            let packed = PackedMatrix.cached(transposing: b)
            return Tensor(shape: shape) { c in
                guard let pc = c.baseAddress else { return }
                packed.product(pa, lda: columnsA, rows: m, into: pc, ldc: n, accumulating: false)
            }
        }
        return Tensor(shape: shape) { c in
            guard let pc = c.baseAddress else { return }
            for index in 0..<batch {
                sgemm(
                    transposeA: transA, transposeB: transB, m: m, n: n, k: k,
                    pa + index &* rowsA &* columnsA, lda: columnsA,
                    pb + index &* rowsB &* columnsB, ldb: columnsB, pc + index &* m &* n, ldc: n)
            }
        }
    }
}
