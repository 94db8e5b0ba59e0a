// What a video file's container and stream headers say (the `glimpse video info` report), in
// ffprobe's terms: its `-show_streams` field names, and the values it prints for them.
// Reference: FFmpeg 5.1 fftools/ffprobe.c (show_stream), libavutil/display.h.

/// Metadata of the video stream a ``VideoReader`` decodes, and of the file's audio streams,
/// as `ffprobe -show_streams` reports them.
///
/// Sizes: ``width`` × ``height`` is the picture as stored in the stream (ffprobe's `width`,
/// `height`); ``codedWidth`` × ``codedHeight`` is what the decoder codes (ffprobe's
/// `coded_width`, `coded_height`; equal to the stored size for most codecs FFmpeg 5.1 has);
/// ``displayWidth`` × ``displayHeight`` is the picture as shown, after rotation — the size of
/// the frames ``VideoReader`` hands out by default.
public struct VideoInfo: Codable, Equatable, Sendable {
    /// Stored frame width in pixels (before rotation, as ffprobe's `width`).
    public var width: Int
    /// Stored frame height in pixels (before rotation).
    public var height: Int
    /// Width the decoder codes (ffprobe's `coded_width`, read from the opened decoder).
    public var codedWidth: Int
    /// Height the decoder codes (ffprobe's `coded_height`).
    public var codedHeight: Int
    /// Average frame rate in frames per second (the stream's `avg_frame_rate`, else `r_frame_rate`).
    public var fps: Double
    /// The stream's `r_frame_rate` as ffprobe prints it: `"30000/1001"`, `"0/0"` when unknown.
    public var rFrameRate: String
    /// The stream's `avg_frame_rate` as ffprobe prints it.
    public var avgFrameRate: String
    /// The stream's time base, in whose units ``VideoFrame/timestamp`` counts: `"1/12800"`.
    public var timeBase: String
    /// Duration in seconds, from the stream or else the container; nil when unknown.
    public var duration: Double?
    /// Number of frames the container declares; nil when it does not say (e.g. Matroska, AVI).
    public var frameCount: Int?
    /// Codec name as FFmpeg calls it: `h264`, `hevc`, `vp9`, `mpeg4`, `mjpeg`…
    public var codec: String
    /// Pixel format as `av_get_pix_fmt_name` names it (`yuv420p`, `yuvj420p`…); nil when the
    /// headers do not say.
    public var pixelFormat: String?
    /// The stream's bit rate in bits per second; nil when the container does not say.
    public var bitRate: Int?
    /// The display matrix's rotation in degrees as ffprobe prints it (its side data
    /// `rotation`): counter-clockwise, in (-180, 180], 0 without a matrix. A phone's portrait
    /// video says -90: turn the stored picture 90° clockwise to show it.
    public var rotation: Int
    /// The clockwise turn (0, 90, 180 or 270) that shows the stored picture upright: the
    /// display matrix's rotation rounded to quarter turns, negated. Decoded frames are turned
    /// by it unless the reader is told otherwise.
    public var clockwiseRotation: Int
    /// Container format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var container: String
    /// The file's audio streams, in stream order (none are decoded; listed for reports).
    public var audio: [AudioStreamInfo]

    /// Width of the frames as shown (after rotation).
    public var displayWidth: Int { clockwiseRotation % 180 == 0 ? width : height }
    /// Height of the frames as shown (after rotation).
    public var displayHeight: Int { clockwiseRotation % 180 == 0 ? height : width }

    enum CodingKeys: String, CodingKey {
        case width, height, fps, duration, codec, rotation, container, audio
        case codedWidth = "coded_width"
        case codedHeight = "coded_height"
        case displayWidth = "display_width"
        case displayHeight = "display_height"
        case rFrameRate = "r_frame_rate"
        case avgFrameRate = "avg_frame_rate"
        case timeBase = "time_base"
        case frameCount = "frame_count"
        case pixelFormat = "pix_fmt"
        case bitRate = "bit_rate"
    }

