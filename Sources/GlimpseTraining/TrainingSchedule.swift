// When a training run saves a checkpoint and how long it still has to go: shared by every
// training loop so that `--checkpoint-every`, `--checkpoint-minutes` and the ETA mean the same
// on every `… train` command.
import Foundation

/// Checkpoints every N steps and/or every M minutes of wall-clock time.
public struct CheckpointSchedule: Sendable {
    /// Save after every `every` steps (nil: not by steps).
    public var every: Int?
    /// Save when this many minutes have passed since the last save (nil: not by time).
    public var minutes: Double?
    private var lastSave: Date

    public init(every: Int?, minutes: Double?, now: Date = Date()) {
        self.every = every
        self.minutes = minutes
        self.lastSave = now
    }

    /// Whether a checkpoint is due after `step` (counted over the whole run) at `now`.
    public func isDue(afterStep step: Int, now: Date = Date()) -> Bool {
        if let every, step % every == 0 { return true }
        if let minutes, now.timeIntervalSince(lastSave) >= minutes * 60 { return true }
        return false
    }

    /// Records that a checkpoint was written at `now`.
    public mutating func saved(at now: Date = Date()) {
        lastSave = now
    }
}

/// Estimates and formats the time a run has left.
public enum TrainingClock {
    /// Seconds left: the sooner of finishing `workLeft` units at `rate` units per second and
    /// running out of `maxSeconds` (after `elapsed` seconds of this run).
    public static func remaining(
        workLeft: Double, rate: Double, elapsed: Double, maxSeconds: Double?
    ) -> Double {
        let byWork = rate > 0 ? workLeft / rate : .infinity
        guard let maxSeconds else { return byWork }
        return min(byWork, max(0, maxSeconds - elapsed))
    }

    /// `m:ss` (`h:mm:ss` from an hour on); `?` when unknown.
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e9 else { return "?" }
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
