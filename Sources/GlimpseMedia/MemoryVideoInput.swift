// Reading a video from bytes in memory: libavformat pulls the bytes through a custom
// AVIOContext whose read and seek callbacks walk a private copy of the buffer.
// Reference: FFmpeg's doc/examples/avio_read_callback.c.
//
// And from standard input, as it arrives: a read callback and no seeking, so only containers
// that can be read front to back (MPEG-TS, Matroska, NUT, fragmented MP4) work there.
import CFFmpeg
import Glibc

extension VideoReader {
    /// Opens the video held in `bytes` (a whole file: any container FFmpeg reads) and its best
    /// video stream, exactly as ``init(path:options:)`` opens a file; errors name `source`.
    ///
    /// ```swift
    /// let reader = try VideoReader(decoding: downloadedBytes, source: "upload.mp4")
    /// ```
    public convenience init(
        decoding bytes: [UInt8], source: String = "<memory>", options: VideoReadOptions = .init()
    ) throws(MediaError) {
        guard !bytes.isEmpty else { throw .corrupt(path: source, reason: "file is empty") }
        guard let input = MemoryVideoInput(bytes) else {
            throw .unreadable(path: source, reason: "out of memory for the video's read buffer")
        }
        try self.init(path: source, input: input, options: options)
    }

    /// Opens the video piped into standard input (`ffmpeg … -f mpegts - | glimpse label -`),
    /// read front to back as it arrives; errors name it "standard input".
    public convenience init(standardInput options: VideoReadOptions = .init()) throws(MediaError) {
        try self.init(stream: .shared, options: options)
    }

    /// Opens the video read front to back from `stream` (standard input, or a test's file).
    convenience init(stream: StandardInput, options: VideoReadOptions) throws(MediaError) {
        guard let input = StreamVideoInput(stream) else {
            throw .unreadable(
                path: "standard input", reason: "out of memory for the video's read buffer")
        }
        try self.init(path: "standard input", input: input, options: options)
    }
}

/// Where libavformat reads a video through a custom AVIOContext. The source must outlive the
/// AVFormatContext reading it (which never frees a caller's AVIOContext).
protocol CustomVideoInput: AnyObject {
    /// A format context that reads through this input, for `avformat_open_input` (which frees
    /// it on failure, as it frees any context it is given); nil when out of memory.
    func makeFormatContext() -> UnsafeMutablePointer<AVFormatContext>?
}

/// A copy of a video file's bytes and the AVIOContext that hands them to libavformat.
final class MemoryVideoInput: CustomVideoInput {
    private let bytes: UnsafeMutableRawBufferPointer
    private var position = 0
    private var context: UnsafeMutablePointer<AVIOContext>?

    /// How much libavformat asks for per read, as in FFmpeg's example.
    private static let bufferSize: Int32 = 4096

    /// Nil when a buffer cannot be allocated.
    init?(_ source: [UInt8]) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        source.withUnsafeBytes { bytes.copyMemory(from: $0) }
        guard let buffer = av_malloc(Int(Self.bufferSize)) else { return nil }
        context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), Self.bufferSize, 0,
            Unmanaged.passUnretained(self).toOpaque(), Self.read, nil, Self.seek)
        guard context != nil else {
            av_free(buffer)
            return nil
        }
    }

    deinit {
        // libavformat may have replaced the buffer it was given, so free the current one.
        if let context { av_freep(&context.pointee.buffer) }
        avio_context_free(&context)
        bytes.deallocate()
    }

    func makeFormatContext() -> UnsafeMutablePointer<AVFormatContext>? {
        guard let format = avformat_alloc_context() else { return nil }
        format.pointee.pb = context
        return format
    }

    private static func input(_ opaque: UnsafeMutableRawPointer?) -> MemoryVideoInput? {
        opaque.map { Unmanaged<MemoryVideoInput>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Copies up to `size` bytes from the current position; AVERROR_EOF at the end.
    private static let read:
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 =
            { opaque, destination, size in
                guard let input = input(opaque), let source = input.bytes.baseAddress,
                    let destination, size > 0
                else { return -EINVAL }
                let count = min(Int(size), input.bytes.count - input.position)
                guard count > 0 else { return FFmpeg.endOfFile }
                UnsafeMutableRawPointer(destination).copyMemory(
                    from: source + input.position, byteCount: count)
                input.position += count
                return Int32(count)
            }

    /// Moves to `offset` from the start, the current position or the end (`whence` as fseek's,
    /// possibly with AVSEEK_FORCE); AVSEEK_SIZE asks for the size. Positions outside the buffer
    /// are refused.
    private static let seek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64 = {
        opaque, offset, whence in
        guard let input = input(opaque) else { return Int64(-EINVAL) }
        let size = Int64(input.bytes.count)
        let base: Int64
        switch whence & ~Int32(AVSEEK_FORCE) {
        case Int32(AVSEEK_SIZE): return size
        case SEEK_SET: base = 0
        case SEEK_CUR: base = Int64(input.position)
        case SEEK_END: base = size
        default: return Int64(-EINVAL)
        }
        let (target, overflow) = base.addingReportingOverflow(offset)
        guard !overflow, target >= 0, target <= size else { return Int64(-EINVAL) }
        input.position = Int(target)
        return target
    }
}

/// Standard input's bytes, handed to libavformat as they arrive; it cannot seek.
final class StreamVideoInput: CustomVideoInput {
    private let source: StandardInput
    private var context: UnsafeMutablePointer<AVIOContext>?

    private static let bufferSize: Int32 = 1 << 16

    /// Nil when a buffer cannot be allocated.
    init?(_ source: StandardInput) {
        self.source = source
        guard let buffer = av_malloc(Int(Self.bufferSize)) else { return nil }
        context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), Self.bufferSize, 0,
            Unmanaged.passUnretained(self).toOpaque(), Self.read, nil, nil)
        guard let context else {
            av_free(buffer)
            return nil
        }
        context.pointee.seekable = 0
    }

    deinit {
        if let context { av_freep(&context.pointee.buffer) }
        avio_context_free(&context)
    }

    func makeFormatContext() -> UnsafeMutablePointer<AVFormatContext>? {
        guard let format = avformat_alloc_context() else { return nil }
        format.pointee.pb = context
        return format
    }

    /// Up to `size` bytes of standard input; AVERROR_EOF at its end, −errno (AVERROR(errno))
    /// when reading fails.
    private static let read:
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 =
            { opaque, destination, size in
                guard let opaque, let destination, size > 0 else { return -EINVAL }
                let input = Unmanaged<StreamVideoInput>.fromOpaque(opaque).takeUnretainedValue()
                let got = input.source.read(
                    into: UnsafeMutableRawBufferPointer(start: destination, count: Int(size)))
                return got == 0 ? FFmpeg.endOfFile : Int32(got)
            }
}
