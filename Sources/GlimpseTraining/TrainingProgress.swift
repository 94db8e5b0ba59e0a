// How a training run shows progress. On a terminal, one status line redrawn in place, with
// messages (validation results, warnings) printed as lines of their own above it; elsewhere
// (CI, a pipe, a log file) a plain status line every few seconds and never a carriage return;
// with --quiet, only the summary. The clock is injected so tests can drive it.
import Foundation
import Glibc

/// Where and how often progress is written. A class: one display is shared by everything that
/// writes to the same terminal line.
public final class ProgressDisplay {
    /// How progress appears.
    public enum Mode: Sendable, Equatable {
        /// A terminal: the status line is redrawn in place (`\r`, erase line).
        case live
        /// Not a terminal: a plain status line at most every `everySeconds`.
        case plain(everySeconds: Double)
        /// Only summaries.
        case quiet
    }

    public let mode: Mode
    /// Seconds on a monotonic clock.
    public let now: () -> Double
    private let write: (String) -> Void
    private var shown: String?
    private var lastStatus = -Double.infinity
    private let started: Double

    /// A display writing to `write` and reading time from `now`.
    public init(
        mode: Mode, now: @escaping () -> Double = monotonicSeconds,
        write: @escaping (String) -> Void
    ) {
        self.mode = mode
        self.now = now
        self.write = write
        started = now()
        if case .plain = mode { lastStatus = started }
    }

    /// Standard error: live when it is a terminal, plain lines every `logEverySeconds`
    /// otherwise, summaries only when `quiet`.
    public static func standardError(quiet: Bool, logEverySeconds: Double = 10) -> ProgressDisplay {
        let mode: Mode =
            quiet ? .quiet : isatty(2) == 1 ? .live : .plain(everySeconds: logEverySeconds)
        return ProgressDisplay(mode: mode) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// Every message and summary as a line to `log` (without its newline), no status lines:
    /// for library callers and tests.
    public static func lines(_ log: @escaping (String) -> Void) -> ProgressDisplay {
        ProgressDisplay(mode: .plain(everySeconds: .infinity)) { text in
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                log(String(line))
            }
        }
    }

    /// Seconds since the display was made.
    public var elapsed: Double { now() - started }

    /// Shows `line` as the current status (redrawn, or printed when a plain line is due).
    /// `force` prints a plain line even when one is not due (the last step).
    public func status(_ line: String, force: Bool = false) {
        let time = now()
        switch mode {
        case .live:
            // Redrawing more than ~10 times a second only costs the terminal.
            guard force || time - lastStatus >= 0.1 else { return }
            write("\r\u{1B}[2K" + line)
            shown = line
        case .plain(let every):
            guard force || time - lastStatus >= every else { return }
            write(line + "\n")
        case .quiet:
            return
        }
        lastStatus = time
    }

    /// A line of its own (a validation result, a warning); not shown when quiet.
    public func message(_ line: String) {
        if mode == .quiet { return }
        emit(line)
    }

    /// A line shown in every mode: how the run ended.
    public func summary(_ line: String) {
        emit(line)
    }

    /// Ends the status line, so that what follows starts on a line of its own.
    public func finish() {
        if shown != nil { write("\n") }
        shown = nil
    }

    private func emit(_ line: String) {
        if let shown {
            write("\r\u{1B}[2K" + line + "\n" + shown)
        } else {
            write(line + "\n")
        }
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The status line of a training run:
/// `epoch 2/10  step 130/400  loss 1.2345  812 img/s  elapsed 0:21  eta 0:44`.
public struct TrainingStatus: Sendable, Equatable {
    public var epoch: Int  // 1-based, the epoch in progress
    public var epochs: Int?  // nil: unbounded
    public var step: Int
    public var steps: Int?  // nil: unbounded
    public var loss: Float
    public var itemsPerSecond: Double
    public var itemName: String
    public var elapsed: Double
    public var remaining: Double

    public var line: String {
        let epochText = "epoch \(epoch)" + (epochs.map { "/\($0)" } ?? "")
        let stepText = "step \(step)" + (steps.map { "/\($0)" } ?? "")
        return String(
            format: "%@  %@  loss %.4f  %.0f %@/s  elapsed %@  eta %@", epochText, stepText,
            loss, itemsPerSecond, itemName, TrainingClock.format(elapsed),
            TrainingClock.format(remaining))
    }
}
