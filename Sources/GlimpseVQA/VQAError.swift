// The errors of the visual question answering task: each names the file (and the line, row or
// field) it is about.
import Foundation

/// A VQA input, model or argument that cannot be used.
public enum VQAError: Error, Equatable, LocalizedError {
    /// A data file (JSONL, VQA questions or annotations, an images directory) that is missing or
    /// malformed: `path` is the file, `reason` starts with the line or row (`line 3: empty
    /// question`, `questions[12]: no image for image_id 42 …`).
    case invalidData(path: String, reason: String)
    /// A model directory that is missing files or inconsistent with its configuration.
    case invalidModel(path: String, reason: String)
    /// A value outside its domain (an empty batch, a question that cannot be encoded).
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .invalidData(let path, let reason): "\(path): \(reason)"
        case .invalidModel(let path, let reason): "\(path): \(reason)"
        case .invalidArgument(let message): message
        }
    }
}
