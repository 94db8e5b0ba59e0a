// Encoding RGB frames to an MP4 file with FFmpeg: H.264 (libx264) where the library has it,
// MPEG-4 Part 2 otherwise. The file appears at its path only when complete (atomic rename).
// Reference: FFmpeg's doc/examples/mux.c (encode, rescale timestamps, interleave, trailer).
import CFFmpeg
import Foundation
import GlimpseSupport

/// Writes a sequence of equally sized RGB images as a video.
///
/// ```swift
/// let writer = try VideoWriter(path: "out.mp4", width: 320, height: 240, fps: 25)
/// for image in images { try writer.append(image) }
/// try writer.finish()
/// ```
/// Until ``finish()`` returns, the output lives in a hidden temporary file beside `path`;
/// ``discard()``, or a writer released without finishing, removes it.
public final class VideoWriter {
    public let path: String
    public let width: Int
    public let height: Int
    /// The codec used: `h264` or `mpeg4`.
    public let codecName: String

    private let temporaryPath: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var discarded = false
    /// The padded RGB(A) copy of the image being appended, which swscale reads.
    private var rgbSource: UnsafeMutablePointer<AVFrame>?
    private var nextPTS: Int64 = 0
    private var finished = false

    /// Creates the encoder.
    /// - Parameters:
    ///   - fps: frames per second (a rational close to it is used as the time base).
    ///   - quality: constant rate factor for H.264 (0 lossless … 51; 23 is x264's default) or
    ///     the equivalent quantiser scale for MPEG-4.
    public init(path: String, width: Int, height: Int, fps: Double, quality: Int = 20)
        throws(MediaError)
    {
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw .invalidArgument("video size must be 1...16384 per side, got \(width)x\(height)")
        }
        guard fps > 0, fps.isFinite, fps <= 1000 else {
            throw .invalidArgument("video fps must be in (0, 1000], got \(fps)")
        }
        self.path = path
        self.width = width
        self.height = height
        self.temporaryPath = AtomicFile.temporaryPath(for: path)
        FFmpeg.silenceLogging()

        let encoder =
            avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        guard let encoder else {
            throw .unwritable(
                path: path, reason: "FFmpeg has neither an H.264 nor an MPEG-4 encoder")
        }
        codecName = String(cString: avcodec_get_name(encoder.pointee.id))
        var format: UnsafeMutablePointer<AVFormatContext>?
        var status = avformat_alloc_output_context2(&format, nil, "mp4", temporaryPath)
        guard status >= 0, let format else {
            throw .unwritable(
                path: path, reason: "cannot create MP4 muxer: \(FFmpeg.describe(status))")
        }
        self.format = format
        codec = avcodec_alloc_context3(encoder)
        stream = avformat_new_stream(format, nil)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let codec, let stream, let frame, packet != nil else {
            release()
            throw .unwritable(path: path, reason: "out of memory")
        }
        let rate = av_d2q(fps, 100_000)
        let isH264 = encoder.pointee.id == AV_CODEC_ID_H264
        codec.pointee.width = Int32(width)
        codec.pointee.height = Int32(height)
        codec.pointee.time_base = AVRational(num: rate.den, den: rate.num)
        codec.pointee.framerate = rate
        codec.pointee.gop_size = 12
        // 4:2:0 needs even sizes; odd ones keep full chroma (H.264 High 4:4:4).
        let odd = width % 2 == 1 || height % 2 == 1
        codec.pointee.pix_fmt = odd && isH264 ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        if isH264 {
            av_opt_set(codec.pointee.priv_data, "preset", "fast", 0)
            av_opt_set(codec.pointee.priv_data, "crf", String(quality), 0)
        } else {
            guard !odd else {
                release()
                throw .unwritable(
                    path: path, reason: "MPEG-4 needs even sizes, got \(width)x\(height)")
            }
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            codec.pointee.global_quality = Int32(max(1, min(31, quality / 4))) * FF_QP2LAMBDA
        }
        status = avcodec_open2(codec, encoder, nil)
        guard status >= 0 else {
            release()
            throw .unwritable(path: path, reason: "cannot open encoder: \(FFmpeg.describe(status))")
        }
        avcodec_parameters_from_context(stream.pointee.codecpar, codec)
        stream.pointee.time_base = codec.pointee.time_base
        stream.pointee.avg_frame_rate = rate
        frame.pointee.format = codec.pointee.pix_fmt.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        status = av_frame_get_buffer(frame, 0)
        if status >= 0 {
            status = avio_open(&format.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
        }
        if status >= 0 {
            status = avformat_write_header(format, nil)
        }
        guard status >= 0 else {
            release()
            throw .unwritable(path: path, reason: FFmpeg.describe(status))
        }
    }

