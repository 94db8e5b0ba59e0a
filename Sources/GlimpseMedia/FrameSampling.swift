// Which decoded frames a reader hands out: every n-th, a target rate, a time range, a count.

/// Selects frames from a video stream. All conditions combine; the default keeps every frame.
public struct FrameSampling: Equatable, Sendable {
    /// Keep one frame in `every` (the first of each group), counted from `start`.
    public var every: Int
    /// Keep the first frame at or after each multiple of `1 / fps` seconds from the first kept
    /// frame; nil keeps the stream's own rate.
    public var fps: Double?
    /// Skip frames whose timestamp is before this many seconds (the reader seeks there first).
    public var start: Double?
    /// Stop before the first frame whose timestamp is at or after this many seconds.
    public var end: Double?
    /// Stop after this many frames have been handed out.
    public var maxFrames: Int?

    public init(
        every: Int = 1, fps: Double? = nil, start: Double? = nil, end: Double? = nil,
        maxFrames: Int? = nil
    ) {
        self.every = every
        self.fps = fps
        self.start = start
        self.end = end
        self.maxFrames = maxFrames
    }

    /// Every frame of the stream.
    public static let all = FrameSampling()

    /// Throws when a value is outside its domain.
    public func validate() throws(MediaError) {
        guard every >= 1 else { throw .invalidArgument("--every must be at least 1, got \(every)") }
        if let fps, !(fps > 0 && fps.isFinite) {
            throw .invalidArgument("--fps must be a positive number, got \(fps)")
        }
        if let start, !(start >= 0 && start.isFinite) {
            throw .invalidArgument("--start must be a non-negative number, got \(start)")
        }
        if let end, !(end.isFinite && end > (start ?? 0)) {
            throw .invalidArgument("--end must be after --start, got \(end)")
        }
        if let maxFrames, maxFrames < 1 {
            throw .invalidArgument("--max must be at least 1, got \(maxFrames)")
        }
    }
}

/// The running state of a ``FrameSampling`` over one pass through a stream.
struct FrameSampler {
    let sampling: FrameSampling
    private var candidates = 0
    private var nextTime: Double?
    private(set) var kept = 0

    init(_ sampling: FrameSampling) {
        self.sampling = sampling
    }

    enum Decision { case keep, skip, stop }

    /// Whether to hand out the frame at `time` seconds.
    mutating func decide(time: Double) -> Decision {
        // Half a microsecond of slack absorbs rounding between time bases.
        let epsilon = 5e-7
        if let maxFrames = sampling.maxFrames, kept >= maxFrames { return .stop }
        if let end = sampling.end, time >= end - epsilon { return .stop }
        if let start = sampling.start, time < start - epsilon { return .skip }
        defer { candidates += 1 }
        guard candidates % sampling.every == 0 else { return .skip }
        if let fps = sampling.fps {
            let step = 1 / fps
            if let next = nextTime {
                guard time >= next - epsilon else { return .skip }
                nextTime = next + step * (((time - next) / step + epsilon).rounded(.down) + 1)
            } else {
                nextTime = time + step
            }
        }
        kept += 1
        return .keep
    }
}
