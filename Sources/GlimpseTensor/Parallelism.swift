// Parallelism.swift — the threads kernels split their work across.
//
// OpenBLAS runs single-threaded here. Its own worker threads spin (sched_yield) between
// products, and the products of these small models are so short that on 2 cores the spinning
// took about a third of training time and starved the elementwise kernels in between. Instead,
// kernels split their work into contiguous chunks and run them on a small pool of helper threads
// (`WorkerPool`): large products by rows or columns of the result (`Kernels.sgemm`), convolution
// and pooling by image. Each chunk calls single-threaded OpenBLAS.
//
// The helpers spin for 200 µs after a job before they sleep: recurrent and decoding steps run
// split products every few tens of µs, and waking a sleeping thread costs about as much as the
// product (Dispatch's sleeping workers made LSTM steps slower than one thread; a 40 µs spin let
// helpers fall asleep during batch-1 greedy decoding, 1.49 ms against 1.32 ms with 200 µs).
import COpenBLAS
import Foundation
import Synchronization

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
        var pool: WorkerPool?
        let poolLock = NSLock()
        init() {
            openblas_set_num_threads(1)
        }

        /// A pool with at least `helpers` helper threads (grown by replacing it, when
        /// `threadCount` is raised past the processor count).
        func pool(helpers: Int) -> WorkerPool {
            poolLock.lock()
            defer { poolLock.unlock() }
            if let pool, pool.helperCount >= helpers { return pool }
            let grown = WorkerPool(helpers: helpers)
            pool = grown
            return grown
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
        func chunk(_ index: Int) {
            let start = Swift.min(count, units * index / threads * alignment)
            let end = Swift.min(count, units * (index + 1) / threads * alignment)
            if start < end { body(index, start..<end) }
        }
        if !state.pool(helpers: threads - 1).run(chunks: threads, chunk) {
            for index in 0..<threads { chunk(index) }  // the pool is busy: nested or concurrent
        }
    }
}