    deinit {
        release()
        if !finished { unlink(temporaryPath) }
    }

    /// Abandons the output (a run stopped or failed part-way): the temporary file is closed and
    /// removed, `path` is left as it was, and ``finish()`` throws from then on.
    public func discard() {
        guard !finished, !discarded else { return }
        discarded = true
        release()
        unlink(temporaryPath)
    }

    private func release() {
        if let format, format.pointee.pb != nil {
            avio_closep(&format.pointee.pb)
        }
        sws_freeContext(scaler)
        scaler = nil
        av_frame_free(&rgbSource)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_free_context(format)
        format = nil
    }

    /// Encodes one frame; `image` must have the writer's size (alpha is ignored).
    public func append(_ image: Image) throws(MediaError) {
        guard !finished, let codec, let frame else {
            throw .unwritable(path: path, reason: "append after finish")
        }
        guard image.width == width, image.height == height else {
            throw .invalidArgument(
                "\(path): frame is \(image.width)x\(image.height), the video is \(width)x\(height)")
        }
        let status = av_frame_make_writable(frame)
        guard status >= 0 else { throw .unwritable(path: path, reason: FFmpeg.describe(status)) }
        let sourceFormat = image.layout == .rgb ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_RGBA
        scaler = sws_getCachedContext(
            scaler, Int32(width), Int32(height), sourceFormat, Int32(width), Int32(height),
            codec.pointee.pix_fmt, SWS_BICUBIC, nil, nil, nil)
        guard let scaler else { throw .unwritable(path: path, reason: "cannot convert RGB to YUV") }
        let source = try rgbFrame(format: sourceFormat)
        // swscale reads its source in blocks past the end of a tight row: it gets a padded copy.
        let rowBytes = width * image.channels
        image.pixels.withUnsafeBufferPointer { pixels in
            av_image_copy_plane(
                source.pointee.data.0, source.pointee.linesize.0, pixels.baseAddress,
                Int32(rowBytes), Int32(rowBytes), Int32(height))
        }
        let converted = FFmpeg.scale(scaler, from: source, to: frame)
        guard converted == Int32(height) else {
            throw .unwritable(
                path: path, reason: "YUV conversion produced \(converted) of \(height) rows")
        }
        frame.pointee.pts = nextPTS
        nextPTS += 1
        try encode(frame)
    }

    /// The source frame for `format`, made anew only when the images' layout changes.
    private func rgbFrame(format: AVPixelFormat) throws(MediaError) -> UnsafeMutablePointer<AVFrame>
    {
        if let rgbSource, rgbSource.pointee.format == format.rawValue { return rgbSource }
        av_frame_free(&rgbSource)
        rgbSource = FFmpeg.allocateFrame(width: width, height: height, format: format)
        guard let rgbSource else { throw .unwritable(path: path, reason: "out of memory") }
        return rgbSource
    }

    /// Flushes the encoder, writes the trailer, syncs and moves the file to `path`.
    public func finish() throws(MediaError) {
        guard !discarded else { throw .unwritable(path: path, reason: "finish after discard") }
        guard !finished, let format else { return }
        try encode(nil)
        var status = av_write_trailer(format)
        guard status >= 0 else { throw .unwritable(path: path, reason: FFmpeg.describe(status)) }
        status = avio_closep(&format.pointee.pb)
        guard status >= 0 else { throw .unwritable(path: path, reason: FFmpeg.describe(status)) }
        if let failure = AtomicFile.commit(temporaryPath, to: path) {
            throw .unwritable(path: path, reason: failure)
        }
        finished = true
        release()
    }

    /// Sends `frame` (nil flushes) and writes every packet the encoder returns.
    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
        guard let codec, let packet, let format, let stream else { return }
        var status = avcodec_send_frame(codec, frame)
        guard status >= 0 else { throw .unwritable(path: path, reason: FFmpeg.describe(status)) }
        while true {
            status = avcodec_receive_packet(codec, packet)
            if status == FFmpeg.again || status == FFmpeg.endOfFile { return }
            guard status >= 0 else {
                throw .unwritable(path: path, reason: FFmpeg.describe(status))
            }
            // Every frame lasts one tick; the muxer needs it to give the last frame a duration.
            if packet.pointee.duration == 0 { packet.pointee.duration = 1 }
            av_packet_rescale_ts(packet, codec.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            status = av_interleaved_write_frame(format, packet)
            guard status >= 0 else {
                throw .unwritable(path: path, reason: FFmpeg.describe(status))
            }
        }
    }
}
