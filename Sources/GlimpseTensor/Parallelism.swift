// Parallelism.swift — the threads kernels split their work across.
//
// OpenBLAS runs single-threaded here. Its own worker threads spin (sched_yield) between
// products, and the products of these small models are so short that on 2 cores the spinning
// took about a third of training time and starved the elementwise kernels in between. Instead,
// kernels split their work into contiguous chunks and run them on Dispatch's worker threads,
// which sleep when idle: large products by rows or columns of the result (`Kernels.sgemm`),
// convolution and pooling by image. Each chunk calls single-threaded OpenBLAS.
import COpenBLAS
import Dispatch
import Foundation

/// How many threads kernels use for one operation.
public enum Parallelism {
    /// Threads per operation: the processor count unless set (at least 1). Results do not depend
    /// on it except for the order of additions in gradients summed over a batch.
    /// Set it before starting work, not while kernels run.
    public static var threadCount: Int {
        get { state.threads }
        set { state.threads = Swift.max(1, newValue) }
    }

    /// Mutable process-wide setting, read by kernels; written only between operations.
    private final class State: @unchecked Sendable {
        var threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        init() {
            openblas_set_num_threads(1)
        }
    }
    private static let state = State()

    /// How many chunks `forEachChunk(of: count, minimumChunk:)` makes (1 when it runs serially).
    static func chunkCount(of count: Int, minimumChunk: Int = 1) -> Int {
        Swift.max(1, Swift.min(threadCount, count / Swift.max(1, minimumChunk)))
    }

    /// Calls `body(chunk, range)` on `chunkCount(of:minimumChunk:)` disjoint chunks covering
    /// `0..<count`, concurrently when there are several; each chunk's bounds are multiples of
    /// `alignment` (except the end). `body` must only write memory that belongs to its chunk.
    static func forEachChunk(
        of count: Int, minimumChunk: Int = 1, alignment: Int = 1,
        _ body: (Int, Range<Int>) -> Void
    ) {
        let threads = chunkCount(of: count, minimumChunk: minimumChunk)
        guard threads > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let units = (count + alignment - 1) / alignment
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { index in
                let start = Swift.min(count, units * index / threads * alignment)
                let end = Swift.min(count, units * (index + 1) / threads * alignment)
                if start < end { task.value(index, start..<end) }
            }
        }
    }
}

/// A value handed to Dispatch's worker threads by a kernel that guarantees the threads touch
/// disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Kernels {
    /// Row-major C = α·op(A)·op(B) + β·C through `cblas_sgemm`, split across
    /// `Parallelism.threadCount` threads by rows of C (or by columns when C is wide) once the
    /// product is large enough to pay for the hand-off and `split` allows it (pass false from
    /// code already running on several threads). Arguments as `cblas_sgemm`'s.
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int, split: Bool = true
    ) {
        func product(rows: Range<Int>, columns: Range<Int>) {
            // Row i of op(A) starts at a + i·lda (stored A) or a + i (Aᵀ stored); column j of
            // op(B) at b + j (stored B) or b + j·ldb (Bᵀ stored).
            let pa = transposeA ? a + rows.lowerBound : a + rows.lowerBound &* lda
            let pb = transposeB ? b + columns.lowerBound &* ldb : b + columns.lowerBound
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, blasint(rows.count),
                blasint(columns.count), blasint(k), alpha, pa, blasint(lda), pb, blasint(ldb),
                beta, c + (rows.lowerBound &* ldc &+ columns.lowerBound), blasint(ldc))
        }
        // Below ~2 MFLOP a product takes ~20 µs on one core: not worth waking a thread, unless
        // it streams a large B (≥ 512 KB, such as a weight matrix times one vector), where
        // each thread reading half of B from its own cache doubles the bandwidth.
        let large = 2 &* m &* n &* k >= 1 << 21 || k &* n >= 1 << 17
        guard split, Parallelism.threadCount > 1, large else {
            product(rows: 0..<m, columns: 0..<n)
            return
        }
        if m >= n {
            Parallelism.forEachChunk(of: m, minimumChunk: 16, alignment: 16) {
                product(rows: $1, columns: 0..<n)
            }
        } else {
            Parallelism.forEachChunk(of: n, minimumChunk: 16, alignment: 16) {
                product(rows: 0..<m, columns: $1)
            }
        }
    }
}
