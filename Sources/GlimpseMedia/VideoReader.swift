// Decoding a video stream with FFmpeg (libavformat + libavcodec) into RGB frames, converted by
// one reused swscale context per stream, in constant memory however long the video.
// Reference: FFmpeg's doc/examples/demux_decode.c (send_packet / receive_frame loop).
import CFFmpeg
import Foundation

/// One decoded frame and when it is shown.
public struct VideoFrame: Sendable {
    /// The picture, RGB, upright (rotation applied unless disabled) and scaled if asked.
    public var image: Image
    /// The picture at ``VideoReadOptions/scaledCopy`` when asked: scaled from the same decoded
    /// picture as ``image``, exactly as a reader with that `size` would give it.
    public var scaledCopy: Image?
    /// Presentation timestamp in seconds, on the container's timeline (as ffprobe's `pts_time`).
    public var time: Double
    /// Presentation timestamp in units of the stream's time base (``VideoInfo/timeBase``), as
    /// ffprobe's `pts`: the decoder's best-effort timestamp. Nil when the frame has none (then
    /// ``time`` is counted from the frame rate).
    public var timestamp: Int64?
    /// Position of the frame in the stream, from 0. Counted while decoding from the start;
    /// after a seek it is derived from the timestamp and the frame rate (exact for
    /// constant-frame-rate streams).
    public var index: Int
}

/// How a ``VideoReader`` decodes and converts frames.
public struct VideoReadOptions: Sendable {
    /// Output size of each frame as shown (after rotation); nil keeps the stream's size.
    public var size: (width: Int, height: Int)?
    /// A second size, as shown, each frame is also given at (``VideoFrame/scaledCopy``): a
    /// model's input beside the full-size frame an annotated copy is drawn on, from one decode.
    public var scaledCopy: (width: Int, height: Int)?
    /// Decoder threads; 0 lets FFmpeg choose (frame and slice threading).
    public var threads: Int
    /// Apply the stream's rotation metadata to frames, as the ffmpeg CLI does by default.
    public var autorotate: Bool
    /// Which frames to hand out.
    public var sampling: FrameSampling
    /// Largest frame (width × height) the reader accepts, checked before decoding.
    public var limits: DecodeLimits

    public init(
        size: (width: Int, height: Int)? = nil, scaledCopy: (width: Int, height: Int)? = nil,
        threads: Int = 0, autorotate: Bool = true, sampling: FrameSampling = .all,
        limits: DecodeLimits = .standard
    ) {
        self.size = size
        self.scaledCopy = scaledCopy
        self.threads = threads
        self.autorotate = autorotate
        self.sampling = sampling
        self.limits = limits
    }
}

/// Reads frames from any container and codec FFmpeg supports.
///
/// ```swift
/// let reader = try VideoReader(path: "clip.mp4", options: .init(sampling: .init(fps: 2)))
/// while let frame = try reader.nextFrame() { … frame.image, frame.time … }
/// ```
/// Damaged packets are skipped as the ffmpeg CLI skips them and recorded in ``problems``,
/// together with every error FFmpeg logs for the stream (what `ffmpeg -v error` prints); a
/// stream that ends before its declared length, or decodes no frame, is reported there too, so
/// callers that must not pass off partial output (``VideoReader/checkIntegrity()``) can refuse
/// it.
public final class VideoReader {
    /// The file being read, as given (for a video read from memory, its source name).
    public let path: String
    /// Stream metadata (the coded size is filled in once the decoder is open).
    public private(set) var info: VideoInfo
    /// Damage met so far: undecodable packets, read errors, errors FFmpeg logged while
    /// opening, demuxing or decoding, early end of stream, no frame at all.
    public private(set) var problems: [String] = []
    /// Timestamp in seconds of the last frame decoded before the decoder met damage (an
    /// undecodable packet, a decoder error, backwards timestamps). Damage the demuxer meets,
    /// such as a file cut short, does not touch the frames it delivered before.
    public private(set) var lastGoodTime: Double?
    /// Whether the decoder has met damage, after which no frame counts as good.
    private var decoderDamaged = false
    /// Stream position of the next decoded frame (see ``VideoFrame/index``).
    private var decodedCount = 0