    /// Encodes every key, with `null` for unknown values, so scripts can rely on the keys.
    /// `display_width`/`display_height` are included; the clockwise turn is not (it follows
    /// from `rotation`).
    public func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(width, forKey: .width)
        try keyed.encode(height, forKey: .height)
        try keyed.encode(codedWidth, forKey: .codedWidth)
        try keyed.encode(codedHeight, forKey: .codedHeight)
        try keyed.encode(displayWidth, forKey: .displayWidth)
        try keyed.encode(displayHeight, forKey: .displayHeight)
        try keyed.encode(fps, forKey: .fps)
        try keyed.encode(rFrameRate, forKey: .rFrameRate)
        try keyed.encode(avgFrameRate, forKey: .avgFrameRate)
        try keyed.encode(timeBase, forKey: .timeBase)
        try keyed.encode(duration, forKey: .duration)
        try keyed.encode(frameCount, forKey: .frameCount)
        try keyed.encode(codec, forKey: .codec)
        try keyed.encode(pixelFormat, forKey: .pixelFormat)
        try keyed.encode(bitRate, forKey: .bitRate)
        try keyed.encode(rotation, forKey: .rotation)
        try keyed.encode(self.container, forKey: .container)
        try keyed.encode(audio, forKey: .audio)
    }

    public init(from decoder: any Decoder) throws {
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        let rotation = try keyed.decode(Int.self, forKey: .rotation)
        self.init(
            width: try keyed.decode(Int.self, forKey: .width),
            height: try keyed.decode(Int.self, forKey: .height),
            codedWidth: try keyed.decode(Int.self, forKey: .codedWidth),
            codedHeight: try keyed.decode(Int.self, forKey: .codedHeight),
            fps: try keyed.decode(Double.self, forKey: .fps),
            rFrameRate: try keyed.decode(String.self, forKey: .rFrameRate),
            avgFrameRate: try keyed.decode(String.self, forKey: .avgFrameRate),
            timeBase: try keyed.decode(String.self, forKey: .timeBase),
            duration: try keyed.decodeIfPresent(Double.self, forKey: .duration),
            frameCount: try keyed.decodeIfPresent(Int.self, forKey: .frameCount),
            codec: try keyed.decode(String.self, forKey: .codec),
            pixelFormat: try keyed.decodeIfPresent(String.self, forKey: .pixelFormat),
            bitRate: try keyed.decodeIfPresent(Int.self, forKey: .bitRate),
            rotation: rotation, clockwiseRotation: Self.clockwise(fromRotation: Double(rotation)),
            container: try keyed.decode(String.self, forKey: .container),
            audio: try keyed.decode([AudioStreamInfo].self, forKey: .audio))
    }

    public init(
        width: Int, height: Int, codedWidth: Int, codedHeight: Int, fps: Double,
        rFrameRate: String, avgFrameRate: String, timeBase: String, duration: Double?,
        frameCount: Int?, codec: String, pixelFormat: String?, bitRate: Int?, rotation: Int,
        clockwiseRotation: Int, container: String, audio: [AudioStreamInfo]
    ) {
        self.width = width
        self.height = height
        self.codedWidth = codedWidth
        self.codedHeight = codedHeight
        self.fps = fps
        self.rFrameRate = rFrameRate
        self.avgFrameRate = avgFrameRate
        self.timeBase = timeBase
        self.duration = duration
        self.frameCount = frameCount
        self.codec = codec
        self.pixelFormat = pixelFormat
        self.bitRate = bitRate
        self.rotation = rotation
        self.clockwiseRotation = clockwiseRotation
        self.container = container
        self.audio = audio
    }

    /// The clockwise quarter turn (0, 90, 180, 270) that undoes a display matrix's
    /// counter-clockwise `degrees` (libavutil's `av_display_rotation_get`).
    static func clockwise(fromRotation degrees: Double) -> Int {
        guard degrees.isFinite else { return 0 }
        let quarters = Int((-degrees / 90).rounded())
        return ((quarters % 4) + 4) % 4 * 90
    }
}

/// One audio stream, as `ffprobe -show_streams` reports it.
public struct AudioStreamInfo: Codable, Equatable, Sendable {
    /// The stream's index in the file (ffprobe's `index`).
    public var index: Int
    /// Codec name as FFmpeg calls it: `aac`, `mp3`, `opus`…
    public var codec: String
    /// Samples per second; nil when the headers do not say.
    public var sampleRate: Int?
    /// Number of channels; nil when the headers do not say.
    public var channels: Int?
    /// Bit rate in bits per second; nil when the container does not say.
    public var bitRate: Int?

    enum CodingKeys: String, CodingKey {
        case index, codec, channels
        case sampleRate = "sample_rate"
        case bitRate = "bit_rate"
    }

    /// Encodes every key, with `null` for unknown values.
    public func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(index, forKey: .index)
        try keyed.encode(codec, forKey: .codec)
        try keyed.encode(sampleRate, forKey: .sampleRate)
        try keyed.encode(channels, forKey: .channels)
        try keyed.encode(bitRate, forKey: .bitRate)
    }

    public init(index: Int, codec: String, sampleRate: Int?, channels: Int?, bitRate: Int?) {
        self.index = index
        self.codec = codec
        self.sampleRate = sampleRate
        self.channels = channels
        self.bitRate = bitRate
    }
}
