// Drawing on images for figures: filled rectangles, pasting one image onto another, integer
// nearest-neighbour enlargement and attention heatmaps blended over a picture (the overlay of
// Xu et al. 2015, "Show, Attend and Tell", Fig. 2–3, with a colormap instead of a white mask).
//
// Shapes: a heatmap grid is [gridHeight, gridWidth] row-major (the attention weights over the
// encoder's feature locations); it is upsampled to [height, width] of the image it covers.

/// Attention grids turned into per-pixel maps.
public enum Heatmap {
    /// `weights` ([gridHeight, gridWidth], row-major) bilinearly upsampled to
    /// [height, width], row-major.
    ///
    /// Half-pixel centres, as ``Image/resized(width:height:method:)`` and PyTorch's
    /// `interpolate(mode="bilinear", align_corners=False)`: output pixel x reads the grid at
    /// u = (x + ½)·gridWidth/width − ½, clamped to [0, gridWidth − 1], so each grid cell's
    /// value is reached at its centre and held flat between the outermost centres and the
    /// borders.
    public static func upsampled(
        _ weights: [Float], gridWidth: Int, gridHeight: Int, width: Int, height: Int
    ) -> [Float] {
        precondition(
            gridWidth > 0 && gridHeight > 0 && width > 0 && height > 0,
            "upsampling a \(gridWidth)x\(gridHeight) grid to \(width)x\(height): sizes must be"
                + " positive")
        precondition(
            weights.count == gridWidth * gridHeight,
            "\(weights.count) weights for a \(gridWidth)x\(gridHeight) grid")
        let (xLow, xHigh, xT) = taps(from: gridWidth, to: width)
        let (yLow, yHigh, yT) = taps(from: gridHeight, to: height)
        var out = [Float](repeating: 0, count: width * height)  // [height, width]
        for y in 0..<height {
            let top = yLow[y] * gridWidth
            let bottom = yHigh[y] * gridWidth
            let ty = yT[y]
            for x in 0..<width {
                let tx = xT[x]
                let upper = weights[top + xLow[x]] * (1 - tx) + weights[top + xHigh[x]] * tx
                let lower = weights[bottom + xLow[x]] * (1 - tx) + weights[bottom + xHigh[x]] * tx
                out[y * width + x] = upper * (1 - ty) + lower * ty
            }
        }
        return out
    }

    /// `values` divided by their maximum, so the strongest is 1. Negative and NaN values count
    /// as 0; a map with nothing positive becomes all zeros rather than dividing by zero.
    public static func normalized(_ values: [Float]) -> [Float] {
        let cleaned = values.map { $0.isNaN ? 0 : max($0, 0) }
        guard let peak = cleaned.max(), peak > 0, peak.isFinite else {
            return [Float](repeating: 0, count: values.count)
        }
        return cleaned.map { $0 / peak }
    }

    /// For each of `target` positions: the two source indices around its centre and the
    /// weight of the second.
    private static func taps(from source: Int, to target: Int) -> ([Int], [Int], [Float]) {
        var low: [Int] = []
        var high: [Int] = []
        var t: [Float] = []
        let step = Double(source) / Double(target)
        for i in 0..<target {
            let centre = min(max((Double(i) + 0.5) * step - 0.5, 0), Double(source - 1))
            let l = Int(centre)
            low.append(l)
            high.append(min(l + 1, source - 1))
            t.append(Float(centre - Double(l)))
        }
        return (low, high, t)
    }
}

extension Image {
    /// Sets the pixels of the `width` × `height` rectangle at (`x`, `y`) to `color` (one sample
    /// per channel, or RGB on an RGBA image, drawn opaque); the part outside the image is
    /// clipped.
    public mutating func fillRectangle(x: Int, y: Int, width: Int, height: Int, color: [UInt8]) {
        let fill = opaqueColor(color)
        let left = max(x, 0)
        let right = min(x + width, self.width)
        let top = max(y, 0)
        let bottom = min(y + height, self.height)
        guard left < right && top < bottom else { return }
        let c = channels
        pixels.withUnsafeMutableBufferPointer { p in
            for row in top..<bottom {
                for column in left..<right {
                    let i = (row * self.width + column) * c
                    for k in 0..<c { p[i + k] = fill[k] }
                }
            }
        }
    }

