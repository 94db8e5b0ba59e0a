// What a video file's container and stream headers say (the `glimpse video info` report).

/// Metadata of the video stream a ``VideoReader`` decodes, as `ffprobe` reports it.
public struct VideoInfo: Codable, Equatable, Sendable {
    /// Stored frame width in pixels (before rotation, as ffprobe reports it).
    public var width: Int
    /// Stored frame height in pixels (before rotation).
    public var height: Int
    /// Average frame rate in frames per second (the stream's `avg_frame_rate`, else `r_frame_rate`).
    public var fps: Double
    /// Duration in seconds, from the stream or else the container; nil when unknown.
    public var duration: Double?
    /// Number of frames the container declares; nil when it does not say (e.g. Matroska, AVI).
    public var frameCount: Int?
    /// Codec name as FFmpeg calls it: `h264`, `hevc`, `vp9`, `mpeg4`, `mjpeg`…
    public var codec: String
    /// Clockwise rotation in degrees (0, 90, 180 or 270) the display matrix asks for.
    /// Decoded frames are rotated accordingly unless the reader is told otherwise.
    public var rotation: Int
    /// Container format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var container: String

    /// Width of the frames as shown (after rotation).
    public var displayWidth: Int { rotation % 180 == 0 ? width : height }
    /// Height of the frames as shown (after rotation).
    public var displayHeight: Int { rotation % 180 == 0 ? height : width }

    enum CodingKeys: String, CodingKey {
        case width, height, fps, duration, codec, rotation, container
        case frameCount = "frame_count"
    }

    /// Encodes every key, with `null` for unknown values, so scripts can rely on the keys.
    public func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(width, forKey: .width)
        try keyed.encode(height, forKey: .height)
        try keyed.encode(fps, forKey: .fps)
        try keyed.encode(duration, forKey: .duration)
        try keyed.encode(frameCount, forKey: .frameCount)
        try keyed.encode(codec, forKey: .codec)
        try keyed.encode(rotation, forKey: .rotation)
        try keyed.encode(self.container, forKey: .container)
    }

    public init(
        width: Int, height: Int, fps: Double, duration: Double?, frameCount: Int?, codec: String,
        rotation: Int, container: String
    ) {
        self.width = width
        self.height = height
        self.fps = fps
        self.duration = duration
        self.frameCount = frameCount
        self.codec = codec
        self.rotation = rotation
        self.container = container
    }
}
