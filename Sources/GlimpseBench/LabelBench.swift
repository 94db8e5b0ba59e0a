// `glimpse-bench label`: workload (e) of ../shared/perf/torch_bench.py (`run_label`) with
// GlimpseLabeling's own FrameLabelModel, next to PyTorch measured in the same run; labelling a
// generated video end to end (H.264 decode → CNN → LSTM, through the label-frames stage); and
// the peak resident memory of labelling a short and a long video, each in a fresh process.
//
// B = 8 clips, T = 32 frames, 64×64 RGB, CNN (a) → 8×8×128 grid, LSTM hidden 256, C = 11
// classes (background and 10 activities).
//
// Same shapes, a little more arithmetic than PyTorch's FrameLabeller: FrameLabelModel adds a
// learned position embedding to the grid and feeds the LSTM the grid's mean and its spatial
// soft-argmax keypoints (3·128 = 384 inputs, not 128); streaming takes an Image and
// preprocesses it (resize to the input size, normalisation), PyTorch a ready tensor. The
// compared figures take RGB frames as (e) does; the shipped model's frame-difference input
// (6 channels to the first convolution) is measured beside them, and the end-to-end and memory
// figures use it.
import ArgumentParser
import Foundation
import GlimpseLabeling
import GlimpseLayers
import GlimpseMedia
import GlimpseScenes
import GlimpseTensor

