// libFuzzer target: JPEG header, EXIF orientation and pixel decoding (TurboJPEG), at full size
// and DCT-scaled, on arbitrary bytes must end in a MediaError or an image, never a crash.
import GlimpseMedia

/// Large enough for every seed, small enough that a forged header cannot make a run slow.
let limits = DecodeLimits(maxPixels: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Other formats belong to other targets: only JPEG content reaches the JPEG decoder.
    guard ImageFormat.detect(bytes) == .jpeg else { return -1 }
    _ = try? ImageInfo(decoding: bytes)
    _ = try? Image(decoding: bytes, limits: limits)
    _ = try? Image(decoding: bytes, layout: .rgba, limits: limits, minimumSize: (5, 3))
    return 0
}
