// The pixel budget checked before any decoder allocates (decompression-bomb defence), and the
// file-size bound derived from it.

/// Bounds on what a decoder may allocate, checked against the header before decoding.
public struct DecodeLimits: Sendable, Equatable {
    /// The largest `width * height` accepted. Values above ``ceiling`` act as ``ceiling``.
    public var maxPixels: Int

    /// About 100 megapixels, as Pillow's default bomb limit.
    public static let standard = DecodeLimits(maxPixels: 100_000_000)

    /// The most pixels any limit admits: 2^30 (about 1.07 gigapixels, 4 GiB as RGBA), so that
    /// no budget, however it was set, lets a header ask for more memory than a machine has.
    public static let ceiling = 1 << 30

    /// Bytes per pixel of the largest encoding an image file can use: 16-bit RGBA PNG stored
    /// without compression.
    static let largestBytesPerPixel = 8

    /// Room for metadata (EXIF, ICC profiles, text chunks) on top of the pixel data.
    static let metadataAllowance = 64 << 20

    public init(maxPixels: Int) {
        self.maxPixels = maxPixels
    }

    /// The pixel budget in force: ``maxPixels`` capped at ``ceiling``.
    public var effectiveMaxPixels: Int { min(maxPixels, Self.ceiling) }

    /// The largest image file read whole: 8 bytes per pixel of the budget (16-bit RGBA, stored
    /// uncompressed) plus 64 MiB of metadata, so about 864 MB for the standard budget. A larger
    /// file cannot hold a picture within the budget and is refused before it is read.
    public var maxFileBytes: Int {
        max(effectiveMaxPixels, 0) * Self.largestBytesPerPixel + Self.metadataAllowance
    }

    /// Throws ``MediaError/tooLarge(path:width:height:limit:)`` when the size is over budget,
    /// and ``MediaError/corrupt(path:reason:)`` when it is empty.
    public func check(width: Int, height: Int, path: String) throws(MediaError) {
        guard width > 0 && height > 0 else {
            throw .corrupt(path: path, reason: "image size \(width)x\(height) is empty")
        }
        guard admits(width: width, height: height) else {
            throw .tooLarge(path: path, width: width, height: height, limit: effectiveMaxPixels)
        }
    }

    /// Whether a `width` × `height` picture (both positive) is within the budget, with its
    /// pixel count computed without overflow.
    public func admits(width: Int, height: Int) -> Bool {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        return !overflow && pixels <= effectiveMaxPixels
    }

    /// `width * height * channels`, or nil when the product overflows: the byte count of a
    /// decoded picture, computed before anything is allocated.
    static func byteCount(width: Int, height: Int, channels: Int) -> Int? {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        let (bytes, overflow2) = pixels.multipliedReportingOverflow(by: channels)
        return overflow || overflow2 ? nil : bytes
    }
}
