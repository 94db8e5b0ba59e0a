// Frame labelling as a pipeline stage: a video decoded at the labelling rate and labelled
// online, frame by frame, by the streaming labeller; and the labels it gives.
import Foundation
import GlimpseMedia
import GlimpsePipeline

/// One labelled frame.
public struct FrameLine: Codable, Sendable {
    public var time: Double
    public var label: String
    public var confidence: Double

    public init(time: Double, label: String, confidence: Double) {
        self.time = time
        self.label = label
        self.confidence = confidence
    }

    /// Runs of one label other than background, with their mean confidence; a segment ends at
    /// the next frame's time (or its last frame's).
    public static func segments(_ frames: [FrameLine], background: String) -> [SegmentLine] {
        var segments: [SegmentLine] = []
        var start = 0
        while start < frames.count {
            var end = start
            while end < frames.count && frames[end].label == frames[start].label { end += 1 }
            if frames[start].label != background {
                let run = frames[start..<end]
                segments.append(
                    SegmentLine(
                        start: frames[start].time,
                        end: end < frames.count ? frames[end].time : frames[end - 1].time,
                        label: frames[start].label,
                        confidence: run.map(\.confidence).reduce(0, +) / Double(run.count)))
            }
            start = end
        }
        return segments
    }
}

/// One merged segment.
public struct SegmentLine: Codable, Sendable {
    public var start: Double
    public var end: Double
    public var label: String
    public var confidence: Double

    public init(start: Double, end: Double, label: String, confidence: Double) {
        self.start = start
        self.end = end
        self.label = label
        self.confidence = confidence
    }
}

/// A video's labels: the rate its frames were sampled at, every sampled frame's label, and the
/// merged segments.
public struct VideoLabels: Codable, Sendable {
    public var video: String
    /// Frames per second labelled (what `write-annotated-video` decodes again).
    public var fps: Double
    public var frames: [FrameLine]
    public var segments: [SegmentLine]

    public init(video: String, fps: Double, frames: [FrameLine], segments: [SegmentLine]) {
        self.video = video
        self.fps = fps
        self.frames = frames
        self.segments = segments
    }
}

/// A video that could not be labelled to its end.
public struct PartialLabels: Error, LocalizedError {
    public var message: String
    public var frames: Int

    public init(message: String, frames: Int) {
        self.message = message
        self.frames = frames
    }

    public var errorDescription: String? { message }
}

/// What a command running the `label-frames` stage of a pipeline file is told of each frame as
/// it is labelled (`StageContext.provide(_:)`): `glimpse label VIDEO` prints it and draws it
/// into the annotated video without waiting for the video's end.
public struct FrameListener {
    /// Whether frames come at the video's own size (for drawing on them).
    public var fullSizeFrames: Bool
    /// Called with every frame and its label; an error it throws ends the video's labelling.
    public var onFrame: (VideoFrame, FrameLine) throws -> Void

    public init(fullSizeFrames: Bool, onFrame: @escaping (VideoFrame, FrameLine) throws -> Void) {
        self.fullSizeFrames = fullSizeFrames
        self.onFrame = onFrame
    }
}

/// Labels every sampled frame of a video file as it is decoded (one frame in memory at a time).
public struct LabelVideoFrames: Stage {
    public var model: FrameLabelModel
    /// Frames per second labelled (default: the model's).
    public var fps: Double
    /// Whether `onFrame` is given the frame at the video's own size (for drawing on it);
    /// otherwise frames are decoded straight to the model's input size.
    public var fullSizeFrames: Bool
    /// Frames larger than this are refused before they are decoded.
    public var limits: DecodeLimits
    /// Told of each frame as ``process(_:)`` labels it.
    public var listener: FrameListener?
    /// Where each video's annotated copy is drawn while it is labelled (one decode), as
    /// ``WriteAnnotatedVideo`` would write it; nil draws none.
    public var annotations: WriteAnnotatedVideo?
    public var name: String { "label-frames" }

    public init(
        model: FrameLabelModel, fps: Double? = nil, fullSizeFrames: Bool = false,
        limits: DecodeLimits = .standard, listener: FrameListener? = nil,
        annotations: WriteAnnotatedVideo? = nil
    ) {
        self.model = model
        self.fps = fps ?? model.configuration.fps
        self.fullSizeFrames =
            fullSizeFrames || listener?.fullSizeFrames == true || annotations != nil
        self.limits = limits
        self.listener = listener
        self.annotations = annotations
    }

    public mutating func open() throws {
        try annotations?.open()
    }

