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

/// Separable resampling weights: output index `i` reads `count[i]` taps from `first[i]`.
struct ResampleTaps {
    var first: [Int] = []
    var count: [Int] = []
    var weights: [[Float]] = []

    static func bilinear(from source: Int, to target: Int) -> ResampleTaps {
        var taps = ResampleTaps()
        let scale = Double(source) / Double(target)
        for i in 0..<target {
            let centre = max(0, (Double(i) + 0.5) * scale - 0.5)
            let low = min(Int(centre), source - 1)
            let high = min(low + 1, source - 1)
            let t = Float(centre - Double(low))
            taps.first.append(low)
            if high == low {
                taps.count.append(1)
                taps.weights.append([1])
            } else {
                taps.count.append(2)
                taps.weights.append([1 - t, t])
            }
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
            taps.first.append(first)
            taps.count.append(weights.count)
            taps.weights.append(weights)
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
        let c = channels
        let sourceWidth = self.width
        // Pass 1: rows, into Float [sourceHeight, width, c].
        var rows = [Float](repeating: 0, count: self.height * width * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<self.height {
                    let srcRow = y &* sourceWidth &* c
                    let dstRow = y &* width &* c
                    for x in 0..<width {
                        let first = horizontal.first[x]
                        let weights = horizontal.weights[x]
                        for k in 0..<c {
                            var sum: Float = 0
                            for t in 0..<weights.count {
                                sum += weights[t] * Float(src[srcRow &+ (first &+ t) &* c &+ k])
                            }
                            dst[dstRow &+ x &* c &+ k] = sum
                        }
                    }
                }
            }
        }
        // Pass 2: columns, rounding to 8 bits.
        var out = [UInt8](repeating: 0, count: width * height * c)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let rowLength = width &* c
                for y in 0..<height {
                    let first = vertical.first[y]
                    let weights = vertical.weights[y]
                    let dstRow = y &* rowLength
                    for i in 0..<rowLength {
                        var sum: Float = 0
                        for t in 0..<weights.count {
                            sum += weights[t] * src[(first &+ t) &* rowLength &+ i]
                        }
                        dst[dstRow &+ i] = UInt8(max(0, min(255, (sum + 0.5).rounded(.down))))
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
