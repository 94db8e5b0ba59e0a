// `glimpse video info`, `glimpse video frames` and `glimpse video check`.
import ArgumentParser
import Foundation
import GlimpseMedia
import GlimpseSupport

struct VideoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video", abstract: "Inspect, sample and validate videos (any FFmpeg format).",
        subcommands: [Info.self, Frames.self, Check.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a video's size, frame rate, duration, frame count, codec and rotation."
        )

        @Argument(help: "The video file.")
        var file: String
        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let info = try VideoReader(path: file).info
            if json {
                try Standard.printJSON(PathTagged(path: file, value: info))
                return
            }
            let duration = info.duration.map { String(format: "%.3f s", $0) } ?? "unknown"
            let frames = info.frameCount.map(String.init) ?? "unknown"
            print(
                "\(file): \(info.codec) \(info.width)x\(info.height)"
                    + String(format: ", %.3f fps", info.fps) + ", duration \(duration)"
                    + ", \(frames) frames, rotation \(info.rotation)")
        }
    }

    struct Frames: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write sampled frames as frame_000001.png… plus frames.jsonl.",
            discussion: """
                Frames are written upright (rotation metadata applied) at their displayed size \
                unless --size says otherwise. \
                frames.jsonl has one line per frame written, with ffprobe's field names: \
                {"file":"frame_000001.png","index":10,"pts":5120,"pts_time":0.400000} — index is \
                the frame's position in the stream (from 0), pts its timestamp in the stream's \
                time base (null when the frame has none), pts_time \
                the same in seconds.

                --out must be a new or empty folder. A folder holding an earlier run's output \
                is refused unless --overwrite, which deletes its frame_*.png files and \
                frames.jsonl first. A folder holding any other file is always refused, even \
                with --overwrite: Glimpse deletes only files it writes.
                """)

        @Argument(help: "The video file.")
        var file: String
        @Option(help: "The output folder: new or empty (created if missing).")
        var out: String
        @Flag(help: "Replace the frame_*.png and frames.jsonl of an earlier run in --out.")
        var overwrite = false
        @Option(help: "Keep one frame in N.")
        var every: Int?
        @Option(help: "Keep frames at this rate (frames per second).")
        var fps: Double?
        @Option(help: "Start at this time in seconds.")
        var start: Double?
        @Option(help: "Stop before this time in seconds.")
        var end: Double?
        @Option(help: "Scale frames to WxH (as shown, after rotation).")
        var size: Size?
        @Option(help: "Write at most N frames.")
        var max: Int?
        @OptionGroup var decode: DecodeOptions

        func validate() throws {
            if every != nil && fps != nil {
                throw ValidationError("use either --every or --fps, not both")
            }
            if let every { try ArgumentCheck.require(every, in: 1...Int.max, flag: "--every") }
            if let max { try ArgumentCheck.require(max, in: 1...Int.max, flag: "--max") }
            if let fps { try ArgumentCheck.requirePositive(fps, atMost: 1e6, flag: "--fps") }
            if let start { try ArgumentCheck.require(start, in: 0...1e12, flag: "--start") }
            if let end { try ArgumentCheck.require(end, in: 0...1e12, flag: "--end") }
            if let end, end <= start ?? 0 {
                throw ValidationError("--end (\(end)) must be after --start (\(start ?? 0))")
            }
            try size?.validate(within: decode.limits)
        }

        func run() throws {
            let sampling = FrameSampling(
                every: every ?? 1, fps: fps, start: start, end: end, maxFrames: max)
            let reader = try VideoReader(
                path: file,
                options: VideoReadOptions(
                    size: size.map { ($0.width, $0.height) }, sampling: sampling,
                    limits: decode.limits))
            try FrameFolder.prepare(out, overwrite: overwrite)
            var lines = ""
            var written = 0
            while let frame = try reader.nextFrame() {
                written += 1
                let name = FrameFolder.frameName(written)
                try frame.image.write(to: out + "/" + name)
                let pts = frame.timestamp.map { String($0) } ?? "null"
                let time = String(format: "%.6f", frame.time)
                lines +=
                    "{\"file\":\"\(name)\",\"index\":\(frame.index),\"pts\":\(pts),"
                    + "\"pts_time\":\(time)}\n"
            }
            try AtomicFile.write(Array(lines.utf8), to: out + "/" + FrameFolder.index)
            if let problem = reader.problems.first {
                throw MediaError.corrupt(
                    path: file, reason: "\(problem); wrote the \(written) frames decoded before it")
            }
            print("\(written) frames written to \(out)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every frame to RGB without writing anything; fail on a broken stream."
        )

        @Argument(help: "The video file.")
        var file: String
        @OptionGroup var decode: DecodeOptions

        func run() throws {
            let started = Date()
            let reader = try VideoReader(
                path: file, options: VideoReadOptions(limits: decode.limits))
            let frames = try reader.checkIntegrity()
            let seconds = Date().timeIntervalSince(started)
            let duration = reader.info.duration ?? reader.lastGoodTime ?? 0
            print("frames decoded: \(frames)")
            print(String(format: "duration: %.3f s", duration))
            print(String(format: "decode fps: %.1f", Double(frames) / Swift.max(seconds, 1e-9)))
        }
    }
}