extension Parallelism {
    /// The most chunks `runTogether` runs: one per thread, and no more threads than processors
    /// (a spinning barrier needs every party running).
    static var togetherLimit: Int {
        Swift.min(threadCount, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(chunk, barrier)` for `chunks` chunks at the same time, one per thread, so that
    /// they can wait for each other at `barrier`; returns false, running nothing, when fewer
    /// threads are free (the pool is busy, or `chunks` exceeds `togetherLimit`).
    static func runTogether(chunks: Int, _ body: (Int, SpinBarrier) -> Void) -> Bool {
        guard chunks >= 1, chunks <= togetherLimit else { return false }
        let barrier = SpinBarrier(parties: chunks)
        guard chunks > 1 else {
            body(0, barrier)
            return true
        }
        return state.pool(helpers: chunks - 1).run(chunks: chunks, together: true) {
            body($0, barrier)
        }
    }
}

/// A reusable barrier for the chunks of one `Parallelism.runTogether` job: `wait()` returns once
/// every party has called it, spinning meanwhile (a step of a recurrent kernel takes tens of µs,
/// less than waking a sleeping thread).
final class SpinBarrier: @unchecked Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(parties: Int) {
        self.parties = parties
    }

    /// Blocks until all parties have arrived at this generation of the barrier.
    func wait() {
        guard parties > 1 else { return }
        let current = generation.load(ordering: .acquiring)
        if arrived.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(current &+ 1, ordering: .releasing)
            return
        }
        while generation.load(ordering: .acquiring) == current {}
    }
}

/// Helper threads that run the chunks of one job at a time with the calling thread.
///
/// `run` publishes the job in `claims` (its generation, chunk count and next unclaimed chunk in
/// one word); every thread, the caller included, claims chunks from it with a compare-and-swap until
/// none is left, and `run` returns when all chunks have finished. A helper that is still asleep
/// or busy elsewhere therefore never holds the caller up: the caller runs the chunks nobody has
/// claimed. A claim names its generation, so a helper that wakes late cannot take a chunk of a
/// job that has already returned.
final class WorkerPool: @unchecked Sendable {
    let helperCount: Int
    /// generation << 33 | together << 32 | chunk count << 16 | next unclaimed chunk.
    private let claims = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var sleepers = 0  // guarded by `condition`
    // The current job, written by `run` before it publishes `claims` (release) and read by a
    // thread only after it has claimed one of the job's chunks (acquire).
    private var job: UncheckedSendable<(Int) -> Void>?

    init(helpers: Int) {
        helperCount = helpers
        for index in 0..<helpers {
            // The thread keeps its pool alive: a replaced (smaller) pool's helpers just sleep.
            let thread = Thread { [self] in self.serve() }
            thread.name = "glimpse-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(0..<chunks)` on the calling thread and the helpers, each chunk once. With
    /// `together`, each thread runs at most one chunk, so that chunks can wait for each other
    /// (`chunks` must not exceed `helperCount + 1`). Returns false, running nothing, when the
    /// pool is already running a job.
    func run(chunks: Int, together: Bool = false, _ body: (Int) -> Void) -> Bool {
        precondition(chunks < 1 << 16 && (!together || chunks <= helperCount + 1))
        guard
            busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = UncheckedSendable(body)
            finished.store(0, ordering: .relaxed)
            let generation = (claims.load(ordering: .relaxed) >> 33) &+ 1
            condition.lock()
            claims.store(
                generation << 33 | (together ? 1 << 32 : 0) | chunks << 16, ordering: .releasing)
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            while let index = claim(generation) {
                body(index)
                finished.add(1, ordering: .releasing)
                if together { break }
            }
            while finished.load(ordering: .acquiring) < chunks {}
            job = nil
        }
        return true
    }

    /// The next unclaimed chunk of job `generation`, now claimed, or nil when there is none.
    private func claim(_ generation: Int) -> Int? {
        var state = claims.load(ordering: .acquiring)
        while true {
            let (count, next) = ((state >> 16) & 0xFFFF, state & 0xFFFF)
            guard state >> 33 == generation, next < count else { return nil }
            let (exchanged, original) = claims.compareExchange(
                expected: state, desired: state &+ 1, ordering: .acquiringAndReleasing)
            if exchanged { return next }
            state = original
        }
    }

    /// How long a helper spins after a job before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// A helper's loop: wait for a new generation (spinning for `spinNanoseconds`, then
    /// sleeping), claim its chunks.
    private func serve() {
        var seen = 0
        while true {
            var state = claims.load(ordering: .acquiring)
            let deadline = DispatchTime.now().uptimeNanoseconds &+ WorkerPool.spinNanoseconds
            var spins = 0
            while state >> 33 == seen {
                spins &+= 1
                if spins & 1023 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
                state = claims.load(ordering: .acquiring)
            }
            if state >> 33 == seen {
                condition.lock()
                while claims.load(ordering: .acquiring) >> 33 == seen {
                    sleepers += 1
                    condition.wait()
                    sleepers -= 1
                }
                condition.unlock()
                state = claims.load(ordering: .acquiring)
            }
            seen = state >> 33
            let together = state & 1 << 32 != 0
            while let index = claim(seen) {
                job!.value(index)
                finished.add(1, ordering: .releasing)
                if together { break }
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
    /// Products with at most this many rows run as one `cblas_sgemv` per row: below it, sgemm's
    /// packing costs more than reading the matrix once per row. (In inference, a layer's
    /// products of 2 or more rows read a packed copy of its weight instead,
    /// `PackedMatrix.packsInference`.)
    static let fewRows = 4

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
            let pc = c + (rows.lowerBound &* ldc &+ columns.lowerBound)
            if rows.count <= Kernels.fewRows && k > 0 {
                for i in 0..<rows.count {
                    rowProduct(
                        transposeA ? pa + i : pa + i &* lda, columns.count, pb, pc + i &* ldc)
                }
                return
            }
            if columns.count == 1 && k > 0 {
                columnProduct(rows.count, pa, pb, pc)
                return
            }
            // OpenBLAS applies β = 0 with its own scaling loop, measured 2× slower than clearing
            // C here and accumulating with β = 1.
            if beta == 0 {
                for i in 0..<rows.count {
                    (pc + i &* ldc).update(repeating: 0, count: columns.count)
                }
            }
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, blasint(rows.count),
                blasint(columns.count), blasint(k), alpha, pa, blasint(lda), pb, blasint(ldb),
                beta == 0 ? 1 : beta, pc, blasint(ldc))
        }
        // Products with a few rows or one column of C are matrix–vector products: sgemv reads the
        // matrix once, where sgemm would first copy (pack) all of it. With β = 0, BLAS may scale
        // C by 0 instead of ignoring it, so C is cleared first: uninitialised memory (NaN bit
        // patterns) cannot leak into the result.
        // One row of C: cᵀ = op(B)ᵀ·aᵀ, where the row of op(A) has stride lda when A is
        // transposed.
        func rowProduct(
            _ pa: UnsafePointer<Float>, _ columns: Int, _ pb: UnsafePointer<Float>,
            _ pc: UnsafeMutablePointer<Float>
        ) {
            if beta == 0 { pc.update(repeating: 0, count: columns) }
            cblas_sgemv(
                CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans,
                blasint(transposeB ? columns : k), blasint(transposeB ? k : columns), alpha, pb,
                blasint(ldb), pa, blasint(transposeA ? lda : 1), beta, pc, 1)
        }
        // One column of C: c = op(A)·b, where the column of op(B) has stride ldb unless B is
        // transposed.
        func columnProduct(
            _ rows: Int, _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>,
            _ pc: UnsafeMutablePointer<Float>
        ) {
            if beta == 0 { for i in 0..<rows { pc[i &* ldc] = 0 } }
            cblas_sgemv(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                blasint(transposeA ? k : rows), blasint(transposeA ? rows : k), alpha, pa,
                blasint(lda), pb, blasint(transposeB ? 1 : ldb), beta, pc, blasint(ldc))
        }
        // Below ~2 MFLOP a product takes ~20 µs on one core: not worth waking a thread. A
        // matrix–vector product is bound by reading its matrix, and each core streams its own
        // share from L3: from 256 KB on, two halves cost less than the whole (greedy decoding at
        // batch 1 went from ~1.9 to ~1.4 ms splitting from 512 KB; splitting its 256 KB
        // decoder_att too made it 1–3% faster at every quantile of 3000 interleaved decodes).
        let large =
            2 &* m &* n &* k >= 1 << 21 || (m <= Kernels.fewRows && n &* k >= 1 << 16)
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
