// `glimpse-bench core`: the learning core's speed next to PyTorch's CPU figures for the same
// shapes (../shared/perf/torch_bench.py, reference-2026-11-21.md).
import ArgumentParser
import Foundation
import GlimpseLayers
import GlimpseTensor

struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core", abstract: "sgemm, CNN, LSTM and attention-decoder throughput.")

    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 5
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Option(
        parsing: .upToNextOption,
        help: "Measure only these workloads: sgemm, cnn, lstm, attention (default: all).")
    var only: [Workload] = Workload.allCases
    @Option(help: "Threads per operation for the model workloads (default: one per processor).")
    var threads: Int?
    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Peer results measured on this machine (torch_bench.py / jax_bench.py --out files).",
            discussion: "Each figure is then also printed as a ratio to the fastest of them."))
    var peers: [String] = []

    enum Workload: String, CaseIterable, ExpressibleByArgument {
        case sgemm, cnn, lstm, attention
    }

    /// Medians from ../shared/perf/reference-2026-11-21.md (2 threads, the project's reference
    /// machine type): the best peer for each workload.
    enum Reference {
        static let sgemm4096 = 379.0  // OpenBLAS's own best kernel (numpy, SkylakeX/Cooperlake)
        static let cnnTrain = 413.8  // PyTorch channels_last SGD, img/s
        static let cnnInferB64 = 1987.1  // torch.compile, img/s
        static let cnnInferB1 = 0.931  // PyTorch channels_last, ms
        static let lstmTrain = 2429.9  // PyTorch nn.LSTM fwd+bwd, seq/s
        static let lstmInfer = 7833.7  // PyTorch nn.LSTM forward, seq/s
        static let satTrain = 402.1  // JAX lax.scan, seq/s
        static let satGreedyB1 = 1.383  // JAX, ms
        static let satGreedyB32 = 2580.4  // JAX, seq/s
    }

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        let measuredPeers = try PeerFigures(files: peers)
        var figures: [String: Double] = [:]
        var lines: [String] = ["OpenBLAS kernel: \(BLAS.coreName)"]
        let saved = Parallelism.threadCount
        for threads in [1, 2] where only.contains(.sgemm) {
            Parallelism.threadCount = threads
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
        Parallelism.threadCount = threads ?? saved
        func report(
            _ key: String, _ label: String, _ value: Double, _ unit: String, _ peer: Double,
            lowerIsBetter: Bool = false
        ) {
            figures[key] = value
            func ratio(to peer: Double) -> Double { lowerIsBetter ? peer / value : value / peer }
            var line =
                label.padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(
                    format: "%9.2f %@   reference %.2f (%.2fx)", value, unit, peer, ratio(to: peer))
            if let here = measuredPeers.best[key] {
                figures[key + "_peer"] = here.value
                line += String(
                    format: "   here %.2f (%.2fx, %@)", here.value, ratio(to: here.value),
                    here.name)
            }
            lines.append(line)
        }
        if only.contains(.cnn) {
            let cnn = Workloads.cnn(runs: runs)
            report(
                "cnn_train_img_s", "CNN train b64 64x64 (Adam)", cnn.train, "img/s",
                Reference.cnnTrain)
            report(
                "cnn_infer_b64_img_s", "CNN infer b64", cnn.inferB64, "img/s", Reference.cnnInferB64
            )
            report(
                "cnn_infer_b1_ms", "CNN infer b1", cnn.inferB1, "ms", Reference.cnnInferB1,
                lowerIsBetter: true)
        }
        if only.contains(.lstm) {
            let lstm = Workloads.lstm(runs: runs)
            report(
                "lstm_train_seq_s", "LSTM 128->256 b32 T32 fwd+bwd", lstm.train, "seq/s",
                Reference.lstmTrain)
            report("lstm_infer_seq_s", "LSTM forward", lstm.infer, "seq/s", Reference.lstmInfer)
        }
        if only.contains(.attention) {
            let sat = Workloads.attentionDecoder(runs: runs)
            report(
                "sat_train_seq_s", "attention decoder train b32 T16", sat.train, "seq/s",
                Reference.satTrain)
            report(
                "sat_greedy_b1_ms", "attention greedy 16 tokens b1", sat.greedyB1, "ms",
                Reference.satGreedyB1, lowerIsBetter: true)
            report(
                "sat_greedy_b32_seq_s", "attention greedy 16 tokens b32", sat.greedyB32, "seq/s",
                Reference.satGreedyB32)
        }
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
