// Media steps as stages: decode a file, resize, crop, normalise.
import GlimpseMedia

/// Reads and decodes an image file (path in, RGB image out).
public struct DecodeImage: Stage, Sendable {
    public var limits: DecodeLimits
    public var name: String { "decode-image" }

    public init(limits: DecodeLimits = .standard) {
        self.limits = limits
    }

    public func process(_ path: String) throws -> Image {
        try Image(contentsOf: path, layout: .rgb, limits: limits)
    }
}

/// Resamples to a fixed size.
public struct Resize: Stage, Sendable {
    public var width: Int
    public var height: Int
    public var method: ResizeMethod
    public var name: String { "resize" }

    public init(width: Int, height: Int, method: ResizeMethod = .bilinear) {
        self.width = width
        self.height = height
        self.method = method
    }

    public func process(_ image: Image) -> Image {
        image.resized(width: width, height: height, method: method)
    }
}

/// Takes the centred region of a fixed size.
public struct CenterCrop: Stage, Sendable {
    public var width: Int
    public var height: Int
    public var name: String { "center-crop" }

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public func process(_ image: Image) -> Image {
        image.centerCropped(width: width, height: height)
    }
}

/// Converts to planar floats with per-channel mean and standard deviation.
public struct Normalize: Stage, Sendable {
    public var mean: [Float]
    public var std: [Float]
    public var name: String { "normalize" }

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    public func process(_ image: Image) -> NormalizedImage {
        NormalizedImage(image, mean: mean, std: std)
    }
}
