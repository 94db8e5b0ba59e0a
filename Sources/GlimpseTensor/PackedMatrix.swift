// PackedMatrix.swift — a right-hand matrix packed once for many products, as the recurrent
// weight of a sequence or a decoder's weights in inference: CVectorMath's
// `glimpse_packed_product` without OpenBLAS's per-call copy (see packed_product.c).
import CVectorMath

/// B [k, n] in CVectorMath's panel layout, for products A·B with many different A.
final class PackedMatrix: @unchecked Sendable {
    /// k, the rows of B (the inner dimension of products).
    let depth: Int
    /// n, the columns of B (of products).
    let width: Int
    private let panels: UnsafeMutablePointer<Float>

    /// B = Wᵀ for the `rows` rows of a row-major W starting at `weight`, each of `depth` floats
    /// and `rowStride` floats apart (`depth` unless given: a block of columns of a wider W):
    /// B [depth, rows].
    init(transposing weight: UnsafePointer<Float>, rows: Int, depth: Int, rowStride: Int? = nil) {
        self.depth = depth
        width = rows
        panels = .allocate(capacity: Swift.max(1, glimpse_packed_count(depth, rows)))
        glimpse_pack(weight, depth, rows, 1, rowStride ?? depth, panels)
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

    /// C[:, columns] += A·B[:, columns] for A [m, k] and C [m, n], both row-major and
    /// contiguous: one thread's share of a product split by `columns` (bounds multiples of 16
    /// but for the end).
    func addProduct(
        of a: UnsafePointer<Float>, rows m: Int, columns: Range<Int>,
        to c: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, depth > 0, !columns.isEmpty else { return }
        glimpse_packed_product(
            a, depth, panels + columns.lowerBound &* depth, c + columns.lowerBound, width, m,
            columns.count, depth, 1)
    }

    /// C[m, n] += A[m, k]·B, or C = A·B unless `accumulating`; A and C row-major with row
    /// strides lda and ldc. Large products split across threads by panels of 16 columns unless
    /// `split` is false.
    func product(
        _ a: UnsafePointer<Float>, lda: Int, rows m: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int, accumulating: Bool, split: Bool = true
    ) {
        guard m > 0 && width > 0 else { return }
        guard depth > 0 else {
            if !accumulating {
                for i in 0..<m { (c + i &* ldc).update(repeating: 0, count: width) }
            }
            return
        }
        let panelCount = (width &+ 15) / 16
        // Below ~2 MFLOP, not worth waking a thread, unless B has 512 KB or more; a product of a
        // few rows is then bound by reading B, each core its share. (`Kernels.sgemm` splits its
        // one-row products from 256 KB, measured for a decoder's matrix–vector products.)
        let large = 2 &* m &* width &* depth >= 1 << 21 || width &* depth >= 1 << 17
        let minimumChunk = split && large ? 1 : panelCount
        Parallelism.forEachChunk(of: panelCount, minimumChunk: minimumChunk) { _, chunk in
            let first = chunk.lowerBound &* 16
            let columns = Swift.min(width, chunk.upperBound &* 16) &- first
            glimpse_packed_product(
                a, lda, panels + first &* depth, c + first, ldc, m, columns, depth,
                accumulating ? 1 : 0)
        }
    }
}

// MARK: - Weights packed once for inference

extension PackedMatrix {
    /// Whether an m-row product with a weight of n·k elements runs from a cached packed copy of
    /// the weight: in inference (nothing recorded, no backward pass running), for weights of
    /// 128 KB or more and 2 to 64 rows (a decoder step of a batch or of a beam), where one
    /// matrix–vector product per row would read the weight once per row and OpenBLAS's sgemm
    /// would copy it on every call. (Measured: beam-3 captioning 11–16% faster per image than
    /// with a matrix–vector product per row.)
    static func packsInference(rows m: Int, width n: Int, depth k: Int) -> Bool {
        !GradientMode.isRecording && !GradientMode.isDifferentiating && m > 1
            && m <= 64 && n &* k >= 1 << 15
    }

    /// Wᵀ for a weight W [n, k], packed on first use and reused while W's storage lives: a
    /// decoder calls its layers once per step with the same weights.
    static func cached(transposing weight: Tensor) -> PackedMatrix {
        packedWeights.value(for: weight) { weight in
            (
                PackedMatrix(transposing: weight),
                glimpse_packed_count(weight.shape[1], weight.shape[0])
            )
        }
    }

    /// The most recently used packed weights (a decoder has a handful), at most 8 and, but for
    /// the newest, 256 MB with the weights they keep alive.
    private static let packedWeights = WeightCache<PackedMatrix>(
        capacity: 8, capacityFloats: 64 << 20)
}
