// The errors of frame labelling: data files, model directories and arguments, each naming the
// file (and row) and what is wrong.
import Foundation

/// Why labelling data, a labelling model or a setting was refused.
public enum LabelingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A data file (segments.csv, ActivityNet JSON, a video) is unusable; `row` is 1-based.
    case invalidData(path: String, row: Int?, reason: String)
    /// A model directory is unusable.
    case invalidModel(path: String, reason: String)
    /// A setting outside its domain.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidData(let path, let row, let reason):
            "\(path)\(row.map { ", row \($0)" } ?? ""): \(reason)"
        case .invalidModel(let path, let reason): "\(path): \(reason)"
        case .invalidArgument(let reason): reason
        }
    }
}

extension LabelingError: LocalizedError {
    public var errorDescription: String? { description }
}
