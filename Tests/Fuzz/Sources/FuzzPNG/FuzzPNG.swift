// libFuzzer target: PNG header and pixel decoding (libpng through CPNGShim) on arbitrary bytes
// must end in a MediaError or an image, never a crash or an out-of-bounds access.
import GlimpseMedia

/// Large enough for every seed, small enough that a forged header cannot make a run slow.
let limits = DecodeLimits(maxPixels: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Other formats belong to other targets: only PNG content reaches the PNG decoder.
    guard ImageFormat.detect(bytes) == .png else { return -1 }
    _ = try? ImageInfo(decoding: bytes)
    _ = try? Image(decoding: bytes, limits: limits)
    _ = try? Image(decoding: bytes, layout: .rgba, limits: limits)
    return 0
}
