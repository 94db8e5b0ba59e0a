// What can go wrong loading or running a pipeline.
import Foundation

/// A pipeline file that cannot be used, a run that cannot go on, or a value a stage did not
/// expect. Messages name the file and the stage.
public enum PipelineError: Error, Equatable, Sendable, LocalizedError {
    /// The pipeline file is wrong: `path`, where in it (`stages[2] (caption)`), and what.
    case invalidFile(path: String, place: String, reason: String)
    /// A stage was handed a value of another type (a bug in the graph's checks).
    case unexpectedValue(stage: String, expected: String)
    /// A stage returned fewer results than it was given inputs.
    case missingResult
    /// A run's inputs or outputs are unusable (`--shard 4/4`, a torn results file mid-way).
    case invalidRun(String)

    public var errorDescription: String? {
        switch self {
        case .invalidFile(let path, let place, let reason):
            return place.isEmpty ? "\(path): \(reason)" : "\(path): \(place): \(reason)"
        case .unexpectedValue(let stage, let expected):
            return "stage \(stage) was given a value that is not \(expected)"
        case .missingResult:
            return "a stage returned no result for an input"
        case .invalidRun(let reason):
            return reason
        }
    }
}
