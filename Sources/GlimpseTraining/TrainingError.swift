// The errors every training run can end with, whatever its task.
import Foundation

/// A training run that must not start or go on.
public enum TrainingError: Error, Equatable, LocalizedError {
    /// The output directory already holds a model or checkpoint, and neither resuming nor
    /// overwriting was asked for.
    case outputExists(path: String, files: [String])
    /// `--resume` on data other than the checkpoint's.
    case dataChanged(checkpoint: String, saved: DataFingerprint, current: DataFingerprint)
    /// A loss or gradient became NaN or infinite; the run stopped without saving it.
    case nonFinite(what: String, step: Int, lastCheckpoint: Int?)
    /// A run setting outside its domain, or data that gives no batch.
    case invalidSetting(String)
    /// A checkpoint whose training state cannot be continued.
    case invalidCheckpoint(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .outputExists(let path, let files):
            "\(path) already holds a model (\(files.joined(separator: ", "))): pass --resume to "
                + "continue its run or --overwrite to replace it"
        case .dataChanged(let checkpoint, let saved, let current):
            "\(checkpoint) was trained on other data (\(saved); this data: \(current)): pass "
                + "--allow-data-change to continue on this data, or train without --resume"
        case .nonFinite(let what, let step, let lastCheckpoint):
            "non-finite \(what) at step \(step) (last good checkpoint: "
                + (lastCheckpoint.map { "step \($0)" } ?? "none") + ")"
        case .invalidSetting(let reason): reason
        case .invalidCheckpoint(let path, let reason): "\(path): \(reason)"
        }
    }
}
