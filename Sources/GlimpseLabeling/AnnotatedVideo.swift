// Labelled frames as a video: each frame at the video's size with a black band holding its
// label and confidence. Shared by `glimpse label --annotate OUT.mp4` (frames drawn as they are
// labelled) and the `write-annotated-video` stage (frames decoded again after label-frames).
import Foundation
import GlimpseMedia
import GlimpsePipeline
import GlimpseSupport

/// Writes labelled frames to an MP4; the file appears at `path` only when ``finish()``
/// succeeds, so a video that was not labelled to its end leaves none.
public struct AnnotatedVideoWriter {
    public let path: String
    /// Frames per second of the output: the labelling rate.
    public let fps: Double
    private var writer: VideoWriter?

    public init(path: String, fps: Double) {
        self.path = path
        self.fps = fps
    }

    /// Appends `frame` with `line`'s label drawn on it; the first frame sets the video's size.
    public mutating func append(_ frame: Image, labelled line: FrameLine) throws(MediaError) {
        if writer == nil {
            writer = try VideoWriter(path: path, width: frame.width, height: frame.height, fps: fps)
        }
        try writer?.append(Self.annotated(frame, with: line))
    }

    /// Finishes the file (nothing is written when no frame was appended).
    public func finish() throws(MediaError) {
        try writer?.finish()
    }

    /// Abandons the file: nothing is left at `path` or beside it.
    public func discard() {
        writer?.discard()
    }

    /// The frame with a black band at the top holding "label 97%", its text about a 24th of
    /// the frame's width per character at most.
    public static func annotated(_ image: Image, with line: FrameLine) -> Image {
        var picture = image
        let text = "\(line.label) \(Int((line.confidence * 100).rounded()))%"
        let scale = max(1, min(image.width / 160, image.height / 60))
        let size = BitmapFont.size(of: text, scale: scale)
        picture.fillRectangle(
            x: 0, y: 0, width: image.width, height: size.height + 4 * scale, color: [0, 0, 0])
        picture.drawText(text, x: 2 * scale, y: 2 * scale, color: [255, 255, 255], scale: scale)
        return picture
    }
}

/// Writes `directory/ID.mp4` (ID: the video's file name without its extension) for each
/// labelled video: its frames decoded again at full size and at the labelling rate, each with
/// its label drawn on, and passes the labels on (label-frames' `annotate` draws them while it
/// labels instead, decoding once). Only whole videos reach it (label-frames fails
/// a video that breaks part-way), and the frames decoded must be those labelled; two videos of
/// one run with the same ID are refused rather than one overwriting the other.
public struct WriteAnnotatedVideo: Stage {
    public var directory: String
    /// Frames larger than this are refused before they are decoded.
    public var limits: DecodeLimits
    private var written: [String: String] = [:]
    public var name: String { "write-annotated-video" }

    public init(directory: String, limits: DecodeLimits = .standard) {
        self.directory = directory
        self.limits = limits
    }

    /// The annotated video of `video`.
    public func path(for video: String) -> String {
        let file = (video as NSString).lastPathComponent
        return directory + "/" + (file as NSString).deletingPathExtension + ".mp4"
    }

    public mutating func open() throws {
        try Directory.create(directory)
    }

    /// The annotated video's path for `video`, refused when another video of this run already
    /// wrote it.
    func claim(_ video: String) throws -> String {
        let output = path(for: video)
        if let earlier = written[output], earlier != video {
            throw LabelingError.invalidArgument(
                "\(video): its annotated video would overwrite that of \(earlier) (\(output))")
        }
        return output
    }

    /// Records that `video`'s annotated video is written.
    mutating func wrote(_ video: String) {
        written[path(for: video)] = video
    }

    public mutating func process(_ labels: VideoLabels) throws -> VideoLabels {
        let output = try claim(labels.video)
        guard !labels.frames.isEmpty else {
            throw LabelingError.invalidData(
                path: labels.video, row: nil, reason: "no labelled frames to annotate")
        }
        let reader = try VideoReader(
            path: labels.video,
            options: VideoReadOptions(sampling: FrameSampling(fps: labels.fps), limits: limits))
        var writer = AnnotatedVideoWriter(path: output, fps: labels.fps)
        var index = 0
        while let frame = try reader.nextFrame() {
            guard index < labels.frames.count, abs(frame.time - labels.frames[index].time) < 1e-6
            else {
                throw LabelingError.invalidData(
                    path: labels.video, row: nil,
                    reason: "decoded frame \(index + 1) at "
                        + String(format: "%.3f s", frame.time)
                        + " is not the labelled one; has the video changed since it was labelled?")
            }
            try writer.append(frame.image, labelled: labels.frames[index])
            index += 1
        }
        if let problem = reader.problems.first {
            throw LabelingError.invalidData(path: labels.video, row: nil, reason: problem)
        }
        guard index == labels.frames.count else {
            throw LabelingError.invalidData(
                path: labels.video, row: nil,
                reason: "\(index) frames decoded but \(labels.frames.count) labelled; has the "
                    + "video changed since it was labelled?")
        }
        try writer.finish()
        wrote(labels.video)
        return labels
    }
}
