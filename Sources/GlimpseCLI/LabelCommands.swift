// `glimpse label VIDEO`, `glimpse label train` and `glimpse label eval`: per-frame activity
// labels, online (frames are decoded, encoded and labelled as they arrive).
import ArgumentParser
import Foundation
import GlimpseLabeling
import GlimpseMedia
import GlimpseTraining

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label the activity in every sampled frame of a video (CNN + online LSTM).",
        subcommands: [Run.self, Train.self, Evaluate.self], defaultSubcommand: Run.self)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, vtt
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Print per-frame labels and merged segments of a video (the default).",
            discussion: """
                table: one line per sampled frame (time, label, confidence) as it is labelled, \
                then the segments. json: one object with "frames" and "segments". vtt: the \
                segments as WebVTT subtitles. A video that fails part-way is labelled up to its \
                last good frame, then reported as an error (exit 1).
                """)

        @Argument(help: "The video file.")
        var video: String
        @Option(help: "Model directory (default: the shipped models/frame-labeller).")
        var model: String?
        @Option(help: "Frames per second to label (default: the model's).")
        var fps: Double?
        @Option(help: "table, json or vtt.")
        var format: Format = .table
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            if let fps { try ArgumentCheck.requirePositive(fps, atMost: 1000, flag: "--fps") }
        }

        func run() throws {
            compute.apply()
            let labeller = try FrameLabelModel(
                contentsOf: try ModelLocation.resolve(model, name: "frame-labeller"))
            let preprocessing = labeller.configuration.encoder.preprocessing
            let reader = try VideoReader(
                path: video,
                options: VideoReadOptions(
                    size: (preprocessing.width, preprocessing.height),
                    sampling: FrameSampling(fps: fps ?? labeller.configuration.fps)))
            var online = FrameLabeler(model: labeller)
            var frames: [FrameLine] = []
            while let frame = try reader.nextFrame() {
                let probabilities = online.label(frame.image)
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
                let line = FrameLine(
                    time: frame.time, label: labeller.labels[best],
                    confidence: Double(probabilities[best]))
                if format == .table {
                    print(
                        String(format: "%9.3f  %-12@ %.3f", line.time, line.label, line.confidence))
                }
                frames.append(line)
            }
            if let problem = reader.problems.first {
                throw ValidationFailure(
                    "\(video): \(problem) (labelled up to "
                        + String(format: "%.3f s", reader.lastGoodTime ?? 0) + ")")
            }
            let segments = FrameLine.segments(frames, background: labeller.labels[0])
            switch format {
            case .table:
                print("segments:")
                for segment in segments {
                    print(
                        String(
                            format: "%9.3f – %9.3f  %-12@ %.3f", segment.start, segment.end,
                            segment.label, segment.confidence))
                }
            case .json:
                try Standard.printJSON(
                    VideoLabels(video: video, frames: frames, segments: segments))
            case .vtt:
                print("WEBVTT\n")
                for (index, segment) in segments.enumerated() {
                    print("\(index + 1)")
                    print("\(Self.timestamp(segment.start)) --> \(Self.timestamp(segment.end))")
                    print(String(format: "%@ (%.0f%%)\n", segment.label, segment.confidence * 100))
                }
            }
        }

        /// WebVTT's hh:mm:ss.ttt.
        static func timestamp(_ seconds: Double) -> String {
            let milliseconds = Int((seconds * 1000).rounded())
            return String(
                format: "%02d:%02d:%02d.%03d", milliseconds / 3_600_000,
                milliseconds / 60000 % 60, milliseconds / 1000 % 60, milliseconds % 1000)
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a frame labeller on a folder with segments.csv; resumable.",
            discussion: "Every 10th video is held out for validation. Progress goes to standard "
                + "error; the summary to standard output.")

        @Option(help: "A folder with segments.csv (video,start_s,end_s,label) and its videos.")
        var data: String
        @Option(help: "Model directory to write.")
        var out: String
        @Option(help: "lstm, attention (soft attention over each frame's grid) or pooling.")
        var temporal: TemporalModel = .lstm
        @Flag(help: "Shorthand for --temporal attention.")
        var attention = false
        @Option(help: "Ranking loss: none, score (L_s) or margin (L_m).")
        var rankLoss: RankLoss = .none
        @Option(help: "λ_r, the weight of the ranking loss.")
        var lambdaR: Float = 1
        @Option(help: "Frames sampled per second.")
        var fps: Double = 5
        @Option(help: "Frames per training sequence (truncated backpropagation through time).")
        var window = 64
        @OptionGroup(title: "Training")
        var training: TrainingArguments

        func validate() throws {
            try ArgumentCheck.requirePositive(fps, atMost: 1000, flag: "--fps")
            try ArgumentCheck.require(lambdaR, in: 0...1e6, flag: "--lambda-r")
            try ArgumentCheck.require(window, in: 1...100_000, flag: "--window")
        }

        func run() throws {
            let display = training.start()
            let dataset = try ActivityDataset(contentsOf: data)
            var options = LabelTrainingOptions(outputDirectory: out)
            options.configuration.labels = dataset.labels
            options.configuration.temporal = attention ? .attention : temporal
            options.configuration.rankLoss = rankLoss
            options.configuration.lambdaR = lambdaR
            options.configuration.fps = fps
            options.configuration.window = window
            options.configuration.seed = training.seed
            training.configure(&options.run, defaultEpochs: 20)
            options.batchSize = training.batch ?? 8
            options.learningRate = training.lr ?? 1e-3
            options.seed = training.seed
            options.resume = training.resume
            options.overwrite = training.overwrite
            try options.validate()
            display.message("decoding \(dataset.videos.count) videos at \(fps) fps")
            let clips = try dataset.clips(
                fps: fps, preprocessing: options.configuration.encoder.preprocessing,
                labels: dataset.labels)
            let held = clips.indices.filter { $0 % 10 == 9 }
            let report = try LabelTraining.run(
                options, train: clips.indices.filter { $0 % 10 != 9 }.map { clips[$0] },
                validation: held.map { clips[$0] },
                data: DataFingerprint(
                    dataset.videos.map { video in
                        (video.path as NSString).lastPathComponent + "\t"
                            + video.segments.map { "\($0.start)-\($0.end):\($0.label)" }.joined(
                                separator: ",")
                    }), display: display)
            try TrainingArguments.exitIfInterrupted(report.interruption)
            print(
                String(
                    format: "trained %d epochs, %d steps, %.0f frames/s", report.epochs,
                    report.steps, report.framesPerSecond)
                    + (report.bestAccuracy.map { String(format: ", best frame accuracy %.4f", $0) }
                        ?? ""))
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: """
                Frame accuracy, mAP over frames, segment F1 at tIoU 0.5, detection mAP at tIoU \
                0.5:0.05:0.95 and early-detection accuracy.
                """)

        @Option(help: "A folder with segments.csv and its videos.")
        var data: String
        @Option(help: "Model directory (default: the shipped models/frame-labeller).")
        var model: String?
        @Flag(
            help: """
                Print one JSON object: frame_accuracy, map, segment_f1, detection_map, \
                early_detection.
                """)
        var json = false
        @OptionGroup var compute: ThreadArguments

        func run() throws {
            compute.apply()
            let labeller = try FrameLabelModel(
                contentsOf: try ModelLocation.resolve(model, name: "frame-labeller"))
            let clips = try ActivityDataset(contentsOf: data).clips(
                fps: labeller.configuration.fps,
                preprocessing: labeller.configuration.encoder.preprocessing,
                labels: labeller.labels)
            let scores = LabelTraining.evaluate(labeller, on: clips)
            if json {
                try Standard.printJSON(scores)
                return
            }
            print(
                String(
                    format:
                        "frame accuracy %.4f  mAP %.4f  segment F1@0.5 %.4f  detection mAP %.4f  "
                        + "(%d frames, %d segments)",
                    scores.frameAccuracy, scores.map, scores.segmentF1, scores.detectionMap,
                    scores.frames, scores.segments))
            print(
                "early detection: "
                    + scores.earlyDetection.sorted { $0.key < $1.key }.map {
                        String(format: "%@ %.3f", $0.key, $0.value)
                    }.joined(separator: "  "))
        }
    }
}

/// One labelled frame.
struct FrameLine: Codable {
    var time: Double
    var label: String
    var confidence: Double

    /// Runs of one label other than background, with their mean confidence; a segment ends at
    /// the next frame's time (or its last frame's).
    static func segments(_ frames: [FrameLine], background: String) -> [SegmentLine] {
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
struct SegmentLine: Codable {
    var start: Double
    var end: Double
    var label: String
    var confidence: Double
}

/// `--format json`.
struct VideoLabels: Codable {
    var video: String
    var frames: [FrameLine]
    var segments: [SegmentLine]
}

extension TemporalModel: ExpressibleByArgument {}
extension RankLoss: ExpressibleByArgument {}
