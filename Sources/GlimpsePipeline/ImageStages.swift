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

/// The media stages pipeline files can name.
public enum MediaStages {
    public static let descriptors: [StageDescriptor] = [
        StageDescriptor(
            name: "decode-image",
            summary: "Reads and decodes a PNG or JPEG file (EXIF orientation applied) as RGB.",
            parameters: [
                StageParameter(
                    "max_pixels", .int, default: .int(DecodeLimits.standard.maxPixels),
                    "refuse images larger than this many pixels")
            ],
            parallel: true
        ) { arguments, _ in
            DecodeImage(
                limits: DecodeLimits(
                    maxPixels: try arguments.int("max_pixels", in: 1...DecodeLimits.ceiling)))
        },
        StageDescriptor(
            name: "resize",
            summary: "Resamples an image to width × height.",
            parameters: [
                StageParameter("width", .int, required: true, "output width"),
                StageParameter("height", .int, required: true, "output height"),
            ],
            parallel: true
        ) { arguments, _ in
            Resize(
                width: try arguments.int("width", in: 1...8192),
                height: try arguments.int("height", in: 1...8192))
        },
    ]
}