    private let options: VideoReadOptions
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// Frames to ``VideoReadOptions/size``.
    private let converter: FrameConverter
    /// Frames to ``VideoReadOptions/scaledCopy``.
    private let copyConverter: FrameConverter
    private let streamIndex: Int32
    private let timeBase: AVRational
    private var sampler: FrameSampler
    private var draining = false
    private var finished = false
    private var reachedEnd = false
    private var hasSeeked = false
    private var indexFromTime = false
    private let startTime: Double
    /// Timestamp (time-base units) of the previous decoded frame that had one.
    private var previousTimestamp: Int64?
    /// This reader's share of FFmpeg's log (see ``FFmpegLog``).
    private let logOwner: Int
    /// Where the bytes come from when not from a file: memory or standard input (it outlives
    /// `format`).
    private let customInput: (any CustomVideoInput)?

    /// Opens `path` and its best video stream.
    public convenience init(path: String, options: VideoReadOptions = .init()) throws(MediaError) {
        try self.init(path: path, input: nil, options: options)
    }

    /// Opens the video at `path`, or in `input` (then `path` only names it), and its best video
    /// stream.
    init(path: String, input: (any CustomVideoInput)?, options: VideoReadOptions)
        throws(MediaError)
    {
        self.path = path
        self.customInput = input
        self.options = options
        self.sampler = FrameSampler(options.sampling)
        self.converter = FrameConverter(path: path, limits: options.limits)
        self.copyConverter = FrameConverter(path: path, limits: options.limits)
        try options.sampling.validate()
        for size in [options.size, options.scaledCopy].compactMap({ $0 }) {
            guard size.width >= 1, size.height >= 1 else {
                throw .invalidArgument(
                    "frame size must be positive, got \(size.width)x\(size.height)")
            }
            guard options.limits.admits(width: size.width, height: size.height) else {
                throw .invalidArgument(
                    "\(path): frames scaled to \(size.width)x\(size.height) exceed the limit of "
                        + "\(options.limits.effectiveMaxPixels) pixels (raise it with --max-pixels)"
                )
            }
        }
        let logOwner = FFmpegLog.register()
        self.logOwner = logOwner
        let previousOwner = FFmpegLog.swapOwner(logOwner)
        defer { FFmpegLog.swapOwner(previousOwner) }
        FFmpeg.silenceLogging()
        // Only regular files: FFmpeg would block on a FIFO and read a device forever.
        if input == nil, try MediaFile.size(of: path) == 0 {
            throw .corrupt(path: path, reason: "file is empty")
        }

        var format = input?.makeFormatContext()
        if input != nil, format == nil {
            throw .unreadable(path: path, reason: "out of memory")
        }
        var status = avformat_open_input(&format, input == nil ? path : nil, nil, nil)
        guard status >= 0, let format else {
            throw Self.openError(
                path: path, status: status, logged: FFmpegLog.take(logOwner).map(\.text),
                limits: options.limits)
        }
        self.format = format
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else {
            avformat_close_input(&self.format)
            throw .corrupt(
                path: path, reason: "cannot read stream info: \(FFmpeg.describe(status))")
        }
        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        guard index >= 0, let decoder, let stream = format.pointee.streams[Int(index)] else {
            let reason = Self.describeStreams(format)
            avformat_close_input(&self.format)
            throw .noVideoStream(path: path, reason: reason)
        }
        self.streamIndex = index
        self.timeBase = stream.pointee.time_base
        self.startTime =
            stream.pointee.start_time == FFmpeg.noTimestamp
            ? 0 : Double(stream.pointee.start_time) * FFmpeg.seconds(stream.pointee.time_base)
        let parameters = stream.pointee.codecpar.pointee
        let rotation = Self.rotation(of: stream)
        let info = VideoInfo(
            width: Int(parameters.width), height: Int(parameters.height),
            codedWidth: Int(parameters.width), codedHeight: Int(parameters.height),
            fps: Self.frameRate(of: stream.pointee),
            rFrameRate: Self.ratio(stream.pointee.r_frame_rate),
            avgFrameRate: Self.ratio(stream.pointee.avg_frame_rate),
            timeBase: Self.ratio(stream.pointee.time_base),
            duration: Self.duration(of: stream.pointee, in: format.pointee),
            frameCount: stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil,
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            pixelFormat: av_get_pix_fmt_name(AVPixelFormat(parameters.format)).map {
                String(cString: $0)
            },
            bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil,
            rotation: rotation.map { Int($0) } ?? 0,
            clockwiseRotation: rotation.map(VideoInfo.clockwise(fromRotation:)) ?? 0,
            container: String(cString: format.pointee.iformat.pointee.name),
            audio: Self.audioStreams(of: format))
        self.info = info
        do {
            try options.limits.check(width: info.width, height: info.height, path: path)
        } catch {
            avformat_close_input(&self.format)
            throw error
        }

        // Only the chosen stream's packets are needed: the demuxer drops the rest early.
        for i in 0..<Int(format.pointee.nb_streams) where i != Int(index) {
            format.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        codec = avcodec_alloc_context3(decoder)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let codec, frame != nil, packet != nil else {
            release()
            throw .unreadable(path: path, reason: "out of memory")
        }
        avcodec_parameters_to_context(codec, stream.pointee.codecpar)
        codec.pointee.thread_count = Int32(options.threads)
        codec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        codec.pointee.pkt_timebase = stream.pointee.time_base
        // Frame-thread copies of the context keep `opaque`: their log reaches this reader.
        codec.pointee.opaque = FFmpegLog.opaque(for: logOwner)
        status = avcodec_open2(codec, decoder, nil)
        guard status >= 0 else {
            release()
            throw .unsupported(
                path: path,
                reason: "cannot open the \(info.codec) decoder: \(FFmpeg.describe(status))")
        }
        // As ffprobe, which reports the coded size of a freshly opened decoder.
        self.info.codedWidth = Int(codec.pointee.coded_width)
        self.info.codedHeight = Int(codec.pointee.coded_height)
        if let start = options.sampling.start, start > 0 {
            try seek(to: start)
        }
        collectLogged()
    }

    deinit {
        release()
        FFmpegLog.unregister(logOwner)
    }

    private func release() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// The next frame the sampling keeps, or nil at the end of the stream or of the range.
    public func nextFrame() throws(MediaError) -> VideoFrame? {
        while !finished, let decoded = try decodeNextFrame() {
            let time = frameTime(decoded)
            if indexFromTime {
                decodedCount = Int(((time - startTime) * info.fps).rounded())
                indexFromTime = false
            }
            let index = decodedCount
            decodedCount += 1
            switch sampler.decide(time: time) {
            case .skip: continue
            case .stop:
                finished = true
                return nil
            case .keep:
                return try convert(decoded, time: time, index: index)
            }
        }
        return nil
    }

    /// Moves to the last keyframe at or before `seconds`; frames before `seconds` are then
    /// decoded but not handed out. Resets the sampling (every-n and fps counts, max frames).
    public func seek(to seconds: Double) throws(MediaError) {
        guard let format, let codec else { return }
        let previousOwner = FFmpegLog.swapOwner(logOwner)
        defer {
            collectLogged()
            FFmpegLog.swapOwner(previousOwner)
        }
        guard seconds.isFinite, seconds >= 0 else {
            throw .invalidArgument("seek time must be a non-negative number, got \(seconds)")
        }
        // A time past what the stream's time base can count is past any stream's end.
        guard let target = Int64(exactly: (seconds / FFmpeg.seconds(timeBase)).rounded(.down))
        else {
            throw .invalidArgument(
                "\(path): cannot seek to \(seconds) s: past what the stream's time base counts")
        }
        let status = av_seek_frame(format, streamIndex, target, AVSEEK_FLAG_BACKWARD)
        guard status >= 0 else {
            throw .corrupt(
                path: path, reason: "cannot seek to \(seconds) s: \(FFmpeg.describe(status))")
        }
        avcodec_flush_buffers(codec)
        previousTimestamp = nil
        hasSeeked = true
        indexFromTime = true
        var sampling = options.sampling
        sampling.start = seconds
        sampler = FrameSampler(sampling)
        draining = false
        finished = false
    }

    /// Decodes and converts every remaining frame without keeping them, and throws when the
    /// stream is damaged: undecodable packets, a read error, or fewer frames or less time than
    /// the container declares. Returns the number of frames handed out.
    @discardableResult
    public func checkIntegrity() throws(MediaError) -> Int {
        var count = 0
        while try nextFrame() != nil {
            count += 1
        }
        if let problem = problems.first {
            let last = lastGoodTime.map { format3($0) + " s" } ?? "none"
            throw .corrupt(path: path, reason: "\(problem); last good timestamp \(last)")
        }
        return count
    }

    // MARK: - Decoding

    /// Returns the decoder's next frame (owned by the reader until the next call), or nil at end.
    private func decodeNextFrame() throws(MediaError) -> UnsafeMutablePointer<AVFrame>? {
        guard let format, let codec, let frame, let packet else { return nil }
        let previousOwner = FFmpegLog.swapOwner(logOwner)
        defer { FFmpegLog.swapOwner(previousOwner) }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            // Messages about a frame are logged while it is decoded, before it comes out.
            collectLogged()
            if received == 0 {
                // `decode_error_flags` is not consulted: frame-threaded H.264 sets it on some
                // runs and not others for the same file (the ffmpeg CLI's "corrupt decoded
                // frame" warning comes and goes alike); the damage it reflects is logged.
                noteTimestampOrder(frame)
                if !decoderDamaged { lastGoodTime = frameTime(frame) }
                return frame
            }
            if received == FFmpeg.endOfFile {
                noteEarlyEnd()
                return nil
            }
            if received != FFmpeg.again {
                problems.append("decoder error: \(FFmpeg.describe(received))")
                decoderDamaged = true
                continue
            }
            if draining {
                // EAGAIN while draining cannot make progress: treat as the end.
                noteEarlyEnd()
                return nil
            }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if read != FFmpeg.endOfFile {
                    problems.append("read error: \(FFmpeg.describe(read))")
                }
                draining = true
                avcodec_send_packet(codec, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != FFmpeg.again {
                let at =
                    packet.pointee.pts == FFmpeg.noTimestamp
                    ? "" : " at \(format3(Double(packet.pointee.pts) * FFmpeg.seconds(timeBase))) s"
                problems.append("undecodable packet\(at): \(FFmpeg.describe(sent))")
                decoderDamaged = true
            }
        }
    }

    /// Frames come out in presentation order, so their timestamps (or, for a frame without
    /// one, its packet's decoding timestamp) increase; a stream where they do not is damaged
    /// (the ffmpeg CLI's muxer refuses such timestamps as "non monotonically increasing").
    private func noteTimestampOrder(_ frame: UnsafeMutablePointer<AVFrame>) {
        var stamp = frame.pointee.best_effort_timestamp
        if stamp == FFmpeg.noTimestamp { stamp = frame.pointee.pkt_dts }
        guard stamp != FFmpeg.noTimestamp else { return }
        if let previous = previousTimestamp, stamp <= previous {
            let unit = FFmpeg.seconds(timeBase)
            problems.append(
                "frame timestamps go backwards: \(format3(Double(stamp) * unit)) s after "
                    + "\(format3(Double(previous) * unit)) s")
            decoderDamaged = true
        }
        previousTimestamp = stamp
    }

    /// Moves what FFmpeg logged for this reader into ``problems``.
    private func collectLogged() {
        for message in FFmpegLog.take(logOwner) {
            problems.append(message.text)
            if message.fromDecoder { decoderDamaged = true }
        }
    }

    /// A stream that decodes no frame, or whose decoded frames stop well short of what the
    /// container declares, is truncated. Only a pass from the beginning can tell.
    private func noteEarlyEnd() {
        guard !reachedEnd, !hasSeeked else { return }
        reachedEnd = true
        collectLogged()
        if decodedCount == 0 {
            problems.append("no frame decodes")
        } else if let expected = info.frameCount, decodedCount < expected {
            problems.append("stream ends early: decoded \(decodedCount) of \(expected) frames")
        } else if let duration = info.duration, let last = lastGoodTime, info.fps > 0,
            last + 2 / info.fps < duration - 0.5
        {
            problems.append(
                "stream ends early: last frame at \(format3(last)) s of \(format3(duration)) s")
        }
    }

    /// The frame's best-effort timestamp, else its own pts, in stream time-base units.
    private static func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64? {
        var pts = frame.pointee.best_effort_timestamp
        if pts == FFmpeg.noTimestamp { pts = frame.pointee.pts }
        return pts == FFmpeg.noTimestamp ? nil : pts
    }

    private func frameTime(_ frame: UnsafeMutablePointer<AVFrame>) -> Double {
        guard let pts = Self.timestamp(of: frame) else {
            return Double(decodedCount) / max(info.fps, 1)
        }
        return Double(pts) * FFmpeg.seconds(timeBase)
    }

    // MARK: - Conversion

    /// `frame` at ``VideoReadOptions/size`` and, when asked, at
    /// ``VideoReadOptions/scaledCopy``, both scaled from the same decoded picture.
    private func convert(_ frame: UnsafeMutablePointer<AVFrame>, time: Double, index: Int)
        throws(MediaError) -> VideoFrame
    {
        try options.limits.check(
            width: Int(frame.pointee.width), height: Int(frame.pointee.height), path: path)
        let orientation =
            options.autorotate ? Orientation(clockwiseRotation: info.clockwiseRotation) : .up
        let image = try converter.convert(frame, to: options.size, orientation: orientation)
        var copy: Image?
        if let size = options.scaledCopy {
            copy = try copyConverter.convert(frame, to: size, orientation: orientation)
        }
        return VideoFrame(
            image: image, scaledCopy: copy, time: time, timestamp: Self.timestamp(of: frame),
            index: index)
    }

    // MARK: - Metadata

    /// The error for a file FFmpeg cannot open, from its status and what it logged: a picture
    /// size FFmpeg refuses (`Picture size WxH is invalid`) is reported as a size error.
    private static func openError(
        path: String, status: Int32, logged: [String], limits: DecodeLimits
    ) -> MediaError {
        if status == -2 { return .unreadable(path: path, reason: "no such file") }
        if status == FFmpeg.endOfFile {
            // The file is not empty (checked before opening): it ends inside its header.
            let reason = logged.first ?? "the file ends inside its header"
            return .corrupt(path: path, reason: "not a readable video: \(reason)")
        }
        for message in logged {
            guard let (width, height) = pictureSize(in: message) else { continue }
            if width > 0, height > 0, !limits.admits(width: width, height: height) {
                return .tooLarge(
                    path: path, width: width, height: height, limit: limits.effectiveMaxPixels)
            }
            return .unsupported(
                path: path, reason: "FFmpeg refuses the picture size \(width)x\(height)")
        }
        let reason = logged.first ?? FFmpeg.describe(status)
        return .corrupt(path: path, reason: "not a readable video: \(reason)")
    }

    /// W and H from libavutil's `Picture size WxH is invalid`.
    private static func pictureSize(in message: String) -> (Int, Int)? {
        guard let range = message.range(of: "Picture size "),
            let size = message[range.upperBound...].split(separator: " ").first
        else { return nil }
        let parts = size.split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
            return nil
        }
        return (width, height)
    }

