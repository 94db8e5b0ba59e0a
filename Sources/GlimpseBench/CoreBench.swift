// `glimpse-bench core`: the learning core's speed next to PyTorch's CPU figures for the same
// shapes (../shared/perf/torch_bench.py, reference-2026-11-21.md).
import ArgumentParser
import Foundation
import GlimpseTensor

struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core", abstract: "sgemm, CNN, LSTM and attention-decoder throughput.")

    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 5
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// Medians from ../shared/perf/reference-2026-11-21.md (2 threads, this machine type).
    enum Reference {
        static let sgemm4096 = 379.0  // OpenBLAS's own best kernel (numpy, SkylakeX/Cooperlake)
    }

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        var figures: [String: Double] = [:]
        var lines: [String] = ["OpenBLAS kernel: \(BLAS.coreName)"]
        let saved = BLAS.threadCount
        for threads in [1, 2] {
            BLAS.threadCount = threads
            for size in [256, 512, 1024, 2048, 4096] {
                let gflops = sgemmGFLOPS(size)
                figures["sgemm_\(size)_t\(threads)_gflops"] = gflops
                if threads == 2 { figures["sgemm_\(size)_gflops"] = gflops }
                var line = String(
                    format: "sgemm %4d, %d thread%@ %8.1f GFLOP/s", size, threads,
                    threads == 1 ? " " : "s", gflops)
                if size == 4096 && threads == 2 {
                    line += String(
                        format: "   OpenBLAS best %.0f (%.2fx)", Reference.sgemm4096,
                        gflops / Reference.sgemm4096)
                }
                lines.append(line)
            }
        }
        BLAS.threadCount = saved
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            lines.forEach { print($0) }
        }
    }

    /// C = A·B for n×n matrices through GlimpseTensor's matmul (2n³ flops per product).
    func sgemmGFLOPS(_ n: Int) -> Double {
        var generator = SplitMix64(seed: 1)
        let a = Tensor(randomUniform: [n, n], using: &generator)
        let b = Tensor(randomUniform: [n, n], using: &generator)
        let repeats = max(1, 256 * 256 * 256 * 8 / (n * n * n))
        let seconds = withoutGradients {
            Measure.median(runs: n >= 2048 ? 3 : runs) {
                for _ in 0..<repeats { _ = matmul(a, b) }
            }
        }
        return 2 * Double(n * n * n) * Double(repeats) / seconds / 1e9
    }
}
