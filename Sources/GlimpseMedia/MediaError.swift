// The one error type of the media module: every case names the file it is about.
import Foundation

/// A failure to read, decode, encode or write an image or a video.
///
/// Every case carries the path (or a label such as `<memory>`) so that a message can be shown
/// to a user as it is: `clip.mp4: no video stream (the file has 1 audio stream)`.
public enum MediaError: Error, Equatable, LocalizedError, Sendable {
    /// The file could not be opened or read at all.
    case unreadable(path: String, reason: String)
    /// The bytes are not in any format Glimpse decodes.
    case unrecognizedFormat(path: String)
    /// The file is in a known format but its data is damaged or truncated.
    case corrupt(path: String, reason: String)
    /// The declared size exceeds the pixel budget; nothing was allocated.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// A valid file using a feature Glimpse does not decode (for example 12-bit JPEG).
    case unsupported(path: String, reason: String)
    /// A container without a decodable video stream.
    case noVideoStream(path: String, reason: String)
    /// An output could not be encoded or written.
    case unwritable(path: String, reason: String)
    /// A caller passed a value outside its domain (for example a zero target size).
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .unrecognizedFormat(let path):
            "\(path): not a PNG or JPEG image (format detected from the file's content)"
        case .corrupt(let path, let reason): "\(path): corrupt or truncated: \(reason)"
        case .tooLarge(let path, let width, let height, let limit):
            "\(path): \(width)x\(height) exceeds the limit of \(limit) pixels"
                + " (raise it with --max-pixels if the file is trusted)"
        case .unsupported(let path, let reason): "\(path): unsupported: \(reason)"
        case .noVideoStream(let path, let reason): "\(path): no video stream (\(reason))"
        case .unwritable(let path, let reason): "\(path): cannot write: \(reason)"
        case .invalidArgument(let message): message
        }
    }
}
