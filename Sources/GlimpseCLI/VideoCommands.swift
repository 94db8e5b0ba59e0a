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
            abstract:
                "Print a video's size, frame rate, duration, frame count, codec and rotation.",
            discussion: """
                --json prints one object with ffprobe's names and values (-show_streams) for \
                the video stream: width and height as stored, coded_width and coded_height, \
                r_frame_rate, avg_frame_rate and time_base as "num/den" strings, pix_fmt, \
                bit_rate (null when unknown), and rotation as ffprobe's display-matrix \
                rotation (counter-clockwise degrees: -90 for a portrait phone video, 0 \
                without a matrix); plus display_width and display_height (the size as shown, \
                after rotation: what video frames writes), fps (a number), duration (stream, \
                else container), frame_count (null when the container does not say), codec, \
                container, path, and audio: one {index, codec, sample_rate, channels, \
                bit_rate} per audio stream. Numbers are JSON numbers where ffprobe prints \
                strings.
                """)

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
            print(Self.describe(info, file: file))
        }

        /// One line: `clip.mp4: h264 yuv420p 160x96 stored, 96x160 displayed, 10.000 fps (10/1), …`.
        static func describe(_ info: VideoInfo, file: String) -> String {
            var size = "\(info.codec) \(info.pixelFormat ?? "unknown pixel format") "
            size += "\(info.width)x\(info.height)"
            if info.codedWidth > 0, info.codedHeight > 0,
                info.codedWidth != info.width || info.codedHeight != info.height
            {
                size += " (coded \(info.codedWidth)x\(info.codedHeight))"
            }
            if info.displayWidth != info.width || info.displayHeight != info.height {
                size += " stored, \(info.displayWidth)x\(info.displayHeight) displayed"
            }
            var parts = [size]
            let rates =
                info.avgFrameRate == info.rFrameRate
                ? info.avgFrameRate
                : "avg_frame_rate \(info.avgFrameRate), r_frame_rate \(info.rFrameRate)"
            parts.append(String(format: "%.3f fps", info.fps) + " (\(rates))")
            parts.append(
                "duration " + (info.duration.map { String(format: "%.3f s", $0) } ?? "unknown"))
            parts.append((info.frameCount.map(String.init) ?? "unknown") + " frames")
            if let bitRate = info.bitRate { parts.append("\(bitRate) b/s") }
            parts.append("rotation \(info.rotation)")
            for audio in info.audio {
                var line = "audio #\(audio.index) \(audio.codec)"
                if let rate = audio.sampleRate { line += " \(rate) Hz" }
                if let channels = audio.channels {
                    line += " \(channels) channel" + (channels == 1 ? "" : "s")
                }
                if let bitRate = audio.bitRate { line += " \(bitRate) b/s" }
                parts.append(line)
            }
            return "\(file): " + parts.joined(separator: ", ")
        }
    }

    struct Frames: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write sampled frames as frame_000001.png… plus frames.jsonl.",
            discussion: """
                Frames are written upright (rotation metadata applied) at the size video info \
                reports as display_width x display_height, unless --size says otherwise. \
                frames.jsonl has one line per frame written, with ffprobe's field names: \
                {"file":"frame_000001.png","index":10,"pts":5120,"pts_time":0.400000} — index is \
                the frame's position in the stream (from 0), pts its timestamp in the stream's \
                time base (video info's time_base; null when the frame has none), pts_time \
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
            abstract:
                "Decode every frame to RGB without writing anything; fail on a broken stream.",
            discussion: """
                --json prints one object on success: {"path", "frames_decoded", "duration" \
                (seconds: the stream's, else the container's, else the last frame's time), \
                "decode_seconds", "decode_fps"}. A broken stream is an error either way \
                (one line on stderr, exit status 1, nothing on stdout).
                """)

        @Argument(help: "The video file.")
        var file: String
        @Flag(help: "Print one JSON object.")
        var json = false
        @OptionGroup var decode: DecodeOptions

        /// What `--json` prints.
        struct Report: Encodable {
            var path: String
            var framesDecoded: Int
            var duration: Double
            var decodeSeconds: Double
            var decodeFPS: Double

            enum CodingKeys: String, CodingKey {
                case path, duration
                case framesDecoded = "frames_decoded"
                case decodeSeconds = "decode_seconds"
                case decodeFPS = "decode_fps"
            }
        }

        func run() throws {
            let started = Date()
            let reader = try VideoReader(
                path: file, options: VideoReadOptions(limits: decode.limits))
            let frames = try reader.checkIntegrity()
            let seconds = Date().timeIntervalSince(started)
            let report = Report(
                path: file, framesDecoded: frames,
                duration: reader.info.duration ?? reader.lastGoodTime ?? 0,
                decodeSeconds: seconds, decodeFPS: Double(frames) / Swift.max(seconds, 1e-9))
            if json {
                try Standard.printJSON(report)
                return
            }
            print("frames decoded: \(report.framesDecoded)")
            print(String(format: "duration: %.3f s", report.duration))
            print(String(format: "decode fps: %.1f", report.decodeFPS))
        }
    }
}
