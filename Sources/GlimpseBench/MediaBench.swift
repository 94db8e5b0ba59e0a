// `glimpse-bench media`: video decode + RGB conversion and image decode throughput, next to the
// ffmpeg CLI on the same files in the same run, and flat memory while streaming a long video.
// Clips are made with the same ffmpeg commands as ../shared/perf/make_media.sh.
import ArgumentParser
import Foundation
import GlimpseMedia

struct MediaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media", abstract: "Video and image decoding throughput and memory.")

    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 3
    @Option(help: "Where generated clips are cached.")
    var workdir = NSTemporaryDirectory() + "glimpse-bench-media"
    @Flag(help: "Skip the 10-minute streaming memory check.")
    var skipLong = false
    @Flag(help: "Print one JSON array of figures instead of text.")
    var json = false

    /// Medians from ../shared/perf/reference-2026-11-21.md (2 threads, this machine type).
    enum Reference {
        static let pyAV360p = 1190.0  // PyAV threads=AUTO + reused scaler, noisy 360p
        static let pyAV720p = 410.0
        static let pyAV360pTo64 = 1017.0
        static let pillowJPEG = 476.0
        static let pillowJPEGDraft64 = 1282.0
        static let pillowPNG = 124.0
    }

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let clip360 = try makeClip(
            "clip_noisy_360p.mp4", size: "640x360", bitrate: "1M", maxrate: "1.5M", buffer: "2M")
        let clip720 = try makeClip(
            "clip_noisy_720p.mp4", size: "1280x720", bitrate: "3M", maxrate: "4.5M", buffer: "6M")
        var figures: [Figure] = []
        func report(_ figure: Figure) {
            figures.append(figure)
            if !json { print(figure.line()) }
        }

        for (clip, label, reference) in [
            (clip360, "360p H.264 decode -> RGB", Reference.pyAV360p),
            (clip720, "720p H.264 decode -> RGB", Reference.pyAV720p),
        ] {
            let (ours, cli) = try videoThroughput(clip, size: nil)
            report(
                Figure(
                    name: label, value: ours, unit: "frames/s", ffmpegCLI: cli,
                    reference: reference, referenceName: "PyAV"))
        }
        let (small, smallCLI) = try videoThroughput(clip360, size: (64, 64))
        report(
            Figure(
                name: "360p H.264 decode -> 64x64 RGB", value: small, unit: "frames/s",
                ffmpegCLI: smallCLI, reference: Reference.pyAV360pTo64, referenceName: "PyAV"))

        let (jpeg, png) = try makeStills(from: clip720)
        let count = 50
        let jpegRate =
            Double(count)
            / (try Measure.median(runs: runs) {
                for _ in 0..<count { _ = try Image(decoding: jpeg, layout: .rgb) }
            })
        report(
            Figure(
                name: "JPEG 640x480 decode -> RGB", value: jpegRate, unit: "img/s",
                reference: Reference.pillowJPEG, referenceName: "Pillow"))
        let draftRate =
            Double(count)
            / (try Measure.median(runs: runs) {
                for _ in 0..<count {
                    // As Pillow's draft("RGB", (80, 60)): the 1/8 DCT scale of 640x480.
                    _ = try Image(decoding: jpeg, layout: .rgb, minimumSize: (80, 60))
                        .resized(width: 64, height: 64)
                }
            })
        report(
            Figure(
                name: "JPEG 640x480 1/8 decode + resize 64x64", value: draftRate, unit: "img/s",
                reference: Reference.pillowJPEGDraft64, referenceName: "Pillow draft"))
        let pngRate =
            Double(count)
            / (try Measure.median(runs: runs) {
                for _ in 0..<count { _ = try Image(decoding: png, layout: .rgb) }
            })
        report(
            Figure(
                name: "PNG 640x480 decode -> RGB", value: pngRate, unit: "img/s",
                reference: Reference.pillowPNG, referenceName: "Pillow"))

        if !skipLong {
            for figure in try streamingMemory() { report(figure) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        }
    }

    /// Frames per second for Glimpse (decode + RGB, default threads) and for
    /// `ffmpeg -i clip -pix_fmt rgb24 -f null -` on the same clip.
    func videoThroughput(_ clip: String, size: (Int, Int)?) throws -> (Double, Double) {
        var frames = 0
        let ours = try Measure.median(runs: runs) {
            let reader = try VideoReader(path: clip, options: VideoReadOptions(size: size))
            frames = 0
            while try reader.nextFrame() != nil { frames += 1 }
        }
        let filter = size.map { ["-vf", "scale=\($0.0):\($0.1)"] } ?? []
        let cli = try Measure.median(runs: runs) {
            try Measure.run(
                "ffmpeg",
                ["-v", "error", "-nostdin", "-i", clip] + filter + [
                    "-pix_fmt", "rgb24", "-f", "null", "-",
                ])
        }
        return (Double(frames) / ours, Double(frames) / cli)
    }

    func makeClip(_ name: String, size: String, bitrate: String, maxrate: String, buffer: String)
        throws -> String
    {
        let path = workdir + "/" + name
        if FileManager.default.fileExists(atPath: path) { return path }
        try Measure.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=duration=10:size=\(size):rate=30,noise=alls=20:allf=t+u",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-b:v", bitrate, "-maxrate", maxrate,
                "-bufsize", buffer, path,
            ])
        return path
    }

    /// A photo-like 640x480 still (a frame of the noisy 720p clip) as JPEG q90 and PNG.
    func makeStills(from clip: String) throws -> ([UInt8], [UInt8]) {
        let reader = try VideoReader(path: clip, options: VideoReadOptions(size: (640, 480)))
        guard let frame = try reader.nextFrame() else {
            throw ValidationError("\(clip) has no frames")
        }
        return (try frame.image.encoded(as: .jpeg, quality: 90), try frame.image.encoded(as: .png))
    }

    /// Resident memory while streaming a 10-minute clip: it must stay flat.
    func streamingMemory() throws -> [Figure] {
        let path = workdir + "/clip_10min_320x180.mp4"
        if !FileManager.default.fileExists(atPath: path) {
            try Measure.run(
                "ffmpeg",
                [
                    "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=duration=600:size=320x180:rate=30",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path,
                ])
        }
        let reader = try VideoReader(path: path)
        var frames = 0
        var afterFirstMinute = 0.0
        var peak = 0.0
        let start = Date()
        while try reader.nextFrame() != nil {
            frames += 1
            if frames % 600 == 0 {
                let rss = Measure.memoryMiB("VmRSS")
                peak = max(peak, rss)
                if frames == 1800 { afterFirstMinute = rss }
            }
        }
        let rate = Double(frames) / Date().timeIntervalSince(start)
        return [
            Figure(name: "10-min 320x180 stream: frames", value: Double(frames), unit: "frames"),
            Figure(name: "10-min stream: decode -> RGB", value: rate, unit: "frames/s"),
            Figure(name: "10-min stream: RSS after 1 minute", value: afterFirstMinute, unit: "MiB"),
            Figure(name: "10-min stream: peak RSS sampled", value: peak, unit: "MiB"),
        ]
    }
}
