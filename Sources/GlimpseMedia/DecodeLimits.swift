// The pixel budget checked before any decoder allocates (decompression-bomb defence).

/// Bounds on what a decoder may allocate, checked against the header before decoding.
public struct DecodeLimits: Sendable, Equatable {
    /// The largest `width * height` accepted.
    public var maxPixels: Int

    /// About 100 megapixels, as Pillow's default bomb limit.
    public static let standard = DecodeLimits(maxPixels: 100_000_000)

    public init(maxPixels: Int) {
        self.maxPixels = maxPixels
    }

    /// Throws ``MediaError/tooLarge(path:width:height:limit:)`` when the size is over budget,
    /// and ``MediaError/corrupt(path:reason:)`` when it is empty.
    public func check(width: Int, height: Int, path: String) throws(MediaError) {
        guard width > 0 && height > 0 else {
            throw .corrupt(path: path, reason: "image size \(width)x\(height) is empty")
        }
        guard admits(width: width, height: height) else {
            throw .tooLarge(path: path, width: width, height: height, limit: maxPixels)
        }
    }

    /// Whether a `width` × `height` picture (both positive) is within the budget, with its
    /// pixel count computed without overflow.
    public func admits(width: Int, height: Int) -> Bool {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        return !overflow && pixels <= maxPixels
    }
}
