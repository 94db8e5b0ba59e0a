// The errors of the captioning task: each names the file or directory it is about.
import Foundation

/// A captioning input, model or output that cannot be used.
public enum CaptionError: Error, Equatable, LocalizedError {
    /// A data file (captions JSON, JSONL, scenes) that is missing, empty or malformed.
    case invalidData(path: String, reason: String)
    /// A model directory that is missing files or inconsistent with its config.
    case invalidModel(path: String, reason: String)
    /// A value outside its domain.
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .invalidData(let path, let reason): "\(path): \(reason)"
        case .invalidModel(let path, let reason): "\(path): \(reason)"
        case .invalidArgument(let message): message
        }
    }
}
