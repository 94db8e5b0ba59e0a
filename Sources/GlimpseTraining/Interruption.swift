// Stopping a training run cleanly on SIGINT (Ctrl-C) and SIGTERM (a job scheduler's "stop"):
// the first signal asks the loop to finish the step in flight, write a checkpoint and return;
// a second SIGINT exits at once (the previous checkpoint stays intact: checkpoints are written
// to a staging directory and swapped in, never in place).
import Glibc
import Synchronization

/// The signal received since ``Interruption/begin()``, 0 when none.
private let received = Atomic<Int32>(0)

/// Async-signal-safe: an atomic store, or `_exit` on a second SIGINT.
private func onSignal(_ number: Int32) {
    if number == SIGINT && received.load(ordering: .relaxed) == SIGINT {
        _exit(128 + SIGINT)
    }
    received.store(number, ordering: .relaxed)
}

/// SIGINT and SIGTERM as requests to stop a training loop between steps.
///
/// ```swift
/// Interruption.begin()
/// defer { Interruption.end() }
/// while step < steps {
///     if Interruption.requested != nil { saveCheckpoint(); break }
///     …
/// }
/// ```
public enum Interruption {
    /// Catches SIGINT and SIGTERM from now on (forgetting any earlier request).
    public static func begin() {
        received.store(0, ordering: .relaxed)
        signal(SIGINT, onSignal)
        signal(SIGTERM, onSignal)
    }

    /// Restores the default actions (a later signal ends the process as usual).
    public static func end() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The signal that asked the run to stop (`SIGINT` or `SIGTERM`), if any.
    public static var requested: Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// The exit status of a process stopped by `signal`, as a shell reports it: 128 + signal
    /// (130 for SIGINT, 143 for SIGTERM).
    public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }
}
