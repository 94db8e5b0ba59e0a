// How an image becomes a model's input: stored with every model so inference cannot silently
// differ from training.
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor

/// Resize policy, mean and standard deviation of a vision model's input
/// (`Codable`, snake_case keys, saved in the model's config.json).
public struct Preprocessing: Codable, Equatable, Sendable {
    /// How the image reaches the input size.
    public enum ResizeMode: String, Codable, Sendable, CaseIterable {
        /// Resize to exactly width × height (aspect ratio not kept).
        case stretch
        /// Resize the shorter side to the input size, then take the centre.
        case shorterSideCenterCrop = "shorter_side_center_crop"
        /// Resize the whole image to fit inside the input size, keeping its aspect ratio, and
        /// centre it on the mean colour (zero after normalisation).
        case pad

        /// The command-line name: `stretch`, `crop` or `pad`.
        public var argument: String {
            switch self {
            case .stretch: "stretch"
            case .shorterSideCenterCrop: "crop"
            case .pad: "pad"
            }
        }

        /// The mode a command-line name (``argument``) or config.json value names.
        public init?(argument: String) {
            guard
                let mode = Self.allCases.first(where: {
                    $0.argument == argument || $0.rawValue == argument
                })
            else { return nil }
            self = mode
        }
    }

    /// Input width in pixels: `64`.
    public var width = 64
    /// Input height in pixels: `64`.
    public var height = 64
    /// `"stretch"`, `"shorter_side_center_crop"` or `"pad"`.
    public var resize: ResizeMode = .stretch
    /// Resampling filter: `"area"` (best for reductions) or `"bilinear"`.
    public var method: ResizeMethod = .area
    /// Per-channel mean of pixel / 255: `[0.5, 0.5, 0.5]`.
    public var mean: [Float] = [0.5, 0.5, 0.5]
    /// Per-channel standard deviation of pixel / 255: `[0.25, 0.25, 0.25]`.
    public var std: [Float] = [0.25, 0.25, 0.25]

    public init() {}

    /// The largest input side a configuration may ask for.
    public static let maxSide = 1024

    enum CodingKeys: String, CodingKey {
        case width, height, resize, method, mean, std
    }

    /// Decodes and checks every field: sides in 1...``maxSide``, three finite means and three
    /// positive standard deviations.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        width = try container.decode(Int.self, forKey: .width, in: 1...Self.maxSide)
        height = try container.decode(Int.self, forKey: .height, in: 1...Self.maxSide)
        resize = try container.decode(ResizeMode.self, forKey: .resize)
        method = try container.decode(ResizeMethod.self, forKey: .method)
        mean = try container.decode([Float].self, forKey: .mean, count: 3, each: -1000...1000)
        std = try container.decode([Float].self, forKey: .std, count: 3, each: 1e-6...1000)
    }

    /// The image resized and cropped to the input size.
    public func resized(_ image: Image) -> Image {
        let rgb = image.converted(to: .rgb)
        switch resize {
        case .stretch:
            return rgb.resized(width: width, height: height, method: method)
        case .shorterSideCenterCrop:
            return rgb.resized(shorterSide: max(width, height), method: method)
                .centerCropped(width: width, height: height)
        case .pad:
            let scale = min(Double(width) / Double(rgb.width), Double(height) / Double(rgb.height))
            let fitted = rgb.resized(
                width: min(width, max(1, Int((Double(rgb.width) * scale).rounded()))),
                height: min(height, max(1, Int((Double(rgb.height) * scale).rounded()))),
                method: method)
            let color = mean.map { UInt8(clamping: Int(($0 * 255).rounded())) }
            return fitted.padded(toWidth: width, height: height, color: color)
        }
    }

    /// A batch of images as the model's input tensor.   -> [N, 3, H, W]
    public func tensor(_ images: [Image]) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(images.count * 3 * width * height)
        for image in images {
            scalars += NormalizedImage(resized(image), mean: mean, std: std).values
        }
        return Tensor(shape: [images.count, 3, height, width], scalars: scalars)
    }
}