    /// Draws a straight line of `thickness` × `thickness` dots from (`x0`, `y0`) to
    /// (`x1`, `y1`), both ends included (Bresenham's algorithm); pixels outside are clipped.
    public mutating func drawLine(
        fromX x0: Int, y y0: Int, toX x1: Int, y y1: Int, color: [UInt8], thickness: Int = 1
    ) {
        let (dx, dy) = (abs(x1 - x0), -abs(y1 - y0))
        let (sx, sy) = (x0 < x1 ? 1 : -1, y0 < y1 ? 1 : -1)
        var (x, y, error) = (x0, y0, dx + dy)
        let offset = (thickness - 1) / 2
        while true {
            fillRectangle(
                x: x - offset, y: y - offset, width: thickness, height: thickness, color: color)
            if x == x1 && y == y1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += sx
            }
            if doubled <= dx {
                error += dx
                y += sy
            }
        }
    }

    /// Copies `other` (converted to this image's layout) with its top-left corner at
    /// (`x`, `y`), replacing what was there; the part outside this image is clipped.
    public mutating func paste(_ other: Image, atX x: Int, y: Int) {
        let source = other.layout == layout ? other : other.converted(to: layout)
        let c = channels
        let left = max(x, 0)
        let right = min(x + source.width, width)
        let top = max(y, 0)
        let bottom = min(y + source.height, height)
        guard left < right && top < bottom else { return }
        let run = (right - left) * c
        for row in top..<bottom {
            let dst = (row * width + left) * c
            let src = ((row - y) * source.width + (left - x)) * c
            pixels.replaceSubrange(dst..<(dst + run), with: source.pixels[src..<(src + run)])
        }
    }

    /// This image with `other` pasted at (`x`, `y`); see ``paste(_:atX:y:)``.
    public func pasting(_ other: Image, atX x: Int, y: Int) -> Image {
        var out = self
        out.paste(other, atX: x, y: y)
        return out
    }

    /// The image enlarged `factor` times in each direction by repeating pixels (nearest
    /// neighbour), so a 64×64 model input stays sharp when shown at 192×192.
    public func scaled(by factor: Int) -> Image {
        precondition(factor >= 1, "scale factor \(factor) must be at least 1")
        if factor == 1 { return self }
        let c = channels
        let outWidth = width * factor
        var out = [UInt8](repeating: 0, count: outWidth * height * factor * c)
        for y in 0..<height {
            var row: [UInt8] = []
            row.reserveCapacity(outWidth * c)
            for x in 0..<width {
                let pixel = pixels[((y * width + x) * c)..<((y * width + x + 1) * c)]
                for _ in 0..<factor { row.append(contentsOf: pixel) }
            }
            for r in 0..<factor {
                let dst = ((y * factor + r) * outWidth) * c
                out.replaceSubrange(dst..<(dst + row.count), with: row)
            }
        }
        return Image(width: outWidth, height: height * factor, layout: layout, pixels: out)
    }

    /// The image with an attention grid drawn over it as a heatmap.
    ///
    /// `weights` ([gridHeight, gridWidth], row-major) are upsampled to the image size with
    /// ``Heatmap/upsampled(_:gridWidth:gridHeight:width:height:)``, divided by their maximum
    /// (``Heatmap/normalized(_:)``) to a ∈ [0, 1] and coloured through `colormap`. Each pixel
    /// becomes
    ///
    ///     out = (1 − opacity)·image·(1 − dimming·(1 − a)) + opacity·colormap(a)
    ///
    /// so with `dimming` > 0 the picture also darkens where attention is low and the attended
    /// region stands out. An alpha channel is kept as it was.
    public func overlayingHeatmap(
        _ weights: [Float], gridWidth: Int, gridHeight: Int, opacity: Float = 0.5,
        dimming: Float = 0, colormap: Colormap = .inferno
    ) -> Image {
        precondition((0...1).contains(opacity), "heatmap opacity \(opacity) must be in [0, 1]")
        precondition((0...1).contains(dimming), "heatmap dimming \(dimming) must be in [0, 1]")
        let attention = Heatmap.normalized(
            Heatmap.upsampled(
                weights, gridWidth: gridWidth, gridHeight: gridHeight, width: width,
                height: height))  // [height, width]
        let levels = 256
        let table = colormap.table(count: levels)  // [levels, 3]
        let c = channels
        var out = pixels
        for i in 0..<(width * height) {
            let a = attention[i]
            let entry = Int((a * Float(levels - 1)).rounded()) * 3
            let keep = (1 - opacity) * (1 - dimming * (1 - a))
            for k in 0..<3 {
                let value = keep * Float(pixels[i * c + k]) + opacity * Float(table[entry + k])
                out[i * c + k] = UInt8(min(255, max(0, value.rounded())))
            }
        }
        return Image(width: width, height: height, layout: layout, pixels: out)
    }
}
