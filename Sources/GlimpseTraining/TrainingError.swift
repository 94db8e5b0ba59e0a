// The errors every training run can end with, whatever its task.
import Foundation

/// A training run that must not start or go on.
public enum TrainingError: Error, Equatable, LocalizedError {
    /// The output directory already holds a model or checkpoint, and neither resuming nor
    /// overwriting was asked for.
    case outputExists(path: String, files: [String])
    /// A loss or gradient became NaN or infinite; the run stopped without saving it.
    case nonFinite(what: String, step: Int, lastCheckpoint: Int?)

    public var errorDescription: String? {
        switch self {
        case .outputExists(let path, let files):
            "\(path) already holds a model (\(files.joined(separator: ", "))): pass --resume to "
                + "continue its run or --overwrite to replace it"
        case .nonFinite(let what, let step, let lastCheckpoint):
            "non-finite \(what) at step \(step) (last good checkpoint: "
                + (lastCheckpoint.map { "step \($0)" } ?? "none") + ")"
        }
    }
}