    /// Labels `video`; with ``annotations``, its annotated video is finished when the whole
    /// video is labelled and discarded when labelling fails part-way.
    public mutating func process(_ video: String) throws -> VideoLabels {
        guard var annotations else {
            return try label(video) { frame, line in try listener?.onFrame(frame, line) }
        }
        var writer = AnnotatedVideoWriter(path: try annotations.claim(video), fps: fps)
        do {
            let labels = try label(video) { frame, line in
                try listener?.onFrame(frame, line)
                try writer.append(frame.image, labelled: line)
            }
            guard !labels.frames.isEmpty else {
                throw LabelingError.invalidData(
                    path: video, row: nil, reason: "no labelled frames to annotate")
            }
            try writer.finish()
            annotations.wrote(video)
            self.annotations = annotations
            return labels
        } catch {
            writer.discard()
            throw error
        }
    }

    /// The video name that reads a stream from standard input.
    public static let standardInput = "-"

    /// Labels `video` (``standardInput``: the stream piped in), calling `onFrame` with each
    /// frame and its label as they come. A
    /// decoding problem part-way (or at the start) throws ``PartialLabels`` with the count of
    /// frames labelled before it: a partial result is never returned as a whole one.
    public func label(_ video: String, onFrame: (VideoFrame, FrameLine) throws -> Void) throws
        -> VideoLabels
    {
        let preprocessing = model.configuration.encoder.preprocessing
        var frames: [FrameLine] = []
        do {
            // Full-size frames come with the model's input beside them, scaled as training
            // scaled it: the labels do not depend on whether frames are drawn on.
            let input = (preprocessing.width, preprocessing.height)
            let options = VideoReadOptions(
                size: fullSizeFrames ? nil : input, scaledCopy: fullSizeFrames ? input : nil,
                sampling: FrameSampling(fps: fps), limits: limits)
            let reader =
                video == Self.standardInput
                ? try VideoReader(standardInput: options)
                : try VideoReader(path: video, options: options)
            var online = FrameLabeler(model: model)
            while let frame = try reader.nextFrame() {
                let probabilities = online.label(frame.scaledCopy ?? frame.image)
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
                let line = FrameLine(
                    time: frame.time, label: model.labels[best],
                    confidence: Double(probabilities[best]))
                try onFrame(frame, line)
                frames.append(line)
            }
            if let problem = reader.problems.first {
                throw PartialLabels(
                    message: "\(reader.path): \(problem) (labelled up to "
                        + String(format: "%.3f s", reader.lastGoodTime ?? 0) + ")",
                    frames: frames.count)
            }
        } catch let error as MediaError {
            throw PartialLabels(message: error.localizedDescription, frames: frames.count)
        }
        return VideoLabels(
            video: video, fps: fps, frames: frames,
            segments: FrameLine.segments(frames, background: model.labels[0]))
    }
}

/// The frame-labelling stages pipeline files can name.
public enum LabelStages {
    public static let descriptors: [StageDescriptor] = [
        StageDescriptor(
            name: "label-frames",
            summary: "Labels the activity in every sampled frame of a video (online LSTM).",
            parameters: [
                StageParameter("model", .string, required: true, "model directory or name"),
                StageParameter("fps", .number, "frames per second labelled (default: the model's)"),
                StageParameter(
                    "max_pixels", .int, default: .int(DecodeLimits.standard.maxPixels),
                    "refuse frames larger than this many pixels"),
                StageParameter(
                    "annotate", .string,
                    "folder for DIR/ID.mp4, each video with its labels drawn, written as it is "
                        + "labelled (as write-annotated-video, without decoding again)"),
            ]
        ) { arguments, context in
            let directory = try context.modelDirectory(try arguments.string("model"))
            let model = try context.shared(directory) { try FrameLabelModel(contentsOf: directory) }
            let limits = DecodeLimits(
                maxPixels: try arguments.int("max_pixels", in: 1...DecodeLimits.ceiling))
            return LabelVideoFrames(
                model: model, fps: try arguments.optionalNumber("fps", in: 0.001...1000),
                limits: limits, listener: context.provided(FrameListener.self),
                annotations: try arguments.optionalString("annotate").map {
                    WriteAnnotatedVideo(directory: $0, limits: limits)
                })
        },
        StageDescriptor(
            name: "write-subtitles",
            summary: "Writes each video's segments as WebVTT subtitles, DIR/ID.vtt.",
            parameters: [
                StageParameter("dir", .string, required: true, "folder the .vtt files go to")
            ]
        ) { arguments, _ in
            WriteSubtitles(directory: try arguments.string("dir"))
        },
        StageDescriptor(
            name: "write-annotated-video",
            summary: "Writes each labelled video with its frames' labels drawn on, DIR/ID.mp4.",
            parameters: [
                StageParameter("dir", .string, required: true, "folder the .mp4 files go to"),
                StageParameter(
                    "max_pixels", .int, default: .int(DecodeLimits.standard.maxPixels),
                    "refuse frames larger than this many pixels"),
            ]
        ) { arguments, _ in
            WriteAnnotatedVideo(
                directory: try arguments.string("dir"),
                limits: DecodeLimits(
                    maxPixels: try arguments.int("max_pixels", in: 1...DecodeLimits.ceiling)))
        },
    ]
}
