// FFmpeg's error-level log messages, collected per reader: the messages the ffmpeg CLI prints
// with `-v error`, so that `video check` can reach the CLI's verdict on a damaged file. Many
// decoders conceal damage (and demuxers skip it) without returning an error code; the log is
// the only place they say so.
import CFFmpeg
import Glibc
import Synchronization

/// Routes FFmpeg's log into per-reader lists of error messages; everything else is dropped
/// (Glimpse reports errors itself, so the library never prints).
///
/// A message belongs to a reader (an *owner*, see ``register()``) when its context is the
/// reader's codec context or one of the frame-thread copies FFmpeg makes of it (they keep
/// `opaque`, which holds the owner), or when it is logged on a thread that is inside one of
/// the reader's FFmpeg calls (demuxing, parsing, probing: see ``swapOwner(_:)``).
enum FFmpegLog {
    /// Messages kept per owner: enough to report, bounded whatever a file makes FFmpeg say.
    static let maxMessages = 32

    /// One logged error, and whether a decoder (rather than the demuxer or a parser) said it.
    struct Message: Equatable {
        var text: String
        var fromDecoder: Bool
    }

    private struct State {
        var messages: [Int: [Message]] = [:]
        var nextOwner = 1
    }

    private static let state = Mutex(State())

    /// The owner whose FFmpeg call the current thread is inside, 0 for none.
    private static let currentOwner: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static let installed: Void = av_log_set_callback(logCallback)

    /// A new owner of messages; pass it to ``unregister(_:)`` when done.
    static func register() -> Int {
        _ = installed
        return state.withLock {
            let owner = $0.nextOwner
            $0.nextOwner += 1
            $0.messages[owner] = []
            return owner
        }
    }

    /// Forgets `owner` and any messages not yet taken.
    static func unregister(_ owner: Int) {
        _ = state.withLock { $0.messages.removeValue(forKey: owner) }
    }

    /// The value to put in a codec context's `opaque` so its threads' messages reach `owner`.
    static func opaque(for owner: Int) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: owner)
    }

    /// Makes `owner` (0: none) the owner of messages logged on this thread from now on, and
    /// returns the previous one to restore.
    @discardableResult
    static func swapOwner(_ owner: Int) -> Int {
        let previous = Int(bitPattern: pthread_getspecific(currentOwner))
        pthread_setspecific(currentOwner, UnsafeRawPointer(bitPattern: owner))
        return previous
    }

    /// The messages logged for `owner` since the last call, oldest first.
    static func take(_ owner: Int) -> [Message] {
        state.withLock {
            guard let messages = $0.messages[owner], !messages.isEmpty else { return [] }
            $0.messages[owner] = []
            return messages
        }
    }

    fileprivate static func record(_ message: String, context: UnsafeMutableRawPointer?) {
        let fromContext = codecContextOwner(context)
        let thread = Int(bitPattern: pthread_getspecific(currentOwner))
        state.withLock {
            for owner in [fromContext, thread] where owner != 0 {
                guard var messages = $0.messages[owner] else { continue }
                if messages.count < maxMessages {
                    messages.append(Message(text: message, fromDecoder: owner == fromContext))
                }
                $0.messages[owner] = messages
                return
            }
        }
    }

    /// The owner stored in `context`'s `opaque` when `context` is a codec context, else 0.
    private static func codecContextOwner(_ context: UnsafeMutableRawPointer?) -> Int {
        guard let context, let logClass = context.load(as: UnsafePointer<AVClass>?.self),
            logClass == avcodec_get_class(),
            let offset = MemoryLayout<AVCodecContext>.offset(of: \AVCodecContext.opaque)
        else { return 0 }
        return Int(bitPattern: context.load(fromByteOffset: offset, as: UnsafeRawPointer?.self))
    }
}

/// FFmpeg's log callback: formats error-level messages as `name: text` (the name FFmpeg's own
/// log shows in brackets, e.g. `h264`) and hands them to ``FFmpegLog``.
private func logCallback(
    context: UnsafeMutableRawPointer?, level: Int32, format: UnsafePointer<CChar>?,
    arguments: CVaListPointer?
) {
    guard level <= AV_LOG_ERROR, let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    var text = string(from: buffer)
    while text.last?.isWhitespace == true { text.removeLast() }
    guard !text.isEmpty else { return }
    if let context, let logClass = context.load(as: UnsafePointer<AVClass>?.self),
        let itemName = logClass.pointee.item_name, let name = itemName(context),
        String(cString: name) != "NULL"
    {
        text = String(cString: name) + ": " + text
    }
    FFmpegLog.record(text, context: context)
}
