// Peer figures measured side by side: the JSON results that ../shared/perf/torch_bench.py and
// jax_bench.py write with `--out`, read by `glimpse-bench core --peers`, or produced in the same
// run by ``TorchPeer`` (`glimpse-bench vqa`, `label`). Figures from another machine type (the
// built-in reference) only say how far a goal is; ratios to peers measured on this machine in
// the same session say who is faster.
import ArgumentParser
import Foundation

/// The best peer result for each `glimpse-bench core` figure, from peer result files.
struct PeerFigures {
    /// One row of a peer results file (benchutil.py's `record`).
    struct Row: Decodable {
        var name: String
        var medianSeconds: Double
        var throughput: Double?
        /// Cores' worth of CPU other processes used while it ran (benchutil.py's measure).
        var foreignCores: Double?

        enum CodingKeys: String, CodingKey {
            case name
            case medianSeconds = "median_s"
            case throughput = "throughput_median"
            case foreignCores = "foreign_cores"
        }
    }

    /// A figure's best peer: its value and the name of the run that gave it.
    struct Best {
        var value: Double
        var name: String
        var foreignCores: Double?
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
        "label_train_frames_s": (["(e) label train"], false),
        "label_infer_b8_frames_s": (["(e) label infer"], false),
        "label_stream_frame_ms": (["(e) label stream"], true),
        "vqa_train_q_s": (["(f) VQA train b64"], false),
        "vqa_infer_b64_q_s": (["(f) VQA infer b64"], false),
        "vqa_infer_b1_ms": (["(f) VQA infer b1"], true),
        "vqa_exact_train_q_s": (["(f) VQA train b64"], false),
        "vqa_exact_infer_b64_q_s": (["(f) VQA infer b64"], false),
        "vqa_exact_infer_b1_ms": (["(f) VQA infer b1"], true),
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
            add(rows)
        }
    }

    /// Keeps, per figure, the fastest of `rows` and what was kept before.
    mutating func add(_ rows: [Row]) {
        for row in rows {
            for (key, pattern) in Self.patterns
            where pattern.phrases.allSatisfy({ row.name.contains($0) }) {
                let value =
                    pattern.isLatency ? row.medianSeconds * 1000 : row.throughput ?? 0
                guard value > 0 else { continue }
                let better = best[key].map {
                    pattern.isLatency ? value < $0.value : value > $0.value
                }
                if better ?? true {
                    best[key] = Best(
                        value: value, name: row.name, foreignCores: row.foreignCores)
                }
            }
        }
    }
}

/// Where `glimpse-bench vqa` and `label` find PyTorch.
struct PeerOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A Python that can import torch (default: $GLIMPSE_BENCH_PYTHON, /tmp/torch-venv, "
                + "/tmp/peers, ./v, then python3).",
            discussion: "PyTorch is never a project dependency: make a venv with "
                + "`python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch`."))
    var python: String?
    @Option(help: "The folder holding torch_bench.py (default: ../shared/perf).")
    var peerScripts: String?
    @Flag(help: "Do not run PyTorch: print the reference figures instead.")
    var noTorch = false
}

/// ../shared/perf/torch_bench.py run in this process's session, beside Glimpse's figures.
///
/// benchutil.py waits for other processes to use under 0.1 cores before each measurement and
/// repeats a set of runs up to six times while they do; on a machine others train on, that can
/// take many minutes. The bench therefore runs torch_bench.py with one attempt and no waiting,
/// and prints the foreign load benchutil measured instead.
struct TorchPeer {
    /// The Python that ran it and torch's version.
    var python: String
    var version: String
    var figures: PeerFigures

    /// Why PyTorch could not be run.
    struct Unavailable: Error {
        var reason: String
    }