struct LabelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Frame labelling (workload e) next to PyTorch, end to end, and memory by length.")

    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 3
    @Option(help: "Runs per figure of torch_bench.py (it measures NCHW and channels-last).")
    var torchRuns = 5
    @Flag(help: "Fewer runs (2, and 3 for PyTorch).")
    var quick = false
    @Option(help: "Minutes of the short video of the memory check.")
    var shortMinutes = 10
    @Option(help: "Minutes of the long video of the memory check.")
    var longMinutes = 60
    @Option(help: "Frame rate of the memory-check videos (64x64; every frame is labelled).")
    var videoFPS = 5.0
    @Option(help: "Where generated videos are kept between runs.")
    var workdir = NSTemporaryDirectory() + "glimpse-bench-label"
    @Flag(help: "Skip the memory check.")
    var skipMemory = false
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Option(help: .hidden)
    var rssVideo: String?
    @OptionGroup var peer: PeerOptions

    /// PyTorch's figures for (e) in ../shared/perf/README.md (channels-last, the faster layout),
    /// measured 2026-12-03 on the machine type's AVX2 processor.
    static let references = [
        "label_train_frames_s": 360.0, "label_infer_b8_frames_s": 897.0,
        "label_stream_frame_ms": 1.45,
    ]

    /// What a child process reports after labelling one video.
    struct MemoryReport: Codable {
        var frames: Int
        var seconds: Double
        /// VmHWM with the model built, before the video is opened.
        var baselineMiB: Double
        /// VmHWM after labelling every frame.
        var peakMiB: Double
    }

    func run() throws {
        if let rssVideo {
            try reportMemory(labelling: rssVideo)
            return
        }
        Measure.warnAboutOpenBLASOverrides()
        let runs = quick ? 2 : self.runs
        let load = LoadMeter()
        let torch = TorchPeer.measure(workload: "e", runs: quick ? 3 : torchRuns, options: peer)
        var report = SideBySide(
            peer: torch, references: Self.references,
            referenceSource: "../shared/perf/README.md (2026-12-03, AVX2 EPYC)", goal: 1.5)

        let workload = try Self.measure(try Self.workloadModel(frameDifference: false), runs: runs)
        report.note("FrameLabelModel (GlimpseLabeling) at the (e) shapes (RGB frames):")
        report.add(
            "label_train_frames_s", "label train b8 T32 (Adam, clip 5)", workload.train,
            "frames/s")
        report.add("label_infer_b8_frames_s", "label infer b8 T32", workload.infer, "frames/s")
        report.add(
            "label_stream_frame_ms", "label stream, one frame (CNN + LSTM step)",
            workload.streamMilliseconds, "ms", lowerIsBetter: true)
        // `glimpse label train`'s default adds the frame difference: 6 input channels to the
        // first convolution, work PyTorch's (e) does not do, so these are not compared.
        let model = try Self.workloadModel(frameDifference: true)
        let shipped = try Self.measure(model, runs: runs)
        report.note("the same with the frame-difference input (6 channels, as shipped):")
        report.add(
            "label_fd_train_frames_s", "  label train b8 T32", shipped.train, "frames/s",
            compared: false)
        report.add(
            "label_fd_infer_b8_frames_s", "  label infer b8 T32", shipped.infer, "frames/s",
            compared: false)
        report.add(
            "label_fd_stream_frame_ms", "  label stream, one frame", shipped.streamMilliseconds,
            "ms", compared: false)

        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let clip = try activityVideo(frames: 1200, fps: 10)
        var stage = LabelVideoFrames(model: model, fps: 10)
        var labelled = 0
        let whole = try Measure.median(runs: max(1, runs - 1)) {
            labelled = try stage.process(clip).frames.count
        }
        report.add(
            "label_end_to_end_64x64_frames_s", "H.264 64x64 -> CNN -> LSTM (\(labelled) frames)",
            Double(labelled) / whole, "frames/s", compared: false)
        // The end-to-end figure: every frame of a 640×360 30 fps H.264 file, decoded,
        // resized to 64×64, through the CNN and the LSTM. Goal: 300 frames/s (10× real time).
        let wide = try testVideo(width: 640, height: 360, fps: 30, seconds: 20)
        var wideStage = LabelVideoFrames(model: model, fps: 30)
        var wideLabelled = 0
        let wideWhole = try Measure.median(runs: max(1, runs - 1)) {
            wideLabelled = try wideStage.process(wide).frames.count
        }
        report.add(
            "label_end_to_end_frames_s",
            "H.264 640x360 30 fps -> resize -> CNN -> LSTM (\(wideLabelled) frames; goal 300)",
            Double(wideLabelled) / wideWhole, "frames/s", compared: false)

        if !skipMemory {
            for (name, minutes) in [("short", shortMinutes), ("long", longMinutes)] {
                let child = try memoryOfLabelling(try testVideo(minutes: minutes))
                report.add(
                    "label_rss_\(name)_mib",
                    "peak RSS, \(minutes)-min video (\(child.frames) frames)", child.peakMiB,
                    "MiB", compared: false)
                report.add(
                    "label_rss_\(name)_growth_mib", "  of which while labelling",
                    child.peakMiB - child.baselineMiB, "MiB", compared: false)
                report.add(
                    "label_rss_\(name)_frames_s", "  frames/s",
                    Double(child.frames) / child.seconds,
                    "frames/s", compared: false)
            }
        }
        report.add(
            "foreign_cores", "other processes meanwhile", load.foreignCores(), "cores",
            compared: false)
        try report.print(json: json)
    }

    /// The (e) shapes as a FrameLabelModel: the default encoder (conv 3→32→64→128 on 64×64,
    /// or 6→32 first with `frameDifference`), LSTM 256, 11 classes, cross-entropy only.
    static func workloadModel(frameDifference: Bool) throws -> FrameLabelModel {
        var configuration = FrameLabelConfiguration()
        configuration.labels =
            [FrameLabelConfiguration.background] + (1...10).map { "activity\($0)" }
        configuration.temporal = .lstm
        configuration.hidden = 256
        configuration.rankLoss = .none
        configuration.frameDifference = frameDifference
        return try FrameLabelModel(configuration: configuration)
    }

    /// Training and inference frames/s of `model` on 8 random clips of 32 frames, and the
    /// milliseconds of one streamed frame (median of `runs`).
    static func measure(_ model: FrameLabelModel, runs: Int) throws -> (
        train: Double, infer: Double, streamMilliseconds: Double
    ) {
        var generator = SplitMix64(seed: 6)
        let (clips, steps, classes) = (8, 32, model.labels.count)
        // Clip after clip.   [B·T, 3, 64, 64]
        let frames = Tensor(randomNormal: [clips * steps, 3, 64, 64], using: &generator)
        let labels = (0..<clips).map { _ in
            (0..<steps).map { _ in Int(generator.next() % UInt64(classes)) }
        }
        var adam = Adam(parameters: model.parameters, learningRate: 1e-3)
        adam.clipping = .globalNorm(5)  // as LabelTraining sets it up
        // One step as TrainingEngine takes it: loss, finite check, backward, optimizer step.
        let train = try Measure.median(runs: runs) {
            let (loss, _) = model.loss(frames: frames, labels: labels)
            guard loss.scalar.isFinite, adam.lastGradientNorm.isFinite else {
                throw ValidationError("the labelling training step went non-finite")
            }
            loss.backward()
            adam.step()
        }
        let infer = withoutGradients {
            Measure.median(runs: runs * 2) {
                _ = model.logits(frames: frames, lengths: Array(repeating: steps, count: clips))
            }
        }
        guard let still = ActivityGenerator(seed: 3).clip(0).frames.first else {
            throw ValidationError("the activity generator made an empty clip")
        }
        var labeller = FrameLabeler(model: model)
        let stream = Measure.median(runs: runs * 100) { _ = labeller.label(still) }
        let count = Double(clips * steps)
        return (count / train, count / infer, stream * 1000)
    }

    /// A 64×64 H.264 video of generated activity clips, one after another, `frames` frames at
    /// `fps` (kept in the work folder).
    func activityVideo(frames count: Int, fps: Double) throws -> String {
        let path = workdir + "/activities_\(count)_64x64.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".partial.mp4"
        let writer = try VideoWriter(path: partial, width: 64, height: 64, fps: fps)
        let generator = ActivityGenerator(seed: 21)
        var (written, index) = (0, 0)
        while written < count {
            let frames = generator.clip(index).frames
            guard !frames.isEmpty else { throw ValidationError("activity clip \(index) is empty") }
            for frame in frames.prefix(count - written) {
                try writer.append(frame)
                written += 1
            }
            index += 1
        }
        try writer.finish()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// ffmpeg's testsrc2 pattern, 64×64, `minutes` long at ``videoFPS`` (kept in the work
    /// folder).
    func testVideo(minutes: Int) throws -> String {
        try testVideo(width: 64, height: 64, fps: videoFPS, seconds: minutes * 60)
    }

    /// ffmpeg's testsrc2 pattern as H.264 (kept in the work folder).
    func testVideo(width: Int, height: Int, fps: Double, seconds: Int) throws -> String {
        let name = seconds % 60 == 0 ? "\(seconds / 60)min" : "\(seconds)s"
        let path = workdir + "/testsrc2_\(name)_\(width)x\(height)_\(fps)fps.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".partial.mp4"
        try Measure.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=duration=\(seconds):size=\(width)x\(height):rate=\(fps)",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", partial,
            ])
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// Labels `video` in a fresh process of this executable (so nothing measured before counts
    /// in its VmHWM) and returns what it reports.
    func memoryOfLabelling(_ video: String) throws -> MemoryReport {
        let executable = try FileManager.default.destinationOfSymbolicLink(
            atPath: "/proc/self/exe")
        let (status, output) = try TorchPeer.capture(
            executable, ["label", "--rss-video", video, "--video-fps", "\(videoFPS)"])
        guard status == 0, let line = output.split(separator: "\n").last,
            let report = try? JSONDecoder().decode(MemoryReport.self, from: Data(line.utf8))
        else {
            throw ValidationError("labelling \(video) in a child process failed: \(output)")
        }
        return report
    }

    /// The child's side: labels every frame of `video` at ``videoFPS`` and prints a
    /// ``MemoryReport`` as JSON.
    func reportMemory(labelling video: String) throws {
        let model = try Self.workloadModel(frameDifference: true)
        let baseline = Measure.memoryMiB("VmHWM")
        let start = DispatchTime.now().uptimeNanoseconds
        var stage = LabelVideoFrames(model: model, fps: videoFPS)
        let labels = try stage.process(video)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = MemoryReport(
            frames: labels.frames.count, seconds: seconds, baselineMiB: baseline,
            peakMiB: Measure.memoryMiB("VmHWM"))
        print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
    }
}
