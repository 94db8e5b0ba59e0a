// Peer figures measured side by side: the JSON results that ../shared/perf/torch_bench.py and
// jax_bench.py write with `--out`, read by `glimpse-bench core --peers`. Figures from another
// machine type (the built-in reference) only say how far a goal is; ratios to peers measured
// on this machine in the same session say who is faster.
import ArgumentParser
import Foundation

/// The best peer result for each `glimpse-bench core` figure, from peer result files.
struct PeerFigures {
    /// One row of a peer results file (benchutil.py's `record`).
    struct Row: Decodable {
        var name: String
        var medianSeconds: Double
        var throughput: Double?

        enum CodingKeys: String, CodingKey {
            case name
            case medianSeconds = "median_s"
            case throughput = "throughput_median"
        }
    }

    /// A figure's best peer: its value and the name of the run that gave it.
    struct Best {
        var value: Double
        var name: String
    }

    /// The phrases that pick a figure's rows out of the peer files, and whether the figure is a
    /// latency in ms (lower is better) rather than a throughput.
    static let patterns: [String: (phrases: [String], isLatency: Bool)] = [
        "cnn_train_img_s": (["(a) CNN train b64"], false),
        "cnn_infer_b64_img_s": (["(a) CNN infer b64"], false),
        "cnn_infer_b1_ms": (["(a) CNN infer b1"], true),
        "lstm_train_seq_s": (["(c)", "fwd+bwd"], false),
        "lstm_infer_seq_s": (["(c)", "fwd only"], false),
        "sat_train_seq_s": (["(b) SAT train"], false),
        "sat_greedy_b1_ms": (["(b) SAT greedy 16 tok b1"], true),
        "sat_greedy_b32_seq_s": (["(b) SAT greedy 16 tok b32"], false),
    ]

    private(set) var best: [String: Best] = [:]

    /// Reads every file's rows and keeps, per figure, the fastest peer.
    init(files: [String]) throws {
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("\(file): cannot read it")
            }
            guard let rows = try? JSONDecoder().decode([Row].self, from: data) else {
                throw ValidationError(
                    "\(file): not a peer results file (the JSON array that torch_bench.py or "
                        + "jax_bench.py writes with --out)")
            }
            for row in rows {
                for (key, pattern) in Self.patterns
                where pattern.phrases.allSatisfy({ row.name.contains($0) }) {
                    let value =
                        pattern.isLatency ? row.medianSeconds * 1000 : row.throughput ?? 0
                    guard value > 0 else { continue }
                    let better = best[key].map {
                        pattern.isLatency ? value < $0.value : value > $0.value
                    }
                    if better ?? true { best[key] = Best(value: value, name: row.name) }
                }
            }
        }
    }
}