    /// Runs `torch_bench.py WORKLOAD --runs RUNS`, the workload a letter of its usage line.
    static func measure(workload: String, runs: Int, options: PeerOptions) -> Result<
        TorchPeer, Unavailable
    > {
        guard !options.noTorch else { return .failure(Unavailable(reason: "--no-torch")) }
        guard let scripts = scriptFolder(options.peerScripts) else {
            return .failure(
                Unavailable(reason: "torch_bench.py not found (--peer-scripts names its folder)"))
        }
        guard let (python, version) = findPython(options.python) else {
            return .failure(
                Unavailable(
                    reason: "no Python here imports torch (--python, or make /tmp/torch-venv as "
                        + "../shared/perf/README.md says)"))
        }
        let folder = NSTemporaryDirectory() + "glimpse-bench-torch-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
            let launcher = folder + "/launch.py"
            try Data(launcherSource.utf8).write(to: URL(fileURLWithPath: launcher))
            let results = folder + "/results.json"
            let (status, output) = try capture(
                python,
                [
                    "-W", "ignore", launcher, scripts, workload, "--runs", "\(runs)", "--out",
                    results,
                ])
            guard status == 0, let data = FileManager.default.contents(atPath: results) else {
                let last = output.split(separator: "\n").suffix(3).joined(separator: " | ")
                return .failure(Unavailable(reason: "torch_bench.py \(workload) failed: \(last)"))
            }
            var figures = try PeerFigures(files: [])
            figures.add(try JSONDecoder().decode([PeerFigures.Row].self, from: data))
            return .success(TorchPeer(python: python, version: version, figures: figures))
        } catch {
            return .failure(Unavailable(reason: "torch_bench.py \(workload): \(error)"))
        }
    }

    /// torch_bench.py with benchutil's quiet-machine wait off and one attempt per figure.
    /// argv: SCRIPTS_FOLDER torch_bench.py's own arguments…
    static let launcherSource = """
        import os, runpy, sys
        scripts = sys.argv[1]
        sys.path.insert(0, scripts)
        import benchutil
        benchutil.wait_quiet = lambda *a, **k: 0.0
        _bench = benchutil.bench
        benchutil.bench = lambda fn, **k: _bench(fn, **{**k, "attempts": 1})
        script = os.path.join(scripts, "torch_bench.py")
        sys.argv = [script] + sys.argv[2:]
        runpy.run_path(script, run_name="__main__")

        """

    static func scriptFolder(_ given: String?) -> String? {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let beside = URL(fileURLWithPath: executable).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/perf").standardized.path
        let candidates = given.map { [$0] } ?? ["../shared/perf", beside]
        return candidates.first {
            FileManager.default.fileExists(atPath: $0 + "/torch_bench.py")
        }
    }

    /// The first candidate Python that imports torch, and torch's version.
    static func findPython(_ given: String?) -> (String, String)? {
        let environment = ProcessInfo.processInfo.environment["GLIMPSE_BENCH_PYTHON"]
        let candidates =
            given.map { [$0] }
            ?? [
                environment, "/tmp/torch-venv/bin/python", "/tmp/peers/bin/python", "v/bin/python",
                "python3",
            ]
            .compactMap { $0 }
        for python in candidates {
            guard
                let (status, output) = try? capture(
                    python, ["-W", "ignore", "-c", "import torch; print(torch.__version__)"]),
                status == 0,
                let version = output.split(separator: "\n").last
            else { continue }
            return (python, String(version))
        }
        return nil
    }

    /// Runs a command and returns its exit status and its output (stdout and stderr together).
    static func capture(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Glimpse's figures printed beside PyTorch's (measured in this run, or the reference figures
/// when PyTorch cannot run here), as ratios of speed (above 1: Glimpse is faster) against a
/// goal ratio.
struct SideBySide {
    /// PyTorch measured in this run.
    var peer: TorchPeer?
    /// Why there is no `peer`.
    var unavailable: String?
    /// Figures to fall back on without a peer, and where they come from.
    var references: [String: Double]
    var referenceSource: String
    /// The speed ratio each compared figure should reach.
    var goal: Double

    private(set) var lines: [String] = []
    private(set) var json: [String: Any] = [:]

    init(
        peer: Result<TorchPeer, TorchPeer.Unavailable>, references: [String: Double],
        referenceSource: String, goal: Double
    ) {
        switch peer {
        case .success(let measured):
            self.peer = measured
            lines.append("PyTorch \(measured.version) measured in this run (\(measured.python))")
            json["torch_source"] = "measured: torch \(measured.version)"
        case .failure(let problem):
            unavailable = problem.reason
            lines.append(
                "PyTorch not measured (\(problem.reason)): reference figures from "
                    + referenceSource + ", another machine, so the ratios only say how far a "
                    + "goal is")
            json["torch_source"] = "reference: " + referenceSource
        }
        self.references = references
        self.referenceSource = referenceSource
        self.goal = goal
    }

    /// Adds a figure; `key` names it in the JSON (and `KEY_torch`, `KEY_ratio`) and among
    /// ``PeerFigures/patterns`` when PyTorch has the same work.
    mutating func add(
        _ key: String, _ label: String, _ value: Double, _ unit: String,
        lowerIsBetter: Bool = false, compared: Bool = true
    ) {
        json[key] = value
        var line =
            label.padding(toLength: 46, withPad: " ", startingAt: 0)
            + String(format: "%10.*f %@", Int32(value < 10 ? 3 : 1), value, unit)
        guard compared else {
            lines.append(line)
            return
        }
        let measured = peer?.figures.best[key]
        guard let torch = measured?.value ?? references[key] else {
            lines.append(line)
            return
        }
        let ratio = lowerIsBetter ? torch / value : value / torch
        json[key + "_torch"] = torch
        json[key + "_ratio"] = ratio
        line += String(
            format: "   %@ %.*f (%.2fx; goal %.1fx %@)", measured == nil ? "reference" : "PyTorch",
            Int32(torch < 10 ? 3 : 1), torch, ratio, goal, ratio >= goal ? "met" : "missed")
        if let foreign = measured?.foreignCores, foreign > 0.1 {
            line += String(format: " [others used %.2f cores during PyTorch's run]", foreign)
        }
        lines.append(line)
    }

    /// A line of text output only.
    mutating func note(_ text: String) { lines.append(text) }

    /// Prints the lines, or one JSON object with `--json`.
    func print(json asJSON: Bool) throws {
        guard asJSON else {
            lines.forEach { Swift.print($0) }
            return
        }
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
