// Cropping and padding: the geometric steps between a decoded image and a model's input size.

extension Image {
    /// The `width` × `height` region whose top-left corner is (`x`, `y`).
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(
            x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= self.width
                && y + height <= self.height,
            "crop \(width)x\(height)+\(x)+\(y) outside a \(self.width)x\(self.height) image")
        let c = channels
        var out = [UInt8](repeating: 0, count: width * height * c)
        for row in 0..<height {
            let src = ((y + row) * self.width + x) * c
            out.replaceSubrange(
                (row * width * c)..<((row + 1) * width * c), with: pixels[src..<(src + width * c)])
        }
        return Image(width: width, height: height, layout: layout, pixels: out)
    }

    /// The centred `width` × `height` region (offsets rounded down, as torchvision's
    /// `center_crop`). Sides larger than the image are padded with black first.
    public func centerCropped(width: Int, height: Int) -> Image {
        let base =
            width > self.width || height > self.height
            ? padded(toWidth: max(width, self.width), height: max(height, self.height)) : self
        return base.cropped(
            x: (base.width - width) / 2, y: (base.height - height) / 2, width: width,
            height: height)
    }

    /// The image centred on a `width` × `height` canvas of `color` (one sample per channel;
    /// black, opaque by default). Sides already at least as large are kept.
    public func padded(toWidth width: Int, height: Int, color: [UInt8]? = nil) -> Image {
        let outWidth = max(width, self.width)
        let outHeight = max(height, self.height)
        let left = (outWidth - self.width) / 2
        let top = (outHeight - self.height) / 2
        return padded(
            top: top, left: left, bottom: outHeight - self.height - top,
            right: outWidth - self.width - left, color: color)
    }

    /// The image with borders of the given widths in `color` (black, opaque by default).
    public func padded(top: Int, left: Int, bottom: Int, right: Int, color: [UInt8]? = nil)
        -> Image
    {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "negative padding")
        let c = channels
        let fill = color ?? (layout == .rgb ? [0, 0, 0] : [0, 0, 0, 255])
        precondition(fill.count == c, "pad colour needs \(c) samples, got \(fill.count)")
        var out = Image(
            width: width + left + right, height: height + top + bottom, layout: layout,
            filledWith: fill)
        for row in 0..<height {
            let dst = ((row + top) * out.width + left) * c
            let src = row * width * c
            out.pixels.replaceSubrange(
                dst..<(dst + width * c), with: pixels[src..<(src + width * c)])
        }
        return out
    }
}
