// An 8-bit RGB or RGBA raster: the value every decoder produces and every image op consumes.

/// The channel layout of an ``Image``'s interleaved 8-bit samples.
public enum PixelLayout: String, Sendable, Codable {
    case rgb
    case rgba

    /// Samples per pixel: 3 or 4.
    public var channels: Int { self == .rgb ? 3 : 4 }
}

/// An image as interleaved 8-bit samples, row-major, top row first.
///
/// `pixels[(y * width + x) * channels + c]` is channel `c` of the pixel at column `x`, row `y`.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    /// `width * height * layout.channels` samples.
    public var pixels: [UInt8]

    /// Samples per pixel.
    public var channels: Int { layout.channels }

    /// Creates an image from samples; `pixels.count` must be `width * height * layout.channels`.
    public init(width: Int, height: Int, layout: PixelLayout = .rgb, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(
            pixels.count == width * height * layout.channels,
            "\(pixels.count) samples for a \(width)x\(height) \(layout) image")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// Creates an image filled with one colour (`value` has `layout.channels` samples).
    public init(width: Int, height: Int, layout: PixelLayout = .rgb, filledWith value: [UInt8]) {
        precondition(value.count == layout.channels, "fill colour needs \(layout.channels) samples")
        var pixels = [UInt8](repeating: 0, count: width * height * layout.channels)
        for i in 0..<(width * height) {
            for c in 0..<layout.channels { pixels[i * layout.channels + c] = value[c] }
        }
        self.init(width: width, height: height, layout: layout, pixels: pixels)
    }

    /// The same image with its alpha channel dropped (or unchanged when it has none).
    public func droppingAlpha() -> Image {
        guard layout == .rgba else { return self }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[i * 3] = pixels[i * 4]
            rgb[i * 3 + 1] = pixels[i * 4 + 1]
            rgb[i * 3 + 2] = pixels[i * 4 + 2]
        }
        return Image(width: width, height: height, layout: .rgb, pixels: rgb)
    }

    /// The same image with an opaque alpha channel added (or unchanged when it has one).
    public func addingAlpha() -> Image {
        guard layout == .rgb else { return self }
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            rgba[i * 4] = pixels[i * 3]
            rgba[i * 4 + 1] = pixels[i * 3 + 1]
            rgba[i * 4 + 2] = pixels[i * 3 + 2]
        }
        return Image(width: width, height: height, layout: .rgba, pixels: rgba)
    }

    /// The image converted to `layout`.
    public func converted(to layout: PixelLayout) -> Image {
        layout == .rgb ? droppingAlpha() : addingAlpha()
    }
}
