// libFuzzer target: demuxing and decoding a video held in memory (FFmpeg through a custom
// AVIOContext), converted at the stream's size with a scaled copy beside it and scaled to an
// odd size, with the integrity check, must end in a MediaError or frames, never a crash or an out-of-bounds access.
import GlimpseMedia

/// Small frames and few of them keep each run fast; one decoder thread keeps runs repeatable.
let limits = DecodeLimits(maxPixels: 1 << 18)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVideo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let native = VideoReadOptions(
        scaledCopy: (64, 48), threads: 1, sampling: FrameSampling(maxFrames: 8), limits: limits)
    if let reader = try? VideoReader(decoding: bytes, options: native) {
        _ = try? reader.checkIntegrity()
    }
    let scaled = VideoReadOptions(
        size: (33, 17), threads: 1, sampling: FrameSampling(maxFrames: 2), limits: limits)
    if let reader = try? VideoReader(decoding: bytes, options: scaled) {
        while (try? reader.nextFrame()) != nil {}
    }
    return 0
}
