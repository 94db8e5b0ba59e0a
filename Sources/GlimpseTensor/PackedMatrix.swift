// PackedMatrix.swift — a right-hand matrix packed once for many products, as the recurrent
// weight of a sequence: CVectorMath's `glimpse_packed_product` without OpenBLAS's per-call copy
// (see packed_product.c).
import CVectorMath

/// B [k, n] in CVectorMath's panel layout, for products A·B with many different A.
final class PackedMatrix: @unchecked Sendable {
    /// k, the rows of B (the inner dimension of products).
    let depth: Int
    /// n, the columns of B (of products).
    let width: Int
    private let panels: UnsafeMutablePointer<Float>

    /// B = Wᵀ for the `rows` rows of a row-major W starting at `weight`, each of `depth` floats:
    /// B [depth, rows].
    init(transposing weight: UnsafePointer<Float>, rows: Int, depth: Int) {
        self.depth = depth
        width = rows
        panels = .allocate(capacity: Swift.max(1, glimpse_packed_count(depth, rows)))
        glimpse_pack(weight, depth, rows, 1, depth, panels)
    }

    /// B = Wᵀ for a weight W [n, k] (as nn.Linear's).
    convenience init(transposing weight: Tensor) {
        self.init(
            transposing: weight.storage.base, rows: weight.shape[0], depth: weight.shape[1])
    }

    /// B = M for the `depth` × `width` row-major matrix M at `matrix` whose rows are `rowStride`
    /// floats apart (a block of columns of a wider matrix).
    init(_ matrix: UnsafePointer<Float>, depth: Int, width: Int, rowStride: Int) {
        (self.depth, self.width) = (depth, width)
        panels = .allocate(capacity: Swift.max(1, glimpse_packed_count(depth, width)))
        glimpse_pack(matrix, depth, width, rowStride, 1, panels)
    }

    /// B = M itself, a row-major matrix [k, n].
    convenience init(_ matrix: Tensor) {
        self.init(
            matrix.storage.base, depth: matrix.shape[0], width: matrix.shape[1],
            rowStride: matrix.shape[1])
    }

    deinit { panels.deallocate() }

    /// C[m, n] += A[m, k]·B, or C = A·B unless `accumulating`; A and C row-major with row
    /// strides lda and ldc. Large products split across threads by panels of 16 columns unless
    /// `split` is false.
    func product(
        _ a: UnsafePointer<Float>, lda: Int, rows m: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int, accumulating: Bool, split: Bool = true
    ) {
        if !accumulating {
            for i in 0..<m { (c + i &* ldc).update(repeating: 0, count: width) }
        }
        guard m > 0 && width > 0 && depth > 0 else { return }
        let panelCount = (width &+ 15) / 16
        // As in `Kernels.sgemm`: below ~2 MFLOP, not worth waking a thread.
        let large = 2 &* m &* width &* depth >= 1 << 21
        let minimumChunk = split && large ? 1 : panelCount
        Parallelism.forEachChunk(of: panelCount, minimumChunk: minimumChunk) { _, chunk in
            let first = chunk.lowerBound &* 16
            let columns = Swift.min(width, chunk.upperBound &* 16) &- first
            glimpse_packed_product(
                a, lda, panels + first &* depth, c + first, ldc, m, columns, depth)
        }
    }
}
