// Progress of a batch run on standard error: a bar redrawn in place on a terminal (done/total,
// items/s, ETA), plain lines every few seconds when standard error is a file or a pipe.
import Foundation

/// Shows how far a run is. Called from the delivering thread only.
public final class ProgressReporter {
    private let terminal: Bool
    private let interval: TimeInterval
    private let write: (String) -> Void
    private var total = 0
    private var done = 0
    private var failed = 0
    private var started = Date()
    private var shown = Date.distantPast

    /// `terminal` draws a bar (default: whether standard error is one); otherwise a line every
    /// `interval` seconds. `write` receives the text (default: standard error).
    public init(
        terminal: Bool = isatty(STDERR_FILENO) == 1, interval: TimeInterval = 10,
        write: @escaping (String) -> Void = { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    ) {
        self.terminal = terminal
        self.interval = interval
        self.write = write
    }

    func start(total: Int) {
        self.total = total
        started = Date()
        shown = terminal ? .distantPast : started
    }

    func advance(failed isFailure: Bool) {
        done += 1
        if isFailure { failed += 1 }
        let now = Date()
        if now.timeIntervalSince(shown) >= (terminal ? 0.1 : interval) {
            shown = now
            write(terminal ? "\r" + line(now) + "\u{1B}[K" : line(now) + "\n")
        }
    }

    func finish() {
        if terminal && total > 0 { write("\r" + line(Date()) + "\u{1B}[K\n") }
    }

    /// `120/2000 (6%)  35.2 items/s  ETA 0:53  2 failed`, with a bar on a terminal.
    func line(_ now: Date) -> String {
        let seconds = max(now.timeIntervalSince(started), 1e-3)
        let rate = Double(done) / seconds
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        var text =
            "\(done)/\(total) (\(Int(fraction * 100))%)  " + String(format: "%.1f items/s", rate)
        if done < total && rate > 0 {
            let left = Int((Double(total - done) / rate).rounded())
            text += String(format: "  ETA %d:%02d", left / 60, left % 60)
        }
        if failed > 0 { text += "  \(failed) failed" }
        guard terminal else { return text }
        let width = 24
        let filled = Int(fraction * Double(width))
        return "[" + String(repeating: "#", count: filled)
            + String(repeating: ".", count: width - filled) + "] " + text
    }
}
