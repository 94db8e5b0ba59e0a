// `glimpse-bench`: speed figures printed next to the tools users would pick instead.
// Run in release mode with OpenBLAS's speed-halving overrides unset:
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE swift run -c release glimpse-bench media
import ArgumentParser
import Foundation

@main
struct GlimpseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glimpse-bench",
        abstract: "Measure Glimpse against the ffmpeg CLI and the reference figures of its peers.",
        subcommands: [
            MediaBench.self, CoreBench.self, CaptionBench.self, PipelineBench.self, VQABench.self,
            LabelBench.self,
        ])
}

/// Timing, process and memory helpers shared by the benchmarks.
enum Measure {
    /// The median of `runs` timings of `body`, in seconds, after one warm-up call.
    static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// Runs a command and fails with its stderr when it does not exit 0.
    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "\(executable) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// A field of /proc/self/status in MiB (`VmRSS`, `VmHWM`).
    static func memoryMiB(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }

    static func warnAboutOpenBLASOverrides() {
        let environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_CORETYPE"] != nil || environment["OPENBLAS_L2_SIZE"] != nil {
            FileHandle.standardError.write(
                Data(
                    ("note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; they halve OpenBLAS speed."
                        + " Run with env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE.\n").utf8))
        }
    }
}

/// How many cores' worth of CPU other processes used since it was made: /proc/stat's busy time
/// less this process's and its waited-for children's, as benchutil.py measures the peers.
struct LoadMeter {
    private let busy: Double
    private let own: Double
    private let start = DispatchTime.now().uptimeNanoseconds

    init() {
        busy = Self.systemBusySeconds()
        own = Self.ownSeconds()
    }

    /// Average cores used by other processes since `init`.
    func foreignCores() -> Double {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let foreign = (Self.systemBusySeconds() - busy) - (Self.ownSeconds() - own)
        return max(0, foreign / max(elapsed, 1e-9))
    }

    private static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Busy time of all processors: the first line of /proc/stat less idle and iowait.
    private static func systemBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let first = stat.split(separator: "\n").first
        else { return 0 }
        let values = first.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard values.count == 8 else { return 0 }
        return (values.reduce(0, +) - values[3] - values[4]) / ticks
    }

    private static func ownSeconds() -> Double {
        var usage = tms()
        _ = times(&usage)
        let total = usage.tms_utime + usage.tms_stime + usage.tms_cutime + usage.tms_cstime
        return Double(total) / ticks
    }
}

/// One printed result.
struct Figure: Encodable {
    var name: String
    var value: Double
    var unit: String
    /// The same work measured on the ffmpeg CLI in this run, when there is one.
    var ffmpegCLI: Double?
    /// The best peer's figure from ../shared/perf/reference-2026-11-21.md, and who it is.
    var reference: Double?
    var referenceName: String?

    func line() -> String {
        var text =
            "\(name.padding(toLength: 44, withPad: " ", startingAt: 0))"
            + String(format: "%9.1f %@", value, unit)
        if let ffmpegCLI {
            text += String(format: "   ffmpeg CLI %7.1f (%.2fx)", ffmpegCLI, value / ffmpegCLI)
        }
        if let reference, let referenceName {
            text += String(
                format: "   %@ %.0f (%.2fx)", referenceName, reference, value / reference)
        }
        return text
    }
}
