// Protecting a training run's output directory: a run never silently replaces a model or a
// checkpoint, and `--resume` of a run that has no checkpoint yet starts it (so a job scheduler
// can requeue the same command whatever happened before).
import Foundation
import GlimpseSupport

/// How a training run uses its output directory.
public enum OutputDirectory {
    /// What the run should do with the directory.
    public enum Start: Equatable, Sendable {
        /// Begin a new run (the directory is new, or was cleared by `overwrite`).
        case fresh
        /// Continue from the checkpoint there.
        case resume
    }

    /// Decides how a run starts in `path`, whose model files are `files` and whose checkpoint
    /// is the `checkpoint` subdirectory:
    /// - `resume` with a checkpoint continues it; without one it starts afresh (`log` says so);
    /// - otherwise a directory holding any of them is refused, unless `overwrite`, which removes
    ///   them first (so a run killed before its first save never pairs old weights with a new
    ///   configuration).
    /// Temporary files that killed processes left in `path` are removed in every case.
    public static func prepare(
        _ path: String, files: [String], checkpoint: String = "checkpoint", resume: Bool,
        overwrite: Bool, log: (String) -> Void
    ) throws -> Start {
        let manager = FileManager.default
        let checkpointPath = path + "/" + checkpoint
        // Half-written files of runs that were killed: nothing will ever complete them.
        AtomicFile.removeStaleTemporaries(in: path)
        // A model save that was killed half-way: finish it or discard it, so one whole set is left.
        try StagedPublication.recover(path)
        if resume {
            if manager.fileExists(atPath: checkpointPath + "/state.json") { return .resume }
            log("no checkpoint in \(checkpointPath) yet: starting a new run")
        }
        let present = (files + [checkpoint]).filter { manager.fileExists(atPath: path + "/" + $0) }
        guard !present.isEmpty else { return .fresh }
        guard overwrite || resume else {
            throw TrainingError.outputExists(path: path, files: present)
        }
        for name in present {
            do {
                try manager.removeItem(atPath: path + "/" + name)
            } catch {
                throw FileError(path: path + "/" + name, reason: "cannot remove it to start anew")
            }
        }
        return .fresh
    }
}
