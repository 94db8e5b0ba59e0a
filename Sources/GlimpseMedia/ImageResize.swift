// Resizing for model input: bilinear (half-pixel centres, as PyTorch's
// `interpolate(mode="bilinear", align_corners=False, antialias=False)` and OpenCV's INTER_LINEAR)
// and area (each output pixel is the area-weighted mean of the input it covers, as Pillow's BOX).

/// How ``Image/resized(width:height:method:)`` samples the source.
public enum ResizeMethod: String, Sendable, Codable, CaseIterable {
    /// Linear interpolation between the four nearest source pixel centres.
    case bilinear
    /// Mean of the source area under each output pixel; the right choice for large reductions.
    case area
}

/// Separable resampling weights: output index `i` reads `count[i]` taps from source index
/// `first[i]`, weighted by `weights[offset[i] ..< offset[i] + count[i]]`.
struct ResampleTaps {
    var first: [Int] = []
    var count: [Int] = []
    var offset: [Int] = []
    var weights: [Float] = []

    /// The taps' arrays as buffers, for a kernel's loops.
    func withBuffers<R>(
        _ body: (
            UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>,
            UnsafeBufferPointer<Float>
        ) -> R
    ) -> R {
        first.withUnsafeBufferPointer { first in
            count.withUnsafeBufferPointer { count in
                offset.withUnsafeBufferPointer { offset in
                    weights.withUnsafeBufferPointer { body(first, count, offset, $0) }
                }
            }
        }
    }

    /// Adds the next output index's taps.
    mutating func append(first index: Int, weights taps: [Float]) {
        first.append(index)
        count.append(taps.count)
        offset.append(weights.count)
        weights += taps
    }

    static func bilinear(from source: Int, to target: Int) -> ResampleTaps {
        var taps = ResampleTaps()
        let scale = Double(source) / Double(target)
        for i in 0..<target {
            let centre = max(0, (Double(i) + 0.5) * scale - 0.5)
            let low = min(Int(centre), source - 1)
            let high = min(low + 1, source - 1)
            let t = Float(centre - Double(low))
            taps.append(first: low, weights: high == low ? [1] : [1 - t, t])
        }
        return taps
    }

    static func area(from source: Int, to target: Int) -> ResampleTaps {
        var taps = ResampleTaps()
        let scale = Double(source) / Double(target)
        for i in 0..<target {
            let start = Double(i) * scale
            let end = Double(i + 1) * scale
            let first = Int(start)
            let last = min(Int((end - 1e-9).rounded(.up)) - 1, source - 1)
            var weights: [Float] = []
            for j in first...max(first, last) {
                let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                weights.append(Float(overlap / scale))
            }
            taps.append(first: first, weights: weights)
        }
        return taps
    }
}

extension Image {
    /// The image resampled to `width` × `height` (aspect ratio not preserved).
    public func resized(width: Int, height: Int, method: ResizeMethod = .bilinear) -> Image {
        precondition(width > 0 && height > 0, "resize target \(width)x\(height) must be positive")
        if width == self.width && height == self.height { return self }
        let horizontal: ResampleTaps
        let vertical: ResampleTaps
        switch method {
        case .bilinear:
            horizontal = .bilinear(from: self.width, to: width)
            vertical = .bilinear(from: self.height, to: height)
        case .area:
            horizontal = .area(from: self.width, to: width)
            vertical = .area(from: self.height, to: height)
        }
        let c = channels  // 3 or 4 (PixelLayout)
        let sourceWidth = self.width
        // Pass 1: rows, into Float [sourceHeight, width, c]. Every sum adds its taps in order,
        // in both passes.
        var rows = [Float](repeating: 0, count: self.height * width * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                horizontal.withBuffers { first, count, offset, weights in
                    for y in 0..<self.height {
                        let srcRow = y &* sourceWidth &* c
                        let dstRow = y &* width &* c
                        for x in 0..<width {
                            // The c channels' sums side by side (independent additions, each
                            // still in tap order); the fourth is unused for RGB.
                            var p = srcRow &+ first[x] &* c
                            let (start, taps) = (offset[x], count[x])
                            var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
                            for t in 0..<taps {
                                let w = weights[start &+ t]
                                s0 += w * Float(src[p])
                                s1 += w * Float(src[p &+ 1])
                                s2 += w * Float(src[p &+ 2])
                                if c == 4 { s3 += w * Float(src[p &+ 3]) }
                                p &+= c
                            }
                            let q = dstRow &+ x &* c
                            dst[q] = s0
                            dst[q &+ 1] = s1
                            dst[q &+ 2] = s2
                            if c == 4 { dst[q &+ 3] = s3 }
                        }
                    }
                }
            }
        }
        // Pass 2: columns, a whole row of sums a tap at a time, rounding to 8 bits.
        var out = [UInt8](repeating: 0, count: width * height * c)
        let rowLength = width &* c
        var sums = [Float](repeating: 0, count: rowLength)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                sums.withUnsafeMutableBufferPointer { sum in
                    vertical.withBuffers { first, count, offset, weights in
                        for y in 0..<height {
                            for i in 0..<rowLength { sum[i] = 0 }
                            for t in 0..<count[y] {
                                let w = weights[offset[y] &+ t]
                                let line = (first[y] &+ t) &* rowLength
                                for i in 0..<rowLength { sum[i] += w * src[line &+ i] }
                            }
                            let dstRow = y &* rowLength
                            for i in 0..<rowLength {
                                dst[dstRow &+ i] = UInt8(
                                    max(0, min(255, (sum[i] + 0.5).rounded(.down))))
                            }
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, layout: layout, pixels: out)
    }

    /// The image scaled so its shorter side is `length`, keeping the aspect ratio.
    public func resized(shorterSide length: Int, method: ResizeMethod = .bilinear) -> Image {
        precondition(length > 0, "shorter side \(length) must be positive")
        if width <= height {
            let h = max(1, Int((Double(height) * Double(length) / Double(width)).rounded()))
            return resized(width: length, height: h, method: method)
        }
        let w = max(1, Int((Double(width) * Double(length) / Double(height)).rounded()))
        return resized(width: w, height: length, method: method)
    }
}
