// `glimpse label VIDEO`, `glimpse label train` and `glimpse label eval`: per-frame activity
// labels, online (frames are decoded, encoded and labelled as they arrive).
import ArgumentParser
import Foundation
import GlimpseLabeling
import GlimpseMedia
import GlimpsePipeline
import GlimpseTraining

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label the activity in every sampled frame of a video (CNN + online LSTM).",
        subcommands: [Run.self, Train.self, Evaluate.self], defaultSubcommand: Run.self)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, vtt, activitynet
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Print per-frame labels and merged segments of videos (the default).",
            discussion: """
                table: one line per sampled frame (time, label, confidence) as it is labelled, \
                then the segments. json: one object with "frames" and "segments". csv: the \
                segments as rows video,start_s,end_s,label,confidence (segments.csv's columns \
                and the mean confidence). vtt: the segments as WebVTT subtitles. activitynet: \
                ActivityNet's results JSON {"version", "results": {video: [{label, score, \
                segment}]}} over every video. Several videos, a folder or a glob: one JSON line \
                per video ({"video", "ok": true, "frames", "segments"} or {"video", "ok": false, \
                "error"}) unless --format is csv or activitynet. A video that fails part-way is \
                labelled up to its last good frame, then reported as an error (exit 1).
                """)

        @Argument(
            help: ArgumentHelp(
                "Video files, folders of videos, glob patterns, @LIST files, or -.",
                discussion: "- alone reads a video stream piped in (ffmpeg -i IN -f mpegts - "
                    + "| glimpse label -), labelled as it arrives; piped text is instead read "
                    + "as a list of paths, one per line."))
        var videos: [String]
        @Option(help: "Model directory (default: the shipped models/frame-labeller).")
        var model: String?
        @Option(help: "Frames per second to label (default: the model's).")
        var fps: Double?
        @Option(help: "table, json, csv, vtt or activitynet.")
        var format: Format?
        @Option(
            help: """
                Also write the labelled frames, at the video's size and the labelling rate, \
                with the current label and its confidence drawn on each, to this MP4 (one \
                video only; written only when the whole video was labelled).
                """)
        var annotate: String?
        @OptionGroup var batchRun: BatchRunArguments
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func validate() throws {
            if let fps { try ArgumentCheck.requirePositive(fps, atMost: 1000, flag: "--fps") }
        }

        func run() throws {
            compute.apply()
            let modelDirectory = try ModelLocation.resolve(model, name: "frame-labeller")
            // `-` alone is a video stream piped in unless what comes reads as text (paths).
            let stream =
                videos == [LabelVideoFrames.standardInput]
                && !StandardInput.looksLikeText(StandardInput.shared.peek(upTo: 4096))
            let paths =
                stream
                ? videos
                : try RunInputs.paths(
                    videos, extensions: PipelineInputKind.videos.extensions,
                    recursive: batchRun.recursive)
            let many =
                !stream
                && (paths.count > 1 || batchRun.out != nil
                    || videos.contains { RunInputs.isPattern($0) })
            if many, let format, [.table, .vtt].contains(format) {
                throw ValidationFailure(
                    "--format \(format.rawValue) takes one video; use json, csv or activitynet "
                        + "for several")
            }
            if many, annotate != nil {
                throw ValidationFailure("--annotate takes one video, not \(paths.count)")
            }
            let format = format ?? (many ? .json : .table)
            if !many {
                try labelOne(paths[0], modelDirectory: modelDirectory, format: format)
                return
            }
            let pipeline = try labelPipeline(modelDirectory, context: PipelineLocation.context())
            if batchRun.out != nil {
                let report = try batchRun.run(pipeline, over: RunInputs.items(paths, kind: .videos))
                if report.failed > 0 {
                    Standard.error("\(report.failed) of \(report.written) videos failed")
                    throw ExitCode.failure
                }
                return
            }
            if format == .csv { print("video,start_s,end_s,label,confidence") }
            var results: [String: [ActivityNetResult]] = [:]
            var failures = 0
            _ = try batchRun.run(
                pipeline, over: RunInputs.items(paths, kind: .videos), printing: false
            ) {
                path, result in
                switch result {
                case .success(let value):
                    guard let labels = value as? VideoLabels else { return }
                    try report(labels, format: format, many: true)
                    results[Self.videoID(path)] = labels.segments.map(ActivityNetResult.init)
                case .failure(let error):
                    failures += 1
                    // What decoded is reported as such, never as a complete result.
                    let frames = (error as? PartialLabels)?.frames ?? 0
                    let message = BatchRun.message(error)
                    if format == .json {
                        try Standard.printJSON(
                            VideoFailure(video: path, error: message, frames: frames))
                    } else {
                        Standard.error("error: \(message)")
                    }
                }
            }
            if format == .activitynet {
                try Standard.printJSON(ActivityNetResults(results: results))
            }
            if failures > 0 {
                Standard.error("\(failures) of \(paths.count) videos failed")
                throw ExitCode.failure
            }
        }

        /// pipelines/label-frames.json with this command's model, rate and limits.
        func labelPipeline(_ modelDirectory: String, context: StageContext) throws
            -> LoadedPipeline
        {
            var definition = try PipelineDefinition.read(
                try PipelineLocation.resolve("label-frames"))
            definition.set("model", to: .string(modelDirectory), onStage: "label-frames")
            if let fps { definition.set("fps", to: .number(fps), onStage: "label-frames") }
            definition.set(
                "max_pixels", to: .int(decode.maxPixels), onStage: "label-frames")
            return try PipelineLocation.load(
                definition, path: "pipelines/label-frames.json", context: context)
        }

        /// One video through the pipeline file, online: each frame's line is printed (table)
        /// and drawn into `--annotate` as it is labelled, the segments once the video ends.
        /// Ctrl-C stops between frames; what was labelled is reported as partial.
        func labelOne(_ video: String, modelDirectory: String, format: Format) throws {
            let context = PipelineLocation.context()
            var writer: AnnotatedVideoWriter?
            var labelled = 0
            var lastTime: Double?
            context.provide(
                FrameListener(fullSizeFrames: annotate != nil) { frame, line in
                    if Interruption.requested != nil {
                        throw PartialLabels(
                            message: "\(video): stopped "
                                + (lastTime.map { String(format: "(labelled up to %.3f s)", $0) }
                                    ?? "before its first frame was labelled"),
                            frames: labelled)
                    }
                    try writer?.append(frame.image, labelled: line)
                    labelled += 1
                    lastTime = line.time
                    if format == .table {
                        Standard.output(
                            String(
                                format: "%9.3f  %-12@ %.3f", line.time, line.label,
                                line.confidence))
                    }
                })
            let pipeline = try labelPipeline(modelDirectory, context: context)
            let model = try context.shared(modelDirectory) {
                try FrameLabelModel(contentsOf: modelDirectory)
            }
            writer = annotate.map {
                AnnotatedVideoWriter(path: $0, fps: fps ?? model.configuration.fps)
            }
            if format == .csv { print("video,start_s,end_s,label,confidence") }
            var failure: String?
            _ = try batchRun.run(
                pipeline, over: RunInputs.items([video], kind: .videos), printing: false
            ) { _, result in
                do {
                    let labels = try result.get()
                    guard let labels = labels as? VideoLabels else { return }
                    try writer?.finish()
                    try report(labels, format: format, many: false)
                    if format == .activitynet {
                        try Standard.printJSON(
                            ActivityNetResults(results: [
                                Self.videoID(video): labels.segments.map(ActivityNetResult.init)
                            ]))
                    }
                } catch {
                    // What decoded is reported as such, never as a complete result.
                    failure = BatchRun.message(error)
                }
            }
            if let failure {
                writer?.discard()  // an annotated video cut short is not passed off as whole
                Standard.error("error: \(failure)")
                if let signal = Interruption.requested {
                    throw ExitCode(Interruption.exitStatus(for: signal))
                }
                throw ExitCode.failure
            }
        }

        /// Prints one video's labels in `format` (activitynet is printed once, at the end).
        func report(_ labels: VideoLabels, format: Format, many: Bool) throws {
            let segments = labels.segments
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
                if many {
                    try Standard.printJSON(VideoSuccess(labels))
                } else {
                    try Standard.printJSON(labels)
                }
            case .csv:
                for segment in segments {
                    print(
                        [
                            CSVField.quoted(labels.video), String(format: "%.3f", segment.start),
                            String(format: "%.3f", segment.end), CSVField.quoted(segment.label),
                            String(format: "%.4f", segment.confidence),
                        ].joined(separator: ","))
                }
            case .vtt:
                print(WebVTT.document(segments), terminator: "")
            case .activitynet:
                break
            }
        }

        /// ActivityNet's video id: the file name without its extension.
        static func videoID(_ path: String) -> String {
            ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a frame labeller on a folder with segments.csv; resumable.",
            discussion: "Every 10th video is held out for validation. Progress goes to standard "
                + "error; the summary to standard output.")

        @OptionGroup var data: ActivityDataArguments
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
        @Flag(
            inversion: .prefixedNo,
            help: "Show the CNN each frame with its change since the previous sampled frame.")
        var frameDifference = true
        @Option(help: "Frames sampled per second.")
        var fps: Double = 5
        @Option(help: "Frames per training sequence (truncated backpropagation through time).")
        var window = 64
        @OptionGroup var decode: DecodeOptions
        @OptionGroup(title: "Training")
        var training: TrainingArguments

        func validate() throws {
            try ArgumentCheck.requirePositive(fps, atMost: 1000, flag: "--fps")
            try ArgumentCheck.require(lambdaR, in: 0...1e6, flag: "--lambda-r")
            try ArgumentCheck.require(window, in: 1...100_000, flag: "--window")
        }

        func run() throws {
            let display = training.start()
            let dataset = try data.load()
            var options = LabelTrainingOptions(outputDirectory: out)
            options.configuration.labels = dataset.labels
            options.configuration.temporal = attention ? .attention : temporal
            options.configuration.rankLoss = rankLoss
            options.configuration.lambdaR = lambdaR
            options.configuration.frameDifference = frameDifference
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
                labels: dataset.labels, limits: decode.limits)
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

        @OptionGroup var data: ActivityDataArguments
        @Option(help: "Model directory (default: the shipped models/frame-labeller).")
        var model: String?
        @Flag(
            help: """
                Print one JSON object: frame_accuracy, map, segment_f1, detection_map, \
                early_detection.
                """)
        var json = false
        @OptionGroup var decode: DecodeOptions
        @OptionGroup var compute: ThreadArguments

        func run() throws {
            compute.apply()
            let labeller = try FrameLabelModel(
                contentsOf: try ModelLocation.resolve(model, name: "frame-labeller"))
            let clips = try data.load().clips(
                fps: labeller.configuration.fps,
                preprocessing: labeller.configuration.encoder.preprocessing,
                labels: labeller.labels, limits: decode.limits)
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

/// `--data` (a folder with segments.csv, a CSV file, or ActivityNet JSON) and `--videos`.
struct ActivityDataArguments: ParsableArguments {
    @Option(
        help: """
            A folder with segments.csv (video,start_s,end_s,label) and its videos, or \
            ActivityNet annotation JSON (with --videos).
            """)
    var data: String
    @Option(help: "The videos folder of ActivityNet JSON --data (ID.mp4 or v_ID.mp4).")
    var videos: String?

    func load() throws -> ActivityDataset {
        guard data.lowercased().hasSuffix(".json") else {
            guard videos == nil else {
                throw ValidationFailure("--videos goes with ActivityNet JSON --data, not \(data)")
            }
            return try ActivityDataset(contentsOf: data)
        }
        guard let videos else {
            throw ValidationFailure(
                "--data \(data) is ActivityNet JSON: give its videos folder with --videos")
        }
        return try ActivityDataset(activityNet: data, videos: videos)
    }
}

/// A video's JSON line when several are labelled.
struct VideoSuccess: Encodable {
    var video: String
    var ok = true
    /// The rate the frames were sampled at, as in the one-video JSON.
    var fps: Double
    var frames: [FrameLine]
    var segments: [SegmentLine]

    init(_ labels: VideoLabels) {
        video = labels.video
        fps = labels.fps
        frames = labels.frames
        segments = labels.segments
    }
}

/// A video that failed: the error and how many frames were labelled before it (not printed:
/// a partial result is not passed off as one).
struct VideoFailure: Encodable {
    var video: String
    var ok = false
    var error: String
    var framesBeforeError: Int

    init(video: String, error: String, frames: Int) {
        self.video = video
        self.error = error
        framesBeforeError = frames
    }

    enum CodingKeys: String, CodingKey {
        case video, ok, error
        case framesBeforeError = "frames_before_error"
    }
}

/// One detection of ActivityNet's results file.
struct ActivityNetResult: Encodable {
    var label: String
    var score: Double
    var segment: [Double]

    init(_ segment: SegmentLine) {
        label = segment.label
        score = segment.confidence
        self.segment = [segment.start, segment.end]
    }
}

/// ActivityNet's results file (`version`, `results`, `external_data`).
struct ActivityNetResults: Encodable {
    var version = "VERSION 1.3"
    var results: [String: [ActivityNetResult]]
    var externalData = ExternalData()

    struct ExternalData: Encodable {
        var used = false
        var details = "trained with glimpse label train"
    }

    enum CodingKeys: String, CodingKey {
        case version, results
        case externalData = "external_data"
    }
}

/// Quoting a CSV field (RFC 4180) when it holds a comma, quote or line break.
enum CSVField {
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { ",\"\n\r".contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension TemporalModel: ExpressibleByArgument {}
extension RankLoss: ExpressibleByArgument {}