    private static func describeStreams(_ format: UnsafeMutablePointer<AVFormatContext>) -> String {
        var kinds: [String: Int] = [:]
        for i in 0..<Int(format.pointee.nb_streams) {
            guard let stream = format.pointee.streams[i] else { continue }
            let type = stream.pointee.codecpar.pointee.codec_type
            let name = av_get_media_type_string(type).map { String(cString: $0) } ?? "unknown"
            kinds[name, default: 0] += 1
        }
        if kinds.isEmpty { return "the file has no streams" }
        let listed = kinds.sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key) stream\($0.value == 1 ? "" : "s")" }
        let undecodable = kinds["video"] == nil ? "" : ", no video stream FFmpeg can decode"
        return "the file has " + listed.joined(separator: ", ") + undecodable
    }

    private static func frameRate(of stream: AVStream) -> Double {
        let average = FFmpeg.seconds(stream.avg_frame_rate)
        return average > 0 ? average : FFmpeg.seconds(stream.r_frame_rate)
    }

    private static func duration(of stream: AVStream, in format: AVFormatContext) -> Double? {
        if stream.duration != FFmpeg.noTimestamp && stream.duration > 0 {
            return Double(stream.duration) * FFmpeg.seconds(stream.time_base)
        }
        if format.duration != FFmpeg.noTimestamp && format.duration > 0 {
            return Double(format.duration) / Double(glimpse_av_time_base())
        }
        return nil
    }

    /// The display matrix's counter-clockwise rotation in degrees (`av_display_rotation_get`,
    /// which ffprobe prints truncated to an integer); nil without a matrix or when it is
    /// degenerate.
    private static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Double? {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size),
            size >= 9 * 4
        else { return nil }
        let angle = data.withMemoryRebound(to: Int32.self, capacity: 9) {
            av_display_rotation_get($0)
        }
        // A finite angle is within [-180, 180], so the conversion to Int cannot trap.
        return angle.isFinite ? angle : nil
    }

    /// `num/den` as ffprobe prints an AVRational.
    private static func ratio(_ rational: AVRational) -> String {
        "\(rational.num)/\(rational.den)"
    }

    /// The audio streams of the file, for ``VideoInfo/audio``.
    private static func audioStreams(of format: UnsafeMutablePointer<AVFormatContext>)
        -> [AudioStreamInfo]
    {
        (0..<Int(format.pointee.nb_streams)).compactMap { i in
            guard let stream = format.pointee.streams[i],
                stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
            else { return nil }
            let parameters = stream.pointee.codecpar.pointee
            return AudioStreamInfo(
                index: Int(stream.pointee.index),
                codec: String(cString: avcodec_get_name(parameters.codec_id)),
                sampleRate: parameters.sample_rate > 0 ? Int(parameters.sample_rate) : nil,
                channels: parameters.ch_layout.nb_channels > 0
                    ? Int(parameters.ch_layout.nb_channels) : nil,
                bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil)
        }
    }
}

/// Seconds with three decimals, for messages.
func format3(_ seconds: Double) -> String {
    let scaled = (seconds * 1000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let magnitude = Int(abs(scaled))
    let fraction = String(magnitude % 1000)
    return
        "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
