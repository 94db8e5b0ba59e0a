// The eight orientations of a raster (EXIF tag 0x0112's values), used for JPEG EXIF
// orientation and for video rotation metadata.

/// How stored pixels must be flipped or rotated to be shown upright. Raw values are EXIF's.
public enum Orientation: Int, Sendable, CaseIterable {
    case up = 1
    case upMirrored = 2
    case down = 3
    case downMirrored = 4
    case leftMirrored = 5
    /// Stored rotated; shown after turning 90° clockwise.
    case right = 6
    case rightMirrored = 7
    /// Stored rotated; shown after turning 90° counter-clockwise.
    case left = 8

    /// The orientation that turns the picture `degrees` clockwise (multiples of 90).
    public init(clockwiseRotation degrees: Int) {
        switch ((degrees % 360) + 360) % 360 {
        case 90: self = .right
        case 180: self = .down
        case 270: self = .left
        default: self = .up
        }
    }

    /// Whether applying the orientation swaps width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }
}

extension Image {
    /// The image as it should be shown, given that its stored pixels have `orientation`.
    public func applying(_ orientation: Orientation) -> Image {
        if orientation == .up { return self }
        let (outWidth, outHeight) = orientation.swapsDimensions ? (height, width) : (width, height)
        let c = channels
        var out = [UInt8](repeating: 0, count: pixels.count)
        let w = width
        let h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // (sx, sy): the stored pixel shown at (x, y).
                        let (sx, sy): (Int, Int) =
                            switch orientation {
                            case .up: (x, y)
                            case .upMirrored: (w - 1 - x, y)
                            case .down: (w - 1 - x, h - 1 - y)
                            case .downMirrored: (x, h - 1 - y)
                            case .leftMirrored: (y, x)
                            case .right: (y, h - 1 - x)
                            case .rightMirrored: (w - 1 - y, h - 1 - x)
                            case .left: (w - 1 - y, x)
                            }
                        let s = (sy * w + sx) * c
                        let d = (y * outWidth + x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, layout: layout, pixels: out)
    }
}
