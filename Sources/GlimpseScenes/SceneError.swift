// SceneError.swift — the errors of the synthetic-scenes module; each names its file or value.
import Foundation

/// A scene-set input or output that cannot be used.
public enum SceneError: Error, Equatable, Sendable, LocalizedError {
    /// A value outside its domain, e.g. a count below 1.
    case invalidArgument(String)
    /// A scenes file that is missing, empty or malformed.
    case invalidData(path: String, reason: String)
    /// An output file or directory that cannot be created or written.
    case unwritable(path: String, reason: String)

    /// One line naming the file or value and the problem.
    public var errorDescription: String? {
        switch self {
        case .invalidArgument(let message): message
        case .invalidData(let path, let reason): "\(path): \(reason)"
        case .unwritable(let path, let reason): "\(path): \(reason)"
        }
    }
}
